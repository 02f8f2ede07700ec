//! Reading the times and dates people type.
//!
//! A time is RFC 3339 (`2026-11-23T10:00:00Z`, `2026-06-01T09:00:00+01:00`) or a UK local date
//! with a clock time (`2026-11-23 10:00`, `23/11/2026 10:00`, `23 Nov 2026 10:00`; seconds
//! optional, `T` accepted in place of the space after an ISO date). A local time that the clocks
//! skip in spring is refused, since it never happened; one that occurs twice in autumn is read as
//! the first. A date is `YYYY-MM-DD`, or the UK way round: `DD/MM/YYYY` (day first: `12/03/2027`
//! is 12 March) or `12 Mar 2027` / `12 March 2027` (a weekday in front, `Fri 12 Mar 2027`, as
//! escalate prints dates, is checked and accepted).
//!
//! Every date and time read here lies in [`FIRST_YEAR`]..=[`LAST_YEAR`] (1900-01-01 to
//! 2200-12-31, UK time): a stray `-` in `-2026-11-01` makes chrono read year -2026, and a date
//! like that, once saved, breaks every later calculation on the record. Refusing it where it is
//! typed keeps it out of the database.

use chrono::{DateTime, Datelike as _, NaiveDate, NaiveTime, TimeZone, Utc};

use super::calendar::LONDON;

/// The first and last years a typed date or time may fall in (UK time).
pub const FIRST_YEAR: i32 = 1900;
pub const LAST_YEAR: i32 = 2200;

/// How to write the range in a message.
const RANGE: &str = "1900-01-01 to 2200-12-31";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error(
        "\"{0}\" is not a time; write it as YYYY-MM-DD HH:MM or DD/MM/YYYY HH:MM (UK time) or RFC 3339, e.g. 2026-11-23 09:30"
    )]
    NotATime(String),
    #[error(
        "\"{0}\" never happened in the UK: the clocks went forward past it; give a time an hour later"
    )]
    SkippedByClockChange(String),
    #[error("\"{0}\" is not a date; write it as DD/MM/YYYY or YYYY-MM-DD")]
    NotADate(String),
    #[error(
        "\"{0}\" is outside the dates escalate reads ({RANGE}); check the year for a stray '-' or a wrong number of digits, e.g. 2026-11-23"
    )]
    OutOfRange(String),
    #[error("\"{0}\" is not a date that exists: {1}")]
    Impossible(String, String),
    #[error("\"{0}\" is ambiguous: {1}")]
    Ambiguous(String, String),
}

/// Whether a date is one escalate reads: from 1900-01-01 to 2200-12-31.
pub fn is_in_range(date: NaiveDate) -> bool {
    (FIRST_YEAR..=LAST_YEAR).contains(&date.year())
}

fn in_range(date: NaiveDate, text: &str) -> Result<NaiveDate, TimeError> {
    if is_in_range(date) {
        Ok(date)
    } else {
        Err(TimeError::OutOfRange(text.to_owned()))
    }
}

fn instant_in_range(at: DateTime<Utc>, text: &str) -> Result<DateTime<Utc>, TimeError> {
    in_range(at.with_timezone(&LONDON).date_naive(), text).map(|_| at)
}

/// Reads an instant: RFC 3339 with an offset, or a UK local date (any form [`parse_date`]
/// reads) followed by `HH:MM[:SS]`.
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, TimeError> {
    let trimmed = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(trimmed) {
        return instant_in_range(t.with_timezone(&Utc), trimmed);
    }
    let not_a_time = || TimeError::NotATime(trimmed.to_owned());
    let (date_text, time_text) = match trimmed.rsplit_once(' ') {
        Some((date, time)) => (date.trim_end(), time),
        None => trimmed.split_once('T').ok_or_else(not_a_time)?,
    };
    let time = ["%H:%M", "%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveTime::parse_from_str(time_text, format).ok())
        .ok_or_else(not_a_time)?;
    let date = match parse_date(date_text) {
        Ok(date) => date,
        // A date that is impossible, ambiguous or out of range says so; anything else was not
        // a time at all.
        Err(TimeError::NotADate(_)) => return Err(not_a_time()),
        Err(TimeError::OutOfRange(_)) => return Err(TimeError::OutOfRange(trimmed.to_owned())),
        Err(other) => return Err(other),
    };
    LONDON
        .from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| TimeError::SkippedByClockChange(trimmed.to_owned()))
}

