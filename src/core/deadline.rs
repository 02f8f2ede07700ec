//! The deadline engine: given a procedure, what has happened to an escalation, and now, when is
//! each thing due, and how does it stand?
//!
//! The escalation's history is an append-only list of [`Event`]s. Everything else (the current
//! stage, every clock's start and due time, which notifications are owed) is derived here, never
//! stored, so that a corrected calendar or procedure re-derives every due time. The engine is a
//! pure function ([`schedule`]): it reads no clock, and the same input gives the same output.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::calendar::{Calendar, local_date};
use super::procedure::{ClockRule, Occurrence, Procedure, Recipient};
use super::timescale::Timescale;

/// Something that happened to an escalation, at a moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub at: DateTime<Utc>,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventKind {
    /// The escalation was raised; it enters stage 1. `concern_at` is when the concern arose,
    /// when known; `partnership` the id of the chosen body, where the procedure has several.
    Raised {
        concern_at: Option<DateTime<Utc>>,
        immediate_risk: bool,
        partnership: Option<String>,
    },
    /// The escalation moved up to stage `to`.
    Advanced {
        to: u8,
    },
    Discussion,
    Meeting,
    Agreement,
    NotificationSent {
        id: String,
    },
    /// A clock marked met by hand (by its key, see [`ClockStatus::key`]).
    ClockMet {
        key: String,
    },
    /// A clock tightened on this escalation to an earlier due time (the procedures' "or a
    /// timescale that protects the child from harm, whichever is less"). It never loosens one.
    ClockTightened {
        key: String,
        due_at: DateTime<Utc>,
    },
    /// A reason for a delay was recorded.
    DelayReason,
    /// A required notification was corrected as not needed (with the reason, on the record):
    /// it stops asking to be sent.
    NotificationNotNeeded {
        id: String,
    },
    Resolved,
    Withdrawn,
}

/// The engine's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// A clock is "due soon" when it falls due within this many working days.
    pub due_soon_working_days: u32,
    /// The timescale of a notification whose document gives none.
    pub default_notification: Timescale,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            due_soon_working_days: 1,
            default_notification: Timescale::WorkingDays(1),
        }
    }
}

/// Where an escalation stands overall.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Open,
    Resolved,
    Withdrawn,
}

/// How a clock or notification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ClockState {
    /// Overdue: its due time has passed and it is not met.
    Overdue,
    /// Due later today (UK date).
    DueToday,
    /// Due within the warning band (by default, by close of business on the next working day).
    DueSoon,
    Running,
    /// Waiting for the event it counts from (a meeting, say).
    Pending,
    MetLate,
    /// Its stage was left, or the escalation closed, after it was due and without it being met:
    /// the record shows the deadline was missed.
    LeftLate,
    MetOnTime,
    /// Its stage was left, or the escalation closed, before it was due and before it was met.
    Stopped,
}

impl ClockState {
    /// Whether the clock still asks for something to be done.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            Self::Overdue | Self::DueToday | Self::DueSoon | Self::Running
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Overdue => "OVERDUE",
            Self::DueToday => "due today",
            Self::DueSoon => "due soon",
            Self::Running => "running",
            Self::Pending => "not started",
            Self::MetLate => "met late",
            Self::LeftLate => "left late",
            Self::MetOnTime => "met on time",
            Self::Stopped => "stopped",
        }
    }
}

