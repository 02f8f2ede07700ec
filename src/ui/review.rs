//! The morning review on screen: one item at a time with its escalation's context (stage, who
//! is involved, the last discussion, what the procedure says comes next), then a summary.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget, Wrap};

use super::dashboard::wrap_words;
use super::state_mark;
use super::theme::{Role, Theme};
use crate::app::State;
use crate::app::review::ReviewWalk;
use crate::core::calendar::format_local;
use crate::core::record::printable;
use crate::core::review::{ReviewItem, Subject};

/// What is due, in words.
pub fn what_is_due(state: &State, item: &ReviewItem) -> String {
    let text = match &item.subject {
        Subject::ImmediateRisk { name, .. } | Subject::Clock { name, .. } => name.clone(),
        Subject::Notification {
            id,
            name,
            form,
            recipient,
        } => {
            // "Inform the original referrer" names its recipient already: not "... to The
            // original referrer" again.
            let mut to = if crate::core::review::names_its_recipient(name, recipient) {
                String::new()
            } else {
                format!(" to {recipient}")
            };
            // The partnership's address or portal, as the dashboard's owed panel gives it.
            if let Some(contact) = state
                .entry(item.escalation_id)
                .and_then(|e| e.schedule.notifications.iter().find(|n| *n.id == **id))
                .and_then(|n| n.contact.as_ref())
            {
                to.push_str(&format!(" ({contact})"));
            }
            match form {
                Some(form) => format!("{name} ({form}){to}"),
                None => format!("{name}{to}"),
            }
        }
        Subject::Action { what, owner, .. } => format!("Action: {what} (owner {owner})"),
    };
    // In privacy mode every spelling of the child's name is hidden, in an action's wording too.
    let text = match state.entry(item.escalation_id) {
        Some(entry) => entry.shown(&text, state.is_privacy),
        None => text,
    };
    printable(&text, false)
}

pub fn render(state: &State, walk: &ReviewWalk, theme: &Theme, area: Rect, buf: &mut Buffer) {
    if walk.summary.is_some() {
        render_summary(state, walk, theme, area, buf);
        return;
    }
    let Some(item) = walk.current() else { return };
    let count = walk.review.items.len();
    let title = format!(
        " Morning review · item {} of {count} · {} item(s) acted on ",
        walk.position + 1,
        walk.acted_on()
    );
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::Focus))
        .title(Span::styled(
            title,
            theme.style(Role::Text).add_modifier(Modifier::BOLD),
        ));
    let text = theme.style(Role::Text);
    let muted = theme.style(Role::Muted);
    let (mark, role) = state_mark(item.state());
    let mut lines = vec![
        Line::styled(
            item.group.heading().to_uppercase(),
            theme.style(role).add_modifier(Modifier::BOLD),
        ),
        Line::from(vec![
            Span::styled(format!("{mark} {}  ", item.status()), theme.style(role)),
            Span::styled(what_is_due(state, item), text.add_modifier(Modifier::BOLD)),
        ]),
        Line::styled(
            match &item.subject {
                // An action is due by the end of its date, not at the midnight after it.
                Subject::Action { due_on, .. } => format!(
                    "   due {} (by the end of the day)",
                    crate::core::calendar::format_date(*due_on)
                ),
                _ => format!("   due {}", format_local(item.due_at)),
            },
            muted,
        ),
    ];
    // A numbered day on a weekend or bank holiday: which working day comes before it, as
    // `escalate review` says (found in the simulated week over Good Friday).
    if let Some(note) = &item.day_note {
        lines.push(Line::styled(format!("   ({note})"), muted));
    }
    if walk.acted.get(walk.position).copied().unwrap_or(false) {
        lines.push(Line::styled(
            "   ✓ acted on during this review",
            theme.style(Role::OnTrack),
        ));
    }
    lines.push(Line::default());
    lines.extend(context_lines(state, item, theme));
    let inner = block.inner(area);
    block.render(area, buf);
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(inner, buf);
}