/// Reads a date: `YYYY-MM-DD`, `DD/MM/YYYY` (day first), or `12 Mar 2027` / `12 March 2027`
/// (optionally after its weekday). A date without a year (`12 Mar`) needs a day to count from:
/// see [`parse_day`].
pub fn parse_date(text: &str) -> Result<NaiveDate, TimeError> {
    let trimmed = text.trim();
    match uk_date(trimmed)? {
        Some((date, None)) => Ok(date),
        Some((_, Some(_))) => Err(TimeError::Ambiguous(
            trimmed.to_owned(),
            "which year? add it, e.g. 12 Mar 2027".to_owned(),
        )),
        None => Err(TimeError::NotADate(trimmed.to_owned())),
    }
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Reads the forms of a date. `Ok(None)`: not a date at all. `Ok(Some((date, None)))`: a date.
/// `Ok(Some((day_in_1904, Some((month, day)))))`: a day and month with no year (checked against
/// a leap year, so 29 Feb passes here; the caller picks the year).
#[allow(
    clippy::type_complexity,
    reason = "a private reader with one caller pair; a named type would only be read here"
)]
fn uk_date(trimmed: &str) -> Result<Option<(NaiveDate, Option<(u32, u32)>)>, TimeError> {
    let impossible = |why: String| TimeError::Impossible(trimmed.to_owned(), why);
    // ISO, as before: chrono reads a sign and any number of year digits, so check the range.
    if let Ok(date) = NaiveDate::parse_from_str(trimmed, "%Y-%m-%d") {
        return in_range(date, trimmed).map(|d| Some((d, None)));
    }
    // Day first with slashes: 12/03/2027.
    let parts: Vec<&str> = trimmed.split('/').collect();
    if parts.len() == 3
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        if parts[2].len() != 4 {
            return Err(TimeError::Ambiguous(
                trimmed.to_owned(),
                "write the year in full, day first: DD/MM/YYYY, e.g. 12/03/2027".to_owned(),
            ));
        }
        let number = |p: &str| p.parse::<u32>().unwrap_or(u32::MAX);
        let (day, month, year) = (number(parts[0]), number(parts[1]), number(parts[2]));
        let year = i32::try_from(year).unwrap_or(i32::MAX);
        if !(1..=12).contains(&month) {
            let hint = if (1..=12).contains(&day) {
                format!(
                    "dates are read day first (DD/MM/YYYY) and there is no month {month}; did you mean {:02}/{:02}/{year}?",
                    month, day
                )
            } else {
                format!("there is no month {month}; write it day first, DD/MM/YYYY")
            };
            return Err(impossible(hint));
        }
        let date = NaiveDate::from_ymd_opt(year, month, day)
            .ok_or_else(|| impossible(format!("{} has no day {day}", month_year(month, year))))?;
        return in_range(date, trimmed).map(|d| Some((d, None)));
    }
    // Words: [weekday] 12 Mar [2027].
    let lower = trimmed.to_lowercase();
    let mut words: Vec<&str> = lower.split_whitespace().collect();
    let weekday_given = match words.first().and_then(|w| weekday(w.trim_end_matches(','))) {
        Some(day) if words.len() >= 3 => {
            words.remove(0);
            Some(day)
        }
        _ => None,
    };
    let (day_word, month_word, year_word) = match words.as_slice() {
        [day, month] => (*day, *month, None),
        [day, month, year] => (*day, *month, Some(*year)),
        _ => return Ok(None),
    };
    let Some(day) = day_word.parse::<u32>().ok().filter(|_| day_word.len() <= 2) else {
        return Ok(None);
    };
    let month_word = month_word.trim_end_matches('.');
    let Some(month) = MONTHS
        .iter()
        .position(|m| month_word.len() >= 3 && m.starts_with(month_word))
        .and_then(|i| u32::try_from(i + 1).ok())
    else {
        return Ok(None);
    };
    let Some(year_word) = year_word else {
        let date = NaiveDate::from_ymd_opt(2004, month, day)
            .ok_or_else(|| impossible(format!("{} has no day {day}", month_name(month))))?;
        return Ok(Some((date, Some((month, day)))));
    };
    if year_word.len() != 4 || !year_word.chars().all(|c| c.is_ascii_digit()) {
        return Err(TimeError::Ambiguous(
            trimmed.to_owned(),
            "write the year in full, e.g. 12 Mar 2027".to_owned(),
        ));
    }
    let year: i32 = year_word.parse().unwrap_or(i32::MAX);
    let date = NaiveDate::from_ymd_opt(year, month, day)
        .ok_or_else(|| impossible(format!("{} has no day {day}", month_year(month, year))))?;
    let date = in_range(date, trimmed)?;
    if let Some(given) = weekday_given
        && given != date.weekday()
    {
        return Err(impossible(format!(
            "{} is a {}, not a {}",
            date.format("%-d %b %Y"),
            long_weekday(date.weekday()),
            long_weekday(given)
        )));
    }
    Ok(Some((date, None)))
}

