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
    row_fingerprint_of, row_problem, unrecorded_row,
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
        values.push(Canonical(row.get_ref(index)?));
    }
    Ok(row_fingerprint_of(fields, &values))
}

/// A column's value as its fingerprint hashes it, borrowed from the row: what
/// `serde_json::Value` made of it serialises to (a text read as UTF-8, a blob as hex).
struct Canonical<'r>(ValueRef<'r>);

impl serde::Serialize for Canonical<'_> {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        match self.0 {
            ValueRef::Null => serializer.serialize_unit(),
            ValueRef::Integer(i) => serializer.serialize_i64(i),
            // Not finite: `null`, as `Value::from` has it.
            ValueRef::Real(f) => serde_json::Value::from(f).serialize(serializer),
            ValueRef::Text(t) => match std::str::from_utf8(t) {
                Ok(text) => serializer.serialize_str(text),
                Err(_) => serializer.serialize_str(&String::from_utf8_lossy(t)),
            },
            ValueRef::Blob(b) => serializer.serialize_str(&hex(b)),
        }
    }
}

/// Fingerprints rows for `verify` by looking each up, a prepared statement per table kept for
/// the whole walk.
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

/// The query reading a whole table's fingerprinted fields in id order, the id first.
fn scan_fields(table: &str, fields: &[&str]) -> String {
    format!("SELECT id, {} FROM {table} ORDER BY id", fields.join(", "))
}

/// One table read in id order beside the trail: where its cursor stands (the id and
/// fingerprint of the row it last read), or that it has read every row.
struct Scan<'s> {
    rows: rusqlite::Rows<'s>,
    fields: &'static [&'static str],
    current: Option<(i64, String)>,
    /// Whether an entry named the row the cursor stands on.
    is_named: bool,
    /// The first row the cursor stepped past that no entry named.
    unnamed: Option<i64>,
    is_done: bool,
}

impl Scan<'_> {
    /// Steps to the next row, noting the one it leaves if no entry named it.
    fn step(&mut self, hash: bool) -> Result<()> {
        if let Some((at, _)) = self.current
            && !self.is_named
        {
            self.unnamed.get_or_insert(at);
        }
        self.is_named = false;
        match self.rows.next()? {
            Some(row) => {
                let hash = if hash {
                    hash_row(row, 1, self.fields)?
                } else {
                    String::new()
                };
                self.current = Some((row.get(0)?, hash));
            }
            // `current` stays: the last row's id, which the cursor is now past.
            None => self.is_done = true,
        }
        Ok(())
    }
}

/// Fingerprints rows for `verify` as the walk asks for them. A trail written by escalate names
/// each table's rows in id order (a row and its entry are written together), so each table is
/// read once, in order, a cursor per table stepping forward beside the trail: a step to the
/// next row, not a lookup from the root and a statement run for every entry (issue 17). An
/// entry naming a row behind its table's cursor (a trail put together some other way) has the
/// row looked up on its own, so the answer is the same either way.
struct Scans<'s, 'c> {
    scans: Vec<(&'static str, Scan<'s>)>,
    lookups: Fingerprinter<'c>,
    /// Whether any row was looked up behind its cursor.
    is_out_of_order: bool,
}

impl Scans<'_, '_> {
    fn of(&mut self, table: &str, id: i64) -> Result<Option<String>> {
        let Some((_, scan)) = self.scans.iter_mut().find(|(name, _)| *name == table) else {
            return self.lookups.of(table, id);
        };
        if scan
            .current
            .as_ref()
            .is_some_and(|(at, _)| *at > id || (scan.is_done && *at == id))
        {
            self.is_out_of_order = true;
            return self.lookups.of(table, id);
        }
        loop {
            match &scan.current {
                Some((at, hash)) if *at == id => {
                    scan.is_named = true;
                    return Ok(Some(hash.clone()));
                }
                // Stepped past where it would be: there is no such row.
                Some((at, _)) if *at > id => return Ok(None),
                _ if scan.is_done => return Ok(None),
                _ => scan.step(true)?,
            }
        }
    }

