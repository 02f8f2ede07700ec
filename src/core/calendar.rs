//! The working-day calendar of England and Wales, in UK local time.
//!
//! Every deadline in the procedures is counted in one of two ways: real hours, or working days
//! ending at close of business. This module knows which days are working days (Monday to Friday,
//! less the bank holidays of England and Wales) and turns a [`Timescale`] and a start instant into
//! a due instant.
//!
//! The closure dates a setting adds (INSET days, a local closure) are the DSL's own
//! organisation's. The other agencies work through them, so a closure never moves a multi-agency
//! deadline later: it is only named, as a warning, when something falls due on it.
//!
//! It must not read the clock or touch the file system: every instant comes in as an argument.
//! Start reading at [`Calendar::due`].

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;

use super::timescale::Timescale;

/// UK local time: every "day", "today" and "close of business" in the procedures is in this zone.
pub const LONDON: Tz = chrono_tz::Europe::London;

/// The first year whose bank holidays follow the rules encoded here: the early May bank holiday
/// began in 1978.
pub const FIRST_RULE_YEAR: i32 = 1978;
/// The last year `holidays` will list; far enough for any deadline, small enough for dates to fit.
pub const LAST_RULE_YEAR: i32 = 9999;

/// A bank holiday of England and Wales.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankHoliday {
    pub date: NaiveDate,
    pub name: &'static str,
}

/// Why a day is, or is not, a working day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayKind {
    Working,
    Weekend,
    BankHoliday(&'static str),
    /// A working day on which the DSL's own organisation is closed (an INSET day, a local closure,
    /// from the settings). It still counts as a working day: the other agencies are working.
    Closure(String),
}

/// The working-day calendar: bank holidays by rule, plus the settings that vary by setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    /// When working hours begin: before it, as after close of business, is out of hours for a
    /// "same working day, or at once out of hours" clock.
    start_of_business: NaiveTime,
    close_of_business: NaiveTime,
    closures: BTreeMap<NaiveDate, String>,
}

impl Default for Calendar {
    fn default() -> Self {
        Self::new(default_close_of_business())
    }
}

/// 09:00, when working hours begin unless the settings say otherwise: children's services' day
/// teams open, and the out-of-hours (emergency duty) services hand back.
pub fn default_start_of_business() -> NaiveTime {
    NaiveTime::from_hms_opt(9, 0, 0).expect("09:00 is a valid time")
}

/// 17:00, the close of business unless the settings say otherwise.
pub fn default_close_of_business() -> NaiveTime {
    NaiveTime::from_hms_opt(17, 0, 0).expect("17:00 is a valid time")
}

impl Calendar {
    pub fn new(close_of_business: NaiveTime) -> Self {
        Self {
            start_of_business: default_start_of_business(),
            close_of_business,
            closures: BTreeMap::new(),
        }
    }

    /// Sets when working hours begin (see [`default_start_of_business`]).
    pub fn with_start_of_business(mut self, start_of_business: NaiveTime) -> Self {
        self.start_of_business = start_of_business;
        self
    }

    pub fn start_of_business(&self) -> NaiveTime {
        self.start_of_business
    }

    /// Adds the organisation's own closure dates (each with a label saying why). They are named as
    /// warnings where something falls due on them; they never move a due time.
    pub fn with_closures(
        mut self,
        closures: impl IntoIterator<Item = (NaiveDate, String)>,
    ) -> Self {
        self.closures.extend(closures);
        self
    }

    pub fn close_of_business(&self) -> NaiveTime {
        self.close_of_business
    }

    pub fn closures(&self) -> impl Iterator<Item = (&NaiveDate, &String)> {
        self.closures.iter()
    }