fn month_name(month: u32) -> String {
    let name = MONTHS[(month as usize).saturating_sub(1) % 12];
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn month_year(month: u32, year: i32) -> String {
    format!("{} {year}", month_name(month))
}

fn long_weekday(day: chrono::Weekday) -> &'static str {
    use chrono::Weekday::{Fri, Mon, Sat, Sun, Thu, Tue, Wed};
    match day {
        Mon => "Monday",
        Tue => "Tuesday",
        Wed => "Wednesday",
        Thu => "Thursday",
        Fri => "Friday",
        Sat => "Saturday",
        Sun => "Sunday",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn local_times_are_uk_time() {
        assert_eq!(
            parse_instant("2026-11-23 10:00"),
            Ok(utc("2026-11-23T10:00:00Z"))
        );
        assert_eq!(
            parse_instant("2026-06-01 10:00"),
            Ok(utc("2026-06-01T09:00:00Z"))
        );
        assert_eq!(
            parse_instant("2026-06-01T10:00:30"),
            Ok(utc("2026-06-01T09:00:30Z"))
        );
    }

    #[test]
    fn rfc3339_keeps_its_offset() {
        assert_eq!(
            parse_instant("2026-06-01T10:00:00+02:00"),
            Ok(utc("2026-06-01T08:00:00Z"))
        );
    }

    #[test]
    fn clock_change_edges() {
        // 29 March 2026: 01:00 GMT becomes 02:00 BST, so 01:30 never happens.
        assert!(matches!(
            parse_instant("2026-03-29 01:30"),
            Err(TimeError::SkippedByClockChange(_))
        ));
        // 25 October 2026: 01:30 happens twice; the first (BST) is taken.
        assert_eq!(
            parse_instant("2026-10-25 01:30"),
            Ok(utc("2026-10-25T00:30:00Z"))
        );
    }

    #[test]
    fn nonsense_is_refused_with_an_example() {
        let err = parse_instant("next tuesday").unwrap_err().to_string();
        assert!(err.contains("YYYY-MM-DD HH:MM"), "{err}");
        assert!(parse_instant("2026-02-30 10:00").is_err());
        assert!(
            parse_date("23.11.2026")
                .unwrap_err()
                .to_string()
                .contains("YYYY-MM-DD")
        );
        assert_eq!(
            parse_date("2026-11-23"),
            Ok(NaiveDate::from_ymd_opt(2026, 11, 23).unwrap())
        );
    }
}

/// Which way a bare weekday points: back for something that happened (a discussion "mon"),
/// forward for something due (an action due "fri").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Past,
    Future,
}