    /// Once every entry has been walked without a problem: the first record row, by table and
    /// then id, that no entry named, as the query in [`unrecorded_problem`] finds it (every row
    /// an entry names was asked for, in order). `None` when a row was looked up out of order, and
    /// the scans cannot tell: then ask the query.
    fn unrecorded(mut self) -> Result<Option<Option<String>>> {
        if self.is_out_of_order {
            return Ok(None);
        }
        for (table, scan) in &mut self.scans {
            while scan.unnamed.is_none() && !scan.is_done {
                scan.step(false)?;
            }
            if let Some(row) = scan.unnamed {
                return Ok(Some(Some(unrecorded_row(table, row))));
            }
        }
        Ok(Some(None))
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

fn stored_entry<'r>(r: &'r rusqlite::Row<'_>) -> Result<StoredEntry<'r>> {
    Ok(StoredEntry {
        id: r.get(0)?,
        at: text(r, 1)?,
        actor: text(r, 2)?,
        escalation_id: r.get(3)?,
        action: text(r, 4)?,
        summary: text(r, 5)?,
        table: text(r, 6)?,
        record_id: r.get(7)?,
        record_hash: text(r, 8)?,
        prev: text(r, 9)?,
        hash: text(r, 10)?,
        written_at: match r.get_ref(11)? {
            ValueRef::Null => None,
            _ => Some(text(r, 11)?),
        },
    })
}

/// The audit trail in order, every column [`stored_entry`] reads.
const TRAIL: &str = "SELECT id, at, actor, escalation_id, action, summary, record_table, record_id, record_hash, prev_hash, hash, written_at
     FROM audit ORDER BY id";

/// Each record table read in id order, for [`Scans`]: the statements, which the scans borrow.
fn scan_statements(
    conn: &Connection,
) -> Result<
    Vec<(
        &'static str,
        &'static [&'static str],
        rusqlite::Statement<'_>,
    )>,
> {
    RECORD_TABLES
        .iter()
        .map(|table| {
            let (table, fields) = fields_of(table)?;
            Ok((table, fields, conn.prepare(&scan_fields(table, fields))?))
        })
        .collect()
}

fn scans<'s, 'c>(
    conn: &'c Connection,
    statements: &'s mut [(
        &'static str,
        &'static [&'static str],
        rusqlite::Statement<'c>,
    )],
) -> Result<Scans<'s, 'c>> {
    Ok(Scans {
        scans: statements
            .iter_mut()
            .map(|(table, fields, statement)| {
                let scan = Scan {
                    rows: statement.query([])?,
                    fields,
                    current: None,
                    is_named: false,
                    unnamed: None,
                    is_done: false,
                };
                Ok((*table, scan))
            })
            .collect::<Result<Vec<_>>>()?,
        lookups: Fingerprinter::new(conn),
        is_out_of_order: false,
    })
}