/// One clock of one escalation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockStatus {
    /// Unique within the escalation: `s2.resolve` for a stage clock, `resolve` for an
    /// escalation-wide one, `immediate-risk` for the immediate-risk clock.
    pub key: Arc<str>,
    pub id: Arc<str>,
    pub name: Arc<str>,
    /// The stage the clock belongs to; `None` for escalation-wide clocks.
    pub stage: Option<u8>,
    pub timescale: Timescale,
    pub from: Occurrence,
    pub started_at: Option<DateTime<Utc>>,
    /// True while the clock counts from its provisional start.
    pub is_provisional: bool,
    pub due_at: Option<DateTime<Utc>>,
    pub state: ClockState,
    /// When it was met, or stopped.
    pub ended_at: Option<DateTime<Utc>>,
    pub form: Option<Arc<str>>,
    /// True when a reason for the delay must be recorded and has not been.
    pub is_reason_required: bool,
    /// True when the procedure asks for a reason once this clock is missed and none is recorded.
    #[serde(skip)]
    pub asks_reason_if_late: bool,
    /// True when it is due at its start: something to do now (`!! ACT NOW` until met).
    pub is_act_now: bool,
    /// When the procedure's timescale made it due, where the DSL tightened it to `due_at`.
    pub tightened_from: Option<DateTime<Utc>>,
}

/// One notification the escalation requires (it has been triggered).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationStatus {
    pub id: Arc<str>,
    pub name: Arc<str>,
    pub form: Option<Arc<str>>,
    /// Everyone it goes to, as one line.
    pub recipient: String,
    pub recipients: Vec<Arc<str>>,
    /// How to reach the partnership (its email or portal, from the procedure), where it is a
    /// recipient and the procedure gives one.
    pub contact: Option<Arc<str>>,
    pub stage: u8,
    pub triggered_at: DateTime<Utc>,
    /// What its timescale counts from: the trigger, or the moment the procedure names.
    pub counted_from: DateTime<Utc>,
    pub timescale: Timescale,
    pub due_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub state: ClockState,
    /// True when it is due at once (`!! ACT NOW` until sent).
    pub is_act_now: bool,
}

/// A stage the escalation has been in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StagePeriod {
    pub stage: u8,
    pub entered_at: DateTime<Utc>,
    pub left_at: Option<DateTime<Utc>>,
}

/// Everything derived about one escalation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    pub status: Status,
    pub stage: u8,
    pub raised_at: DateTime<Utc>,
    pub concern_at: DateTime<Utc>,
    /// Day 1 of the escalation, for "by day N" deadlines (the procedure's `day_one`).
    pub day_one: NaiveDate,
    pub closed_at: Option<DateTime<Utc>>,
    pub stages: Vec<StagePeriod>,
    pub clocks: Vec<ClockStatus>,
    pub notifications: Vec<NotificationStatus>,
    /// Notifications that become owed if a clock still running is missed, each dated at that
    /// clock's due time; [`Schedule::refresh`] moves them into `notifications` once it passes.
    #[serde(skip)]
    pub owed_if_missed: Vec<NotificationStatus>,
}

impl Schedule {
    /// The live clock due soonest: the one a countdown should show.
    pub fn most_urgent_clock(&self) -> Option<&ClockStatus> {
        self.clocks
            .iter()
            .filter(|c| c.state.is_live())
            .min_by(|a, b| (a.due_at, &a.key).cmp(&(b.due_at, &b.key)))
    }

    /// Re-evaluates, as of `now`, the state of every clock and notification still waiting to be
    /// met: what a ticking countdown needs, without walking the history again. The same as
    /// running [`schedule`] afresh at `now`, since only the live states depend on the time.
    pub fn refresh(&mut self, calendar: &Calendar, settings: &Settings, now: DateTime<Utc>) {
        for clock in &mut self.clocks {
            if let (true, Some(due)) = (clock.state.is_live(), clock.due_at) {
                clock.state = live_state(calendar, settings, due, now);
                clock.is_reason_required =
                    clock.asks_reason_if_late && clock.state == ClockState::Overdue;
            }
        }
        for notification in &mut self.notifications {
            if notification.state.is_live() {
                notification.state = live_state(calendar, settings, notification.due_at, now);
            }
        }
        if self.owed_if_missed.iter().any(|n| now > n.triggered_at) {
            let (owed, waiting) = std::mem::take(&mut self.owed_if_missed)
                .into_iter()
                .partition(|n| now > n.triggered_at);
            self.owed_if_missed = waiting;
            for mut notification in owed {
                notification.state = live_state(calendar, settings, notification.due_at, now);
                self.notifications.push(notification);
            }
            self.notifications
                .sort_by_key(|n| (n.triggered_at, n.due_at));
        }
    }

