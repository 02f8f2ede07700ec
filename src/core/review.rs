//! The morning review: every item on the caseload that needs the DSL's attention as of now, most
//! urgent first, for the dashboard's guided walk (`R`) and for `escalate review`.
//!
//! Pure like the rest of the core: it reads no clock and no database. It takes escalations with
//! the [`Schedule`]s the deadline engine derived for them, the [`Calendar`], `now` and a
//! [`Horizon`], and returns a [`Review`]. Start at [`review`].
//!
//! What is listed, and in which [`Group`]:
//! - **Immediate risk**: every *open* escalation flagged as an immediate risk of significant
//!   harm, with its immediate-risk clock (met or not: the flag alone earns a look each morning).
//!   A clock due at once reads `ACT NOW` until it is recorded as met.
//! - **Clocks** that are still running (live) and overdue, due today, or due within the horizon.
//!   A clock due later is not listed; nothing needs doing about it yet.
//! - **Notifications** triggered and not sent: overdue, due today, within the horizon, or else
//!   merely outstanding. Closed escalations that still owe one are listed too, as the dashboard
//!   and `list --overdue` treat them.
//! - **Agreed actions** not done: slipping once their due date has passed (`due_on` before
//!   today, UK date), due today on the day, and within the horizon up to its last date. Actions of
//!   closed escalations count too, as they do for `list --overdue`.
//!
//! Whether an item is late is decided by [`super::overdue`], the one rule the dashboard and
//! `list --overdue` use too.
//!
//! The order is fixed: immediate risk, overdue clocks, overdue notifications, slipping actions,
//! due today, due within the horizon, then the rest outstanding; within a group by due time, then
//! escalation id (then the kind of item and its key, so that the order never depends on input).
//!
//! **Horizon.** A number of working days: `Nd` reaches to close of business on the Nth working
//! day after today (UK date), counted as every other working-day deadline is. So `1d` (the
//! default) is "today and the next working day": on a Friday it reaches Monday's close of
//! business, on a bank-holiday Monday the Tuesday's. `0d` is today only. It is the same reach as
//! the dashboard's "due soon" band at its default of one working day.
//!
//! **An action's due time.** An action has a due *date*. It is due by the end of that date, so
//! its due instant is midnight (UK time) at the start of the next day: it turns overdue exactly
//! when `due_on` is before today, and its lateness is counted from that midnight.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::calendar::{Calendar, local_date};
use super::deadline::{ClockState, Countdown, IMMEDIATE_RISK_KEY, Schedule, Status};
use super::overdue::{action_due_at, is_action_overdue, is_clock_overdue, is_notification_overdue};
use super::record::{Escalation, RecordError};

/// How far ahead the review looks, in working days (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Horizon {
    working_days: u32,
}

impl Horizon {
    /// `1d`: through close of business on the next working day.
    pub const DEFAULT: Self = Self { working_days: 1 };
    /// The furthest a review looks: four working weeks. Further is planning, not a review.
    pub const MAX_WORKING_DAYS: u32 = 20;

    pub fn new(working_days: u32) -> Result<Self, RecordError> {
        if working_days > Self::MAX_WORKING_DAYS {
            return Err(RecordError::new(
                "horizon",
                format!(
                    "{working_days} working days is too far; a review looks at most {}d ahead",
                    Self::MAX_WORKING_DAYS
                ),
            ));
        }
        Ok(Self { working_days })
    }

    pub fn working_days(self) -> u32 {
        self.working_days
    }

    /// The last UK date the horizon reaches: the Nth working day after today (today for `0d`).
    pub fn last_date(self, calendar: &Calendar, now: DateTime<Utc>) -> NaiveDate {
        calendar.add_working_days(local_date(now), self.working_days)
    }

    /// When the horizon ends: close of business on [`Horizon::last_date`].
    pub fn ends_at(self, calendar: &Calendar, now: DateTime<Utc>) -> DateTime<Utc> {
        calendar.close_of_business_on(self.last_date(calendar, now))
    }
}

