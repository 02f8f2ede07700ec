//! Changes to an escalation, and the rules each must pass before it is written.
//!
//! Every change is planned here against the escalation as it stands (and its schedule), then
//! written by `storage` in one transaction with its audit entry. Planning is pure: the same
//! rules refuse the same things on the command line and in the dashboard. A refused change is
//! a [`RecordError`] saying what is wrong and how to fix it; nothing is written.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::calendar::local_date;
use super::deadline::Schedule;
use super::procedure::{Procedure, ProcedureSet};
use super::record::{
    AMENDABLE, AgreedAction, Amendment, Category, Correction, CorrectionKind, Discussion,
    Escalation, Method, Mode, NewEscalation, NewEscalationInput, Note, NoteKind, Outcome,
    RecordError, SentNotification, StageChange, apply_correction, check_dob, choose_partnership,
    clean_text, not_in_future, optional_text, printable, required_text,
};
use super::time::{parse_date, parse_instant};

/// A checked change, ready to write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    Advance {
        to_stage: u8,
        at: DateTime<Utc>,
        reason: String,
    },
    Discuss {
        at: DateTime<Utc>,
        participants: String,
        mode: Mode,
        notes: String,
        decisions: Option<String>,
        is_agreement: bool,
        stage: u8,
    },
    AddAction {
        what: String,
        owner: String,
        due_on: NaiveDate,
    },
    CompleteAction {
        action_id: i64,
        at: DateTime<Utc>,
    },
    NotificationSent {
        notification: String,
        at: DateTime<Utc>,
        method: Method,
        reference: Option<String>,
    },
    Resolve {
        at: DateTime<Utc>,
        stage: u8,
        how: String,
        learning: Option<String>,
        parents_informed: Option<bool>,
        why_not: Option<String>,
        child_record_updated: Option<bool>,
    },
    Withdraw {
        at: DateTime<Utc>,
        stage: u8,
        why: String,
    },
    Amend {
        field: String,
        old_value: Option<String>,
        new_value: Option<String>,
        why: String,
    },
    Note {
        kind: NoteKind,
        clock: String,
        at: DateTime<Utc>,
        text: String,
    },
    /// A detail the forms ask for ([`super::record::Details`]), recorded where it was not yet
    /// (one already recorded is corrected by an [`Change::Amend`]).
    Detail {
        field: String,
        value: String,
    },
    /// A form kept with the notification it was sent with (the latest recorded as sent).
    Attach {
        notification: String,
        name: String,
        sha256: String,
        text: String,
    },
    /// A correction of something recorded (see [`Correction`]); the original is kept.
    Correct {
        kind: CorrectionKind,
        /// The discussion's or action's id; 0 where the store finds the row (the latest stage
        /// move, the notification sent, the outcome).
        target_id: i64,
        target: String,
        old_value: Option<String>,
        new_value: Option<String>,
        why: String,
    },
}

impl Change {
    /// The kind of change, one word: `advance`, `discuss`, `add_action`, ...
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Advance { .. } => "advance",
            Self::Discuss { .. } => "discuss",
            Self::AddAction { .. } => "add_action",
            Self::CompleteAction { .. } => "complete_action",
            Self::NotificationSent { .. } => "notification_sent",
            Self::Resolve { .. } => "resolve",
            Self::Withdraw { .. } => "withdraw",
            Self::Amend { .. } => "amend",
            Self::Note { .. } => "note",
            Self::Correct { .. } => "correct",
            Self::Detail { .. } => "detail",
            Self::Attach { .. } => "attach",
        }
    }

    /// A short description for the audit trail, in the procedures' words.
    pub fn describe(&self) -> String {
        match self {
            Self::Detail { field, value } => {
                if super::record::is_sensitive_detail(field) {
                    format!("{field} recorded")
                } else {
                    format!("{field} recorded: \"{value}\"")
                }
            }
            Self::Attach {
                notification,
                name,
                sha256,
                ..
            } => format!("form {name} kept with notification {notification} (sha256 {sha256})"),
            Self::Correct {
                kind,
                target_id,
                target,
                old_value,
                new_value,
                why,
            } => Correction {
                id: 0,
                kind: *kind,
                target_id: *target_id,
                target: target.clone(),
                old_value: old_value.clone(),
                new_value: new_value.clone(),
                why: why.clone(),
                by: String::new(),
                at: DateTime::<Utc>::MIN_UTC,
            }
            .describe(),
            Self::Advance {
                to_stage, reason, ..
            } => format!("advanced to stage {to_stage}: {reason}"),
            Self::Discuss {
                mode, participants, ..
            } => format!("discussion recorded ({mode}) with {participants}"),
            Self::AddAction {
                what,
                owner,
                due_on,
            } => format!("action agreed: {what} (owner {owner}, due {due_on})"),
            Self::CompleteAction { action_id, .. } => format!("action {action_id} done"),
            Self::NotificationSent {
                notification,
                method,
                ..
            } => format!("notification {notification} sent by {method}"),
            Self::Resolve { stage, how, .. } => format!("resolved at stage {stage}: {how}"),
            Self::Withdraw { stage, why, .. } => format!("withdrawn at stage {stage}: {why}"),
            // The child's address is never written into the audit trail's words (the row
            // itself, fingerprinted, holds it).
            Self::Amend { field, why, .. } if super::record::is_sensitive_detail(field) => {
                format!("amended {field}: {why}")
            }
            Self::Amend {
                field,
                old_value,
                new_value,
                why,
            } => format!(
                "amended {field} from \"{}\" to \"{}\": {why}",
                old_value.as_deref().unwrap_or(""),
                new_value.as_deref().unwrap_or("")
            ),
            Self::Note {
                kind: NoteKind::ClockMet,
                clock,
                ..
            } => format!("clock {clock} marked met"),
            Self::Note {
                kind: NoteKind::DelayReason,
                ..
            } => "reason for delay recorded".to_owned(),
            Self::Note {
                kind: NoteKind::ClockTightened,
                clock,
                at,
                text,
            } => format!(
                "clock {clock} tightened to {}: {text}",
                super::calendar::format_local(*at)
            ),
        }
    }
}

fn must_be_open(escalation: &Escalation, what: &str) -> Result<(), RecordError> {
    match &escalation.outcome {
        None => Ok(()),
        Some(outcome) => {
            let state = match &**outcome {
                super::record::Outcome::Resolved { .. } => "resolved",
                super::record::Outcome::Withdrawn { .. } => "withdrawn",
            };
            Err(RecordError::new(
                "escalation",
                format!(
                    "escalation {} is {state}, so it cannot be {what}; correct a mistake with escalate correct {} reopen --why TEXT",
                    escalation.id, escalation.id
                ),
            ))
        }
    }
}

