//! The one table of key bindings. The runtime looks keys up here, and the footer and the help
//! screen are drawn from the same rows, so they can never disagree with what the keys do.
//!
//! Keys are written as text (`"ctrl-s"`, `"shift-tab"`, `"?"`), so that a `[keys]` section in
//! the settings can later override them and be checked for conflicts the same way.

use std::fmt;
use std::sync::OnceLock;

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use crate::app::{Intent, Popup, Screen, State};

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Dashboard,
    Welcome,
    Detail,
    Filter,
    Help,
    /// A form is open.
    Form,
    /// Esc was pressed in a form with something typed.
    FormConfirm,
    /// Saving a new escalation flagged as immediate risk: the procedure's advice is showing.
    RiskConfirm,
    /// The morning review, one item at a time.
    Review,
    /// The morning review's summary.
    ReviewSummary,
    /// A procedure's form filled from the record is showing (`f`).
    FormView,
    /// Typing into a field of that form the record cannot fill (`e`).
    FormFill,
    /// A first run asks the DSL's name for the audit trail.
    Name,
    /// The outcomes report, as charts.
    Report,
    /// The screen is locked: keys type the passphrase.
    Locked,
}

/// A key with its modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    /// Reads `"q"`, `"?"`, `"enter"`, `"esc"`, `"tab"`, `"shift-tab"`, `"ctrl-s"`, `"left"`, `"f1"`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text.trim();
        loop {
            if let Some(r) = rest.strip_prefix("ctrl-") {
                modifiers |= KeyModifiers::CONTROL;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("alt-") {
                modifiers |= KeyModifiers::ALT;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("shift-") {
                modifiers |= KeyModifiers::SHIFT;
                rest = r;
            } else {
                break;
            }
        }
        let code = match rest {
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            "tab" if modifiers.contains(KeyModifiers::SHIFT) => {
                modifiers.remove(KeyModifiers::SHIFT);
                KeyCode::BackTab
            }
            "tab" => KeyCode::Tab,
            "backspace" => KeyCode::Backspace,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "space" => KeyCode::Char(' '),
            f if f.starts_with('f') && f.len() > 1 => KeyCode::F(
                f[1..]
                    .parse()
                    .map_err(|_| format!("unknown key \"{text}\""))?,
            ),
            single if single.chars().count() == 1 => {
                KeyCode::Char(single.chars().next().unwrap_or(' '))
            }
            _ => return Err(format!("unknown key \"{text}\"")),
        };
        Ok(Self { code, modifiers })
    }

    /// Normalises a terminal's key event: shifted letters and symbols arrive with SHIFT set,
    /// which the character itself already says.
    pub fn from_event(event: &KeyEvent) -> Self {
        let mut modifiers = event.modifiers;
        if matches!(event.code, KeyCode::Char(_) | KeyCode::BackTab) {
            modifiers.remove(KeyModifiers::SHIFT);
        }
        Self {
            code: event.code,
            modifiers,
        }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            f.write_str("Ctrl-")?;
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            f.write_str("Alt-")?;
        }
        match self.code {
            KeyCode::Enter => f.write_str("Enter"),
            KeyCode::Esc => f.write_str("Esc"),
            KeyCode::Tab => f.write_str("Tab"),
            KeyCode::BackTab => f.write_str("Shift-Tab"),
            KeyCode::Backspace => f.write_str("Backspace"),
            KeyCode::Left => f.write_str("←"),
            KeyCode::Right => f.write_str("→"),
            KeyCode::Up => f.write_str("↑"),
            KeyCode::Down => f.write_str("↓"),
            KeyCode::PageUp => f.write_str("PgUp"),
            KeyCode::PageDown => f.write_str("PgDn"),
            KeyCode::Char(' ') => f.write_str("Space"),
            KeyCode::Char(c) => write!(f, "{c}"),
            KeyCode::F(n) => write!(f, "F{n}"),
            other => write!(f, "{other:?}"),
        }
    }
}

/// One row of the table.
#[derive(Debug, Clone)]
pub struct Binding {
    pub scope: Scope,
    pub key: Key,
    pub intent: Intent,
    /// The footer's word for it ("" keeps it out of the footer but in the help).
    pub label: &'static str,
    /// The help screen's sentence.
    pub help: &'static str,
}

