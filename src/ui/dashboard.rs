//! The caseload at a glance: a lane for each stage (tabs when narrow), and the notifications
//! still owed.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Widget};

use super::state_mark;
use super::theme::{Role, Theme};
use crate::app::{Entry, LaneView, State};
use crate::core::calendar::LONDON;
use crate::core::deadline::Countdown;
use crate::core::record::printable;

/// Lines a card takes, with the gap after it, when its deadline fits beside its countdown.
const CARD_HEIGHT: u16 = 4;

/// At most this many lines more for a deadline's name that does not fit beside its countdown.
const MAX_DEADLINE_LINES: usize = 3;

/// The width `text` takes on screen.
fn width_of(text: &str) -> usize {
    Span::raw(text).width()
}

/// `text` cut to `width` at the end of a word, with `…` to say more was cut (the rule the
/// help explains): never a word cut in half.
pub fn cut_at_word(text: &str, width: usize) -> String {
    if width_of(text) <= width {
        return text.to_owned();
    }
    let mut kept = String::new();
    for word in text.split(' ') {
        let next = if kept.is_empty() {
            word.to_owned()
        } else {
            format!("{kept} {word}")
        };
        if width_of(&next) + 1 > width {
            break;
        }
        kept = next;
    }
    if kept.is_empty() {
        // One word longer than the line: its start, then the mark.
        kept = text
            .chars()
            .scan(0, |used, c| {
                *used += width_of(&c.to_string());
                (*used < width).then_some(c)
            })
            .collect();
    }
    format!("{}…", kept.trim_end_matches([' ', ',', ':', ';', '·']))
}

/// `text` wrapped at words into lines of `width`, at most `max` of them, the last cut by
/// [`cut_at_word`] when it does not all fit.
pub fn wrap_words(text: &str, width: usize, max: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut words = text.split(' ').peekable();
    while words.peek().is_some() {
        if lines.len() + 1 == max {
            let rest: Vec<&str> = words.collect();
            lines.push(cut_at_word(&rest.join(" "), width));
            break;
        }
        let mut line = String::new();
        while let Some(word) = words.peek() {
            let next = if line.is_empty() {
                (*word).to_owned()
            } else {
                format!("{line} {word}")
            };
            if !line.is_empty() && width_of(&next) > width {
                break;
            }
            line = next;
            words.next();
        }
        lines.push(cut_at_word(&line, width));
    }
    lines
}

/// The lines a card's deadline takes below its countdown (none when it fits beside it).
fn deadline_lines(state: &State, entry: &Entry, width: u16) -> Vec<String> {
    let Some(urgent) = &entry.urgent else {
        return Vec::new();
    };
    let width = usize::from(width).saturating_sub(2);
    let (mark, _) = state_mark(urgent.state);
    let countdown = width_of(&format!("{mark} {}", countdown_text(&urgent.countdown)));
    let name = entry.shown(&urgent.clock, state.is_privacy);
    if countdown + 2 + width_of(&name) <= width {
        return Vec::new();
    }
    wrap_words(&name, width, MAX_DEADLINE_LINES)
}

pub fn render(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer) {
    // The notifications owed: a panel along the bottom, or on a narrow screen a tab of their
    // own, so that every row has room for what is owed, whose, by when and to whom.
    // Only as many rows as could ever show: a caseload can owe thousands.
    let limit = usize::from(area.height) + state.owed_selected;
    let rows = notification_rows(state, theme, area.width.saturating_sub(2), limit);
    if state.is_tabbed() {
        // Narrow: the lanes and the notifications owed are tabs, each at full height.
        let [tabs, body] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
        render_tabs(state, theme, tabs, buf);
        if state.is_owed_tab() {
            render_notifications(state, theme, rows, body, buf);
        } else if let Some(view) = state.current_lane() {
            render_lane(state, theme, view, state.lane, true, body, buf);
        }
        return;
    }
    // The panel is as tall as its rows need, within limits.
    let needed = u16::try_from(rows.iter().map(Vec::len).sum::<usize>()).unwrap_or(u16::MAX);
    let panel_height = needed
        .saturating_add(2)
        .clamp(3, if state.height >= 40 { 12 } else { 8 });
    let [lanes_area, panel_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(panel_height)]).areas(area);
    let count = state.lanes.len().max(1);
    let areas = Layout::horizontal(vec![Constraint::Fill(1); count]).split(lanes_area);
    for (index, (view, lane_area)) in state.lanes.iter().zip(areas.iter()).enumerate() {
        render_lane(
            state,
            theme,
            view,
            index,
            index == state.lane,
            *lane_area,
            buf,
        );
    }
    render_notifications(state, theme, rows, panel_area, buf);
}

