//! One escalation in full: who and what, the stage timeline with every clock's due time and
//! whether it was met, how the most urgent due time was worked out, notifications, discussions
//! (newest first), actions and outcome; and the audit trail on its own tab.

use chrono::{DateTime, Utc};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget, Wrap};

use super::state_mark;
use super::theme::{Role, Theme};
use crate::app::{DetailTab, Entry, State};
use crate::core::calendar::{format_local, local_date};
use crate::core::deadline::{ClockStatus, Countdown, Status};
use crate::core::record::{Outcome, printable};

fn when(t: DateTime<Utc>) -> String {
    format_local(t)
}

pub fn render(
    state: &State,
    theme: &Theme,
    id: i64,
    tab: DetailTab,
    scroll: u16,
    area: Rect,
    buf: &mut Buffer,
) {
    let [tabs, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let (record_role, audit_role) = match tab {
        DetailTab::Record => (Role::Focus, Role::Muted),
        DetailTab::Audit => (Role::Muted, Role::Focus),
    };
    Line::from(vec![
        Span::styled(" Record ", theme.style(record_role)),
        Span::raw(" "),
        Span::styled(" Audit trail ", theme.style(audit_role)),
    ])
    .render(tabs, buf);
    let Some(entry) = state.entry(id) else {
        Paragraph::new("This escalation is no longer in the caseload (it may have been closed elsewhere). Esc goes back.")
            .style(theme.style(Role::Muted))
            .render(body, buf);
        return;
    };
    // Scrolling stops with the last line at the bottom rather than running on into blank space.
    let scroll = scroll.min(max_scroll_of(&paragraph(state, theme, entry, tab), body));
    paragraph(state, theme, entry, tab)
        .scroll((scroll, 0))
        .render(body, buf);
}

/// How far the detail view of `id` scrolls in a screen of `area` (the whole screen less its
/// header and status lines): the last line at the bottom. The runtime measures it after each
/// draw and tells `update`, so that `j` stops there too.
pub fn max_scroll(state: &State, theme: &Theme, id: i64, tab: DetailTab, area: Rect) -> u16 {
    let [_, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    state.entry(id).map_or(0, |entry| {
        max_scroll_of(&paragraph(state, theme, entry, tab), body)
    })
}

fn max_scroll_of(paragraph: &Paragraph, body: Rect) -> u16 {
    let lines = paragraph.line_count(body.width.saturating_sub(2));
    u16::try_from(lines.saturating_sub(usize::from(body.height))).unwrap_or(u16::MAX)
}

/// The record or the audit trail of `entry`, in its box, wrapped.
fn paragraph<'a>(state: &State, theme: &Theme, entry: &Entry, tab: DetailTab) -> Paragraph<'a> {
    let lines = match tab {
        DetailTab::Record => record_lines(state, theme, entry),
        DetailTab::Audit => audit_lines(state, theme, entry),
    };
    let id = entry.escalation.id;
    let title = format!(" Escalation {id}: {} ", entry.child_shown(state.is_privacy));
    Paragraph::new(lines)
        .block(
            Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(theme.style(Role::Border))
                .title(Span::styled(
                    title,
                    theme.style(Role::Text).add_modifier(Modifier::BOLD),
                )),
        )
        .wrap(Wrap { trim: false })
}

fn heading(theme: &Theme, text: &str) -> Line<'static> {
    Line::styled(
        text.to_owned(),
        theme
            .style(Role::Text)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
    )
}

fn field(theme: &Theme, label: &str, value: String) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{label}: "), theme.style(Role::Muted)),
        Span::styled(value, theme.style(Role::Text)),
    ])
}

fn block_lines(theme: &Theme, text: &str) -> Vec<Line<'static>> {
    printable(text, true)
        .lines()
        .map(|l| Line::styled(format!("  {l}"), theme.style(Role::Text)))
        .collect()
}

