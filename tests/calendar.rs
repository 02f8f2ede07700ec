//! The timescale grammar on the issue's worked examples and on the calendar's edges, and the
//! laws every deadline obeys, checked with proptest.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Timelike, Utc, Weekday,
};
use escalate::core::calendar::{Calendar, LONDON, bank_holidays, local_date};
use escalate::core::time::parse_instant;
use escalate::core::timescale::Timescale;
use proptest::prelude::*;

fn t(text: &str) -> DateTime<Utc> {
    parse_instant(text).unwrap_or_else(|e| panic!("{text}: {e}"))
}

fn date(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// Checks `timescale` from `start` (with day one the start's date) against the expected due time.
fn check(timescale: &str, start: &str, expected: &str) {
    let calendar = Calendar::default();
    let timescale = Timescale::parse(timescale).unwrap();
    let start = t(start);
    let due = calendar.due(timescale, start, local_date(start));
    assert_eq!(
        due,
        t(expected),
        "{timescale} from {start}: got {}",
        due.with_timezone(&LONDON)
    );
}

#[test]
fn the_issues_worked_examples() {
    check("5 working days", "2026-11-23 10:00", "2026-11-30 17:00");
    check("same working day", "2026-11-27 18:00", "2026-11-30 17:00");
    check("1 working day", "2026-12-24 09:00", "2026-12-29 17:00");
    check(
        "48 hours",
        "2026-10-24T12:00:00+01:00",
        "2026-10-26T11:00:00+00:00",
    );
    check("day 9", "2026-11-23 09:00", "2026-12-01 17:00");
}

#[test]
fn working_days_from_weekends_and_holidays() {
    // A Saturday start: the first working day after it is Monday.
    check("1 working day", "2026-11-28 10:00", "2026-11-30 17:00");
    // A Sunday start.
    check("1 working day", "2026-11-29 23:59", "2026-11-30 17:00");
    // Good Friday 3 Apr 2026 start: Easter Monday 6 Apr is skipped too.
    check("1 working day", "2026-04-03 09:00", "2026-04-07 17:00");
    // Thursday before Easter 2027 (Good Friday 26 Mar, Easter Monday 29 Mar).
    check("1 working day", "2027-03-25 09:00", "2027-03-30 17:00");
    check("5 working days", "2027-03-25 09:00", "2027-04-05 17:00");
    // Late May bank holiday 25 May 2026.
    check("1 working day", "2026-05-22 16:00", "2026-05-26 17:00");
}

#[test]
fn christmas_and_new_year_substitutes() {
    // 2021: Christmas Sat, Boxing Day Sun -> Mon 27 and Tue 28 Dec; New Year 2022 Sat -> Mon 3 Jan.
    check("1 working day", "2021-12-24 10:00", "2021-12-29 17:00");
    check("2 working days", "2021-12-30 10:00", "2022-01-04 17:00");
    // 2022: Christmas Sun -> Boxing Day Mon 26, Christmas substitute Tue 27 Dec.
    check("1 working day", "2022-12-23 10:00", "2022-12-28 17:00");
    // 2027: Christmas Sat -> Mon 27 and Tue 28 Dec; New Year 2028 Sat -> Mon 3 Jan.
    check("1 working day", "2027-12-24 10:00", "2027-12-29 17:00");
    check("3 working days", "2027-12-29 10:00", "2028-01-04 17:00");
    // 2026: Christmas Fri, Boxing Day Sat -> Mon 28 Dec; 1 Jan 2027 is a Friday.
    check("5 working days", "2026-12-23 10:00", "2027-01-04 17:00");
}

#[test]
fn one_off_bank_holidays() {
    // 2022: spring bank holiday moved to Thu 2 June, Platinum Jubilee Fri 3 June.
    check("1 working day", "2022-06-01 10:00", "2022-06-06 17:00");
    check("1 working day", "2022-05-27 10:00", "2022-05-30 17:00");
    // The State Funeral, Mon 19 Sep 2022.
    check("1 working day", "2022-09-16 10:00", "2022-09-20 17:00");
    // The Coronation, Mon 8 May 2023.
    check("1 working day", "2023-05-05 10:00", "2023-05-09 17:00");
    // VE Day 2020: early May moved from Mon 4 to Fri 8 May.
    check("1 working day", "2020-05-01 10:00", "2020-05-04 17:00");
    check("1 working day", "2020-05-07 10:00", "2020-05-11 17:00");
}

#[test]
fn same_working_day_at_the_edges_of_close_of_business() {
    check("same working day", "2026-11-23 09:00", "2026-11-23 17:00");
    check("same working day", "2026-11-23 16:59", "2026-11-23 17:00");
    // Exactly at close of business is no longer before it.
    check("same working day", "2026-11-23 17:00", "2026-11-24 17:00");
    check("same working day", "2026-11-23 17:01", "2026-11-24 17:00");
    // A Saturday, and a bank holiday.
    check("same working day", "2026-11-28 09:00", "2026-11-30 17:00");
    check("same working day", "2026-12-25 09:00", "2026-12-29 17:00");
    // Before midnight after close of business on Christmas Eve.
    check("same working day", "2026-12-24 23:30", "2026-12-29 17:00");
}

#[test]
fn working_days_count_from_the_start_date_whatever_the_hour() {
    check("1 working day", "2026-11-23 00:00", "2026-11-24 17:00");
    check("1 working day", "2026-11-23 17:00", "2026-11-24 17:00");
    check("1 working day", "2026-11-23 23:59", "2026-11-24 17:00");
}

#[test]
fn clock_changes() {
    // BST begins 29 Mar 2026 (01:00 GMT -> 02:00 BST): 24 real hours from Sat 12:00 GMT is Sun 13:00 BST.
    check("24 hours", "2026-03-28 12:00", "2026-03-29 13:00");
    // BST ends 25 Oct 2026: 24 real hours from Sat 12:00 BST is Sun 11:00 GMT.
    check("24 hours", "2026-10-24 12:00", "2026-10-25 11:00");
    // Close of business stays 17:00 local on both sides of a change.
    check("1 working day", "2026-03-27 10:00", "2026-03-30 17:00");
    assert_eq!(
        t("2026-03-30 17:00"),
        Utc.with_ymd_and_hms(2026, 3, 30, 16, 0, 0).unwrap()
    );
    check("1 working day", "2026-10-23 10:00", "2026-10-26 17:00");
    assert_eq!(
        t("2026-10-26 17:00"),
        Utc.with_ymd_and_hms(2026, 10, 26, 17, 0, 0).unwrap()
    );
    // Day N counts calendar days across the change.
    check("day 3", "2026-10-24 10:00", "2026-10-26 17:00");
}

#[test]
fn by_day_counts_the_raise_date_as_day_one() {
    check("day 1", "2026-11-23 09:00", "2026-11-23 17:00");
    check("day 2", "2026-11-23 09:00", "2026-11-24 17:00");
    check("day 16", "2026-11-23 09:00", "2026-12-08 17:00");
    check("day 23", "2026-11-23 09:00", "2026-12-15 17:00");
    // Calendar days: a weekend is counted.
    check("day 2", "2026-11-27 09:00", "2026-11-28 17:00");
}

#[test]
fn a_later_close_of_business_setting_moves_every_working_day_deadline() {
    let calendar = Calendar::new(NaiveTime::from_hms_opt(16, 0, 0).unwrap());
    let start = t("2026-11-23 16:30");
    let due = calendar.due(Timescale::SameWorkingDay, start, local_date(start));
    assert_eq!(due, t("2026-11-24 16:00"));
    let due = calendar.due(Timescale::WorkingDays(1), start, local_date(start));
    assert_eq!(due, t("2026-11-24 16:00"));
}

/// Issue 11, item 7: the closures in `config.toml` are the DSL's own organisation's (INSET days);
/// the other agencies work through them, so a closure never stretches a multi-agency deadline.
/// It is named as a warning instead.
#[test]
fn closures_never_move_a_due_time_and_are_named_as_a_warning() {
    let calendar = Calendar::default().with_closures([
        (date("2026-11-24"), "INSET day".to_owned()),
        (date("2026-11-25"), "INSET day".to_owned()),
    ]);
    // Mon 23 Nov 10:00 + 1 working day: Tue 24 Nov 17:00, closure or not.
    let start = t("2026-11-23 10:00");
    assert_eq!(
        calendar.due(Timescale::WorkingDays(1), start, local_date(start)),
        t("2026-11-24 17:00")
    );
    // Barnet's five working days from Mon 23 Nov: Mon 30 Nov 17:00, not moved by the two INSET
    // days to Wed 2 Dec.
    assert_eq!(
        calendar.due(Timescale::WorkingDays(5), start, local_date(start)),
        t("2026-11-30 17:00")
    );
    let explanation = calendar.explain(Timescale::WorkingDays(1), start, local_date(start));
    assert!(
        explanation.lines.iter().any(|l| l.contains(
            "Tue 24 Nov 2026: working day 1 (you are closed: INSET day; the other agencies are not)"
        )),
        "{:#?}",
        explanation.lines
    );
    assert!(
        explanation
            .lines
            .iter()
            .any(|l| l
                .contains("You are closed on Tue 24 Nov 2026 (INSET day), but this is due then")),
        "{:#?}",
        explanation.lines
    );
}

#[test]
fn explanations_name_what_was_passed_over() {
    let calendar = Calendar::default();
    let start = t("2026-12-24 09:00");
    let lines = calendar
        .explain(Timescale::WorkingDays(2), start, local_date(start))
        .lines;
    let text = lines.join("\n");
    assert!(
        text.contains("Fri 25 Dec 2026: passed over (bank holiday: Christmas Day)"),
        "{text}"
    );
    assert!(
        text.contains("Sat 26 Dec 2026: passed over (weekend)"),
        "{text}"
    );
    assert!(
        text.contains("Mon 28 Dec 2026: passed over (bank holiday: Boxing Day (substitute day))"),
        "{text}"
    );
    assert!(text.contains("Tue 29 Dec 2026: working day 1"), "{text}");
    assert!(text.contains("Wed 30 Dec 2026: working day 2"), "{text}");
    assert!(text.ends_with("Due: Wed 30 Dec 2026 17:00 GMT."), "{text}");

    let start = t("2026-10-24 12:00");
    let text = calendar
        .explain(Timescale::Hours(48), start, local_date(start))
        .lines
        .join("\n");
    assert!(
        text.contains("clocks went back one hour on Sun 25 Oct 2026"),
        "{text}"
    );
}

#[test]
fn every_year_has_its_regular_holidays() {
    for year in 1978..=2100 {
        let days = bank_holidays(year);
        assert!(days.len() >= 8, "{year}: {days:?}");
        assert!(
            days.windows(2).all(|w| w[0].date < w[1].date),
            "{year} not sorted"
        );
        for holiday in &days {
            assert!(
                !matches!(holiday.date.weekday(), Weekday::Sat | Weekday::Sun),
                "{year}: {} falls at a weekend",
                holiday.date
            );
        }
    }
}

fn any_instant() -> impl Strategy<Value = DateTime<Utc>> {
    // 2000 to 2060, to the minute.
    (946_684_800i64..2_871_763_200i64).prop_map(|s| Utc.timestamp_opt(s - s % 60, 0).unwrap())
}

fn local_time_is_close_of_business(instant: DateTime<Utc>) -> bool {
    let local = instant.with_timezone(&LONDON);
    local.hour() == 17 && local.minute() == 0 && local.second() == 0
}

proptest! {
    #[test]
    fn working_day_deadlines_land_on_a_working_day_at_close_of_business(start in any_instant(), n in 1u32..40) {
        let calendar = Calendar::default();
        let due = calendar.due(Timescale::WorkingDays(n), start, local_date(start));
        prop_assert!(calendar.is_working_day(local_date(due)));
        prop_assert!(local_time_is_close_of_business(due));
        prop_assert!(due > start);
        prop_assert!(local_date(due) > local_date(start));
        prop_assert_eq!(calendar.working_days_between(local_date(start), local_date(due)), n);
    }

    #[test]
    fn more_working_days_is_never_sooner(start in any_instant(), n in 1u32..40) {
        let calendar = Calendar::default();
        let sooner = calendar.due(Timescale::WorkingDays(n), start, local_date(start));
        let later = calendar.due(Timescale::WorkingDays(n + 1), start, local_date(start));
        prop_assert!(later > sooner);
    }

    #[test]
    fn a_later_start_is_never_due_sooner(start in any_instant(), gap_minutes in 0i64..20_000, n in 1u32..10) {
        let calendar = Calendar::default();
        let later_start = start + Duration::minutes(gap_minutes);
        for timescale in [Timescale::WorkingDays(n), Timescale::SameWorkingDay, Timescale::Hours(n)] {
            let first = calendar.due(timescale, start, local_date(start));
            let second = calendar.due(timescale, later_start, local_date(later_start));
            prop_assert!(second >= first, "{timescale}: {first} then {second}");
        }
    }

    #[test]
    fn same_working_day_is_never_before_the_start_nor_past_the_next_working_day(start in any_instant()) {
        let calendar = Calendar::default();
        let due = calendar.due(Timescale::SameWorkingDay, start, local_date(start));
        prop_assert!(due > start);
        prop_assert!(calendar.is_working_day(local_date(due)));
        prop_assert!(local_time_is_close_of_business(due));
        prop_assert!(due <= calendar.due(Timescale::WorkingDays(1), start, local_date(start)));
    }

    #[test]
    fn hours_are_real_hours(start in any_instant(), n in 1u32..500) {
        let due = Calendar::default().due(Timescale::Hours(n), start, local_date(start));
        prop_assert_eq!(due - start, Duration::hours(i64::from(n)));
    }

    #[test]
    fn day_n_is_n_minus_one_calendar_days_after_day_one(start in any_instant(), n in 1u32..60) {
        let day_one = local_date(start);
        let due = Calendar::default().due(Timescale::ByDay(n), start, day_one);
        prop_assert_eq!(local_date(due), day_one + Duration::days(i64::from(n) - 1));
        prop_assert!(local_time_is_close_of_business(due));
    }

    #[test]
    fn adding_working_days_one_at_a_time_is_adding_them_at_once(d in 0i64..20_000, a in 0u32..30, b in 0u32..30) {
        let calendar = Calendar::default();
        let start = date("2000-01-01") + Duration::days(d);
        prop_assert_eq!(
            calendar.add_working_days(calendar.add_working_days(start, a), b),
            calendar.add_working_days(start, a + b)
        );
    }
}
