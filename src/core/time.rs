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
