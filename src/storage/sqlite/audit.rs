//! The audit trail: one entry for every change, written in the change's own transaction, each
//! carrying a hash over its content, the fingerprint of the row it wrote, and the previous entry's
//! hash. Editing, inserting or deleting a row behind the app's back breaks the chain or a
//! fingerprint, and [`verify`] names the first entry that no longer matches.

use chrono::{DateTime, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};

use super::schema::RECORD_TABLES;
use super::{time_from_sql, time_to_sql, unreadable};
use crate::core::audit::{AuditEntry, Verification};
use crate::storage::Result;
use crate::storage::fingerprint::{
    ChainWalk, FINGERPRINT_VERSION, GENESIS, StoredEntry, entry_hash, fingerprint_fields, hex,
    row_fingerprint, unrecorded_row,
};

/// A hash of a record row's fingerprinted fields
/// ([`crate::storage::fingerprint::FINGERPRINT_FIELDS_V1`]), as `[name, value]`
/// pairs in order, or `None` if the row is gone.
fn fingerprint(conn: &Connection, table: &str, id: i64) -> Result<Option<String>> {
    let (table, fields) = fields_of(table)?;
    let mut statement = conn.prepare_cached(&select_fields(table, fields))?;
    row_hash(&mut statement, fields, id)
}

/// The table's name as the fixed list spells it, and its fingerprinted fields.
fn fields_of(table: &str) -> Result<(&'static str, &'static [&'static str])> {
    fingerprint_fields(FINGERPRINT_VERSION, table).ok_or_else(|| {
        unreadable(format!(
            "audit names an unknown table \"{}\"",
            table.escape_debug()
        ))
    })
}

/// The query reading one row's fingerprinted fields. The table and field names come from the
/// fixed lists, never from input.
fn select_fields(table: &str, fields: &[&str]) -> String {
    format!("SELECT {} FROM {table} WHERE id = ?1", fields.join(", "))
}

/// Runs `statement` (a [`select_fields`] query) for `id` and hashes the row it finds.
fn row_hash(
    statement: &mut rusqlite::Statement<'_>,
    fields: &[&str],
    id: i64,
) -> Result<Option<String>> {
    let mut rows = statement.query(params![id])?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    hash_row(row, 0, fields).map(Some)
}

/// The fingerprint of `row`, whose fingerprinted fields start at column `from`.
fn hash_row(row: &rusqlite::Row<'_>, from: usize, fields: &[&str]) -> Result<String> {
    let mut values = Vec::with_capacity(fields.len());
    for index in from..from + fields.len() {
        let value = match row.get_ref(index)? {
            ValueRef::Null => serde_json::Value::Null,
            ValueRef::Integer(i) => serde_json::Value::from(i),
            ValueRef::Real(f) => serde_json::Value::from(f),
            ValueRef::Text(t) => serde_json::Value::from(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => serde_json::Value::from(hex(b)),
        };
        values.push(value);
    }
    Ok(row_fingerprint(fields, values))
}

/// Fingerprints rows for `verify`, a prepared statement per table kept for the whole walk.
/// (Reading each table ahead in id order instead was measured slower at 100,000 escalations.)
struct Fingerprinter<'c> {
    conn: &'c Connection,
    statements: std::collections::HashMap<&'static str, rusqlite::Statement<'c>>,
}

impl<'c> Fingerprinter<'c> {
    fn new(conn: &'c Connection) -> Self {
        Self {
            conn,
            statements: std::collections::HashMap::new(),
        }
    }

    fn of(&mut self, table: &str, id: i64) -> Result<Option<String>> {
        let (table, fields) = fields_of(table)?;
        let statement = match self.statements.entry(table) {
            std::collections::hash_map::Entry::Occupied(entry) => entry.into_mut(),
            std::collections::hash_map::Entry::Vacant(entry) => {
                entry.insert(self.conn.prepare(&select_fields(table, fields))?)
            }
        };
        row_hash(statement, fields, id)
    }
}

/// The head of the chain: its last entry's id (the chain's length, ids counting from 1 with no
/// gaps in a sound chain) and hash.
pub fn head(conn: &Connection) -> Result<crate::core::audit::Head> {
    let last: Option<(i64, String)> = conn
        .query_row(
            "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    Ok(last.map_or_else(
        || crate::storage::fingerprint::head_of(0, String::new()),
        |(id, hash)| crate::storage::fingerprint::head_of(id, hash),
    ))
}

