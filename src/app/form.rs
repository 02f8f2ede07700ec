//! Forms for recording from the keyboard: fields typed into ratatui-textarea editors, checked
//! as they are typed by the same core rules the command line uses, and saved in one transaction
//! by the storage worker.
//!
//! Every form is a list of [`Field`]s. [`Form::check`] runs after every key: each field is
//! checked on its own (so that several can be marked at once), then, when each is good, the
//! whole is planned by the same `core` function the command line calls (so that rules across
//! fields, such as "raised before the concern arose", refuse exactly what the command line
//! refuses). A when-field shows the time it was read as, so a DSL typing `yesterday 14:30` sees
//! `Sun 22 Nov 2026 14:30 GMT` before saving.

use chrono::{DateTime, NaiveDate, Utc};
use ratatui_textarea::TextArea;

use crate::core::calendar::{LONDON, format_local, local_date};
use crate::core::change::{
    ActionInput, Correcting, DiscussionInput, Request, ResolutionInput, Version, plan_amend,
};
use crate::core::deadline::Schedule;
use crate::core::draft::Draft;
use crate::core::procedure::ProcedureSet;
use crate::core::record::{
    AMENDABLE, Category, CorrectionKind, Escalation, Method, Mode, NewEscalationInput, RecordError,
    check_dob, clean_text, optional_text, printable, required_text,
};
use crate::core::time::{Direction, parse_date, parse_day, parse_when};
use crate::core::timescale::Timescale;

/// What a field holds, which decides how keys edit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of text; Enter moves on.
    Line,
    /// Several lines; Enter starts a new one.
    Text,
    /// A time as people type it ("now", "yesterday 14:30").
    When,
    /// One of a list (the field's `items`), chosen with ← and →.
    Choice,
    /// Yes or no, switched with Space.
    Toggle,
}

/// One field of a form.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub text: TextArea<'static>,
    /// A choice's values (what is saved) and, index for index, what is shown for each.
    pub items: Vec<String>,
    pub labels: Vec<String>,
    /// The chosen item, for a choice; on or off, for a toggle.
    pub choice: usize,
    /// What is wrong with it, in plain words.
    pub error: Option<String>,
    /// What it was read as (a parsed time), or what it holds now (an amendment).
    pub hint: Option<String>,
}

fn editor(initial: &str) -> TextArea<'static> {
    let mut text = TextArea::new(initial.lines().map(str::to_owned).collect());
    // Typing carries on from what is already there.
    text.move_cursor(ratatui_textarea::CursorMove::Bottom);
    text.move_cursor(ratatui_textarea::CursorMove::End);
    text
}

impl Field {
    fn new(name: &'static str, label: &'static str, kind: FieldKind, initial: &str) -> Self {
        Self {
            name,
            label,
            kind,
            text: editor(initial),
            items: Vec::new(),
            labels: Vec::new(),
            choice: 0,
            error: None,
            hint: None,
        }
    }

    /// A choice between `items`, each shown as its label.
    fn choice(name: &'static str, label: &'static str, items: Vec<(String, String)>) -> Self {
        let mut field = Self::new(name, label, FieldKind::Choice, "");
        (field.items, field.labels) = items.into_iter().unzip();
        field
    }

    /// A choice between words, each shown as itself.
    fn words(name: &'static str, label: &'static str, words: &[&str]) -> Self {
        Self::choice(
            name,
            label,
            words
                .iter()
                .map(|w| ((*w).to_owned(), (*w).to_owned()))
                .collect(),
        )
    }

    /// The field's text, lines joined; a choice's chosen value; `yes` or `no` for a toggle.
    pub fn value(&self) -> String {
        match self.kind {
            FieldKind::Choice => self.items.get(self.choice).cloned().unwrap_or_default(),
            FieldKind::Toggle => if self.choice == 1 { "yes" } else { "no" }.to_owned(),
            _ => self.text.lines().join("\n"),
        }
    }

    /// What a choice shows for its chosen item.
    pub fn chosen_label(&self) -> &str {
        self.labels.get(self.choice).map_or("", String::as_str)
    }

    pub fn is_typed_into(&self) -> bool {
        matches!(
            self.kind,
            FieldKind::Line | FieldKind::Text | FieldKind::When
        )
    }

    /// Chooses the item with this value, if there is one.
    fn select(&mut self, value: &str) {
        if let Some(index) = self.items.iter().position(|i| i == value) {
            self.choice = index;
        }
    }
}

/// Which form, and what it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    /// A new escalation.
    New,
    Discuss {
        escalation: i64,
    },
    /// Advance the escalation to `to_stage`.
    Advance {
        escalation: i64,
        to_stage: u8,
    },
    Resolve {
        escalation: i64,
    },
    Withdraw {
        escalation: i64,
    },
    /// Record a notification to the partnership as sent.
    NotificationSent {
        escalation: i64,
    },
    /// Mark an agreed action done.
    ActionDone {
        escalation: i64,
    },
    /// Correct one field of the escalation, keeping the original.
    Amend {
        escalation: i64,
    },
    /// Record why something is late (Barnet asks for one past 5 working days).
    DelayReason {
        escalation: i64,
    },
    /// Mark a clock met, with a note of how (the immediate-risk clock among them).
    ClockMet {
        escalation: i64,
    },
    /// Add an agreed action on its own, outside a discussion.
    AddAction {
        escalation: i64,
    },
    /// Give a clock an earlier due time, with the reason.
    Tighten {
        escalation: i64,
    },
}

impl FormKind {
    /// The escalation the form is about (none for a new one).
    pub fn escalation(self) -> Option<i64> {
        match self {
            Self::New => None,
            Self::Discuss { escalation }
            | Self::Advance { escalation, .. }
            | Self::Resolve { escalation }
            | Self::Withdraw { escalation }
            | Self::NotificationSent { escalation }
            | Self::ActionDone { escalation }
            | Self::Amend { escalation }
            | Self::DelayReason { escalation }
            | Self::ClockMet { escalation }
            | Self::AddAction { escalation }
            | Self::Tighten { escalation } => Some(escalation),
        }
    }