/// Reads a day as people type it, relative to `today` (a UK date): `YYYY-MM-DD`, `today`,
/// `yesterday`, `tomorrow`, a weekday (`mon`, `Monday`: the nearest one in `direction`, today
/// included), or an offset (`+2d`, `-1w`).
pub fn parse_day(
    text: &str,
    today: NaiveDate,
    direction: Direction,
) -> Result<NaiveDate, TimeError> {
    let trimmed = text.trim();
    day_unchecked(trimmed, today, direction).and_then(|day| in_range(day, trimmed))
}

fn day_unchecked(
    trimmed: &str,
    today: NaiveDate,
    direction: Direction,
) -> Result<NaiveDate, TimeError> {
    let word = trimmed.to_lowercase();
    let not_a_date = || TimeError::NotADate(trimmed.to_owned());
    match uk_date(trimmed)? {
        Some((date, None)) => return Ok(date),
        Some((_, Some((month, day)))) => {
            return nearest(today, month, day, direction).ok_or_else(not_a_date);
        }
        None => {}
    }
    match word.as_str() {
        "today" => return Ok(today),
        "yesterday" => return today.pred_opt().ok_or_else(not_a_date),
        "tomorrow" => return today.succ_opt().ok_or_else(not_a_date),
        _ => {}
    }
    if let Some(weekday) = weekday(&word) {
        let mut day = today;
        for _ in 0..7 {
            if chrono::Datelike::weekday(&day) == weekday {
                return Ok(day);
            }
            day = match direction {
                Direction::Past => day.pred_opt().ok_or_else(not_a_date)?,
                Direction::Future => day.succ_opt().ok_or_else(not_a_date)?,
            };
        }
    }
    match offset(&word) {
        Some((amount, 'd')) => today
            .checked_add_signed(chrono::Duration::days(amount))
            .ok_or_else(not_a_date),
        Some((amount, 'w')) => today
            .checked_add_signed(chrono::Duration::weeks(amount))
            .ok_or_else(not_a_date),
        _ => Err(not_a_date()),
    }
}

/// The day and month nearest `today` in `direction`, today included: `12 Mar` typed for
/// something due is the next 12 March; for something that happened, the last one. 29 Feb looks
/// up to eight years away for a leap year.
fn nearest(today: NaiveDate, month: u32, day: u32, direction: Direction) -> Option<NaiveDate> {
    let step = match direction {
        Direction::Past => -1,
        Direction::Future => 1,
    };
    (0..=8)
        .filter_map(|n| NaiveDate::from_ymd_opt(today.year() + step * n, month, day))
        .find(|date| match direction {
            Direction::Past => *date <= today,
            Direction::Future => *date >= today,
        })
}

/// Reads a time as people type it, relative to `now`: anything [`parse_instant`] reads, `now`,
/// a clock time (`9:30`, `14:05`: today), a day with a time (`yesterday 14:30`, `mon 9:00`,
/// `2026-11-20 10:00`), a day alone (that day at the current time of day), or an offset from now
/// (`-2h`, `-30m`, `+1d`).
pub fn parse_when(
    text: &str,
    now: DateTime<Utc>,
    direction: Direction,
) -> Result<DateTime<Utc>, TimeError> {
    let trimmed = text.trim();
    // A `now` at the ends of what chrono holds (never a time the app has: `--now` is read
    // within 1900..=2200) has no local day to count from; nothing read from it could be in range.
    if !(1..=9999).contains(&now.year()) {
        return Err(TimeError::OutOfRange(trimmed.to_owned()));
    }
    when_unchecked(trimmed, now, direction).and_then(|at| instant_in_range(at, trimmed))
}

