//! The view: draws the dashboard from `&State` into a buffer. It changes nothing, queries
//! nothing and reads no clock; every number it shows was computed by `update`.
//!
//! Urgency is never shown by colour alone: every state has a symbol and a word (see
//! [`state_mark`]). Start at [`render`].

mod dashboard;
mod detail;
mod form;
mod paper;
mod report;
mod review;
pub mod theme;

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Widget, Wrap};

use crate::app::{Popup, Screen, State};
use crate::core::calendar::LONDON;
use crate::core::deadline::ClockState;
use crate::keys;
use theme::{Role, Theme};

/// The symbol and style role of a clock state: `!!` overdue, `!` due today, `~` due soon.
pub fn state_mark(state: ClockState) -> (&'static str, Role) {
    match state {
        ClockState::Overdue => ("!!", Role::Overdue),
        ClockState::DueToday => ("! ", Role::DueToday),
        ClockState::DueSoon => ("~ ", Role::DueSoon),
        ClockState::Running => ("· ", Role::OnTrack),
        ClockState::Pending => ("… ", Role::Muted),
        ClockState::MetOnTime => ("✓ ", Role::OnTrack),
        ClockState::MetLate => ("✓!", Role::DueSoon),
        ClockState::LeftLate => ("✗ ", Role::DueSoon),
        ClockState::Stopped => ("– ", Role::Muted),
    }
}

/// How far the detail view on screen scrolls (its last line at the bottom), measured as
/// [`render`] lays it out; `None` when no detail view is showing.
pub fn detail_max_scroll(state: &State, theme: &Theme) -> Option<u16> {
    let Screen::Detail { id, tab, .. } = state.screen else {
        return None;
    };
    if state.review.is_some() || state.is_too_small() {
        return None;
    }
    let area = Rect::new(0, 0, state.width, state.height);
    let [_, body, _, _] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    Some(detail::max_scroll(state, theme, id, tab, body))
}

/// Draws the whole screen for `state` into `buf`.
pub fn render(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer) {
    buf.set_style(area, theme.style(Role::Background));
    if state.is_too_small() {
        too_small(state, theme, area, buf);
        return;
    }
    if state.lock.is_locked {
        render_locked(state, theme, area, buf);
        return;
    }
    let [header, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    render_header(state, theme, header, buf);
    match &state.screen {
        _ if state.review.is_some() => {
            if let Some(walk) = &state.review {
                review::render(state, walk, theme, body, buf);
            }
        }
        _ if !state.has_loaded => {
            Paragraph::new("Loading the caseload…")
                .style(theme.style(Role::Muted))
                .alignment(Alignment::Center)
                .render(body, buf);
        }
        Screen::Detail { id, tab, scroll } => {
            detail::render(state, theme, *id, *tab, *scroll, body, buf)
        }
        Screen::Report => report::render(state, theme, body, buf),
        Screen::Dashboard if state.is_empty() => render_welcome(state, theme, body, buf),
        Screen::Dashboard => dashboard::render(state, theme, body, buf),
    }
    render_status(state, theme, status, buf);
    render_footer(state, theme, footer, buf);
    if let Some(view) = &state.form_view {
        paper::render(view, theme, body, buf);
    }
    if let Some(form) = &state.form {
        form::render(form, theme, body, buf);
    }
    if state.popup == Some(Popup::Help) {
        render_help(state, theme, area, buf);
    }
    if let Some(typed) = &state.asking_name {
        render_name_prompt(typed, theme, body, buf);
    }
}

/// A first run asks the DSL's name for the audit trail, over the screen.
fn render_name_prompt(typed: &str, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let width = area.width.saturating_sub(4).min(72);
    let height = 8.min(area.height);
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
            " Your name, for the audit trail ",
            theme.style(Role::Text).add_modifier(Modifier::BOLD),
        ));
    let inner = block.inner(popup);
    block.render(popup, buf);
    let text = theme.style(Role::Text);
    let lines = vec![
        Line::styled(
            "Everything you record is signed with your name and role. Type them:",
            text,
        ),
        Line::default(),
        Line::from(vec![
            Span::styled(" ▶ ", theme.style(Role::Focus)),
            Span::styled(
                format!("{}▏", crate::core::record::printable(typed, false)),
                text.add_modifier(Modifier::UNDERLINED),
            ),
        ]),
        Line::default(),
        Line::styled(
            "Enter keeps it in config.toml · Esc: not now (your login name is used)",
            theme.style(Role::Muted),
        ),
    ];
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(inner, buf);
}

