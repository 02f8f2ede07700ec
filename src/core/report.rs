//! The outcomes report a DSL gives the partnership and governors: what was escalated in a
//! period, how far it went, how it ended, and whether the procedure's timescales were kept.
//!
//! Pan Bedfordshire asks every agency to "report ... the outcomes of escalations at Stages 2 and
//! 3"; senior managers must have "a system in place ... to evidence and report on all
//! escalations at stages 2-4". This is that evidence, counted from the record, never estimated.
//!
//! Which escalations count, for a period `from..=to` (UK dates):
//! - **opened**: raised in the period; **resolved** / **withdrawn**: closed in it;
//! - **active**: raised by its end and not closed before its start. Stage reached, category and
//!   agency are counted over the active ones; **open at the end**: active and not closed by it.
//! - **time to resolve**: from the raise to the resolution, for those resolved in the period.
//! - **clocks**: every clock due in the period whose result is known (met on time, met late,
//!   missed) as of `now`; one still running is not counted until it is met or missed.
//! - **notifications**: every one due in the period, sent on time, sent late, or not sent
//!   though due (as of `now`).
//!
//! Nothing here names a child: the report goes beyond the DSL (learning is given by escalation
//! id, with the child's name hidden by the caller's [`super::record::Redactor`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike as _, Duration, NaiveDate, NaiveTime, Utc};
use serde::Serialize;

use super::calendar::{local_date, local_instant};
use super::deadline::{ClockState, Schedule};
use super::record::{Escalation, Outcome};

/// The period reported on, both days included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The first instant of the period (midnight UK time at its start).
    fn start(self) -> DateTime<Utc> {
        local_instant(self.from, NaiveTime::MIN)
    }

    /// The first instant after the period.
    fn end(self) -> DateTime<Utc> {
        local_instant(self.to.succ_opt().unwrap_or(self.to), NaiveTime::MIN)
    }

    fn contains(self, at: DateTime<Utc>) -> bool {
        self.start() <= at && at < self.end()
    }

    /// The English school year (1 September to 31 August) that `today` falls in, up to
    /// `today`: the period of a DSL's annual report to governors.
    pub fn school_year_to(today: NaiveDate) -> Self {
        let year = if today.month() >= 9 {
            today.year()
        } else {
            today.year() - 1
        };
        Self {
            from: NaiveDate::from_ymd_opt(year, 9, 1).unwrap_or(today),
            to: today,
        }
    }
}

/// Counts under a label, in the order the report shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub label: String,
    pub count: usize,
}

/// How the clocks of one kind fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OnTime {
    /// The stage (`None` for an escalation-wide clock).
    pub stage: Option<u8>,
    pub clock: String,
    pub on_time: usize,
    pub late: usize,
    /// Missed: the stage left or the escalation closed without it, or still overdue.
    pub missed: usize,
}

impl OnTime {
    pub fn decided(&self) -> usize {
        self.on_time + self.late + self.missed
    }

    /// The share met on time, in whole per cent (`None` with nothing decided).
    pub fn percent(&self) -> Option<u32> {
        percent(self.on_time, self.decided())
    }
}

/// How the escalations closed at one stage ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageOutcomes {
    pub stage: u8,
    pub resolved: usize,
    pub withdrawn: usize,
}

/// A notification that was sent late, or not at all though due.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LateNotification {
    pub escalation: i64,
    pub notification: String,
    pub due_at: DateTime<Utc>,
    /// When it was sent; `None`: not sent.
    pub sent_at: Option<DateTime<Utc>>,
}

/// Learning recorded at a resolution in the period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Learning {
    pub escalation: i64,
    pub at: DateTime<Utc>,
    pub text: String,
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub period: Period,
    pub as_of: DateTime<Utc>,
    /// The procedure reported on, when one was asked for.
    pub procedure: Option<String>,
    pub opened: usize,
    pub resolved: usize,
    pub withdrawn: usize,
    pub active: usize,
    pub open_at_end: usize,
    /// Active escalations by the highest stage each reached by the end of the period.
    pub highest_stage: Vec<Tally>,
    /// Escalations closed in the period, by the stage they closed at.
    pub outcomes_by_stage: Vec<StageOutcomes>,
    pub by_category: Vec<Tally>,
    /// By the agency the disagreement was with.
    pub by_agency: Vec<Tally>,
    /// Escalations opened in each month of the period, oldest first (`2026-09`).
    pub opened_by_month: Vec<Tally>,
    pub median_days_to_resolve: Option<f64>,
    pub longest_days_to_resolve: Option<f64>,
    /// The escalation that took longest to resolve.
    pub longest: Option<i64>,
    pub clocks: Vec<OnTime>,
    /// The same, summed by stage.
    pub clocks_by_stage: Vec<OnTime>,
    pub notifications_due: usize,
    pub notifications_on_time: usize,
    pub notifications_late: Vec<LateNotification>,
    pub learning: Vec<Learning>,
    /// Escalations whose procedure is no longer defined: counted, but their clocks unknown.
    pub without_schedule: Vec<i64>,
}

