//! A team sharing one database (issue 16): who each person is, what they may do, and for
//! which schools. Checked here; enforced by the database itself (PostgreSQL's row-level
//! security, `storage::postgres`).

use crate::core::record::RecordError;

/// What a person is on the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The Designated Safeguarding Lead: reads and writes their schools' escalations.
    Dsl,
    /// A deputy DSL: the same.
    Deputy,
    /// A multi-academy trust's safeguarding lead: reads every school's, writes those listed.
    TrustLead,
    /// A governor: counts a school, never a name.
    Governor,
    /// An auditor: counts a school, never a name.
    Auditor,
}

impl Role {
    pub const ALL: [Self; 5] = [
        Self::Dsl,
        Self::Deputy,
        Self::TrustLead,
        Self::Governor,
        Self::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dsl => "dsl",
            Self::Deputy => "deputy",
            Self::TrustLead => "trust-lead",
            Self::Governor => "governor",
            Self::Auditor => "auditor",
        }
    }

    /// Whether the role reads escalations (names and all) at all.
    pub fn reads_records(self) -> bool {
        matches!(self, Self::Dsl | Self::Deputy | Self::TrustLead)
    }
}

impl std::str::FromStr for Role {
    type Err = RecordError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|r| r.as_str() == text)
            .ok_or_else(|| {
                RecordError::new(
                    "role",
                    format!(
                        "\"{}\" is not a role; use one of dsl, deputy, trust-lead, governor, auditor",
                        text.escape_debug()
                    ),
                )
            })
    }
}

/// One person on the team, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Their login: the database role they connect as, and their name in the audit trail.
    pub login: String,
    pub role: Role,
    pub schools: Vec<String>,
}

/// Checks a login or a school code: 1 to 63 lowercase letters, digits, `_`, `-` or `.`,
/// starting with a letter (a database role name that needs no quoting surprises).
pub fn check_name(field: &str, text: &str) -> Result<String, RecordError> {
    let ok = (1..=63).contains(&text.len())
        && text.starts_with(|c: char| c.is_ascii_lowercase())
        && text
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(text.to_owned())
    } else {
        Err(RecordError::new(
            field,
            format!(
                "\"{}\" is not a {field} escalate accepts: use 1 to 63 lowercase letters, digits, _, - or ., starting with a letter (e.g. j.okafor, st-marys)",
                text.escape_debug()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_names_are_checked() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!("head".parse::<Role>().is_err());
        assert!(!Role::Governor.reads_records());
        assert!(Role::TrustLead.reads_records());
        assert_eq!(check_name("login", "j.okafor").unwrap(), "j.okafor");
        for bad in ["", "J", "1a", "a b", "a\"b", &"a".repeat(64)] {
            assert!(check_name("login", bad).is_err(), "{bad}");
        }
    }
}
