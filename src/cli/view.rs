//! How escalations read on the command line, as text and as JSON.
//!
//! Text from the database goes through [`printable`] before it is printed, so that a control
//! character or escape sequence stored by some other tool can never drive the terminal. The JSON
//! shape is documented in README.md and kept stable.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use crate::core::audit::AuditEntry;
use crate::core::calendar::{Calendar, format_local, format_rfc3339};
use crate::core::deadline::{
    ClockState, ClockStatus, Countdown, IMMEDIATE_RISK_KEY, Schedule, Status,
};
use crate::core::overdue::{is_action_overdue, is_overdue};
use crate::core::procedure::Procedure;
use crate::core::record::{Escalation, Outcome, printable};

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
        "status": match escalation.outcome {
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

pub fn audit_json(trail: &[AuditEntry]) -> Value {
    Value::Array(
        trail
            .iter()
            .map(|a| {
                json!({
                    "id": a.id, "at": time(a.at), "written_at": a.written_at.map(time),
                    "by": a.actor, "action": a.action, "summary": a.summary, "hash": a.hash,
                })
            })
            .collect(),
    )
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
pub fn escalation_json(
    escalation: &Escalation,
    procedure: &Procedure,
    schedule: &Schedule,
    now: DateTime<Utc>,
    trail: Option<&[AuditEntry]>,
) -> Value {
    let partnership = procedure
        .notified_body(escalation.partnership.as_deref())
        .map(|p| json!({ "id": p.id, "name": p.name }));
    let clocks: Vec<Value> = schedule
        .clocks
        .iter()
        .map(|c| {
            json!({
                "key": c.key, "name": c.name, "stage": c.stage, "timescale": c.timescale.to_string(),
                "started_at": c.started_at.map(time), "is_provisional": c.is_provisional,
                "due": c.due_at.map(time), "state": c.state, "ended_at": c.ended_at.map(time),
                "form": c.form, "reason_required": c.is_reason_required,
                "act_now": c.is_act_now, "tightened_from": c.tightened_from.map(time),
            })
        })
        .collect();
    let notifications: Vec<Value> = schedule
        .notifications
        .iter()
        .map(|n| {
            let sent = escalation.sent.iter().find(|s| s.notification == n.id);
            json!({
                "id": n.id, "name": n.name, "form": n.form, "recipient": n.recipient,
                "recipients": n.recipients, "contact": n.contact, "stage": n.stage,
                "triggered_at": time(n.triggered_at), "counted_from": time(n.counted_from),
                "due": time(n.due_at), "state": n.state, "act_now": n.is_act_now,
                "sent_at": n.sent_at.map(time), "method": sent.map(|s| s.method.as_str()),
                "reference": sent.and_then(|s| s.reference.clone()),
            })
        })
        .collect();
    let actions: Vec<Value> = escalation
        .actions
        .iter()
        .map(|a| {
            json!({
                "id": a.id, "what": a.what, "owner": a.owner, "due_on": a.due_on.to_string(),
                "done_at": a.done_at.map(time), "done_by": a.done_by,
                "is_overdue": is_action_overdue(a, now),
            })
        })
        .collect();
    let stages: Vec<Value> = schedule
        .stages
        .iter()
        .map(|p| {
            let change = escalation
                .stage_changes
                .iter()
                .find(|c| c.to_stage == p.stage);
            json!({
                "stage": p.stage, "name": procedure.stage(p.stage).map(|s| s.name.clone()),
                "entered_at": time(p.entered_at), "left_at": p.left_at.map(time),
                "by": change.map_or(escalation.recorded_by.as_str(), |c| c.by.as_str()),
                "reason": change.map(|c| c.reason.clone()),
            })
        })
        .collect();
    let outcome = escalation.outcome.as_ref().map(|o| match o {
        Outcome::Resolved {
            at,
            stage,
            how,
            learning,
            parents_informed,
            why_not,
            child_record_updated,
            by,
        } => json!({
            "kind": "resolved", "at": time(*at), "stage": stage, "how": how, "learning": learning,
            "parents_informed": parents_informed, "why_not": why_not,
            "child_record_updated": child_record_updated, "by": by,
        }),
        Outcome::Withdrawn { at, stage, why, by } => json!({
            "kind": "withdrawn", "at": time(*at), "stage": stage, "why": why, "by": by,
        }),
    });
    let mut value = json!({
        "id": escalation.id,
        "procedure": procedure.id,
        "partnership": partnership,
        "stage": schedule.stage,
        "stage_name": procedure.stage(schedule.stage).map(|s| s.name.clone()),
        "status": status_word(schedule.status),
        "child": {
            "name": escalation.child.name,
            "dob": escalation.child.dob.map(|d| d.to_string()),
            "reference": escalation.child.reference,
        },
        "raised_by": escalation.raised_by,
        "agency": escalation.agency,
        "raised_with": escalation.raised_with,
        "category": escalation.category.as_str(),
        "summary": escalation.summary,
        "outcome_sought": escalation.outcome_sought,
        "details": escalation.details,
        "attachments": escalation
            .attachments
            .iter()
            .map(|a| {
                let mut value = serde_json::to_value(a).unwrap_or_default();
                // A kept form whose notification was corrected as not sent: kept, withdrawn.
                value["withdrawn"] = crate::core::form::withdrawal(escalation, a)
                    .map_or(serde_json::Value::Null, |c| {
                        json!({ "correction": c.id, "why": c.why, "by": c.by, "at": time(c.at) })
                    });
                value
            })
            .collect::<Vec<_>>(),
        "concern_at": escalation.concern_at.map(time),
        "raised_at": time(escalation.raised_at),
        "immediate_risk": escalation.immediate_risk,
        "is_overdue": is_overdue(escalation, schedule, now),
        "clocks": clocks,
        "notifications": notifications,
        "actions": actions,
        "stages": stages,
        "outcome": outcome,
        "amendments": escalation.amendments.iter().map(|a| json!({
            "field": a.field, "old_value": a.old_value, "new_value": a.new_value,
            "why": a.why, "by": a.by, "at": time(a.at),
        })).collect::<Vec<_>>(),
        "corrections": escalation.corrections.iter().map(|c| json!({
            "id": c.id, "kind": c.kind.as_str(), "target_id": c.target_id, "target": c.target,
            "old_value": c.old_value, "new_value": c.new_value,
            "why": c.why, "by": c.by, "at": time(c.at), "summary": c.describe(),
        })).collect::<Vec<_>>(),
    });
    if let (Some(trail), Some(object)) = (trail, value.as_object_mut()) {
        let discussions: Vec<Value> = escalation
            .discussions
            .iter()
            .rev()
            .map(|d| {
                json!({
                    "id": d.id, "at": time(d.at), "with": d.participants, "mode": d.mode.as_str(),
                    "notes": d.notes, "decisions": d.decisions, "agreed": d.is_agreement, "stage": d.stage,
                    "recorded_by": d.recorded_by, "recorded_at": time(d.recorded_at),
                })
            })
            .collect();
        object.insert("discussions".to_owned(), Value::Array(discussions));
        object.insert("history".to_owned(), audit_json(trail));
        if let Some(last) = trail.last() {
            object.insert(
                "last_changed".to_owned(),
                json!({ "by": last.actor, "at": time(last.at) }),
            );
        }
    }
    if let (Some(school), Some(object)) = (&escalation.school, value.as_object_mut()) {
        object.insert("school".to_owned(), json!(school));
    }
    value
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
            .any(|c| c.key == IMMEDIATE_RISK_KEY && c.is_act_now && c.state.is_live());
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
                .filter(|n| n.clock == clock.key && Some(n.at) == clock.due_at)
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
                let record = escalation.sent.iter().find(|s| s.notification == n.id);
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
        match outcome {
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
