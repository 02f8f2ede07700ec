//! The timescale grammar: how the procedures say when something is due.
//!
//! These forms cover every timescale in the procedures: at once ("contact the police
//! immediately"), real hours ("within 48 hours"), working days ("within 5 working days"), calendar
//! days from any event ("within 7 days of the meeting"), the same working day (with or without
//! "at once when out of hours"), and a numbered day of the escalation ("resolved by day 9").
//! In procedure TOML a timescale is an inline table (`{ hours = 48 }`, `{ working_days = 5 }`,
//! `{ calendar_days = 7 }`, `{ same_working_day = true }`,
//! `{ same_working_day = true, out_of_hours = "immediately" }`, `{ by_day = 9 }`) or the word
//! `"immediately"`; people type the words (`immediately`, `48 hours`, `5 working days`,
//! `7 calendar days`, `same working day`, `same working day or immediately`, `day 9`), which
//! [`Timescale::parse`] reads. What each form means is in
//! [`crate::core::calendar::Calendar::due`].

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// The largest N accepted in any timescale: about ten years of days or a year of hours is far
/// beyond any procedure, and the cap keeps every due date inside the calendar.
pub const MAX_HOURS: u32 = 24 * 366;
pub const MAX_DAYS: u32 = 3660;

/// How long after its start something is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Timescale {
    /// Due at its start: something to do now ("contact the police immediately").
    Immediately,
    /// N real hours after the start.
    Hours(u32),
    /// Close of business on the Nth working day strictly after the start's local date.
    WorkingDays(u32),
    /// Close of business on the start's date if it is a working day and the start is before
    /// close of business; otherwise close of business on the next working day.
    SameWorkingDay,
    /// As [`Self::SameWorkingDay`] when the start is on a working day before close of business;
    /// otherwise due at once, since out of hours there is no "same working day" to wait for and
    /// the out-of-hours services are to be used now.
    SameWorkingDayOrImmediately,
    /// N calendar days after the start: the same UK clock time N dates later, and never more than
    /// N times 24 real hours (so a clock change never lengthens it).
    CalendarDays(u32),
    /// Close of business on calendar day N of the escalation; which date is day 1 is the
    /// procedure's `day_one` (the concern arising, or the escalation being raised).
    ByDay(u32),
}

/// Why a timescale could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimescaleError {
    #[error(
        "unknown timescale \"{0}\"; use \"immediately\", \"N hours\", \"N working days\", \"N calendar days\", \"same working day\", \"same working day or immediately\" or \"day N\""
    )]
    Unknown(String),
    #[error("\"{text}\": {unit} must be a whole number from 1 to {max}")]
    OutOfRange {
        text: String,
        unit: &'static str,
        max: u32,
    },
}

impl Timescale {
    /// Reads the words people use: `48 hours`, `1 hour`, `5 working days`, `1 working day`,
    /// `same working day`, `day 9`. Case and extra spaces do not matter.
    pub fn parse(text: &str) -> Result<Self, TimescaleError> {
        let lowered = text.trim().to_lowercase();
        let words: Vec<&str> = lowered.split_whitespace().collect();
        let number = |word: &str, unit: &'static str, max: u32| -> Result<u32, TimescaleError> {
            match word.parse::<u32>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(TimescaleError::OutOfRange {
                    text: text.trim().to_owned(),
                    unit,
                    max,
                }),
            }
        };
        match words.as_slice() {
            ["immediately"] | ["at", "once"] => Ok(Self::Immediately),
            [n, "calendar", "day" | "days"] => {
                Ok(Self::CalendarDays(number(n, "calendar days", MAX_DAYS)?))
            }
            ["same", "working", "day", "or", "immediately"] => {
                Ok(Self::SameWorkingDayOrImmediately)
            }
            [n, "hour" | "hours"] => Ok(Self::Hours(number(n, "hours", MAX_HOURS)?)),
            ["same", "working", "day"] => Ok(Self::SameWorkingDay),
            [n, "working", "day" | "days"] => {
                Ok(Self::WorkingDays(number(n, "working days", MAX_DAYS)?))
            }
            ["day", n] => Ok(Self::ByDay(number(n, "the day number", MAX_DAYS)?)),
            _ => Err(TimescaleError::Unknown(text.trim().to_owned())),
        }
    }

    /// Whether the timescale counts working days, so that a countdown should also say how many
    /// working days are left.
    pub fn counts_working_days(self) -> bool {
        matches!(
            self,
            Self::WorkingDays(_) | Self::SameWorkingDay | Self::SameWorkingDayOrImmediately
        )
    }

    /// Whether the timescale counts the numbered days of the escalation, so that it can only
    /// count from the procedure's day 1.
    pub fn is_day_numbered(self) -> bool {
        matches!(self, Self::ByDay(_))
    }
}

