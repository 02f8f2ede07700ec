//! The timescale grammar: how the procedures say when something is due.
//!
//! Four forms cover every timescale in the procedures: real hours ("within 48 hours"), working
//! days ("within 5 working days"), the same working day, and a numbered day of the escalation
//! ("resolved by day 9"). In procedure TOML a timescale is an inline table (`{ hours = 48 }`,
//! `{ working_days = 5 }`, `{ same_working_day = true }`, `{ by_day = 9 }`); people type the words
//! (`48 hours`, `5 working days`, `same working day`, `day 9`), which [`Timescale::parse`] reads.
//! What each form means is in [`crate::core::calendar::Calendar::due`].

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
    /// N real hours after the start.
    Hours(u32),
    /// Close of business on the Nth working day strictly after the start's local date.
    WorkingDays(u32),
    /// Close of business on the start's date if it is a working day and the start is before
    /// close of business; otherwise close of business on the next working day.
    SameWorkingDay,
    /// Close of business on calendar day N, the escalation's raise date being day 1.
    ByDay(u32),
}

/// Why a timescale could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimescaleError {
    #[error(
        "unknown timescale \"{0}\"; use \"N hours\", \"N working days\", \"same working day\" or \"day N\""
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
        matches!(self, Self::WorkingDays(_) | Self::SameWorkingDay)
    }
}

impl fmt::Display for Timescale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
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
                    "a timescale: { hours = N }, { working_days = N }, { same_working_day = true } or { by_day = N }",
                )
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Timescale, E> {
                Timescale::parse(text).map_err(E::custom)
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Timescale, A::Error> {
                let Some(key) = map.next_key::<String>()? else {
                    return Err(de::Error::custom(
                        "empty timescale; use { hours = N }, { working_days = N }, { same_working_day = true } or { by_day = N }",
                    ));
                };
                let in_range = |n: i64, max: u32| -> Result<u32, A::Error> {
                    u32::try_from(n)
                        .ok()
                        .filter(|n| (1..=max).contains(n))
                        .ok_or_else(|| {
                            de::Error::custom(format!(
                                "{key} must be a whole number from 1 to {max}, not {n}"
                            ))
                        })
                };
                let timescale = match key.as_str() {
                    "hours" => Timescale::Hours(in_range(map.next_value::<i64>()?, MAX_HOURS)?),
                    "working_days" => {
                        Timescale::WorkingDays(in_range(map.next_value::<i64>()?, MAX_DAYS)?)
                    }
                    "by_day" => Timescale::ByDay(in_range(map.next_value::<i64>()?, MAX_DAYS)?),
                    "same_working_day" => {
                        if !map.next_value::<bool>()? {
                            return Err(de::Error::custom("same_working_day can only be true"));
                        }
                        Timescale::SameWorkingDay
                    }
                    other => {
                        return Err(de::Error::custom(format!(
                            "unknown timescale \"{other}\"; use hours, working_days, same_working_day or by_day"
                        )));
                    }
                };
                if let Some(extra) = map.next_key::<String>()? {
                    return Err(de::Error::custom(format!(
                        "a timescale has one part, but \"{extra}\" follows \"{key}\""
                    )));
                }
                Ok(timescale)
            }
        }

        deserializer.deserialize_any(TimescaleVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip_through_display() {
        for text in [
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
