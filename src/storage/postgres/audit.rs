//! The audit trail on PostgreSQL: the same chain as SQLite's, hashed by the same functions
//! ([`crate::storage::fingerprint`]) over the same canonical values, so `verify` means the same
//! thing on both and a database moved between them still verifies.
//!
//! Entries are appended under a transaction-scoped advisory lock ([`CHAIN_LOCK`]): the next
//! writer waits until the one holding it has committed, then reads the head it left, so two
//! writers can never both chain from the same entry (fork the trail).

use chrono::{DateTime, NaiveDate, Utc};
use postgres::GenericClient;
use postgres::types::Type;

use super::schema::{CHAIN_LOCK, RECORD_TABLES};
use super::unreadable;
use crate::core::audit::{AuditEntry, Verification};
use crate::core::change::as_stored;
use crate::storage::Result;
use crate::storage::fingerprint::{
    ChainWalk, FINGERPRINT_VERSION, GENESIS, StoredEntry, entry_hash, fingerprint_fields,
    row_fingerprint, time_text, unrecorded_row,
};

/// One column of a row as the fingerprint sees it: what SQLite stores for it (a boolean as 0
/// or 1, a time as RFC 3339 text with milliseconds, a date as `YYYY-MM-DD`).
pub fn canonical(row: &postgres::Row, index: usize) -> Result<serde_json::Value> {
    use serde_json::Value;
    let column = &row.columns()[index];
    let bad = |e: postgres::Error| unreadable(format!("column {}: {e}", column.name()));
    let value = match *column.type_() {
        Type::INT2 => row
            .try_get::<_, Option<i16>>(index)
            .map_err(bad)?
            .map(Value::from),
        Type::INT4 => row
            .try_get::<_, Option<i32>>(index)
            .map_err(bad)?
            .map(Value::from),
        Type::INT8 => row
            .try_get::<_, Option<i64>>(index)
            .map_err(bad)?
            .map(Value::from),
        Type::BOOL => row
            .try_get::<_, Option<bool>>(index)
            .map_err(bad)?
            .map(|b| Value::from(i64::from(b))),
        Type::TIMESTAMPTZ => row
            .try_get::<_, Option<DateTime<Utc>>>(index)
            .map_err(bad)?
            .map(|t| Value::from(time_text(t))),
        Type::DATE => row
            .try_get::<_, Option<NaiveDate>>(index)
            .map_err(bad)?
            .map(|d| Value::from(d.to_string())),
        Type::TEXT | Type::VARCHAR => row
            .try_get::<_, Option<String>>(index)
            .map_err(bad)?
            .map(Value::from),
        ref other => {
            return Err(unreadable(format!(
                "column {} of type {other}",
                column.name()
            )));
        }
    };
    Ok(value.unwrap_or(Value::Null))
}

/// The fingerprint of the `table` row `id`, or `None` if it is gone.
fn fingerprint(client: &mut impl GenericClient, table: &str, id: i64) -> Result<Option<String>> {
    let Some((table, fields)) = fingerprint_fields(FINGERPRINT_VERSION, table) else {
        return Err(unreadable(format!(
            "audit names an unknown table \"{}\"",
            table.escape_debug()
        )));
    };
    // The table and field names come from the fixed lists, never from input.
    let rows = client.query(
        &format!("SELECT {} FROM {table} WHERE id = $1", fields.join(", ")),
        &[&id],
    )?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let values = (0..fields.len())
        .map(|i| canonical(row, i))
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(row_fingerprint(fields, values)))
}

/// Appends the entry for a row just written, in the change's own transaction, under the chain
/// lock (held until that transaction ends).
#[allow(clippy::too_many_arguments, reason = "the columns of one audit entry")]
pub fn append(
    client: &mut impl GenericClient,
    when: (DateTime<Utc>, Option<DateTime<Utc>>),
    actor: &str,
    escalation_id: Option<i64>,
    action: &str,
    summary: &str,
    table: &str,
    record_id: i64,
) -> Result<()> {
    client.execute("SELECT pg_advisory_xact_lock($1)", &[&CHAIN_LOCK])?;
    let record_hash = fingerprint(client, table, record_id)?
        .ok_or_else(|| unreadable(format!("{table} row {record_id} vanished")))?;
    let (last_id, prev) = head(client)?;
    let id = last_id + 1;
    let (now, written_at) = (as_stored(when.0), when.1.map(as_stored));
    let hash = entry_hash(
        &prev,
        id,
        &time_text(now),
        actor,
        escalation_id,
        action,
        summary,
        table,
        record_id,
        &record_hash,
        written_at.map(time_text).as_deref(),
    );
    client.execute(
        "INSERT INTO audit (id, at, actor, escalation_id, action, summary, record_table, record_id, record_hash, prev_hash, hash, written_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        &[&id, &now, &actor, &escalation_id, &action, &summary, &table, &record_id, &record_hash, &prev, &hash, &written_at],
    )?;
    Ok(())
}

