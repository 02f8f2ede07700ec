//! The audit trail's hashes, the same whichever backend holds the record: the fingerprint of a
//! record row (an explicit, versioned list of its fields, each as a canonical JSON value) and
//! the hash of an audit entry chaining from the one before. SQLite and PostgreSQL both hash
//! through here, so `verify` means the same on both and a database can move between them with
//! every entry still matching.
//!
//! The canonical value of a field is what SQLite has always stored: an integer (a boolean is
//! 0 or 1), a text (a time as RFC 3339 in UTC with milliseconds, [`time_text`]; a date as
//! `YYYY-MM-DD`), or null. A backend that stores a typed value (PostgreSQL's `timestamptz`,
//! `boolean`, `date`) turns it into that value before hashing.

use chrono::{DateTime, SecondsFormat, Utc};
use sha2::{Digest, Sha256};

/// The hash the first entry chains from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Lower-case hex, two digits a byte (a table lookup: `verify` makes two of these an entry).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}

/// The SHA-256 of `value`'s compact JSON. The text is written into a buffer and hashed in one
/// go: the serialiser writes a few bytes at a time (a quote, a comma), and each hash update has
/// a cost of its own.
fn sha256_of_json(value: &impl serde::Serialize) -> String {
    let mut text = Vec::with_capacity(512);
    // Strings, integers and plain JSON values always serialise, and a Vec never fails.
    let _ = serde_json::to_writer(&mut text, value);
    hex(&Sha256::digest(&text))
}

/// Which version of the fingerprinted fields ([`FINGERPRINT_FIELDS_V1`]) the audit entries' fingerprints were made with.
/// Every entry so far is version 1. A column that must join the fingerprint needs version 2, and
/// with it a column of `audit` saying which version each entry used (issue 12).
pub const FINGERPRINT_VERSION: u32 = 1;

/// The fields each record row's fingerprint covers, in order, at version 1:
/// every column the tables had when the version was fixed. Explicit, so that a migration adding
/// a column leaves every fingerprint, and so `verify`, as it was (a fingerprint over `SELECT *`
/// would change under every row the moment the column appeared).
pub const FINGERPRINT_FIELDS_V1: &[(&str, &[&str])] = &[
    (
        "escalations",
        &[
            "id",
            "procedure",
            "partnership",
            "child_name",
            "child_dob",
            "child_ref",
            "raised_by",
            "agency",
            "raised_with",
            "category",
            "summary",
            "outcome_sought",
            "concern_at",
            "raised_at",
            "immediate_risk",
            "recorded_by",
            "recorded_at",
        ],
    ),
    (
        "stage_changes",
        &[
            "id",
            "escalation_id",
            "to_stage",
            "at",
            "reason",
            "recorded_by",
            "recorded_at",
        ],
    ),
    (
        "discussions",
        &[
            "id",
            "escalation_id",
            "at",
            "participants",
            "mode",
            "notes",
            "decisions",
            "is_agreement",
            "stage",
            "recorded_by",
            "recorded_at",
        ],
    ),
    (
        "actions",
        &[
            "id",
            "escalation_id",
            "what",
            "owner",
            "due_on",
            "recorded_by",
            "recorded_at",
        ],
    ),
    (
        "action_completions",
        &[
            "id",
            "action_id",
            "escalation_id",
            "at",
            "recorded_by",
            "recorded_at",
        ],
    ),
    (
        "notifications_sent",
        &[
            "id",
            "escalation_id",
            "notification",
            "sent_at",
            "method",
            "reference",
            "recorded_by",
            "recorded_at",
        ],
    ),
    (
        "notes",
        &[
            "id",
            "escalation_id",
            "kind",
            "clock",
            "at",
            "text",
            "recorded_by",
            "recorded_at",
        ],
    ),
    (
        "outcomes",
        &[
            "id",
            "escalation_id",
            "kind",
            "at",
            "stage",
            "how",
            "learning",
            "parents_informed",
            "why_not",
            "child_record_updated",
            "recorded_by",
            "recorded_at",
        ],
    ),
    (
        "amendments",
        &[
            "id",
            "escalation_id",
            "field",
            "old_value",
            "new_value",
            "why",
            "recorded_by",
            "recorded_at",
        ],
    ),
    (
        "reviews",
        &[
            "id",
            "at",
            "horizon_working_days",
            "items",
            "acted_on",
            "outstanding",
            "recorded_by",
        ],
    ),
    (
        "corrections",
        &[
            "id",
            "escalation_id",
            "kind",
            "target_id",
            "target",
            "old_value",
            "new_value",
            "why",
            "recorded_by",
            "recorded_at",
        ],
    ),
    // Migration 9's tables (issue 15). New tables join the list without a new version: no
    // entry made before them names them, so no earlier fingerprint changes.
    (
        "escalation_details",
        &[
            "id",
            "escalation_id",
            "field",
            "value",
            "recorded_by",
            "recorded_at",
        ],
    ),
    (
        "attachments",
        &[
            "id",
            "escalation_id",
            "notification_sent_id",
            "notification",
            "name",
            "sha256",
            "text",
            "recorded_by",
            "recorded_at",
        ],
    ),
];

