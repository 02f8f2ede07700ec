//! The partnership forms, filled from the record (issue 15).
//!
//! A procedure's TOML names its forms and each form's fields in the order and words of the source
//! document (`[[forms.fields]]`: `id`, `label`, `source`), each bound to a [`Source`] in the
//! record or to `ask`. [`fill`] fills a form from an escalation: a field the record cannot fill
//! (an `ask` field, or a source with nothing recorded) takes the answer given for it, or is left
//! visibly blank ([`BLANK`]) for the DSL to complete by hand. Nothing is invented, and an answer
//! never overrides what the record says (amend the record instead). [`render`] writes a filled
//! form as text, Markdown or printable HTML.
//!
//! Pure: no I/O, no clock (`today` comes in). Start at [`fill`].

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Serialize;

use super::calendar::local_date;
use super::deadline::Schedule;
use super::procedure::{Form, FormField, Procedure};
use super::record::{
    Attachment, Correction, CorrectionKind, Escalation, Mode, Outcome, RecordError, Redactor,
    initials, printable,
};

/// What a field the record cannot fill says when nobody answered it.
pub const BLANK: &str = "[not recorded — fill in by hand]";

/// The id of the generic record of escalation every procedure has unless it names its own.
pub const GENERIC_FORM: &str = "record";

/// Where a field's value comes from: the vocabulary a procedure file may use in `source`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// Asked for before the form is made (`--set FIELD=VALUE`, a prompt, or the dashboard's
    /// small form), or left blank.
    Ask,
    ChildName,
    ChildFirstName,
    ChildLastName,
    ChildDob,
    ChildDobAndAge,
    ChildReference,
    ChildAddress,
    ChildPostcode,
    NeedLevel,
    ReferrerName,
    ReferrerAgency,
    ReferrerPhone,
    ReferrerEmail,
    ReferrerManager,
    EscalationId,
    RaisedWith,
    RaisedAt,
    ConcernAt,
    Category,
    Circumstances,
    OutcomeSought,
    Stage,
    Partnership,
    /// The date the escalation entered stage N.
    StageEnteredAt(u8),
    DiscussionLatestAt,
    DiscussionLatestNotes,
    DiscussionLatestParticipants,
    DiscussionLatestDecisions,
    /// Every discussion, dated, oldest first.
    Discussions,
    AgreementAt,
    AgreementNotes,
    MeetingAt,
    MeetingNotes,
    MeetingChair,
    /// The attendees, one a line (`Name, Role and Agency`): a table of two `columns` (the
    /// document's), or the text as written when the form names no columns.
    MeetingAttendees,
    MeetingReviewDate,
    /// The agreed actions as a table: what, who, by when (three `columns`).
    ActionsPlan,
    OutcomeHow,
    OutcomeAt,
    OutcomeStage,
    OutcomeLearning,
    OutcomeChildRecordUpdated,
    OutcomeParentsInformed,
    FamilyAware,
    ViewsAgreed,
    /// The date the form is made.
    FormDate,
}

