//! Draws the form view (`f`, issue 15): a procedure's form filled from the record, in a box over
//! the screen, scrolled as the state says. Text from the record is made printable first; a
//! field left blank reads `[not recorded — fill in by hand]`, drawn as muted text.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget, Wrap};

use super::theme::{Role, Theme};
use crate::app::paper::FormView;
use crate::core::form::BLANK;
use crate::core::record::printable;

pub fn render(view: &FormView, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let width = area.width.saturating_sub(2).min(100);
    let height = area.height;
    let popup = Rect::new(area.x + (area.width - width) / 2, area.y, width, height);
    Clear.render(popup, buf);
    buf.set_style(popup, theme.style(Role::Background));
    let sending = view
        .notification
        .as_deref()
        .map(|n| format!(", for notification {}", printable(n, false)))
        .unwrap_or_default();
    let title = format!(
        " Form {} of escalation {}{sending}{} ",
        printable(&view.filled.id, false),
        view.escalation,
        if view.is_redacted { " (privacy)" } else { "" }
    );
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::Focus))
        .title(Span::styled(
            title,
            theme.style(Role::Text).add_modifier(Modifier::BOLD),
        ));
    let lines: Vec<Line> = view
        .text
        .lines()
        .map(|line| {
            let shown = printable(line, false);
            let style = if line.trim() == BLANK {
                theme.style(Role::Muted)
            } else if line.starts_with("    ") || line.trim().is_empty() {
                theme.style(Role::Text)
            } else {
                theme.style(Role::Text).add_modifier(Modifier::BOLD)
            };
            Line::styled(shown, style)
        })
        .collect();
    let inner = block.inner(popup);
    block.render(popup, buf);
    let (text_area, editor) = match &view.editing {
        Some(editing) if inner.height > 4 => {
            let [text, editor] =
                Layout::vertical([Constraint::Fill(1), Constraint::Length(3)]).areas(inner);
            let field = Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(theme.style(Role::Focus))
                .title(Span::styled(
                    format!(" {} ", printable(&editing.label, false)),
                    theme.style(Role::Text).add_modifier(Modifier::BOLD),
                ));
            (
                text,
                Some((
                    editor,
                    field,
                    format!("{}▏", printable(&editing.buffer, false)),
                )),
            )
        }
        _ => (inner, None),
    };
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .scroll((view.scroll, 0))
        .render(text_area, buf);
    if let Some((area, field, typed)) = editor {
        Clear.render(area, buf);
        Paragraph::new(typed)
            .style(theme.style(Role::Text))
            .block(field)
            .render(area, buf);
    }
}