fn too_small(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let text = format!(
        "The terminal is too small ({}x{}).\nescalate needs at least 60x15: make the window bigger or the font smaller.\nq quits.",
        state.width, state.height
    );
    let height = 3.min(area.height);
    let y = area.y + area.height.saturating_sub(height) / 2;
    Paragraph::new(text)
        .style(theme.style(Role::Text))
        .alignment(Alignment::Center)
        .wrap(Wrap { trim: true })
        .render(
            Rect::new(area.x, y, area.width, area.height - (y - area.y)),
            buf,
        );
}

/// The locked screen: the time, a masked passphrase field and the keys, and nothing about any
/// child (no names, no cards, no counts, no form, no status line that might quote a record).
fn render_locked(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let [header, body, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let local = state.now.with_timezone(&LONDON);
    Line::from(vec![
        Span::styled(" escalate ", theme.style(Role::Focus)),
        Span::styled(" LOCKED ", theme.style(Role::ImmediateRisk)),
        Span::styled(
            format!(" {}", local.format("%a %-d %b %H:%M")),
            theme.style(Role::Text),
        ),
    ])
    .render(header, buf);
    let lock = &state.lock;
    let masked: String = "•".repeat(lock.typed.chars().count().min(40));
    let mut lines = vec![
        Line::from(Span::styled("Locked", theme.style(Role::Focus))),
        Line::default(),
    ];
    if lock.verifier.is_some() {
        lines.push(Line::from(
            "Type the database's passphrase and press Enter.",
        ));
    } else {
        lines.push(Line::from(Span::styled(
            "This database is not encrypted, so no passphrase guards this lock: Enter unlocks.",
            theme.style(Role::Overdue),
        )));
    }
    lines.push(Line::default());
    lines.push(Line::from(vec![
        Span::styled("Passphrase: ", theme.style(Role::Muted)),
        Span::styled(format!("{masked}▏"), theme.style(Role::Text)),
    ]));
    if lock.was_wrong {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            "✗ That is not the passphrase.",
            theme.style(Role::Overdue),
        )));
    }
    let height = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let [_, middle, _] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(height),
        Constraint::Fill(1),
    ])
    .areas(body);
    Paragraph::new(lines)
        .alignment(Alignment::Center)
        .render(middle, buf);
    render_footer(state, theme, footer, buf);
}