/// The walk over the chain alone: its problem, if any, and what it counted and noticed.
pub fn walk_chain(conn: &Connection) -> Result<Verification> {
    let mut statement = conn.prepare(TRAIL)?;
    let mut rows = statement.query([])?;
    let mut statements = scan_statements(conn)?;
    let mut rows_now = scans(conn, &mut statements)?;
    let mut walk = ChainWalk::new();
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

/// [`walk_chain`] in two halves that can run at once, each on a connection of its own, put
/// together by [`joined`]: the entries alone (this), and the rows they recorded
/// ([`walk_rows`]). Together they find what `walk_chain` finds (issue 17: one pass did the
/// work of both on one core while the other waited for SQLite's integrity check).
pub fn walk_entries(conn: &Connection) -> Result<Verification> {
    let mut statement = conn.prepare(TRAIL)?;
    let mut rows = statement.query([])?;
    let mut walk = ChainWalk::new();
    while let Some(r) = rows.next()? {
        let entry = stored_entry(r)?;
        if let Some(problem) = walk.check_entry(&entry) {
            return Ok(Verification {
                entries: walk.entries,
                problem: Some(problem),
                stated_after_written: Vec::new(),
            });
        }
        walk.follow(entry);
    }
    Ok(Verification {
        entries: walk.entries,
        problem: None,
        stated_after_written: walk.stated_later,
    })
}

/// The first entry, in trail order, whose recorded row is gone or changed: its place in the
/// trail (counting from 1) and the problem, or the error looking the row up gave there.
pub type RowProblem = Option<(usize, Result<String>)>;

/// What [`walk_rows`] found.
pub struct RowsWalked {
    pub problem: RowProblem,
    /// With no problem: the first record row no entry recorded (as [`unrecorded_problem`]
    /// finds it), or `None` if the walk could not tell and the query must be asked.
    pub unrecorded: Option<Option<String>>,
}

/// The other half of [`walk_entries`]: every entry's recorded row against the fingerprint the
/// entry holds, in trail order, up to the first that no longer matches; and, reading every
/// record table to its end, the rows no entry recorded.
pub fn walk_rows(conn: &Connection) -> Result<RowsWalked> {
    let mut statement = conn.prepare(TRAIL)?;
    let mut rows = statement.query([])?;
    let mut statements = scan_statements(conn)?;
    let mut rows_now = scans(conn, &mut statements)?;
    let mut place = 0;
    let found = |problem| {
        Ok(RowsWalked {
            problem: Some(problem),
            unrecorded: None,
        })
    };
    while let Some(r) = rows.next()? {
        place += 1;
        let (table, record_id, record_hash) = (text(r, 6)?, r.get::<_, i64>(7)?, text(r, 8)?);
        let now = match rows_now.of(table, record_id) {
            Ok(now) => now,
            Err(e) => return found((place, Err(e))),
        };
        if now.as_deref() != Some(record_hash) {
            let entry = stored_entry(r)?;
            if let Some(problem) = row_problem(&entry, now.as_deref()) {
                return found((place, Ok(problem)));
            }
        }
    }
    Ok(RowsWalked {
        problem: None,
        unrecorded: rows_now.unrecorded()?,
    })
}

/// A text column, borrowed from the row.
fn text<'r>(row: &'r rusqlite::Row<'_>, index: usize) -> Result<&'r str> {
    match row.get_ref(index)? {
        ValueRef::Text(t) => std::str::from_utf8(t)
            .map_err(|e| unreadable(format!("audit column {index} is not UTF-8: {e}"))),
        _ => Err(unreadable(format!("audit column {index} is not text"))),
    }
}

/// What [`walk_entries`] and [`walk_rows`] found together: the first problem in trail order,
/// an entry's own before its row's (the order [`ChainWalk::check`] checks them in).
pub fn joined(entries: Verification, rows: RowProblem) -> Result<Verification> {
    match rows {
        Some((place, problem)) if entries.problem.is_none() || place < entries.entries => {
            Ok(Verification {
                entries: place,
                problem: Some(problem?),
                stated_after_written: Vec::new(),
            })
        }
        _ => Ok(entries),
    }
}

/// What `verify` checks after the chain, needing nothing from it: a record row no entry
/// recorded, then the `escalation_state` cache.
pub fn unrecorded_or_cache_problem(conn: &Connection) -> Result<Option<String>> {
    match unrecorded_problem(conn)? {
        Some(problem) => Ok(Some(problem)),
        None => cache_problem(conn),
    }
}

/// The first record row, by table and then id, that no audit entry recorded.
pub fn unrecorded_problem(conn: &Connection) -> Result<Option<String>> {
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
    Ok(None)
}

/// Checks `escalation_state`, the cache the caseload and `list` are read through, against what
/// the record says: every escalation has its row, with the stage and openness derived from its
/// stage changes and outcome, and an open one is never marked as needing no attention. A row
/// deleted or edited there would hide a case from the dashboard and from `escalate list`.
pub fn cache_problem(conn: &Connection) -> Result<Option<String>> {
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

    /// `verify` on a file walks the entries and their rows in two passes at once (issue 17);
    /// together they must find exactly what the one pass finds, tampering or not, including
    /// on a trail that names a table's rows out of id order (read by lookup, not the scan).
    #[test]
    fn the_two_halves_of_the_walk_find_what_the_one_pass_finds() {
        use crate::core::time::parse_instant;
        let now = parse_instant("2026-11-23 10:00").unwrap();
        // The one pass and the two halves, and the rows no entry recorded as the query and
        // (when it can tell) the row walk find them.
        let both = |conn: &Connection| {
            let one = walk_chain(conn).unwrap();
            let rows = walk_rows(conn).unwrap();
            let unrecorded = rows.unrecorded.clone();
            let two = joined(walk_entries(conn).unwrap(), rows.problem).unwrap();
            assert_eq!(one, two);
            if one.problem.is_none()
                && let Some(unrecorded) = unrecorded.clone()
            {
                assert_eq!(unrecorded, unrecorded_problem(conn).unwrap());
            }
            (one, unrecorded)
        };
        // Six reviews, with entries written for the rows in `order`.
        let written = |order: &[i64]| {
            let store = SqliteStore::open_in_memory().unwrap();
            for _ in 0..6 {
                store
                    .conn
                    .execute(
                        "INSERT INTO reviews (at, horizon_working_days, items, acted_on, outstanding, recorded_by)
                         VALUES ('2026-11-23T10:00:00.000Z', 5, 1, 0, 1, 'jo')",
                        [],
                    )
                    .unwrap();
            }
            for &id in order {
                let summary = format!("review {id}");
                append(
                    &store.conn,
                    (now, None),
                    "jo",
                    None,
                    "review",
                    &summary,
                    "reviews",
                    id,
                )
                .unwrap();
            }
            store
                .conn
                .execute_batch(
                    "DROP TRIGGER audit_no_update; DROP TRIGGER audit_no_delete;
                     DROP TRIGGER reviews_no_update; DROP TRIGGER reviews_no_delete;",
                )
                .unwrap();
            store
        };
        for (order, orphan) in [
            (&[1, 2, 3, 4, 5, 6][..], None),
            (
                &[1, 2, 3, 5, 6],
                Some("the reviews row 4 has no audit entry"),
            ),
            (
                &[2, 3, 4, 5, 6],
                Some("the reviews row 1 has no audit entry"),
            ),
            (
                &[1, 2, 3, 4, 5],
                Some("the reviews row 6 has no audit entry"),
            ),
        ] {
            let (found, unrecorded) = both(&written(order).conn);
            assert_eq!(found.problem, None, "{order:?}");
            let unrecorded = unrecorded.expect("in order, the row walk can tell");
            assert_eq!(unrecorded.as_deref().map(|u| &u[..36]), orphan, "{order:?}");
        }
        // Written for rows 1, 2, 5, 4, 3, 6: out of id order.
        let fresh = || written(&[1, 2, 5, 4, 3, 6]);
        let (sound, unrecorded) = both(&fresh().conn);
        assert_eq!((sound.entries, sound.problem), (6, None));
        assert_eq!(unrecorded, None, "out of order, the query is asked");
        for (tampering, entries, expected) in [
            // A row behind its table's cursor (entry 5 names row 3, after row 5 was read).
            (
                "UPDATE reviews SET items = 9 WHERE id = 3",
                5,
                "the reviews row 3 it recorded has been changed since",
            ),
            (
                "DELETE FROM reviews WHERE id = 4",
                4,
                "the reviews row 4 it recorded has been deleted",
            ),
            // A row the scan steps past (row 3 is where row 2 was wanted).
            (
                "DELETE FROM reviews WHERE id = 2",
                2,
                "the reviews row 2 it recorded has been deleted",
            ),
            (
                "UPDATE reviews SET items = 9 WHERE id = 6",
                6,
                "row 6 it recorded has been changed",
            ),
            // The entry's own problem comes first, at the same entry and before a later row's.
            (
                "UPDATE reviews SET items = 9 WHERE id = 4; UPDATE audit SET summary = 'x' WHERE id = 4",
                4,
                "its content was changed after it was written",
            ),
            (
                "UPDATE reviews SET items = 9 WHERE id = 6; UPDATE audit SET summary = 'x' WHERE id = 2",
                2,
                "its content was changed after it was written",
            ),
            // A row's problem comes first when it is at an earlier entry.
            (
                "UPDATE reviews SET items = 9 WHERE id = 2; DELETE FROM audit WHERE id = 5",
                2,
                "the reviews row 2 it recorded has been changed since",
            ),
            (
                "DELETE FROM audit WHERE id = 5",
                5,
                "entry 5 is missing before it",
            ),
        ] {
            let store = fresh();
            store.conn.execute_batch(tampering).unwrap();
            let (found, _) = both(&store.conn);
            let problem = found.problem.unwrap_or_default();
            assert!(problem.contains(expected), "{tampering}: {problem}");
            assert_eq!(found.entries, entries, "{tampering}: {problem}");
        }
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