fn percent(part: usize, whole: usize) -> Option<u32> {
    (whole > 0).then(|| ((part as f64 / whole as f64) * 100.0).round() as u32)
}

fn days(span: Duration) -> f64 {
    (span.num_minutes() as f64 / 1440.0 * 10.0).round() / 10.0
}

fn tallies(counts: BTreeMap<String, usize>) -> Vec<Tally> {
    let mut tallies: Vec<Tally> = counts
        .into_iter()
        .map(|(label, count)| Tally { label, count })
        .collect();
    // Largest first; ties by label, so the same record always reads the same.
    tallies.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    tallies
}

/// The highest stage `escalation` had reached by `end`.
fn stage_by(escalation: &Escalation, end: DateTime<Utc>) -> u8 {
    escalation
        .stage_changes
        .iter()
        .filter(|c| c.at < end)
        .map(|c| c.to_stage)
        .fold(1, u8::max)
}

/// Builds the report from every escalation with its schedule as of `now` (`None` where its
/// procedure is unknown). `learning` is how the caller shows a resolution's learning (with the
/// child's name hidden).
pub fn build<'a>(
    escalations: impl IntoIterator<Item = (&'a Escalation, Option<&'a Schedule>)>,
    period: Period,
    procedure: Option<&str>,
    now: DateTime<Utc>,
    learning: impl Fn(&Escalation, &str) -> String,
) -> Report {
    let mut builder = Builder::new(period, procedure, now);
    for (escalation, schedule) in escalations {
        builder.add(escalation, schedule, &learning);
    }
    builder.finish()
}

/// A report counted an escalation at a time, so that years of history can be read a page at a
/// time rather than held at once.
#[derive(Debug, Clone)]
pub struct Builder {
    report: Report,
    stages: BTreeMap<u8, usize>,
    outcomes: BTreeMap<u8, (usize, usize)>,
    categories: BTreeMap<String, usize>,
    agencies: BTreeMap<String, usize>,
    months: BTreeMap<String, usize>,
    to_resolve: Vec<(Duration, i64)>,
    clocks: BTreeMap<(Option<u8>, String), OnTime>,
}

impl Builder {
    pub fn new(period: Period, procedure: Option<&str>, now: DateTime<Utc>) -> Self {
        // Every month of the period, even one with nothing opened: a gap is information.
        let mut months = BTreeMap::new();
        let mut month = period.from.with_day(1).unwrap_or(period.from);
        while month <= period.to {
            months.insert(month.format("%Y-%m").to_string(), 0);
            match month.checked_add_months(chrono::Months::new(1)) {
                Some(next) => month = next,
                None => break,
            }
        }
        Self {
            report: Report {
                period,
                as_of: now,
                procedure: procedure.map(str::to_owned),
                opened: 0,
                resolved: 0,
                withdrawn: 0,
                active: 0,
                open_at_end: 0,
                highest_stage: Vec::new(),
                outcomes_by_stage: Vec::new(),
                by_category: Vec::new(),
                by_agency: Vec::new(),
                opened_by_month: Vec::new(),
                median_days_to_resolve: None,
                longest_days_to_resolve: None,
                longest: None,
                clocks: Vec::new(),
                clocks_by_stage: Vec::new(),
                notifications_due: 0,
                notifications_on_time: 0,
                notifications_late: Vec::new(),
                learning: Vec::new(),
                without_schedule: Vec::new(),
            },
            stages: BTreeMap::new(),
            outcomes: BTreeMap::new(),
            categories: BTreeMap::new(),
            agencies: BTreeMap::new(),
            months,
            to_resolve: Vec::new(),
            clocks: BTreeMap::new(),
        }
    }