/// How much a lane heading says. A heading takes the fullest of these that fits, in this order
/// (the rule the help explains): the stage's name goes first, then the label words shorten to
/// their short forms (`S2` for stage 2, `late` for overdue). Every number keeps its word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fullness {
    /// `Stage 2, Line managers: 3 open · 1 overdue !!`
    Named,
    /// `Stage 2: 3 open · 1 overdue !!`
    Numbered,
    /// `Stage 2: 3 open · 1 late!!`
    Short,
    /// `S2: 3 open · 1 late!!`
    Shortest,
}

impl Fullness {
    pub const ALL: [Self; 4] = [Self::Named, Self::Numbered, Self::Short, Self::Shortest];
}

/// What a lane counts, labelled: `3 open · 1 overdue !!` (`3 open · 1 late!!` short); a lane
/// of the closed view, `2 closed`. Escalations are counted, not their deadlines: one with two
/// late deadlines is one overdue.
fn lane_counts(view: &LaneView, is_closed: bool, fullness: Fullness) -> String {
    let cards = view.cards.len();
    if is_closed {
        return format!("{cards} closed");
    }
    match (view.overdue, fullness) {
        (0, _) => format!("{cards} open"),
        (late, Fullness::Named | Fullness::Numbered) => {
            format!("{cards} open · {late} overdue !!")
        }
        (late, _) => format!("{cards} open · {late} late!!"),
    }
}

/// A lane's heading at `fullness`, the same words in its lane's border and in its tab.
pub fn lane_heading(view: &LaneView, is_closed: bool, fullness: Fullness) -> String {
    let counts = lane_counts(view, is_closed, fullness);
    // The stage's name comes from the procedures in the lane; where they name it differently,
    // the lane is simply "Stage N" and each card's detail names its own.
    match (fullness, &view.name) {
        (Fullness::Named, Some(name)) => {
            format!("Stage {}, {}: {counts}", view.stage, printable(name, false))
        }
        (Fullness::Named | Fullness::Numbered | Fullness::Short, _) => {
            format!("Stage {}: {counts}", view.stage)
        }
        (Fullness::Shortest, _) => format!("S{}: {counts}", view.stage),
    }
}

/// A lane's heading in a border `width` wide: the fullest that fits, with a space either side.
fn lane_title(view: &LaneView, width: u16, is_closed: bool) -> String {
    let room = usize::from(width).saturating_sub(4);
    let heading = Fullness::ALL
        .iter()
        .map(|&f| lane_heading(view, is_closed, f))
        .find(|h| width_of(h) <= room)
        .unwrap_or_else(|| lane_heading(view, is_closed, Fullness::Shortest));
    format!(" {heading} ")
}

/// The notifications owed, counted as a lane is: `Notifications: 4 owed · 3 overdue !!`, short
/// `4 owed · 3 late!!`.
pub fn owed_heading(owed: usize, overdue: usize, fullness: Fullness) -> String {
    match (overdue, fullness) {
        (0, Fullness::Named | Fullness::Numbered) => format!("Notifications: {owed} owed"),
        (0, _) => format!("{owed} owed"),
        (late, Fullness::Named | Fullness::Numbered) => {
            format!("Notifications: {owed} owed · {late} overdue !!")
        }
        (late, _) => format!("{owed} owed · {late} late!!"),
    }
}

/// How many of the notifications shown (the filter's, when filtering) are overdue.
fn owed_overdue(state: &State) -> usize {
    state
        .notifications
        .iter()
        .filter(|row| {
            state.entries[row.entry].schedule.notifications[row.index].state
                == crate::core::deadline::ClockState::Overdue
        })
        .count()
}

/// The tab bar when lanes are tabs: every tab headed as its lane is, at the fullest
/// [`Fullness`] at which the whole bar fits. Where not even the shortest fits, the lane in
/// view keeps its counts and the others shorten to their stage, marked `!!` when something
/// in them is overdue (their counts show when they are chosen); the notifications owed last.
fn render_tabs(state: &State, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let is_closed = state.is_showing_closed;
    let build = |fullness: Option<Fullness>| {
        let mut spans = Vec::new();
        for (index, view) in state.lanes.iter().enumerate() {
            let (text, role) = if index == state.lane {
                let heading = lane_heading(view, is_closed, fullness.unwrap_or(Fullness::Shortest));
                (heading, Role::Focus)
            } else {
                let heading = match fullness {
                    Some(fullness) => lane_heading(view, is_closed, fullness),
                    None if view.overdue > 0 && !is_closed => format!("S{}!!", view.stage),
                    None => format!("S{}", view.stage),
                };
                (heading, Role::stage(usize::from(view.stage)))
            };
            spans.push(Span::styled(format!(" {text} "), theme.style(role)));
            spans.push(Span::raw(" "));
        }
        let overdue = owed_overdue(state);
        let owed = owed_heading(
            state.notifications.len(),
            overdue,
            fullness.unwrap_or(Fullness::Shortest),
        );
        let role = if state.is_owed_tab() {
            Role::Focus
        } else if overdue > 0 {
            Role::Overdue
        } else {
            Role::Text
        };
        spans.push(Span::styled(format!(" {owed} "), theme.style(role)));
        Line::from(spans)
    };
    let line = Fullness::ALL
        .iter()
        .map(|&f| build(Some(f)))
        .find(|l| l.width() <= usize::from(area.width))
        .unwrap_or_else(|| build(None));
    line.render(area, buf);
}

