//! The commands that read and write escalations: each checks its input through the core's
//! rules, writes through the store in one transaction, and prints text or JSON.
//!
//! Input is checked before the database is opened where it can be, so that a typing mistake
//! cannot touch the file at all.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::args::{
    ActionArgs, ActionCommand, AdvanceArgs, AmendArgs, BackupArgs, DelayArgs, DiscussArgs,
    HistoryArgs, IdArgs, ListArgs, MetArgs, NewArgs, NotifyArgs, ResolveArgs, WithdrawArgs,
};
use super::view;
use super::{CliError, Context};
use crate::core::calendar::format_local;
use crate::core::change::{DiscussionInput, Request, ResolutionInput, parse_yes_no};
use crate::core::deadline::{ClockState, Schedule, schedule};
use crate::core::procedure::Procedure;
use crate::core::record::{Escalation, NewEscalationInput, RecordError};
use crate::core::time::{parse_date, parse_instant};
use crate::service::{self, Applied, Rules, ServiceError, Subject, Written};
use crate::storage::{Filter, Store};

/// Reads an optional time option, naming the option in any error.
fn time_option(option: &str, value: Option<&str>) -> Result<Option<DateTime<Utc>>, CliError> {
    value
        .map(|text| parse_instant(text).map_err(|e| CliError(format!("{option}: {e}"))))
        .transpose()
}

/// Reads an escalation id.
pub fn parse_id(text: &str) -> Result<i64, CliError> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            CliError(format!(
                "\"{}\" is not an escalation id; ids are whole numbers, see escalate list",
                text.escape_debug()
            ))
        })
}

/// The options whose names match a record field, so that an error can name the option.
const OPTIONS: &[&str] = &[
    "child",
    "dob",
    "child-ref",
    "raised-by",
    "agency",
    "raised-with",
    "partnership",
    "category",
    "summary",
    "outcome-sought",
    "concern-at",
    "raised-at",
    "reason",
    "with",
    "mode",
    "notes",
    "decisions",
    "at",
    "what",
    "owner",
    "due",
    "method",
    "reference",
    "how",
    "learning",
    "why-not",
    "why",
    "note",
    "parents-informed",
    "child-record-updated",
];

fn refused(error: RecordError) -> CliError {
    if OPTIONS.contains(&error.field.as_str()) {
        CliError(format!("--{error}"))
    } else {
        CliError(error.message)
    }
}

/// The escalation's schedule as of now.
pub fn schedule_of(
    context: &mut Context,
    escalation: &Escalation,
    procedure: &Procedure,
) -> Result<Schedule, CliError> {
    let now = context.now;
    let config = context.config()?;
    schedule(
        procedure,
        &config.calendar,
        &config.settings,
        &escalation.events(),
        now,
    )
    .map_err(|e| CliError(format!("escalation {}: {e}", escalation.id)))
}

pub fn new(context: &mut Context, args: NewArgs) -> Result<String, CliError> {
    let procedures = context.procedures()?;
    let procedure = super::commands::find_procedure(&procedures, &args.procedure)?;
    let input = NewEscalationInput {
        procedure: procedure.id.clone(),
        partnership: args.partnership,
        child_name: args.child,
        child_dob: args
            .dob
            .as_deref()
            .map(parse_date)
            .transpose()
            .map_err(|e| CliError(format!("--dob: {e}")))?,
        child_ref: args.child_ref,
        raised_by: args.raised_by,
        agency: args.agency,
        raised_with: args.raised_with,
        category: args.category,
        summary: args.summary,
        outcome_sought: args.outcome_sought,
        concern_at: time_option("--concern-at", args.concern_at.as_deref())?,
        raised_at: time_option("--raised-at", args.raised_at.as_deref())?,
        immediate_risk: args.immediate_risk,
    };
    let checked = input.check(procedure, context.now).map_err(refused)?;
    let actor = context.actor()?;
    let now = context.now;
    let store = context.store()?;
    let id = match service::create(store, &procedures, &actor, now, &input) {
        Ok(id) => id,
        Err(ServiceError::Refused(r)) => return Err(refused(r)),
        Err(other) => return Err(other.into()),
    };
    if context.json {
        return Ok(format!("{}\n", json!({ "id": id })));
    }
    let mut out = format!("{id}\n");
    if checked.immediate_risk {
        let _ = writeln!(
            out,
            "Immediate risk: {} When it is done: escalate met {id} immediate-risk --note \"...\"",
            procedure.immediate_risk
        );
    }
    Ok(out)
}