    /// Counts one escalation (with its schedule as of the report's `now`, if its procedure is
    /// known); one under another procedure than the report's is left out.
    pub fn add(
        &mut self,
        escalation: &Escalation,
        schedule: Option<&Schedule>,
        learning: impl Fn(&Escalation, &str) -> String,
    ) {
        let report = &mut self.report;
        let period = report.period;
        let (start, end, now) = (period.start(), period.end(), report.as_of);
        if report
            .procedure
            .as_deref()
            .is_some_and(|p| p != escalation.procedure)
        {
            return;
        }
        let closed = escalation.outcome.as_deref().map(Outcome::at);
        if period.contains(escalation.raised_at) {
            report.opened += 1;
            let month = local_date(escalation.raised_at).format("%Y-%m").to_string();
            *self.months.entry(month).or_default() += 1;
        }
        match escalation.outcome.as_deref() {
            Some(Outcome::Resolved {
                at,
                stage,
                learning: said,
                ..
            }) if period.contains(*at) => {
                report.resolved += 1;
                self.outcomes.entry(*stage).or_default().0 += 1;
                self.to_resolve
                    .push((*at - escalation.raised_at, escalation.id));
                if let Some(said) = said.as_deref().filter(|s| !s.trim().is_empty()) {
                    report.learning.push(Learning {
                        escalation: escalation.id,
                        at: *at,
                        text: learning(escalation, said),
                    });
                }
            }
            Some(Outcome::Withdrawn { at, stage, .. }) if period.contains(*at) => {
                report.withdrawn += 1;
                self.outcomes.entry(*stage).or_default().1 += 1;
            }
            _ => {}
        }
        let is_active = escalation.raised_at < end && closed.is_none_or(|at| at >= start);
        if is_active {
            report.active += 1;
            if closed.is_none_or(|at| at >= end) {
                report.open_at_end += 1;
            }
            *self.stages.entry(stage_by(escalation, end)).or_default() += 1;
            *self
                .categories
                .entry(escalation.category.as_str().to_owned())
                .or_default() += 1;
            *self
                .agencies
                .entry(escalation.raised_with.trim().to_owned())
                .or_default() += 1;
        }
        let Some(schedule) = schedule else {
            if is_active {
                report.without_schedule.push(escalation.id);
            }
            return;
        };
        for clock in &schedule.clocks {
            let Some(due) = clock.due_at.filter(|&due| period.contains(due)) else {
                continue;
            };
            let tally = self
                .clocks
                .entry((clock.stage, clock.name.to_string()))
                .or_insert_with(|| OnTime {
                    stage: clock.stage,
                    clock: clock.name.to_string(),
                    on_time: 0,
                    late: 0,
                    missed: 0,
                });
            match clock.state {
                ClockState::MetOnTime => tally.on_time += 1,
                ClockState::MetLate => tally.late += 1,
                ClockState::LeftLate => tally.missed += 1,
                state if state.is_live() && now > due => tally.missed += 1,
                _ => {}
            }
        }
        for notification in &schedule.notifications {
            if !period.contains(notification.due_at) {
                continue;
            }
            let late = match notification.sent_at {
                Some(sent) => sent > notification.due_at,
                None => notification.state != ClockState::Stopped && now > notification.due_at,
            };
            if notification.sent_at.is_none() && !late {
                continue;
            }
            report.notifications_due += 1;
            if late {
                report.notifications_late.push(LateNotification {
                    escalation: escalation.id,
                    notification: notification.id.to_string(),
                    due_at: notification.due_at,
                    sent_at: notification.sent_at,
                });
            } else {
                report.notifications_on_time += 1;
            }
        }
    }

    /// Counts one escalation with its schedule worked out as of the report's `now` under the
    /// procedures given (unknown where its procedure is gone), its learning shown printable
    /// with every spelling of the child's name hidden: what the command line and the
    /// dashboard's report screen both count with.
    pub fn add_escalation(
        &mut self,
        escalation: &Escalation,
        procedures: &super::procedure::ProcedureSet,
        calendar: &super::calendar::Calendar,
        settings: &super::deadline::Settings,
    ) {
        let schedule = procedures.get(&escalation.procedure).and_then(|procedure| {
            super::deadline::schedule(
                procedure,
                calendar,
                settings,
                &escalation.events(),
                self.report.as_of,
            )
            .ok()
        });
        self.add(escalation, schedule.as_ref(), |e, said| {
            super::record::printable(
                &super::record::Redactor::for_escalation(e).apply(said),
                true,
            )
        });
    }