    /// The name its drafts are kept under.
    pub fn draft_name(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::Discuss { .. } => "discuss",
            Self::Advance { .. } => "advance",
            Self::Resolve { .. } => "resolve",
            Self::Withdraw { .. } => "withdraw",
            Self::NotificationSent { .. } => "notify",
            Self::ActionDone { .. } => "action-done",
            Self::Amend { .. } => "amend",
            Self::DelayReason { .. } => "delay",
            Self::ClockMet { .. } => "clock-met",
            Self::AddAction { .. } => "action-add",
            Self::Tighten { .. } => "tighten",
        }
    }

    /// What the form records, in a few words ("a discussion"), for offering a draft back.
    pub fn describe(self) -> &'static str {
        match self {
            Self::New => "a new escalation",
            Self::Discuss { .. } => "a discussion",
            Self::Advance { .. } => "a move to the next stage",
            Self::Resolve { .. } => "a resolution",
            Self::Withdraw { .. } => "a withdrawal",
            Self::NotificationSent { .. } => "a notification sent",
            Self::ActionDone { .. } => "an action done",
            Self::Amend { .. } => "an amendment",
            Self::DelayReason { .. } => "a reason for a delay",
            Self::ClockMet { .. } => "a clock met",
            Self::AddAction { .. } => "an agreed action",
            Self::Tighten { .. } => "a clock tightened",
        }
    }

    /// Every kind a draft of this name and escalation can belong to (the advance form's stage
    /// is worked out again when it is opened).
    pub fn of_draft(name: &str, escalation: Option<i64>) -> Option<Self> {
        let kind = match (name, escalation) {
            ("new", None) => Self::New,
            ("discuss", Some(escalation)) => Self::Discuss { escalation },
            ("advance", Some(escalation)) => Self::Advance {
                escalation,
                to_stage: 0,
            },
            ("resolve", Some(escalation)) => Self::Resolve { escalation },
            ("withdraw", Some(escalation)) => Self::Withdraw { escalation },
            ("notify", Some(escalation)) => Self::NotificationSent { escalation },
            ("action-done", Some(escalation)) => Self::ActionDone { escalation },
            ("amend", Some(escalation)) => Self::Amend { escalation },
            ("delay", Some(escalation)) => Self::DelayReason { escalation },
            ("clock-met", Some(escalation)) => Self::ClockMet { escalation },
            ("action-add", Some(escalation)) => Self::AddAction { escalation },
            ("tighten", Some(escalation)) => Self::Tighten { escalation },
            _ => return None,
        };
        Some(kind)
    }
}

/// What an amend form's `correct:KIND[:WHICH]` choice asks, with the value typed.
fn correcting(chosen: &str, value: &str) -> Option<Correcting> {
    let mut parts = chosen.splitn(3, ':').skip(1);
    let kind = parts.next()?;
    let which = parts.next().unwrap_or_default();
    let number = || which.parse::<i64>().ok();
    let value = value.to_owned();
    Some(match kind {
        "stage" => Correcting::UndoLastStage,
        "reopen" => Correcting::Reopen,
        "discussion" => Correcting::DiscussionNotes {
            discussion: number()?,
            notes: value,
        },
        "action-what" | "action-owner" | "action-due" => Correcting::Action {
            action: number()?,
            kind: match kind {
                "action-what" => CorrectionKind::ActionWhat,
                "action-owner" => CorrectionKind::ActionOwner,
                _ => CorrectionKind::ActionDue,
            },
            value,
        },
        "action-cancel" => Correcting::CancelAction { action: number()? },
        "not-sent" => Correcting::NotSent {
            notification: which.to_owned(),
        },
        "not-needed" => Correcting::NotNeeded {
            notification: which.to_owned(),
        },
        _ => return None,
    })
}

/// What the record says now of the thing a correction rewords (none for the rest).
fn corrected_now(escalation: &Escalation, correcting: &Correcting) -> Option<String> {
    match correcting {
        Correcting::DiscussionNotes { discussion, .. } => escalation
            .discussions
            .iter()
            .find(|d| d.id == *discussion)
            .map(|d| d.notes.clone()),
        Correcting::Action { action, kind, .. } => {
            let a = escalation.actions.iter().find(|a| a.id == *action)?;
            Some(match kind {
                CorrectionKind::ActionWhat => a.what.clone(),
                CorrectionKind::ActionOwner => a.owner.clone(),
                _ => a.due_on.to_string(),
            })
        }
        _ => None,
    }
}

/// A question asked over the form before going on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirm {
    /// Esc was pressed with something typed: throw it away?
    Discard,
    /// Saving a new escalation flagged as immediate risk: the procedure's advice is shown
    /// first, because the escalation process is not the route for a child at risk now.
    ImmediateRisk,
}

/// What checking needs from outside the form: the procedures, and the escalation as the
/// dashboard has it now.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub now: DateTime<Utc>,
    pub procedures: &'a ProcedureSet,
    pub escalation: Option<&'a Escalation>,
    pub schedule: Option<&'a Schedule>,
    /// The working-day calendar in force, to count a shorter timescale from a clock's start.
    pub calendar: &'a crate::core::calendar::Calendar,
    /// Privacy mode: the child's name and date of birth are not shown.
    pub is_privacy: bool,
}

/// A form on screen.
#[derive(Debug, Clone)]
pub struct Form {
    pub kind: FormKind,
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// A question asked over the form (throw away what was typed? save as immediate risk?).
    pub confirm: Option<Confirm>,
    /// Sent to be saved; waiting for the reply.
    pub is_saving: bool,
    /// Anything typed since the form opened.
    pub is_changed: bool,
    /// Save was tried: from then on an empty required field is marked too (before, a fresh
    /// form is not covered in marks).
    pub is_save_attempted: bool,
    /// When the form was last typed into without its draft being kept since: the next tick a
    /// second or more later keeps it, so a crash loses at most a couple of seconds of typing.
    pub unkept_since: Option<DateTime<Utc>>,
    /// What saving will do, or what to know first, shown above the fields (the advance form's
    /// next stage, clocks and notifications; the procedure's immediate-risk advice).
    pub preview: Vec<String>,
    /// Which form this is, so that storage's reply to its save reaches it and no other form.
    pub token: FormToken,
    /// The escalation's record as the form was opened on it: a save is refused if it moved.
    pub seen: Option<Version>,
    /// The morning review's item the form was opened from, ticked off when it saves.
    pub review_item: Option<usize>,
    /// A filled form to keep with the notification recorded sent (its id and text as sent),
    /// when the notification-sent form was opened from the form view (issue 15).
    pub attachment: Option<(String, String)>,
}