/// One default binding, as text: (scopes, keys, intent, footer label, help).
type DefaultBinding = (
    &'static [Scope],
    &'static [&'static str],
    Intent,
    &'static str,
    &'static str,
);

/// The defaults.
const DEFAULTS: &[DefaultBinding] = {
    use Intent::*;
    use Scope::{
        Dashboard, Detail, Filter, Form, FormConfirm, FormFill, FormView, Help, Locked, Name,
        Report, Review, ReviewSummary, RiskConfirm, Welcome,
    };
    &[
        (&[Dashboard], &["left", "h"], Left, "move", "Previous lane"),
        (&[Dashboard], &["right", "l"], Right, "", "Next lane"),
        (&[Dashboard], &["up", "k"], Up, "", "Previous card"),
        (&[Dashboard], &["down", "j"], Down, "", "Next card"),
        (
            &[Dashboard],
            &["tab"],
            NextLane,
            "",
            "Next lane, then the notifications owed (wraps round)",
        ),
        (
            &[Dashboard],
            &["shift-tab"],
            PreviousLane,
            "",
            "Previous lane, or the notifications owed (wraps round)",
        ),
        (&[Dashboard], &["1"], JumpToLane(1), "", "Jump to stage 1"),
        (&[Dashboard], &["2"], JumpToLane(2), "", "Jump to stage 2"),
        (&[Dashboard], &["3"], JumpToLane(3), "", "Jump to stage 3"),
        (&[Dashboard], &["4"], JumpToLane(4), "", "Jump to stage 4"),
        (
            &[Dashboard],
            &["5"],
            JumpToLane(5),
            "",
            "Jump to stage 5 (where a procedure has one)",
        ),
        (
            &[Dashboard],
            &["enter"],
            Open,
            "open",
            "Open the selected escalation",
        ),
        (
            &[Dashboard],
            &["/"],
            StartFilter,
            "filter",
            "Filter as you type: child, reference, agency, procedure, date, discussions",
        ),
        (&[Dashboard], &["esc"], Back, "", "Clear the filter"),
        (
            &[Dashboard],
            &["S"],
            NextSchool,
            "",
            "School filter: each school of a trust's caseload in turn, then all (or type /school:NAME)",
        ),
        (
            &[Dashboard],
            &["c"],
            ToggleClosed,
            "closed",
            "Show the closed escalations (c again shows the open ones)",
        ),
        (
            &[Dashboard],
            &["R"],
            StartReview,
            "review",
            "Morning review: walk through everything overdue or due soon",
        ),
        (
            &[Dashboard],
            &["g"],
            ShowReport,
            "report",
            "The outcomes report for this school year, as charts",
        ),
        (
            &[Report],
            &["esc", "g"],
            Back,
            "back",
            "Back to the dashboard",
        ),
        (
            &[Welcome],
            &["D"],
            LoadDemo,
            "load demo",
            "Load a fictional demo caseload into this empty database",
        ),
        (&[Detail], &["up", "k"], Up, "scroll", "Scroll up"),
        (&[Detail], &["down", "j"], Down, "", "Scroll down"),
        (
            &[Detail],
            &["tab", "left", "right", "h", "l"],
            NextTab,
            "audit",
            "Switch between the record and the audit trail",
        ),
        (&[Detail], &["esc"], Back, "back", "Back to the dashboard"),
        (
            &[Dashboard, Detail, Welcome, Report],
            &["p"],
            TogglePrivacy,
            "privacy",
            "Privacy mode: initials only, for shared offices",
        ),
        (
            &[Dashboard, Detail],
            &["d"],
            RecordDiscussion,
            "discussion",
            "Record a discussion on this escalation",
        ),
        (
            &[Dashboard, Detail],
            &["a"],
            AdvanceStage,
            "advance",
            "Advance to the next stage (previews what it sets off)",
        ),
        (
            &[Dashboard, Detail],
            &["r"],
            ResolveEscalation,
            "resolve",
            "Record how this escalation was resolved",
        ),
        (
            &[Dashboard, Detail],
            &["w"],
            WithdrawEscalation,
            "withdraw",
            "Withdraw this escalation, saying why",
        ),
        (
            &[Dashboard, Detail, Welcome],
            &["n"],
            NewEscalation,
            "new",
            "Record a new escalation",
        ),
        (
            &[Dashboard, Detail],
            &["s"],
            MarkNotificationSent,
            "sent",
            "Record a notification owed as sent (the one selected on the panel)",
        ),
        (
            &[Dashboard, Detail],
            &["f"],
            ShowForm,
            "form",
            "Show the form filled from the record (the selected notification's, or the first owed)",
        ),
        (
            &[FormView],
            &["up", "k"],
            Up,
            "scroll",
            "Scroll the form up",
        ),
        (
            &[FormView],
            &["down", "j"],
            Down,
            "",
            "Scroll the form down",
        ),
        (
            &[FormView],
            &["tab"],
            NextTab,
            "next form",
            "The procedure's next form",
        ),
        (
            &[FormView],
            &["e"],
            FillBlanks,
            "fill in",
            "Type in the fields the record cannot fill (the record is not changed)",
        ),
        (
            &[FormFill],
            &["enter"],
            FormNext,
            "next blank",
            "Keep what was typed and go to the next blank field",
        ),
        (
            &[FormFill],
            &["esc"],
            FormCancel,
            "done",
            "Keep what was typed and stop",
        ),
        (&[FormFill], &["ctrl-c"], Quit, "", "Quit"),
        (
            &[FormView],
            &["w"],
            WriteForm,
            "write out",
            "Write the form out as printable HTML, in the forms folder beside the database",
        ),
        (
            &[FormView],
            &["s"],
            MarkNotificationSent,
            "sent with it",
            "Record the notification sent, with this form kept beside it",
        ),
        (&[FormView], &["esc", "f"], Back, "close", "Close the form"),
        (&[FormView], &["?"], ToggleHelp, "help", "Show every key"),
        (&[FormView], &["q", "ctrl-c"], Quit, "quit", "Quit"),
        (
            &[Dashboard, Detail],
            &["x"],
            MarkActionDone,
            "action done",
            "Mark an agreed action done",
        ),
        (
            &[Dashboard, Detail],
            &["e"],
            AmendField,
            "amend",
            "Correct a field, saying why (the original is kept)",
        ),
        (
            &[Dashboard],
            &["m"],
            MarkClockMet,
            "met",
            "Mark a clock met, with a note (the immediate-risk clock too)",
        ),
        (
            &[Detail],
            &["m"],
            MarkClockMet,
            "met",
            "Mark a clock met, with a note (the immediate-risk clock too)",
        ),
        (
            &[Dashboard, Detail],
            &["A"],
            AddAction,
            "add action",
            "Add an agreed action: what, owner, due",
        ),
        (
            &[Dashboard, Detail],
            &["T"],
            TightenClock,
            "tighten",
            "Tighten a clock: an earlier due time, with the reason",
        ),
        (
            &[Dashboard, Detail],
            &["L"],
            RecordDelayReason,
            "delay reason",
            "Record why something is late",
        ),
        (
            &[Review],
            &["space", "n"],
            ReviewNext,
            "next",
            "Next item of the review",
        ),
        (&[Review], &["b"], ReviewBack, "back", "Previous item"),
        (
            &[Review],
            &["esc"],
            FinishReview,
            "finish",
            "Finish the review (shows its summary)",
        ),
        (
            &[Review],
            &["d"],
            RecordDiscussion,
            "discussion",
            "Record a discussion on this item's escalation",
        ),
        (
            &[Review],
            &["a"],
            AdvanceStage,
            "advance",
            "Advance this item's escalation",
        ),
        (
            &[Review],
            &["s"],
            MarkNotificationSent,
            "sent",
            "Record this item's notification sent",
        ),
        (
            &[Review],
            &["x"],
            MarkActionDone,
            "done",
            "Mark this item's action done",
        ),
        (
            &[Review],
            &["r"],
            ResolveEscalation,
            "resolve",
            "Resolve this item's escalation",
        ),
        (
            &[Review],
            &["l"],
            RecordDelayReason,
            "delay reason",
            "Record why this item is late",
        ),
        // Where a review item has room for them, after the walk's own keys.
        (
            &[Review],
            &["m"],
            MarkClockMet,
            "met",
            "Mark a clock met, with a note (the immediate-risk clock too)",
        ),
        (
            &[Review],
            &["A"],
            AddAction,
            "add action",
            "Add an agreed action: what, owner, due",
        ),
        (
            &[Review],
            &["T"],
            TightenClock,
            "tighten",
            "Tighten a clock: an earlier due time, with the reason",
        ),
        (
            &[ReviewSummary],
            &["enter"],
            FinishReview,
            "record",
            "Record the review (the items walked through) and go back to the dashboard",
        ),
        (
            &[ReviewSummary],
            &["esc"],
            LeaveReview,
            "leave",
            "Back to the dashboard; a review left part-way is not recorded",
        ),
        (
            &[Review, ReviewSummary],
            &["p"],
            TogglePrivacy,
            "privacy",
            "Privacy mode",
        ),
        (
            &[Review, ReviewSummary],
            &["?"],
            ToggleHelp,
            "help",
            "Show every key",
        ),
        (
            &[Review, ReviewSummary],
            &["q", "ctrl-c"],
            Quit,
            "quit",
            "Quit",
        ),
        (
            &[Dashboard, Detail, Welcome, Report],
            &["t"],
            CycleTheme,
            "theme",
            "Next colour theme",
        ),
        (
            &[Dashboard, Detail, Welcome, Report],
            &["?"],
            ToggleHelp,
            "help",
            "Show every key",
        ),
        (
            &[Dashboard, Detail, Welcome, Report],
            &["q", "ctrl-c"],
            Quit,
            "quit",
            "Quit",
        ),
        (
            &[Filter],
            &["enter"],
            FilterDone,
            "keep filter",
            "Keep the filter and go back to the cards",
        ),
        (
            &[Filter],
            &["esc"],
            FilterCancel,
            "clear",
            "Clear the filter",
        ),
        (
            &[Filter],
            &["backspace"],
            FilterBackspace,
            "",
            "Delete the last character",
        ),
        (&[Filter], &["ctrl-c"], Quit, "", "Quit"),
        (&[Form], &["tab"], FormNext, "next field", "Next field"),
        (
            &[Form],
            &["shift-tab"],
            FormPrevious,
            "previous",
            "Previous field",
        ),
        (
            &[Form],
            &["ctrl-s"],
            FormSave,
            "save",
            "Save (every field is checked first)",
        ),
        (
            &[Form],
            &["esc"],
            FormCancel,
            "cancel",
            "Cancel (asks first if anything was typed)",
        ),
        (
            &[Form],
            &["ctrl-c"],
            Quit,
            "",
            "Quit (asks first if anything was typed)",
        ),
        (
            &[FormConfirm],
            &["y"],
            DiscardForm,
            "discard",
            "Throw away what was typed",
        ),
        (
            &[FormConfirm],
            &["n", "esc"],
            KeepEditing,
            "keep editing",
            "Go back to the form",
        ),
        (&[FormConfirm], &["ctrl-c"], Quit, "", "Quit without saving"),
        (
            &[RiskConfirm],
            &["y"],
            ConfirmImmediateRisk,
            "save as immediate risk",
            "Save as immediate risk, having read the procedure's advice",
        ),
        (
            &[RiskConfirm],
            &["n", "esc"],
            KeepEditing,
            "back to the form",
            "Go back to the form without saving",
        ),
        (
            &[Help],
            &["?", "esc"],
            ToggleHelp,
            "close",
            "Close the help",
        ),
        (&[Help], &["up", "k"], Up, "scroll", "Scroll the help up"),
        (&[Help], &["down", "j"], Down, "", "Scroll the help down"),
        (&[Help], &["q", "ctrl-c"], Quit, "quit", "Quit"),
        (
            &[Name],
            &["enter"],
            NameDone,
            "keep my name",
            "Keep your name in config.toml; the audit trail records it",
        ),
        (
            &[Name],
            &["esc"],
            NameSkip,
            "not now",
            "Not now: your login name is recorded until you give one",
        ),
        (
            &[Name],
            &["backspace"],
            NameBackspace,
            "",
            "Delete the last character",
        ),
        (&[Name], &["ctrl-c"], Quit, "quit", "Quit"),
        (
            &[
                Dashboard,
                Welcome,
                Detail,
                Filter,
                Help,
                Form,
                FormConfirm,
                RiskConfirm,
                Review,
                ReviewSummary,
                FormView,
                FormFill,
                Report,
            ],
            &["ctrl-l"],
            Lock,
            "",
            "Lock the screen until the passphrase is typed",
        ),
        (
            &[Locked],
            &["enter"],
            Unlock,
            "unlock",
            "Unlock with the passphrase typed",
        ),
        (
            &[Locked],
            &["backspace"],
            UnlockBackspace,
            "",
            "Delete the last character typed",
        ),
        (&[Locked], &["ctrl-c"], Quit, "quit", "Quit"),
    ]
};