/// The escalation's context: who and what, its stage and who is involved, the last discussion,
/// and what the procedure says comes next.
fn context_lines(state: &State, item: &ReviewItem, theme: &Theme) -> Vec<Line<'static>> {
    let text = theme.style(Role::Text);
    let muted = theme.style(Role::Muted);
    let Some(entry) = state.entry(item.escalation_id) else {
        return vec![Line::styled(
            format!(
                "Escalation {} is no longer on the dashboard.",
                item.escalation_id
            ),
            muted,
        )];
    };
    let e = &entry.escalation;
    let procedure = state.procedures.get(&e.procedure);
    let label = |name: &str, value: String| {
        Line::from(vec![
            Span::styled(format!("{name}: "), muted),
            Span::styled(value, text),
        ])
    };
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!(
                "Escalation {}: {}",
                e.id,
                entry.child_shown(state.is_privacy)
            ),
            text.add_modifier(Modifier::BOLD),
        ),
        Span::styled(
            if entry.is_immediate_risk() {
                "  IMMEDIATE RISK"
            } else {
                ""
            },
            theme.style(Role::ImmediateRisk),
        ),
    ])];
    // The procedure's advice for a child at immediate risk, whole, and how to record it done.
    if entry.is_immediate_risk()
        && let Some(p) = procedure
    {
        for advice in crate::app::form::immediate_risk_advice(p) {
            lines.push(Line::styled(advice, theme.style(Role::ImmediateRisk)));
        }
        // Once it is recorded as escalated (before the walk or during it), it says so instead
        // of offering `m` again.
        let met = entry
            .schedule
            .clocks
            .iter()
            .find(|c| *c.key == *crate::core::deadline::IMMEDIATE_RISK_KEY)
            .map(|c| c.state)
            .filter(|state| !state.is_live());
        match met {
            Some(state) => lines.push(Line::styled(
                format!(
                    "{} Recorded as escalated ({}): nothing more to record for it here",
                    state_mark(state).0.trim_end(),
                    state.label()
                ),
                theme.style(Role::OnTrack),
            )),
            None => lines.push(Line::styled(
                "m records the immediate risk as escalated (its clock met), with a note of how",
                muted,
            )),
        }
    }
    lines.push(label(
        "Raised with",
        format!("{} ({})", entry.agency, entry.procedure_title),
    ));
    let stage = entry.schedule.stage;
    if let Some(p) = procedure {
        if let Some(s) = p.stage(stage) {
            lines.push(label(
                "Stage",
                format!(
                    "{stage} of {}: {}. Involved: {}",
                    p.last_stage(),
                    s.name,
                    printable(&s.who, false)
                ),
            ));
        }
        let next = match p.stage(stage + 1) {
            _ if !entry.is_open() => "closed; only what it still owes remains".to_owned(),
            Some(next) => format!(
                "if it is not resolved, stage {}: {} ({})",
                next.number, next.name, next.who
            ),
            None => "this is the procedure's last stage".to_owned(),
        };
        lines.push(label("Next", printable(&next, false)));
    }
    match e.discussions.iter().max_by_key(|d| d.at) {
        Some(d) => {
            let first = d.notes.lines().next().unwrap_or_default();
            lines.push(label(
                "Last discussion",
                format!(
                    "{} ({}) with {}: {}",
                    format_local(d.at),
                    d.mode,
                    printable(&entry.shown(&d.participants, state.is_privacy), false),
                    printable(&entry.shown(first, state.is_privacy), false)
                ),
            ));
        }
        None => lines.push(label("Last discussion", "none recorded".to_owned())),
    }
    lines
}

fn render_summary(state: &State, walk: &ReviewWalk, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let outstanding = walk.summary.as_ref().map_or(&[][..], |s| &s.items[..]);
    let count = walk.review.items.len();
    let walked = walk.walked();
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(Role::Focus))
        .title(Span::styled(
            " Morning review: summary ",
            theme.style(Role::Text).add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    let width = usize::from(inner.width).max(1);
    let text = theme.style(Role::Text);
    let muted = theme.style(Role::Muted);
    // Every line wrapped at words to the box, never cut at its edge.
    let wrapped = |line: &str, style| -> Vec<Line<'static>> {
        wrap_words(line, width, usize::MAX)
            .into_iter()
            .map(|l| Line::styled(l, style))
            .collect()
    };
    let mut top = wrapped(
        &format!(
            "{} reviewed · {} acted on · {} still outstanding",
            if walked == count {
                format!("{count} item{}", if count == 1 { "" } else { "s" })
            } else {
                format!("{walked} of {count} items")
            },
            walk.acted_on(),
            outstanding.len()
        ),
        text.add_modifier(Modifier::BOLD),
    );
    top.push(Line::default());
    let mut bottom = vec![Line::default()];
    bottom.extend(wrapped(
        &if walk.is_walked_through() {
            "Enter records this review in the audit trail and goes back to the dashboard."
                .to_owned()
        } else {
            format!(
                "{} items were not reached. Enter records the {walked} walked through; Esc leaves without recording.",
                count - walked
            )
        },
        muted,
    ));
    let mut middle: Vec<Line<'static>> = Vec::new();
    if outstanding.is_empty() {
        middle.extend(wrapped(
            "Nothing from this review is outstanding.",
            theme.style(Role::OnTrack),
        ));
    } else {
        middle.push(Line::styled("Still outstanding:", text));
        // Each item wrapped under its mark; as many whole items as fit, then how many more.
        let room = usize::from(inner.height).saturating_sub(top.len() + bottom.len() + 1);
        let mut items: Vec<Vec<Line<'static>>> = Vec::new();
        for &index in outstanding {
            let Some(item) = walk.review.items.get(index) else {
                continue;
            };
            let (mark, role) = state_mark(item.state());
            let child = state
                .entry(item.escalation_id)
                .map_or("", |e| e.child_shown(state.is_privacy));
            let ticked = if walk.acted.get(index).copied().unwrap_or(false) {
                " (acted on)"
            } else {
                ""
            };
            let status = format!("{mark} {}  ", item.status());
            let about = format!(
                "#{} {child}: {}{ticked}",
                item.escalation_id,
                what_is_due(state, item)
            );
            let mut lines = Vec::new();
            for (n, line) in wrap_words(
                &format!("{status}{about}"),
                width.saturating_sub(3),
                usize::MAX,
            )
            .into_iter()
            .enumerate()
            {
                lines.push(match line.strip_prefix(status.as_str()) {
                    Some(rest) if n == 0 => Line::from(vec![
                        Span::styled(status.clone(), theme.style(role)),
                        Span::styled(rest.to_owned(), text),
                    ]),
                    _ if n == 0 => Line::styled(line, text),
                    _ => Line::styled(format!("   {line}"), text),
                });
            }
            items.push(lines);
        }
        let total = items.len();
        let mut used = 0;
        for (shown, lines) in items.into_iter().enumerate() {
            let is_last = shown + 1 == total;
            // Keep a line for "… more" unless this is the last item.
            let needed = lines.len() + usize::from(!is_last);
            if used + needed > room {
                middle.extend(wrapped(
                    &format!(
                        "… and {} more: escalate review lists every one.",
                        total - shown
                    ),
                    muted,
                ));
                break;
            }
            used += lines.len();
            middle.extend(lines);
        }
    }
    let mut lines = top;
    lines.extend(middle);
    lines.extend(bottom);
    Paragraph::new(lines).render(inner, buf);
}