/// Appends the entry for a row just written. Runs inside the change's immediate transaction, so
/// the chain is extended by one writer at a time. `when` is the time the entry states (`now`,
/// which `--now` may set) and, where known, the real time it was written: both are hashed.
#[allow(clippy::too_many_arguments, reason = "the columns of one audit entry")]
pub fn append(
    conn: &Connection,
    when: (DateTime<Utc>, Option<DateTime<Utc>>),
    actor: &str,
    escalation_id: Option<i64>,
    action: &str,
    summary: &str,
    table: &str,
    record_id: i64,
) -> Result<()> {
    let record_hash = fingerprint(conn, table, record_id)?
        .ok_or_else(|| unreadable(format!("{table} row {record_id} vanished")))?;
    let (last_id, prev): (i64, String) = conn
        .query_row(
            "SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .or_else(|e| match e {
            rusqlite::Error::QueryReturnedNoRows => Ok((0, GENESIS.to_owned())),
            other => Err(other),
        })?;
    let id = last_id + 1;
    let (now, written_at) = when;
    let at = time_to_sql(now);
    let written_at = written_at.map(time_to_sql);
    let hash = entry_hash(
        &prev,
        id,
        &at,
        actor,
        escalation_id,
        action,
        summary,
        table,
        record_id,
        &record_hash,
        written_at.as_deref(),
    );
    // Without a wall clock the column is left out, as it was before it existed.
    match written_at {
        Some(written_at) => conn.execute(
            "INSERT INTO audit (id, at, actor, escalation_id, action, summary, record_table, record_id, record_hash, prev_hash, hash, written_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![id, at, actor, escalation_id, action, summary, table, record_id, record_hash, prev, hash, written_at],
        )?,
        None => conn.execute(
            "INSERT INTO audit (id, at, actor, escalation_id, action, summary, record_table, record_id, record_hash, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![id, at, actor, escalation_id, action, summary, table, record_id, record_hash, prev, hash],
        )?,
    };
    Ok(())
}

pub fn entries(conn: &Connection, escalation: Option<i64>) -> Result<Vec<AuditEntry>> {
    let mut statement = conn.prepare_cached(
        "SELECT id, at, actor, escalation_id, action, summary, record_table, record_id, hash, written_at FROM audit
         WHERE ?1 IS NULL OR escalation_id = ?1 ORDER BY id",
    )?;
    let rows = statement.query_map(params![escalation], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, String>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
            r.get::<_, i64>(7)?,
            r.get::<_, String>(8)?,
            r.get::<_, Option<String>>(9)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, at, actor, escalation_id, action, summary, record_table, record_id, hash, written) =
            row?;
        out.push(AuditEntry {
            id,
            at: time_from_sql(&at)?,
            written_at: written.as_deref().map(time_from_sql).transpose()?,
            actor,
            escalation_id,
            action,
            summary,
            record_table,
            record_id,
            hash,
        });
    }
    Ok(out)
}

/// Checks SQLite's own integrity, then every audit entry in order: that it chains from the one
/// before, that its hash matches its content, and that the row it wrote is still as written;
/// then that every record row has an entry. Stops at the first problem.
pub fn verify(conn: &Connection) -> Result<Verification> {
    match integrity_problem(conn)? {
        Some(problem) => Ok(integrity_failed(problem)),
        None => verify_chain(conn),
    }
}

/// SQLite's own integrity check of the file: `None` when it is sound, else what it found.
pub fn integrity_problem(conn: &Connection) -> Result<Option<String>> {
    let mut statement = conn.prepare("PRAGMA integrity_check")?;
    let report: Vec<String> = statement
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok((report != ["ok"]).then(|| report.join("; ")))
}

/// What `verify` reports when SQLite's integrity check failed: the file itself is damaged, so
/// nothing read from it is worth judging.
pub fn integrity_failed(problem: String) -> Verification {
    Verification {
        entries: 0,
        problem: Some(format!("SQLite integrity check failed: {problem}")),
        stated_after_written: Vec::new(),
    }
}