/// Which form a reply answers: every form opened gets the next number (see `State::open_form`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FormToken(pub u64);

/// The answers to a yes-or-no question that may not have been asked yet.
pub const ANSWERS: &[&str] = &["not recorded", "yes", "no"];

fn word_items<T: Copy + std::fmt::Display>(all: &[T]) -> Vec<String> {
    all.iter().map(ToString::to_string).collect()
}

impl Form {
    /// A form of `kind` with these fields, focused on the first.
    fn with_fields(kind: FormKind, title: String, fields: Vec<Field>) -> Self {
        Self {
            kind,
            title,
            fields,
            focus: 0,
            confirm: None,
            is_saving: false,
            is_changed: false,
            is_save_attempted: false,
            unkept_since: None,
            preview: Vec::new(),
            token: FormToken::default(),
            seen: None,
            review_item: None,
            attachment: None,
        }
    }

    /// Asks which school a new escalation belongs to, first, for someone who records for
    /// several (`schools`); nothing changes for one school.
    pub fn offer_schools(&mut self, schools: &[String]) {
        if self.kind == FormKind::New && schools.len() > 1 {
            let items = schools
                .iter()
                .map(|s| (s.clone(), printable(s, false)))
                .collect();
            self.fields
                .insert(0, Field::choice("school", "School", items));
        }
    }

    /// The school chosen in the New form, when it asked.
    pub fn chosen_school(&self) -> Option<String> {
        self.fields
            .iter()
            .any(|f| f.name == "school")
            .then(|| self.value("school"))
            .filter(|s| !s.is_empty())
    }

    /// "New escalation": the procedure (each shown with its title and source), the partnership
    /// body where it has several, the child, who raised it with whom, the category, when, the
    /// circumstances and outcome sought, and immediate risk.
    pub fn new_escalation(procedures: &ProcedureSet) -> Self {
        let procedure_items = procedures
            .iter()
            .map(|p| (p.id.clone(), p.title.clone()))
            .collect();
        let mut form = Self::with_fields(
            FormKind::New,
            " New escalation ".to_owned(),
            vec![
                Field::choice("procedure", "Procedure", procedure_items),
                Field::choice("partnership", "Partnership to notify", Vec::new()),
                Field::new("child", "Child's name", FieldKind::Line, ""),
                Field::new(
                    "dob",
                    "Date of birth (12/03/2016 or 2016-03-12, optional)",
                    FieldKind::Line,
                    "",
                ),
                Field::new(
                    "child-ref",
                    "Child's record reference (optional)",
                    FieldKind::Line,
                    "",
                ),
                Field::new(
                    "raised-by",
                    "Raised by (name and role)",
                    FieldKind::Line,
                    "",
                ),
                Field::new("agency", "Their agency", FieldKind::Line, ""),
                Field::new(
                    "raised-with",
                    "Raised with (agency and team)",
                    FieldKind::Line,
                    "",
                ),
                Field::choice(
                    "category",
                    "What the disagreement is about",
                    word_items(Category::ALL)
                        .into_iter()
                        .map(|w| (w.clone(), w.replace('-', " ")))
                        .collect(),
                ),
                Field::new(
                    "concern-at",
                    "When the concern arose (optional)",
                    FieldKind::When,
                    "",
                ),
                Field::new("raised-at", "When it was raised", FieldKind::When, "now"),
                Field::new("summary", "Circumstances", FieldKind::Text, ""),
                Field::new(
                    "outcome-sought",
                    "Outcome sought (optional)",
                    FieldKind::Text,
                    "",
                ),
                Field::new(
                    "immediate-risk",
                    "A child is at immediate risk",
                    FieldKind::Toggle,
                    "",
                ),
            ],
        );
        form.fit_partnerships(procedures);
        form
    }

    /// "Record a discussion" on an escalation, with the actions agreed in it.
    pub fn discussion(escalation: i64, title: String) -> Self {
        Self::with_fields(
            FormKind::Discuss { escalation },
            title,
            vec![
                Field::new("at", "When", FieldKind::When, "now"),
                Field::new(
                    "with",
                    "Who took part (names, roles, agencies)",
                    FieldKind::Line,
                    "",
                ),
                Field::words(
                    "mode",
                    "How",
                    &[
                        "phone",
                        "face-to-face",
                        "video",
                        "email",
                        "letter",
                        "meeting",
                    ],
                ),
                Field::new("notes", "What was said", FieldKind::Text, ""),
                Field::new("decisions", "Decisions", FieldKind::Text, ""),
                Field::new(
                    "actions",
                    "Agreed actions: what ; owner ; due (one a line)",
                    FieldKind::Text,
                    "",
                ),
                Field::new("agreed", "Agreement reached", FieldKind::Toggle, ""),
            ],
        )
    }

    /// "Resolve": how, the learning, whether parents or carers were told (and why not), and
    /// whether the child's record was updated: what the Pan Bedfordshire Appendix 3 asks.
    pub fn resolve(escalation: i64, title: String) -> Self {
        Self::with_fields(
            FormKind::Resolve { escalation },
            title,
            vec![
                Field::new("at", "When", FieldKind::When, "now"),
                Field::new("how", "How it was resolved", FieldKind::Text, ""),
                Field::new("learning", "Learning points", FieldKind::Text, ""),
                Field::words("parents", "Parents or carers informed", ANSWERS),
                Field::new("why-not", "If not, why not", FieldKind::Line, ""),
                Field::words("record", "Child's record updated", ANSWERS),
            ],
        )
    }

    /// "Withdraw": when and why.
    pub fn withdraw(escalation: i64, title: String) -> Self {
        Self::with_fields(
            FormKind::Withdraw { escalation },
            title,
            vec![
                Field::new("at", "When", FieldKind::When, "now"),
                Field::new("why", "Why it is withdrawn", FieldKind::Text, ""),
            ],
        )
    }

    /// "Advance to the next stage": when, why, and a deliberate confirmation, under a preview
    /// of what the move sets off.
    pub fn advance(escalation: i64, to_stage: u8, title: String, preview: Vec<String>) -> Self {
        let mut form = Self::with_fields(
            FormKind::Advance {
                escalation,
                to_stage,
            },
            title,
            vec![
                Field::new("at", "When", FieldKind::When, "now"),
                Field::new("reason", "Why it is being escalated", FieldKind::Text, ""),
                Field::new(
                    "confirm",
                    "Move it on to the next stage",
                    FieldKind::Toggle,
                    "",
                ),
            ],
        );
        form.preview = preview;
        form
    }