/// Every source's word, for the procedure grammar and its error messages (`stage.N.entered_at`
/// stands for each stage).
pub const SOURCES: &[(&str, Source)] = &[
    ("ask", Source::Ask),
    ("child.name", Source::ChildName),
    ("child.first_name", Source::ChildFirstName),
    ("child.last_name", Source::ChildLastName),
    ("child.dob", Source::ChildDob),
    ("child.dob_and_age", Source::ChildDobAndAge),
    ("child.reference", Source::ChildReference),
    ("child.address", Source::ChildAddress),
    ("child.postcode", Source::ChildPostcode),
    ("child.need_level", Source::NeedLevel),
    ("referrer.name", Source::ReferrerName),
    ("referrer.agency", Source::ReferrerAgency),
    ("referrer.phone", Source::ReferrerPhone),
    ("referrer.email", Source::ReferrerEmail),
    ("referrer.manager", Source::ReferrerManager),
    ("escalation.id", Source::EscalationId),
    ("escalation.raised_with", Source::RaisedWith),
    ("escalation.raised_at", Source::RaisedAt),
    ("escalation.concern_at", Source::ConcernAt),
    ("escalation.category", Source::Category),
    ("escalation.circumstances", Source::Circumstances),
    ("escalation.outcome_sought", Source::OutcomeSought),
    ("escalation.stage", Source::Stage),
    ("escalation.partnership", Source::Partnership),
    ("discussion.latest.at", Source::DiscussionLatestAt),
    ("discussion.latest.notes", Source::DiscussionLatestNotes),
    (
        "discussion.latest.participants",
        Source::DiscussionLatestParticipants,
    ),
    (
        "discussion.latest.decisions",
        Source::DiscussionLatestDecisions,
    ),
    ("discussion.all", Source::Discussions),
    ("agreement.at", Source::AgreementAt),
    ("agreement.notes", Source::AgreementNotes),
    ("meeting.at", Source::MeetingAt),
    ("meeting.notes", Source::MeetingNotes),
    ("meeting.chair", Source::MeetingChair),
    ("meeting.attendees", Source::MeetingAttendees),
    ("meeting.review_date", Source::MeetingReviewDate),
    ("actions.plan", Source::ActionsPlan),
    ("outcome.how", Source::OutcomeHow),
    ("outcome.at", Source::OutcomeAt),
    ("outcome.stage", Source::OutcomeStage),
    ("outcome.learning", Source::OutcomeLearning),
    (
        "outcome.child_record_updated",
        Source::OutcomeChildRecordUpdated,
    ),
    ("outcome.parents_informed", Source::OutcomeParentsInformed),
    ("consent.family_aware", Source::FamilyAware),
    ("consent.views_agreed", Source::ViewsAgreed),
    ("form.date", Source::FormDate),
];

impl Source {
    /// Reads a source word; `stages` is the procedure's number of stages (for
    /// `stage.N.entered_at`).
    pub fn parse(text: &str, stages: usize) -> Option<Self> {
        if let Some(rest) = text.strip_prefix("stage.")
            && let Some(number) = rest.strip_suffix(".entered_at")
        {
            let n: u8 = number.parse().ok()?;
            return (n >= 1 && usize::from(n) <= stages).then_some(Self::StageEnteredAt(n));
        }
        SOURCES.iter().find(|(w, _)| *w == text).map(|(_, s)| *s)
    }

    /// The word a file uses for this source.
    pub fn word(self) -> String {
        match self {
            Self::StageEnteredAt(n) => format!("stage.{n}.entered_at"),
            other => SOURCES
                .iter()
                .find(|(_, s)| *s == other)
                .map_or_else(String::new, |(w, _)| (*w).to_owned()),
        }
    }

    /// The words a file may use, for an error message.
    pub fn words() -> String {
        let mut words: Vec<&str> = SOURCES.iter().map(|(w, _)| *w).collect();
        words.push("stage.N.entered_at");
        words.join(", ")
    }

    /// How many columns a source gives: a table's, or 0 for text.
    pub fn columns(self) -> usize {
        match self {
            Self::ActionsPlan => 3,
            Self::MeetingAttendees => 2,
            _ => 0,
        }
    }

    /// Whether a form's field may name `count` columns for this source: a table's own number,
    /// or none for a source that is text too (the attendees, as forms before the table had them).
    pub fn fits_columns(self, count: usize) -> bool {
        count == self.columns() || (count == 0 && self == Self::MeetingAttendees)
    }

    /// Whether the value is as private as the child's name.
    fn is_sensitive(self) -> bool {
        matches!(self, Self::ChildAddress | Self::ChildPostcode)
    }
}

/// A field's value in a filled form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Value {
    Text(String),
    /// Rows under the field's columns.
    Table(Vec<Vec<String>>),
    /// Nothing recorded and nothing given: shown as [`BLANK`].
    Blank,
}

/// One field of a filled form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilledField {
    pub id: String,
    pub label: String,
    pub section: Option<String>,
    pub columns: Vec<String>,
    pub value: Value,
    /// Where it came from: `record`, `answer`, or `blank`.
    pub origin: &'static str,
}

/// A form filled from one escalation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FilledForm {
    pub id: String,
    pub title: String,
    pub intro: Option<String>,
    pub note: Option<String>,
    pub procedure: String,
    pub escalation: i64,
    pub made_on: NaiveDate,
    pub fields: Vec<FilledField>,
}

