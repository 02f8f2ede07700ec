//! Reading the times and dates people type.
//!
//! A time is RFC 3339 (`2026-11-23T10:00:00Z`, `2026-06-01T09:00:00+01:00`) or UK local
//! `YYYY-MM-DD HH:MM` (seconds optional, `T` accepted in place of the space). A local time that
//! the clocks skip in spring is refused, since it never happened; one that occurs twice in autumn
//! is read as the first. A date is `YYYY-MM-DD`.

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};

use super::calendar::LONDON;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error(
        "\"{0}\" is not a time; write it as YYYY-MM-DD HH:MM (UK time) or RFC 3339, e.g. 2026-11-23 09:30"
    )]
    NotATime(String),
    #[error(
        "\"{0}\" never happened in the UK: the clocks went forward past it; give a time an hour later"
    )]
    SkippedByClockChange(String),
    #[error("\"{0}\" is not a date; write it as YYYY-MM-DD, e.g. 2026-11-23")]
    NotADate(String),
}

/// Reads an instant: RFC 3339 with an offset, or UK local `YYYY-MM-DD HH:MM[:SS]`.
pub fn parse_instant(text: &str) -> Result<DateTime<Utc>, TimeError> {
    let trimmed = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(trimmed) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = [
        "%Y-%m-%d %H:%M",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%dT%H:%M:%S",
    ]
    .iter()
    .find_map(|format| NaiveDateTime::parse_from_str(trimmed, format).ok())
    .ok_or_else(|| TimeError::NotATime(trimmed.to_owned()))?;
    LONDON
        .from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| TimeError::SkippedByClockChange(trimmed.to_owned()))
}

/// Reads a date, `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Result<NaiveDate, TimeError> {
    let trimmed = text.trim();
    NaiveDate::parse_from_str(trimmed, "%Y-%m-%d")
        .map_err(|_| TimeError::NotADate(trimmed.to_owned()))
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
            parse_date("23/11/2026")
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
    let word = text.trim().to_lowercase();
    let not_a_date = || TimeError::NotADate(text.trim().to_owned());
    if let Ok(date) = parse_date(&word) {
        return Ok(date);
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

/// Reads a time as people type it, relative to `now`: anything [`parse_instant`] reads, `now`,
/// a clock time (`9:30`, `14:05`: today), a day with a time (`yesterday 14:30`, `mon 9:00`,
/// `2026-11-20 10:00`), a day alone (that day at the current time of day), or an offset from now
/// (`-2h`, `-30m`, `+1d`).
pub fn parse_when(
    text: &str,
    now: DateTime<Utc>,
    direction: Direction,
) -> Result<DateTime<Utc>, TimeError> {
    use super::calendar::{local_date, local_instant};
    let trimmed = text.trim();
    if let Ok(instant) = parse_instant(trimmed) {
        return Ok(instant);
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
    let day = parse_day(day_text, local_date(now), direction).map_err(|_| not_a_time())?;
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
