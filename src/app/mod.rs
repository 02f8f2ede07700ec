//! The dashboard's state and how it changes: Elm-shaped, with no terminal and no awaiting.
//!
//! Input arrives as an [`Intent`] (what the user asked for, from the key table) or a [`Msg`]
//! (what happened outside: a tick of the clock, a resize, storage's reply). [`update`] changes the
//! [`State`] and returns [`Effect`]s for the runtime to carry out (load this, settle that). The
//! view draws from `&State` alone. Start at [`update`].

pub mod form;
pub mod lock;
pub mod paper;
pub mod review;
mod state;
mod update;

use chrono::{DateTime, Utc};

pub use state::{
    DetailTab, Entry, LaneView, NotificationRow, Popup, Preferences, Prepared, ReadPreferences,
    Screen, State, Totals, Urgent, fold, initials,
};
pub use update::update;

use crate::core::audit::AuditEntry;
use crate::core::record::Escalation;

/// What the user asked for. Named as imperatives; bound to keys in `keys.rs`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intent {
    Quit,
    Left,
    Right,
    Up,
    Down,
    Open,
    Back,
    NextLane,
    PreviousLane,
    JumpToLane(u8),
    StartFilter,
    /// Filter to each school of the caseload in turn, then to none (a trust's caseload).
    NextSchool,
    TogglePrivacy,
    CycleTheme,
    ToggleHelp,
    NextTab,
    LoadDemo,
    /// Typing into the filter.
    FilterType(char),
    FilterBackspace,
    FilterDone,
    FilterCancel,
    /// Open the form to record a discussion on the selected escalation.
    RecordDiscussion,
    /// Open the form to move the selected escalation to its next stage.
    AdvanceStage,
    /// Open the form to record how the selected escalation was resolved.
    ResolveEscalation,
    /// Open the form to withdraw the selected escalation.
    WithdrawEscalation,
    /// Open the form for a new escalation.
    NewEscalation,
    /// Open the form to record a notification owed as sent (the selected one on the
    /// notifications panel, or the first owed on the selected escalation).
    MarkNotificationSent,
    /// Open the form to mark an agreed action of the selected escalation done.
    MarkActionDone,
    /// Open the form to correct a field of the selected escalation.
    AmendField,
    /// Show the closed escalations in the lanes instead of the open ones, or back.
    ToggleClosed,
    /// Show the procedure's form filled from the record: the selected notification's, or the
    /// first owed on the escalation (issue 15).
    ShowForm,
    /// The outcomes report, drawn as charts (`g`).
    ShowReport,
    /// Write the form on screen out as printable HTML, in the forms folder.
    WriteForm,
    /// Type in the fields of the form on screen that the record cannot fill.
    FillBlanks,
    /// Open the form to mark a clock of the selected escalation met (the immediate-risk clock
    /// among them), with a note of how.
    MarkClockMet,
    /// Open the form to add an agreed action to the selected escalation, outside a discussion.
    AddAction,
    /// Open the form to give a running clock of the selected escalation an earlier due time.
    TightenClock,
    /// Start the morning review: a walk through everything that needs attention now.
    StartReview,
    /// The review's next item (or, after the last, its summary).
    ReviewNext,
    /// The review's previous item.
    ReviewBack,
    /// End the review: its summary, then (from the summary) record it and go back.
    FinishReview,
    /// From the review's summary, back to the dashboard: the review is recorded only if every
    /// item was walked through (Enter records one left part-way).
    LeaveReview,
    /// Open the form to record why the review's item is late.
    RecordDelayReason,
    FormNext,
    FormPrevious,
    FormSave,
    FormCancel,
    /// A key for the focused field of a form.
    FormInput(crossterm::event::KeyEvent),
    /// Throw away what was typed (after Esc asked).
    DiscardForm,
    /// Go back to the form (after Esc asked, or from the immediate-risk question).
    KeepEditing,
    /// Save a new escalation as immediate risk, having read the procedure's advice.
    ConfirmImmediateRisk,
    /// Typing the DSL's name, asked on a first run.
    NameType(char),
    NameBackspace,
    /// Keep the name typed (in config.toml, for the audit trail).
    NameDone,
    /// Not now: the login name is recorded until a name is given.
    NameSkip,
    /// Lock the screen: nothing about any child shows until the passphrase is typed.
    Lock,
    /// Typing into the lock's passphrase field.
    UnlockType(char),
    UnlockBackspace,
    /// Try the passphrase typed.
    Unlock,
}