    pub fn finish(self) -> Report {
        let mut report = self.report;
        let mut to_resolve = self.to_resolve;
        to_resolve.sort();
        if !to_resolve.is_empty() {
            let n = to_resolve.len();
            let median = if n % 2 == 1 {
                days(to_resolve[n / 2].0)
            } else {
                (days(to_resolve[n / 2 - 1].0) + days(to_resolve[n / 2].0)) / 2.0
            };
            report.median_days_to_resolve = Some((median * 10.0).round() / 10.0);
            // The longest; of two as long, the earlier escalation.
            if let Some((longest, id)) = to_resolve.iter().max_by_key(|(span, id)| (*span, -id)) {
                report.longest_days_to_resolve = Some(days(*longest));
                report.longest = Some(*id);
            }
        }
        report.highest_stage = self
            .stages
            .into_iter()
            .map(|(stage, count)| Tally {
                label: format!("Stage {stage}"),
                count,
            })
            .collect();
        report.outcomes_by_stage = self
            .outcomes
            .into_iter()
            .map(|(stage, (resolved, withdrawn))| StageOutcomes {
                stage,
                resolved,
                withdrawn,
            })
            .collect();
        report.by_category = tallies(self.categories);
        report.by_agency = tallies(self.agencies);
        report.opened_by_month = self
            .months
            .into_iter()
            .map(|(label, count)| Tally { label, count })
            .collect();
        let mut by_stage: BTreeMap<Option<u8>, OnTime> = BTreeMap::new();
        for tally in self.clocks.values() {
            let sum = by_stage.entry(tally.stage).or_insert_with(|| OnTime {
                stage: tally.stage,
                clock: tally
                    .stage
                    .map_or_else(|| "escalation-wide".to_owned(), |s| format!("Stage {s}")),
                on_time: 0,
                late: 0,
                missed: 0,
            });
            sum.on_time += tally.on_time;
            sum.late += tally.late;
            sum.missed += tally.missed;
        }
        report.clocks = self
            .clocks
            .into_values()
            .filter(|t| t.decided() > 0)
            .collect();
        report.clocks_by_stage = by_stage.into_values().filter(|t| t.decided() > 0).collect();
        report
            .notifications_late
            .sort_by_key(|n| (n.due_at, n.escalation));
        report.learning.sort_by_key(|l| (l.at, l.escalation));
        report
    }
}

impl Report {
    /// The share of notifications due in the period that went on time, in whole per cent.
    pub fn notifications_on_time_percent(&self) -> Option<u32> {
        percent(self.notifications_on_time, self.notifications_due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn the_school_year_starts_on_the_first_of_september() {
        assert_eq!(
            Period::school_year_to(d("2026-12-02")),
            Period {
                from: d("2026-09-01"),
                to: d("2026-12-02")
            }
        );
        assert_eq!(
            Period::school_year_to(d("2027-08-31")).from,
            d("2026-09-01")
        );
        assert_eq!(
            Period::school_year_to(d("2026-09-01")).from,
            d("2026-09-01")
        );
    }

    #[test]
    fn a_period_runs_from_midnight_to_midnight_uk_time_both_days_included() {
        let period = Period {
            from: d("2026-06-01"),
            to: d("2026-06-30"),
        };
        // 23:30 UTC on 31 May is 00:30 on 1 June in summer time.
        let t = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        assert!(period.contains(t("2026-05-31T23:30:00Z")));
        assert!(!period.contains(t("2026-05-31T22:59:59Z")));
        assert!(period.contains(t("2026-06-30T22:59:59Z")));
        assert!(!period.contains(t("2026-06-30T23:00:00Z")));
    }

    #[test]
    fn an_empty_record_reports_zeroes_and_every_month() {
        let period = Period {
            from: d("2026-09-15"),
            to: d("2026-12-02"),
        };
        let report = build(
            std::iter::empty(),
            period,
            None,
            local_instant(d("2026-12-02"), NaiveTime::MIN),
            |_, s| s.to_owned(),
        );
        assert_eq!((report.opened, report.active, report.resolved), (0, 0, 0));
        let months: Vec<&str> = report
            .opened_by_month
            .iter()
            .map(|t| t.label.as_str())
            .collect();
        assert_eq!(months, ["2026-09", "2026-10", "2026-11", "2026-12"]);
        assert_eq!(report.median_days_to_resolve, None);
        assert_eq!(report.notifications_on_time_percent(), None);
    }
}
