//! How escalations read on the command line, as text and as JSON.
//!
//! Text from the database goes through [`printable`] before it is printed, so that a control
//! character or escape sequence stored by some other tool can never drive the terminal. The JSON
//! shape is documented in README.md and kept stable.

use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use crate::core::audit::AuditEntry;
use crate::core::calendar::{Calendar, format_local, format_rfc3339};
use crate::core::deadline::{
    ClockState, ClockStatus, Countdown, IMMEDIATE_RISK_KEY, Schedule, Status,
};
use crate::core::overdue::{is_action_overdue, is_overdue};
use crate::core::procedure::Procedure;
use crate::core::record::{Details, Escalation, NeedLevel, Outcome, printable};

fn line(text: &str) -> String {
    printable(text, false)
}

fn block(text: &str, indent: &str) -> String {
    printable(text, true)
        .lines()
        .map(|l| format!("{indent}{l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn time(t: DateTime<Utc>) -> String {
    format_rfc3339(t)
}

fn status_word(status: Status) -> &'static str {
    match status {
        Status::Open => "open",
        Status::Resolved => "resolved",
        Status::Withdrawn => "withdrawn",
    }
}

/// A symbol for each state, so that urgency never rests on colour or position alone.
pub fn symbol(state: ClockState) -> &'static str {
    match state {
        ClockState::Overdue => "!!",
        ClockState::DueToday => "! ",
        ClockState::DueSoon => "~ ",
        ClockState::Running => "· ",
        ClockState::Pending => "… ",
        ClockState::MetOnTime => "✓ ",
        ClockState::MetLate => "✓!",
        ClockState::LeftLate => "✗ ",
        ClockState::Stopped => "– ",
    }
}

/// `OVERDUE 1d 3h: Resolved by day 9 (due Tue 1 Dec 2026 17:00 GMT)`.
pub fn clock_summary(calendar: &Calendar, clock: &ClockStatus, now: DateTime<Utc>) -> String {
    match (clock.due_at, Countdown::of_clock(calendar, clock, now)) {
        (Some(due), Some(countdown)) => {
            format!("{countdown}: {} (due {})", clock.name, format_local(due))
        }
        _ => format!("{}: waiting for {}", clock.name, clock.from.describe()),
    }
}

fn countdown_text(calendar: &Calendar, clock: &ClockStatus, now: DateTime<Utc>) -> String {
    match Countdown::of_clock(calendar, clock, now) {
        Some(countdown) if clock.state.is_live() => countdown.to_string(),
        _ => clock.state.label().to_owned(),
    }
}

pub fn list_line(
    calendar: &Calendar,
    escalation: &Escalation,
    procedure: &Procedure,
    schedule: &Schedule,
    now: DateTime<Utc>,
) -> String {
    let next = match (schedule.status, schedule.most_urgent_clock()) {
        (Status::Open, Some(clock)) => format!(
            "{} {}",
            symbol(clock.state),
            countdown_text(calendar, clock, now)
        ),
        (Status::Open, None) => "   no live deadline".to_owned(),
        (status, _) => format!("   {}", status_word(status)),
    };
    let risk = if escalation.immediate_risk && escalation.is_open() {
        "IMMEDIATE RISK "
    } else {
        ""
    };
    // On a team's database, the school, last (the columns before it line up as ever).
    let school = escalation
        .school
        .as_deref()
        .map(|s| format!("  [{}]", line(s)))
        .unwrap_or_default();
    format!(
        "{:>4}  {:<5}  {:<37}  {:<16}  {risk}{} / {}{school}",
        escalation.id,
        format!("{}/{}", schedule.stage, procedure.last_stage()),
        next,
        procedure.id,
        line(&escalation.child.name),
        line(&escalation.raised_with),
    )
}

/// The warning for escalations whose procedure file is gone: their deadlines cannot be worked
/// out, so `list` shows them marked rather than leaving them out.
pub fn missing_procedures_warning(missing: &[&Escalation]) -> String {
    let mut procedures: Vec<&str> = missing.iter().map(|e| e.procedure.as_str()).collect();
    procedures.sort_unstable();
    procedures.dedup();
    let ids: Vec<String> = missing.iter().map(|e| e.id.to_string()).collect();
    format!(
        "escalation{} {} follow{} procedure{} {} that {} no longer defined, so {} deadlines cannot be worked out; restore the file{} in the procedures folder (see escalate procedures)",
        if ids.len() == 1 { "" } else { "s" },
        ids.join(", "),
        if ids.len() == 1 { "s" } else { "" },
        if procedures.len() == 1 { "" } else { "s" },
        procedures
            .iter()
            .map(|p| format!("\"{p}\""))
            .collect::<Vec<_>>()
            .join(", "),
        if procedures.len() == 1 { "is" } else { "are" },
        if ids.len() == 1 { "its" } else { "their" },
        if procedures.len() == 1 { "" } else { "s" },
    )
}