/// Loads an escalation and its procedure.
fn load(context: &mut Context, id: i64) -> Result<(Escalation, Procedure), CliError> {
    let escalation = context.existing_store()?.escalation(id)?;
    let procedures = context.procedures()?;
    let procedure = procedures.get(&escalation.procedure).cloned().ok_or_else(|| {
        CliError(format!(
            "escalation {id} follows procedure \"{}\", which is no longer defined; restore its file in the procedures folder",
            escalation.procedure
        ))
    })?;
    Ok((escalation, procedure))
}

pub fn list(context: &mut Context, args: ListArgs) -> Result<String, CliError> {
    let stage = args
        .stage
        .as_deref()
        .map(|s| {
            s.trim()
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=9).contains(n))
                .ok_or_else(|| {
                    CliError(format!(
                        "--stage: \"{}\" is not a stage number; use 1 to 4",
                        s.escape_debug()
                    ))
                })
        })
        .transpose()?;
    // A database not yet created holds no escalations; listing does not create it.
    let escalations = if context.db_path()?.exists() {
        // Overdue includes closed escalations that still owe a notification.
        context.store()?.escalations(Filter {
            include_closed: args.all || args.overdue,
            stage,
        })?
    } else {
        Vec::new()
    };
    let procedures = context.procedures()?;
    let mut rows = Vec::new();
    for escalation in escalations {
        let Some(procedure) = procedures.get(&escalation.procedure) else {
            continue;
        };
        let schedule = schedule_of(context, &escalation, procedure)?;
        if args.overdue && !crate::core::overdue::is_overdue(&escalation, &schedule, context.now) {
            continue;
        }
        rows.push((escalation, procedure.clone(), schedule));
    }
    // Most urgent first: immediate risk, then the soonest live deadline, then the rest by id.
    rows.sort_by_key(|(e, _, s)| {
        let next = s.most_urgent_clock().and_then(|c| c.due_at);
        (
            !e.is_open(),
            !(e.immediate_risk && e.is_open()),
            next.is_none(),
            next,
            e.id,
        )
    });
    if context.json {
        let list: Vec<Value> = rows
            .iter()
            .map(|(e, p, s)| view::escalation_json(e, p, s, context.now, None))
            .collect();
        return Ok(serde_json::to_string_pretty(&list).unwrap_or_default() + "\n");
    }
    if rows.is_empty() {
        return Ok(match (args.overdue, args.all) {
            (true, _) => "Nothing is overdue.\n".to_owned(),
            (false, true) => "No escalations yet. Record one with escalate new, or try escalate demo on a new database.\n".to_owned(),
            (false, false) => "No open escalations. Record one with escalate new; escalate list --all shows closed ones.\n".to_owned(),
        });
    }
    let calendar = context.config()?.calendar.clone();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>4}  {:<5}  {:<37}  {:<16}  CHILD / RAISED WITH",
        "ID", "STAGE", "NEXT DEADLINE", "PROCEDURE"
    );
    for (escalation, procedure, schedule) in &rows {
        let _ = writeln!(
            out,
            "{}",
            view::list_line(&calendar, escalation, procedure, schedule, context.now)
        );
    }
    Ok(out)
}