    /// What kind of day `date` is. A bank holiday that falls on a closure date reads as the bank
    /// holiday, since that is the better-known reason.
    pub fn day_kind(&self, date: NaiveDate) -> DayKind {
        if let Some(name) = bank_holiday_name(date) {
            return DayKind::BankHoliday(name);
        }
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            return DayKind::Weekend;
        }
        if let Some(label) = self.closures.get(&date) {
            return DayKind::Closure(label.clone());
        }
        DayKind::Working
    }

    /// Whether `date` is a working day for the agencies: Monday to Friday and not a bank holiday
    /// of England and Wales. The organisation's own closures do not change this.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
            return false;
        }
        bank_holiday_name(date).is_none()
    }

    /// Why the organisation is closed on `date`, if a closure in the settings says so.
    pub fn closure_on(&self, date: NaiveDate) -> Option<&str> {
        self.closures.get(&date).map(String::as_str)
    }

    /// The first working day strictly after `date`.
    pub fn next_working_day(&self, date: NaiveDate) -> NaiveDate {
        self.add_working_days(date, 1)
    }

    /// The `n`th working day strictly after `date`; `date` itself when `n` is zero.
    pub fn add_working_days(&self, date: NaiveDate, n: u32) -> NaiveDate {
        let mut day = date;
        let mut left = n;
        while left > 0 {
            day = day.succ_opt().unwrap_or(day);
            if self.is_working_day(day) {
                left -= 1;
            }
        }
        day
    }

    /// How many working days lie strictly after `from` and up to and including `to`
    /// (zero when `to` is not after `from`).
    ///
    /// Counted by whole weeks and then by year's bank holidays, so that a countdown read from a
    /// century away (`--now 1900`) costs no more than one read from tomorrow.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> u32 {
        if to <= from {
            return 0;
        }
        let is_weekday = |d: NaiveDate| !matches!(d.weekday(), Weekday::Sat | Weekday::Sun);
        let span = (to - from).num_days();
        let mut count = span / 7 * 5;
        let mut day = from + Duration::days(span / 7 * 7);
        while day < to {
            let Some(next) = day.succ_opt() else { break };
            day = next;
            if is_weekday(day) {
                count += 1;
            }
        }
        for year in from.year()..=to.year() {
            let in_span = |h: &BankHoliday| h.date > from && h.date <= to && is_weekday(h.date);
            let holidays = match usize::try_from(year - CACHE_FIRST_YEAR)
                .ok()
                .and_then(|i| cached_years().and_then(|t| t.get(i)))
            {
                Some(days) => days.iter().filter(|h| in_span(h)).count(),
                None => bank_holidays(year).iter().filter(|h| in_span(h)).count(),
            };
            count -= i64::try_from(holidays).unwrap_or(0);
        }
        u32::try_from(count.max(0)).unwrap_or(u32::MAX)
    }

    /// Close of business on `date`, as an instant.
    pub fn close_of_business_on(&self, date: NaiveDate) -> DateTime<Utc> {
        local_instant(date, self.close_of_business)
    }

    /// When something with timescale `timescale` is due, counting from `start`.
    ///
    /// `day_one` is the escalation's day 1 (the procedure says whether that is the date the
    /// concern arose or the date it was raised), used only by [`Timescale::ByDay`].
    pub fn due(
        &self,
        timescale: Timescale,
        start: DateTime<Utc>,
        day_one: NaiveDate,
    ) -> DateTime<Utc> {
        match timescale {
            Timescale::Immediately => start,
            // Real hours: 48 hours across a clock change is still 48 hours.
            Timescale::Hours(n) => start + Duration::hours(i64::from(n)),
            Timescale::WorkingDays(n) => {
                let start_date = local_date(start);
                self.close_of_business_on(self.add_working_days(start_date, n))
            }
            Timescale::SameWorkingDay => self.same_working_day(start).unwrap_or_else(|| {
                self.close_of_business_on(self.next_working_day(local_date(start)))
            }),
            Timescale::SameWorkingDayOrImmediately => self.in_hours(start).unwrap_or(start),
            Timescale::CalendarDays(n) => {
                let local = start.with_timezone(&LONDON);
                let same_time = local
                    .date_naive()
                    .checked_add_days(chrono::Days::new(u64::from(n)))
                    .map_or(start, |date| local_instant(date, local.time()));
                // Across a clock change the same clock time can be an hour more than N days of
                // real time; the earlier of the two is never later than the document allows.
                same_time.min(start + Duration::days(i64::from(n)))
            }
            Timescale::ByDay(n) => {
                let date = day_one + Duration::days(i64::from(n.saturating_sub(1)));
                self.close_of_business_on(date)
            }
        }
    }

    /// Close of business on the start's date, if that is a working day and the start is before it.
    fn same_working_day(&self, start: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let start_date = local_date(start);
        let close = self.close_of_business_on(start_date);
        (self.is_working_day(start_date) && start < close).then_some(close)
    }

    /// Whether a due time counted with `timescale` from `start` falls due at once because the
    /// start is out of hours: before working hours begin or after close of business, a weekend
    /// or a bank holiday.
    pub fn is_out_of_hours(&self, timescale: Timescale, start: DateTime<Utc>) -> bool {
        timescale == Timescale::SameWorkingDayOrImmediately && self.in_hours(start).is_none()
    }

    /// Close of business on the start's date, if the start is within working hours.
    fn in_hours(&self, start: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let opens = local_instant(local_date(start), self.start_of_business);
        self.same_working_day(start).filter(|_| start >= opens)
    }

    /// For a "by day N" due time that falls on a weekend or bank holiday: the document's date is
    /// kept, and this says so in a few words, naming the working day before it, so that a report
    /// calling it overdue on the Monday is understood. `None` for any other due time.
    pub fn numbered_day_note(&self, timescale: Timescale, due: DateTime<Utc>) -> Option<String> {
        if !timescale.is_day_numbered() {
            return None;
        }
        let date = local_date(due);
        if self.is_working_day(date) {
            return None;
        }
        Some(format!(
            "{} is not a working day; the last working day before it is {}",
            format_date(date),
            format_date(self.working_day_before(date))
        ))
    }

    /// The last working day strictly before `date`.
    fn working_day_before(&self, date: NaiveDate) -> NaiveDate {
        let mut before = date;
        while let Some(previous) = before.pred_opt() {
            before = previous;
            if self.is_working_day(before) {
                break;
            }
        }
        before
    }

    /// The due time together with the reasoning behind it, in plain words: which days were
    /// counted, which were passed over and why, and any clock change on the way.
    pub fn explain(
        &self,
        timescale: Timescale,
        start: DateTime<Utc>,
        day_one: NaiveDate,
    ) -> Explanation {
        let due = self.due(timescale, start, day_one);
        let start_date = local_date(start);
        let cob = self.close_of_business.format("%H:%M");
        let mut lines = vec![format!("Start: {}.", format_local(start))];
        match timescale {
            Timescale::Hours(n) => {
                lines.push(format!(
                    "{n} real hours are added; weekends and bank holidays count, as the procedure speaks of hours."
                ));
            }
            Timescale::WorkingDays(n) => {
                lines.push(format!(
                    "Counting {n} working day{} after {}; the last one ends at close of business ({cob}).",
                    plural(n),
                    format_date(start_date)
                ));
                self.describe_days(start_date, local_date(due), &mut lines);
            }
            Timescale::Immediately => {
                lines.push(
                    "Due immediately: there is nothing to wait for; act now and record it as met."
                        .to_owned(),
                );
            }
            Timescale::SameWorkingDayOrImmediately if self.is_out_of_hours(timescale, start) => {
                lines.push(format!(
                    "{} is out of hours (before {} or after close of business at {cob}, a weekend or a bank holiday), so there is no same working day to wait for: it is due at once. Use the out-of-hours services now (the emergency duty team, or 999).",
                    format_local(start),
                    self.start_of_business.format("%H:%M")
                ));
            }
            Timescale::CalendarDays(n) => {
                lines.push(format!(
                    "{n} calendar day{} after the start, weekends and bank holidays included, at the same clock time (never more than {n} times 24 real hours).",
                    plural(n)
                ));
            }
            Timescale::SameWorkingDay | Timescale::SameWorkingDayOrImmediately => {
                let close = self.close_of_business_on(start_date);
                match self.day_kind(start_date) {
                    DayKind::Working if start < close => lines.push(format!(
                        "{} is a working day and the start is before close of business ({cob}), so it is due that day.",
                        format_date(start_date)
                    )),
                    DayKind::Working => lines.push(format!(
                        "The start is at or after close of business ({cob}), so it is due at close of business on the next working day."
                    )),
                    other => lines.push(format!(
                        "{} is not a working day ({}), so it is due at close of business on the next working day.",
                        format_date(start_date),
                        describe_kind(&other)
                    )),
                }
                self.describe_days(start_date, local_date(due), &mut lines);
            }
            Timescale::ByDay(n) => {
                let date = local_date(due);
                lines.push(format!(
                    "Day 1 is {}; day {n} is {}, calendar days counted, weekends and bank holidays included.",
                    format_date(day_one),
                    format_date(date)
                ));
                lines.push(format!("Due at close of business ({cob}) that day."));
                if !self.is_working_day(date) {
                    let before = self.working_day_before(date);
                    lines.push(format!(
                        "Day {n} is {}, not a working day ({}); the procedure's date is kept, so the last working day before it is {}: act by then.",
                        format_date(date),
                        describe_kind(&self.day_kind(date)),
                        format_date(before)
                    ));
                }
            }
        }
        if let Some(label) = self.closure_on(local_date(due)) {
            lines.push(format!(
                "You are closed on {} ({}), but this is due then: the other agencies are working, so a closure never moves a due time.",
                format_date(local_date(due)),
                super::record::printable(label, false)
            ));
        }
        for change in clock_changes(start.min(due), start.max(due)) {
            lines.push(change);
        }
        lines.push(format!("Due: {}.", format_local(due)));
        Explanation { due, lines }
    }

    /// Lists the days strictly after `from` up to `to` that were passed over, and why.
    fn describe_days(&self, from: NaiveDate, to: NaiveDate, lines: &mut Vec<String>) {
        let mut day = from;
        let mut counted = 0;
        while day < to {
            let Some(next) = day.succ_opt() else { break };
            day = next;
            match self.day_kind(day) {
                DayKind::Working => {
                    counted += 1;
                    lines.push(format!("  {}: working day {counted}", format_date(day)));
                }
                DayKind::Closure(label) => {
                    counted += 1;
                    lines.push(format!(
                        "  {}: working day {counted} (you are closed: {}; the other agencies are not)",
                        format_date(day),
                        super::record::printable(&label, false)
                    ));
                }
                other => lines.push(format!(
                    "  {}: passed over ({})",
                    format_date(day),
                    describe_kind(&other)
                )),
            }
        }
    }
}