impl FilledForm {
    /// The fields left blank, by id.
    pub fn blanks(&self) -> Vec<&str> {
        self.fields
            .iter()
            .filter(|f| f.value == Value::Blank)
            .map(|f| f.id.as_str())
            .collect()
    }
}

/// A form's fields: the procedure's own, or for the generic record ([`GENERIC_FORM`]) on a
/// procedure that names none, the built-in one.
pub fn find<'a>(procedure: &'a Procedure, id: &str) -> Option<&'a Form> {
    procedure
        .forms
        .iter()
        .find(|f| f.id == id)
        .or_else(|| (id == GENERIC_FORM).then(super::procedure::generic_record))
}

/// Every form a procedure offers: its own, then the generic record unless it has its own.
pub fn available(procedure: &Procedure) -> Vec<&Form> {
    let mut forms: Vec<&Form> = procedure.forms.iter().collect();
    if !forms.iter().any(|f| f.id == GENERIC_FORM) {
        forms.push(super::procedure::generic_record());
    }
    forms
}

/// Which forms are owed on an escalation as it stands: the form of each notification still
/// outstanding, and of each live clock that names one, with what asks for it, in order.
pub fn owed(schedule: &Schedule) -> Vec<(String, String)> {
    let mut owed: Vec<(String, String)> = Vec::new();
    for n in schedule.outstanding_notifications() {
        if let Some(form) = &n.form {
            owed.push((form.to_string(), format!("notification {}", n.id)));
        }
    }
    for c in schedule.clocks.iter().filter(|c| c.state.is_live()) {
        if let Some(form) = &c.form {
            owed.push((form.to_string(), format!("clock {}", c.key)));
        }
    }
    owed
}

fn long_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

fn date_of(at: DateTime<Utc>) -> String {
    long_date(local_date(at))
}

fn yes_no(value: bool) -> String {
    if value { "Yes" } else { "No" }.to_owned()
}

/// Whole years from `dob` to `on`.
fn age(dob: NaiveDate, on: NaiveDate) -> i32 {
    let mut years = on.year() - dob.year();
    if (on.month(), on.day()) < (dob.month(), dob.day()) {
        years -= 1;
    }
    years
}

/// A name's last part, and the rest, where it has two parts or more; a one-word name is not
/// split (which part it is cannot be known).
fn name_parts(name: &str) -> Option<(String, String)> {
    let words: Vec<&str> = name.split_whitespace().collect();
    let (last, first) = words.split_last()?;
    (!first.is_empty()).then(|| (first.join(" "), (*last).to_owned()))
}