impl Default for Horizon {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// `1d`, as typed.
impl fmt::Display for Horizon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}d", self.working_days)
    }
}

impl Serialize for Horizon {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Reads `1d`, `0d`, `5d` (also `1 working day`, `3 working days`; any case, spaces ignored
/// around the number).
impl FromStr for Horizon {
    type Err = RecordError;

    fn from_str(text: &str) -> Result<Self, RecordError> {
        let wanted = text.trim().to_lowercase();
        let number = ["working days", "working day", "d"]
            .iter()
            .find_map(|unit| wanted.strip_suffix(unit))
            .map(str::trim)
            .and_then(|n| n.parse::<u32>().ok());
        match number {
            Some(n) => Self::new(n),
            None => Err(RecordError::new(
                "horizon",
                format!(
                    "\"{}\" is not a horizon; give a number of working days: 1d (today and the next working day), 0d (today only), up to {}d",
                    super::record::printable(text.trim(), false),
                    Self::MAX_WORKING_DAYS
                ),
            )),
        }
    }
}

/// Where an item stands in the review, most urgent first: the order of the variants is the order
/// of the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// An open escalation flagged as an immediate risk of significant harm.
    ImmediateRisk,
    OverdueClock,
    OverdueNotification,
    /// An agreed action not done, its due date past.
    SlippingAction,
    /// A clock, notification or action due today (UK date), not yet overdue.
    DueToday,
    /// Due after today, by the end of the horizon.
    DueWithinHorizon,
    /// A notification owed but not due until after the horizon.
    Outstanding,
}

impl Group {
    pub const ALL: &[Self] = &[
        Self::ImmediateRisk,
        Self::OverdueClock,
        Self::OverdueNotification,
        Self::SlippingAction,
        Self::DueToday,
        Self::DueWithinHorizon,
        Self::Outstanding,
    ];

    /// The group's heading in a report or on screen.
    pub fn heading(self) -> &'static str {
        match self {
            Self::ImmediateRisk => "Immediate risk",
            Self::OverdueClock => "Overdue",
            Self::OverdueNotification => "Notifications overdue",
            Self::SlippingAction => "Actions slipping",
            Self::DueToday => "Due today",
            Self::DueWithinHorizon => "Due within the horizon",
            Self::Outstanding => "Notifications outstanding",
        }
    }
}

/// What is due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Subject {
    /// The immediate-risk clock of a flagged escalation: escalate through safeguarding procedures
    /// the same working day. `state` says whether that has been done (met) or is still live.
    ImmediateRisk { name: String, state: ClockState },
    /// A live clock; `key` as [`crate::core::deadline::ClockStatus::key`].
    Clock {
        key: String,
        name: String,
        stage: Option<u8>,
        form: Option<String>,
    },
    /// A notification triggered and not sent; `id` as the procedure names it.
    Notification {
        id: String,
        name: String,
        form: Option<String>,
        recipient: String,
    },
    /// An agreed action not done.
    Action {
        id: i64,
        what: String,
        owner: String,
        due_on: NaiveDate,
    },
}

impl Subject {
    /// The order of kinds within a group, after due time and escalation id.
    fn rank(&self) -> (u8, String) {
        match self {
            Self::ImmediateRisk { .. } => (0, String::new()),
            Self::Clock { key, .. } => (1, key.clone()),
            Self::Notification { id, .. } => (2, id.clone()),
            Self::Action { id, .. } => (3, format!("{id:020}")),
        }
    }

    /// The kind as a word: `immediate_risk`, `clock`, `notification` or `action`.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::ImmediateRisk { .. } => "immediate_risk",
            Self::Clock { .. } => "clock",
            Self::Notification { .. } => "notification",
            Self::Action { .. } => "action",
        }
    }
}