/// A due time with the reasons for it, one sentence a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub due: DateTime<Utc>,
    pub lines: Vec<String>,
}

fn describe_kind(kind: &DayKind) -> String {
    match kind {
        DayKind::Working => "working day".to_owned(),
        DayKind::Weekend => "weekend".to_owned(),
        DayKind::BankHoliday(name) => format!("bank holiday: {name}"),
        DayKind::Closure(label) => format!("closure: {}", super::record::printable(label, false)),
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The UK clock changes between two instants, as sentences.
fn clock_changes(from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<String> {
    let mut out = Vec::new();
    let mut date = local_date(from);
    let end = local_date(to);
    while date <= end {
        let Some(next) = date.succ_opt() else { break };
        let before = offset_seconds(local_instant(date, NaiveTime::MIN));
        let after = offset_seconds(local_instant(next, NaiveTime::MIN));
        if before != after {
            let direction = if after > before { "forward" } else { "back" };
            out.push(format!(
                "The clocks went {direction} one hour on {} (British Summer Time {}); the due time is in the local time of its day.",
                format_date(date),
                if after > before { "began" } else { "ended" }
            ));
        }
        date = next;
    }
    out
}

fn offset_seconds(instant: DateTime<Utc>) -> i32 {
    use chrono::Offset;
    instant
        .with_timezone(&LONDON)
        .offset()
        .fix()
        .local_minus_utc()
}

/// The UK local date of an instant.
pub fn local_date(instant: DateTime<Utc>) -> NaiveDate {
    instant.with_timezone(&LONDON).date_naive()
}

/// The instant of a UK local date and time. A time in the spring gap (which never happens on the
/// clock) is read as the instant an hour later; a time in the autumn overlap as the first of the two.
pub fn local_instant(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = date.and_time(time);
    match LONDON.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => t.with_timezone(&Utc),
        chrono::LocalResult::Ambiguous(first, _) => first.with_timezone(&Utc),
        chrono::LocalResult::None => {
            let later = naive + Duration::hours(1);
            LONDON
                .from_local_datetime(&later)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                // The gap is one hour long in Europe/London, so an hour later always exists.
                .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
        }
    }
}

/// `Mon 30 Nov 2026 17:00 GMT`: the readable local form used everywhere on screen.
pub fn format_local(instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&LONDON)
        .format("%a %-d %b %Y %H:%M %Z")
        .to_string()
}

/// `Mon 30 Nov 2026`.
pub fn format_date(date: NaiveDate) -> String {
    date.format("%a %-d %b %Y").to_string()
}

/// RFC 3339 in UK local time, with its offset: `2026-11-30T17:00:00+00:00`.
pub fn format_rfc3339(instant: DateTime<Utc>) -> String {
    instant
        .with_timezone(&LONDON)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// The bank holidays of England and Wales in `year`, in date order.
///
/// Computed by rule (the Banking and Financial Dealings Act 1971 and the royal proclamations
/// that followed), with the substitute days for holidays falling at a weekend and the one-off
/// changes listed in [`one_off_changes`].
pub fn bank_holidays(year: i32) -> Vec<BankHoliday> {
    let Some(jan1) = NaiveDate::from_ymd_opt(year, 1, 1) else {
        return Vec::new();
    };
    let mut days = Vec::with_capacity(10);
    let push = |days: &mut Vec<BankHoliday>, date: Option<NaiveDate>, name| {
        if let Some(date) = date {
            days.push(BankHoliday { date, name });
        }
    };

    // New Year's Day, moved to the Monday when it falls at a weekend.
    let new_year = match jan1.weekday() {
        Weekday::Sat => (jan1 + Duration::days(2), "New Year's Day (substitute day)"),
        Weekday::Sun => (jan1 + Duration::days(1), "New Year's Day (substitute day)"),
        _ => (jan1, "New Year's Day"),
    };
    push(&mut days, Some(new_year.0), new_year.1);

    if let Some(easter) = easter_sunday(year) {
        push(&mut days, Some(easter - Duration::days(2)), "Good Friday");
        push(&mut days, Some(easter + Duration::days(1)), "Easter Monday");
    }
    push(&mut days, first_monday(year, 5), "Early May bank holiday");
    push(&mut days, last_monday(year, 5), "Spring bank holiday");
    push(&mut days, last_monday(year, 8), "Summer bank holiday");

    // Christmas Day and Boxing Day, with substitute days on the next weekdays not already taken.
    if let (Some(christmas), Some(boxing)) = (
        NaiveDate::from_ymd_opt(year, 12, 25),
        NaiveDate::from_ymd_opt(year, 12, 26),
    ) {
        match christmas.weekday() {
            Weekday::Fri => {
                push(&mut days, Some(christmas), "Christmas Day");
                push(
                    &mut days,
                    Some(christmas + Duration::days(3)),
                    "Boxing Day (substitute day)",
                );
            }
            Weekday::Sat => {
                push(
                    &mut days,
                    Some(christmas + Duration::days(2)),
                    "Christmas Day (substitute day)",
                );
                push(
                    &mut days,
                    Some(christmas + Duration::days(3)),
                    "Boxing Day (substitute day)",
                );
            }
            Weekday::Sun => {
                push(&mut days, Some(boxing), "Boxing Day");
                push(
                    &mut days,
                    Some(christmas + Duration::days(2)),
                    "Christmas Day (substitute day)",
                );
            }
            _ => {
                push(&mut days, Some(christmas), "Christmas Day");
                push(&mut days, Some(boxing), "Boxing Day");
            }
        }
    }

    for change in one_off_changes().iter().filter(|c| c.year == year) {
        if let Some(moved_from) = change
            .replaces
            .and_then(|(m, d)| NaiveDate::from_ymd_opt(year, m, d))
        {
            days.retain(|h| h.date != moved_from);
        }
        push(
            &mut days,
            NaiveDate::from_ymd_opt(year, change.month, change.day),
            change.name,
        );
    }
    days.sort_by_key(|h| h.date);
    days
}

/// The name of the bank holiday on `date`, if it is one.
pub fn bank_holiday_name(date: NaiveDate) -> Option<&'static str> {
    // Every bank holiday is a weekday; this cheap test spares most days the full computation.
    if matches!(date.weekday(), Weekday::Sat | Weekday::Sun) {
        return None;
    }
    let year = date.year();
    if let Some(table) = cached_years()
        && let Some(days) = usize::try_from(year - CACHE_FIRST_YEAR)
            .ok()
            .and_then(|i| table.get(i))
    {
        return days.iter().find(|h| h.date == date).map(|h| h.name);
    }
    bank_holidays(year)
        .into_iter()
        .find(|h| h.date == date)
        .map(|h| h.name)
}

/// The years whose bank holidays are computed once and kept: every deadline the app will see
/// falls in them, and working-day arithmetic asks about holidays on every day it counts.
const CACHE_FIRST_YEAR: i32 = 2000;
const CACHE_LAST_YEAR: i32 = 2100;

fn cached_years() -> Option<&'static Vec<Vec<BankHoliday>>> {
    // A pure, deterministic table built on first use: this is memoisation, not I/O or state.
    static TABLE: std::sync::OnceLock<Vec<Vec<BankHoliday>>> = std::sync::OnceLock::new();
    Some(TABLE.get_or_init(|| {
        (CACHE_FIRST_YEAR..=CACHE_LAST_YEAR)
            .map(bank_holidays)
            .collect()
    }))
}