/// What the record holds for `source`, as text or a table; `None` when it holds nothing.
fn from_record(
    source: Source,
    escalation: &Escalation,
    procedure: &Procedure,
    schedule: Option<&Schedule>,
    today: NaiveDate,
) -> Option<Value> {
    let text = |s: Option<String>| s.filter(|s| !s.trim().is_empty()).map(Value::Text);
    let latest = escalation.discussions.iter().max_by_key(|d| d.at);
    let meeting = escalation
        .discussions
        .iter()
        .filter(|d| d.mode == Mode::Meeting)
        .max_by_key(|d| d.at);
    let agreement = escalation
        .discussions
        .iter()
        .filter(|d| d.is_agreement)
        .max_by_key(|d| d.at);
    let resolved = match escalation.outcome.as_deref() {
        Some(Outcome::Resolved {
            at,
            stage,
            how,
            learning,
            parents_informed,
            child_record_updated,
            ..
        }) => Some((
            *at,
            *stage,
            how,
            learning,
            *parents_informed,
            *child_record_updated,
        )),
        _ => None,
    };
    let details = &escalation.details;
    match source {
        Source::Ask => None,
        Source::ChildName => text(Some(escalation.child.name.clone())),
        Source::ChildFirstName => text(name_parts(&escalation.child.name).map(|(f, _)| f)),
        Source::ChildLastName => text(name_parts(&escalation.child.name).map(|(_, l)| l)),
        Source::ChildDob => text(escalation.child.dob.map(long_date)),
        Source::ChildDobAndAge => text(
            escalation
                .child
                .dob
                .map(|dob| format!("{} (age {})", long_date(dob), age(dob, today))),
        ),
        Source::ChildReference => text(escalation.child.reference.clone()),
        Source::ChildAddress => text(details.child_address.clone()),
        Source::ChildPostcode => text(details.child_postcode.clone()),
        Source::NeedLevel => text(details.need_level.map(|n| n.label().to_owned())),
        Source::ReferrerName => text(Some(escalation.raised_by.clone())),
        Source::ReferrerAgency => text(Some(escalation.agency.clone())),
        Source::ReferrerPhone => text(details.referrer_phone.clone()),
        Source::ReferrerEmail => text(details.referrer_email.clone()),
        Source::ReferrerManager => text(details.referrer_manager.clone()),
        Source::EscalationId => text(Some(escalation.id.to_string())),
        Source::RaisedWith => text(Some(escalation.raised_with.clone())),
        Source::RaisedAt => text(Some(date_of(escalation.raised_at))),
        Source::ConcernAt => text(escalation.concern_at.map(date_of)),
        Source::Category => text(Some(escalation.category.to_string().replace('-', " "))),
        Source::Circumstances => text(Some(escalation.summary.clone())),
        Source::OutcomeSought => text(escalation.outcome_sought.clone()),
        Source::Stage => text(Some(escalation.stage().to_string())),
        Source::Partnership => text(
            procedure
                .notified_body(escalation.partnership.as_deref())
                .map(|p| p.name.to_string()),
        ),
        Source::StageEnteredAt(n) => {
            let at = if n == 1 {
                Some(escalation.raised_at)
            } else {
                schedule
                    .and_then(|s| s.stages.iter().rev().find(|p| p.stage == n))
                    .map(|p| p.entered_at)
                    .or_else(|| {
                        escalation
                            .stage_changes
                            .iter()
                            .rev()
                            .find(|c| c.to_stage == n)
                            .map(|c| c.at)
                    })
            };
            text(at.map(date_of))
        }
        Source::DiscussionLatestAt => text(latest.map(|d| date_of(d.at))),
        Source::DiscussionLatestNotes => text(latest.map(|d| d.notes.clone())),
        Source::DiscussionLatestParticipants => text(latest.map(|d| d.participants.clone())),
        Source::DiscussionLatestDecisions => text(latest.and_then(|d| d.decisions.clone())),
        Source::Discussions => {
            let mut ordered: Vec<_> = escalation.discussions.iter().collect();
            ordered.sort_by_key(|d| d.at);
            let lines: Vec<String> = ordered
                .iter()
                .map(|d| {
                    format!(
                        "{} (stage {}, {} with {}): {}",
                        date_of(d.at),
                        d.stage,
                        d.mode,
                        d.participants,
                        d.notes
                    )
                })
                .collect();
            text(Some(lines.join("\n")))
        }
        Source::AgreementAt => text(
            agreement
                .map(|d| d.at)
                .or(resolved.map(|r| r.0))
                .map(date_of),
        ),
        Source::AgreementNotes => text(
            agreement
                .map(|d| d.decisions.clone().unwrap_or_else(|| d.notes.clone()))
                .or_else(|| resolved.map(|r| r.2.clone())),
        ),
        Source::MeetingAt => text(meeting.map(|d| date_of(d.at))),
        Source::MeetingNotes => text(meeting.map(|d| d.notes.clone())),
        Source::MeetingChair => text(details.meeting_chair.clone()),
        Source::MeetingAttendees => text(details.meeting_attendees.clone()),
        Source::MeetingReviewDate => text(details.review_on.map(long_date)),
        Source::ActionsPlan => {
            let rows: Vec<Vec<String>> = escalation
                .actions
                .iter()
                .map(|a| vec![a.what.clone(), a.owner.clone(), long_date(a.due_on)])
                .collect();
            (!rows.is_empty()).then_some(Value::Table(rows))
        }
        Source::OutcomeHow => text(resolved.map(|r| r.2.clone())),
        Source::OutcomeAt => text(resolved.map(|r| date_of(r.0))),
        Source::OutcomeStage => text(resolved.map(|r| r.1.to_string())),
        Source::OutcomeLearning => text(resolved.and_then(|r| r.3.clone())),
        Source::OutcomeParentsInformed => text(resolved.and_then(|r| r.4).map(yes_no)),
        Source::OutcomeChildRecordUpdated => text(resolved.and_then(|r| r.5).map(yes_no)),
        Source::FamilyAware => text(details.family_aware.map(yes_no)),
        Source::ViewsAgreed => text(details.views_agreed.map(yes_no)),
        Source::FormDate => text(Some(long_date(today))),
    }
}