    /// Notifications triggered and not yet sent (nor corrected as not needed, which stops them).
    pub fn outstanding_notifications(&self) -> impl Iterator<Item = &NotificationStatus> {
        self.notifications
            .iter()
            .filter(|n| n.sent_at.is_none() && n.state != ClockState::Stopped)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("the escalation's history does not start with it being raised")]
    NotRaised,
}

/// Something that happened, with the stage the escalation was at.
struct Happening {
    at: DateTime<Utc>,
    stage: u8,
    what: Occurrence,
}

/// The clock for an escalation flagged as an immediate risk of significant harm.
pub const IMMEDIATE_RISK_KEY: &str = "immediate-risk";

/// Derives an escalation's schedule from its history. Events may be in any order of recording;
/// they are taken in time order (the raise first). Events after the escalation closed are
/// ignored, except notifications sent, clocks marked met and reasons recorded, which may follow.
pub fn schedule(
    procedure: &Procedure,
    calendar: &Calendar,
    settings: &Settings,
    events: &[Event],
    now: DateTime<Utc>,
) -> Result<Schedule, EngineError> {
    let Some((raised_index, raised)) = events
        .iter()
        .enumerate()
        .find(|(_, e)| matches!(e.kind, EventKind::Raised { .. }))
    else {
        return Err(EngineError::NotRaised);
    };
    let EventKind::Raised {
        concern_at,
        immediate_risk,
        partnership,
    } = &raised.kind
    else {
        return Err(EngineError::NotRaised);
    };
    let raised_at = raised.at;
    let concern_at = concern_at.unwrap_or(raised_at).min(raised_at);
    let day_one = match procedure.day_one {
        Occurrence::Raised => local_date(raised_at),
        _ => local_date(concern_at),
    };

    let mut ordered: Vec<&Event> = events
        .iter()
        .enumerate()
        .filter(|&(i, e)| i != raised_index && !matches!(e.kind, EventKind::Raised { .. }))
        .map(|(_, e)| e)
        .collect();
    ordered.sort_by_key(|e| e.at);

    let mut status = Status::Open;
    let mut stage: u8 = 1;
    let mut closed_at = None;
    let mut not_needed: Vec<&str> = Vec::new();
    let mut stages = vec![StagePeriod {
        stage: 1,
        entered_at: raised_at,
        left_at: None,
    }];
    let mut happened = vec![Happening {
        at: concern_at,
        stage: 1,
        what: Occurrence::ConcernArose,
    }];
    if *immediate_risk {
        happened.push(Happening {
            at: concern_at,
            stage: 1,
            what: Occurrence::ImmediateRisk,
        });
    }
    for what in [
        Occurrence::Raised,
        Occurrence::StageEntered,
        Occurrence::StageReached(1),
    ] {
        happened.push(Happening {
            at: raised_at,
            stage: 1,
            what,
        });
    }
    let mut marked: Vec<(&str, DateTime<Utc>)> = Vec::new();
    let mut tightened: Vec<(&str, DateTime<Utc>)> = Vec::new();
    let mut has_delay_reason = false;

    for event in ordered {
        let is_open = status == Status::Open;
        let mut record = |what: Occurrence, stage: u8| {
            happened.push(Happening {
                at: event.at,
                stage,
                what,
            });
        };
        match &event.kind {
            EventKind::Raised { .. } => {}
            EventKind::Advanced { to }
                if is_open && *to > stage && usize::from(*to) <= procedure.stages.len() =>
            {
                record(Occurrence::Advanced, stage);
                if let Some(period) = stages.last_mut() {
                    period.left_at = Some(event.at);
                }
                stage = *to;
                stages.push(StagePeriod {
                    stage,
                    entered_at: event.at,
                    left_at: None,
                });
                record(Occurrence::StageEntered, stage);
                record(Occurrence::StageReached(stage), stage);
            }
            EventKind::Advanced { .. } => {}
            EventKind::Discussion if is_open => record(Occurrence::Discussion, stage),
            EventKind::Meeting if is_open => record(Occurrence::Meeting, stage),
            EventKind::Agreement if is_open => record(Occurrence::Agreement, stage),
            EventKind::Discussion | EventKind::Meeting | EventKind::Agreement => {}
            EventKind::NotificationSent { id } => {
                record(Occurrence::NotificationSent(id.clone()), stage);
            }
            EventKind::ClockMet { key } => marked.push((key.as_str(), event.at)),
            EventKind::ClockTightened { key, due_at } => tightened.push((key.as_str(), *due_at)),
            EventKind::DelayReason => has_delay_reason = true,
            EventKind::NotificationNotNeeded { id } => not_needed.push(id.as_str()),
            EventKind::Resolved | EventKind::Withdrawn if is_open => {
                let is_resolved = event.kind == EventKind::Resolved;
                status = if is_resolved {
                    Status::Resolved
                } else {
                    Status::Withdrawn
                };
                closed_at = Some(event.at);
                if let Some(period) = stages.last_mut() {
                    period.left_at = Some(event.at);
                }
                if is_resolved {
                    record(Occurrence::Resolved, stage);
                }
            }
            EventKind::Resolved | EventKind::Withdrawn => {}
        }
    }

    let context = Context {
        calendar,
        settings,
        happened: &happened,
        marked: &marked,
        tightened: &tightened,
        day_one,
        now,
    };

    let whole = Window {
        stage: None,
        start: raised_at,
        end: closed_at,
    };
    // Sized once: a caseload holds thousands of schedules, and a vector grown by doubling
    // keeps up to half its room empty.
    let mut clocks = Vec::with_capacity(
        usize::from(*immediate_risk)
            + procedure.clocks.len()
            + stages
                .iter()
                .filter_map(|p| procedure.stage(p.stage))
                .map(|d| d.clocks.len())
                .sum::<usize>(),
    );
    if *immediate_risk {
        clocks.push(context.clock(&procedure.immediate.clock, &whole, has_delay_reason));
    }
    for rule in &procedure.clocks {
        clocks.push(context.clock(rule, &whole, has_delay_reason));
    }
    for period in &stages {
        let Some(definition) = procedure.stage(period.stage) else {
            continue;
        };
        for rule in &definition.clocks {
            let window = Window {
                stage: Some(period.stage),
                start: period.entered_at,
                end: period.left_at,
            };
            clocks.push(context.clock(rule, &window, has_delay_reason));
        }
    }

    let body = procedure.notified_body(partnership.as_deref());
    let partnership_name = body.map_or_else(
        || Arc::from("the partnership (none chosen)"),
        |p| p.name.clone(),
    );
    let partnership_contact = body.and_then(|p| p.contact.clone());
    let stage_at = |at: DateTime<Utc>| {
        stages
            .iter()
            .rev()
            .find(|p| p.entered_at <= at)
            .map_or(1, |p| p.stage)
    };

    let mut notifications = Vec::new();
    let mut owed_if_missed = Vec::new();
    for rule in &procedure.notifications {
        let applies = |h: &&Happening| rule.stages.is_empty() || rule.stages.contains(&h.stage);
        let recipients: Vec<Arc<str>> = rule
            .recipients
            .iter()
            .map(|r| match r {
                Recipient::Partnership => partnership_name.clone(),
                Recipient::Named(name) => name.clone(),
            })
            .collect();
        let timescale = rule.timescale.unwrap_or(settings.default_notification);
        let sent_at = happened
            .iter()
            .find(|h| matches!(&h.what, Occurrence::NotificationSent(id) if **id == *rule.id))
            .map(|h| h.at);
        let owed = |trigger_at: DateTime<Utc>, trigger_stage: u8, counted_from: DateTime<Utc>| {
            let due = calendar.due(timescale, counted_from, day_one);
            let state = match sent_at {
                Some(sent) if sent <= due => ClockState::MetOnTime,
                Some(_) => ClockState::MetLate,
                None => context.live_state(due),
            };
            NotificationStatus {
                id: rule.id.clone(),
                name: rule.name.clone(),
                form: rule.form.clone(),
                recipient: recipients.join("; "),
                recipients: recipients.clone(),
                contact: rule
                    .recipients
                    .contains(&Recipient::Partnership)
                    .then(|| partnership_contact.clone())
                    .flatten(),
                stage: trigger_stage,
                triggered_at: trigger_at,
                counted_from,
                timescale,
                due_at: due,
                sent_at,
                state,
                is_act_now: due == counted_from,
            }
        };
        if let Occurrence::Missed(clock_id) = &rule.on {
            // Owed from the moment the clock is missed: at its due time, unless it was met by
            // then or its stage was left before it fell due.
            let missed = clocks
                .iter()
                .filter(|c| {
                    *c.id == **clock_id
                        && (rule.stages.is_empty()
                            || c.stage.is_none_or(|s| rule.stages.contains(&s)))
                })
                .filter_map(|c| c.due_at.map(|due| (c, due)))
                .filter(|(c, due)| match c.state {
                    ClockState::MetOnTime | ClockState::Stopped | ClockState::Pending => false,
                    ClockState::MetLate | ClockState::LeftLate | ClockState::Overdue => true,
                    _ => now <= *due,
                })
                .min_by_key(|(_, due)| *due);
            if let Some((clock, due)) = missed {
                let stage = clock.stage.unwrap_or_else(|| stage_at(due));
                let counted_from = rule
                    .from
                    .as_ref()
                    .and_then(|f| first_at(&happened, f, due))
                    .unwrap_or(due);
                let notification = owed(due, stage, counted_from);
                if clock.state.is_live() && now <= due {
                    owed_if_missed.push(notification);
                } else {
                    notifications.push(notification);
                }
            }
            continue;
        }
        let trigger = happened.iter().filter(applies).find(|h| match &rule.on {
            // Reaching a resolution is reaching agreement, when none was recorded before it.
            Occurrence::Agreement => matches!(h.what, Occurrence::Agreement | Occurrence::Resolved),
            other => h.what == *other,
        });
        let Some(trigger) = trigger else { continue };
        let counted_from = rule
            .from
            .as_ref()
            .and_then(|f| {
                let in_stages = happened
                    .iter()
                    .filter(applies)
                    .find(|h| h.what == *f && h.at <= trigger.at)
                    .map(|h| h.at);
                match f {
                    Occurrence::Agreement | Occurrence::Meeting | Occurrence::Discussion => {
                        in_stages
                    }
                    _ => first_at(&happened, f, trigger.at),
                }
            })
            .unwrap_or(trigger.at);
        notifications.push(owed(trigger.at, trigger.stage, counted_from));
    }
    for notification in &mut notifications {
        if notification.sent_at.is_none() && not_needed.contains(&&*notification.id) {
            notification.state = ClockState::Stopped;
        }
    }
    notifications.sort_by_key(|n| (n.triggered_at, n.due_at));
    notifications.shrink_to_fit();
    owed_if_missed.shrink_to_fit();

    Ok(Schedule {
        status,
        stage,
        raised_at,
        concern_at,
        day_one,
        closed_at,
        stages,
        clocks,
        notifications,
        owed_if_missed,
    })
}