/// The fields of `table` fingerprinted at `version`, if the version knows the table.
pub fn fingerprint_fields(
    version: u32,
    table: &str,
) -> Option<(&'static str, &'static [&'static str])> {
    let fields = match version {
        1 => FINGERPRINT_FIELDS_V1,
        _ => return None,
    };
    fields.iter().find(|(name, _)| *name == table).copied()
}

/// A time as it is hashed (and as SQLite stores it): RFC 3339 in UTC with milliseconds.
pub fn time_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The fingerprint of one record row: the hash of its fingerprinted fields as `[name, value]`
/// pairs, in order. `values` are the canonical values of `fields`, one each.
pub fn row_fingerprint(fields: &[&str], values: Vec<serde_json::Value>) -> String {
    row_fingerprint_of(fields, &values)
}

/// [`row_fingerprint`] of values that serialise as their canonical JSON values do, so that a
/// backend can hash a row as it reads it, with no `serde_json::Value` built for each field.
pub fn row_fingerprint_of<V: serde::Serialize>(fields: &[&str], values: &[V]) -> String {
    /// `[[name, value], ...]`: a pair serialises exactly as the array of its two values.
    struct Pairs<'a, V>(&'a [&'a str], &'a [V]);
    impl<V: serde::Serialize> serde::Serialize for Pairs<'_, V> {
        fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            serializer.collect_seq(self.0.iter().zip(self.1))
        }
    }
    sha256_of_json(&Pairs(fields, values))
}

#[allow(
    clippy::too_many_arguments,
    reason = "each column of the entry is hashed; a struct would only rename them"
)]
pub fn entry_hash(
    prev: &str,
    id: i64,
    at: &str,
    actor: &str,
    escalation_id: Option<i64>,
    action: &str,
    summary: &str,
    table: &str,
    record_id: i64,
    record_hash: &str,
    written_at: Option<&str>,
) -> String {
    // A JSON array of the columns; a tuple serialises exactly as the array of their values.
    let columns = (
        prev,
        id,
        at,
        actor,
        escalation_id,
        action,
        summary,
        table,
        record_id,
        record_hash,
    );
    match written_at {
        Some(written_at) => sha256_of_json(&(
            columns.0, columns.1, columns.2, columns.3, columns.4, columns.5, columns.6, columns.7,
            columns.8, columns.9, written_at,
        )),
        // Entries from before `written_at` was recorded hash as they always did.
        None => sha256_of_json(&columns),
    }
}

fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// One audit entry as stored, its times already in their hashed text form ([`time_text`]),
/// borrowed from the row it was read from (the walk reads half a million of them).
#[derive(Debug, Clone)]
pub struct StoredEntry<'a> {
    pub id: i64,
    pub at: &'a str,
    pub actor: &'a str,
    pub escalation_id: Option<i64>,
    pub action: &'a str,
    pub summary: &'a str,
    pub table: &'a str,
    pub record_id: i64,
    pub record_hash: &'a str,
    pub prev: &'a str,
    pub hash: &'a str,
    pub written_at: Option<&'a str>,
}

impl StoredEntry<'_> {
    /// How a problem names the entry: its id, what it recorded, when and by whom.
    fn name(&self) -> String {
        format!(
            "audit entry {} ({}{}, recorded {} by {})",
            self.id,
            self.action,
            self.escalation_id
                .map(|e| format!(" on escalation {e}"))
                .unwrap_or_default(),
            self.at,
            self.actor.escape_debug()
        )
    }
}

/// The walk `verify` makes over the audit trail, the same on every backend: each entry in id
/// order must follow on from the one before, hash to what it says, and still match the row it
/// recorded. The backend reads the entries and looks the rows up; the judging is here, once.
#[derive(Debug)]
pub struct ChainWalk {
    expected_prev: String,
    expected_id: i64,
    /// Entries checked so far (the one that failed included).
    pub entries: usize,
    /// The entries found stating a time later than they were written.
    pub stated_later: Vec<crate::core::audit::StatedLater>,
}

impl Default for ChainWalk {
    fn default() -> Self {
        Self::new()
    }
}

impl ChainWalk {
    pub fn new() -> Self {
        Self {
            expected_prev: GENESIS.to_owned(),
            expected_id: 1,
            entries: 0,
            stated_later: Vec::new(),
        }
    }

    /// Checks the next entry. `current` looks up the fingerprint the recorded row has now
    /// (`None` if the row is gone); it is asked only once the entry itself is sound. Returns the
    /// problem, worded for `verify`, or `None` when the entry holds.
    pub fn check<E>(
        &mut self,
        entry: StoredEntry<'_>,
        current: impl FnOnce(&str, i64) -> Result<Option<String>, E>,
    ) -> Result<Option<String>, E> {
        if let Some(problem) = self.check_entry(&entry) {
            return Ok(Some(problem));
        }
        let now = current(entry.table, entry.record_id)?;
        if let Some(problem) = row_problem(&entry, now.as_deref()) {
            return Ok(Some(problem));
        }
        self.follow(entry);
        Ok(None)
    }

    /// The first half of [`Self::check`], the entry on its own (counted, whatever it finds):
    /// that it follows on from the one before and hashes to what it says. A walk that checks
    /// the rows apart (in a pass of their own, [`row_problem`]) calls this and then
    /// [`Self::follow`] for an entry that holds; the first problem in entry order, the entry's
    /// own before its row's, is what `check` would have found.
    pub fn check_entry(&mut self, entry: &StoredEntry<'_>) -> Option<String> {
        self.entries += 1;
        let fail = |what: &str| Some(format!("{} does not match: {what}", entry.name()));
        if entry.id != self.expected_id {
            return fail(&format!(
                "entry {} is missing before it; entries were deleted",
                self.expected_id
            ));
        }
        if entry.prev != self.expected_prev {
            return fail("it does not follow on from the entry before it; the trail was altered");
        }
        let recomputed = entry_hash(
            entry.prev,
            entry.id,
            entry.at,
            entry.actor,
            entry.escalation_id,
            entry.action,
            entry.summary,
            entry.table,
            entry.record_id,
            entry.record_hash,
            entry.written_at,
        );
        if recomputed != entry.hash {
            return fail("its content was changed after it was written");
        }
        None
    }