fn render_lane(
    state: &State,
    theme: &Theme,
    view: &LaneView,
    index: usize,
    is_focused: bool,
    area: Rect,
    buf: &mut Buffer,
) {
    let accent = theme.style(Role::stage(usize::from(view.stage)));
    let border = if is_focused {
        theme.style(Role::Focus)
    } else {
        accent
    };
    let block = Block::bordered()
        .border_type(if is_focused {
            BorderType::Thick
        } else {
            BorderType::Rounded
        })
        .border_style(border)
        .title(Span::styled(
            lane_title(view, area.width, state.is_showing_closed),
            if is_focused { border } else { accent },
        ));
    let inner = block.inner(area);
    block.render(area, buf);
    if view.cards.is_empty() {
        let empty = if state.is_showing_closed {
            "None closed at this stage."
        } else {
            "Nothing at this stage."
        };
        Paragraph::new(empty)
            .style(theme.style(Role::Muted))
            .render(inner, buf);
        return;
    }
    let selected = if is_focused {
        state.selected_position(index)
    } else {
        None
    };
    // Every card on screen is as tall as the tallest a deadline's name makes it: a name too
    // long to sit beside its countdown reads whole on the lines below it. Measured on the lane's
    // longest name and the cards on screen (never every card: a lane can hold thousands), and
    // measured again should a card coming into view need more.
    let lines_below = |i: usize| deadline_lines(state, &state.entries[i], inner.width).len();
    let mut extra = view.longest_deadline.map_or(0, lines_below);
    let (card_height, visible, first) = loop {
        let card_height = CARD_HEIGHT + u16::try_from(extra).unwrap_or(0);
        let visible = usize::from((inner.height / card_height).max(1));
        // Keep the selected card in view.
        let first = selected.map_or(0, |s| (s + 1).saturating_sub(visible));
        let needed = view
            .cards
            .iter()
            .skip(first)
            .take(visible)
            .map(|&i| lines_below(i))
            .max()
            .unwrap_or(0);
        if needed <= extra {
            break (card_height, visible, first);
        }
        extra = needed;
    };
    for (row, &entry_index) in view.cards.iter().skip(first).take(visible).enumerate() {
        let y = inner.y + u16::try_from(row).unwrap_or(u16::MAX) * card_height;
        let height = (card_height - 1).min(inner.bottom().saturating_sub(y));
        if height == 0 {
            break;
        }
        let card = Rect::new(inner.x, y, inner.width, height);
        render_card(
            state,
            theme,
            &state.entries[entry_index],
            Some(first + row) == selected,
            card,
            buf,
        );
    }
    let hidden = view.cards.len().saturating_sub(first + visible);
    if hidden > 0 && inner.height > 0 {
        let more = format!(" {hidden} more ↓ ");
        let y = area.bottom().saturating_sub(1);
        buf.set_string(area.x + 2, y, more, theme.style(Role::Muted));
    }
}

/// The countdown words for a card: `OVERDUE 1d 3h`, `due 17:00 today`, `2d 4h left`,
/// `7d 5h · 5 working days`.
pub fn countdown_text(countdown: &Countdown) -> String {
    countdown.compact()
}