fn clock_line(state: &State, theme: &Theme, clock: &ClockStatus) -> Line<'static> {
    let (mark, role) = state_mark(clock.state);
    let status = match (
        clock.state.is_live(),
        Countdown::of_clock(&state.calendar, clock, state.now),
    ) {
        (true, Some(countdown)) => countdown.to_string(),
        _ => clock.state.label().to_owned(),
    };
    let due = clock.due_at.map_or_else(|| "not started".to_owned(), when);
    // A numbered day on a weekend or bank holiday keeps its date: say which working day is before.
    let day_note = clock
        .due_at
        .and_then(|due| state.calendar.numbered_day_note(clock.timescale, due))
        .map(|note| format!(" ({note})"))
        .unwrap_or_default();
    let provisional = if clock.is_provisional {
        " (provisional)"
    } else {
        ""
    };
    let mut spans = vec![
        Span::styled(format!("  {mark} {status:<28}"), theme.style(role)),
        Span::styled(format!(" {}", clock.name), theme.style(Role::Text)),
        Span::styled(
            format!("  due {due}{day_note}{provisional}"),
            theme.style(Role::Muted),
        ),
    ];
    if clock.is_reason_required {
        spans.push(Span::styled(
            "  REASON FOR DELAY REQUIRED",
            theme.style(Role::Overdue),
        ));
    }
    Line::from(spans)
}