    /// Moves on past an entry that holds, noting it if it states a time later than written.
    pub fn follow(&mut self, entry: StoredEntry<'_>) {
        // Both times are hashed text in one format, so text order is time order: only an entry
        // that may state a later time has its times read.
        if let Some(written) = entry.written_at
            && entry.at > written
            && let (Some(at), Some(written_at)) = (parse_time(entry.at), parse_time(written))
            && crate::core::audit::is_stated_later(at, written_at)
        {
            self.stated_later.push(crate::core::audit::StatedLater {
                id: entry.id,
                at,
                written_at,
            });
        }
        self.expected_prev.clear();
        self.expected_prev.push_str(entry.hash);
        self.expected_id += 1;
    }
}

/// The second half of [`ChainWalk::check`]: whether the row `entry` recorded, whose
/// fingerprint is `now` (`None` if it is gone), is still as it was written.
pub fn row_problem(entry: &StoredEntry<'_>, now: Option<&str>) -> Option<String> {
    let what = match now {
        None => "has been deleted",
        Some(now) if now != entry.record_hash => "has been changed since",
        Some(_) => return None,
    };
    Some(format!(
        "{} does not match: the {} row {} it recorded {what}",
        entry.name(),
        entry.table,
        entry.record_id
    ))
}

/// The head of a chain whose last entry is `last_id` with `hash`: an empty chain (`last_id` 0)
/// has no hash, as [`crate::core::audit::Head::of`] gives it.
pub fn head_of(last_id: i64, hash: String) -> crate::core::audit::Head {
    let entries = usize::try_from(last_id).unwrap_or(0);
    crate::core::audit::Head {
        entries,
        hash: if entries == 0 { String::new() } else { hash },
    }
}

/// The problem `verify` reports for a record row no audit entry recorded.
pub fn unrecorded_row(table: &str, row: i64) -> String {
    format!("the {table} row {row} has no audit entry: it was added behind escalate's back")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The hashes are pinned: a change here would stop every database written so far from
    /// verifying, on either backend. (Worked out independently of this code.)
    #[test]
    fn the_hashes_are_the_ones_every_database_was_written_with() {
        assert_eq!(
            row_fingerprint(
                &["id", "child_name", "child_dob", "immediate_risk", "at"],
                vec![
                    1.into(),
                    "Zoë".into(),
                    serde_json::Value::Null,
                    0.into(),
                    "2026-11-23T10:00:00.000Z".into(),
                ],
            ),
            "866ed80f58229070c809f78a5c457605724a93ef24a7d329134f8564099b06b9"
        );
        let record_hash = "ab".repeat(32);
        let entry = |written_at| {
            entry_hash(
                GENESIS,
                1,
                "2026-11-23T10:00:00.000Z",
                "jo",
                Some(1),
                "raised",
                "escalation raised under london (stage 1)",
                "escalations",
                1,
                &record_hash,
                written_at,
            )
        };
        assert_eq!(
            entry(None),
            "51d7d07eb1d33538703aed55da352359c35db40135ddbb89cbbbba140e289c5b"
        );
        assert_eq!(
            entry(Some("2026-11-23T10:00:05.250Z")),
            "19b3467a067709a5b71aa85e5dab174f7307d056c849fcacfc1a8d1f4878536e"
        );
        assert_eq!(
            time_text("2026-11-23T10:00:00.123456Z".parse().unwrap()),
            "2026-11-23T10:00:00.123Z"
        );
    }

    #[test]
    fn every_record_table_is_fingerprinted_at_version_1() {
        // Every table of the record, on both backends (PostgreSQL's list is SQLite's), is
        // in the one list: a table missing here could not be verified on either.
        for table in crate::storage::sqlite::schema::RECORD_TABLES {
            assert!(fingerprint_fields(1, table).is_some(), "{table}");
        }
        assert_eq!(
            FINGERPRINT_FIELDS_V1.len(),
            crate::storage::sqlite::schema::RECORD_TABLES.len()
        );
        assert!(fingerprint_fields(1, "escalations").is_some());
        assert!(fingerprint_fields(1, "audit").is_none());
        assert!(fingerprint_fields(2, "escalations").is_none());
    }
}