    /// "Notification sent": which of the notifications owed (each `(id, label)`), when, how,
    /// and the reference it went under.
    pub fn notification_sent(
        escalation: i64,
        title: String,
        owed: Vec<(String, String)>,
        chosen: Option<&str>,
    ) -> Self {
        let mut notification = Field::choice("notification", "Notification", owed);
        if let Some(id) = chosen {
            notification.select(id);
        }
        Self::with_fields(
            FormKind::NotificationSent { escalation },
            title,
            vec![
                notification,
                Field::new("at", "When it was sent", FieldKind::When, "now"),
                Field::choice(
                    "method",
                    "How",
                    word_items(Method::ALL)
                        .into_iter()
                        .map(|w| (w.clone(), w.replace('-', " ")))
                        .collect(),
                ),
                Field::new(
                    "reference",
                    "Reference (email subject, form number; optional)",
                    FieldKind::Line,
                    "",
                ),
            ],
        )
    }

    /// "Action done": which of the open actions (each `(id, label)`), and when.
    pub fn action_done(
        escalation: i64,
        title: String,
        open: Vec<(String, String)>,
        chosen: Option<&str>,
    ) -> Self {
        let mut action = Field::choice("action", "Action", open);
        if let Some(id) = chosen {
            action.select(id);
        }
        Self::with_fields(
            FormKind::ActionDone { escalation },
            title,
            vec![
                action,
                Field::new("at", "When it was done", FieldKind::When, "now"),
            ],
        )
    }

    /// "Amend": which field, its corrected value, and why. The original is kept and shown.
    pub fn amend(escalation: i64, title: String) -> Self {
        Self::with_fields(
            FormKind::Amend { escalation },
            title,
            vec![
                Field::choice(
                    "field",
                    "Field to correct",
                    AMENDABLE
                        .iter()
                        .map(|(name, what)| ((*name).to_owned(), format!("{name}: {what}")))
                        .collect(),
                ),
                Field::new("value", "Corrected value", FieldKind::Line, ""),
                Field::new("why", "Why it is being corrected", FieldKind::Text, ""),
            ],
        )
    }

    /// Adds to the amend form's choice what else on `escalation`'s record can be corrected (after
    /// the header's fields): each discussion's notes, each action's wording, owner, due date or
    /// cancellation, a notification recorded as sent (not sent) or owed (not needed), the latest
    /// stage move (reversed) and the closure (reopened). The chosen item's value is
    /// `correct:KIND[:WHICH]`, planned by `core::change::plan_correction` as typed.
    pub fn with_corrections(mut self, escalation: &Escalation, schedule: &Schedule) -> Self {
        let mut items: Vec<(String, String)> = Vec::new();
        if escalation.is_open()
            && let Some(last) = escalation.stage_changes.last()
        {
            items.push((
                "correct:stage".to_owned(),
                format!(
                    "stage move: reverse the move to stage {} ({}), made in error",
                    last.to_stage,
                    format_local(last.at)
                ),
            ));
        }
        if escalation.outcome.is_some() {
            items.push((
                "correct:reopen".to_owned(),
                "closure: reopen, resolved or withdrawn in error".to_owned(),
            ));
        }
        for d in &escalation.discussions {
            items.push((
                format!("correct:discussion:{}", d.id),
                format!("discussion {} ({}): its notes", d.id, format_local(d.at)),
            ));
        }
        for a in &escalation.actions {
            let n = a.id;
            items.push((
                format!("correct:action-what:{n}"),
                format!("action {n}: its wording"),
            ));
            items.push((
                format!("correct:action-owner:{n}"),
                format!("action {n}: its owner"),
            ));
            items.push((
                format!("correct:action-due:{n}"),
                format!("action {n}: its due date"),
            ));
            if a.done_at.is_none() {
                items.push((
                    format!("correct:action-cancel:{n}"),
                    format!("action {n}: cancel it (no longer owed)"),
                ));
            }
        }
        for sent in &escalation.sent {
            items.push((
                format!("correct:not-sent:{}", sent.notification),
                format!(
                    "notification {}: not sent, recorded in error",
                    sent.notification
                ),
            ));
        }
        for owed in schedule
            .outstanding_notifications()
            .filter(|n| n.state.is_live())
        {
            items.push((
                format!("correct:not-needed:{}", owed.id),
                format!("notification {}: not needed (say why)", owed.id),
            ));
        }
        if let Some(field) = self.fields.iter_mut().find(|f| f.name == "field") {
            for (item, label) in items {
                field.items.push(item);
                field.labels.push(label);
            }
        }
        self
    }

    /// "Reason for the delay": what is late (`(key, label)`), and why.
    pub fn delay_reason(escalation: i64, title: String, late: Vec<(String, String)>) -> Self {
        let mut form = Self::with_fields(
            FormKind::DelayReason { escalation },
            title,
            vec![
                Field::choice("late", "What is late", late),
                Field::new("at", "When", FieldKind::When, "now"),
                Field::new("reason", "Why it is late", FieldKind::Text, ""),
            ],
        );
        // What is late is given; the reason is what is typed.
        form.focus = 2;
        form
    }

    /// "Clock met": which of the running clocks (each `(key, label)`, `chosen` first if given),
    /// when, and a note of how it was met.
    pub fn clock_met(
        escalation: i64,
        title: String,
        clocks: Vec<(String, String)>,
        chosen: Option<&str>,
    ) -> Self {
        let mut clock = Field::choice("clock", "Clock", clocks);
        if let Some(key) = chosen {
            clock.select(key);
        }
        let mut form = Self::with_fields(
            FormKind::ClockMet { escalation },
            title,
            vec![
                clock,
                Field::new("at", "When it was met", FieldKind::When, "now"),
                Field::new("note", "How it was met", FieldKind::Text, ""),
            ],
        );
        form.focus = 2;
        form
    }

    /// "Agreed action": what, who owns it, and when it is due (as people type a day: `fri`,
    /// `+2d`, `2026-12-01`).
    pub fn add_action(escalation: i64, title: String) -> Self {
        Self::with_fields(
            FormKind::AddAction { escalation },
            title,
            vec![
                Field::new("what", "What is to be done", FieldKind::Text, ""),
                Field::new("owner", "Who owns it", FieldKind::Line, ""),
                Field::new("due", "Due (fri, +2d, 2026-12-01)", FieldKind::Line, ""),
            ],
        )
    }