/// The table, parsed once from [`DEFAULTS`].
pub fn bindings() -> &'static [Binding] {
    static TABLE: OnceLock<Vec<Binding>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = Vec::new();
        for (scopes, keys, intent, label, help) in DEFAULTS {
            for scope in *scopes {
                for (i, key) in keys.iter().enumerate() {
                    table.push(Binding {
                        scope: *scope,
                        // The defaults are fixed text, checked by the tests below.
                        key: Key::parse(key).unwrap_or(Key {
                            code: KeyCode::Null,
                            modifiers: KeyModifiers::NONE,
                        }),
                        intent: *intent,
                        label: if i == 0 { label } else { "" },
                        help,
                    });
                }
            }
        }
        table
    })
}

/// The scope the state is in, for looking keys up.
pub fn scope(state: &State) -> Scope {
    if state.lock.is_locked {
        Scope::Locked
    } else if state.asking_name.is_some() {
        Scope::Name
    } else if state.popup == Some(Popup::Help) {
        Scope::Help
    } else if let Some(form) = &state.form {
        match form.confirm {
            Some(crate::app::form::Confirm::Discard) => Scope::FormConfirm,
            Some(crate::app::form::Confirm::ImmediateRisk) => Scope::RiskConfirm,
            None => Scope::Form,
        }
    } else if let Some(view) = &state.form_view {
        if view.editing.is_some() {
            Scope::FormFill
        } else {
            Scope::FormView
        }
    } else if let Some(walk) = &state.review {
        if walk.summary.is_some() {
            Scope::ReviewSummary
        } else {
            Scope::Review
        }
    } else if state.is_filtering {
        Scope::Filter
    } else if matches!(state.screen, Screen::Detail { .. }) {
        Scope::Detail
    } else if state.screen == Screen::Report {
        Scope::Report
    } else if state.is_empty() {
        Scope::Welcome
    } else {
        Scope::Dashboard
    }
}