/// A bank holiday declared by proclamation for one year: either an extra day, or a regular
/// holiday moved (when `replaces` names the date it was moved from).
struct OneOff {
    year: i32,
    month: u32,
    day: u32,
    name: &'static str,
    replaces: Option<(u32, u32)>,
}

fn one_off_changes() -> &'static [OneOff] {
    const fn moved(
        year: i32,
        month: u32,
        day: u32,
        name: &'static str,
        from: (u32, u32),
    ) -> OneOff {
        OneOff {
            year,
            month,
            day,
            name,
            replaces: Some(from),
        }
    }
    const fn extra(year: i32, month: u32, day: u32, name: &'static str) -> OneOff {
        OneOff {
            year,
            month,
            day,
            name,
            replaces: None,
        }
    }
    const CHANGES: &[OneOff] = &[
        extra(1981, 7, 29, "Royal Wedding"),
        moved(1995, 5, 8, "Early May bank holiday (VE Day)", (5, 1)),
        extra(1999, 12, 31, "Millennium Celebrations"),
        moved(2002, 6, 4, "Spring bank holiday", (5, 27)),
        extra(2002, 6, 3, "Golden Jubilee"),
        extra(2011, 4, 29, "Royal Wedding"),
        moved(2012, 6, 4, "Spring bank holiday", (5, 28)),
        extra(2012, 6, 5, "Diamond Jubilee"),
        moved(2020, 5, 8, "Early May bank holiday (VE Day)", (5, 4)),
        moved(2022, 6, 2, "Spring bank holiday", (5, 30)),
        extra(2022, 6, 3, "Platinum Jubilee bank holiday"),
        extra(
            2022,
            9,
            19,
            "Bank holiday for the State Funeral of Queen Elizabeth II",
        ),
        extra(
            2023,
            5,
            8,
            "Bank holiday for the coronation of King Charles III",
        ),
    ];
    CHANGES
}

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm).
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let a = year.rem_euclid(19);
    let b = year.div_euclid(100);
    let c = year.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31);
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