fn render_card(
    state: &State,
    theme: &Theme,
    entry: &Entry,
    is_selected: bool,
    area: Rect,
    buf: &mut Buffer,
) {
    let muted = theme.style(Role::Muted);
    // The selected card has a bar down its left edge and its name in the focus style, so that the
    // urgency colours of its countdown stay as they are everywhere else.
    let edge = if is_selected {
        Span::styled("▌ ", theme.style(Role::Focus))
    } else {
        Span::raw("  ")
    };
    let name_style = if is_selected {
        theme.style(Role::Focus)
    } else {
        theme.style(Role::Text).add_modifier(Modifier::BOLD)
    };
    // The escalation's number, which the command line takes.
    let mut first = vec![
        edge.clone(),
        Span::styled(format!("#{} ", entry.escalation.id), muted),
        Span::styled(entry.child_shown(state.is_privacy).to_owned(), name_style),
    ];
    let text_width = usize::from(area.width).saturating_sub(2);
    // Pinned to the top of its lane, and marked in words as well as colour: beside the name
    // where it fits whole, otherwise at the start of the next line.
    let risk = entry
        .is_immediate_risk()
        .then(|| Span::styled(" IMMEDIATE RISK ", theme.style(Role::ImmediateRisk)));
    let mut risk_below = None;
    if let Some(risk) = risk {
        if Line::from(first.clone()).width() + 1 + risk.width() <= usize::from(area.width) {
            first.push(Span::raw(" "));
            first.push(risk);
        } else {
            risk_below = Some(risk);
        }
    }
    // The short procedure id first, so a long agency name is what a narrow card cuts.
    let mut second = vec![edge.clone()];
    let mut room = text_width;
    if let Some(risk) = risk_below {
        room = room.saturating_sub(risk.width() + 1);
        second.push(risk);
        second.push(Span::raw(" "));
    }
    // A trust's caseload names each card's school first.
    let school = state
        .school_of(&entry.escalation)
        .map(|s| format!("{} · ", printable(s, false)))
        .unwrap_or_default();
    second.push(Span::styled(
        cut_at_word(
            &format!("{school}{} · {}", entry.escalation.procedure, entry.agency),
            room,
        ),
        muted,
    ));
    let second = Line::from(second);
    let below = deadline_lines(state, entry, area.width);
    let mut more = Vec::new();
    let third = match &entry.urgent {
        Some(urgent) => {
            let (mark, role) = state_mark(urgent.state);
            let mut spans = vec![
                edge.clone(),
                Span::styled(
                    format!("{mark} {}", countdown_text(&urgent.countdown)),
                    theme.style(role),
                ),
            ];
            // An action's wording may name the child: hidden in privacy mode.
            if below.is_empty() {
                spans.push(Span::styled(
                    format!("  {}", entry.shown(&urgent.clock, state.is_privacy)),
                    muted,
                ));
            }
            more = below
                .into_iter()
                .map(|l| Line::from(vec![edge.clone(), Span::styled(l, muted)]))
                .collect();
            Line::from(spans)
        }
        None => {
            // A closed escalation says how it ended, and when.
            let ended = entry.escalation.outcome.as_ref().map(|o| {
                let how = match &**o {
                    crate::core::record::Outcome::Resolved { .. } => "resolved",
                    crate::core::record::Outcome::Withdrawn { .. } => "withdrawn",
                };
                format!(
                    "{how} {}",
                    o.at().with_timezone(&LONDON).format("%-d %b %Y")
                )
            });
            Line::from(vec![
                edge,
                Span::styled(
                    ended.unwrap_or_else(|| "no live deadline".to_owned()),
                    muted,
                ),
            ])
        }
    };
    let mut lines = vec![Line::from(first), second, third];
    lines.extend(more);
    Paragraph::new(lines).render(area, buf);
}