/// What happened outside the user's keys. Named in the past tense.
#[derive(Debug, Clone, PartialEq)]
pub enum Msg {
    /// The clock moved on (once a second).
    Ticked(DateTime<Utc>),
    Resized {
        width: u16,
        height: u16,
    },
    CaseloadLoaded(Result<Vec<Escalation>, String>),
    /// The caseload read and prepared on the storage worker's threads (what the runtime sends;
    /// `CaseloadLoaded` prepares it here).
    CaseloadPrepared(Result<Box<Prepared>, String>),
    /// Every closed escalation, for the view of the closed ones.
    ClosedLoaded(Result<Vec<Escalation>, String>),
    TrailLoaded {
        id: i64,
        trail: Result<Vec<AuditEntry>, String>,
    },
    DemoLoaded(Result<usize, String>),
    /// The form `token` was saved (with what was written), or refused (with why). Only that
    /// form is closed or reopened for editing; any other form on screen is left alone.
    FormSaved {
        token: form::FormToken,
        result: Result<String, String>,
        /// The escalation written to, when it was: a new escalation's id, to select it.
        escalation: Option<i64>,
    },
    /// What was typed into a form could not be kept as a draft (the form stays as it is).
    DraftNotKept(String),
    /// A finished morning review was written to the audit trail (with its summary), or not.
    ReviewRecorded(Result<String, String>),
    /// How far the detail view on screen scrolls, as last drawn (its last line at the bottom).
    DetailMeasured(u16),
    /// Text pasted into the terminal (a bracketed paste): for the focused field only.
    Pasted(String),
    /// Drafts kept from an earlier session (a crash, a closed terminal), to offer back.
    DraftsLoaded(Vec<crate::core::draft::Draft>),
    /// A form was written out (where), or could not be (why).
    FormWritten(Result<String, String>),
    /// The outcomes report was counted, or could not be (why).
    ReportLoaded(Result<Box<crate::core::report::Report>, String>),
    /// The DSL's name was kept in the settings file (named), or could not be (why).
    UserRemembered(Result<String, String>),
    /// Live updates (PostgreSQL): escalations announced as changed, as this person reads
    /// them now, and which of them someone else changed last (with who).
    LiveChanged {
        escalations: Vec<Escalation>,
        by_others: Vec<(i64, String)>,
    },
    /// The live connection listens (`again`: after being lost, so what was missed meanwhile
    /// is found by loading the whole caseload again).
    LiveListening {
        again: bool,
    },
    /// The live connection was lost (why), and is being made again.
    LiveLost(String),
    /// `config.toml` changed on disk and was read again, or could not be read (why).
    PreferencesRead(Result<Box<ReadPreferences>, String>),
}

/// Something for the runtime to do off the UI task.
#[allow(
    clippy::large_enum_variant,
    reason = "a handful of effects a keypress, moved once to the worker: boxing buys nothing"
)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    LoadCaseload,
    LoadTrail(i64),
    /// Load every closed escalation (the caseload holds only those that still owe something).
    LoadClosed,
    LoadDemo,
    /// Reload the caseload if another process (a command in another terminal) changed it.
    LoadCaseloadIfChanged,
    /// These closed escalations owe nothing: stop loading them.
    Settle(Vec<i64>),
    /// Save what a form gave, checked again by the core inside the write transaction.
    /// `token` names the form, so the reply reaches it; `seen` is the escalation's version as
    /// the form was opened on it, so a save against a record that moved is refused.
    Save {
        token: form::FormToken,
        kind: form::FormKind,
        seen: Option<crate::core::change::Version>,
        output: crate::core::change::Request,
    },
    /// New escalations go into this school from now on (someone who records for several, on
    /// a team's database): sent just before the New form's save.
    ChooseSchool(String),
    /// Keep what has been typed into a form, so a crash loses nothing.
    SaveDraft(crate::core::draft::Draft),
    /// The form was discarded: throw its draft away too.
    DiscardDraft {
        form: String,
        escalation: Option<i64>,
    },
    /// Load the drafts kept from an earlier session.
    LoadDrafts,
    /// Write a finished review to the audit trail.
    RecordReview(crate::core::review::ReviewSummary),
    /// Write a filled form out, as `file_name` in the forms folder beside the database.
    WriteForm {
        file_name: String,
        text: String,
    },
    /// Count the outcomes report for a period, from the whole record (history included).
    LoadReport(crate::core::report::Period),
    /// Keep the DSL's name in the settings file, and record it on every change from now on.
    RememberUser(String),
    /// Record this name on every change from now on (the settings file named it).
    UseActor(String),
}

/// Either kind of input to [`update`].
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    Intent(Intent),
    Msg(Msg),
}
