//! Moving a whole record between backends (`escalate backup` of a PostgreSQL database,
//! `escalate migrate`): every row of the record, the `escalation_state` cache and the audit
//! trail, with the same ids, as the canonical values the fingerprint hashes
//! ([`crate::storage::fingerprint`]). Because both ends hash those values the same way, the
//! copied audit chain verifies on the other side exactly as it did on this one.
//!
//! Rows go by column name: a column the source has and the target does not is refused (it
//! would be lost), and a column only the target has is left to its default.

use super::Result;
use crate::core::audit::Head;

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

/// What a streamed copy says before its rows, read in the same snapshot as them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// `sqlite` or `postgres`.
    pub database: &'static str,
    /// The database's schema version (each backend numbers its own migrations).
    pub schema_version: i64,
    /// The head of the audit chain the rows end at, as `verify` prints it.
    pub head: Head,
}

/// Where streamed rows go, a table at a time: `begin` once, then for each table `table`, its
/// rows, and `end_table`. An error from the sink stops the copy.
pub trait RowSink {
    fn begin(&mut self, snapshot: &Snapshot) -> Result<()>;
    fn table(&mut self, table: &str, columns: &[String]) -> Result<()>;
    fn row(&mut self, values: &[serde_json::Value]) -> Result<()>;
    fn end_table(&mut self) -> Result<()>;
}

/// How many rows a page holds when a backend reads a table a page at a time.
pub const PAGE_ROWS: i32 = 1000;

/// A store whose whole record can be read out, or written into an empty one.
pub trait Rows {
    /// Every row of [`COPIED_TABLES`], each table ordered by its key.
    fn export_rows(&self) -> Result<Vec<TableRows>> {
        let mut collected = Collect::default();
        self.stream_rows(COPIED_TABLES, &mut collected)?;
        Ok(collected.tables)
    }

    /// The rows of `tables` (each of [`COPIED_TABLES`], in the order given), each table
    /// ordered by its key, handed to `sink` as they are read: never the whole record in
    /// memory. One read snapshot, so the head [`Snapshot`] names is the rows' own.
    fn stream_rows(&self, tables: &[&str], sink: &mut dyn RowSink) -> Result<()>;

    /// Writes `tables` into this store, which must hold no record yet, in one transaction.
    fn import_rows(&mut self, tables: &[TableRows]) -> Result<()>;

    /// Writes a whole exported record (every one of [`COPIED_TABLES`]) into this store, which
    /// must hold no record yet, and commits only if the audit trail written verifies and ends
    /// at `head`: otherwise nothing is written.
    fn restore_rows(&mut self, tables: &[TableRows], head: &Head) -> Result<()> {
        self.restore(&mut |writer| {
            feed_tables(tables, writer)?;
            Ok(head.clone())
        })
    }

    /// As [`Rows::restore_rows`], with the rows handed over by `feed` as it reads them (a
    /// table, then its rows, a row at a time), inside the one transaction: a restore from a
    /// file never holds the whole record in memory. `feed` returns the head the rows are said
    /// to end at; an error from it writes nothing.
    fn restore(&mut self, feed: &mut Feed<'_>) -> Result<()>;
}

/// Where a restore's rows go: `table` names the table and its columns, `row` writes a row.
pub trait RowWriter {
    fn table(&mut self, table: &str, columns: &[String]) -> Result<()>;
    fn row(&mut self, values: &[serde_json::Value]) -> Result<()>;
}

/// What hands a restore its rows, and returns the head they end at.
pub type Feed<'a> = dyn FnMut(&mut dyn RowWriter) -> Result<Head> + 'a;

/// Hands `tables` to `writer`.
pub fn feed_tables(tables: &[TableRows], writer: &mut dyn RowWriter) -> Result<()> {
    for table in tables {
        writer.table(&table.table, &table.columns)?;
        for row in &table.rows {
            writer.row(row)?;
        }
    }
    Ok(())
}

/// The tables a copy has written so far: each known, and each once.
#[derive(Debug, Default)]
pub struct Seen(Vec<&'static str>);

impl Seen {
    /// Notes `table`, refusing one escalate does not know or one given twice.
    pub fn add(&mut self, table: &str) -> Result<&'static str> {
        let table = check_table(table)?;
        if self.0.contains(&table) {
            return Err(super::StoreError::Corrupt(format!(
                "the copy holds the table {table} twice; an export holds every table once, so this one was edited"
            )));
        }
        self.0.push(table);
        Ok(table)
    }

    /// Refuses a copy that left a table out.
    pub fn complete(&self) -> Result<()> {
        match COPIED_TABLES.iter().find(|t| !self.0.contains(t)) {
            Some(missing) => Err(super::StoreError::Corrupt(format!(
                "the copy holds the table {missing} nowhere; an export holds every table once, so this one is incomplete or was edited"
            ))),
            None => Ok(()),
        }
    }
}

/// Refuses a row whose values do not match its table's columns.
pub fn check_width(table: &str, values: usize, columns: usize) -> Result<()> {
    if values == columns {
        Ok(())
    } else {
        Err(super::StoreError::Corrupt(format!(
            "the copy holds a row of {table} with {values} values for {columns} columns; it was edited or is damaged"
        )))
    }
}

/// Collects streamed rows into [`TableRows`].
#[derive(Default)]
struct Collect {
    tables: Vec<TableRows>,
}

impl RowSink for Collect {
    fn begin(&mut self, _: &Snapshot) -> Result<()> {
        Ok(())
    }

    fn table(&mut self, table: &str, columns: &[String]) -> Result<()> {
        self.tables.push(TableRows {
            table: table.to_owned(),
            columns: columns.to_vec(),
            rows: Vec::new(),
        });
        Ok(())
    }

    fn row(&mut self, values: &[serde_json::Value]) -> Result<()> {
        if let Some(table) = self.tables.last_mut() {
            table.rows.push(values.to_vec());
        }
        Ok(())
    }

    fn end_table(&mut self) -> Result<()> {
        Ok(())
    }
}

/// The key a copied table is ordered by.
pub fn key_of(table: &str) -> &'static str {
    if table == "escalation_state" {
        "escalation_id"
    } else {
        "id"
    }
}

/// Refuses a table that is not one of [`COPIED_TABLES`] (its name goes into SQL).
pub fn check_table(table: &str) -> Result<&'static str> {
    COPIED_TABLES
        .iter()
        .copied()
        .find(|t| *t == table)
        .ok_or_else(|| {
            super::StoreError::Corrupt(format!(
                "the copy holds a table escalate does not know ({}); it was not made by this version of escalate",
                table.escape_debug()
            ))
        })
}

/// The refusal when a restored trail does not verify or ends elsewhere than it says.
pub fn restored_wrong(problem: &str) -> super::StoreError {
    super::StoreError::Corrupt(format!(
        "the copy's audit trail does not check out, so nothing was written: {problem}"
    ))
}

/// Checks a restored trail: verified, and ending at `head`.
pub fn check_restored(
    verification: &crate::core::audit::Verification,
    found: &Head,
    head: &Head,
) -> Result<()> {
    if let Some(problem) = &verification.problem {
        return Err(restored_wrong(problem));
    }
    if found != head {
        return Err(restored_wrong(&format!(
            "its head is {found}, not the {head} the copy says it ends at"
        )));
    }
    Ok(())
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