fn render_header(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let local = state.now.with_timezone(&LONDON);
    let totals = state.totals;
    let muted = theme.style(Role::Muted);
    let brand = Span::styled(" escalate ", theme.style(Role::Focus));
    // First, so that it is never cut off: a glance says whether names are hidden.
    let privacy = state
        .is_privacy
        .then(|| Span::styled(" PRIVACY ", theme.style(Role::ImmediateRisk)));
    // Every number says what it counts: escalations, then the notifications owed.
    // Fictional children, never to be mistaken for real ones.
    let demo = state
        .is_demo
        .then(|| Span::styled(" DEMO ", theme.style(Role::ImmediateRisk)));
    // Said every time a plain database is open: its file can be read by anyone who has it.
    let plaintext = state
        .is_plaintext
        .then(|| Span::styled(" NOT ENCRYPTED ", theme.style(Role::Overdue)));
    // The same shape as a lane's heading (`3 open · 1 overdue !!`): escalations are counted,
    // as the lanes count them, not their deadlines (`escalate review` and the walk count items).
    let overdue_role = if totals.overdue > 0 {
        Role::Overdue
    } else {
        Role::OnTrack
    };
    let overdue_mark = if totals.overdue > 0 { " !!" } else { "" };
    let today_role = if totals.due_today > 0 {
        Role::DueToday
    } else {
        Role::Text
    };
    let escalations = [
        Span::styled("Escalations: ", muted),
        Span::styled(format!("{} open", totals.open), theme.style(Role::Text)),
        Span::styled(" · ", muted),
        Span::styled(
            format!("{} overdue{overdue_mark}", totals.overdue),
            theme.style(overdue_role),
        ),
        Span::styled(" · ", muted),
        Span::styled(
            format!("{} due today", totals.due_today),
            theme.style(today_role),
        ),
    ];
    let mut owed = vec![
        Span::styled(" · Notifications: ", muted),
        Span::styled(
            format!("{} owed", totals.notifications_owed),
            theme.style(Role::Text),
        ),
    ];
    if totals.notifications_overdue > 0 {
        owed.push(Span::styled(" · ", muted));
        owed.push(Span::styled(
            format!("{} overdue !!", totals.notifications_overdue),
            theme.style(Role::Overdue),
        ));
    }
    // The fullest that fits: the date with its year, then without, then the notifications
    // left to their tab or panel (which count them too), then the day and time alone.
    // Then, beside the badges of a demo or plain database, the "Escalations:" label (each
    // number keeps its own word), then the time.
    let candidates = [
        ("%a %-d %b %Y %H:%M", true, true, true),
        ("%a %-d %b %H:%M", true, true, true),
        ("%a %-d %b %Y %H:%M", false, true, true),
        ("%a %-d %b %H:%M", false, true, true),
        ("%a %H:%M", false, true, true),
        ("%a %H:%M", false, false, true),
        ("%a %H:%M", false, false, false),
        ("", false, false, false),
    ];
    let build = |(format, with_owed, with_brand, with_label): (&str, bool, bool, bool)| {
        let mut spans = Vec::new();
        if with_brand {
            spans.push(brand.clone());
        }
        spans.extend(privacy.clone());
        spans.extend(demo.clone());
        spans.extend(plaintext.clone());
        spans.push(Span::styled(
            if format.is_empty() {
                " ".to_owned()
            } else {
                format!(" {}  ", local.format(format))
            },
            theme.style(Role::Text),
        ));
        spans.extend(escalations.iter().skip(usize::from(!with_label)).cloned());
        if with_owed {
            spans.extend(owed.iter().cloned());
        }
        Line::from(spans)
    };
    let line = candidates
        .iter()
        .map(|&c| build(c))
        .find(|l| l.width() <= usize::from(area.width))
        .unwrap_or_else(|| build(candidates[candidates.len() - 1]));
    line.render(area, buf);
}

fn render_status(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let line = if state.is_filtering {
        Line::from(vec![
            Span::styled(" Filter: ", theme.style(Role::Focus)),
            Span::styled(format!("{}▏", state.filter), theme.style(Role::Text)),
            Span::styled(
                "  (child, reference, agency, procedure, date, discussions; Enter keeps it, Esc clears)",
                theme.style(Role::Muted),
            ),
        ])
    } else if !state.filter.is_empty() {
        Line::from(vec![
            Span::styled(" Filtered by: ", theme.style(Role::Focus)),
            Span::styled(state.filter.clone(), theme.style(Role::Text)),
            Span::styled("  (Esc clears)", theme.style(Role::Muted)),
        ])
    } else if let Some(status) = &state.status {
        Line::styled(format!(" {status}"), theme.style(Role::Muted))
    } else {
        Line::default()
    };
    line.render(area, buf);
}