    /// "Tighten a clock": which running clock (each `(key, label)`), the earlier due time (a
    /// time such as `fri 12:00` or `+4h` from now; or a shorter timescale such as `24 hours`,
    /// counted from the clock's start as `escalate tighten --within` counts it), and why.
    pub fn tighten(escalation: i64, title: String, clocks: Vec<(String, String)>) -> Self {
        Self::with_fields(
            FormKind::Tighten { escalation },
            title,
            vec![
                Field::choice("clock", "Clock", clocks),
                Field::new(
                    "due",
                    "Earlier due (fri 12:00, +4h) or timescale from its start (24 hours)",
                    FieldKind::Line,
                    "",
                ),
                Field::new("reason", "Why it is tightened", FieldKind::Text, ""),
            ],
        )
    }

    /// Fills a new escalation's form from the settings: the usual procedure (and partnership)
    /// chosen, the DSL's name as "Raised by" and their organisation as the raiser's agency.
    /// Each stays editable; a procedure or partnership the settings name but no file defines
    /// is passed over (the form opens as it would without it), and the caller says so.
    /// Returns what could not be applied, for the status line.
    pub fn prefill(
        &mut self,
        procedures: &ProcedureSet,
        preferences: &super::Preferences,
    ) -> Option<String> {
        let mut problem = None;
        let mut choose = |form: &mut Self, name: &str, wanted: &Option<String>| {
            let (Some(wanted), Some(field)) = (wanted, form.field_mut(name)) else {
                return;
            };
            match field.items.iter().position(|item| item == wanted) {
                Some(index) => field.choice = index,
                None => {
                    problem = Some(format!(
                        "config.toml: {name}: there is no {name} \"{}\" here; choose one in the form",
                        printable(wanted, false)
                    ));
                }
            }
        };
        choose(self, "procedure", &preferences.procedure);
        self.fit_partnerships(procedures);
        if preferences.procedure.is_none()
            || self.value("procedure") == preferences.procedure.clone().unwrap_or_default()
        {
            choose(self, "partnership", &preferences.partnership);
        }
        for (name, value) in [
            ("raised-by", &preferences.user),
            ("agency", &preferences.organisation),
        ] {
            if let (Some(value), Some(field)) = (value, self.field_mut(name))
                && field.value().is_empty()
            {
                field.text.insert_str(printable(value, false));
            }
        }
        problem
    }

    /// Fits the partnership choice to the chosen procedure: its bodies where it has several,
    /// otherwise one item saying none needs choosing. Keeps the choice when it still fits.
    fn fit_partnerships(&mut self, procedures: &ProcedureSet) {
        let procedure = self
            .field("procedure")
            .and_then(|f| procedures.get(&f.value()));
        let items: Vec<(String, String)> = match procedure {
            // Several: nothing is chosen until the DSL chooses, as the procedure requires.
            Some(p) if p.partnerships.len() > 1 => {
                std::iter::once((String::new(), "choose one (← →)".to_owned()))
                    .chain(
                        p.partnerships
                            .iter()
                            .map(|b| (b.id.clone(), b.name.to_string())),
                    )
                    .collect()
            }
            Some(p) => vec![(
                String::new(),
                p.partnerships.first().map_or_else(
                    || "none to choose".to_owned(),
                    |b| format!("{} (the only one)", b.name),
                ),
            )],
            None => vec![(String::new(), "choose a procedure first".to_owned())],
        };
        let Some(field) = self.fields.iter_mut().find(|f| f.name == "partnership") else {
            return;
        };
        let is_same = items.len() == field.items.len()
            && items
                .iter()
                .zip(field.items.iter().zip(&field.labels))
                .all(|((id, label), (had_id, had_label))| id == had_id && label == had_label);
        if !is_same {
            let kept = field.value();
            (field.items, field.labels) = items.into_iter().unzip();
            field.choice = 0;
            field.select(&kept);
        }
    }

    /// What has been typed, to keep as a draft. A time typed in words ("now", "9:30") is kept
    /// as the time it meant when typed, so that resuming later does not move it.
    pub fn to_draft(&self, now: DateTime<Utc>) -> Draft {
        let value = |f: &Field| match (f.kind, parse_when(&f.value(), now, Direction::Past)) {
            (FieldKind::When, Ok(at)) => at
                .with_timezone(&LONDON)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            _ => f.value(),
        };
        Draft {
            id: None,
            form: self.kind.draft_name().to_owned(),
            escalation_id: self.kind.escalation(),
            fields: self
                .fields
                .iter()
                .map(|f| (f.name.to_owned(), value(f)))
                .collect(),
            saved_at: None,
            saved_by: None,
        }
    }

    /// Puts a kept draft's text back into the form's fields.
    pub fn restore(&mut self, draft: &Draft, procedures: &ProcedureSet) {
        for index in 0..self.fields.len() {
            let field = &mut self.fields[index];
            let Some(value) = draft.fields.get(field.name) else {
                continue;
            };
            match field.kind {
                FieldKind::Choice => field.select(value),
                FieldKind::Toggle => field.choice = usize::from(value == "yes"),
                _ => field.text = editor(value),
            }
            // The partnership's items depend on the procedure, restored just before it.
            if field.name == "procedure" {
                self.fit_partnerships(procedures);
            }
        }
        self.is_changed = true;
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    fn field_mut(&mut self, name: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.name == name)
    }

    fn value(&self, name: &str) -> String {
        self.field(name).map(Field::value).unwrap_or_default()
    }

    /// The field's value, or `None` when it is blank.
    fn text(&self, name: &str) -> Option<String> {
        Some(self.value(name)).filter(|v| !v.trim().is_empty())
    }

