//! The audit trail as the domain sees it: one entry for every change, and what checking the
//! trail found. How entries are chained and stored is the storage backend's business.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// One entry of the audit trail: who did what, when, to which record row, and the entry's hash
/// (over its content, the row's fingerprint and the previous entry's hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    /// The time the entry states: when the change was recorded as made (`--now` may set it).
    pub at: DateTime<Utc>,
    /// When it was really written, by the wall clock `main` read; `None` for entries written
    /// before this was recorded.
    pub written_at: Option<DateTime<Utc>>,
    pub actor: String,
    pub escalation_id: Option<i64>,
    pub action: String,
    pub summary: String,
    pub record_table: String,
    pub record_id: i64,
    pub hash: String,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verification {
    /// Audit entries checked.
    pub entries: usize,
    /// The first problem, in words; `None` when everything matches.
    pub problem: Option<String>,
}