fn when_unchecked(
    trimmed: &str,
    now: DateTime<Utc>,
    direction: Direction,
) -> Result<DateTime<Utc>, TimeError> {
    use super::calendar::{local_date, local_instant};
    match parse_instant(trimmed) {
        Ok(instant) => return Ok(instant),
        // `12 Mar 10:00`: the year comes from the direction, below.
        Err(TimeError::NotATime(_) | TimeError::Ambiguous(..)) => {}
        Err(other) => return Err(other),
    }
    let word = trimmed.to_lowercase();
    let not_a_time = || TimeError::NotATime(trimmed.to_owned());
    if word == "now" {
        return Ok(now);
    }
    let local_now = now.with_timezone(&LONDON);
    if let Some((amount, unit)) = offset(&word) {
        let span = match unit {
            'm' => chrono::Duration::minutes(amount),
            'h' => chrono::Duration::hours(amount),
            'd' => chrono::Duration::days(amount),
            'w' => chrono::Duration::weeks(amount),
            _ => return Err(not_a_time()),
        };
        return now.checked_add_signed(span).ok_or_else(not_a_time);
    }
    let (day_text, time_text) = match word.rsplit_once(' ') {
        Some((day, time)) if clock_time(time).is_some() => (day.trim(), Some(time)),
        _ if clock_time(&word).is_some() => ("today", Some(word.as_str())),
        _ => (word.as_str(), None),
    };
    let day = match parse_day(day_text, local_date(now), direction) {
        Ok(day) => day,
        Err(TimeError::NotADate(_)) => return Err(not_a_time()),
        Err(TimeError::OutOfRange(_)) => return Err(TimeError::OutOfRange(trimmed.to_owned())),
        Err(other) => return Err(other),
    };
    let time = match time_text {
        Some(t) => clock_time(t).ok_or_else(not_a_time)?,
        None => local_now.time(),
    };
    let naive = day.and_time(time);
    match LONDON.from_local_datetime(&naive) {
        chrono::LocalResult::None => Err(TimeError::SkippedByClockChange(trimmed.to_owned())),
        _ => Ok(local_instant(day, time)),
    }
}

fn weekday(word: &str) -> Option<chrono::Weekday> {
    use chrono::Weekday::{Fri, Mon, Sat, Sun, Thu, Tue, Wed};
    let days = [
        (Mon, "monday"),
        (Tue, "tuesday"),
        (Wed, "wednesday"),
        (Thu, "thursday"),
        (Fri, "friday"),
        (Sat, "saturday"),
        (Sun, "sunday"),
    ];
    days.iter()
        .find(|(_, name)| word.len() >= 3 && name.starts_with(word))
        .map(|(day, _)| *day)
}

/// `+2d`, `-30m`, `3h` (a bare number of units is forward): (amount, unit).
fn offset(word: &str) -> Option<(i64, char)> {
    let unit = word.chars().last()?;
    if !matches!(unit, 'm' | 'h' | 'd' | 'w') {
        return None;
    }
    let number = &word[..word.len() - 1];
    let (sign, digits) = match number.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, number.strip_prefix('+').unwrap_or(number)),
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_ascii_digit()) || digits.len() > 5 {
        return None;
    }
    Some((sign * digits.parse::<i64>().ok()?, unit))
}

/// `9:30`, `09:30`, `14:05`.
fn clock_time(word: &str) -> Option<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(word.trim(), "%H:%M").ok()
}

#[cfg(test)]
mod words {
    use super::*;

    /// Found by fuzzing (tests/fuzz.rs): a `now` at chrono's limits panicked on its way to a
    /// local day. Unreachable from the app, refused all the same.
    #[test]
    fn a_now_at_the_ends_of_time_is_refused_not_a_panic() {
        for now in [DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC] {
            for text in [
                "9:30",
                "1890-0-0 ",
                "yesterday 14:30",
                "-2h",
                "2026-11-23 10:00",
            ] {
                assert!(
                    parse_when(text, now, Direction::Past).is_err(),
                    "{text} at {now}"
                );
            }
        }
    }

    fn at(text: &str) -> DateTime<Utc> {
        parse_instant(text).unwrap()
    }

    fn day(text: &str) -> NaiveDate {
        parse_date(text).unwrap()
    }

    // Wed 25 Nov 2026, 11:20 GMT.
    const NOW: &str = "2026-11-25 11:20";