    /// Checks every field as it stands, marking each with what is wrong (or what a time was
    /// read as). Returns what to save when every field is good and the core would accept it.
    pub fn check(&mut self, context: &Context) -> Option<Request> {
        let now = context.now;
        if self.kind == FormKind::New {
            self.fit_partnerships(context.procedures);
        }
        let mut marks = Marks::default();
        let at = self.check_times(&mut marks, now);
        let output = match self.kind {
            FormKind::New => self.check_new(&mut marks, context),
            FormKind::Discuss { .. } => self.check_discussion(&mut marks, now, at),
            FormKind::Advance { to_stage, .. } => {
                marks.text("reason", &self.value("reason"), true, true);
                let confirmed = self.value("confirm") == "yes";
                marks.set(
                    "confirm",
                    if confirmed {
                        Ok(None)
                    } else {
                        Err(format!(
                            "press Space to confirm the move to stage {to_stage}"
                        ))
                    },
                );
                at.map(|at| Request::Advance {
                    to: None,
                    reason: self.value("reason"),
                    at,
                })
            }
            FormKind::Resolve { .. } => {
                marks.text("how", &self.value("how"), true, true);
                marks.text("learning", &self.value("learning"), false, true);
                let why_not = self.value("why-not");
                if self.value("parents") == "no" && why_not.trim().is_empty() {
                    marks.set(
                        "why-not",
                        Err("parents or carers were not informed, so say why (e.g. it would place the child at risk)".to_owned()),
                    );
                } else {
                    marks.text("why-not", &why_not, false, false);
                }
                let answer = |name: &str| match self.value(name).as_str() {
                    "yes" => Some(true),
                    "no" => Some(false),
                    _ => None,
                };
                at.map(|at| {
                    Request::Resolve(ResolutionInput {
                        how: self.value("how"),
                        learning: self.text("learning"),
                        parents_informed: answer("parents"),
                        why_not: self.text("why-not"),
                        child_record_updated: answer("record"),
                        at: Some(at),
                    })
                })
            }
            FormKind::Withdraw { .. } => {
                marks.text("why", &self.value("why"), true, true);
                at.map(|at| Request::Withdraw {
                    why: self.value("why"),
                    at,
                })
            }
            FormKind::NotificationSent { .. } => {
                marks.text("reference", &self.value("reference"), false, false);
                at.map(|at| match &self.attachment {
                    Some((name, text)) => Request::SentWithForm {
                        notification: self.value("notification"),
                        method: self.value("method"),
                        reference: self.text("reference"),
                        at,
                        name: name.clone(),
                        text: text.clone(),
                    },
                    None => Request::NotificationSent {
                        notification: self.value("notification"),
                        method: self.value("method"),
                        reference: self.text("reference"),
                        at,
                    },
                })
            }
            FormKind::ActionDone { .. } => {
                let action_id = self.value("action").parse::<i64>().ok();
                if action_id.is_none() {
                    marks.set(
                        "action",
                        Err("there is no open action to mark done".to_owned()),
                    );
                }
                at.zip(action_id)
                    .map(|(at, action_id)| Request::ActionDone { action_id, at })
            }
            FormKind::DelayReason { .. } => {
                marks.text("reason", &self.value("reason"), true, true);
                at.map(|at| Request::DelayReason {
                    late: self.value("late"),
                    reason: self.value("reason"),
                    at,
                })
            }
            FormKind::Amend { .. } if self.value("field").starts_with("correct:") => {
                let chosen = self.value("field");
                let value = self.value("value");
                let correcting = correcting(&chosen, &value);
                let current = context
                    .escalation
                    .and_then(|e| correcting.as_ref().and_then(|c| corrected_now(e, c)));
                let shown = match current {
                    Some(_) if context.is_privacy => "(hidden in privacy mode)".to_owned(),
                    Some(text) => format!("now: {}", printable(&text, false)),
                    None => "the original is kept, with the reason".to_owned(),
                };
                marks.set("field", Ok(Some(shown)));
                marks.text("why", &self.value("why"), true, true);
                correcting.map(|c| Request::Correct {
                    corrections: vec![c],
                    why: self.value("why"),
                })
            }
            FormKind::ClockMet { .. } => {
                marks.text("note", &self.value("note"), true, true);
                at.map(|at| Request::ClockMet {
                    clock: self.value("clock"),
                    note: self.value("note"),
                    at,
                })
            }
            FormKind::AddAction { .. } => self.check_add_action(&mut marks, now),
            FormKind::Tighten { .. } => {
                marks.text("reason", &self.value("reason"), true, true);
                let typed = self.value("due");
                // A timescale counts from the clock's start, as `tighten --within` does;
                // anything else is a time, as `tighten --due` reads it.
                let due = match (Timescale::parse(typed.trim()), context.schedule) {
                    (Ok(timescale), Some(schedule)) => crate::core::change::due_within(
                        schedule,
                        context.calendar,
                        &self.value("clock"),
                        timescale,
                    )
                    .map_err(|e| e.message),
                    _ => {
                        parse_when(typed.trim(), now, Direction::Future).map_err(|e| e.to_string())
                    }
                };
                marks.set(
                    "due",
                    due.as_ref()
                        .map(|d| Some(format_local(*d)))
                        .map_err(Clone::clone),
                );
                due.ok().map(|due_at| Request::Tighten {
                    clock: self.value("clock"),
                    due_at,
                    reason: self.value("reason"),
                })
            }
            FormKind::Amend { .. } => {
                let field = self.value("field");
                let current = context
                    .escalation
                    .and_then(|e| crate::core::change::field_value(e, &field));
                let shown = match current {
                    _ if context.is_privacy && matches!(field.as_str(), "child" | "dob") => {
                        "(hidden in privacy mode)".to_owned()
                    }
                    Some(value) => printable(&value, false),
                    None => "(empty)".to_owned(),
                };
                marks.set("field", Ok(Some(format!("now: {shown}"))));
                marks.text("why", &self.value("why"), true, true);
                // The corrected value is checked as it is typed, before a reason is given.
                if let Some(e) = context.escalation
                    && let Some(p) = context.procedures.get(&e.procedure)
                    && let Err(error) =
                        plan_amend(e, p, &field, &self.value("value"), "being checked", now)
                {
                    marks.set("value", Err(error.message));
                }
                Some(Request::Amend {
                    field,
                    value: self.value("value"),
                    why: self.value("why"),
                })
            }
        };
        if self.kind == FormKind::New
            && self.value("partnership").is_empty()
            && self.field("partnership").is_some_and(|f| f.items.len() > 1)
        {
            marks.set(
                "partnership",
                Err("this procedure has several partnerships: choose the one to notify".to_owned()),
            );
        }
        // Only a form whose every field is good is planned as a whole by the core.
        let output = output.filter(|_| marks.is_good());
        if let Some(output) = &output
            && let Err(error) = self.plan(output, context)
        {
            let name = self.field_for(&error.field);
            marks.set(name, Err(error.message));
        }
        let is_good = marks.is_good();
        self.apply(marks);
        output.filter(|_| is_good)
    }