/// The last entry's id and hash (0 and the genesis hash on an empty trail).
pub fn head(client: &mut impl GenericClient) -> Result<(i64, String)> {
    // Through a function that reads the whole trail: a person may read only their schools'
    // entries, and must still chain from the last one of all.
    let row = client.query_one("SELECT id, hash FROM escalate_chain_head()", &[])?;
    Ok(
        match (
            row.get::<_, Option<i64>>(0),
            row.get::<_, Option<String>>(1),
        ) {
            (Some(id), Some(hash)) => (id, hash),
            _ => (0, GENESIS.to_owned()),
        },
    )
}

pub fn entries(
    client: &mut impl GenericClient,
    escalation: Option<i64>,
) -> Result<Vec<AuditEntry>> {
    let rows = client.query(
        "SELECT id, at, actor, escalation_id, action, summary, record_table, record_id, hash, written_at FROM audit
         WHERE $1::bigint IS NULL OR escalation_id = $1 ORDER BY id",
        &[&escalation],
    )?;
    Ok(rows
        .iter()
        .map(|r| AuditEntry {
            id: r.get(0),
            at: r.get(1),
            written_at: r.get(9),
            actor: r.get(2),
            escalation_id: r.get(3),
            action: r.get(4),
            summary: r.get(5),
            record_table: r.get(6),
            record_id: r.get(7),
            hash: r.get(8),
        })
        .collect())
}

/// Checks every audit entry in order, as SQLite's `verify` does: that it chains from the one
/// before, that its hash matches its content, and that the row it wrote is still as written;
/// then that every record row has an entry, and the `escalation_state` cache. Stops at the
/// first problem. (PostgreSQL checks its own pages; there is no integrity pragma to run.)
pub fn verify(client: &mut impl GenericClient) -> Result<Verification> {
    let rows = client.query(
        "SELECT id, at, actor, escalation_id, action, summary, record_table, record_id, record_hash, prev_hash, hash, written_at
         FROM audit ORDER BY id",
        &[],
    )?;
    let mut walk = ChainWalk::new();
    for r in &rows {
        let at = time_text(r.get(1));
        let written_at = r.get::<_, Option<DateTime<Utc>>>(11).map(time_text);
        let entry = StoredEntry {
            id: r.get(0),
            at: &at,
            actor: r.get(2),
            escalation_id: r.get(3),
            action: r.get(4),
            summary: r.get(5),
            table: r.get(6),
            record_id: r.get(7),
            record_hash: r.get(8),
            prev: r.get(9),
            hash: r.get(10),
            written_at: written_at.as_deref(),
        };
        if let Some(problem) = walk.check(entry, |table, id| fingerprint(client, table, id))? {
            return Ok(Verification {
                entries: walk.entries,
                problem: Some(problem),
                stated_after_written: Vec::new(),
            });
        }
    }
    let count = walk.entries;
    let stated_after_written = walk.stated_later;

    for table in RECORD_TABLES {
        let orphan = client.query(
            &format!(
                "SELECT id FROM {table} WHERE id NOT IN (SELECT record_id FROM audit WHERE record_table = $1) ORDER BY id LIMIT 1"
            ),
            &[table],
        )?;
        if let Some(row) = orphan.first() {
            let row: i64 = row.get(0);
            return Ok(Verification {
                entries: count,
                problem: Some(unrecorded_row(table, row)),
                stated_after_written: Vec::new(),
            });
        }
    }
    Ok(Verification {
        entries: count,
        problem: cache_problem(client)?,
        stated_after_written,
    })
}

/// Checks `escalation_state` against what the record says, as on SQLite.
fn cache_problem(client: &mut impl GenericClient) -> Result<Option<String>> {
    let rows = client.query(
        &format!(
            "SELECT e.id, s.escalation_id, s.is_open, s.stage, s.needs_attention,
                    NOT EXISTS (SELECT 1 FROM outcomes WHERE outcomes.escalation_id = e.id AND {}),
                    coalesce((SELECT stage_changes.to_stage FROM stage_changes WHERE stage_changes.escalation_id = e.id AND {}
                              ORDER BY stage_changes.at DESC, stage_changes.id DESC LIMIT 1), 1)
             FROM escalations e LEFT JOIN escalation_state s ON s.escalation_id = e.id
             ORDER BY e.id",
            super::live("outcomes", "reopened"),
            super::live("stage_changes", "stage-undone"),
        ),
        &[],
    )?;
    let words = |is_open: bool, stage: i32| {
        format!("stage {stage}, {}", if is_open { "open" } else { "closed" })
    };
    for r in &rows {
        let id: i64 = r.get(0);
        let derived: (bool, i32) = (r.get(5), r.get(6));
        if r.get::<_, Option<i64>>(1).is_none() {
            return Ok(Some(format!(
                "escalation {id} has no escalation_state row, so the dashboard and escalate list do not show it; the record says {}",
                words(derived.0, derived.1)
            )));
        }
        let cached: (bool, i32) = (r.get(2), r.get(3));
        if cached != derived {
            return Ok(Some(format!(
                "the escalation_state row of escalation {id} says {}, but the record says {}",
                words(cached.0, cached.1),
                words(derived.0, derived.1)
            )));
        }
        if derived.0 && !r.get::<_, bool>(4) {
            return Ok(Some(format!(
                "escalation {id} is open but its escalation_state row marks it as needing no attention, so the dashboard does not load it"
            )));
        }
    }
    Ok(None)
}