/// A `list` line for an escalation whose procedure is gone, in the same columns.
pub fn missing_procedure_line(escalation: &Escalation) -> String {
    format!(
        "{:>4}  {:<5}  {:<37}  {:<16}  {} / {}",
        escalation.id,
        escalation.stage(),
        "?  PROCEDURE MISSING: no deadlines",
        escalation.procedure,
        line(&escalation.child.name),
        line(&escalation.raised_with),
    )
}

/// The JSON for such an escalation: what is known, and the problem instead of its clocks.
pub fn missing_procedure_json(escalation: &Escalation) -> Value {
    json!({
        "id": escalation.id,
        "procedure": escalation.procedure,
        "stage": escalation.stage(),
        "status": match escalation.outcome.as_deref() {
            None => "open",
            Some(crate::core::record::Outcome::Resolved { .. }) => "resolved",
            Some(crate::core::record::Outcome::Withdrawn { .. }) => "withdrawn",
        },
        "child": {
            "name": escalation.child.name,
            "dob": escalation.child.dob.map(|d| d.to_string()),
            "reference": escalation.child.reference,
        },
        "raised_with": escalation.raised_with,
        "problem": format!("procedure \"{}\" is no longer defined", escalation.procedure),
    })
}

/// The audit trail as JSON: `history --json`, and `history` in `show --json`.
pub fn audit_json(trail: &[AuditEntry]) -> Vec<AuditJson<'_>> {
    trail
        .iter()
        .map(|a| AuditJson {
            action: &a.action,
            at: Time(a.at),
            by: &a.actor,
            hash: &a.hash,
            id: a.id,
            summary: &a.summary,
            written_at: a.written_at.map(Time),
        })
        .collect()
}

