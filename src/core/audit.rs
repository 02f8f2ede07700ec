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
    /// The entries, among those checked, whose stated time is later than when they were
    /// written (see [`stated_after_written`]), found on the same walk.
    pub stated_after_written: Vec<StatedLater>,
}

/// An audit entry stating a time later than it was written: its id and both times.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatedLater {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub written_at: DateTime<Utc>,
}

/// Whether an entry stating `at`, written at `written_at`, states a time later than it was
/// written (a second's grace covers the clock being read twice for one write).
pub fn is_stated_later(at: DateTime<Utc>, written_at: DateTime<Utc>) -> bool {
    at > written_at + chrono::TimeDelta::seconds(1)
}

/// The head of the audit chain: how many entries it holds and the hash of the last. Every
/// entry's hash covers the one before, so a head kept outside the database (a printed or mailed
/// review, a note) is an anchor: today's chain must still hold that entry, with that hash, at
/// that count. Written `COUNT:HASH`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Head {
    pub entries: usize,
    pub hash: String,
}

impl Head {
    /// The head of `trail` (oldest first); an empty trail's is 0 entries and no hash.
    pub fn of(trail: &[AuditEntry]) -> Self {
        Self {
            entries: trail.len(),
            hash: trail.last().map(|e| e.hash.clone()).unwrap_or_default(),
        }
    }

    /// Whether `trail` (oldest first, already verified as a chain) still extends this head; the
    /// problem in words when it does not.
    pub fn is_extended_by(&self, trail: &[AuditEntry]) -> Result<(), String> {
        let at = self.entries.checked_sub(1).and_then(|i| trail.get(i));
        self.is_extended_to(trail.len(), at.map(|e| e.hash.as_str()))
    }

    /// Whether a verified chain of `entries` entries, whose entry at this head's count has the
    /// hash `hash_there` (`None` if the chain is shorter), still extends this head; the problem
    /// in words when it does not. Needs one entry, not the whole trail.
    pub fn is_extended_to(&self, entries: usize, hash_there: Option<&str>) -> Result<(), String> {
        if self.entries == 0 {
            return Ok(());
        }
        let Some(hash) = hash_there.filter(|_| entries >= self.entries) else {
            return Err(format!(
                "the audit trail has {entries} entries, fewer than the {} of the head kept ({self}); entries were removed, or this is an older copy of the database",
                self.entries
            ));
        };
        if hash != self.hash {
            return Err(format!(
                "audit entry {} has the hash {hash}, not the {} of the head kept ({self}); the trail was rewritten from there on (or this is a different database)",
                self.entries, self.hash
            ));
        }
        Ok(())
    }
}

impl std::fmt::Display for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.entries, self.hash)
    }
}

impl std::str::FromStr for Head {
    type Err = String;

    /// Reads `COUNT:HASH` (the hash 64 hexadecimal digits).
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "\"{}\" is not a head; give it as escalate verify prints it, COUNT:HASH (e.g. 42:9f86d0…, 64 hex digits)",
                super::record::printable(text, false)
            )
        };
        let (count, hash) = text.trim().split_once(':').ok_or_else(bad)?;
        let entries: usize = count.parse().map_err(|_| bad())?;
        let hash = hash.to_ascii_lowercase();
        if entries == 0 || hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad());
        }
        Ok(Self { entries, hash })
    }
}

/// The entries whose stated time is later than when they were really written: recorded with
/// `--now` set ahead of the clock (only entries that record `written_at` can tell). Stated
/// earlier is ordinary (a call written up afterwards); stated later says the entry was written
/// before what it describes could have happened, which a reader of the trail should know. A
/// second's grace covers the clock being read twice for one write.
pub fn stated_after_written(trail: &[AuditEntry]) -> Vec<&AuditEntry> {
    trail
        .iter()
        .filter(|e| {
            e.written_at
                .is_some_and(|written| is_stated_later(e.at, written))
        })
        .collect()
}