fn record_lines(state: &State, theme: &Theme, entry: &Entry) -> Vec<Line<'static>> {
    let e = &entry.escalation;
    // In privacy mode, every spelling of the child's name is hidden in free text too.
    let hide = |text: &str| entry.shown(text, state.is_privacy);
    let s = &entry.schedule;
    let procedure = state.procedures.get(&e.procedure);
    let mut lines = Vec::new();
    let status = match s.status {
        Status::Open => "OPEN",
        Status::Resolved => "RESOLVED",
        Status::Withdrawn => "WITHDRAWN",
    };
    let stage_name = procedure
        .and_then(|p| p.stage(s.stage))
        .map_or("", |st| st.name.as_str());
    lines.push(Line::styled(
        format!(
            "{status} · stage {} of {}: {stage_name}",
            s.stage, entry.stage_count
        ),
        theme.style(Role::Text).add_modifier(Modifier::BOLD),
    ));
    lines.push(Line::styled(
        entry.procedure_title.clone(),
        theme.style(Role::Muted),
    ));
    if entry.is_immediate_risk() {
        let advice = procedure.map_or("", |p| p.immediate_risk.as_str());
        lines.push(Line::styled(
            format!(
                " IMMEDIATE RISK OF SIGNIFICANT HARM: {} ",
                printable(advice, false)
            ),
            theme.style(Role::ImmediateRisk),
        ));
        let is_act_now = s.clocks.iter().any(|c| {
            *c.key == *crate::core::deadline::IMMEDIATE_RISK_KEY
                && c.is_act_now
                && c.state.is_live()
        });
        if let (true, Some(text)) = (
            is_act_now,
            procedure.and_then(|p| p.immediate.out_of_hours.as_deref()),
        ) {
            lines.push(Line::styled(
                format!(" {} ", printable(text, false)),
                theme.style(Role::ImmediateRisk),
            ));
        }
        lines.push(Line::styled(
            "m records the immediate risk as escalated (its clock met), with a note of how",
            theme.style(Role::Muted),
        ));
    }
    lines.push(Line::default());
    let mut child = entry.child_shown(state.is_privacy).to_owned();
    if !state.is_privacy {
        if let Some(dob) = e.child.dob {
            child.push_str(&format!(", born {}", dob.format("%-d %b %Y")));
        }
        if let Some(reference) = &e.child.reference {
            child.push_str(&format!(", record {}", printable(reference, false)));
        }
    }
    lines.push(field(theme, "Child", child));
    lines.push(field(
        theme,
        "Raised by",
        format!(
            "{} ({}), {}",
            printable(&e.raised_by, false),
            printable(&e.agency, false),
            when(e.raised_at)
        ),
    ));
    lines.push(field(theme, "Raised with", entry.agency.clone()));
    if let Some(concern) = e.concern_at {
        lines.push(field(theme, "Concern arose", when(concern)));
    }
    lines.push(field(theme, "Category", e.category.to_string()));
    if let Some(school) = &e.school {
        lines.push(field(theme, "School", printable(school, false)));
    }
    // Who last changed it: the audit trail's latest entry, once the trail has loaded.
    if let Some((trail_id, trail)) = &state.trail
        && *trail_id == e.id
        && let Some(last) = trail.last()
    {
        lines.push(field(
            theme,
            "Last changed",
            format!("by {}, {}", printable(&last.actor, false), when(last.at)),
        ));
    }
    lines.push(Line::styled("Circumstances:", theme.style(Role::Muted)));
    lines.extend(block_lines(theme, &hide(&e.summary)));
    if let Some(sought) = &e.outcome_sought {
        lines.push(Line::styled("Outcome sought:", theme.style(Role::Muted)));
        lines.extend(block_lines(theme, &hide(sought)));
    }
    // What the partnership forms ask beyond the header (issue 15), where recorded; the
    // address and postcode withheld in privacy mode, like the name.
    for (name, what) in crate::core::record::DETAIL_FIELDS {
        let Some(value) = e.details.get(name) else {
            continue;
        };
        let what = what.split([':', '(']).next().unwrap_or(what).trim();
        let label = format!("{}{}", what[..1].to_uppercase(), &what[1..]);
        let value = if state.is_privacy && crate::core::record::is_sensitive_detail(name) {
            "(withheld)".to_owned()
        } else {
            hide(&value).replace('\n', ", ")
        };
        lines.push(field(theme, &label, printable(&value, false)));
    }

    lines.push(Line::default());
    lines.push(heading(theme, "Stage timeline"));
    for clock in s.clocks.iter().filter(|c| c.stage.is_none()) {
        lines.push(clock_line(state, theme, clock));
    }
    for period in &s.stages {
        let name = procedure
            .and_then(|p| p.stage(period.stage))
            .map_or("", |st| st.name.as_str());
        let left = period
            .left_at
            .map(|t| format!(", left {}", when(t)))
            .unwrap_or_default();
        lines.push(Line::styled(
            format!(
                "Stage {} {name}: entered {}{left}",
                period.stage,
                when(period.entered_at)
            ),
            theme.style(Role::Text),
        ));
        if let Some(who) = procedure
            .and_then(|p| p.stage(period.stage))
            .map(|st| st.who.clone())
        {
            lines.push(Line::styled(
                format!("  Involved: {who}"),
                theme.style(Role::Muted),
            ));
        }
        for clock in s.clocks.iter().filter(|c| c.stage == Some(period.stage)) {
            lines.push(clock_line(state, theme, clock));
        }
    }
    if let Some(clock) = s.most_urgent_clock()
        && let Some(start) = clock.started_at
    {
        lines.push(Line::default());
        lines.push(heading(
            theme,
            &format!("How \"{}\" is worked out", clock.name),
        ));
        let explanation = state.calendar.explain(clock.timescale, start, s.day_one);
        for line in explanation.lines {
            lines.push(Line::styled(format!("  {line}"), theme.style(Role::Muted)));
        }
        if let (Some(allowed), Some(due)) = (clock.tightened_from, clock.due_at) {
            let why = e
                .notes
                .iter()
                .find(|n| {
                    n.kind == crate::core::record::NoteKind::ClockTightened
                        && *n.clock == *clock.key
                        && n.at == due
                })
                .map(|n| printable(&hide(&n.text), false))
                .unwrap_or_default();
            lines.push(Line::styled(
                format!(
                    "  Tightened on this escalation from {} to {}: {why}",
                    when(allowed),
                    when(due)
                ),
                theme.style(Role::Text),
            ));
        }
    }

    lines.push(Line::default());
    lines.push(heading(theme, "Notifications"));
    if s.notifications.is_empty() {
        lines.push(Line::styled(
            "  none required yet",
            theme.style(Role::Muted),
        ));
    }
    for n in &s.notifications {
        let (mark, role) = state_mark(n.state);
        let status = match n.sent_at {
            Some(sent) => format!("sent {}", when(sent)),
            None => Countdown::of_notification(&state.calendar, n, state.now).to_string(),
        };
        let form = n
            .form
            .as_deref()
            .map(|f| format!(" [{f}]"))
            .unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(format!("  {mark} {status:<28}"), theme.style(role)),
            Span::styled(format!(" {}{form}", n.name), theme.style(Role::Text)),
            Span::styled(
                format!("  to {}, due {}", n.recipient, when(n.due_at)),
                theme.style(Role::Muted),
            ),
        ]));
    }

    lines.push(Line::default());
    lines.push(heading(theme, "Discussions (newest first)"));
    if e.discussions.is_empty() {
        lines.push(Line::styled("  none recorded", theme.style(Role::Muted)));
    }
    for d in e.discussions.iter().rev() {
        let agreed = if d.is_agreement {
            ", agreement reached"
        } else {
            ""
        };
        lines.push(Line::styled(
            format!(
                "{} · {} · stage {}{agreed} · with {}",
                when(d.at),
                d.mode,
                d.stage,
                printable(&hide(&d.participants), false)
            ),
            theme.style(Role::Text),
        ));
        lines.extend(block_lines(theme, &hide(&d.notes)));
        if let Some(decisions) = &d.decisions {
            lines.push(Line::styled("  Decisions:", theme.style(Role::Muted)));
            lines.extend(block_lines(theme, &hide(decisions)));
        }
    }

    if !e.actions.is_empty() {
        lines.push(Line::default());
        lines.push(heading(theme, "Actions"));
        let today = local_date(state.now);
        for a in &e.actions {
            let (text, role) = match a.done_at {
                Some(done) => (format!("✓  done {}", when(done)), Role::OnTrack),
                None if a.due_on < today => {
                    (format!("!! OVERDUE since {}", a.due_on), Role::Overdue)
                }
                None => (format!("·  due {}", a.due_on), Role::OnTrack),
            };
            lines.push(Line::from(vec![
                Span::styled(format!("  {text:<32}"), theme.style(role)),
                Span::styled(
                    format!(
                        " {} (owner {})",
                        printable(&hide(&a.what), false),
                        printable(&hide(&a.owner), false)
                    ),
                    theme.style(Role::Text),
                ),
            ]));
        }
    }

    if let Some(outcome) = &e.outcome {
        lines.push(Line::default());
        lines.push(heading(theme, "Outcome"));
        match &**outcome {
            Outcome::Resolved {
                at,
                stage,
                how,
                learning,
                parents_informed,
                why_not,
                child_record_updated,
                ..
            } => {
                lines.push(Line::styled(
                    format!("Resolved at stage {stage}, {}", when(*at)),
                    theme.style(Role::Text),
                ));
                lines.extend(block_lines(theme, &hide(how)));
                if let Some(learning) = learning {
                    lines.push(Line::styled("  Learning:", theme.style(Role::Muted)));
                    lines.extend(block_lines(theme, &hide(learning)));
                }
                let yes_no = |answer: &Option<bool>| match answer {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "not recorded",
                };
                lines.push(field(
                    theme,
                    "Parents or carers informed",
                    yes_no(parents_informed).to_owned(),
                ));
                if let Some(why) = why_not {
                    lines.extend(block_lines(theme, &format!("Why not: {}", hide(why))));
                }
                lines.push(field(
                    theme,
                    "Child's record updated",
                    yes_no(child_record_updated).to_owned(),
                ));
            }
            Outcome::Withdrawn { at, stage, why, .. } => {
                lines.push(Line::styled(
                    format!("Withdrawn at stage {stage}, {}", when(*at)),
                    theme.style(Role::Text),
                ));
                lines.extend(block_lines(theme, &hide(why)));
            }
        }
    }
    if !e.amendments.is_empty() {
        lines.push(Line::default());
        lines.push(heading(theme, "Amendments (originals kept)"));
        for a in &e.amendments {
            let (old, new) = if state.is_privacy
                && (matches!(a.field.as_str(), "child" | "dob")
                    || crate::core::record::is_sensitive_detail(&a.field))
            {
                ("(hidden)".to_owned(), "(hidden)".to_owned())
            } else {
                (
                    printable(&hide(a.old_value.as_deref().unwrap_or("")), false),
                    printable(&hide(a.new_value.as_deref().unwrap_or("")), false),
                )
            };
            lines.push(Line::styled(
                format!(
                    "  {} {} changed {} from \"{old}\" to \"{new}\": {}",
                    when(a.at),
                    printable(&a.by, false),
                    printable(&a.field, false),
                    printable(&hide(&a.why), false)
                ),
                theme.style(Role::Text),
            ));
        }
    }
    if !e.corrections.is_empty() {
        lines.push(Line::default());
        lines.push(heading(theme, "Corrections (originals kept)"));
        for c in &e.corrections {
            lines.push(Line::styled(
                format!(
                    "  {} {} {}",
                    when(c.at),
                    printable(&c.by, false),
                    printable(&hide(&c.describe()), false)
                ),
                theme.style(Role::Text),
            ));
        }
    }
    lines
}

fn audit_lines(state: &State, theme: &Theme, entry: &Entry) -> Vec<Line<'static>> {
    let id = entry.escalation.id;
    match &state.trail {
        Some((trail_id, trail)) if *trail_id == id => trail
            .iter()
            .map(|a| {
                Line::from(vec![
                    Span::styled(
                        format!("{:>5}  {}  ", a.id, when(a.at)),
                        theme.style(Role::Muted),
                    ),
                    Span::styled(printable(&a.actor, false), theme.style(Role::Text)),
                    Span::styled(
                        format!(
                            "  {}",
                            printable(&entry.shown(&a.summary, state.is_privacy), false)
                        ),
                        theme.style(Role::Text),
                    ),
                ])
            })
            .collect(),
        _ => vec![Line::styled(
            "Loading the audit trail…",
            theme.style(Role::Muted),
        )],
    }
}