    #[test]
    fn days_people_type() {
        let today = day("2026-11-25");
        let past = |t: &str| parse_day(t, today, Direction::Past).unwrap();
        let future = |t: &str| parse_day(t, today, Direction::Future).unwrap();
        assert_eq!(past("today"), today);
        assert_eq!(past("Yesterday"), day("2026-11-24"));
        assert_eq!(past("tomorrow"), day("2026-11-26"));
        assert_eq!(past("mon"), day("2026-11-23"));
        assert_eq!(future("mon"), day("2026-11-30"));
        assert_eq!(past("wed"), today);
        assert_eq!(future("Friday"), day("2026-11-27"));
        assert_eq!(past("+2d"), day("2026-11-27"));
        assert_eq!(past("-1w"), day("2026-11-18"));
        assert_eq!(past("2026-12-01"), day("2026-12-01"));
        for bad in ["", "someday", "mo", "+d", "2d2", "+999999d"] {
            assert!(parse_day(bad, today, Direction::Past).is_err(), "{bad}");
        }
    }

    #[test]
    fn times_people_type() {
        let now = at(NOW);
        let past = |t: &str| parse_when(t, now, Direction::Past).unwrap();
        assert_eq!(past("now"), now);
        assert_eq!(past("9:30"), at("2026-11-25 09:30"));
        assert_eq!(past("yesterday 14:30"), at("2026-11-24 14:30"));
        assert_eq!(past("mon 9:00"), at("2026-11-23 09:00"));
        assert_eq!(past("yesterday"), at("2026-11-24 11:20"));
        assert_eq!(past("-2h"), at("2026-11-25 09:20"));
        assert_eq!(past("-30m"), at("2026-11-25 10:50"));
        assert_eq!(past("2026-11-20 10:00"), at("2026-11-20 10:00"));
        assert_eq!(past("2026-11-20T10:00:00Z"), at("2026-11-20 10:00"));
        // In summer time the clock time is read as UK time.
        let summer = at("2026-06-10 12:00");
        assert_eq!(
            parse_when("9:30", summer, Direction::Past).unwrap(),
            at("2026-06-10T08:30:00Z")
        );
        for bad in ["later", "25:00", "yesterday 9", "mon 9:99"] {
            assert!(parse_when(bad, now, Direction::Past).is_err(), "{bad}");
        }
        // A clock time that the spring change skips never happened.
        let change = at("2026-03-29 12:00");
        assert!(matches!(
            parse_when("1:30", change, Direction::Past),
            Err(TimeError::SkippedByClockChange(_))
        ));
    }
}

/// Issue 13: a time outside 1900..=2200 (a stray `-` made year -2026) was saved, and every
/// later `list` and `review` failed. Issue 14: UK dates, day first.
#[cfg(test)]
mod range_and_uk_dates {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn check_date(input: &str, expected: Result<&str, &str>) {
        match (parse_date(input), expected) {
            (Ok(date), Ok(wanted)) => assert_eq!(date, day(wanted), "{input}"),
            (Err(error), Err(needle)) => {
                assert!(error.to_string().contains(needle), "{input}: {error}");
            }
            (got, wanted) => panic!("{input}: got {got:?}, wanted {wanted:?}"),
        }
    }

    #[test]
    fn years_outside_1900_to_2200_are_refused_everywhere() {
        let now = parse_instant("2026-11-25 11:20").unwrap();
        let today = day("2026-11-25");
        for bad in [
            "-2026-11-01 10:00",
            "+12026-11-01 10:00",
            "0001-01-01 10:00",
            "1899-12-31 23:59",
            "2201-01-01 00:00",
            "10000-01-01T10:00:00Z",
            "-2026-11-01T10:00:00Z",
        ] {
            let error = parse_instant(bad).unwrap_err();
            assert!(
                matches!(error, TimeError::OutOfRange(_) | TimeError::NotATime(_)),
                "{bad}: {error}"
            );
            assert!(parse_when(bad, now, Direction::Past).is_err(), "{bad}");
        }
        let error = parse_instant("-2026-11-01 10:00").unwrap_err().to_string();
        assert!(error.contains("1900-01-01 to 2200-12-31"), "{error}");
        assert!(error.contains("stray '-'"), "{error}");
        for bad in [
            "-2026-11-01",
            "1899-12-31",
            "2201-01-01",
            "31/12/1899",
            "1 Jan 2201",
        ] {
            let error = parse_date(bad).unwrap_err();
            assert!(matches!(error, TimeError::OutOfRange(_)), "{bad}: {error}");
            assert!(parse_day(bad, today, Direction::Past).is_err(), "{bad}");
        }
        // The edges themselves are fine.
        check_date("1900-01-01", Ok("1900-01-01"));
        check_date("2200-12-31", Ok("2200-12-31"));
        assert!(parse_instant("2200-12-31 23:59").is_ok());
        // An offset that lands outside the range is refused too.
        let late = parse_instant("2200-12-30 12:00").unwrap();
        assert!(matches!(
            parse_when("+1w", late, Direction::Future),
            Err(TimeError::OutOfRange(_))
        ));
        assert!(parse_day("+1w", day("2200-12-30"), Direction::Future).is_err());
    }