/// When `what` first happened, at or before `by`.
fn first_at(happened: &[Happening], what: &Occurrence, by: DateTime<Utc>) -> Option<DateTime<Utc>> {
    happened
        .iter()
        .find(|h| h.what == *what && h.at <= by)
        .map(|h| h.at)
}

/// The span a clock runs in: a stage's time in it, or the whole escalation.
struct Window {
    stage: Option<u8>,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
}

impl Window {
    /// Whether a happening counts for a clock in this window. A notification is sent once for
    /// the whole escalation, so its sending counts whatever stage it was recorded in (Pan
    /// Bedfordshire's Appendix 4 is often sent just before the move to stage 4 is recorded).
    fn admits(&self, h: &Happening) -> bool {
        matches!(h.what, Occurrence::NotificationSent(_)) || self.stage.is_none_or(|s| s == h.stage)
    }
}

struct Context<'a> {
    calendar: &'a Calendar,
    settings: &'a Settings,
    happened: &'a [Happening],
    marked: &'a [(&'a str, DateTime<Utc>)],
    tightened: &'a [(&'a str, DateTime<Utc>)],
    day_one: NaiveDate,
    now: DateTime<Utc>,
}

impl Context<'_> {
    /// When `anchor` happened within the window, if it has.
    fn anchor(&self, anchor: &Occurrence, window: &Window) -> Option<DateTime<Utc>> {
        match anchor {
            Occurrence::StageEntered => Some(window.start),
            Occurrence::ConcernArose | Occurrence::Raised | Occurrence::ImmediateRisk => self
                .happened
                .iter()
                .find(|h| h.what == *anchor)
                .map(|h| h.at),
            other => self
                .happened
                .iter()
                .find(|h| {
                    h.what == *other
                        && window.admits(h)
                        && (h.at >= window.start
                            || matches!(h.what, Occurrence::NotificationSent(_)))
                })
                .map(|h| h.at),
        }
    }

    fn clock(&self, rule: &ClockRule, window: &Window, has_delay_reason: bool) -> ClockStatus {
        debug_assert_eq!(
            *rule.key,
            *match window.stage {
                Some(stage) => format!("s{stage}.{}", rule.id),
                None => rule.id.to_string(),
            },
            "a clock's key is made for the stage it belongs to"
        );
        let key = rule.key.clone();
        let real_start = self.anchor(&rule.from, window);
        let provisional_start = rule
            .provisional_from
            .as_ref()
            .and_then(|p| self.anchor(p, window));
        let (started_at, is_provisional) = match (real_start, provisional_start) {
            (Some(start), _) => (Some(start), false),
            (None, Some(start)) => (Some(start), true),
            (None, None) => (None, false),
        };
        let mut status = ClockStatus {
            key,
            id: rule.id.clone(),
            name: rule.name.clone(),
            stage: window.stage,
            timescale: rule.timescale,
            from: rule.from.clone(),
            started_at,
            is_provisional,
            due_at: None,
            state: ClockState::Pending,
            ended_at: None,
            form: rule.form.clone(),
            is_reason_required: false,
            asks_reason_if_late: rule.reason_if_late && !has_delay_reason,
            is_act_now: false,
            tightened_from: None,
        };
        let Some(start) = started_at else {
            if window.end.is_some() {
                status.state = ClockState::Stopped;
                status.ended_at = window.end;
            }
            return status;
        };
        let allowed = self.calendar.due(rule.timescale, start, self.day_one);
        // The DSL may tighten a clock ("or a timescale that protects the child from harm,
        // whichever is less"), never loosen it: the earliest of them all governs.
        let due = self
            .tightened
            .iter()
            .filter(|(k, _)| **k == *status.key)
            .map(|&(_, at)| at)
            .min()
            .filter(|&at| at < allowed)
            .unwrap_or(allowed);
        if due < allowed {
            status.tightened_from = Some(allowed);
        }
        status.is_act_now = due <= start;
        let met_by_event = self
            .happened
            .iter()
            .filter(|h| rule.met_by.contains(&h.what) && window.admits(h) && h.at >= start)
            .map(|h| h.at)
            .min();
        let met_by_hand = self
            .marked
            .iter()
            .filter(|(k, _)| **k == *status.key)
            .map(|&(_, at)| at)
            .min();
        let met = met_by_event.into_iter().chain(met_by_hand).min();
        let (state, ended_at) = self.settle(due, met, window.end);
        status.due_at = Some(due);
        status.state = state;
        status.ended_at = ended_at;
        status.is_reason_required = status.asks_reason_if_late
            && matches!(
                state,
                ClockState::Overdue | ClockState::MetLate | ClockState::LeftLate
            );
        status
    }

    /// A clock's state given its due time, when it was met (if it was) and when its window closed.
    fn settle(
        &self,
        due: DateTime<Utc>,
        met: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
    ) -> (ClockState, Option<DateTime<Utc>>) {
        match (met, end) {
            (Some(at), _) if at <= due => (ClockState::MetOnTime, Some(at)),
            (Some(at), _) => (ClockState::MetLate, Some(at)),
            (None, Some(end)) if end > due => (ClockState::LeftLate, Some(end)),
            (None, Some(end)) => (ClockState::Stopped, Some(end)),
            (None, None) => (self.live_state(due), None),
        }
    }

    fn live_state(&self, due: DateTime<Utc>) -> ClockState {
        live_state(self.calendar, self.settings, due, self.now)
    }
}