/// The history, one entry a line; an entry written at a different time (a minute or more)
/// from the one it states (`--now`, a backdated record) says when it was really written.
pub fn audit_text(trail: &[AuditEntry]) -> String {
    let mut out = String::new();
    for a in trail {
        let written = a
            .written_at
            .filter(|w| (*w - a.at).num_minutes() != 0)
            .map(|w| format!("  (written {})", format_local(w)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{:>5}  {}  {}  {}{written}",
            a.id,
            format_local(a.at),
            line(&a.actor),
            line(&a.summary)
        );
    }
    out
}

/// The JSON of one escalation; with `trail`, the detail form (discussions and history too).
///
/// Typed, and serialised straight to text (issue 17: building a `serde_json::Value` tree for
/// every escalation made `list --all --json` eight times slower than `sqlite3 -json`). The text
/// is what the tree gave, byte for byte, and README.md documents it: the tree's objects were
/// serde_json's sorted maps, so **every struct below declares its fields in sorted order**
/// (`a_typed_json_sorts_its_keys_as_the_value_tree_did` checks it, and the snapshots in
/// `tests/records.rs` pin the text). A key that is absent rather than `null` is skipped.
pub fn escalation_json<'a>(
    escalation: &'a Escalation,
    procedure: &'a Procedure,
    schedule: &'a Schedule,
    now: DateTime<Utc>,
    trail: Option<&'a [AuditEntry]>,
) -> EscalationJson<'a> {
    let clocks = schedule
        .clocks
        .iter()
        .map(|c| ClockJson {
            act_now: c.is_act_now,
            due: c.due_at.map(Time),
            ended_at: c.ended_at.map(Time),
            form: c.form.as_deref(),
            is_provisional: c.is_provisional,
            key: &c.key,
            name: &c.name,
            reason_required: c.is_reason_required,
            stage: c.stage,
            started_at: c.started_at.map(Time),
            state: c.state,
            tightened_from: c.tightened_from.map(Time),
            timescale: c.timescale.to_string(),
        })
        .collect();
    let notifications = schedule
        .notifications
        .iter()
        .map(|n| {
            let sent = escalation.sent.iter().find(|s| *s.notification == *n.id);
            NotificationJson {
                act_now: n.is_act_now,
                contact: n.contact.as_deref(),
                counted_from: Time(n.counted_from),
                due: Time(n.due_at),
                form: n.form.as_deref(),
                id: &n.id,
                method: sent.map(|s| s.method.as_str()),
                name: &n.name,
                recipient: &n.recipient,
                recipients: &n.recipients,
                reference: sent.and_then(|s| s.reference.as_deref()),
                sent_at: n.sent_at.map(Time),
                stage: n.stage,
                state: n.state,
                triggered_at: Time(n.triggered_at),
            }
        })
        .collect();
    let actions = escalation
        .actions
        .iter()
        .map(|a| ActionJson {
            done_at: a.done_at.map(Time),
            done_by: a.done_by.as_deref(),
            due_on: a.due_on.to_string(),
            id: a.id,
            is_overdue: is_action_overdue(a, now),
            owner: &a.owner,
            what: &a.what,
        })
        .collect();
    let stages = schedule
        .stages
        .iter()
        .map(|p| {
            let change = escalation
                .stage_changes
                .iter()
                .find(|c| c.to_stage == p.stage);
            StageJson {
                by: change.map_or(escalation.recorded_by.as_str(), |c| c.by.as_str()),
                entered_at: Time(p.entered_at),
                left_at: p.left_at.map(Time),
                name: procedure.stage(p.stage).map(|s| s.name.as_str()),
                reason: change.map(|c| c.reason.as_str()),
                stage: p.stage,
            }
        })
        .collect();
    let outcome = escalation.outcome.as_deref().map(|o| match o {
        Outcome::Resolved {
            at,
            stage,
            how,
            learning,
            parents_informed,
            why_not,
            child_record_updated,
            by,
        } => OutcomeJson::Resolved {
            at: Time(*at),
            by,
            child_record_updated: *child_record_updated,
            how,
            kind: "resolved",
            learning: learning.as_deref(),
            parents_informed: *parents_informed,
            stage: *stage,
            why_not: why_not.as_deref(),
        },
        Outcome::Withdrawn { at, stage, why, by } => OutcomeJson::Withdrawn {
            at: Time(*at),
            by,
            kind: "withdrawn",
            stage: *stage,
            why,
        },
    });
    let attachments = escalation
        .attachments
        .iter()
        .map(|a| {
            // Every field, so that one added to `Attachment` cannot be left out of the JSON.
            let crate::core::record::Attachment {
                notification,
                name,
                sha256,
                text,
                recorded_by,
                recorded_at,
            } = a;
            AttachmentJson {
                name,
                notification,
                recorded_at,
                recorded_by,
                sha256,
                text,
                // A kept form whose notification was corrected as not sent: kept, withdrawn.
                withdrawn: crate::core::form::withdrawal(escalation, a).map(|c| WithdrawnJson {
                    at: Time(c.at),
                    by: &c.by,
                    correction: c.id,
                    why: &c.why,
                }),
            }
        })
        .collect();
    let (discussions, history, last_changed) = match trail {
        Some(trail) => (
            Some(
                escalation
                    .discussions
                    .iter()
                    .rev()
                    .map(|d| DiscussionJson {
                        agreed: d.is_agreement,
                        at: Time(d.at),
                        decisions: d.decisions.as_deref(),
                        id: d.id,
                        mode: d.mode.as_str(),
                        notes: &d.notes,
                        recorded_at: Time(d.recorded_at),
                        recorded_by: &d.recorded_by,
                        stage: d.stage,
                        with: &d.participants,
                    })
                    .collect(),
            ),
            Some(audit_json(trail)),
            trail.last().map(|last| LastChangedJson {
                at: Time(last.at),
                by: &last.actor,
            }),
        ),
        None => (None, None, None),
    };
    EscalationJson {
        actions,
        agency: &escalation.agency,
        amendments: escalation
            .amendments
            .iter()
            .map(|a| AmendmentJson {
                at: Time(a.at),
                by: &a.by,
                field: &a.field,
                new_value: a.new_value.as_deref(),
                old_value: a.old_value.as_deref(),
                why: &a.why,
            })
            .collect(),
        attachments,
        category: escalation.category.as_str(),
        child: ChildJson {
            dob: escalation.child.dob.map(|d| d.to_string()),
            name: &escalation.child.name,
            reference: escalation.child.reference.as_deref(),
        },
        clocks,
        concern_at: escalation.concern_at.map(Time),
        corrections: escalation
            .corrections
            .iter()
            .map(|c| CorrectionJson {
                at: Time(c.at),
                by: &c.by,
                id: c.id,
                kind: c.kind.as_str(),
                new_value: c.new_value.as_deref(),
                old_value: c.old_value.as_deref(),
                summary: c.describe(),
                target: &c.target,
                target_id: c.target_id,
                why: &c.why,
            })
            .collect(),
        details: DetailsJson::of(&escalation.details),
        discussions,
        history,
        id: escalation.id,
        immediate_risk: escalation.immediate_risk,
        is_overdue: is_overdue(escalation, schedule, now),
        last_changed,
        notifications,
        outcome,
        outcome_sought: escalation.outcome_sought.as_deref(),
        partnership: procedure
            .notified_body(escalation.partnership.as_deref())
            .map(|p| PartnershipJson {
                id: &p.id,
                name: &p.name,
            }),
        procedure: &procedure.id,
        raised_at: Time(escalation.raised_at),
        raised_by: &escalation.raised_by,
        raised_with: &escalation.raised_with,
        school: escalation.school.as_deref(),
        stage: schedule.stage,
        stage_name: procedure.stage(schedule.stage).map(|s| s.name.as_str()),
        stages,
        status: status_word(schedule.status),
        summary: &escalation.summary,
    }
}