/// The audit chain, every record row against its entry, and the `escalation_state` cache
/// (everything `verify` checks after SQLite's integrity check).
pub fn verify_chain(conn: &Connection) -> Result<Verification> {
    let walked = walk_chain(conn)?;
    if walked.problem.is_some() {
        return Ok(walked);
    }
    Ok(Verification {
        problem: unrecorded_or_cache_problem(conn)?,
        ..walked
    })
}

fn stored_entry(r: &rusqlite::Row<'_>) -> Result<StoredEntry> {
    Ok(StoredEntry {
        id: r.get(0)?,
        at: r.get(1)?,
        actor: r.get(2)?,
        escalation_id: r.get(3)?,
        action: r.get(4)?,
        summary: r.get(5)?,
        table: r.get(6)?,
        record_id: r.get(7)?,
        record_hash: r.get(8)?,
        prev: r.get(9)?,
        hash: r.get(10)?,
        written_at: r.get(11)?,
    })
}

/// The walk over the chain alone: its problem, if any, and what it counted and noticed.
pub fn walk_chain(conn: &Connection) -> Result<Verification> {
    let mut statement = conn.prepare(
        "SELECT id, at, actor, escalation_id, action, summary, record_table, record_id, record_hash, prev_hash, hash, written_at
         FROM audit ORDER BY id",
    )?;
    let mut rows = statement.query([])?;
    let mut walk = ChainWalk::new();
    let mut rows_now = Fingerprinter::new(conn);
    while let Some(r) = rows.next()? {
        let entry = stored_entry(r)?;
        if let Some(problem) = walk.check(entry, |table, id| rows_now.of(table, id))? {
            return Ok(Verification {
                entries: walk.entries,
                problem: Some(problem),
                stated_after_written: Vec::new(),
            });
        }
    }
    Ok(Verification {
        entries: walk.entries,
        problem: None,
        stated_after_written: walk.stated_later,
    })
}

/// What `verify` checks after the chain, needing nothing from it: a record row no entry
/// recorded, then the `escalation_state` cache.
pub fn unrecorded_or_cache_problem(conn: &Connection) -> Result<Option<String>> {
    for table in RECORD_TABLES {
        let orphan: Option<i64> = conn
            .query_row(
                &format!(
                    "SELECT id FROM {table} WHERE id NOT IN (SELECT record_id FROM audit WHERE record_table = ?1) ORDER BY id LIMIT 1"
                ),
                params![table],
                |r| r.get(0),
            )
            .or_else(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Ok(None),
                other => Err(other),
            })?;
        if let Some(row) = orphan {
            return Ok(Some(unrecorded_row(table, row)));
        }
    }
    cache_problem(conn)
}