/// How an unmet deadline stands at `now`.
pub fn live_state(
    calendar: &Calendar,
    settings: &Settings,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> ClockState {
    if now > due {
        ClockState::Overdue
    } else if local_date(now) == local_date(due) {
        ClockState::DueToday
    } else if due
        <= calendar.due(
            Timescale::WorkingDays(settings.due_soon_working_days.max(1)),
            now,
            local_date(now),
        )
    {
        ClockState::DueSoon
    } else {
        ClockState::Running
    }
}

/// How long is left until a deadline, or how late it is, for a countdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub struct Countdown {
    pub is_overdue: bool,
    /// Whole minutes to go (or, when overdue, past).
    pub minutes: i64,
    pub is_due_today: bool,
    /// The due time on the UK clock, for "due 17:00 today".
    pub due_local: chrono::NaiveTime,
    /// Working days left before the due date, for clocks that count working days.
    pub working_days_left: Option<u32>,
    /// Due at its start (immediately, or out of hours): shown as `ACT NOW` rather than a span.
    pub is_act_now: bool,
}

impl Countdown {
    pub fn new(
        calendar: &Calendar,
        due: DateTime<Utc>,
        now: DateTime<Utc>,
        counts_working_days: bool,
    ) -> Self {
        let is_overdue = now > due;
        let minutes = (due - now).num_minutes().abs();
        let is_due_today = !is_overdue && local_date(now) == local_date(due);
        let working_days_left = (counts_working_days && !is_overdue)
            .then(|| calendar.working_days_between(local_date(now), local_date(due)));
        Self {
            is_overdue,
            minutes,
            is_due_today,
            due_local: due.with_timezone(&super::calendar::LONDON).time(),
            working_days_left,
            is_act_now: false,
        }
    }