/// One thing that needs attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewItem {
    pub escalation_id: i64,
    pub group: Group,
    pub subject: Subject,
    /// The escalation's current stage (for a closed one, the stage it ended at).
    pub stage: u8,
    pub is_open: bool,
    /// When it is (or was) due. For an action, the end of its due date (see the module doc).
    pub due_at: DateTime<Utc>,
    /// Time left, or how late it is, worded as on the dashboard.
    pub countdown: Countdown,
    /// Whether it is late: the item makes `escalate review` exit 1.
    pub is_overdue: bool,
    /// For a "by day N" clock whose day is a weekend or bank holiday: which working day comes
    /// before it (see [`Calendar::numbered_day_note`]).
    pub day_note: Option<String>,
}

impl ReviewItem {
    /// The words for how it stands: `OVERDUE 1d 3h`, `due 17:00 today`, `1d 8h left (1 working
    /// day)`; for an action due today, `due today` (it has a date, not a time); for an
    /// immediate-risk escalation already escalated, `escalated (met on time)`.
    pub fn status(&self) -> String {
        match &self.subject {
            Subject::ImmediateRisk { state, .. }
                if matches!(state, ClockState::MetOnTime | ClockState::MetLate) =>
            {
                format!("escalated ({})", state.label())
            }
            Subject::Action { .. } if !self.is_overdue && self.group == Group::DueToday => {
                "due today".to_owned()
            }
            _ => self.countdown.to_string(),
        }
    }

    /// The state its mark is drawn as (`!!`, `!`, `~`, `·`, or a met immediate-risk clock's `✓`),
    /// the same in the report and on the dashboard.
    pub fn state(&self) -> ClockState {
        match (&self.subject, self.group) {
            (Subject::ImmediateRisk { state, .. }, _) if !state.is_live() => *state,
            _ if self.is_overdue => ClockState::Overdue,
            _ if self.countdown.is_due_today || self.group == Group::DueToday => {
                ClockState::DueToday
            }
            (_, Group::DueWithinHorizon) => ClockState::DueSoon,
            _ => ClockState::Running,
        }
    }

    fn order(&self) -> (Group, DateTime<Utc>, i64, (u8, String)) {
        (
            self.group,
            self.due_at,
            self.escalation_id,
            self.subject.rank(),
        )
    }
}

/// The review as of one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Review {
    pub as_of: DateTime<Utc>,
    pub horizon: Horizon,
    /// Close of business on the horizon's last working day.
    pub horizon_ends_at: DateTime<Utc>,
    /// Most urgent first (see the module doc for the order).
    pub items: Vec<ReviewItem>,
}

impl Review {
    /// How many items are late (an immediate-risk escalation counts when its clock is).
    pub fn overdue_count(&self) -> usize {
        self.items.iter().filter(|i| i.is_overdue).count()
    }

    pub fn is_anything_overdue(&self) -> bool {
        self.items.iter().any(|i| i.is_overdue)
    }

    /// The items group by group, in order, leaving out empty groups.
    pub fn groups(&self) -> Vec<(Group, &[ReviewItem])> {
        let mut out = Vec::new();
        let mut rest = self.items.as_slice();
        while let Some(first) = rest.first() {
            let length = rest.iter().take_while(|i| i.group == first.group).count();
            let (group, tail) = rest.split_at(length);
            out.push((first.group, group));
            rest = tail;
        }
        out
    }

    /// The summary to record when a walk through this review ends.
    pub fn summary(&self, acted_on: u32, outstanding: u32) -> Result<ReviewSummary, RecordError> {
        let items = u32::try_from(self.items.len()).unwrap_or(u32::MAX);
        ReviewSummary::new(items, acted_on, outstanding, self.horizon)
    }
}

/// How a review ended, for the record: how many items it walked through, on how many something
/// was recorded, and how many still needed attention at its end. (An item acted on may still be
/// outstanding: a discussion recorded on an overdue clock does not meet it.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ReviewSummary {
    items: u32,
    acted_on: u32,
    outstanding: u32,
    horizon: Horizon,
}

