//! What is overdue: one rule, used everywhere the word appears. The dashboard's header, lane
//! headings and cards, `escalate list --overdue`, the morning review and the JSON all ask here,
//! so they cannot disagree about an escalation (they once did: an agreed action a day late made
//! `list --overdue` and the review report an escalation the dashboard counted as on time).
//!
//! Something is overdue as of `now` when it is still to be done and its due time has passed:
//! - a **clock** still running (live) past its due time; the immediate-risk clock only while the
//!   escalation is open and flagged as an immediate risk (once it is closed, nothing runs);
//! - a **notification** triggered and not sent, past its due time, closed escalation or not;
//! - an **agreed action** not done whose due date is before today (UK date): an action is due by
//!   the end of its date, so it turns late at midnight UK time (see [`action_due_at`]).
//!
//! Pure: `now` is an argument, and the state stored in a schedule is not trusted (a schedule a
//! few seconds old still answers right).

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use super::calendar::{local_date, local_instant};
use super::deadline::{ClockStatus, IMMEDIATE_RISK_KEY, NotificationStatus, Schedule, Status};
use super::record::{AgreedAction, Escalation};

/// Whether `clock` of `escalation` is overdue as of `now`.
pub fn is_clock_overdue(
    escalation: &Escalation,
    schedule: &Schedule,
    clock: &ClockStatus,
    now: DateTime<Utc>,
) -> bool {
    if *clock.key == *IMMEDIATE_RISK_KEY
        && !(escalation.immediate_risk && schedule.status == Status::Open)
    {
        return false;
    }
    clock.state.is_live() && clock.due_at.is_some_and(|due| now > due)
}

/// Whether `notification` is owed and overdue as of `now`.
pub fn is_notification_overdue(notification: &NotificationStatus, now: DateTime<Utc>) -> bool {
    // A notification corrected as not needed is stopped: it is owed no longer.
    notification.sent_at.is_none()
        && notification.state != super::deadline::ClockState::Stopped
        && now > notification.due_at
}

/// Whether `action` is not done and its due date has passed as of `now` (UK date).
pub fn is_action_overdue(action: &AgreedAction, now: DateTime<Utc>) -> bool {
    action.done_at.is_none() && action.due_on < local_date(now)
}

/// Midnight (UK time) at the end of `due_on`: when an action due that day turns late.
pub fn action_due_at(due_on: NaiveDate) -> DateTime<Utc> {
    let next = due_on.succ_opt().unwrap_or(due_on);
    local_instant(next, NaiveTime::MIN)
}

/// Whether anything on `escalation` is overdue as of `now` (see the module documentation).
pub fn is_overdue(escalation: &Escalation, schedule: &Schedule, now: DateTime<Utc>) -> bool {
    schedule
        .clocks
        .iter()
        .any(|c| is_clock_overdue(escalation, schedule, c, now))
        || schedule
            .notifications
            .iter()
            .any(|n| is_notification_overdue(n, now))
        || escalation.actions.iter().any(|a| is_action_overdue(a, now))
}

/// Whether nothing about `escalation` can ever be overdue again: it is closed, owes no
/// notification and has no agreed action left undone. The dashboard stops loading a settled
/// escalation; one that is not settled is still looked at, since an action left undone slips.
pub fn is_settled(escalation: &Escalation, schedule: &Schedule) -> bool {
    schedule.status != Status::Open
        && schedule.outstanding_notifications().next().is_none()
        && escalation.actions.iter().all(|a| a.done_at.is_some())
}