/// The correction that withdrew a kept form: its notification corrected as not sent after the
/// form was kept with it. The form stays on the record (nothing is deleted); it is shown
/// withdrawn, with the correction. A notification sent again later keeps its new form, which
/// the earlier correction does not touch. Matched by time: the first not-sent correction of
/// the same notification recorded at or after the form was kept.
pub fn withdrawal<'a>(
    escalation: &'a Escalation,
    attachment: &Attachment,
) -> Option<&'a Correction> {
    escalation.corrections.iter().find(|c| {
        c.kind == CorrectionKind::NotificationNotSent
            && c.target == attachment.notification
            && c.at >= attachment.recorded_at
    })
}

/// The attendees as the document's table (Name; Role and Agency): one a line, the name before
/// the first comma (or tab, as pasted from a spreadsheet), the role and agency after it; a line
/// with neither is a name alone. Blank lines are skipped.
pub fn attendee_rows(text: &str) -> Vec<Vec<String>> {
    text.lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(|line| {
            let (name, role) = line
                .split_once('\t')
                .or_else(|| line.split_once(','))
                .unwrap_or((line, ""));
            vec![name.trim().to_owned(), role.trim().to_owned()]
        })
        .collect()
}

/// The fields of `form` the record cannot fill on `escalation`: what to ask for before the form
/// is made.
pub fn unfilled<'a>(
    form: &'a Form,
    escalation: &Escalation,
    procedure: &Procedure,
    schedule: Option<&Schedule>,
    today: NaiveDate,
) -> Vec<&'a FormField> {
    form.fields
        .iter()
        .filter(|f| from_record(f.source, escalation, procedure, schedule, today).is_none())
        .collect()
}

/// Fills `form` from `escalation`, with `answers` (field id to text) for the fields the record
/// cannot fill. An answer for a field the record fills, or for no field of the form, is
/// refused: the record is corrected with `amend`, never overridden on a form. With `redactor`
/// (privacy mode) every spelling of the child's name is hidden and the address withheld.
pub fn fill(
    form: &Form,
    escalation: &Escalation,
    procedure: &Procedure,
    schedule: Option<&Schedule>,
    today: NaiveDate,
    answers: &BTreeMap<String, String>,
    redactor: Option<&Redactor>,
) -> Result<FilledForm, RecordError> {
    for id in answers.keys() {
        let Some(field) = form.fields.iter().find(|f| f.id == *id) else {
            let ids: Vec<&str> = form.fields.iter().map(|f| f.id.as_str()).collect();
            return Err(RecordError::new(
                "set",
                format!(
                    "form {} has no field \"{}\"; its fields are: {}",
                    form.id,
                    printable(id, false),
                    ids.join(", ")
                ),
            ));
        };
        if from_record(field.source, escalation, procedure, schedule, today).is_some() {
            return Err(RecordError::new(
                "set",
                format!(
                    "{} is filled from the record; to change it, correct the record (escalate amend {} ...)",
                    field.id, escalation.id
                ),
            ));
        }
    }
    let hide = |source: Source, value: String| -> String {
        match redactor {
            None => value,
            Some(_) if source.is_sensitive() => "[address withheld]".to_owned(),
            Some(_) if source == Source::ChildName => initials(&value),
            Some(r) => r.apply(&value),
        }
    };
    let mut fields = Vec::with_capacity(form.fields.len());
    for field in &form.fields {
        let (value, origin) =
            match from_record(field.source, escalation, procedure, schedule, today) {
                Some(Value::Text(t))
                    if field.source == Source::MeetingAttendees && !field.columns.is_empty() =>
                {
                    let rows = attendee_rows(&t)
                        .into_iter()
                        .map(|row| row.into_iter().map(|c| hide(field.source, c)).collect())
                        .collect();
                    (Value::Table(rows), "record")
                }
                Some(Value::Text(t)) => (Value::Text(hide(field.source, t)), "record"),
                Some(Value::Table(rows)) => (
                    Value::Table(
                        rows.into_iter()
                            .map(|row| row.into_iter().map(|c| hide(field.source, c)).collect())
                            .collect(),
                    ),
                    "record",
                ),
                Some(Value::Blank) | None => match answers.get(&field.id) {
                    Some(answer) if !answer.trim().is_empty() => {
                        let cleaned = super::record::clean_text(&field.id, answer, true)?;
                        let cleaned = hide(field.source, cleaned);
                        if field.source == Source::MeetingAttendees && !field.columns.is_empty() {
                            (Value::Table(attendee_rows(&cleaned)), "answer")
                        } else {
                            (Value::Text(cleaned), "answer")
                        }
                    }
                    _ => (Value::Blank, "blank"),
                },
            };
        fields.push(FilledField {
            id: field.id.clone(),
            label: field.label.clone(),
            section: field.section.clone(),
            columns: field.columns.clone(),
            value,
            origin,
        });
    }
    Ok(FilledForm {
        id: form.id.clone(),
        title: form.title.clone(),
        intro: form.intro.clone(),
        note: form.note.clone(),
        procedure: procedure.title.clone(),
        escalation: escalation.id,
        made_on: today,
        fields,
    })
}