impl fmt::Display for Timescale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Immediately => write!(f, "immediately"),
            Self::SameWorkingDayOrImmediately => write!(f, "same working day or immediately"),
            Self::CalendarDays(1) => write!(f, "1 calendar day"),
            Self::CalendarDays(n) => write!(f, "{n} calendar days"),
            Self::Hours(1) => write!(f, "1 hour"),
            Self::Hours(n) => write!(f, "{n} hours"),
            Self::WorkingDays(1) => write!(f, "1 working day"),
            Self::WorkingDays(n) => write!(f, "{n} working days"),
            Self::SameWorkingDay => write!(f, "same working day"),
            Self::ByDay(n) => write!(f, "day {n}"),
        }
    }
}

impl Serialize for Timescale {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Accepts the TOML inline-table forms and, for convenience, the words.
impl<'de> Deserialize<'de> for Timescale {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TimescaleVisitor;

        impl<'de> Visitor<'de> for TimescaleVisitor {
            type Value = Timescale;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a timescale: \"immediately\", { hours = N }, { working_days = N }, { calendar_days = N }, { same_working_day = true } or { by_day = N }",
                )
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Timescale, E> {
                Timescale::parse(text).map_err(E::custom)
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Timescale, A::Error> {
                // Keys may come in any order, so read them all before deciding.
                let mut entries: Vec<(String, toml::Value)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    entries.push((key, map.next_value()?));
                }
                from_entries(entries).map_err(de::Error::custom)
            }
        }

        deserializer.deserialize_any(TimescaleVisitor)
    }
}