    #[test]
    fn uk_dates_are_read_day_first() {
        check_date("12/03/2027", Ok("2027-03-12"));
        check_date("1/3/2027", Ok("2027-03-01"));
        check_date("12 Mar 2027", Ok("2027-03-12"));
        check_date("12 March 2027", Ok("2027-03-12"));
        check_date("12 mar. 2027", Ok("2027-03-12"));
        check_date("Fri 12 Mar 2027", Ok("2027-03-12"));
        check_date("29 Feb 2028", Ok("2028-02-29"));
        check_date("2026-11-23", Ok("2026-11-23"));
    }

    #[test]
    fn ambiguous_and_impossible_dates_say_why() {
        check_date("12/03/27", Err("write the year in full"));
        check_date("12 Mar 27", Err("write the year in full"));
        check_date("03/15/2027", Err("did you mean 15/03/2027?"));
        check_date("31/02/2027", Err("February 2027 has no day 31"));
        check_date("29 Feb 2027", Err("February 2027 has no day 29"));
        check_date("32/13/2027", Err("there is no month 13"));
        check_date("Mon 12 Mar 2027", Err("is a Friday, not a Monday"));
        check_date("12 Mar", Err("which year?"));
        check_date("12 Smarch 2027", Err("is not a date"));
        check_date("next tuesday", Err("is not a date"));
    }

    #[test]
    fn a_day_and_month_alone_is_the_nearest_in_the_direction() {
        let today = day("2026-12-02");
        let read = |text: &str, direction| parse_day(text, today, direction).unwrap();
        assert_eq!(read("12 Mar", Direction::Future), day("2027-03-12"));
        assert_eq!(read("12 Mar", Direction::Past), day("2026-03-12"));
        assert_eq!(read("2 Dec", Direction::Future), today);
        assert_eq!(read("2 Dec", Direction::Past), today);
        assert_eq!(read("29 Feb", Direction::Future), day("2028-02-29"));
        assert_eq!(read("29 Feb", Direction::Past), day("2024-02-29"));
        assert!(parse_day("30 Feb", today, Direction::Future).is_err());
    }

    #[test]
    fn uk_times_take_a_clock_time_after_the_date() {
        let utc = |text: &str| {
            DateTime::parse_from_rfc3339(text)
                .unwrap()
                .with_timezone(&Utc)
        };
        assert_eq!(
            parse_instant("12/03/2027 10:00"),
            Ok(utc("2027-03-12T10:00:00Z"))
        );
        assert_eq!(
            parse_instant("12 June 2027 10:00:30"),
            Ok(utc("2027-06-12T09:00:30Z"))
        );
        assert!(matches!(
            parse_instant("31/02/2027 10:00"),
            Err(TimeError::Impossible(..))
        ));
        let now = parse_instant("2026-12-02 09:00").unwrap();
        assert_eq!(
            parse_when("12 Mar 10:00", now, Direction::Past),
            Ok(utc("2026-03-12T10:00:00Z"))
        );
        assert_eq!(
            parse_when("12/03/2027 9:30", now, Direction::Future),
            Ok(utc("2027-03-12T09:30:00Z"))
        );
    }
}