impl ReviewSummary {
    /// Refuses counts that cannot be: more acted on, or outstanding, than there were items.
    pub fn new(
        items: u32,
        acted_on: u32,
        outstanding: u32,
        horizon: Horizon,
    ) -> Result<Self, RecordError> {
        for (field, count) in [("acted-on", acted_on), ("outstanding", outstanding)] {
            if count > items {
                return Err(RecordError::new(
                    field,
                    format!("{count} is more than the review's {items} items"),
                ));
            }
        }
        Ok(Self {
            items,
            acted_on,
            outstanding,
            horizon,
        })
    }

    pub fn items(&self) -> u32 {
        self.items
    }

    pub fn acted_on(&self) -> u32 {
        self.acted_on
    }

    pub fn outstanding(&self) -> u32 {
        self.outstanding
    }

    pub fn horizon(&self) -> Horizon {
        self.horizon
    }

    /// `7 items, 3 acted on, 4 outstanding`.
    pub fn describe(&self) -> String {
        format!(
            "{} item{}, {} acted on, {} outstanding",
            self.items,
            if self.items == 1 { "" } else { "s" },
            self.acted_on,
            self.outstanding
        )
    }
}

/// The review of `cases` (each escalation with its schedule, derived at or near `now`) as of
/// `now`, looking `horizon` ahead. Which group an item is in is decided from its due time and
/// `now` here, not from the state in the schedule, so a schedule a few seconds old still sorts
/// right.
/// Whether a notification's name already names its recipient ("Inform the original referrer",
/// to the original referrer), so that a sentence about it need not say "to ..." again.
pub fn names_its_recipient(name: &str, recipient: &str) -> bool {
    name.to_lowercase().contains(&recipient.to_lowercase())
}

