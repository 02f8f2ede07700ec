//! A form over the screen: each field with its label, its editor, and in plain words what is
//! wrong with it (✗) or what it was read as (a parsed time). Nothing here changes the form:
//! editors are drawn from a copy, with the cursor shown only in the focused field.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget, Wrap};

use super::theme::{Role, Theme};
use crate::app::form::{Confirm, Field, FieldKind, Form};

/// Lines a field's editor takes.
fn editor_height(field: &Field, width: u16) -> u16 {
    match field.kind {
        FieldKind::Text => 3,
        // A choice whose longest item does not fit on one line (after `← → 1/2 `) takes two,
        // so that the item chosen reads whole.
        FieldKind::Choice
            if field
                .labels
                .iter()
                .map(|l| Span::raw(l.as_str()).width() + 12)
                .max()
                .unwrap_or(0)
                > usize::from(width.saturating_sub(4)) =>
        {
            2
        }
        // A one-line field wraps as it will be saved, so a long entry reads whole while it
        // is typed (up to a few lines; beyond that it scrolls with the cursor).
        FieldKind::Line | FieldKind::When => {
            let typed = field.value();
            let lines = wrapped_lines(&typed, usize::from(width.saturating_sub(4)));
            u16::try_from(lines.clamp(1, MAX_LINE_ROWS)).unwrap_or(1)
        }
        _ => 1,
    }
}

/// The most rows a one-line field grows to as it wraps.
const MAX_LINE_ROWS: usize = 4;

/// How many rows `text` takes wrapped at words into `width` columns (a word wider than the
/// row is broken), with a column left for the cursor at the end: as the editor draws it.
fn wrapped_lines(text: &str, width: usize) -> usize {
    if width == 0 {
        return 1;
    }
    let mut rows = 1;
    let mut used = 0;
    for word in text.split_inclusive(' ') {
        let mut word_width = Span::raw(word).width();
        if used + word_width.saturating_sub(usize::from(word.ends_with(' '))) > width && used > 0 {
            rows += 1;
            used = 0;
        }
        while word_width > width {
            rows += 1;
            word_width -= width;
        }
        used += word_width;
    }
    if used >= width {
        rows += 1;
    }
    rows
}

pub fn render(form: &Form, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let width = area.width.saturating_sub(4).min(96);
    // Preview lines wrap inside the box (less its borders and a margin).
    let text_width = usize::from(width.saturating_sub(3)).max(1);
    let preview_lines: usize = form
        .preview
        .iter()
        .map(|l| l.chars().count().div_ceil(text_width).max(1))
        .sum();
    let preview_height = if form.preview.is_empty() {
        0
    } else {
        u16::try_from(preview_lines)
            .unwrap_or(u16::MAX)
            .saturating_add(1)
    };
    let wanted: u16 = form
        .fields
        .iter()
        .map(|f| 2 + editor_height(f, width))
        .sum::<u16>()
        + 2
        + preview_height;
    let height = wanted.min(area.height.saturating_sub(2));
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    Clear.render(popup, buf);
    buf.set_style(popup, theme.style(Role::Background));
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::Focus))
        .title(Span::styled(
            form.title.clone(),
            theme.style(Role::Text).add_modifier(Modifier::BOLD),
        ));
    let mut inner = block.inner(popup);
    block.render(popup, buf);
    // What saving will set off, above the fields.
    if preview_height > 0 && inner.height > preview_height {
        let lines: Vec<Line> = form
            .preview
            .iter()
            .map(|l| Line::styled(format!(" {l}"), theme.style(Role::Text)))
            .collect();
        Paragraph::new(lines).wrap(Wrap { trim: false }).render(
            Rect::new(inner.x, inner.y, inner.width, preview_height - 1),
            buf,
        );
        inner = Rect::new(
            inner.x,
            inner.y + preview_height,
            inner.width,
            inner.height - preview_height,
        );
    }

    // Fields are shown whole, from the first that keeps the focused one in view on a short
    // terminal; a mark says when more are below.
    let heights: Vec<u16> = form
        .fields
        .iter()
        .map(|f| 2 + editor_height(f, width))
        .collect();
    let mut first = 0;
    while first < form.focus && heights[first..=form.focus].iter().sum::<u16>() > inner.height {
        first += 1;
    }
    let mut y = inner.y;
    let mut last_shown = first;
    for (index, field) in form.fields.iter().enumerate().skip(first) {
        let height = heights[index];
        if y + height > inner.bottom() {
            break;
        }
        render_field(
            field,
            index == form.focus,
            theme,
            Rect::new(inner.x, y, inner.width, height),
            buf,
        );
        y += height;
        last_shown = index;
    }
    if last_shown + 1 < form.fields.len() && popup.height > 0 {
        buf.set_string(
            popup.x + 2,
            popup.bottom() - 1,
            " more below: Tab ",
            theme.style(Role::Muted),
        );
    }
    if first > 0 {
        buf.set_string(
            popup.right().saturating_sub(20),
            popup.y,
            " more above ",
            theme.style(Role::Muted),
        );
    }
    match form.confirm {
        Some(Confirm::Discard) => {
            let text = " Throw away what you typed?  y discards · n goes back to the form ";
            let width = u16::try_from(text.chars().count())
                .unwrap_or(u16::MAX)
                .min(popup.width);
            let confirm = Rect::new(
                popup.x + (popup.width - width) / 2,
                popup.y + popup.height / 2,
                width,
                1,
            );
            Clear.render(confirm, buf);
            Line::styled(text, theme.style(Role::ImmediateRisk)).render(confirm, buf);
        }
        Some(Confirm::ImmediateRisk) => {
            // The procedure's advice, over the form, before a child at risk is saved.
            let advice = form.preview.join(" ");
            let lines = vec![
                Line::styled(
                    "A child at immediate risk: act now, do not wait for the escalation.",
                    theme.style(Role::ImmediateRisk),
                ),
                Line::default(),
                Line::styled(advice, theme.style(Role::Text)),
                Line::default(),
                Line::styled(
                    "y saves it as immediate risk · n goes back to the form",
                    theme.style(Role::Focus),
                ),
            ];
            let inner_width = usize::from(popup.width.saturating_sub(4).max(1));
            // Word wrapping can take a line or two more than the characters need.
            let height: usize = lines
                .iter()
                .map(|l| (l.width() * 11 / 10).div_ceil(inner_width).max(1))
                .sum();
            let height = u16::try_from(height)
                .unwrap_or(u16::MAX)
                .saturating_add(2)
                .min(popup.height);
            let area = Rect::new(
                popup.x + 1,
                popup.y + (popup.height - height) / 2,
                popup.width.saturating_sub(2),
                height,
            );
            Clear.render(area, buf);
            buf.set_style(area, theme.style(Role::Background));
            let block = Block::bordered()
                .border_type(BorderType::Double)
                .border_style(theme.style(Role::ImmediateRisk))
                .title(" Immediate risk ");
            let inner = block.inner(area);
            block.render(area, buf);
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .render(inner, buf);
        }
        None => {}
    }
}