/// Checks `escalation_state`, the cache the caseload and `list` are read through, against what
/// the record says: every escalation has its row, with the stage and openness derived from its
/// stage changes and outcome, and an open one is never marked as needing no attention. A row
/// deleted or edited there would hide a case from the dashboard and from `escalate list`.
fn cache_problem(conn: &Connection) -> Result<Option<String>> {
    // What the record says, with the rows corrections took out of it left out (a stage move
    // reversed, an outcome reopened).
    let mut statement = conn.prepare(&format!(
        "SELECT e.id, s.escalation_id, s.is_open, s.stage, s.needs_attention,
                NOT EXISTS (SELECT 1 FROM outcomes WHERE outcomes.escalation_id = e.id AND {}),
                coalesce((SELECT stage_changes.to_stage FROM stage_changes WHERE stage_changes.escalation_id = e.id AND {}
                          ORDER BY stage_changes.at DESC, stage_changes.id DESC LIMIT 1), 1)
         FROM escalations e LEFT JOIN escalation_state s ON s.escalation_id = e.id
         ORDER BY e.id",
        super::live("outcomes", "reopened"),
        super::live("stage_changes", "stage-undone"),
    ))?;
    let mut rows = statement.query([])?;
    let words = |is_open: bool, stage: i64| {
        format!("stage {stage}, {}", if is_open { "open" } else { "closed" })
    };
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let derived = (r.get::<_, bool>(5)?, r.get::<_, i64>(6)?);
        if r.get::<_, Option<i64>>(1)?.is_none() {
            return Ok(Some(format!(
                "escalation {id} has no escalation_state row, so the dashboard and escalate list do not show it; the record says {}",
                words(derived.0, derived.1)
            )));
        }
        let cached = (r.get::<_, bool>(2)?, r.get::<_, i64>(3)?);
        if cached != derived {
            return Ok(Some(format!(
                "the escalation_state row of escalation {id} says {}, but the record says {}",
                words(cached.0, cached.1),
                words(derived.0, derived.1)
            )));
        }
        if derived.0 && !r.get::<_, bool>(4)? {
            return Ok(Some(format!(
                "escalation {id} is open but its escalation_state row marks it as needing no attention, so the dashboard does not load it"
            )));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Store;
    use crate::storage::fingerprint::FINGERPRINT_FIELDS_V1;
    use crate::storage::sqlite::SqliteStore;

    #[test]
    fn a_migration_adding_a_column_keeps_verify_green() {
        use crate::core::change::{DiscussionInput, plan_discussion};
        use crate::core::procedure::ProcedureSet;
        use crate::core::record::NewEscalationInput;
        use crate::core::time::parse_instant;
        let t = |text: &str| parse_instant(text).unwrap();
        let procedures = ProcedureSet::builtin();
        let new = NewEscalationInput {
            procedure: "london".into(),
            child_name: "Ava Sample".into(),
            raised_by: "A DSL".into(),
            agency: "School".into(),
            raised_with: "Social care".into(),
            category: "thresholds".into(),
            summary: "Referral refused.".into(),
            raised_at: Some(t("2026-11-23 09:00")),
            ..Default::default()
        }
        .check(procedures.get("london").unwrap(), t("2026-11-23 10:00"))
        .unwrap();
        let now = t("2026-11-23 11:00");
        let discuss = |e: &crate::core::record::Escalation| {
            plan_discussion(
                e,
                &DiscussionInput {
                    participants: "Duty SW".into(),
                    mode: "phone".into(),
                    notes: "Talked it through.".into(),
                    ..Default::default()
                },
                now,
            )
        };
        let mut store = SqliteStore::open_in_memory().unwrap();
        let id = store.create(&new, "jo", now).unwrap();
        store.change(id, "jo", now, discuss).unwrap();
        store
            .record_review(
                &crate::core::review::ReviewSummary::new(1, 0, 1, Default::default()).unwrap(),
                "jo",
                now,
            )
            .unwrap();
        assert_eq!(store.verify().unwrap().problem, None);
        // What a later migration might do: new columns on record tables, with defaults.
        store
            .conn
            .execute_batch(
                "ALTER TABLE discussions ADD COLUMN location TEXT;
                 ALTER TABLE escalations ADD COLUMN school_ref TEXT NOT NULL DEFAULT 'unknown';
                 ALTER TABLE reviews ADD COLUMN note TEXT DEFAULT 'none';",
            )
            .unwrap();
        let verification = store.verify().unwrap();
        assert_eq!(verification.problem, None, "the old entries still match");
        assert_eq!(verification.entries, 3);
        // Rows written after the migration verify too.
        store.change(id, "jo", now, discuss).unwrap();
        store.create(&new, "jo", now).unwrap();
        assert_eq!(store.verify().unwrap().problem, None);
        assert_eq!(store.verify().unwrap().entries, 5);
        // And a fingerprinted field changed behind the app's back is still caught.
        store
            .conn
            .execute_batch(
                "DROP TRIGGER discussions_no_update; UPDATE discussions SET notes = 'x' WHERE id = 1;",
            )
            .unwrap();
        let problem = store.verify().unwrap().problem.unwrap();
        assert!(problem.contains("discussions row 1"), "{problem}");
    }

    #[test]
    fn a_deleted_or_edited_escalation_state_row_is_reported() {
        use crate::core::procedure::ProcedureSet;
        use crate::core::record::NewEscalationInput;
        use crate::core::time::parse_instant;
        let t = |text: &str| parse_instant(text).unwrap();
        let procedures = ProcedureSet::builtin();
        let new = NewEscalationInput {
            procedure: "london".into(),
            child_name: "Ava Sample".into(),
            raised_by: "A DSL".into(),
            agency: "School".into(),
            raised_with: "Social care".into(),
            category: "thresholds".into(),
            summary: "Referral refused.".into(),
            raised_at: Some(t("2026-11-23 09:00")),
            ..Default::default()
        }
        .check(procedures.get("london").unwrap(), t("2026-11-23 10:00"))
        .unwrap();
        let now = t("2026-11-23 11:00");
        let fresh = || {
            let mut store = SqliteStore::open_in_memory().unwrap();
            store.create(&new, "jo", now).unwrap();
            store.create(&new, "jo", now).unwrap();
            assert_eq!(store.verify().unwrap().problem, None);
            store
        };
        for (tampering, expected) in [
            (
                "DELETE FROM escalation_state WHERE escalation_id = 2",
                "escalation 2 has no escalation_state row, so the dashboard and escalate list do not show it; the record says stage 1, open",
            ),
            (
                "UPDATE escalation_state SET is_open = 0 WHERE escalation_id = 1",
                "the escalation_state row of escalation 1 says stage 1, closed, but the record says stage 1, open",
            ),
            (
                "UPDATE escalation_state SET stage = 3 WHERE escalation_id = 2",
                "the escalation_state row of escalation 2 says stage 3, open, but the record says stage 1, open",
            ),
            (
                "UPDATE escalation_state SET needs_attention = 0 WHERE escalation_id = 1",
                "escalation 1 is open but its escalation_state row marks it as needing no attention, so the dashboard does not load it",
            ),
        ] {
            let store = fresh();
            store.conn.execute_batch(tampering).unwrap();
            let verification = store.verify().unwrap();
            assert_eq!(
                verification.problem.as_deref(),
                Some(expected),
                "{tampering}"
            );
            assert_eq!(verification.entries, 2, "the chain itself still checks");
        }
    }

    #[test]
    fn an_entry_records_when_it_was_really_written_and_verify_holds_it_to_that() {
        use crate::core::time::parse_instant;
        let t = |text: &str| parse_instant(text).unwrap();
        let mut store = SqliteStore::open_in_memory().unwrap();
        // Stated as yesterday (`--now`), really written today.
        let stated = t("2026-11-22 10:00");
        let real = t("2026-11-23T10:00:05.250Z");
        let summary = crate::core::review::ReviewSummary::new(1, 0, 1, Default::default()).unwrap();
        store.record_review(&summary, "jo", stated).unwrap();
        store.set_wall_clock(Box::new(move || real));
        store.record_review(&summary, "jo", stated).unwrap();
        let trail = store.audit_trail(None).unwrap();
        assert_eq!(trail[0].written_at, None, "no wall clock, nothing recorded");
        assert_eq!(trail[1].at, stated);
        assert_eq!(trail[1].written_at, Some(real));
        assert_eq!(store.verify().unwrap().problem, None);
        // The time of writing is part of the entry's hash: changed, it is caught.
        store
            .conn
            .execute_batch(
                "DROP TRIGGER audit_no_update;
                 UPDATE audit SET written_at = '2026-11-22T10:00:00.000Z' WHERE id = 2;",
            )
            .unwrap();
        let problem = store.verify().unwrap().problem.unwrap();
        assert!(
            problem.starts_with("audit entry 2 (review, recorded")
                && problem.ends_with("its content was changed after it was written"),
            "{problem}"
        );
    }

    #[test]
    fn the_fingerprint_fields_are_every_record_table_and_its_columns_at_version_1() {
        let store = SqliteStore::open_in_memory().unwrap();
        assert_eq!(FINGERPRINT_VERSION, 1);
        let tables: Vec<&str> = FINGERPRINT_FIELDS_V1.iter().map(|(t, _)| *t).collect();
        assert_eq!(tables, RECORD_TABLES);
        for (table, fields) in FINGERPRINT_FIELDS_V1 {
            let statement = store
                .conn
                .prepare(&format!("SELECT * FROM {table}"))
                .unwrap();
            let columns: Vec<&str> = statement.column_names().collect();
            // A later migration may append columns; the fingerprinted ones stay first, in order.
            assert!(columns.starts_with(fields), "{table}: {columns:?}");
        }
        assert_eq!(store.verify().unwrap().problem, None);
    }
}