    /// Reads the form's when-fields: `at` (required, not in the future), and a new escalation's
    /// `raised-at` and optional `concern-at`. Returns `at` when it is good.
    /// The time typed into When, if it reads as a time that has passed.
    pub fn when(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let field = self.field("at")?;
        parse_when(&field.value(), now, Direction::Past)
            .ok()
            .filter(|t| *t <= now)
    }

    fn check_times(&self, marks: &mut Marks, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let mut at = None;
        for field in self.fields.iter().filter(|f| f.kind == FieldKind::When) {
            let text = field.value();
            if field.name == "concern-at" && text.trim().is_empty() {
                marks.set(field.name, Ok(None));
                continue;
            }
            let result = match parse_when(&text, now, Direction::Past) {
                Ok(t) if t > now => Err("is later than now; give a time that has passed".into()),
                Ok(t) => {
                    if field.name == "at" {
                        at = Some(t);
                    }
                    Ok(Some(format_local(t)))
                }
                Err(e) => Err(e.to_string()),
            };
            marks.set(field.name, result);
        }
        at
    }

    fn check_new(&mut self, marks: &mut Marks, context: &Context) -> Option<Request> {
        let now = context.now;
        for (name, is_required) in [
            ("child", true),
            ("child-ref", false),
            ("raised-by", true),
            ("agency", true),
            ("raised-with", true),
        ] {
            marks.text(name, &self.value(name), is_required, false);
        }
        marks.text("summary", &self.value("summary"), true, true);
        marks.text("outcome-sought", &self.value("outcome-sought"), false, true);
        let dob = match self.text("dob") {
            None => Ok(None),
            Some(text) => parse_date(text.trim())
                .map_err(|e| e.to_string())
                .and_then(|d| check_dob(d, now).map(|()| d).map_err(|e| e.message))
                .map(Some),
        };
        marks.set(
            "dob",
            dob.as_ref()
                .map(|d| d.map(|d| d.format("%-d %B %Y").to_string()))
                .map_err(Clone::clone),
        );
        let when = |name: &str| {
            self.text(name)
                .and_then(|t| parse_when(&t, now, Direction::Past).ok())
        };
        let procedure = context.procedures.get(&self.value("procedure"));
        // The document each procedure encodes, under its title.
        marks.set(
            "procedure",
            procedure
                .map(|p| {
                    let is_title = p.title.starts_with(&p.source) || p.source.starts_with(&p.title);
                    (!is_title).then(|| format!("from {}", p.source))
                })
                .ok_or_else(|| "choose a procedure".to_owned()),
        );
        // The procedure's advice, whole, above the fields (a field's note is one line).
        let mut advice = Vec::new();
        if self.value("immediate-risk") == "yes"
            && let Some(p) = procedure
        {
            advice = immediate_risk_advice(p);
            marks.set(
                "immediate-risk",
                Ok(Some(
                    "read the procedure's advice at the top of the form".to_owned(),
                )),
            );
        }
        let request = Request::New(NewEscalationInput {
            procedure: self.value("procedure"),
            partnership: self.text("partnership"),
            child_name: self.value("child"),
            child_dob: dob.ok().flatten(),
            child_ref: self.text("child-ref"),
            raised_by: self.value("raised-by"),
            agency: self.value("agency"),
            raised_with: self.value("raised-with"),
            category: self.value("category"),
            summary: self.value("summary"),
            outcome_sought: self.text("outcome-sought"),
            concern_at: when("concern-at"),
            raised_at: when("raised-at"),
            immediate_risk: self.value("immediate-risk") == "yes",
        });
        self.preview = advice;
        Some(request)
    }

    /// A standalone agreed action: the due day read forward from today, and not in the past.
    fn check_add_action(&self, marks: &mut Marks, now: DateTime<Utc>) -> Option<Request> {
        marks.text("what", &self.value("what"), true, true);
        marks.text("owner", &self.value("owner"), true, false);
        let today = local_date(now);
        let due = parse_day(self.value("due").trim(), today, Direction::Future)
            .map_err(|e| e.to_string())
            .and_then(|d| {
                if d < today {
                    Err(format!(
                        "{} is in the past; give the date the action is due, from today on",
                        d.format("%a %-d %b %Y")
                    ))
                } else {
                    Ok(d)
                }
            });
        marks.set(
            "due",
            due.as_ref()
                .map(|d| Some(d.format("%a %-d %b %Y").to_string()))
                .map_err(Clone::clone),
        );
        due.ok().map(|due_on| Request::AddAction {
            what: self.value("what"),
            owner: self.value("owner"),
            due_on: due_on.to_string(),
        })
    }

    fn check_discussion(
        &self,
        marks: &mut Marks,
        now: DateTime<Utc>,
        at: Option<DateTime<Utc>>,
    ) -> Option<Request> {
        marks.text("with", &self.value("with"), true, false);
        marks.set(
            "mode",
            self.value("mode")
                .parse::<Mode>()
                .map(|_| None)
                .map_err(|e| e.message),
        );
        marks.text("notes", &self.value("notes"), true, true);
        marks.text("decisions", &self.value("decisions"), false, true);
        let actions = parse_actions(&self.value("actions"), local_date(now));
        marks.set(
            "actions",
            actions.as_ref().map_err(Clone::clone).map(|list| {
                (!list.is_empty()).then(|| {
                    let each: Vec<String> = list
                        .iter()
                        .map(|a| {
                            format!(
                                "{} ({}, due {})",
                                a.what,
                                a.owner,
                                a.due_on.format("%a %-d %b")
                            )
                        })
                        .collect();
                    each.join("; ")
                })
            }),
        );
        let actions = actions.ok()?;
        Some(Request::Discuss {
            input: DiscussionInput {
                participants: clean_text("with", &self.value("with"), false).unwrap_or_default(),
                mode: self.value("mode"),
                notes: self.value("notes"),
                decisions: self.text("decisions"),
                is_agreement: self.value("agreed") == "yes",
                at: Some(at?),
            },
            actions,
        })
    }