fn render_footer(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let entries = footer_entries(keys::footer_now(state), usize::from(area.width));
    let mut spans = Vec::new();
    for (keys, label) in entries {
        spans.push(Span::styled(format!(" {keys}"), theme.style(Role::Focus)));
        if !label.is_empty() {
            spans.push(Span::styled(format!(" {label} "), theme.style(Role::Muted)));
        }
    }
    Line::from(spans).render(area, buf);
}

/// Fits the footer's keys (from the key table, in its order) into `width` columns. Every key
/// that works is shown while it can be: when the labels do not all fit, the keys before help
/// and quit lose their labels from the end and gather as bare keys (` m A T L c`) just before
/// `? help`, which names them all; only when even the bare keys do not fit do the last go.
fn footer_entries(
    entries: Vec<(String, &'static str)>,
    width: usize,
) -> Vec<(String, &'static str)> {
    let is_kept = |label: &str| label == "help" || label == "quit";
    let cost = |entries: &[(String, &str)]| -> usize {
        entries
            .iter()
            .map(|(k, l)| match l.is_empty() {
                true => k.chars().count() + 1,
                false => k.chars().count() + l.chars().count() + 3,
            })
            .sum::<usize>()
    };
    let mut labelled = entries;
    let mut bare: Vec<(String, &'static str)> = Vec::new();
    let whole = |labelled: &[(String, &'static str)], bare: &[(String, &'static str)]| {
        let split = labelled
            .iter()
            .position(|(_, l)| is_kept(l))
            .unwrap_or(labelled.len());
        let mut all = labelled[..split].to_vec();
        all.extend(bare.iter().cloned());
        all.extend(labelled[split..].iter().cloned());
        all
    };
    while cost(&whole(&labelled, &bare)) > width {
        let Some(index) = labelled.iter().rposition(|(_, l)| !is_kept(l)) else {
            break;
        };
        let (key, _) = labelled.remove(index);
        bare.insert(0, (key, ""));
    }
    while cost(&whole(&labelled, &bare)) > width && bare.pop().is_some() {}
    whole(&labelled, &bare)
}

fn render_welcome(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let text = theme.style(Role::Text);
    let muted = theme.style(Role::Muted);
    let focus = theme.style(Role::Focus);
    let mut lines = vec![
        Line::styled("Welcome to escalate", text.add_modifier(Modifier::BOLD)),
        Line::default(),
        Line::styled(
            "There are no escalations in this database yet. Once there are,",
            text,
        ),
        Line::styled(
            "this screen shows them by stage, with a countdown to every deadline.",
            text,
        ),
        Line::default(),
        Line::from(vec![
            Span::styled("To record your first escalation, press ", text),
            Span::styled(" n ", focus),
            Span::styled(".", text),
        ]),
        Line::styled(
            "(Or from a script: escalate new --help lists every field.)",
            muted,
        ),
        Line::default(),
        Line::from(vec![
            Span::styled("To try it with a fictional caseload, press ", text),
            Span::styled(" D ", focus),
            Span::styled(".", text),
        ]),
    ];
    if !state.demo_database.is_empty() {
        lines.push(Line::styled(
            format!(
                "(Into a database of its own, {}, beside this one.)",
                crate::core::record::printable(
                    state
                        .demo_database
                        .rsplit(['/', '\\'])
                        .next()
                        .unwrap_or_default(),
                    false
                )
            ),
            muted,
        ));
    }
    lines.push(Line::default());
    if !state.database.is_empty() {
        lines.push(Line::styled(
            format!(
                "Database: {}",
                crate::core::record::printable(&state.database, false)
            ),
            muted,
        ));
    }
    lines.push(Line::styled("? shows every key; q quits.", muted));
    let width = 76.min(area.width);
    // A long database path wraps: count the rows each line takes.
    let rows: usize = lines
        .iter()
        .map(|l| l.width().div_ceil(usize::from(width.max(1))).max(1))
        .sum();
    let height = u16::try_from(rows).unwrap_or(u16::MAX).min(area.height);
    let x = area.x + (area.width - width) / 2;
    let y = area.y + (area.height - height) / 2;
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(Rect::new(x, y, width, height), buf);
}

fn render_help(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let behind = match &state.screen {
        _ if state
            .form_view
            .as_ref()
            .is_some_and(|v| v.editing.is_some()) =>
        {
            keys::Scope::FormFill
        }
        _ if state.form_view.is_some() => keys::Scope::FormView,
        _ if state.review.as_ref().is_some_and(|w| w.summary.is_some()) => {
            keys::Scope::ReviewSummary
        }
        _ if state.review.is_some() => keys::Scope::Review,
        Screen::Detail { .. } => keys::Scope::Detail,
        Screen::Report => keys::Scope::Report,
        Screen::Dashboard if state.is_empty() => keys::Scope::Welcome,
        Screen::Dashboard => keys::Scope::Dashboard,
    };
    let mut rows: Vec<(String, &str)> = keys::help_for_lanes(behind, state.lanes.len());
    if behind == keys::Scope::Dashboard {
        rows.extend(
            keys::help(keys::Scope::Filter)
                .into_iter()
                .filter(|(_, help)| *help != "Quit")
                .map(|(k, h)| (format!("(filter) {k}"), h)),
        );
    }
    let key_width = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let mut lines: Vec<Line> = rows
        .iter()
        .map(|(keys, help)| {
            Line::from(vec![
                Span::styled(format!(" {keys:<key_width$}  "), theme.style(Role::Focus)),
                Span::styled((*help).to_owned(), theme.style(Role::Text)),
            ])
        })
        .collect();
    lines.push(Line::default());
    lines.push(Line::styled(
        " Symbols: !! overdue, ! due today, ~ due soon, · on track,",
        theme.style(Role::Muted),
    ));
    lines.push(Line::styled(
        "          ✓ met, ✓! met late, – stopped, … not started",
        theme.style(Role::Muted),
    ));
    let width = (area.width.saturating_sub(4)).min(90);
    // What the screen's numbers and short forms mean, wrapped to the popup.
    let notes = [
        (
            "Cards:",
            "#4 is the escalation's number, as the command line takes it. A deadline too long for its lines, or an agency, ends in …; Enter shows it whole.",
        ),
        (
            "Lanes:",
            "\"Stage 2: 3 open · 1 overdue !!\" counts escalations; the review (R) counts items (each deadline, notification or action). Where narrow the stage's name goes first, then S2 = stage 2, late = overdue.",
        ),
        (
            "Config:",
            "config.toml is read again within a second of being saved (privacy, theme, user, organisation, procedure, partnership, lock_after); a mistake in it is shown on the status line and the settings are kept.",
        ),
    ];
    let room = usize::from(width).saturating_sub(2 + 10);
    for (label, text) in notes {
        for (n, line) in dashboard::wrap_words(text, room, usize::MAX)
            .into_iter()
            .enumerate()
        {
            let label = if n == 0 { label } else { "" };
            lines.push(Line::styled(
                format!(" {label:<8} {line}"),
                theme.style(Role::Muted),
            ));
        }
    }
    let total = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let height = (total + 2).min(area.height.saturating_sub(2));
    // Scrolled no further than its last line reaching the bottom.
    let scroll = state
        .help_scroll
        .min(total.saturating_sub(height.saturating_sub(2)));
    let title = if total + 2 > height {
        " Keys (? or Esc closes, ↑ ↓ scroll) "
    } else {
        " Keys (? or Esc closes) "
    };
    let popup = Rect::new(
        area.x + (area.width - width) / 2,
        area.y + (area.height - height) / 2,
        width,
        height,
    );
    Clear.render(popup, buf);
    buf.set_style(popup, theme.style(Role::Background));
    Paragraph::new(lines)
        .scroll((scroll, 0))
        .block(
            Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(theme.style(Role::Focus))
                .title(title),
        )
        .render(popup, buf);
}