/// Writes `value` as an element of a pretty-printed JSON array, indented one level, as
/// `serde_json::to_string_pretty` lays out an array's elements: `list --json` streams its array
/// an element at a time, and its text is the same as if it had not.
pub fn write_json_element<T: Serialize + ?Sized>(
    out: &mut Vec<u8>,
    value: &T,
) -> serde_json::Result<()> {
    use serde_json::ser::{Formatter as _, PrettyFormatter};
    // A pretty formatter that has opened an array (written to nowhere) stands one level in.
    let mut formatter = PrettyFormatter::new();
    formatter
        .begin_array(&mut std::io::sink())
        .map_err(serde_json::Error::io)?;
    out.extend_from_slice(b"  ");
    value.serialize(&mut serde_json::Serializer::with_formatter(out, formatter))
}

/// A time as [`time`] writes it (RFC 3339 in UK time, to the second), serialised as it is
/// written rather than through a `String` of its own: an escalation has dozens.
#[derive(Debug, Clone, Copy)]
struct Time(DateTime<Utc>);

impl Time {
    /// The text into `out`, digit by digit (`write!` and its formatting machinery cost more
    /// than the rest of the time's JSON): what `to_rfc3339_opts` writes, for every year it
    /// writes in four digits and every second that is not a leap second; `None` for the rest.
    fn text(self, out: &mut [u8; 25]) -> Option<&str> {
        use chrono::{Datelike as _, Offset as _, Timelike as _};
        fn digits(out: &mut [u8], mut value: u32) {
            for slot in out.iter_mut().rev() {
                *slot = b'0' + u8::try_from(value % 10).unwrap_or(0);
                value /= 10;
            }
        }
        let local = self.0.with_timezone(&crate::core::calendar::LONDON);
        let (date, clock) = (local.date_naive(), local.time());
        let year = u32::try_from(date.year()).ok().filter(|y| *y <= 9999)?;
        if clock.nanosecond() >= 1_000_000_000 {
            return None;
        }
        let offset = local.offset().fix().local_minus_utc();
        let minutes = offset.unsigned_abs() / 60;
        *out = *b"0000-00-00T00:00:00+00:00";
        digits(&mut out[0..4], year);
        digits(&mut out[5..7], date.month());
        digits(&mut out[8..10], date.day());
        digits(&mut out[11..13], clock.hour());
        digits(&mut out[14..16], clock.minute());
        digits(&mut out[17..19], clock.second());
        out[19] = if offset < 0 { b'-' } else { b'+' };
        digits(&mut out[20..22], minutes / 60);
        digits(&mut out[23..25], minutes % 60);
        std::str::from_utf8(out).ok()
    }
}

impl Serialize for Time {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.text(&mut [0; 25]) {
            Some(text) => serializer.serialize_str(text),
            None => serializer.serialize_str(&time(self.0)),
        }
    }
}

impl std::fmt::Display for Time {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.text(&mut [0; 25]) {
            Some(text) => f.write_str(text),
            None => f.write_str(&time(self.0)),
        }
    }
}

