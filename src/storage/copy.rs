//! Moving a whole record between backends (`escalate backup` of a PostgreSQL database,
//! `escalate migrate`): every row of the record, the `escalation_state` cache and the audit
//! trail, with the same ids, as the canonical values the fingerprint hashes
//! ([`crate::storage::fingerprint`]). Because both ends hash those values the same way, the
//! copied audit chain verifies on the other side exactly as it did on this one.
//!
//! Rows go by column name: a column the source has and the target does not is refused (it
//! would be lost), and a column only the target has is left to its default.

use super::Result;

/// The tables copied, in an order that satisfies every reference.
pub const COPIED_TABLES: &[&str] = &[
    "escalations",
    "escalation_state",
    "stage_changes",
    "discussions",
    "actions",
    "action_completions",
    "notifications_sent",
    "notes",
    "outcomes",
    "amendments",
    "reviews",
    "corrections",
    "escalation_details",
    "attachments",
    "audit",
];

/// One table's rows: canonical values (integer, text or null), one a column.
#[derive(Debug, Clone, PartialEq)]
pub struct TableRows {
    pub table: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
}

/// A store whose whole record can be read out, or written into an empty one.
pub trait Rows {
    /// Every row of [`COPIED_TABLES`], each table ordered by its key.
    fn export_rows(&self) -> Result<Vec<TableRows>>;

    /// Writes `tables` into this store, which must hold no record yet, in one transaction.
    fn import_rows(&mut self, tables: &[TableRows]) -> Result<()>;
}

/// The refusal when a column would be lost.
pub fn unknown_column(table: &str, column: &str) -> super::StoreError {
    super::StoreError::Conflict(format!(
        "the database copied from has a field the other does not ({table}.{column}); update escalate where the copy goes, then try again"
    ))
}

/// The refusal when the target already holds a record.
pub fn not_empty(target: &str) -> super::StoreError {
    super::StoreError::Conflict(format!(
        "{target} already holds escalations or an audit trail; a copy goes into an empty database, so nothing there is mixed up or overwritten"
    ))
}