    /// Plans the output with the core, as the storage worker will inside the write.
    fn plan(&self, output: &Request, context: &Context) -> Result<(), RecordError> {
        let now = context.now;
        if let Request::New(input) = output {
            let procedure = context
                .procedures
                .get(&input.procedure)
                .ok_or_else(|| RecordError::new("procedure", "choose a procedure"))?;
            return input.check(procedure, now).map(|_| ());
        }
        let escalation = context.escalation.ok_or_else(|| {
            RecordError::new(
                "escalation",
                "this escalation is no longer on the dashboard; press Esc",
            )
        })?;
        output
            .plan(escalation, context.procedures, context.schedule, now)
            .map(|_| ())
    }

    /// The form field an error from the core belongs to.
    fn field_for(&self, core_field: &str) -> &'static str {
        if let Some(field) = self.fields.iter().find(|f| f.name == core_field) {
            return field.name;
        }
        match (self.kind, core_field) {
            (FormKind::Amend { .. }, "why") => "why",
            // The amended field's own name: the corrected value is wrong.
            (FormKind::Amend { .. }, _) => "value",
            _ => self.fields.first().map_or("", |f| f.name),
        }
    }

    /// Shows the marks on the fields. An empty field that was never typed into is not marked
    /// until a save is tried.
    fn apply(&mut self, marks: Marks) {
        let show_empty = self.is_save_attempted;
        // A field with no mark this time has nothing wrong and nothing to show.
        for field in &mut self.fields {
            field.error = None;
            field.hint = None;
        }
        for (name, result) in marks.0 {
            let Some(field) = self.fields.iter_mut().find(|f| f.name == name) else {
                continue;
            };
            match result {
                Ok(hint) => {
                    field.error = None;
                    field.hint = hint;
                }
                Err(error) => {
                    let is_untouched = (field.is_typed_into() && field.value().trim().is_empty())
                        || field.kind == FieldKind::Toggle;
                    field.error = (show_empty || !is_untouched).then_some(error);
                    field.hint = None;
                }
            }
        }
    }

    /// Whether saving this form needs the immediate-risk question asked first.
    pub fn needs_risk_confirmation(&self) -> bool {
        self.kind == FormKind::New && self.value("immediate-risk") == "yes"
    }
}

/// What a procedure advises for a child at immediate risk, whole: its advice, and what to do
/// when the risk is recognised out of hours and its clock falls due at once.
pub fn immediate_risk_advice(procedure: &crate::core::procedure::Procedure) -> Vec<String> {
    let mut lines = vec![format!(
        "IMMEDIATE RISK ({}): {}",
        procedure.title,
        printable(&procedure.immediate_risk, false)
    )];
    if let Some(text) = procedure.immediate.out_of_hours.as_deref() {
        lines.push(printable(text, false));
    }
    lines
}

/// Each field's mark: a hint (`Ok`), or what is wrong (`Err`). A later mark for the same field
/// replaces an earlier one.
#[derive(Default)]
struct Marks(Vec<(&'static str, Result<Option<String>, String>)>);

impl Marks {
    fn set(&mut self, name: &'static str, result: Result<Option<String>, String>) {
        self.0.retain(|(n, _)| *n != name);
        self.0.push((name, result));
    }

    /// A text field: required or optional, one line or several.
    fn text(&mut self, name: &'static str, value: &str, is_required: bool, is_multiline: bool) {
        let result = if is_required {
            required_text(name, value, is_multiline).map(|_| None)
        } else {
            optional_text(name, Some(value), is_multiline).map(|_| None)
        };
        self.set(name, result.map_err(|e| e.message));
    }

    fn is_good(&self) -> bool {
        self.0.iter().all(|(_, r)| r.is_ok())
    }
}

/// Reads the discussion form's agreed actions: one a line, `what ; owner ; due`, the due date
/// as people type it (`fri`, `+2d`, `2026-12-01`), looking forward from `today`.
pub fn parse_actions(text: &str, today: NaiveDate) -> Result<Vec<ActionInput>, String> {
    let mut actions = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let line_no = number + 1;
        let mut parts = line.rsplitn(3, ';').map(str::trim);
        let (Some(due), Some(owner), Some(what)) = (parts.next(), parts.next(), parts.next())
        else {
            return Err(format!("line {line_no}: write it as what ; owner ; due"));
        };
        let problem = |e: String| format!("line {line_no}: {e}");
        let what = required_text("what", what, false).map_err(|e| problem(e.to_string()))?;
        let owner = required_text("owner", owner, false).map_err(|e| problem(e.to_string()))?;
        let due_on =
            parse_day(due, today, Direction::Future).map_err(|e| problem(format!("due: {e}")))?;
        actions.push(ActionInput {
            what,
            owner,
            due_on,
        });
    }
    Ok(actions)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        parse_date(text).unwrap()
    }

    #[test]
    fn agreed_actions_are_read_one_a_line() {
        // Monday 23 November 2026: "fri" looks forward to the 27th.
        let actions = parse_actions(
            "Send the chronology ; J Okafor ; fri\n\n  Book a meeting; me; 2026-12-01 ",
            day("2026-11-23"),
        )
        .unwrap();
        assert_eq!(
            actions,
            vec![
                ActionInput {
                    what: "Send the chronology".into(),
                    owner: "J Okafor".into(),
                    due_on: day("2026-11-27"),
                },
                ActionInput {
                    what: "Book a meeting".into(),
                    owner: "me".into(),
                    due_on: day("2026-12-01"),
                },
            ]
        );
    }

    #[test]
    fn a_semicolon_in_what_is_kept_and_a_bad_line_is_named() {
        let actions = parse_actions("Call GP; then school ; A ; +2d", day("2026-11-23")).unwrap();
        assert_eq!(actions[0].what, "Call GP; then school");
        assert_eq!(actions[0].due_on, day("2026-11-25"));
        let error = parse_actions("ok ; me ; mon\nno owner here", day("2026-11-23")).unwrap_err();
        assert_eq!(error, "line 2: write it as what ; owner ; due");
        let error = parse_actions("x ; me ; someday", day("2026-11-23")).unwrap_err();
        assert!(error.starts_with("line 1: due:"), "{error}");
        let error = parse_actions("x ;  ; mon", day("2026-11-23")).unwrap_err();
        assert!(error.starts_with("line 1: owner"), "{error}");
    }
}