    /// The same countdown for something due at once: once its moment has passed it reads
    /// `ACT NOW` until it is met, not a growing span of lateness.
    pub fn act_now(mut self, is_act_now: bool) -> Self {
        self.is_act_now = is_act_now;
        self
    }

    /// `2d 4h`, `3h 20m`, `12m`: a span in the largest two units.
    pub fn span(&self) -> String {
        let (days, hours, minutes) = (
            self.minutes / 1440,
            (self.minutes % 1440) / 60,
            self.minutes % 60,
        );
        match (days, hours) {
            (0, 0) => format!("{minutes}m"),
            (0, h) => format!("{h}h {minutes}m"),
            (d, h) => format!("{d}d {h}h"),
        }
    }
}

impl Countdown {
    /// The countdown to a clock's due time, if it has one; `ACT NOW` where it is due at once.
    pub fn of_clock(calendar: &Calendar, clock: &ClockStatus, now: DateTime<Utc>) -> Option<Self> {
        clock.due_at.map(|due| {
            Self::new(calendar, due, now, clock.timescale.counts_working_days())
                .act_now(clock.is_act_now)
        })
    }

    /// The countdown to a notification's due time; `ACT NOW` where it is owed at once.
    pub fn of_notification(
        calendar: &Calendar,
        notification: &NotificationStatus,
        now: DateTime<Utc>,
    ) -> Self {
        Self::new(
            calendar,
            notification.due_at,
            now,
            notification.timescale.counts_working_days(),
        )
        .act_now(notification.is_act_now)
    }