pub fn show(context: &mut Context, args: IdArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let (escalation, procedure) = load(context, id)?;
    let schedule = schedule_of(context, &escalation, &procedure)?;
    let trail = context.existing_store()?.audit_trail(Some(id))?;
    if context.json {
        let value = view::escalation_json(
            &escalation,
            &procedure,
            &schedule,
            context.now,
            Some(&trail),
        );
        return Ok(serde_json::to_string_pretty(&value).unwrap_or_default() + "\n");
    }
    let calendar = context.config()?.calendar.clone();
    Ok(view::escalation_text(
        &calendar,
        &escalation,
        &procedure,
        &schedule,
        context.now,
        &trail,
    ))
}

pub fn history(context: &mut Context, args: HistoryArgs) -> Result<String, CliError> {
    let id = args.id.as_deref().map(parse_id).transpose()?;
    let store = context.existing_store()?;
    if let Some(id) = id {
        store.escalation(id)?;
    }
    let trail = store.audit_trail(id)?;
    if context.json {
        return Ok(
            serde_json::to_string_pretty(&view::audit_json(&trail)).unwrap_or_default() + "\n",
        );
    }
    Ok(view::audit_text(&trail))
}

/// Writes a requested change through the service and reports it.
fn apply(context: &mut Context, id: i64, request: Request) -> Result<String, CliError> {
    let procedures = context.procedures()?;
    let actor = context.actor()?;
    let now = context.now;
    let config = context.config()?.clone();
    let json = context.json;
    let rules = Rules {
        procedures: &procedures,
        calendar: &config.calendar,
        settings: &config.settings,
    };
    let store = context.existing_store()?;
    let subject = Subject::Escalation { id, seen: None };
    let applied = service::apply(store, &rules, &actor, now, subject, &request);
    let written = match applied {
        Ok(Applied::Changed { written, .. }) => written,
        Ok(Applied::Created { .. }) => Vec::new(),
        Err(ServiceError::Refused(r)) => return Err(refused(r)),
        Err(other) => return Err(other.into()),
    };
    let Some(Written { change, row }) = written.into_iter().next_back() else {
        return Err(CliError(format!("escalation {id}: nothing was written")));
    };
    if json {
        return Ok(format!(
            "{}\n",
            json!({ "id": id, "change": change.kind(), "summary": change.describe(), "row": row })
        ));
    }
    let mut out = format!(
        "Escalation {id}: {}\n",
        crate::core::record::printable(&change.describe(), false)
    );
    if let crate::core::change::Change::AddAction { .. } = change {
        let _ = writeln!(
            out,
            "Action id {row}; mark it done with: escalate action done {id} {row}"
        );
    }
    // Say what the change set off: new clocks and notifications now owed.
    let (escalation, procedure) = load(context, id)?;
    let schedule = schedule_of(context, &escalation, &procedure)?;
    for n in schedule.outstanding_notifications() {
        let _ = writeln!(
            out,
            "  Owed: {} ({}) to {}, due {}{}",
            n.id,
            n.name,
            crate::core::record::printable(&n.recipient, false),
            format_local(n.due_at),
            if n.state == ClockState::Overdue {
                " OVERDUE"
            } else {
                ""
            }
        );
    }
    if let Some(clock) = schedule.most_urgent_clock() {
        let _ = writeln!(
            out,
            "  Next deadline: {}",
            view::clock_summary(&config.calendar, clock, context.now)
        );
    }
    Ok(out)
}

pub fn advance(context: &mut Context, args: AdvanceArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let at = time_option("--at", args.at.as_deref())?.unwrap_or(context.now);
    let request = Request::Advance {
        reason: args.reason,
        at,
    };
    apply(context, id, request)
}

pub fn discuss(context: &mut Context, args: DiscussArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let input = DiscussionInput {
        participants: args.participants,
        mode: args.mode,
        notes: args.notes,
        decisions: args.decisions,
        is_agreement: args.agreed,
        at: time_option("--at", args.at.as_deref())?,
    };
    let request = Request::Discuss {
        input,
        actions: Vec::new(),
    };
    apply(context, id, request)
}

