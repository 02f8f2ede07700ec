//! The user's settings: `$XDG_CONFIG_HOME/escalate/config.toml`, read into typed [`Config`].
//!
//! Every setting is optional; a missing file means the defaults. A bad value is refused with a
//! message naming the file, the line and the key, so that a wrong close of business can never
//! silently change a due time. This module parses text; the caller reads the file.
//!
//! ```toml
//! user = "A. Person"                  # the name written into the audit trail; else $USER
//! organisation = "Hilltop Primary School"  # prefilled as the raiser's agency in a new escalation
//! procedure = "pan-bedfordshire"      # chosen first in a new escalation
//! partnership = "luton"               # and its partnership, where the procedure has several
//! privacy = true                      # open the dashboard with names hidden
//! theme = "high-contrast"             # the dashboard's theme
//! start_of_business = "09:00"         # UK local time: before it is out of hours
//! close_of_business = "17:00"         # UK local time
//! due_soon_working_days = 1           # the warning band before a deadline
//! default_notification = "1 working day"  # for notifications whose document gives no timescale
//!
//! [closures]                          # extra non-working days (INSET days, local closures)
//! "2026-12-21" = "INSET day"
//! "2027-02-15..2027-02-19" = "half term"   # a range, both ends included
//! ```

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use serde::Deserialize;
use toml::Spanned;

use crate::core::calendar::{Calendar, default_close_of_business};
use crate::core::deadline::Settings;
use crate::core::time::parse_date;
use crate::core::timescale::Timescale;

/// The settings in force.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    pub user: Option<String>,
    /// The DSL's organisation (a school), prefilled as the raiser's agency in a new escalation.
    pub organisation: Option<String>,
    /// The procedure a new escalation starts with chosen, by id; checked against the procedures
    /// there are when the dashboard starts.
    pub procedure: Option<String>,
    /// The partnership chosen first, by id, where that procedure has several.
    pub partnership: Option<String>,
    /// Open the dashboard with names hidden (privacy mode), for shared offices.
    pub privacy: bool,
    /// The dashboard's theme by name (`default`, `light`, `high-contrast`, `colour-blind`, or a
    /// user theme); checked against the themes there are when the dashboard starts.
    pub theme: Option<String>,
    pub calendar: Calendar,
    pub settings: Settings,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}: {key}: {message}")]