fn render_field(field: &Field, is_focused: bool, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let [label, editor, note] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(editor_height(field, area.width + 2)),
        Constraint::Length(1),
    ])
    .areas(area);
    let label_role = if is_focused { Role::Focus } else { Role::Text };
    let marker = if is_focused { "▶ " } else { "  " };
    Line::from(vec![
        Span::styled(marker, theme.style(Role::Focus)),
        Span::styled(field.label, theme.style(label_role)),
    ])
    .render(label, buf);
    let editor = Rect::new(
        editor.x + 2,
        editor.y,
        editor.width.saturating_sub(2),
        editor.height,
    );
    match field.kind {
        FieldKind::Choice => {
            let arrows = if is_focused { "  ← →" } else { "" };
            let all: usize = field.labels.iter().map(|l| l.chars().count() + 2).sum();
            let mut spans = Vec::new();
            if field.labels.len() > 1 && all + 5 <= usize::from(editor.width) {
                // Every item, where they fit across the form, the chosen one marked in words
                // as well as style (`[yes]`), so that a copy or a screen reader can tell it:
                // the brackets take the spaces either side, so nothing moves as it changes.
                for (i, label) in field.labels.iter().enumerate() {
                    spans.push(if i == field.choice {
                        Span::styled(format!("[{label}]"), theme.style(Role::Focus))
                    } else {
                        Span::styled(format!(" {label} "), theme.style(Role::Muted))
                    });
                }
                spans.push(Span::styled(arrows, theme.style(Role::Muted)));
            } else {
                // Otherwise the chosen one alone, after where it stands in the list.
                if field.items.len() > 1 {
                    let arrows = if is_focused { "← → " } else { "" };
                    spans.push(Span::styled(
                        format!("{arrows}{}/{}", field.choice + 1, field.items.len()),
                        theme.style(Role::Muted),
                    ));
                }
                spans.push(Span::styled(
                    format!(" [{}]", field.chosen_label()),
                    theme.style(if is_focused { Role::Focus } else { Role::Text }),
                ));
            }
            Paragraph::new(Line::from(spans))
                .wrap(Wrap { trim: false })
                .render(editor, buf);
        }
        FieldKind::Toggle => {
            let value = if field.choice == 1 {
                "[x] yes"
            } else {
                "[ ] no"
            };
            let hint = if is_focused { "  Space switches" } else { "" };
            Line::from(vec![
                Span::styled(value, theme.style(Role::Text)),
                Span::styled(hint, theme.style(Role::Muted)),
            ])
            .render(editor, buf);
        }
        _ => {
            let mut text = field.text.clone();
            // Every field wraps at words as it will be saved, so the start of a long line
            // stays in view (a one-line field grows a few rows to show it whole).
            text.set_wrap_mode(ratatui_textarea::WrapMode::WordOrGlyph);
            let base = theme.style(Role::Text);
            text.set_style(base);
            text.set_cursor_line_style(Style::default());
            text.set_cursor_style(if is_focused {
                theme.style(Role::Focus)
            } else {
                base
            });
            buf.set_style(
                editor,
                theme.style(Role::Border).add_modifier(Modifier::UNDERLINED),
            );
            (&text).render(editor, buf);
        }
    }
    let note_line = match (&field.error, &field.hint) {
        (Some(error), _) => Line::styled(format!("  ✗ {error}"), theme.style(Role::Overdue)),
        (None, Some(hint)) => Line::styled(format!("  = {hint}"), theme.style(Role::Muted)),
        (None, None) => Line::default(),
    };
    Paragraph::new(note_line).render(note, buf);
}

#[cfg(test)]
mod tests {
    use super::wrapped_lines;

    #[test]
    fn one_line_fields_take_the_rows_their_words_wrap_to() {
        assert_eq!(wrapped_lines("", 10), 1);
        assert_eq!(wrapped_lines("short", 10), 1);
        // Nine columns and the cursor fill the row; the tenth takes a second.
        assert_eq!(wrapped_lines("123456789", 10), 1);
        assert_eq!(wrapped_lines("1234567890", 10), 2);
        assert_eq!(wrapped_lines("aaaa bbbb cccc", 10), 2);
        assert_eq!(wrapped_lines(&"x".repeat(25), 10), 3);
        assert_eq!(wrapped_lines("龍龍龍龍龍龍", 10), 2);
        assert_eq!(wrapped_lines("anything", 0), 1);
    }
}