/// One escalation as `list --json` and `show --json` print it (see [`escalation_json`]): the
/// fields in sorted order.
#[derive(Debug, Serialize)]
pub struct EscalationJson<'a> {
    actions: Vec<ActionJson<'a>>,
    agency: &'a str,
    amendments: Vec<AmendmentJson<'a>>,
    attachments: Vec<AttachmentJson<'a>>,
    category: &'static str,
    child: ChildJson<'a>,
    clocks: Vec<ClockJson<'a>>,
    concern_at: Option<Time>,
    corrections: Vec<CorrectionJson<'a>>,
    details: DetailsJson<'a>,
    /// `show` only, newest first.
    #[serde(skip_serializing_if = "Option::is_none")]
    discussions: Option<Vec<DiscussionJson<'a>>>,
    /// `show` only.
    #[serde(skip_serializing_if = "Option::is_none")]
    history: Option<Vec<AuditJson<'a>>>,
    id: i64,
    immediate_risk: bool,
    is_overdue: bool,
    /// `show` only, and only with a history.
    #[serde(skip_serializing_if = "Option::is_none")]
    last_changed: Option<LastChangedJson<'a>>,
    notifications: Vec<NotificationJson<'a>>,
    outcome: Option<OutcomeJson<'a>>,
    outcome_sought: Option<&'a str>,
    partnership: Option<PartnershipJson<'a>>,
    procedure: &'a str,
    raised_at: Time,
    raised_by: &'a str,
    raised_with: &'a str,
    /// Only on a team's database.
    #[serde(skip_serializing_if = "Option::is_none")]
    school: Option<&'a str>,
    stage: u8,
    stage_name: Option<&'a str>,
    stages: Vec<StageJson<'a>>,
    status: &'static str,
    summary: &'a str,
}

#[derive(Debug, Serialize)]
struct ActionJson<'a> {
    done_at: Option<Time>,
    done_by: Option<&'a str>,
    due_on: String,
    id: i64,
    is_overdue: bool,
    owner: &'a str,
    what: &'a str,
}

#[derive(Debug, Serialize)]
struct AmendmentJson<'a> {
    at: Time,
    by: &'a str,
    field: &'a str,
    new_value: Option<&'a str>,
    old_value: Option<&'a str>,
    why: &'a str,
}

#[derive(Debug, Serialize)]
struct AttachmentJson<'a> {
    name: &'a str,
    notification: &'a str,
    /// As `Attachment` serialises it (chrono's own form, not [`time`]'s).
    recorded_at: &'a DateTime<Utc>,
    recorded_by: &'a str,
    sha256: &'a str,
    text: &'a str,
    withdrawn: Option<WithdrawnJson<'a>>,
}

#[derive(Debug, Serialize)]
struct WithdrawnJson<'a> {
    at: Time,
    by: &'a str,
    correction: i64,
    why: &'a str,
}

#[derive(Debug, Serialize)]
struct ChildJson<'a> {
    dob: Option<String>,
    name: &'a str,
    reference: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct ClockJson<'a> {
    act_now: bool,
    due: Option<Time>,
    ended_at: Option<Time>,
    form: Option<&'a str>,
    is_provisional: bool,
    key: &'a str,
    name: &'a str,
    reason_required: bool,
    stage: Option<u8>,
    started_at: Option<Time>,
    state: ClockState,
    tightened_from: Option<Time>,
    timescale: String,
}

#[derive(Debug, Serialize)]
struct CorrectionJson<'a> {
    at: Time,
    by: &'a str,
    id: i64,
    kind: &'static str,
    new_value: Option<&'a str>,
    old_value: Option<&'a str>,
    summary: String,
    target: &'a str,
    target_id: i64,
    why: &'a str,
}

/// [`Details`] as its own `Serialize` gives it, with the keys sorted.
#[derive(Debug, Serialize)]
struct DetailsJson<'a> {
    child_address: Option<&'a str>,
    child_postcode: Option<&'a str>,
    family_aware: Option<bool>,
    meeting_attendees: Option<&'a str>,
    meeting_chair: Option<&'a str>,
    need_level: Option<NeedLevel>,
    referrer_email: Option<&'a str>,
    referrer_manager: Option<&'a str>,
    referrer_phone: Option<&'a str>,
    review_on: Option<&'a NaiveDate>,
    views_agreed: Option<bool>,
}

impl<'a> DetailsJson<'a> {
    fn of(details: &'a Details) -> Self {
        // Every field, so that one added to `Details` cannot be left out of the JSON.
        let Details {
            referrer_phone,
            referrer_email,
            referrer_manager,
            child_address,
            child_postcode,
            need_level,
            family_aware,
            views_agreed,
            meeting_chair,
            meeting_attendees,
            review_on,
        } = details;
        Self {
            child_address: child_address.as_deref(),
            child_postcode: child_postcode.as_deref(),
            family_aware: *family_aware,
            meeting_attendees: meeting_attendees.as_deref(),
            meeting_chair: meeting_chair.as_deref(),
            need_level: *need_level,
            referrer_email: referrer_email.as_deref(),
            referrer_manager: referrer_manager.as_deref(),
            referrer_phone: referrer_phone.as_deref(),
            review_on: review_on.as_ref(),
            views_agreed: *views_agreed,
        }
    }
}