/// A time for something that happened during the escalation: not later than now, and not
/// before `earliest` (named in the message as `earliest_what`).
fn during(
    field: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    earliest: DateTime<Utc>,
    earliest_what: &str,
) -> Result<(), RecordError> {
    not_in_future(field, at, now)?;
    if at < earliest {
        return Err(RecordError::new(
            field,
            format!(
                "is before {earliest_what} ({}); give a later time",
                super::calendar::format_local(earliest)
            ),
        ));
    }
    Ok(())
}

pub fn plan_advance(
    escalation: &Escalation,
    procedure: &Procedure,
    reason: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Change, RecordError> {
    plan_advance_to(escalation, procedure, None, reason, at, now)
}

/// Moves the escalation up to stage `to` (the next stage when `None`). A later stage may be
/// reached directly only where the procedure allows it: a stage marked `may_skip_to` ("urgent
/// cases go straight to senior managers"), or an immediate-risk escalation's fast track. The
/// reason says why; the audit trail names the stages skipped.
pub fn plan_advance_to(
    escalation: &Escalation,
    procedure: &Procedure,
    to: Option<u8>,
    reason: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Change, RecordError> {
    must_be_open(escalation, "advanced")?;
    let stage = escalation.stage();
    if stage >= procedure.last_stage() {
        return Err(RecordError::new(
            "stage",
            format!(
                "escalation {} is at stage {stage}, the last stage of {}; there is no further stage (resolve or withdraw it instead)",
                escalation.id, procedure.id
            ),
        ));
    }
    let to_stage = to.unwrap_or(stage + 1);
    let last = procedure.last_stage();
    if to_stage <= stage || to_stage > last {
        return Err(RecordError::new(
            "to",
            format!(
                "escalation {} is at stage {stage}; it can move up to a stage from {} to {last}, not {to_stage}",
                escalation.id,
                stage + 1
            ),
        ));
    }
    if to_stage > stage + 1 {
        let is_fast_track =
            escalation.immediate_risk && procedure.immediate.fast_track_stage == Some(to_stage);
        let may_skip = procedure.stage(to_stage).is_some_and(|s| s.may_skip_to);
        if !(is_fast_track || may_skip) {
            return Err(RecordError::new(
                "to",
                format!(
                    "{} does not allow skipping to stage {to_stage}; advance one stage at a time (to stage {})",
                    procedure.id,
                    stage + 1
                ),
            ));
        }
    }
    let reason = required_text("reason", reason, true)?;
    during(
        "at",
        at,
        now,
        escalation.last_stage_change_at(),
        "the escalation entered its current stage",
    )?;
    Ok(Change::Advance {
        to_stage,
        at,
        reason,
    })
}

/// Tightens one clock on this escalation to an earlier due time: the procedures' "or a timescale
/// that protects the child from harm (whichever is less)". A due time is never loosened: the new
/// one must be earlier than the clock's current one, and not before the clock started.
pub fn plan_tighten(
    escalation: &Escalation,
    schedule: &Schedule,
    clock: &str,
    due_at: DateTime<Utc>,
    reason: &str,
) -> Result<Change, RecordError> {
    must_be_open(escalation, "tightened")?;
    let clock = clock.trim();
    let Some(status) = schedule.clocks.iter().find(|c| *c.key == *clock) else {
        let keys: Vec<&str> = schedule.clocks.iter().map(|c| &*c.key).collect();
        return Err(RecordError::new(
            "clock",
            format!(
                "escalation {} has no clock \"{}\"; its clocks are {}",
                escalation.id,
                printable(clock, false),
                keys.join(", ")
            ),
        ));
    };
    let (Some(current), Some(started)) = (status.due_at, status.started_at) else {
        return Err(RecordError::new(
            "clock",
            format!(
                "clock {clock} has not started (it waits for {}); tighten it once it runs",
                status.from.describe()
            ),
        ));
    };
    if !status.state.is_live() {
        return Err(RecordError::new(
            "clock",
            format!(
                "clock {clock} is {}; only a running clock can be tightened",
                status.state.label()
            ),
        ));
    }
    let reason = required_text("reason", reason, true)?;
    if due_at >= current {
        return Err(RecordError::new(
            "due",
            format!(
                "{} is not earlier than the clock's due time, {}; a clock can only be tightened, never loosened",
                super::calendar::format_local(due_at),
                super::calendar::format_local(current)
            ),
        ));
    }
    if due_at < started {
        return Err(RecordError::new(
            "due",
            format!(
                "{} is before the clock started ({}); give a later time",
                super::calendar::format_local(due_at),
                super::calendar::format_local(started)
            ),
        ));
    }
    Ok(Change::Note {
        kind: NoteKind::ClockTightened,
        clock: clock.to_owned(),
        at: due_at,
        text: reason,
    })
}

/// The due time a shorter timescale gives a running clock, counted from the clock's start (as
/// the procedures count every clock): `escalate tighten --within` and the dashboard's tighten
/// form both read a timescale this way. A "day N" timescale counts the escalation's days, not
/// from a clock's start, and is refused.
pub fn due_within(
    schedule: &Schedule,
    calendar: &super::calendar::Calendar,
    clock: &str,
    timescale: super::timescale::Timescale,
) -> Result<DateTime<Utc>, RecordError> {
    if timescale.is_day_numbered() {
        return Err(RecordError::new(
            "due",
            "\"day N\" counts the escalation's days, not from the clock's start; give a due time, or a timescale such as \"24 hours\"",
        ));
    }
    let clock = clock.trim();
    let started = schedule
        .clocks
        .iter()
        .find(|c| *c.key == *clock)
        .and_then(|c| c.started_at)
        .ok_or_else(|| {
            RecordError::new(
                "clock",
                format!(
                    "there is no running clock \"{}\" to count from",
                    printable(clock, false)
                ),
            )
        })?;
    Ok(calendar.due(timescale, started, local_date(started)))
}

/// A discussion as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DiscussionInput {
    pub participants: String,
    pub mode: String,
    pub notes: String,
    pub decisions: Option<String>,
    pub is_agreement: bool,
    pub at: Option<DateTime<Utc>>,
}

pub fn plan_discussion(
    escalation: &Escalation,
    input: &DiscussionInput,
    now: DateTime<Utc>,
) -> Result<Change, RecordError> {
    must_be_open(
        escalation,
        "discussed further (a discussion after it closed is a follow-up: escalate discuss --follow-up)",
    )?;
    plan_any_discussion(escalation, input, now)
}

/// A follow-up discussion on a closed escalation (a call after it was resolved, say): kept on
/// the record, taking place after the closure; it reopens nothing and starts no clock.
pub fn plan_follow_up(
    escalation: &Escalation,
    input: &DiscussionInput,
    now: DateTime<Utc>,
) -> Result<Change, RecordError> {
    let Some(outcome) = &escalation.outcome else {
        return Err(RecordError::new(
            "follow-up",
            format!(
                "escalation {} is open; record the discussion without --follow-up",
                escalation.id
            ),
        ));
    };
    let change = plan_any_discussion(escalation, input, now)?;
    if let Change::Discuss { at, .. } = &change {
        during("at", *at, now, outcome.at(), "the escalation closed")?;
    }
    Ok(change)
}

fn plan_any_discussion(
    escalation: &Escalation,
    input: &DiscussionInput,
    now: DateTime<Utc>,
) -> Result<Change, RecordError> {
    let participants = required_text("with", &input.participants, false)?;
    let mode: Mode = input.mode.parse()?;
    let notes = required_text("notes", &input.notes, true)?;
    let decisions = optional_text("decisions", input.decisions.as_deref(), true)?;
    let at = input.at.unwrap_or(now);
    // A discussion is often recorded after the escalation: a call at 10:00 typed in at 14:00.
    // Where no concern time was given, it may go back to the start of the day it was raised;
    // before that, the concern time says when the matter began.
    let (earliest, what) = match escalation.concern_at {
        Some(concern) => (concern.min(escalation.raised_at), "the concern arose"),
        None => (
            super::calendar::local_instant(
                local_date(escalation.raised_at),
                chrono::NaiveTime::MIN,
            ),
            "the day the escalation was raised, and no earlier concern time is recorded",
        ),
    };
    if at < earliest {
        return Err(RecordError::new(
            "at",
            format!(
                "is before {what} ({}); if the concern arose earlier, record that first (escalate amend {} concern-at TIME, or e on the dashboard)",
                super::calendar::format_local(earliest),
                escalation.id
            ),
        ));
    }
    not_in_future("at", at, now)?;
    // The stage the escalation was at when the discussion took place.
    let stage = escalation
        .stage_changes
        .iter()
        .filter(|c| c.at <= at)
        .map(|c| c.to_stage)
        .next_back()
        .unwrap_or(1);
    Ok(Change::Discuss {
        at,
        participants,
        mode,
        notes,
        decisions,
        is_agreement: input.is_agreement,
        stage,
    })
}

pub fn plan_action(
    escalation: &Escalation,
    what: &str,
    owner: &str,
    due_on: &str,
) -> Result<Change, RecordError> {
    must_be_open(escalation, "given new actions")?;
    let what = required_text("what", what, true)?;
    let owner = required_text("owner", owner, false)?;
    let due_on = parse_date(due_on).map_err(|e| RecordError::new("due", e.to_string()))?;
    Ok(Change::AddAction {
        what,
        owner,
        due_on,
    })
}

/// A new action is agreed for the future: a due date before `today` (a UK date) is most
/// likely a slip (last year, or the month and day swapped), and would be overdue the moment it
/// is saved. The CLI asks for `--past-due` to record one on purpose (an action agreed earlier
/// and entered late); forms can ask the same.
pub fn check_action_due(due_on: NaiveDate, today: NaiveDate) -> Result<(), RecordError> {
    if due_on < today {
        return Err(RecordError::new(
            "due",
            format!(
                "{} is in the past; give the date the action is due, from today on (to record an action that was already due, add --past-due)",
                due_on.format("%a %-d %b %Y")
            ),
        ));
    }
    Ok(())
}

pub fn plan_action_done(
    escalation: &Escalation,
    action_id: i64,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Change, RecordError> {
    let Some(action) = escalation.actions.iter().find(|a| a.id == action_id) else {
        let ids: Vec<String> = escalation
            .actions
            .iter()
            .map(|a| a.id.to_string())
            .collect();
        let known = if ids.is_empty() {
            "it has none".to_owned()
        } else {
            format!("its actions are {}", ids.join(", "))
        };
        return Err(RecordError::new(
            "action",
            format!(
                "escalation {} has no action {action_id}; {known} (see escalate show {})",
                escalation.id, escalation.id
            ),
        ));
    };
    if let Some(done) = action.done_at {
        return Err(RecordError::new(
            "action",
            format!(
                "action {action_id} was already marked done at {}",
                super::calendar::format_local(done)
            ),
        ));
    }
    during(
        "at",
        at,
        now,
        escalation.raised_at,
        "the escalation was raised",
    )?;
    Ok(Change::CompleteAction { action_id, at })
}

pub fn plan_notification_sent(
    escalation: &Escalation,
    schedule: &Schedule,
    notification: &str,
    method: &str,
    reference: Option<&str>,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Change, RecordError> {
    let wanted = notification.trim();
    let Some(required) = schedule.notifications.iter().find(|n| *n.id == *wanted) else {
        let owed: Vec<&str> = schedule
            .outstanding_notifications()
            .map(|n| &*n.id)
            .collect();
        let known = if owed.is_empty() {
            "none is outstanding".to_owned()
        } else {
            format!("outstanding: {}", owed.join(", "))
        };
        return Err(RecordError::new(
            "notification",
            format!(
                "escalation {} does not require a notification \"{}\" (yet); {known}",
                escalation.id,
                printable(wanted, false)
            ),
        ));
    };
    if let Some(sent) = required.sent_at {
        return Err(RecordError::new(
            "notification",
            format!(
                "{} was already recorded as sent at {}",
                required.id,
                super::calendar::format_local(sent)
            ),
        ));
    }
    let method: Method = method.parse()?;
    let reference = optional_text("reference", reference, false)?;
    during(
        "at",
        at,
        now,
        required.triggered_at,
        "the event that required it",
    )?;
    Ok(Change::NotificationSent {
        notification: required.id.to_string(),
        at,
        method,
        reference,
    })
}

/// A resolution as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResolutionInput {
    pub how: String,
    pub learning: Option<String>,
    pub parents_informed: Option<bool>,
    pub why_not: Option<String>,
    pub child_record_updated: Option<bool>,
    pub at: Option<DateTime<Utc>>,
}

pub fn plan_resolve(
    escalation: &Escalation,
    input: &ResolutionInput,
    now: DateTime<Utc>,
) -> Result<Change, RecordError> {
    must_be_open(escalation, "resolved again")?;
    let how = required_text("how", &input.how, true)?;
    let learning = optional_text("learning", input.learning.as_deref(), true)?;
    let why_not = optional_text("why-not", input.why_not.as_deref(), true)?;
    if input.parents_informed == Some(false) && why_not.is_none() {
        return Err(RecordError::new(
            "why-not",
            "parents or carers were not informed, so say why with --why-not (e.g. informing them would place the child at risk)",
        ));
    }
    let at = input.at.unwrap_or(now);
    during(
        "at",
        at,
        now,
        escalation.last_stage_change_at(),
        "the escalation entered its current stage",
    )?;
    Ok(Change::Resolve {
        at,
        stage: escalation.stage(),
        how,
        learning,
        parents_informed: input.parents_informed,
        why_not,
        child_record_updated: input.child_record_updated,
    })
}

pub fn plan_withdraw(
    escalation: &Escalation,
    why: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Change, RecordError> {
    must_be_open(escalation, "withdrawn")?;
    let why = required_text("why", why, true)?;
    during(
        "at",
        at,
        now,
        escalation.last_stage_change_at(),
        "the escalation entered its current stage",
    )?;
    Ok(Change::Withdraw {
        at,
        stage: escalation.stage(),
        why,
    })
}

pub fn plan_note(
    escalation: &Escalation,
    schedule: &Schedule,
    kind: NoteKind,
    clock: &str,
    text: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Change, RecordError> {
    let text = required_text("text", text, true)?;
    let clock = clock.trim().to_owned();
    if kind == NoteKind::ClockMet {
        let Some(status) = schedule.clocks.iter().find(|c| *c.key == *clock) else {
            let keys: Vec<&str> = schedule.clocks.iter().map(|c| &*c.key).collect();
            return Err(RecordError::new(
                "clock",
                format!(
                    "escalation {} has no clock \"{}\"; its clocks are {}",
                    escalation.id,
                    printable(&clock, false),
                    keys.join(", ")
                ),
            ));
        };
        if !status.state.is_live() && status.state != super::deadline::ClockState::Pending {
            return Err(RecordError::new(
                "clock",
                format!(
                    "clock {clock} is {}; there is nothing to mark",
                    status.state.label()
                ),
            ));
        }
    }
    during(
        "at",
        at,
        now,
        escalation.raised_at,
        "the escalation was raised",
    )?;
    Ok(Change::Note {
        kind,
        clock,
        at,
        text,
    })
}

/// Reads a yes/no answer.
pub fn parse_yes_no(field: &str, text: &str) -> Result<bool, RecordError> {
    match text.trim().to_lowercase().as_str() {
        "yes" | "y" | "true" => Ok(true),
        "no" | "n" | "false" => Ok(false),
        other => Err(RecordError::new(
            field,
            format!("\"{}\" is not yes or no", printable(other, false)),
        )),
    }
}

/// The current value of an amendable field, as text (`None` when empty).
pub fn field_value(escalation: &Escalation, field: &str) -> Option<String> {
    let time = |t: DateTime<Utc>| super::calendar::format_rfc3339(t);
    match field {
        "child" => Some(escalation.child.name.clone()),
        "dob" => escalation.child.dob.map(|d| d.to_string()),
        "child-ref" => escalation.child.reference.clone(),
        "raised-by" => Some(escalation.raised_by.clone()),
        "agency" => Some(escalation.agency.clone()),
        "raised-with" => Some(escalation.raised_with.clone()),
        "partnership" => escalation.partnership.clone(),
        "category" => Some(escalation.category.to_string()),
        "summary" => Some(escalation.summary.clone()),
        "outcome-sought" => escalation.outcome_sought.clone(),
        "concern-at" => escalation.concern_at.map(time),
        "raised-at" => Some(time(escalation.raised_at)),
        "immediate-risk" => Some(
            if escalation.immediate_risk {
                "yes"
            } else {
                "no"
            }
            .to_owned(),
        ),
        other => escalation.details.get(other),
    }
}

/// Applies an amended value to an escalation (as storage does when loading it). The value has
/// been checked by [`plan_amend`]; a value that no longer parses is left as it was.
pub fn apply_amendment(escalation: &mut Escalation, field: &str, value: Option<&str>) {
    let text = || value.unwrap_or_default().to_owned();
    match field {
        "child" => escalation.child.name = text(),
        "dob" => escalation.child.dob = value.and_then(|v| parse_date(v).ok()),
        "child-ref" => escalation.child.reference = value.map(str::to_owned),
        "raised-by" => escalation.raised_by = text(),
        "agency" => escalation.agency = text(),
        "raised-with" => escalation.raised_with = text(),
        "partnership" => escalation.partnership = value.map(str::to_owned),
        "category" => {
            if let Some(c) = value.and_then(|v| v.parse::<Category>().ok()) {
                escalation.category = c;
            }
        }
        "summary" => escalation.summary = text(),
        "outcome-sought" => escalation.outcome_sought = value.map(str::to_owned),
        "concern-at" => escalation.concern_at = value.and_then(|v| parse_instant(v).ok()),
        "raised-at" => {
            if let Some(t) = value.and_then(|v| parse_instant(v).ok()) {
                escalation.raised_at = t;
            }
        }
        "immediate-risk" => escalation.immediate_risk = value == Some("yes"),
        other => escalation.details.set(other, value),
    }
}

/// Checks a correction of one field: a known field, a valid new value that differs from the
/// current one, a reason, and an escalation that still makes sense afterwards.
pub fn plan_amend(
    escalation: &Escalation,
    procedure: &Procedure,
    field: &str,
    value: &str,
    why: &str,
    now: DateTime<Utc>,
) -> Result<Change, RecordError> {
    let field = field.trim().to_lowercase().replace('_', "-");
    if super::record::is_detail_field(&field) {
        let why = required_text("why", why, true)?;
        let new_value = super::record::check_detail(&field, value)?;
        let old_value = field_value(escalation, &field);
        if old_value == new_value {
            return Err(RecordError::new(
                &field,
                "already has that value; nothing to amend",
            ));
        }
        return Ok(Change::Amend {
            field,
            old_value,
            new_value,
            why,
        });
    }
    if !AMENDABLE.iter().any(|(name, _)| *name == field) {
        let names: Vec<&str> = AMENDABLE
            .iter()
            .chain(super::record::DETAIL_FIELDS)
            .map(|(name, _)| *name)
            .collect();
        return Err(RecordError::new(
            "field",
            format!(
                "\"{}\" cannot be amended; choose one of: {}",
                printable(&field, false),
                names.join(", ")
            ),
        ));
    }
    let why = required_text("why", why, true)?;
    let is_multiline = matches!(field.as_str(), "summary" | "outcome-sought");
    let new_value: Option<String> = match field.as_str() {
        "child" | "raised-by" | "agency" | "raised-with" | "summary" => {
            Some(required_text(&field, value, is_multiline)?)
        }
        "child-ref" | "outcome-sought" => optional_text(&field, Some(value), is_multiline)?,
        "dob" => match clean_text(&field, value, false)?.as_str() {
            "" => None,
            text => {
                let dob = parse_date(text).map_err(|e| RecordError::new("dob", e.to_string()))?;
                check_dob(dob, now)?;
                Some(dob.to_string())
            }
        },
        "partnership" => choose_partnership(procedure, Some(value))?,
        "category" => Some(value.parse::<Category>()?.to_string()),
        "concern-at" | "raised-at" => match clean_text(&field, value, false)?.as_str() {
            "" if field == "concern-at" => None,
            text => {
                let at =
                    parse_instant(text).map_err(|e| RecordError::new(&field, e.to_string()))?;
                not_in_future(&field, at, now)?;
                Some(super::calendar::format_rfc3339(at))
            }
        },
        "immediate-risk" => Some(
            if parse_yes_no(&field, value)? {
                "yes"
            } else {
                "no"
            }
            .to_owned(),
        ),
        _ => None,
    };
    let old_value = field_value(escalation, &field);
    if old_value == new_value {
        return Err(RecordError::new(
            &field,
            "already has that value; nothing to amend",
        ));
    }
    let mut amended = escalation.clone();
    apply_amendment(&mut amended, &field, new_value.as_deref());
    if let Some(concern) = amended.concern_at
        && concern > amended.raised_at
    {
        return Err(RecordError::new(
            &field,
            "would put the concern after the raise; the escalation is raised at or after the concern",
        ));
    }
    if amended
        .stage_changes
        .first()
        .is_some_and(|c| c.at < amended.raised_at)
        || amended.discussions.iter().any(|d| {
            d.at < amended
                .concern_at
                .unwrap_or(amended.raised_at)
                .min(amended.raised_at)
        })
    {
        return Err(RecordError::new(
            &field,
            "would put the raise after things already recorded on this escalation; check the time",
        ));
    }
    Ok(Change::Amend {
        field,
        old_value,
        new_value,
        why,
    })
}

/// Records details the forms ask for ([`super::record::DETAIL_FIELDS`]), each checked, where
/// each is not recorded yet. One already recorded (or ever amended) is corrected with
/// `amend`, which keeps the old value and asks why: a detail recorded here never overwrites.
pub fn plan_details(
    escalation: &Escalation,
    fields: &[(String, String)],
) -> Result<Vec<Change>, RecordError> {
    if fields.is_empty() {
        return Err(RecordError::new(
            "details",
            "give at least one detail to record",
        ));
    }
    let mut changes: Vec<Change> = Vec::new();
    for (field, value) in fields {
        let field = field.trim().to_lowercase().replace('_', "-");
        let Some(value) = super::record::check_detail(&field, value)? else {
            return Err(RecordError::new(
                &field,
                "is empty; give a value (to clear a recorded detail use escalate amend)",
            ));
        };
        if changes
            .iter()
            .any(|c| matches!(c, Change::Detail { field: f, .. } if *f == field))
        {
            return Err(RecordError::new(&field, "is given twice; give it once"));
        }
        let recorded = escalation.details.get(&field);
        if recorded.as_deref() == Some(value.as_str()) {
            continue;
        }
        if recorded.is_some() || escalation.amendments.iter().any(|a| a.field == field) {
            return Err(RecordError::new(
                &field,
                format!(
                    "is already recorded; correct it with escalate amend {} {field} VALUE --why TEXT, which keeps the old value",
                    escalation.id
                ),
            ));
        }
        changes.push(Change::Detail { field, value });
    }
    if changes.is_empty() {
        return Err(RecordError::new(
            "details",
            "every detail given is already recorded with that value; nothing to record",
        ));
    }
    Ok(changes)
}

/// The SHA-256 of a text, in lower-case hex: how an attached form is named in the audit trail.
pub fn sha256_hex(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A form (or a file) kept with the notification it was sent with. Its text is kept as it was
/// sent (tabs and line breaks allowed, no other control characters), up to 1 MiB.
pub fn plan_attach(notification: &str, name: &str, text: &str) -> Result<Change, RecordError> {
    let name = required_text("attach", name, false)?;
    if text.trim().is_empty() {
        return Err(RecordError::new(
            "attach",
            "is empty; attach the form as it was sent",
        ));
    }
    if text.len() > 1024 * 1024 {
        return Err(RecordError::new(
            "attach",
            "is larger than 1 MiB; attach the form's text, not a scan",
        ));
    }
    if let Some(c) = text
        .chars()
        .find(|&c| c.is_control() && !matches!(c, '\n' | '\t' | '\r'))
    {
        return Err(RecordError::new(
            "attach",
            format!(
                "contains a control character (U+{:04X}); attach a text form (text, Markdown or HTML)",
                u32::from(c)
            ),
        ));
    }
    Ok(Change::Attach {
        notification: notification.to_owned(),
        name,
        sha256: sha256_hex(text),
        text: text.to_owned(),
    })
}

/// What a correction asks to correct, as typed (see [`plan_correction`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Correcting {
    /// Discussion `discussion`'s notes should read `notes`.
    DiscussionNotes { discussion: i64, notes: String },
    /// Action `action`'s wording, owner or due date (as typed) should read `value`.
    Action {
        action: i64,
        kind: CorrectionKind,
        value: String,
    },
    /// Action `action` is no longer owed.
    CancelAction { action: i64 },
    /// Notification `notification` was recorded as sent in error.
    NotSent { notification: String },
    /// Notification `notification` was not needed (the reason is the correction's why).
    NotNeeded { notification: String },
    /// The latest stage move was made in error.
    UndoLastStage,
    /// The resolution or withdrawal was made in error.
    Reopen,
}

/// Plans one correction of `escalation` (its `schedule` for a notification not needed): the
/// thing corrected must be on the record and still read as it would be corrected from, a new
/// value must differ from the old, and the reason is required.
pub fn plan_correction(
    escalation: &Escalation,
    schedule: Option<&Schedule>,
    correcting: &Correcting,
    why: &str,
    now: DateTime<Utc>,
) -> Result<Change, RecordError> {
    let why = required_text("why", why, true)?;
    let id = escalation.id;
    let action = |action_id: i64| {
        escalation
            .actions
            .iter()
            .find(|a| a.id == action_id)
            .ok_or_else(|| {
                let ids: Vec<String> = escalation.actions.iter().map(|a| a.id.to_string()).collect();
                RecordError::new(
                    "action",
                    format!(
                        "escalation {id} has no action {action_id} owed or done; {} (see escalate show {id})",
                        if ids.is_empty() {
                            "it has none".to_owned()
                        } else {
                            format!("its actions are {}", ids.join(", "))
                        }
                    ),
                )
            })
    };
    let change = |kind, target_id, target: String, old_value, new_value| Change::Correct {
        kind,
        target_id,
        target,
        old_value,
        new_value,
        why: why.clone(),
    };
    let unchanged = |field: &str| RecordError::new(field, "already says that; nothing to correct");
    Ok(match correcting {
        Correcting::DiscussionNotes { discussion, notes } => {
            let Some(found) = escalation.discussions.iter().find(|d| d.id == *discussion) else {
                let ids: Vec<String> = escalation
                    .discussions
                    .iter()
                    .map(|d| d.id.to_string())
                    .collect();
                return Err(RecordError::new(
                    "discussion",
                    format!(
                        "escalation {id} has no discussion {discussion}; {} (see escalate show {id})",
                        if ids.is_empty() {
                            "it has none".to_owned()
                        } else {
                            format!("its discussions are {}", ids.join(", "))
                        }
                    ),
                ));
            };
            let notes = required_text("notes", notes, true)?;
            if notes == found.notes {
                return Err(unchanged("notes"));
            }
            change(
                CorrectionKind::DiscussionNotes,
                found.id,
                String::new(),
                Some(found.notes.clone()),
                Some(notes),
            )
        }
        Correcting::Action {
            action: action_id,
            kind,
            value,
        } => {
            let found = action(*action_id)?;
            let (field, old, new) = match kind {
                CorrectionKind::ActionWhat => (
                    "what",
                    found.what.clone(),
                    required_text("what", value, true)?,
                ),
                CorrectionKind::ActionOwner => (
                    "owner",
                    found.owner.clone(),
                    required_text("owner", value, false)?,
                ),
                CorrectionKind::ActionDue => (
                    "due",
                    found.due_on.to_string(),
                    parse_date(value)
                        .map_err(|e| RecordError::new("due", e.to_string()))?
                        .to_string(),
                ),
                _ => {
                    return Err(RecordError::new(
                        "correction",
                        "an action's wording, owner or due date can be corrected",
                    ));
                }
            };
            if old == new {
                return Err(unchanged(field));
            }
            change(*kind, found.id, String::new(), Some(old), Some(new))
        }
        Correcting::CancelAction { action: action_id } => {
            let found = action(*action_id)?;
            if let Some(done) = found.done_at {
                return Err(RecordError::new(
                    "action",
                    format!(
                        "action {action_id} was marked done at {}; a done action is not cancelled",
                        super::calendar::format_local(done)
                    ),
                ));
            }
            change(
                CorrectionKind::ActionCancelled,
                found.id,
                String::new(),
                Some(format!(
                    "{} (owner {}, due {})",
                    found.what, found.owner, found.due_on
                )),
                None,
            )
        }
        Correcting::NotSent { notification } => {
            let wanted = notification.trim();
            let Some(sent) = escalation.sent.iter().find(|s| s.notification == wanted) else {
                let ids: Vec<&str> = escalation
                    .sent
                    .iter()
                    .map(|s| s.notification.as_str())
                    .collect();
                return Err(RecordError::new(
                    "notification",
                    format!(
                        "escalation {id} has no notification \"{}\" recorded as sent; {}",
                        printable(wanted, false),
                        if ids.is_empty() {
                            "none is".to_owned()
                        } else {
                            format!("sent: {}", ids.join(", "))
                        }
                    ),
                ));
            };
            change(
                CorrectionKind::NotificationNotSent,
                0,
                sent.notification.clone(),
                Some(format!(
                    "sent {} by {}{}",
                    super::calendar::format_local(sent.sent_at),
                    sent.method,
                    sent.reference
                        .as_deref()
                        .map(|r| format!(", reference {r}"))
                        .unwrap_or_default()
                )),
                None,
            )
        }
        Correcting::NotNeeded { notification } => {
            let wanted = notification.trim();
            let schedule = schedule.ok_or_else(|| {
                RecordError::new("notification", "its schedule is not loaded yet")
            })?;
            let owed: Vec<&str> = schedule
                .outstanding_notifications()
                .filter(|n| n.state.is_live())
                .map(|n| &*n.id)
                .collect();
            if !owed.contains(&wanted) {
                return Err(RecordError::new(
                    "notification",
                    format!(
                        "escalation {id} does not owe a notification \"{}\"; {}",
                        printable(wanted, false),
                        if owed.is_empty() {
                            "none is outstanding".to_owned()
                        } else {
                            format!("outstanding: {}", owed.join(", "))
                        }
                    ),
                ));
            }
            change(
                CorrectionKind::NotificationNotNeeded,
                0,
                wanted.to_owned(),
                None,
                None,
            )
        }
        Correcting::UndoLastStage => {
            must_be_open(escalation, "moved back a stage (reopen it first)")?;
            let Some(last) = escalation.stage_changes.last() else {
                return Err(RecordError::new(
                    "stage",
                    format!("escalation {id} is at stage 1 and has no stage move to reverse"),
                ));
            };
            change(
                CorrectionKind::StageUndone,
                0,
                last.to_stage.to_string(),
                Some(format!(
                    "moved to stage {} at {} by {}: {}",
                    last.to_stage,
                    super::calendar::format_local(last.at),
                    last.by,
                    last.reason
                )),
                None,
            )
        }
        Correcting::Reopen => {
            let Some(outcome) = &escalation.outcome else {
                return Err(RecordError::new(
                    "escalation",
                    format!("escalation {id} is open; there is nothing to reopen"),
                ));
            };
            let was = match &**outcome {
                Outcome::Resolved { at, how, .. } => {
                    format!("resolved {}: {how}", super::calendar::format_local(*at))
                }
                Outcome::Withdrawn { at, why, .. } => {
                    format!("withdrawn {}: {why}", super::calendar::format_local(*at))
                }
            };
            let _ = now;
            change(CorrectionKind::Reopened, 0, String::new(), Some(was), None)
        }
    })
}

/// An action agreed in a discussion, as typed on one line of the discussion form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionInput {
    pub what: String,
    pub owner: String,
    pub due_on: NaiveDate,
}

/// A change asked for, from a form or the command line: typed, not yet checked against the
/// escalation. [`Request::plan`] turns it into [`Change`]s against the escalation as it stands;
/// the service does so inside the write transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    New(NewEscalationInput),
    /// Details the forms ask for, recorded where not yet recorded (see [`plan_details`]):
    /// (field, value as typed) pairs.
    Details {
        fields: Vec<(String, String)>,
    },
    /// A notification recorded as sent, with the form that was sent kept beside it (its text,
    /// and its SHA-256 in the audit trail).
    SentWithForm {
        notification: String,
        method: String,
        reference: Option<String>,
        at: DateTime<Utc>,
        /// The form's id, or the name of the file attached.
        name: String,
        text: String,
    },
    Discuss {
        input: DiscussionInput,
        actions: Vec<ActionInput>,
    },
    Advance {
        /// The stage to move to; the next one when `None` (see [`plan_advance_to`]).
        to: Option<u8>,
        reason: String,
        at: DateTime<Utc>,
    },
    /// A clock given an earlier due time on this escalation, with the reason.
    Tighten {
        clock: String,
        due_at: DateTime<Utc>,
        reason: String,
    },
    Resolve(ResolutionInput),
    Withdraw {
        why: String,
        at: DateTime<Utc>,
    },
    NotificationSent {
        notification: String,
        method: String,
        reference: Option<String>,
        at: DateTime<Utc>,
    },
    ActionDone {
        action_id: i64,
        at: DateTime<Utc>,
    },
    /// An agreed action on its own (the command line's `action add`): the due date as typed.
    AddAction {
        what: String,
        owner: String,
        due_on: String,
    },
    /// A clock marked met, with a note of how.
    ClockMet {
        clock: String,
        note: String,
        at: DateTime<Utc>,
    },
    Amend {
        field: String,
        value: String,
        why: String,
    },
    DelayReason {
        /// What is late: a clock's key, a notification's id, or `action N`.
        late: String,
        reason: String,
        at: DateTime<Utc>,
    },
    /// A follow-up discussion on a closed escalation ([`plan_follow_up`]).
    FollowUp(DiscussionInput),
    /// Corrections of what is recorded, each keeping the original, for one reason.
    Correct {
        corrections: Vec<Correcting>,
        why: String,
    },
}

impl Request {
    /// The changes this output makes to `escalation`, planned by the same core functions the
    /// command line calls: run by the form as it is typed, and again by the storage worker
    /// inside the write transaction. `schedule` is the escalation's, where one is known.
    pub fn plan(
        &self,
        escalation: &Escalation,
        procedures: &ProcedureSet,
        schedule: Option<&Schedule>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Change>, RecordError> {
        let procedure = || {
            procedures.get(&escalation.procedure).ok_or_else(|| {
                RecordError::new("procedure", "is no longer defined; restore its file")
            })
        };
        let schedule_of = schedule;
        let schedule = |field: &str| {
            schedule.ok_or_else(|| RecordError::new(field, "its schedule is not loaded yet"))
        };
        Ok(match self {
            Self::New(_) => {
                return Err(RecordError::new(
                    "escalation",
                    "a new escalation is recorded, not planned as a change",
                ));
            }
            Self::Discuss { input, actions } => {
                let mut changes = vec![plan_discussion(escalation, input, now)?];
                for action in actions {
                    changes.push(
                        plan_action(
                            escalation,
                            &action.what,
                            &action.owner,
                            &action.due_on.to_string(),
                        )
                        .map_err(|e| RecordError::new("actions", e.message))?,
                    );
                }
                changes
            }
            Self::Advance { to, reason, at } => {
                vec![plan_advance_to(
                    escalation,
                    procedure()?,
                    *to,
                    reason,
                    *at,
                    now,
                )?]
            }
            Self::Tighten {
                clock,
                due_at,
                reason,
            } => vec![plan_tighten(
                escalation,
                schedule("clock")?,
                clock,
                *due_at,
                reason,
            )?],
            Self::Resolve(input) => vec![plan_resolve(escalation, input, now)?],
            Self::Withdraw { why, at } => vec![plan_withdraw(escalation, why, *at, now)?],
            Self::NotificationSent {
                notification,
                method,
                reference,
                at,
            } => vec![plan_notification_sent(
                escalation,
                schedule("notification")?,
                notification,
                method,
                reference.as_deref(),
                *at,
                now,
            )?],
            Self::ActionDone { action_id, at } => {
                vec![plan_action_done(escalation, *action_id, *at, now)?]
            }
            Self::AddAction {
                what,
                owner,
                due_on,
            } => vec![plan_action(escalation, what, owner, due_on)?],
            Self::ClockMet { clock, note, at } => vec![plan_note(
                escalation,
                schedule("clock")?,
                NoteKind::ClockMet,
                clock,
                note,
                *at,
                now,
            )?],
            Self::DelayReason { late, reason, at } => vec![plan_note(
                escalation,
                schedule("late")?,
                NoteKind::DelayReason,
                late,
                reason,
                *at,
                now,
            )?],
            Self::FollowUp(input) => vec![plan_follow_up(escalation, input, now)?],
            Self::Details { fields } => plan_details(escalation, fields)?,
            Self::SentWithForm {
                notification,
                method,
                reference,
                at,
                name,
                text,
            } => {
                let sent = plan_notification_sent(
                    escalation,
                    schedule("notification")?,
                    notification,
                    method,
                    reference.as_deref(),
                    *at,
                    now,
                )?;
                let Change::NotificationSent { notification, .. } = &sent else {
                    return Err(RecordError::new("notification", "was not planned"));
                };
                let attach = plan_attach(notification, name, text)?;
                vec![sent, attach]
            }
            Self::Correct { corrections, why } => {
                if corrections.is_empty() {
                    return Err(RecordError::new("correction", "say what to correct"));
                }
                corrections
                    .iter()
                    .map(|c| plan_correction(escalation, schedule_of, c, why, now))
                    .collect::<Result<Vec<_>, _>>()?
            }
            Self::Amend { field, value, why } => {
                vec![plan_amend(
                    escalation,
                    procedure()?,
                    field,
                    value,
                    why,
                    now,
                )?]
            }
        })
    }
}

/// Where an escalation's record stood when a form was opened on it: how many rows of each kind
/// it held. The record is insert-only, so any change to the escalation (from this terminal or
/// another) adds a row and changes its version. A save carrying an older version is refused
/// rather than applied to a record the user has not seen (see [`Version::changes_since`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Version {
    pub stage: u8,
    pub stage_changes: usize,
    pub discussions: usize,
    pub actions: usize,
    pub actions_done: usize,
    pub notifications_sent: usize,
    pub notes: usize,
    pub amendments: usize,
    pub corrections: usize,
    pub is_closed: bool,
}

impl Version {
    pub fn of(escalation: &Escalation) -> Self {
        Self {
            stage: escalation.stage(),
            stage_changes: escalation.stage_changes.len(),
            discussions: escalation.discussions.len(),
            actions: escalation.actions.len(),
            actions_done: escalation
                .actions
                .iter()
                .filter(|a| a.done_at.is_some())
                .count(),
            notifications_sent: escalation.sent.len(),
            notes: escalation.notes.len(),
            amendments: escalation.amendments.len(),
            corrections: escalation.corrections.len(),
            is_closed: escalation.outcome.is_some(),
        }
    }

    /// What was recorded on the escalation between `self` (as a form saw it) and `now` (as it
    /// stands), in words: `moved from stage 1 to stage 2; 1 discussion recorded`. Empty when
    /// nothing changed.
    pub fn changes_since(&self, now: &Self) -> Vec<String> {
        let mut said = Vec::new();
        if now.stage != self.stage {
            said.push(format!(
                "moved from stage {} to stage {}",
                self.stage, now.stage
            ));
        }
        if now.is_closed && !self.is_closed {
            said.push("closed (resolved or withdrawn)".to_owned());
        }
        if self.is_closed && !now.is_closed {
            said.push("reopened".to_owned());
        }
        let counts = [
            (
                self.discussions,
                now.discussions,
                "discussion recorded",
                "discussions recorded",
            ),
            (self.actions, now.actions, "action agreed", "actions agreed"),
            (
                self.actions_done,
                now.actions_done,
                "action marked done",
                "actions marked done",
            ),
            (
                self.notifications_sent,
                now.notifications_sent,
                "notification recorded as sent",
                "notifications recorded as sent",
            ),
            (self.notes, now.notes, "note recorded", "notes recorded"),
            (
                self.amendments,
                now.amendments,
                "correction made",
                "corrections made",
            ),
            (
                self.corrections,
                now.corrections,
                "record corrected",
                "records corrected",
            ),
        ];
        for (before, after, one, many) in counts {
            if after != before {
                let added = after.abs_diff(before);
                said.push(format!("{added} {}", if added == 1 { one } else { many }));
            }
        }
        if said.is_empty() && now != self {
            said.push("its record changed".to_owned());
        }
        said
    }
}

/// A time as every store keeps it: to the millisecond (part of the storage port's contract).
pub fn as_stored(t: DateTime<Utc>) -> DateTime<Utc> {
    use chrono::SubsecRound;
    t.trunc_subsecs(3)
}

/// A new escalation just written (as `id`, by `actor` at `now`) as a store reads it back: the
/// start of the in-memory copy a bulk import keeps up to date, change by change, with
/// [`remember`], instead of reading each escalation back after every change.
pub fn as_written(id: i64, new: NewEscalation, actor: &str, now: DateTime<Utc>) -> Escalation {
    Escalation {
        id,
        procedure: new.procedure,
        partnership: new.partnership,
        child: new.child,
        raised_by: new.raised_by,
        agency: new.agency,
        raised_with: new.raised_with,
        category: new.category,
        summary: new.summary,
        outcome_sought: new.outcome_sought,
        concern_at: new.concern_at.map(as_stored),
        raised_at: as_stored(new.raised_at),
        immediate_risk: new.immediate_risk,
        recorded_by: actor.to_owned(),
        recorded_at: as_stored(now),
        stage_changes: Vec::new(),
        discussions: Vec::new(),
        actions: Vec::new(),
        sent: Vec::new(),
        notes: Vec::new(),
        outcome: None,
        amendments: Vec::new(),
        corrections: Vec::new(),
        details: super::record::Details::default(),
        attachments: Vec::new(),
        school: None,
    }
}

/// Applies a change just written (as row `row`) to the in-memory copy of its escalation, so that
/// it stays what a store reads back: each list in time order (a later row after an earlier one
/// at the same time), amendments applied.
pub fn remember(
    escalation: &mut Escalation,
    change: Change,
    row: i64,
    actor: &str,
    now: DateTime<Utc>,
) {
    let by = actor.to_owned();
    match change {
        Change::Advance {
            to_stage,
            at,
            reason,
        } => {
            let at = as_stored(at);
            let index = escalation.stage_changes.partition_point(|c| c.at <= at);
            escalation.stage_changes.insert(
                index,
                StageChange {
                    to_stage,
                    at,
                    by,
                    reason,
                },
            );
        }
        Change::Discuss {
            at,
            participants,
            mode,
            notes,
            decisions,
            is_agreement,
            stage,
        } => {
            let at = as_stored(at);
            let index = escalation.discussions.partition_point(|d| d.at <= at);
            escalation.discussions.insert(
                index,
                Discussion {
                    id: row,
                    at,
                    participants,
                    mode,
                    notes,
                    decisions,
                    is_agreement,
                    stage,
                    recorded_by: by,
                    recorded_at: as_stored(now),
                },
            );
        }
        Change::AddAction {
            what,
            owner,
            due_on,
        } => escalation.actions.push(AgreedAction {
            id: row,
            what,
            owner,
            due_on,
            done_at: None,
            done_by: None,
            recorded_by: by,
            recorded_at: as_stored(now),
        }),
        Change::CompleteAction { action_id, at } => {
            if let Some(action) = escalation.actions.iter_mut().find(|a| a.id == action_id) {
                action.done_at = Some(as_stored(at));
                action.done_by = Some(by);
            }
        }
        Change::NotificationSent {
            notification,
            at,
            method,
            reference,
        } => {
            let at = as_stored(at);
            let index = escalation.sent.partition_point(|s| s.sent_at <= at);
            escalation.sent.insert(
                index,
                SentNotification {
                    notification,
                    sent_at: at,
                    method,
                    reference,
                    recorded_by: by,
                    recorded_at: as_stored(now),
                },
            );
        }
        Change::Resolve {
            at,
            stage,
            how,
            learning,
            parents_informed,
            why_not,
            child_record_updated,
        } => {
            escalation.outcome = Some(Box::new(Outcome::Resolved {
                at: as_stored(at),
                stage,
                how,
                learning,
                parents_informed,
                why_not,
                child_record_updated,
                by,
            }));
        }
        Change::Withdraw { at, stage, why } => {
            escalation.outcome = Some(Box::new(Outcome::Withdrawn {
                at: as_stored(at),
                stage,
                why,
                by,
            }));
        }
        Change::Amend {
            field,
            old_value,
            new_value,
            why,
        } => {
            apply_amendment(escalation, &field, new_value.as_deref());
            escalation.amendments.push(Amendment {
                field,
                old_value,
                new_value,
                why,
                by,
                at: as_stored(now),
            });
        }
        Change::Correct {
            kind,
            target_id,
            target,
            old_value,
            new_value,
            why,
        } => {
            let correction = Correction {
                id: row,
                kind,
                target_id,
                target,
                old_value,
                new_value,
                why,
                by,
                at: as_stored(now),
            };
            apply_correction(escalation, &correction);
            escalation.corrections.push(correction);
        }
        Change::Detail { field, value } => escalation.details.set(&field, Some(&value)),
        Change::Attach {
            notification,
            name,
            sha256,
            text,
        } => escalation.attachments.push(super::record::Attachment {
            notification,
            name,
            sha256,
            text,
            recorded_by: by,
            recorded_at: as_stored(now),
        }),
        Change::Note {
            kind,
            clock,
            at,
            text,
        } => {
            let at = as_stored(at);
            let index = escalation.notes.partition_point(|n| n.at <= at);
            escalation.notes.insert(
                index,
                Note {
                    kind,
                    at,
                    clock,
                    text,
                    by,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14: a new action due in the past is questioned.
    #[test]
    fn an_action_due_before_today_is_questioned() {
        let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        let today = day("2026-12-02");
        assert_eq!(check_action_due(today, today), Ok(()));
        assert_eq!(check_action_due(day("2027-03-12"), today), Ok(()));
        let error = check_action_due(day("2026-12-01"), today).unwrap_err();
        assert_eq!(error.field, "due");
        assert!(
            error.message.starts_with("Tue 1 Dec 2026 is in the past"),
            "{error}"
        );
        assert!(error.message.contains("--past-due"), "{error}");
    }
}