/// How a filled form is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Html,
}

impl Format {
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim() {
            "text" => Some(Self::Text),
            "markdown" | "md" => Some(Self::Markdown),
            "html" => Some(Self::Html),
            _ => None,
        }
    }

    /// The usual file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Text => "txt",
            Self::Markdown => "md",
            Self::Html => "html",
        }
    }
}

/// Writes `forms` (one or several) in `format`. HTML is one document with each form on a page of
/// its own; text and Markdown separate them with a rule.
pub fn render(forms: &[FilledForm], format: Format) -> String {
    match format {
        Format::Text => forms
            .iter()
            .map(text)
            .collect::<Vec<_>>()
            .join(&format!("\n{}\n\n", "~".repeat(78))),
        Format::Markdown => forms
            .iter()
            .map(markdown)
            .collect::<Vec<_>>()
            .join("\n---\n\n"),
        Format::Html => html(forms),
    }
}

fn footer(form: &FilledForm) -> String {
    format!(
        "Escalation {} under {}; filled from the record by escalate on {}.",
        form.escalation,
        form.procedure,
        long_date(form.made_on)
    )
}

/// Plain text: the title underlined, each label on its own line and its value indented under it.
pub fn text(form: &FilledForm) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{}", form.title);
    let _ = writeln!(out, "{}", "=".repeat(form.title.chars().count().min(78)));
    if let Some(intro) = &form.intro {
        let _ = writeln!(out, "\n{intro}");
    }
    let mut section: Option<&str> = None;
    for field in &form.fields {
        if field.section.as_deref() != section {
            section = field.section.as_deref();
            if let Some(name) = section {
                let _ = writeln!(out, "\n{name}\n{}", "-".repeat(name.chars().count()));
            }
        }
        let _ = writeln!(out, "\n{}", field.label);
        match &field.value {
            Value::Text(t) => {
                for line in t.lines() {
                    let _ = writeln!(out, "    {line}");
                }
            }
            Value::Blank => {
                let _ = writeln!(out, "    {BLANK}");
            }
            Value::Table(rows) => {
                for (i, row) in rows.iter().enumerate() {
                    let cells: Vec<String> = field
                        .columns
                        .iter()
                        .zip(row)
                        .map(|(c, v)| format!("{c}: {v}"))
                        .collect();
                    let _ = writeln!(out, "    {}. {}", i + 1, cells.join("; "));
                }
            }
        }
    }
    if let Some(note) = &form.note {
        let _ = writeln!(out, "\n{note}");
    }
    let _ = writeln!(out, "\n{}", footer(form));
    out
}

/// Markdown special characters escaped as the morning review escapes them
/// (`cli::review::markdown_escape`: the characters that start emphasis, code, links, HTML or a
/// table cell), a `#` that would start a heading too; line breaks kept as hard breaks.
fn md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at_line_start = true;
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~'
        ) || (c == '#' && at_line_start)
        {
            out.push('\\');
        }
        out.push(c);
        at_line_start = c == '\n' || (at_line_start && c == ' ');
    }
    out.replace('\n', "  \n")
}