/// What a key press asks for in this scope, if anything. In the filter, plain characters type.
pub fn intent(scope: Scope, event: &KeyEvent) -> Option<Intent> {
    if event.kind == KeyEventKind::Release {
        return None;
    }
    let key = Key::from_event(event);
    if let Some(binding) = bindings().iter().find(|b| b.scope == scope && b.key == key) {
        return Some(binding.intent);
    }
    match (scope, key.code) {
        (Scope::Filter, KeyCode::Char(c))
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(Intent::FilterType(c))
        }
        (Scope::Name, KeyCode::Char(c))
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(Intent::NameType(c))
        }
        (Scope::Locked, KeyCode::Char(c))
            if !key
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            Some(Intent::UnlockType(c))
        }
        // Every other key goes to the form's focused field.
        (Scope::Form | Scope::FormFill, _) => Some(Intent::FormInput(*event)),
        _ => None,
    }
}

/// The keys of one intent in a scope, joined: `↑/k`.
fn keys_of(scope: Scope, intent: Intent) -> String {
    bindings()
        .iter()
        .filter(|b| b.scope == scope && b.intent == intent)
        .map(|b| b.key.to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// The footer for a scope: (keys, label) for each labelled binding, in table order.
pub fn footer(scope: Scope) -> Vec<(String, &'static str)> {
    bindings()
        .iter()
        .filter(|b| b.scope == scope && !b.label.is_empty())
        .map(|b| {
            // The footer shows the first key of each; the help lists them all.
            let keys = match b.intent {
                Intent::Left => "←↑↓→/hjkl".to_owned(),
                Intent::Up if scope == Scope::Dashboard || scope == Scope::Detail => {
                    "↑↓/jk".to_owned()
                }
                Intent::NextTab => "Tab".to_owned(),
                _ => b.key.to_string(),
            };
            (keys, b.label)
        })
        .collect()
}

/// Whether a key for `intent` would do anything on the screen as it stands: the keys that act
/// on an escalation need one selected (or open in the detail view), and those that change it
/// need it open. The footer offers only these; the help lists every key of the scope, and a key
/// pressed when it can do nothing says why on the status line.
pub fn is_available(state: &State, intent: Intent) -> bool {
    use Intent::*;
    if !matches!(scope(state), Scope::Dashboard | Scope::Detail) {
        return true;
    }
    let target = match state.screen {
        Screen::Detail { id, .. } => Some(id),
        Screen::Dashboard | Screen::Report => state.selected_id(),
    };
    let entry = target.and_then(|id| state.entry(id));
    match intent {
        Open | AmendField | MarkNotificationSent | MarkActionDone => entry.is_some(),
        RecordDiscussion | AdvanceStage | ResolveEscalation | WithdrawEscalation | MarkClockMet
        | AddAction | TightenClock | RecordDelayReason => {
            entry.is_some_and(crate::app::Entry::is_open)
        }
        JumpToLane(n) => usize::from(n) <= state.lanes.len(),
        _ => true,
    }
}

/// The footer for the screen as it stands: [`footer`] without the keys that would do nothing
/// now (see [`is_available`]), each with the intent it asks for.
pub fn footer_now(state: &State) -> Vec<(String, &'static str)> {
    let scope = scope(state);
    let available: Vec<Intent> = bindings()
        .iter()
        .filter(|b| b.scope == scope && !b.label.is_empty())
        .map(|b| b.intent)
        .collect();
    footer(scope)
        .into_iter()
        .zip(available)
        .filter(|(_, intent)| is_available(state, *intent))
        .map(|(entry, _)| entry)
        .collect()
}

/// The help screen for a scope: (keys, sentence) for every intent, in table order. The lane
/// jumps share one row (`1-5`).
pub fn help(scope: Scope) -> Vec<(String, &'static str)> {
    help_for_lanes(scope, usize::MAX)
}

/// The help rows of `scope` as they work with `lanes` lanes on the dashboard: the lane jumps
/// offered are those with a lane to jump to (`1-4` for four lanes).
pub fn help_for_lanes(scope: Scope, lanes: usize) -> Vec<(String, &'static str)> {
    let mut row_of: Vec<(Intent, usize)> = Vec::new();
    let mut rows: Vec<(String, &'static str)> = Vec::new();
    let mut jumps: Option<(usize, Vec<u8>)> = None;
    for b in bindings().iter().filter(|b| b.scope == scope) {
        if row_of.iter().any(|(i, _)| *i == b.intent) {
            continue;
        }
        // The lane jumps share one row (`1-5`).
        if let Intent::JumpToLane(n) = b.intent {
            if usize::from(n) > lanes {
                continue;
            }
            match &mut jumps {
                Some((_, stages)) => stages.push(n),
                None => {
                    rows.push((String::new(), "Jump to a stage's lane"));
                    jumps = Some((rows.len() - 1, vec![n]));
                }
            }
            row_of.push((b.intent, rows.len() - 1));
            continue;
        }
        // Each key shares a row with its opposite: → with ←, ↓ with ↑, Shift-Tab with Tab.
        let pair = match b.intent {
            Intent::AdvanceStage | Intent::ResolveEscalation | Intent::WithdrawEscalation => {
                Some((
                    Intent::RecordDiscussion,
                    "Record: d a discussion, a advance a stage, r resolve, w withdraw",
                ))
            }
            Intent::Right if scope == Scope::Dashboard => {
                Some((Intent::Left, "Previous / next lane"))
            }
            Intent::Down if scope == Scope::Dashboard => Some((Intent::Up, "Previous / next card")),
            Intent::PreviousLane => Some((
                Intent::NextLane,
                "Next / previous lane, and the notifications owed (wraps round)",
            )),
            _ => None,
        };
        if let Some((first, both)) = pair
            && let Some(&(_, row)) = row_of.iter().find(|(i, _)| *i == first)
        {
            let separator = match b.intent {
                Intent::Left | Intent::Right | Intent::Up | Intent::Down => ", ",
                _ => "/",
            };
            rows[row].0 = format!("{}{separator}{}", rows[row].0, keys_of(scope, b.intent));
            rows[row].1 = both;
            row_of.push((b.intent, row));
            continue;
        }
        rows.push((keys_of(scope, b.intent), b.help));
        row_of.push((b.intent, rows.len() - 1));
    }
    if let Some((row, stages)) = jumps
        && let (Some(first), Some(last)) = (stages.iter().min(), stages.iter().max())
    {
        rows[row].0 = if first == last {
            first.to_string()
        } else {
            format!("{first}-{last}")
        };
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_default_key_parses() {
        for (_, keys, ..) in DEFAULTS {
            for key in *keys {
                assert!(Key::parse(key).is_ok(), "{key}");
            }
        }
        assert!(bindings().iter().all(|b| b.key.code != KeyCode::Null));
    }

    #[test]
    fn no_key_is_bound_twice_in_a_scope() {
        let table = bindings();
        for (i, a) in table.iter().enumerate() {
            for b in &table[i + 1..] {
                assert!(
                    !(a.scope == b.scope && a.key == b.key),
                    "{} is bound twice in {:?}: {:?} and {:?}",
                    a.key,
                    a.scope,
                    a.intent,
                    b.intent
                );
            }
        }
    }

    #[test]
    fn every_intent_has_a_key() {
        use Intent::*;
        let typed = [FilterType('x')];
        let all = [
            Quit,
            Left,
            Right,
            Up,
            Down,
            Open,
            Back,
            NextLane,
            PreviousLane,
            JumpToLane(1),
            StartFilter,
            TogglePrivacy,
            CycleTheme,
            ToggleHelp,
            NextTab,
            LoadDemo,
            FilterBackspace,
            FilterDone,
            FilterCancel,
            RecordDiscussion,
            AdvanceStage,
            ResolveEscalation,
            WithdrawEscalation,
            FormNext,
            FormPrevious,
            FormSave,
            FormCancel,
            DiscardForm,
            KeepEditing,
            NewEscalation,
            MarkNotificationSent,
            MarkActionDone,
            AmendField,
            ShowForm,
            WriteForm,
            FillBlanks,
            ConfirmImmediateRisk,
            StartReview,
            ReviewNext,
            ReviewBack,
            FinishReview,
            LeaveReview,
            RecordDelayReason,
            NameDone,
            NameSkip,
            NameBackspace,
            Lock,
            UnlockBackspace,
            Unlock,
        ];
        for intent in all {
            assert!(
                bindings().iter().any(|b| b.intent == intent),
                "{intent:?} has no key"
            );
        }
        // Typing into the filter is every plain character, not a table row.
        let event = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
        assert_eq!(super::intent(Scope::Filter, &event), Some(typed[0]));
        assert_eq!(
            super::intent(Scope::Name, &event),
            Some(Intent::NameType('x'))
        );
    }

    #[test]
    fn keys_parse_from_text() {
        assert_eq!(
            Key::parse("ctrl-s"),
            Ok(Key {
                code: KeyCode::Char('s'),
                modifiers: KeyModifiers::CONTROL
            })
        );
        assert_eq!(
            Key::parse("shift-tab").map(|k| k.code),
            Ok(KeyCode::BackTab)
        );
        assert!(Key::parse("hyper-x").is_err());
        assert_eq!(Key::parse("ctrl-s").unwrap().to_string(), "Ctrl-s");
    }

    #[test]
    fn shifted_characters_match_their_binding() {
        let event = KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT);
        assert_eq!(intent(Scope::Dashboard, &event), Some(Intent::ToggleHelp));
        let event = KeyEvent::new(KeyCode::Char('D'), KeyModifiers::SHIFT);
        assert_eq!(intent(Scope::Welcome, &event), Some(Intent::LoadDemo));
    }

    #[test]
    fn footers_come_from_the_table() {
        let footer = footer(Scope::Dashboard);
        assert!(
            footer
                .iter()
                .any(|(keys, label)| keys == "q" && *label == "quit"),
            "{footer:?}"
        );
        assert!(
            footer
                .iter()
                .any(|(keys, label)| keys == "/" && *label == "filter"),
            "{footer:?}"
        );
        assert!(
            help(Scope::Detail)
                .iter()
                .any(|(_, help)| help.contains("audit trail"))
        );
    }

    #[test]
    fn the_help_offers_a_jump_for_each_lane_there_is() {
        let jumps = |lanes| {
            help_for_lanes(Scope::Dashboard, lanes)
                .into_iter()
                .find(|(_, h)| *h == "Jump to a stage's lane")
                .map(|(k, _)| k)
        };
        assert_eq!(jumps(4).as_deref(), Some("1-4"));
        assert_eq!(jumps(5).as_deref(), Some("1-5"));
        assert_eq!(jumps(1).as_deref(), Some("1"));
        assert_eq!(jumps(0), None);
    }
}