pub struct ConfigError {
    pub origin: String,
    pub line: usize,
    pub key: String,
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    user: Option<String>,
    organisation: Option<String>,
    procedure: Option<String>,
    partnership: Option<String>,
    privacy: Option<bool>,
    theme: Option<String>,
    start_of_business: Option<Spanned<String>>,
    close_of_business: Option<Spanned<String>>,
    due_soon_working_days: Option<Spanned<i64>>,
    default_notification: Option<Timescale>,
    #[serde(default)]
    closures: BTreeMap<Spanned<String>, String>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

/// The longest closure range: a year is more than any school closes for, and a longer range is
/// more likely a mistyped year.
const MAX_CLOSURE_DAYS: i64 = 366;

/// The days a `[closures]` key names: one date, or a range `"2026-12-21..2027-01-01"` (both
/// ends included). Dates are read as typed anywhere else (`YYYY-MM-DD` or `DD/MM/YYYY`).
fn closure_days(key: &str) -> Result<Vec<NaiveDate>, String> {
    let read = |text: &str| {
        parse_date(text).map_err(|e| {
            format!("{e}; write closures as \"YYYY-MM-DD\" = \"reason\", or a range \"YYYY-MM-DD..YYYY-MM-DD\"")
        })
    };
    let Some((first, last)) = key.split_once("..") else {
        return Ok(vec![read(key)?]);
    };
    let (first, last) = (read(first)?, read(last)?);
    let span = (last - first).num_days();
    if span < 0 {
        return Err(format!(
            "\"{}\" ends before it starts; write the first day, then the last",
            key.escape_debug()
        ));
    }
    if span >= MAX_CLOSURE_DAYS {
        return Err(format!(
            "\"{}\" is {} days long; a closure range may be at most {MAX_CLOSURE_DAYS} days (check the years)",
            key.escape_debug(),
            span + 1
        ));
    }
    Ok(first.iter_days().take_while(|day| *day <= last).collect())
}

/// The settings file's text with `user = NAME` set (a first run asks the DSL's name for the
/// audit trail). Any `user` line at the top level is replaced; otherwise the line goes first,
/// before any table, so the rest of the file (comments included) is kept as it was.
pub fn with_user(text: &str, name: &str) -> String {
    let line = format!("user = {}", toml::Value::String(name.to_owned()));
    let mut lines: Vec<String> = Vec::new();
    let mut is_replaced = false;
    let mut is_top_level = true;
    for existing in text.lines() {
        let trimmed = existing.trim_start();
        if trimmed.starts_with('[') {
            is_top_level = false;
        }
        let is_user = is_top_level
            && trimmed
                .strip_prefix("user")
                .is_some_and(|rest| rest.trim_start().starts_with('='));
        if is_user && !is_replaced {
            lines.push(line.clone());
            is_replaced = true;
        } else {
            lines.push(existing.to_owned());
        }
    }
    if !is_replaced {
        lines.insert(0, line);
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

impl Config {
    /// Reads a settings file's text. `origin` names the file in errors.
    pub fn parse(origin: &str, text: &str) -> Result<Self, ConfigError> {
        let error = |offset: usize, key: &str, message: String| ConfigError {
            origin: origin.to_owned(),
            line: line_of(text, offset),
            key: key.to_owned(),
            message,
        };
        let raw: RawConfig = toml::from_str(text).map_err(|e| {
            let offset = e.span().map_or(0, |s| s.start);
            let line_text = text.lines().nth(line_of(text, offset) - 1).unwrap_or("");
            let key = line_text.split_once('=').map_or("file", |(k, _)| k.trim());
            error(offset, key, e.message().trim().replace('\n', "; "))
        })?;

        let time =
            |value: &Option<Spanned<String>>, key: &str, default: NaiveTime, example| match value {
                None => Ok(default),
                Some(value) => {
                    NaiveTime::parse_from_str(value.get_ref().trim(), "%H:%M").map_err(|_| {
                        error(
                            value.span().start,
                            key,
                            format!(
                                "\"{}\" is not a time; write it as HH:MM, e.g. \"{example}\"",
                                value.get_ref().escape_debug()
                            ),
                        )
                    })
                }
            };
        let close_of_business = time(
            &raw.close_of_business,
            "close_of_business",
            default_close_of_business(),
            "17:00",
        )?;
        let start_of_business = time(
            &raw.start_of_business,
            "start_of_business",
            crate::core::calendar::default_start_of_business(),
            "09:00",
        )?;
        if start_of_business >= close_of_business {
            let span = raw.start_of_business.as_ref().map_or(0, |v| v.span().start);
            return Err(error(
                span,
                "start_of_business",
                format!(
                    "{} is not before close of business ({}); working hours must begin before they end",
                    start_of_business.format("%H:%M"),
                    close_of_business.format("%H:%M")
                ),
            ));
        }
        let due_soon_working_days = match &raw.due_soon_working_days {
            None => Settings::default().due_soon_working_days,
            Some(value) => u32::try_from(*value.get_ref())
                .ok()
                .filter(|n| (1..=20).contains(n))
                .ok_or_else(|| {
                    error(
                        value.span().start,
                        "due_soon_working_days",
                        format!(
                            "{} is out of range; use a whole number of working days from 1 to 20",
                            value.get_ref()
                        ),
                    )
                })?,
        };
        let mut closures = Vec::new();
        for (key, label) in &raw.closures {
            let days = closure_days(key.get_ref())
                .map_err(|message| error(key.span().start, "closures", message))?;
            closures.extend(days.into_iter().map(|day| (day, label.clone())));
        }
        let given =
            |value: Option<String>| value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        Ok(Self {
            user: given(raw.user),
            organisation: given(raw.organisation),
            procedure: given(raw.procedure),
            partnership: given(raw.partnership),
            privacy: raw.privacy.unwrap_or(false),
            theme: raw
                .theme
                .map(|t| t.trim().to_owned())
                .filter(|t| !t.is_empty()),
            calendar: Calendar::new(close_of_business)
                .with_start_of_business(start_of_business)
                .with_closures(closures),
            settings: Settings {
                due_soon_working_days,
                default_notification: raw
                    .default_notification
                    .unwrap_or(Settings::default().default_notification),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_are_read_and_a_first_run_name_is_written_in_keeping_the_rest() {
        let text = "# mine\nprivacy = true\norganisation = \" Hilltop Primary \"\nprocedure = \"london\"\npartnership = \"bromley\"\n\n[closures]\n\"2026-12-21\" = \"INSET\"\n";
        let config = Config::parse("c", text).unwrap();
        assert_eq!(config.organisation.as_deref(), Some("Hilltop Primary"));
        assert_eq!(config.procedure.as_deref(), Some("london"));
        assert_eq!(config.partnership.as_deref(), Some("bromley"));
        assert_eq!(config.user, None);
        let written = with_user(text, "Jo \"JB\" Bloggs");
        assert!(written.starts_with("user = "), "{written}");
        assert!(written.contains("# mine\n"), "{written}");
        let again = Config::parse("c", &written).unwrap();
        assert_eq!(again.user.as_deref(), Some("Jo \"JB\" Bloggs"));
        assert_eq!(again.calendar, config.calendar);
        assert!(again.privacy);
        // Set again: replaced, not repeated; a `user` key inside a table is left alone.
        let twice = with_user(&written, "Sam Lee");
        assert_eq!(twice.matches("user =").count(), 1, "{twice}");
        assert_eq!(
            Config::parse("c", &twice).unwrap().user.as_deref(),
            Some("Sam Lee")
        );
        assert_eq!(with_user("", "A"), "user = \"A\"\n");
    }

    #[test]
    fn empty_file_is_the_defaults() {
        assert_eq!(Config::parse("c.toml", ""), Ok(Config::default()));
    }

    #[test]
    fn settings_are_read() {
        let text = "user = \"Sam Patel\"\nclose_of_business = \"16:30\"\ndue_soon_working_days = 2\ndefault_notification = { hours = 24 }\n[closures]\n\"2026-12-21\" = \"INSET day\"\n";
        let config = Config::parse("c.toml", text).unwrap();
        assert_eq!(config.user.as_deref(), Some("Sam Patel"));
        assert_eq!(
            config.calendar.close_of_business(),
            NaiveTime::from_hms_opt(16, 30, 0).unwrap()
        );
        assert_eq!(config.settings.due_soon_working_days, 2);
        assert_eq!(config.settings.default_notification, Timescale::Hours(24));
        assert_eq!(
            config
                .calendar
                .closure_on(NaiveDate::from_ymd_opt(2026, 12, 21).unwrap()),
            Some("INSET day")
        );
    }

    #[test]
    fn privacy_and_theme_are_remembered() {
        let config = Config::parse("c.toml", "privacy = true\ntheme = \"light\"\n").unwrap();
        assert!(config.privacy);
        assert_eq!(config.theme.as_deref(), Some("light"));
        let config = Config::parse("c.toml", "").unwrap();
        assert!(!config.privacy);
        assert_eq!(config.theme, None);
        let err = Config::parse("c.toml", "privacy = \"yes\"\n").unwrap_err();
        assert!(err.to_string().starts_with("c.toml:1: privacy"), "{err}");
    }

    #[test]
    fn working_hours_can_begin_later_but_never_after_they_end() {
        let config = Config::parse("c.toml", "start_of_business = \"08:00\"\n").unwrap();
        assert_eq!(
            config.calendar.start_of_business(),
            NaiveTime::from_hms_opt(8, 0, 0).unwrap()
        );
        let err = Config::parse(
            "c.toml",
            "close_of_business = \"16:00\"\nstart_of_business = \"16:30\"\n",
        )
        .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("c.toml:2: start_of_business: 16:30 is not before close of business"),
            "{err}"
        );
    }

    #[test]
    fn bad_values_name_file_line_and_key() {
        let err =
            Config::parse("c.toml", "user = \"x\"\nclose_of_business = \"5pm\"\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(
            err.to_string()
                .starts_with("c.toml:2: close_of_business: \"5pm\" is not a time"),
            "{err}"
        );
        // Day first is a date since issue 14; dots are not.
        let err = Config::parse("c.toml", "[closures]\n\"21.12.2026\" = \"x\"\n").unwrap_err();
        assert!(err.to_string().contains(":2: closures:"), "{err}");
        let err = Config::parse("c.toml", "colour = \"red\"\n").unwrap_err();
        assert!(
            err.to_string().contains(":1: colour: unknown field"),
            "{err}"
        );
        let err = Config::parse("c.toml", "due_soon_working_days = 0\n").unwrap_err();
        assert!(err.to_string().contains("from 1 to 20"), "{err}");
    }

    /// Issue 14: a closure range instead of one line a day.
    #[test]
    fn closure_ranges_close_every_day_in_them() {
        let day = |text: &str| NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap();
        let text = "[closures]\n\"2026-12-21..2027-01-01\" = \"Christmas closure\"\n\"15/02/2027\" = \"INSET\"\n";
        let config = Config::parse("c.toml", text).unwrap();
        for closed in [
            "2026-12-21",
            "2026-12-22",
            "2026-12-31",
            "2027-01-01",
            "2027-02-15",
        ] {
            assert!(
                config.calendar.closure_on(day(closed)).is_some(),
                "{closed}"
            );
        }
        assert_eq!(config.calendar.closure_on(day("2027-01-04")), None);
        assert_eq!(config.calendar.closure_on(day("2026-12-18")), None);
        for (bad, needle) in [
            ("\"2027-01-01..2026-12-21\"", "ends before it starts"),
            ("\"2026-01-01..2027-12-31\"", "at most 366 days"),
            ("\"2026-12-21..\"", "is not a date"),
            ("\"-2026-12-21\"", "1900-01-01 to 2200-12-31"),
        ] {
            let err = Config::parse("c.toml", &format!("[closures]\n{bad} = \"x\"\n")).unwrap_err();
            assert!(err.to_string().starts_with("c.toml:2: closures: "), "{err}");
            assert!(err.to_string().contains(needle), "{bad}: {err}");
        }
    }
}