fn first_monday(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_weekday_of_month_opt(year, month, Weekday::Mon, 1)
}

fn last_monday(year: i32, month: u32) -> Option<NaiveDate> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)?
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)?
    };
    let last = first_of_next.pred_opt()?;
    let back = last.weekday().num_days_from_monday();
    Some(last - Duration::days(i64::from(back)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn dates(year: i32) -> Vec<String> {
        bank_holidays(year)
            .iter()
            .map(|h| h.date.to_string())
            .collect()
    }

    #[test]
    fn easter_matches_published_dates() {
        for (year, m, d) in [
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
            (2285, 3, 22),
        ] {
            assert_eq!(easter_sunday(year), Some(date(year, m, d)), "{year}");
        }
    }

    #[test]
    fn bank_holidays_match_the_published_lists() {
        // As published for England and Wales.
        let cases: &[(i32, &[&str])] = &[
            (
                2020,
                &[
                    "2020-01-01",
                    "2020-04-10",
                    "2020-04-13",
                    "2020-05-08",
                    "2020-05-25",
                    "2020-08-31",
                    "2020-12-25",
                    "2020-12-28",
                ],
            ),
            (
                2021,
                &[
                    "2021-01-01",
                    "2021-04-02",
                    "2021-04-05",
                    "2021-05-03",
                    "2021-05-31",
                    "2021-08-30",
                    "2021-12-27",
                    "2021-12-28",
                ],
            ),
            (
                2022,
                &[
                    "2022-01-03",
                    "2022-04-15",
                    "2022-04-18",
                    "2022-05-02",
                    "2022-06-02",
                    "2022-06-03",
                    "2022-08-29",
                    "2022-09-19",
                    "2022-12-26",
                    "2022-12-27",
                ],
            ),
            (
                2023,
                &[
                    "2023-01-02",
                    "2023-04-07",
                    "2023-04-10",
                    "2023-05-01",
                    "2023-05-08",
                    "2023-05-29",
                    "2023-08-28",
                    "2023-12-25",
                    "2023-12-26",
                ],
            ),
            (
                2026,
                &[
                    "2026-01-01",
                    "2026-04-03",
                    "2026-04-06",
                    "2026-05-04",
                    "2026-05-25",
                    "2026-08-31",
                    "2026-12-25",
                    "2026-12-28",
                ],
            ),
            (
                2027,
                &[
                    "2027-01-01",
                    "2027-03-26",
                    "2027-03-29",
                    "2027-05-03",
                    "2027-05-31",
                    "2027-08-30",
                    "2027-12-27",
                    "2027-12-28",
                ],
            ),
        ];
        for (year, expected) in cases {
            assert_eq!(dates(*year), *expected, "{year}");
        }
    }

    #[test]
    fn substitute_days_are_named() {
        let names: Vec<_> = bank_holidays(2022).iter().map(|h| h.name).collect();
        assert!(names.contains(&"New Year's Day (substitute day)"));
        assert!(names.contains(&"Christmas Day (substitute day)"));
        assert_eq!(
            bank_holiday_name(date(2021, 12, 28)),
            Some("Boxing Day (substitute day)")
        );
    }

    #[test]
    fn working_days_between_agrees_with_counting_day_by_day() {
        let calendar = Calendar::default();
        let naive = |from: NaiveDate, to: NaiveDate| {
            let mut count = 0;
            let mut day = from;
            while day < to {
                day = day.succ_opt().unwrap();
                if calendar.is_working_day(day) {
                    count += 1;
                }
            }
            count
        };
        let start = date(1995, 12, 20);
        for offset in (0..12_000).step_by(37) {
            let from = start + Duration::days(offset);
            for span in [0, 1, 2, 6, 7, 8, 13, 30, 366, 400] {
                let to = from + Duration::days(span);
                assert_eq!(
                    calendar.working_days_between(from, to),
                    naive(from, to),
                    "{from} to {to}"
                );
            }
        }
        // A century is counted whole, by the same rule.
        assert_eq!(
            calendar.working_days_between(date(1900, 1, 1), date(2026, 12, 2)),
            naive(date(1900, 1, 1), date(2026, 12, 2))
        );
    }

    #[test]
    fn closures_are_named_but_the_other_agencies_still_work_them() {
        let calendar =
            Calendar::default().with_closures([(date(2026, 11, 24), "INSET day".to_owned())]);
        assert!(calendar.is_working_day(date(2026, 11, 24)));
        assert_eq!(calendar.closure_on(date(2026, 11, 24)), Some("INSET day"));
        assert_eq!(
            calendar.day_kind(date(2026, 11, 24)),
            DayKind::Closure("INSET day".to_owned())
        );
        assert!(calendar.is_working_day(date(2026, 11, 25)));
    }
}