#[derive(Debug, Serialize)]
struct DiscussionJson<'a> {
    agreed: bool,
    at: Time,
    decisions: Option<&'a str>,
    id: i64,
    mode: &'static str,
    notes: &'a str,
    recorded_at: Time,
    recorded_by: &'a str,
    stage: u8,
    with: &'a str,
}

/// One audit entry, in `history --json` and `show --json`.
#[derive(Debug, Serialize)]
pub struct AuditJson<'a> {
    action: &'a str,
    at: Time,
    by: &'a str,
    hash: &'a str,
    id: i64,
    summary: &'a str,
    written_at: Option<Time>,
}

#[derive(Debug, Serialize)]
struct LastChangedJson<'a> {
    at: Time,
    by: &'a str,
}

#[derive(Debug, Serialize)]
struct NotificationJson<'a> {
    act_now: bool,
    contact: Option<&'a str>,
    counted_from: Time,
    due: Time,
    form: Option<&'a str>,
    id: &'a str,
    method: Option<&'static str>,
    name: &'a str,
    recipient: &'a str,
    recipients: &'a [std::sync::Arc<str>],
    reference: Option<&'a str>,
    sent_at: Option<Time>,
    stage: u8,
    state: ClockState,
    triggered_at: Time,
}

/// The outcome: each kind's fields sorted, `kind` among them.
#[derive(Debug, Serialize)]
#[serde(untagged)]
enum OutcomeJson<'a> {
    Resolved {
        at: Time,
        by: &'a str,
        child_record_updated: Option<bool>,
        how: &'a str,
        kind: &'static str,
        learning: Option<&'a str>,
        parents_informed: Option<bool>,
        stage: u8,
        why_not: Option<&'a str>,
    },
    Withdrawn {
        at: Time,
        by: &'a str,
        kind: &'static str,
        stage: u8,
        why: &'a str,
    },
}

#[derive(Debug, Serialize)]
struct PartnershipJson<'a> {
    id: &'a str,
    name: &'a str,
}

#[derive(Debug, Serialize)]
struct StageJson<'a> {
    by: &'a str,
    entered_at: Time,
    left_at: Option<Time>,
    name: Option<&'a str>,
    reason: Option<&'a str>,
    stage: u8,
}