    /// The words for a narrow card: as [`Display`](std::fmt::Display), but `7d 5h · 5 working
    /// days` rather than `7d 5h left (5 working days)`, so the working days are never cut off.
    pub fn compact(&self) -> String {
        match self.working_days_left {
            Some(days) if !self.is_overdue && !self.is_due_today => {
                format!(
                    "{} · {days} working day{}",
                    self.span(),
                    if days == 1 { "" } else { "s" }
                )
            }
            _ => self.to_string(),
        }
    }
}

impl std::fmt::Display for Countdown {
    /// `OVERDUE 1d 3h`, `due 17:00 today`, `2d 4h left (3 working days)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_act_now && (self.is_overdue || self.minutes == 0) {
            return f.write_str("ACT NOW");
        }
        if self.is_overdue {
            return write!(f, "OVERDUE {}", self.span());
        }
        if self.is_due_today {
            return write!(f, "due {} today", self.due_local.format("%H:%M"));
        }
        write!(f, "{} left", self.span())?;
        if let Some(days) = self.working_days_left {
            write!(
                f,
                " ({days} working day{})",
                if days == 1 { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::procedure::ProcedureSet;
    use crate::core::time::parse_instant;

    fn t(text: &str) -> DateTime<Utc> {
        parse_instant(text).unwrap()
    }

    fn event(at: &str, kind: EventKind) -> Event {
        Event { at: t(at), kind }
    }

    #[test]
    fn refreshing_a_schedule_agrees_with_deriving_it_afresh() {
        let procedures = ProcedureSet::builtin();
        let calendar = Calendar::default();
        let settings = Settings::default();
        let raised = EventKind::Raised {
            concern_at: None,
            immediate_risk: true,
            partnership: Some("luton".into()),
        };
        for id in ["pan-bedfordshire", "staffordshire", "london", "barnet"] {
            let procedure = procedures.get(id).unwrap();
            let events = vec![
                event("2026-12-18 10:00", raised.clone()),
                event("2026-12-21 12:00", EventKind::Advanced { to: 2 }),
                event("2026-12-22 09:00", EventKind::Discussion),
            ];
            let start = t("2026-12-22 10:00");
            let mut refreshed = schedule(procedure, &calendar, &settings, &events, start).unwrap();
            for hour in 0..24 * 30 {
                let now = start + chrono::Duration::hours(hour) + chrono::Duration::minutes(7);
                refreshed.refresh(&calendar, &settings, now);
                let fresh = schedule(procedure, &calendar, &settings, &events, now).unwrap();
                assert_eq!(refreshed, fresh, "{id} at {now}");
            }
        }
    }

    #[test]
    fn countdowns_read_as_the_issue_shows_them() {
        let calendar = Calendar::default();
        let now = t("2026-11-23 10:00");
        let text =
            |due: &str, working: bool| Countdown::new(&calendar, t(due), now, working).to_string();
        assert_eq!(text("2026-11-25 14:00", false), "2d 4h left");
        assert_eq!(text("2026-11-23 17:00", true), "due 17:00 today");
        assert_eq!(text("2026-11-22 07:00", false), "OVERDUE 1d 3h");
        assert_eq!(
            text("2026-11-26 17:00", true),
            "3d 7h left (3 working days)"
        );
        assert_eq!(text("2026-11-23 09:48", false), "OVERDUE 12m");
        let compact =
            |due: &str, working: bool| Countdown::new(&calendar, t(due), now, working).compact();
        assert_eq!(compact("2026-11-30 17:00", true), "7d 7h · 5 working days");
        assert_eq!(compact("2026-11-24 17:00", true), "1d 7h · 1 working day");
        assert_eq!(compact("2026-11-23 17:00", true), "due 17:00 today");
        assert_eq!(compact("2026-11-25 14:00", false), "2d 4h left");
    }
}