/// Reads a timescale table from its entries, in any order.
fn from_entries(mut entries: Vec<(String, toml::Value)>) -> Result<Timescale, String> {
    const USE: &str = "use \"immediately\", { hours = N }, { working_days = N }, { calendar_days = N }, { same_working_day = true } or { by_day = N }";
    let out_of_hours = entries
        .iter()
        .position(|(k, _)| k == "out_of_hours")
        .map(|i| entries.remove(i).1);
    let (key, value) = match entries.as_slice() {
        [] => return Err(format!("empty timescale; {USE}")),
        [(key, value)] => (key.as_str(), value),
        [(first, _), (second, _), ..] => {
            return Err(format!(
                "a timescale has one part, but \"{}\" follows \"{}\"",
                second.escape_debug(),
                first.escape_debug()
            ));
        }
    };
    let amount = |max: u32| -> Result<u32, String> {
        value
            .as_integer()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| format!("{key} must be a whole number from 1 to {max}, not {value}"))
    };
    let timescale = match key {
        "hours" => Timescale::Hours(amount(MAX_HOURS)?),
        "working_days" => Timescale::WorkingDays(amount(MAX_DAYS)?),
        "calendar_days" => Timescale::CalendarDays(amount(MAX_DAYS)?),
        "by_day" => Timescale::ByDay(amount(MAX_DAYS)?),
        // `{ immediately = 3 }` would read as an amount that means nothing.
        "immediately" if value.as_bool() == Some(true) => Timescale::Immediately,
        "immediately" => {
            return Err(format!(
                "immediately takes no amount: write timescale = \"immediately\" (or {{ immediately = true }}), not {value}"
            ));
        }
        "same_working_day" if value.as_bool() == Some(true) => Timescale::SameWorkingDay,
        "same_working_day" => return Err("same_working_day can only be true".to_owned()),
        other => {
            return Err(format!(
                "unknown timescale \"{}\"; use immediately, hours, working_days, calendar_days, same_working_day or by_day",
                other.escape_debug()
            ));
        }
    };
    match (out_of_hours, timescale) {
        (None, timescale) => Ok(timescale),
        (Some(value), Timescale::SameWorkingDay) if value.as_str() == Some("immediately") => {
            Ok(Timescale::SameWorkingDayOrImmediately)
        }
        (Some(value), Timescale::SameWorkingDay) => Err(format!(
            "out_of_hours can only be \"immediately\", not {value}"
        )),
        (Some(_), _) => Err(format!(
            "out_of_hours goes only with same_working_day (same_working_day may be followed only by out_of_hours = \"immediately\"), not with {key}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_through_display() {
        for text in [
            "immediately",
            "same working day or immediately",
            "1 calendar day",
            "7 calendar days",
            "1 hour",
            "48 hours",
            "1 working day",
            "5 working days",
            "same working day",
            "day 9",
        ] {
            let timescale = Timescale::parse(text).unwrap();
            assert_eq!(timescale.to_string(), text);
        }
    }

    #[test]
    fn parsing_ignores_case_and_spacing() {
        assert_eq!(
            Timescale::parse("  5   Working DAYS "),
            Ok(Timescale::WorkingDays(5))
        );
        assert_eq!(Timescale::parse("Day 2"), Ok(Timescale::ByDay(2)));
    }

    #[test]
    fn bad_words_are_refused_with_the_fix() {
        let err = Timescale::parse("a fortnight").unwrap_err().to_string();
        assert!(err.contains("unknown timescale \"a fortnight\""), "{err}");
        assert!(err.contains("N working days"), "{err}");
        let err = Timescale::parse("0 hours").unwrap_err().to_string();
        assert!(err.contains("whole number from 1"), "{err}");
        assert!(Timescale::parse("-3 working days").is_err());
        assert!(Timescale::parse("99999 working days").is_err());
    }

    #[derive(Deserialize)]
    struct Holder {
        timescale: Timescale,
    }

    fn from_toml(text: &str) -> Result<Timescale, String> {
        toml::from_str::<Holder>(text)
            .map(|h| h.timescale)
            .map_err(|e| e.message().to_owned())
    }

    #[test]
    fn toml_tables_are_read() {
        assert_eq!(
            from_toml("timescale = { hours = 24 }"),
            Ok(Timescale::Hours(24))
        );
        assert_eq!(
            from_toml("timescale = { working_days = 5 }"),
            Ok(Timescale::WorkingDays(5))
        );
        assert_eq!(
            from_toml("timescale = { same_working_day = true }"),
            Ok(Timescale::SameWorkingDay)
        );
        assert_eq!(
            from_toml("timescale = { by_day = 9 }"),
            Ok(Timescale::ByDay(9))
        );
        assert_eq!(
            from_toml("timescale = \"day 23\""),
            Ok(Timescale::ByDay(23))
        );
    }

    #[test]
    fn the_new_toml_forms_are_read() {
        assert_eq!(
            from_toml("timescale = \"immediately\""),
            Ok(Timescale::Immediately)
        );
        assert_eq!(
            from_toml("timescale = { immediately = true }"),
            Ok(Timescale::Immediately)
        );
        assert_eq!(
            from_toml("timescale = { calendar_days = 7 }"),
            Ok(Timescale::CalendarDays(7))
        );
        assert_eq!(
            from_toml("timescale = { same_working_day = true, out_of_hours = \"immediately\" }"),
            Ok(Timescale::SameWorkingDayOrImmediately)
        );
    }

    #[test]
    fn immediately_with_an_amount_is_refused() {
        let err = from_toml("timescale = { immediately = 3 }").unwrap_err();
        assert!(err.contains("immediately takes no amount"), "{err}");
        let err = from_toml("timescale = { same_working_day = true, out_of_hours = \"later\" }")
            .unwrap_err();
        assert!(err.contains("out_of_hours can only be"), "{err}");
        let err = from_toml("timescale = { same_working_day = true, hours = 2 }").unwrap_err();
        assert!(err.contains("one part"), "{err}");
        let err =
            from_toml("timescale = { hours = 2, out_of_hours = \"immediately\" }").unwrap_err();
        assert!(
            err.contains("out_of_hours goes only with same_working_day"),
            "{err}"
        );
    }

    #[test]
    fn bad_toml_tables_are_refused() {
        assert!(
            from_toml("timescale = { fortnights = 1 }")
                .unwrap_err()
                .contains("unknown timescale")
        );
        assert!(
            from_toml("timescale = { hours = 0 }")
                .unwrap_err()
                .contains("from 1")
        );
        assert!(
            from_toml("timescale = { hours = 2, by_day = 3 }")
                .unwrap_err()
                .contains("one part")
        );
        assert!(from_toml("timescale = { same_working_day = false }").is_err());
        assert!(
            from_toml("timescale = {}")
                .unwrap_err()
                .contains("empty timescale")
        );
    }
}