pub fn escalation_text(
    calendar: &Calendar,
    escalation: &Escalation,
    procedure: &Procedure,
    schedule: &Schedule,
    now: DateTime<Utc>,
    trail: &[AuditEntry],
) -> String {
    let mut out = String::new();
    let stage_name = procedure
        .stage(schedule.stage)
        .map_or("", |s| s.name.as_str());
    let _ = writeln!(
        out,
        "Escalation {}: {}, stage {} of {} ({stage_name})",
        escalation.id,
        status_word(schedule.status).to_uppercase(),
        schedule.stage,
        procedure.last_stage()
    );
    if escalation.immediate_risk {
        let _ = writeln!(
            out,
            "!! IMMEDIATE RISK OF SIGNIFICANT HARM: {}",
            procedure.immediate_risk
        );
        let is_out_of_hours = schedule
            .clocks
            .iter()
            .any(|c| *c.key == *IMMEDIATE_RISK_KEY && c.is_act_now && c.state.is_live());
        if let (true, Some(text)) = (is_out_of_hours, &procedure.immediate.out_of_hours) {
            let _ = writeln!(out, "!! {}", line(text));
        }
    }
    let _ = writeln!(out, "Procedure: {} ({})", procedure.title, procedure.id);
    if let Some(p) = procedure.notified_body(escalation.partnership.as_deref()) {
        let _ = writeln!(out, "Partnership: {}", p.name);
    }
    let mut child = format!("Child: {}", line(&escalation.child.name));
    if let Some(dob) = escalation.child.dob {
        let _ = write!(child, ", born {dob}");
    }
    if let Some(reference) = &escalation.child.reference {
        let _ = write!(child, ", record {}", line(reference));
    }
    let _ = writeln!(out, "{child}");
    let _ = writeln!(
        out,
        "Raised by {} ({}) with {}, {}",
        line(&escalation.raised_by),
        line(&escalation.agency),
        line(&escalation.raised_with),
        format_local(escalation.raised_at)
    );
    if let Some(concern) = escalation.concern_at {
        let _ = writeln!(out, "Concern arose {}", format_local(concern));
    }
    let _ = writeln!(out, "Category: {}", escalation.category);
    if let Some(school) = &escalation.school {
        let _ = writeln!(out, "School: {}", line(school));
    }
    if let Some(last) = trail.last() {
        let _ = writeln!(
            out,
            "Last changed by {}, {}",
            line(&last.actor),
            format_local(last.at)
        );
    }
    let _ = writeln!(out, "Circumstances:\n{}", block(&escalation.summary, "  "));
    if let Some(sought) = &escalation.outcome_sought {
        let _ = writeln!(out, "Outcome sought:\n{}", block(sought, "  "));
    }
    // What the partnership forms ask beyond the header (issue 15), where recorded.
    for (field, what) in crate::core::record::DETAIL_FIELDS {
        if let Some(value) = escalation.details.get(field) {
            let what = what.split([':', '(']).next().unwrap_or(what).trim();
            if value.contains('\n') {
                let _ = writeln!(out, "{field} ({what}):\n{}", block(&value, "  "));
            } else {
                let _ = writeln!(out, "{field} ({what}): {}", line(&value));
            }
        }
    }
    for attachment in &escalation.attachments {
        let withdrawn = crate::core::form::withdrawal(escalation, attachment)
            .map(|c| {
                format!(
                    "; withdrawn: the notification was corrected as not sent ({}, {}: {})",
                    format_local(c.at),
                    line(&c.by),
                    line(&c.why)
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "Form kept with notification {}: {} (sha256 {}, {} bytes){withdrawn}",
            line(&attachment.notification),
            line(&attachment.name),
            attachment.sha256,
            attachment.text.len()
        );
    }

    let _ = writeln!(out, "\nClocks");
    for clock in &schedule.clocks {
        let due = clock
            .due_at
            .map_or_else(|| "not started".to_owned(), format_local);
        let mut extra = String::new();
        if clock.is_provisional {
            extra.push_str(" (provisional)");
        }
        if clock.is_reason_required {
            let _ = write!(
                extra,
                " REASON FOR DELAY REQUIRED: escalate delay {} --reason \"...\"",
                escalation.id
            );
        }
        if let Some(note) = clock
            .due_at
            .and_then(|due| calendar.numbered_day_note(clock.timescale, due))
        {
            let _ = write!(extra, " ({note})");
        }
        if let Some(allowed) = clock.tightened_from {
            let why = escalation
                .notes
                .iter()
                .filter(|n| n.kind == crate::core::record::NoteKind::ClockTightened)
                .filter(|n| *n.clock == *clock.key && Some(n.at) == clock.due_at)
                .map(|n| line(&n.text))
                .next()
                .unwrap_or_default();
            let _ = write!(
                extra,
                " (tightened from {} by the DSL: {why})",
                format_local(allowed)
            );
        }
        let _ = writeln!(
            out,
            "  {} {:<28} {:<22} due {due}  {}{extra}",
            symbol(clock.state),
            countdown_text(calendar, clock, now),
            clock.key,
            clock.name
        );
    }
    let _ = writeln!(out, "\nNotifications");
    if schedule.notifications.is_empty() {
        let _ = writeln!(out, "  none required yet");
    }
    for n in &schedule.notifications {
        let state = match n.sent_at {
            Some(sent) => {
                let record = escalation.sent.iter().find(|s| *s.notification == *n.id);
                let how = record
                    .map(|s| format!(" by {}", s.method))
                    .unwrap_or_default();
                let reference = record
                    .and_then(|s| s.reference.as_deref())
                    .map(|r| format!(", ref {}", line(r)))
                    .unwrap_or_default();
                format!(
                    "{} sent {}{how}{reference}",
                    symbol(n.state),
                    format_local(sent)
                )
            }
            None => format!(
                "{} {}",
                symbol(n.state),
                Countdown::of_notification(calendar, n, now)
            ),
        };
        let form = n
            .form
            .as_deref()
            .map(|f| format!(" [{f}]"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {:<18} {}{form} to {}{}; due {}; {state}",
            n.id,
            n.name,
            line(&n.recipient),
            n.contact
                .as_deref()
                .map(|c| format!(" ({})", line(c)))
                .unwrap_or_default(),
            format_local(n.due_at)
        );
    }
    let _ = writeln!(out, "\nStages");
    for period in &schedule.stages {
        let name = procedure
            .stage(period.stage)
            .map_or("", |s| s.name.as_str());
        let change = escalation
            .stage_changes
            .iter()
            .find(|c| c.to_stage == period.stage);
        let why = change
            .map(|c| format!(" by {}: {}", line(&c.by), line(&c.reason)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} {name}: entered {}{why}",
            period.stage,
            format_local(period.entered_at)
        );
    }
    if !escalation.discussions.is_empty() {
        let _ = writeln!(out, "\nDiscussions (newest first)");
        for d in escalation.discussions.iter().rev() {
            let agreed = if d.is_agreement {
                ", agreement reached"
            } else {
                ""
            };
            let _ = writeln!(
                out,
                "  {} ({}, stage {}{agreed}) with {}; recorded by {}",
                format_local(d.at),
                d.mode,
                d.stage,
                line(&d.participants),
                line(&d.recorded_by)
            );
            let _ = writeln!(out, "{}", block(&d.notes, "    "));
            if let Some(decisions) = &d.decisions {
                let _ = writeln!(out, "    Decisions:\n{}", block(decisions, "      "));
            }
        }
    }
    if !escalation.actions.is_empty() {
        let _ = writeln!(out, "\nActions");
        for a in &escalation.actions {
            let state = match a.done_at {
                Some(done) => format!("✓  done {}", format_local(done)),
                None if is_action_overdue(a, now) => format!("!! OVERDUE since {}", a.due_on),
                None => format!("·  due {}", a.due_on),
            };
            let _ = writeln!(
                out,
                "  {:>4}  {state}  {} (owner {})",
                a.id,
                line(&a.what),
                line(&a.owner)
            );
        }
    }
    if let Some(outcome) = &escalation.outcome {
        let _ = writeln!(out, "\nOutcome");
        match &**outcome {
            Outcome::Resolved {
                at,
                stage,
                how,
                learning,
                parents_informed,
                why_not,
                child_record_updated,
                by,
            } => {
                let _ = writeln!(
                    out,
                    "  Resolved at stage {stage}, {} (recorded by {})",
                    format_local(*at),
                    line(by)
                );
                let _ = writeln!(out, "{}", block(how, "    "));
                if let Some(learning) = learning {
                    let _ = writeln!(out, "  Learning:\n{}", block(learning, "    "));
                }
                let informed = match (parents_informed, why_not) {
                    (Some(true), _) => "yes".to_owned(),
                    (Some(false), Some(why)) => format!("no: {}", line(why)),
                    (Some(false), None) => "no".to_owned(),
                    (None, _) => "not recorded".to_owned(),
                };
                let _ = writeln!(out, "  Parents or carers informed: {informed}");
                let updated =
                    child_record_updated.map_or("not recorded", |u| if u { "yes" } else { "no" });
                let _ = writeln!(out, "  Child's record updated: {updated}");
            }
            Outcome::Withdrawn { at, stage, why, by } => {
                let _ = writeln!(
                    out,
                    "  Withdrawn at stage {stage}, {} (recorded by {})",
                    format_local(*at),
                    line(by)
                );
                let _ = writeln!(out, "{}", block(why, "    "));
            }
        }
    }
    if !escalation.amendments.is_empty() {
        let _ = writeln!(out, "\nAmendments (originals kept)");
        for a in &escalation.amendments {
            let _ = writeln!(
                out,
                "  {} {} changed {} from \"{}\" to \"{}\": {}",
                format_local(a.at),
                line(&a.by),
                line(&a.field),
                line(a.old_value.as_deref().unwrap_or("")),
                line(a.new_value.as_deref().unwrap_or("")),
                line(&a.why)
            );
        }
    }
    if !escalation.corrections.is_empty() {
        let _ = writeln!(out, "\nCorrections (originals kept)");
        for c in &escalation.corrections {
            let _ = writeln!(
                out,
                "  {} {} {}",
                format_local(c.at),
                line(&c.by),
                line(&c.describe())
            );
        }
    }
    let _ = writeln!(out, "\nHistory (audit trail)");
    out.push_str(&audit_text(trail));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A time in the JSON reads exactly as [`time`] writes it: either side of each clock
    /// change, at odd seconds and fractions, and far from now.
    #[test]
    fn a_time_is_written_as_rfc3339_in_uk_time() {
        let start: DateTime<Utc> = "1969-03-28T22:59:59.999Z".parse().unwrap();
        let mut t = start;
        for step in 0..20_000 {
            assert_eq!(Time(t).to_string(), time(t), "{t:?}");
            t += chrono::Duration::seconds(3_607 * 7 + step % 61)
                + chrono::Duration::milliseconds(step % 1000);
        }
        for text in [
            "2026-03-29T00:59:59Z",
            "2026-03-29T01:00:00Z",
            "2026-10-25T00:59:59Z",
            "2026-10-25T01:00:00Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
        ] {
            let t: DateTime<Utc> = text.parse().unwrap();
            assert_eq!(Time(t).to_string(), time(t), "{text}");
        }
        assert_eq!(
            serde_json::to_string(&Time("2026-06-01T12:00:00Z".parse().unwrap())).unwrap(),
            "\"2026-06-01T13:00:00+01:00\""
        );
    }
}