pub fn review<'a>(
    cases: impl IntoIterator<Item = (&'a Escalation, &'a Schedule)>,
    calendar: &Calendar,
    now: DateTime<Utc>,
    horizon: Horizon,
) -> Review {
    let today = local_date(now);
    let horizon_ends_at = horizon.ends_at(calendar, now);
    let horizon_last_date = horizon.last_date(calendar, now);
    // Where a clock or notification due at `due` stands, or `None` when it is not yet worth a look.
    let place = |due: DateTime<Utc>, overdue: Group, later: Option<Group>| {
        if now > due {
            Some(overdue)
        } else if local_date(due) == today {
            Some(Group::DueToday)
        } else if due <= horizon_ends_at {
            Some(Group::DueWithinHorizon)
        } else {
            later
        }
    };

    let mut items = Vec::new();
    for (escalation, schedule) in cases {
        let is_open = schedule.status == Status::Open;
        let item = |group: Group, subject: Subject, due_at, counts_working_days, is_act_now| {
            let countdown =
                Countdown::new(calendar, due_at, now, counts_working_days).act_now(is_act_now);
            ReviewItem {
                escalation_id: escalation.id,
                group,
                subject,
                stage: schedule.stage,
                is_open,
                due_at,
                countdown,
                is_overdue: countdown.is_overdue,
                day_note: None,
            }
        };

        for clock in &schedule.clocks {
            let Some(due) = clock.due_at else { continue };
            let counts_working_days = clock.timescale.counts_working_days();
            if *clock.key == *IMMEDIATE_RISK_KEY {
                if is_open && escalation.immediate_risk {
                    let is_live = clock.state.is_live();
                    let state = if is_live && now > due {
                        ClockState::Overdue
                    } else {
                        clock.state
                    };
                    let name = clock.name.clone();
                    let subject = Subject::ImmediateRisk {
                        name: name.to_string(),
                        state,
                    };
                    let mut listed = item(
                        Group::ImmediateRisk,
                        subject,
                        due,
                        counts_working_days,
                        clock.is_act_now,
                    );
                    // Once escalated, it is listed for its flag, not as late.
                    listed.is_overdue = is_clock_overdue(escalation, schedule, clock, now);
                    items.push(listed);
                }
                continue;
            }
            if !clock.state.is_live() {
                continue;
            }
            if let Some(group) = place(due, Group::OverdueClock, None) {
                let subject = Subject::Clock {
                    key: clock.key.to_string(),
                    name: clock.name.to_string(),
                    stage: clock.stage,
                    form: clock.form.as_deref().map(str::to_owned),
                };
                let mut listed = item(group, subject, due, counts_working_days, clock.is_act_now);
                listed.is_overdue = is_clock_overdue(escalation, schedule, clock, now);
                listed.day_note = calendar.numbered_day_note(clock.timescale, due);
                items.push(listed);
            }
        }

        for notification in schedule.outstanding_notifications() {
            let due = notification.due_at;
            if let Some(group) = place(due, Group::OverdueNotification, Some(Group::Outstanding)) {
                let subject = Subject::Notification {
                    id: notification.id.to_string(),
                    name: notification.name.to_string(),
                    form: notification.form.as_deref().map(str::to_owned),
                    recipient: notification.recipient.clone(),
                };
                let counts_working_days = notification.timescale.counts_working_days();
                let mut listed = item(
                    group,
                    subject,
                    due,
                    counts_working_days,
                    notification.is_act_now,
                );
                listed.is_overdue = is_notification_overdue(notification, now);
                items.push(listed);
            }
        }

        for action in escalation.actions.iter().filter(|a| a.done_at.is_none()) {
            let group = if action.due_on < today {
                Group::SlippingAction
            } else if action.due_on == today {
                Group::DueToday
            } else if action.due_on <= horizon_last_date {
                Group::DueWithinHorizon
            } else {
                continue;
            };
            let subject = Subject::Action {
                id: action.id,
                what: action.what.clone(),
                owner: action.owner.clone(),
                due_on: action.due_on,
            };
            let mut listed = item(group, subject, action_due_at(action.due_on), false, false);
            // At the stroke of midnight the action is late by nothing, but late.
            listed.is_overdue = is_action_overdue(action, now);
            listed.countdown.is_overdue = listed.is_overdue;
            items.push(listed);
        }
    }
    items.sort_by_key(ReviewItem::order);
    Review {
        as_of: now,
        horizon,
        horizon_ends_at,
        items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::deadline::{Settings, schedule};
    use crate::core::procedure::ProcedureSet;
    use crate::core::record::{AgreedAction, Category, Child, StageChange};
    use crate::core::time::parse_instant;

    fn t(text: &str) -> DateTime<Utc> {
        parse_instant(text).unwrap()
    }

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn escalation(id: i64, procedure: &str, raised_at: &str, immediate_risk: bool) -> Escalation {
        Escalation {
            id,
            procedure: procedure.into(),
            partnership: (procedure == "pan-bedfordshire").then(|| "luton".to_owned()),
            child: Child {
                name: format!("Child {id}"),
                dob: None,
                reference: None,
            },
            raised_by: "DSL".into(),
            agency: "School".into(),
            raised_with: "MASH".into(),
            category: Category::Thresholds,
            summary: "s".into(),
            outcome_sought: None,
            concern_at: None,
            raised_at: t(raised_at),
            immediate_risk,
            recorded_by: "DSL".into(),
            recorded_at: t(raised_at),
            stage_changes: Vec::new(),
            discussions: Vec::new(),
            actions: Vec::new(),
            sent: Vec::new(),
            notes: Vec::new(),
            outcome: None,
            amendments: Vec::new(),
            corrections: Vec::new(),
            details: Default::default(),
            attachments: Vec::new(),
            school: None,
        }
    }

    fn advance(e: &mut Escalation, to: u8, at: &str) {
        e.stage_changes.push(StageChange {
            to_stage: to,
            at: t(at),
            by: "DSL".into(),
            reason: "r".into(),
        });
    }

    fn action(e: &mut Escalation, id: i64, due_on: &str, done: bool) {
        e.actions.push(AgreedAction {
            id,
            what: format!("action {id}"),
            owner: "Owner".into(),
            due_on: d(due_on),
            done_at: done.then_some(e.raised_at),
            done_by: None,
            recorded_by: "DSL".into(),
            recorded_at: e.raised_at,
        });
    }

    /// One line a listed item: `group escalation kind key status`.
    fn check(escalations: &[Escalation], now: &str, horizon: &str, expected: &[&str]) {
        let procedures = ProcedureSet::builtin();
        let calendar = Calendar::default();
        let now = t(now);
        let schedules: Vec<Schedule> = escalations
            .iter()
            .map(|e| {
                let procedure = procedures.get(&e.procedure).unwrap();
                schedule(procedure, &calendar, &Settings::default(), &e.events(), now).unwrap()
            })
            .collect();
        let result = review(
            escalations.iter().zip(&schedules),
            &calendar,
            now,
            horizon.parse().unwrap(),
        );
        let lines: Vec<String> = result
            .items
            .iter()
            .map(|i| {
                let key = match &i.subject {
                    Subject::ImmediateRisk { .. } => "immediate-risk".to_owned(),
                    Subject::Clock { key, .. } => key.clone(),
                    Subject::Notification { id, .. } => id.clone(),
                    Subject::Action { id, .. } => format!("action-{id}"),
                };
                format!(
                    "{:?} {} {} {key} {}",
                    i.group,
                    i.escalation_id,
                    i.subject.kind(),
                    i.status()
                )
            })
            .collect();
        assert_eq!(lines, expected, "as of {now}, horizon {horizon}");
    }

    #[test]
    fn groups_come_in_order_of_urgency_and_within_a_group_by_due_time_then_id() {
        // Wed 25 Nov 2026 10:00 GMT; every due time worked by hand.
        // 1: Barnet, immediate risk recognised and raised Mon 23 Nov 09:00: the DSL was to be
        //    informed immediately (due 09:00, met by the DSL raising it then), and the Head of
        //    Safeguarding told at once too (owed since 09:00: ACT NOW); its stage 1 clock was due
        //    the same working day, Mon 23 Nov 17:00 (1d 17h late); its 5-working-day clock is due
        //    Mon 30 Nov 17:00, beyond the horizon (Thu 26 Nov 17:00).
        let one = escalation(1, "barnet", "2026-11-23 09:00", true);
        // 2: London, raised Mon 16 Nov 09:00, at stage 2 since Tue 17 Nov 09:00: the referrer was
        //    due to be told by Wed 18 Nov 17:00 (6d 17h late); stage 2 resolves within 5 working
        //    days, Tue 24 Nov 17:00 (17h late). Action 7 due Fri 20 Nov slips (late since Sat 21
        //    Nov 00:00: 4d 10h); action 8 is due today; action 9, due Thu 26 Nov, is within the
        //    horizon (its end, Fri 27 Nov 00:00, 1d 14h away); action 10 is done.
        let mut two = escalation(2, "london", "2026-11-16 09:00", false);
        advance(&mut two, 2, "2026-11-17 09:00");
        action(&mut two, 7, "2026-11-20", false);
        action(&mut two, 8, "2026-11-25", false);
        action(&mut two, 9, "2026-11-26", false);
        action(&mut two, 10, "2026-11-20", true);
        // 3: London, raised Wed 18 Nov 10:00: 5 working days, Wed 25 Nov 17:00, due today.
        let three = escalation(3, "london", "2026-11-18 10:00", false);
        // 4: London, raised Thu 19 Nov 10:00: due Thu 26 Nov 17:00, the horizon's end exactly.
        let four = escalation(4, "london", "2026-11-19 10:00", false);
        // 5: London, raised Mon 23 Nov 10:00: due Mon 30 Nov 17:00, not listed.
        let five = escalation(5, "london", "2026-11-23 10:00", false);
        // 6: London at stage 2 since Wed 25 Nov 09:00: the referrer is due to be told by Thu 26
        //    Nov 17:00 (1d 7h, 1 working day); stage 2 due Wed 2 Dec 17:00, not listed.
        let mut six = escalation(6, "london", "2026-11-24 09:00", false);
        advance(&mut six, 2, "2026-11-25 09:00");
        let all = [one, two, three, four, five, six];
        check(
            &all,
            "2026-11-25 10:00",
            "1d",
            &[
                "ImmediateRisk 1 immediate_risk immediate-risk escalated (met on time)",
                "OverdueClock 1 clock s1.escalate-or-resolve OVERDUE 1d 17h",
                "OverdueClock 2 clock s2.resolve OVERDUE 17h 0m",
                "OverdueNotification 2 notification inform-referrer OVERDUE 6d 17h",
                "OverdueNotification 1 notification head-of-safeguarding ACT NOW",
                "SlippingAction 2 action action-7 OVERDUE 4d 10h",
                "DueToday 3 clock s1.resolve due 17:00 today",
                "DueToday 2 action action-8 due today",
                "DueWithinHorizon 4 clock s1.resolve 1d 7h left (1 working day)",
                "DueWithinHorizon 6 notification inform-referrer 1d 7h left (1 working day)",
                "DueWithinHorizon 2 action action-9 1d 14h left",
            ],
        );
        // With the horizon at today only, what falls due tomorrow drops out, except the
        // notification, which is still owed.
        check(
            &all,
            "2026-11-25 10:00",
            "0d",
            &[
                "ImmediateRisk 1 immediate_risk immediate-risk escalated (met on time)",
                "OverdueClock 1 clock s1.escalate-or-resolve OVERDUE 1d 17h",
                "OverdueClock 2 clock s2.resolve OVERDUE 17h 0m",
                "OverdueNotification 2 notification inform-referrer OVERDUE 6d 17h",
                "OverdueNotification 1 notification head-of-safeguarding ACT NOW",
                "SlippingAction 2 action action-7 OVERDUE 4d 10h",
                "DueToday 3 clock s1.resolve due 17:00 today",
                "DueToday 2 action action-8 due today",
                "Outstanding 6 notification inform-referrer 1d 7h left (1 working day)",
            ],
        );
    }

    #[test]
    fn the_same_due_time_is_ordered_by_escalation_id_whatever_the_input_order() {
        // Both raised Wed 18 Nov: 5 working days, due Wed 25 Nov 17:00.
        let a = escalation(8, "london", "2026-11-18 10:00", false);
        let b = escalation(3, "london", "2026-11-18 11:00", false);
        let expected = [
            "DueToday 3 clock s1.resolve due 17:00 today",
            "DueToday 8 clock s1.resolve due 17:00 today",
        ];
        check(&[a.clone(), b.clone()], "2026-11-25 10:00", "1d", &expected);
        check(&[b, a], "2026-11-25 10:00", "1d", &expected);
    }

    #[test]
    fn an_immediate_risk_already_escalated_is_still_listed_but_not_overdue() {
        // London sets no immediate-risk timescale, so the app's default applies: due at once,
        // from the concern (Mon 23 Nov 09:00). Met two hours later, it is on the record as met
        // late; and it is no longer overdue.
        let mut e = escalation(1, "london", "2026-11-23 09:00", true);
        e.notes.push(crate::core::record::Note {
            kind: crate::core::record::NoteKind::ClockMet,
            at: t("2026-11-23 11:00"),
            clock: IMMEDIATE_RISK_KEY.into(),
            text: "Referred to MASH".into(),
            by: "DSL".into(),
        });
        check(
            &[e.clone()],
            "2026-11-25 10:00",
            "1d",
            &["ImmediateRisk 1 immediate_risk immediate-risk escalated (met late)"],
        );
        // Pan Bedfordshire's same working day, recognised in hours: met at 11:00, before 17:00.
        // (Its stage 1 is to be resolved by day 2, Tue 24 Nov 17:00: 17 hours late.)
        e.procedure = "pan-bedfordshire".into();
        check(
            &[e],
            "2026-11-25 10:00",
            "1d",
            &[
                "ImmediateRisk 1 immediate_risk immediate-risk escalated (met on time)",
                "OverdueClock 1 clock s1.resolve OVERDUE 17h 0m",
            ],
        );
    }

    #[test]
    fn a_closed_escalation_is_listed_only_for_what_it_still_owes() {
        // Barnet, raised and resolved Wed 25 Nov: the learning note is owed by Thu 26 Nov 17:00;
        // the clocks were met, and the immediate-risk flag no longer puts it first. The Head of
        // Safeguarding was to be told of the immediate risk at once (09:00) and still is owed
        // that, closed or not.
        let mut e = escalation(4, "barnet", "2026-11-25 09:00", true);
        e.outcome = Some(Box::new(crate::core::record::Outcome::Withdrawn {
            at: t("2026-11-25 09:30"),
            stage: 1,
            why: "w".into(),
            by: "DSL".into(),
        }));
        check(
            &[e.clone()],
            "2026-11-25 10:00",
            "1d",
            &["OverdueNotification 4 notification head-of-safeguarding ACT NOW"],
        );
        e.outcome = Some(Box::new(crate::core::record::Outcome::Resolved {
            at: t("2026-11-25 09:30"),
            stage: 1,
            how: "h".into(),
            learning: None,
            parents_informed: None,
            why_not: None,
            child_record_updated: None,
            by: "DSL".into(),
        }));
        check(
            &[e],
            "2026-11-25 10:00",
            "1d",
            &[
                "OverdueNotification 4 notification head-of-safeguarding ACT NOW",
                "DueWithinHorizon 4 notification learning-note 1d 7h left (1 working day)",
            ],
        );
    }

    #[test]
    fn horizons_are_read_as_working_days_and_reach_close_of_business() {
        for (text, days) in [
            ("1d", 1),
            ("0d", 0),
            (" 3D ", 3),
            ("1 working day", 1),
            ("5 working days", 5),
            ("20d", 20),
        ] {
            assert_eq!(
                text.parse::<Horizon>().unwrap().working_days(),
                days,
                "{text}"
            );
        }
        for bad in ["", "d", "1", "-1d", "1.5d", "2w", "tomorrow", "21d"] {
            let err = bad.parse::<Horizon>().unwrap_err();
            assert_eq!(err.field, "horizon", "{bad}");
        }
        assert!(
            "2w".parse::<Horizon>()
                .unwrap_err()
                .message
                .contains("1d (today and the next working day)")
        );
        let calendar = Calendar::default();
        // Thu 24 Dec 2026: the next working day is Tue 29 Dec (Christmas, weekend, Boxing Day
        // substitute).
        let now = t("2026-12-24 10:00");
        assert_eq!(
            Horizon::DEFAULT.ends_at(&calendar, now),
            t("2026-12-29 17:00")
        );
        assert_eq!(
            Horizon::new(0).unwrap().ends_at(&calendar, now),
            t("2026-12-24 17:00")
        );
        assert_eq!(Horizon::DEFAULT.to_string(), "1d");
    }

    #[test]
    fn groups_split_the_items_and_summaries_refuse_impossible_counts() {
        let review = Review {
            as_of: t("2026-11-25 10:00"),
            horizon: Horizon::DEFAULT,
            horizon_ends_at: t("2026-11-26 17:00"),
            items: Vec::new(),
        };
        assert!(review.groups().is_empty());
        assert!(!review.is_anything_overdue());
        let summary = ReviewSummary::new(7, 3, 4, Horizon::DEFAULT).unwrap();
        assert_eq!(summary.describe(), "7 items, 3 acted on, 4 outstanding");
        assert_eq!(
            ReviewSummary::new(1, 0, 1, Horizon::DEFAULT)
                .unwrap()
                .describe(),
            "1 item, 0 acted on, 1 outstanding"
        );
        let err = ReviewSummary::new(2, 3, 0, Horizon::DEFAULT).unwrap_err();
        assert_eq!(
            err.to_string(),
            "acted-on: 3 is more than the review's 2 items"
        );
        assert!(review.summary(0, 1).is_err());
        assert_eq!(review.summary(0, 0).unwrap().items(), 0);
    }
}