/// Markdown: a heading, each field a bold label with its value beneath, a table for a table.
pub fn markdown(form: &FilledForm) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# {}", md(&form.title));
    if let Some(intro) = &form.intro {
        let _ = writeln!(out, "\n{}", md(intro));
    }
    let mut section: Option<&str> = None;
    for field in &form.fields {
        if field.section.as_deref() != section {
            section = field.section.as_deref();
            if let Some(name) = section {
                let _ = writeln!(out, "\n## {}", md(name));
            }
        }
        let _ = writeln!(out, "\n**{}**\n", md(&field.label));
        match &field.value {
            Value::Text(t) => {
                let _ = writeln!(out, "{}", md(t));
            }
            Value::Blank => {
                let _ = writeln!(out, "_{}_", md(BLANK));
            }
            Value::Table(rows) => {
                let header: Vec<String> = field.columns.iter().map(|c| md(c)).collect();
                let _ = writeln!(out, "| # | {} |", header.join(" | "));
                let _ = writeln!(out, "|---|{}", "---|".repeat(header.len()));
                for (i, row) in rows.iter().enumerate() {
                    let cells: Vec<String> =
                        row.iter().map(|c| md(c).replace("  \n", "<br>")).collect();
                    let _ = writeln!(out, "| {} | {} |", i + 1, cells.join(" | "));
                }
            }
        }
    }
    if let Some(note) = &form.note {
        let _ = writeln!(out, "\n{}", md(note));
    }
    let _ = writeln!(out, "\n_{}_", md(&footer(form)));
    out
}

/// Escapes text for HTML (element content and attribute values alike).
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Escaped, with line breaks kept.
fn html_lines(text: &str) -> String {
    escape_html(text).replace('\n', "<br>\n")
}