pub fn action(context: &mut Context, args: ActionArgs) -> Result<String, CliError> {
    let now = context.now;
    match args.action {
        ActionCommand::Add {
            id,
            what,
            owner,
            due,
        } => {
            let id = parse_id(&id)?;
            let request = Request::AddAction {
                what,
                owner,
                due_on: due,
            };
            apply(context, id, request)
        }
        ActionCommand::Done { id, action_id, at } => {
            let id = parse_id(&id)?;
            let action_id = action_id.trim().parse::<i64>().map_err(|_| {
                CliError(format!(
                    "\"{}\" is not an action id; see escalate show {id}",
                    action_id.escape_debug()
                ))
            })?;
            let at = time_option("--at", at.as_deref())?.unwrap_or(now);
            apply(context, id, Request::ActionDone { action_id, at })
        }
    }
}

pub fn notify(context: &mut Context, args: NotifyArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let at = time_option("--at", args.at.as_deref())?.unwrap_or(context.now);
    let request = Request::NotificationSent {
        notification: args.notification,
        method: args.method,
        reference: args.reference,
        at,
    };
    apply(context, id, request)
}

pub fn met(context: &mut Context, args: MetArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let at = time_option("--at", args.at.as_deref())?.unwrap_or(context.now);
    let request = Request::ClockMet {
        clock: args.clock,
        note: args.note,
        at,
    };
    apply(context, id, request)
}

pub fn delay(context: &mut Context, args: DelayArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let at = time_option("--at", args.at.as_deref())?.unwrap_or(context.now);
    let request = Request::DelayReason {
        late: String::new(),
        reason: args.reason,
        at,
    };
    apply(context, id, request)
}

pub fn resolve(context: &mut Context, args: ResolveArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let yes_no = |field: &str, value: Option<&str>| {
        value
            .map(|v| parse_yes_no(field, v))
            .transpose()
            .map_err(refused)
    };
    let input = ResolutionInput {
        how: args.how,
        learning: args.learning,
        parents_informed: yes_no("parents-informed", args.parents_informed.as_deref())?,
        why_not: args.why_not,
        child_record_updated: yes_no("child-record-updated", args.child_record_updated.as_deref())?,
        at: time_option("--at", args.at.as_deref())?,
    };
    apply(context, id, Request::Resolve(input))
}

pub fn withdraw(context: &mut Context, args: WithdrawArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let at = time_option("--at", args.at.as_deref())?.unwrap_or(context.now);
    let request = Request::Withdraw { why: args.why, at };
    apply(context, id, request)
}

pub fn amend(context: &mut Context, args: AmendArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let request = Request::Amend {
        field: args.field,
        value: args.value,
        why: args.why,
    };
    apply(context, id, request)
}

pub fn verify(context: &mut Context) -> Result<String, CliError> {
    let json = context.json;
    let store = context.existing_store()?;
    let report = store.verify()?;
    if json {
        let text = json!({ "ok": report.problem.is_none(), "entries": report.entries, "problem": report.problem });
        return match report.problem {
            None => Ok(format!("{text}\n")),
            Some(_) => Err(CliError(text.to_string())),
        };
    }
    match report.problem {
        None => Ok(format!(
            "OK: SQLite integrity check passed; all {} audit entries chain and match their records.\n",
            report.entries
        )),
        Some(problem) => Err(CliError(format!("verification failed: {problem}"))),
    }
}

pub fn backup(context: &mut Context, args: BackupArgs) -> Result<String, CliError> {
    let store = context.existing_store()?;
    store.backup(&args.file).map_err(|e| match e {
        crate::storage::StoreError::Refused(r) => CliError(r.message),
        other => other.into(),
    })?;
    Ok(format!(
        "Backed up to {} (readable only by you).\n",
        args.file.display()
    ))
}