/// The notifications owed, each as one line where it fits in `width`, else two: how late,
/// what and whose first; then when and to whom.
fn notification_rows(
    state: &State,
    theme: &Theme,
    width: u16,
    limit: usize,
) -> Vec<Vec<Line<'static>>> {
    let mut rows = Vec::with_capacity(state.notifications.len().min(limit));
    for (position, row) in state.notifications.iter().take(limit).enumerate() {
        let is_selected = state.is_owed_focus() && position == state.owed_selected;
        let entry = &state.entries[row.entry];
        let n = &entry.schedule.notifications[row.index];
        let (mark, role) = state_mark(n.state);
        let countdown = Countdown::of_notification(&state.calendar, n, state.now);
        let due = n.due_at.with_timezone(&LONDON).format("%a %-d %b %Y %H:%M");
        // The id `escalate notify` takes, not the procedure's form name (Barnet's `learning-note`
        // is sent on its `action-log` form): what is shown is what the DSL types.
        let pointer = if is_selected { "▶" } else { " " };
        let mut what = vec![
            Span::styled(pointer, theme.style(Role::Focus)),
            Span::styled(
                format!("{mark} {:<17} ", countdown.to_string()),
                theme.style(role),
            ),
            Span::styled(
                n.id.to_string(),
                theme.style(Role::Text).add_modifier(Modifier::BOLD),
            ),
            Span::styled(
                format!(" {}", entry.child_shown(state.is_privacy)),
                theme.style(Role::Text),
            ),
        ];
        // A trust's caseload tags each row with its school.
        if let Some(school) = state.school_of(&entry.escalation) {
            what.push(Span::styled(
                format!(" [{}]", printable(school, false)),
                theme.style(Role::Muted),
            ));
        }
        let mut to_whom = format!("due {due} → {}", n.recipient);
        if let Some(contact) = &n.contact {
            to_whom.push_str(&format!(" ({})", printable(contact, false)));
        }
        if 3 + to_whom.chars().count() > usize::from(width) {
            // The documents' own abbreviations, used only where the full name will not fit.
            to_whom = to_whom
                .replace("Safeguarding Children Partnership", "SCP")
                .replace("Safeguarding Children Board", "SCB");
        }
        let one_line = Line::from(what.clone()).width() + 3 + width_of(&to_whom);
        rows.push(if one_line <= usize::from(width) {
            let mut spans = what;
            spans.push(Span::styled(" · ", theme.style(Role::Muted)));
            spans.push(Span::styled(to_whom, theme.style(Role::Muted)));
            vec![Line::from(spans)]
        } else {
            // When and to whom below, wrapped at words: the partnership's address is what
            // the DSL copies, so it is never cut (at 80 columns it read "cbscb@centralbedford").
            let mut lines = vec![Line::from(what)];
            lines.extend(
                wrap_words(&to_whom, usize::from(width).saturating_sub(4), 3)
                    .into_iter()
                    .map(|l| {
                        Line::from(vec![
                            Span::raw("    "),
                            Span::styled(l, theme.style(Role::Muted)),
                        ])
                    }),
            );
            lines
        });
    }
    rows
}

fn render_notifications(
    state: &State,
    theme: &Theme,
    rows: Vec<Vec<Line<'static>>>,
    area: Rect,
    buf: &mut Buffer,
) {
    let is_focused = state.is_owed_focus();
    let heading = owed_heading(
        state.notifications.len(),
        owed_overdue(state),
        Fullness::Numbered,
    );
    let title = if is_focused {
        format!(" {heading}: s records one sent ")
    } else {
        format!(" {heading} ")
    };
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.style(if is_focused {
            Role::Focus
        } else {
            Role::Border
        }))
        .title(Span::styled(title, theme.style(Role::Text)));
    let inner = block.inner(area);
    block.render(area, buf);
    if state.notifications.is_empty() {
        let none = if state.filter.is_empty() {
            "None owed."
        } else {
            "None owed among the filtered escalations."
        };
        Paragraph::new(none)
            .style(theme.style(Role::OnTrack))
            .render(inner, buf);
        return;
    }
    let height = usize::from(inner.height);
    // From the first row that keeps the selected one in view.
    let selected = state.owed_selected.min(rows.len().saturating_sub(1));
    let mut first = 0;
    while first < selected && rows[first..=selected].iter().map(Vec::len).sum::<usize>() > height {
        first += 1;
    }
    let mut lines: Vec<Line> = Vec::new();
    let mut shown = first;
    for row in rows.iter().skip(first) {
        if lines.len() + row.len() > height {
            break;
        }
        lines.extend(row.iter().cloned());
        shown += 1;
    }
    if first > 0 && height > 0 {
        buf.set_string(
            area.right().saturating_sub(14),
            area.bottom().saturating_sub(1),
            format!(" {first} above ↑ "),
            theme.style(Role::Muted),
        );
    }
    if state.notifications.len() > shown && height > 0 {
        let more = format!(" {} more ↓ ", state.notifications.len() - shown);
        buf.set_string(
            area.x + 2,
            area.bottom().saturating_sub(1),
            more,
            theme.style(Role::Muted),
        );
    }
    Paragraph::new(lines).render(inner, buf);
}

#[cfg(test)]
mod tests {
    use super::{cut_at_word, wrap_words};

    #[test]
    fn text_is_cut_at_a_word_and_wrapped_at_words() {
        assert_eq!(
            cut_at_word("barnet · Barnet MASH", 40),
            "barnet · Barnet MASH"
        );
        assert_eq!(
            cut_at_word("barnet · Barnet Children's", 18),
            "barnet · Barnet…"
        );
        assert_eq!(cut_at_word("pan-bedfordshire", 6), "pan-b…");
        assert_eq!(
            wrap_words("Escalate the immediate risk the same working day", 22, 3),
            ["Escalate the immediate", "risk the same working", "day"]
        );
        assert_eq!(
            wrap_words("one two three four five six", 9, 2),
            ["one two", "three…"]
        );
    }
}