const STYLE: &str = "
@page { size: A4; margin: 12mm 14mm 12mm 14mm; }
* { box-sizing: border-box; }
body { font-family: 'Liberation Sans', Arial, Helvetica, sans-serif; font-size: 8.5pt; line-height: 1.15; color: #000; background: #fff; margin: 0; }
.form { page-break-after: always; break-after: page; padding: 0; }
.form:last-of-type { page-break-after: auto; break-after: auto; }
h1 { font-size: 12.5pt; margin: 0 0 4pt 0; }
h2 { font-size: 10pt; margin: 6pt 0 3pt 0; border-bottom: 1px solid #000; }
p.intro, p.note { margin: 3pt 0 5pt 0; }
table.fields { width: 100%; border-collapse: collapse; }
table.fields th, table.fields td { border: 1px solid #000; padding: 1pt 4pt; vertical-align: top; text-align: left; }
table.fields th { font-weight: bold; background: #eee; }
tr.label { page-break-after: avoid; break-after: avoid; }
table.plan { width: 100%; border-collapse: collapse; }
table.plan th, table.plan td { border: 1px solid #555; padding: 2pt 4pt; text-align: left; vertical-align: top; }
.blank { font-style: italic; color: #444; }
.footer { margin-top: 5pt; font-size: 7.5pt; color: #333; }
tr { page-break-inside: avoid; break-inside: avoid; }
@media screen { body { background: #ddd; } .form { background: #fff; max-width: 210mm; margin: 12pt auto; padding: 16mm; } }
@media print { .form { margin: 0; } }
";

/// One HTML document, each form on its own page: inline CSS only, no scripts, no external
/// resources, every value escaped.
pub fn html(forms: &[FilledForm]) -> String {
    let mut out = String::new();
    let title = forms
        .first()
        .map_or_else(|| "Forms".to_owned(), |f| f.title.clone());
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        escape_html(&title)
    );
    for form in forms {
        let _ = writeln!(
            out,
            "<section class=\"form\" id=\"{}\">\n<h1>{}</h1>",
            escape_html(&form.id),
            escape_html(&form.title)
        );
        if let Some(intro) = &form.intro {
            let _ = writeln!(out, "<p class=\"intro\">{}</p>", html_lines(intro));
        }
        let mut section: Option<&str> = None;
        let mut open = false;
        for field in &form.fields {
            if field.section.as_deref() != section || !open {
                if open {
                    out.push_str("</table>\n");
                }
                if field.section.as_deref() != section {
                    section = field.section.as_deref();
                    if let Some(name) = section {
                        let _ = writeln!(out, "<h2>{}</h2>", escape_html(name));
                    }
                }
                out.push_str("<table class=\"fields\">\n");
                open = true;
            }
            let value = match &field.value {
                Value::Text(t) => html_lines(t),
                Value::Blank => format!("<span class=\"blank\">{}</span>", escape_html(BLANK)),
                Value::Table(rows) => {
                    let mut table = String::from("<table class=\"plan\"><tr><th>#</th>");
                    for c in &field.columns {
                        let _ = write!(table, "<th>{}</th>", escape_html(c));
                    }
                    table.push_str("</tr>");
                    for (i, row) in rows.iter().enumerate() {
                        let _ = write!(table, "<tr><td>{}</td>", i + 1);
                        for c in row {
                            let _ = write!(table, "<td>{}</td>", html_lines(c));
                        }
                        table.push_str("</tr>");
                    }
                    table.push_str("</table>");
                    table
                }
            };
            // The label above its value, as the documents set them out: long labels read whole,
            // and text taken back out of a PDF keeps each label before its value.
            let _ = writeln!(
                out,
                "<tr class=\"label\"><th scope=\"row\">{}</th></tr>\n<tr class=\"value\"><td>{value}</td></tr>",
                html_lines(&field.label)
            );
        }
        if open {
            out.push_str("</table>\n");
        }
        if let Some(note) = &form.note {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", html_lines(note));
        }
        let _ = writeln!(
            out,
            "<p class=\"footer\">{}</p>\n</section>",
            escape_html(&footer(form))
        );
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_read_their_words_and_stage_numbers_within_the_procedure() {
        assert_eq!(Source::parse("child.name", 4), Some(Source::ChildName));
        assert_eq!(
            Source::parse("stage.2.entered_at", 4),
            Some(Source::StageEnteredAt(2))
        );
        assert_eq!(Source::parse("stage.5.entered_at", 4), None);
        assert_eq!(Source::parse("child.shoe_size", 4), None);
        assert!(Source::words().contains("referrer.phone"));
        for (word, source) in SOURCES {
            assert_eq!(source.word(), *word);
        }
        assert_eq!(Source::StageEnteredAt(3).word(), "stage.3.entered_at");
    }

    #[test]
    fn a_name_is_split_only_where_it_has_parts() {
        assert_eq!(
            name_parts("Ava May Sample"),
            Some(("Ava May".to_owned(), "Sample".to_owned()))
        );
        assert_eq!(name_parts("Madonna"), None);
    }

    #[test]
    fn age_counts_whole_years() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(age(d(2015, 3, 4), d(2026, 3, 3)), 10);
        assert_eq!(age(d(2015, 3, 4), d(2026, 3, 4)), 11);
    }

    #[test]
    fn attendees_read_as_the_documents_two_columns() {
        assert_eq!(
            attendee_rows("Jo Bloggs, DSL, Oak Primary\n\n  Kim Lee\tTeam Manager, MASH \nA Chair"),
            vec![
                vec!["Jo Bloggs".to_owned(), "DSL, Oak Primary".to_owned()],
                vec!["Kim Lee".to_owned(), "Team Manager, MASH".to_owned()],
                vec!["A Chair".to_owned(), String::new()],
            ]
        );
        assert!(attendee_rows(" \n").is_empty());
        assert!(Source::MeetingAttendees.fits_columns(2));
        assert!(Source::MeetingAttendees.fits_columns(0));
        assert!(!Source::MeetingAttendees.fits_columns(3));
        assert!(!Source::MeetingChair.fits_columns(2));
        assert!(Source::ActionsPlan.fits_columns(3));
        assert!(!Source::ActionsPlan.fits_columns(0));
    }

    #[test]
    fn html_escapes_everything_it_is_given() {
        assert_eq!(
            escape_html("<script>\"a\" & 'b'</script>"),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }
}
