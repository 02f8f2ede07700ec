//! The PostgreSQL side of [`crate::storage::copy`], and `backup`: a PostgreSQL database's
//! whole record copied into a new SQLite file.

use std::path::Path;

use super::PgStore;
use super::audit::canonical;
use crate::core::audit::Head;
use crate::core::record::RecordError;
use crate::storage::copy::{
    Feed, PAGE_ROWS, RowSink, RowWriter, Rows, Seen, Snapshot, TableRows, check_restored,
    check_table, check_width, feed_tables, key_of, not_empty, unknown_column,
};
use crate::storage::sqlite::SqliteStore;
use crate::storage::{Result, StoreError};

/// The columns of `table` in the database, in order.
fn columns_of(tx: &mut postgres::Transaction<'_>, table: &str) -> Result<Vec<String>> {
    Ok(tx
        .query(
            "SELECT column_name::text FROM information_schema.columns
             WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
            &[&table],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// The head of the trail as `verify` prints it: its length and the last entry's hash.
fn head(tx: &mut postgres::Transaction<'_>) -> Result<Head> {
    let (last, hash) = super::audit::head(tx)?;
    Ok(if last == 0 {
        Head::of(&[])
    } else {
        Head {
            entries: usize::try_from(last).unwrap_or_default(),
            hash,
        }
    })
}

impl Rows for PgStore {
    fn stream_rows(&self, tables: &[&str], sink: &mut dyn RowSink) -> Result<()> {
        let mut client = self.client();
        // One snapshot for every table and the head.
        let mut tx = client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        sink.begin(&Snapshot {
            database: "postgres",
            schema_version: super::schema::current_version(),
            head: head(&mut tx)?,
        })?;
        for table in tables {
            let table = check_table(table)?;
            // A school is PostgreSQL's alone (a SQLite database is one school's): the
            // escalation's, and its rows' copy of it (schema migration 6), which the
            // database writes again on the way in.
            let columns: Vec<String> = columns_of(&mut tx, table)?
                .into_iter()
                .filter(|c| c != "school")
                .collect();
            sink.table(table, &columns)?;
            // A portal: the server hands the rows over a page at a time.
            let portal = tx.bind(
                &format!(
                    "SELECT {} FROM {table} ORDER BY {}",
                    columns.join(", "),
                    key_of(table)
                ),
                &[],
            )?;
            let mut values = Vec::with_capacity(columns.len());
            loop {
                let page = tx.query_portal(&portal, PAGE_ROWS)?;
                for row in &page {
                    values.clear();
                    for index in 0..columns.len() {
                        values.push(canonical(row, index)?);
                    }
                    sink.row(&values)?;
                }
                if page.len() < usize::try_from(PAGE_ROWS).unwrap_or(usize::MAX) {
                    break;
                }
            }
            sink.end_table()?;
        }
        tx.commit()?;
        Ok(())
    }

    fn import_rows(&mut self, tables: &[TableRows]) -> Result<()> {
        self.write_rows(
            &mut |writer| {
                feed_tables(tables, writer)?;
                Ok(Head::of(&[]))
            },
            false,
        )
    }

    fn restore(&mut self, feed: &mut Feed<'_>) -> Result<()> {
        self.write_rows(feed, true)
    }
}

/// Writes rows into the restore's transaction, a thousand rows a statement: PostgreSQL reads
/// each canonical value into its column's type (0/1 into a boolean, RFC 3339 text into a
/// timestamptz).
struct Writer<'a, 'b> {
    tx: &'a mut postgres::Transaction<'b>,
    table: Option<(&'static str, Vec<String>)>,
    rows: Vec<serde_json::Value>,
    seen: Seen,
}

impl Writer<'_, '_> {
    fn flush_rows(&mut self) -> Result<()> {
        let Some((table, columns)) = &self.table else {
            return Ok(());
        };
        if self.rows.is_empty() {
            return Ok(());
        }
        let json = serde_json::Value::Array(std::mem::take(&mut self.rows));
        let columns = columns.join(", ");
        self.tx.execute(
            &format!(
                "INSERT INTO {table} ({columns}) SELECT {columns} FROM json_populate_recordset(NULL::{table}, $1::text::json)"
            ),
            &[&json.to_string()],
        )?;
        Ok(())
    }

    /// Writes the table's last rows, and moves its id sequence past them.
    fn finish_table(&mut self) -> Result<()> {
        self.flush_rows()?;
        if let Some((table, columns)) = self.table.take()
            && columns.iter().any(|c| c == "id")
            && table != "audit"
        {
            self.tx.execute(
                &format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
                ),
                &[],
            )?;
        }
        Ok(())
    }
}

impl RowWriter for Writer<'_, '_> {
    fn table(&mut self, table: &str, columns: &[String]) -> Result<()> {
        self.finish_table()?;
        let table = self.seen.add(table)?;
        let known = columns_of(self.tx, table)?;
        if let Some(column) = columns.iter().find(|c| !known.contains(c)) {
            return Err(unknown_column(table, column));
        }
        self.table = Some((table, columns.to_vec()));
        Ok(())
    }

    fn row(&mut self, values: &[serde_json::Value]) -> Result<()> {
        let Some((table, columns)) = &self.table else {
            return Err(super::unreadable("a row before its table"));
        };
        check_width(table, values.len(), columns.len())?;
        self.rows.push(serde_json::Value::Object(
            columns
                .iter()
                .cloned()
                .zip(values.iter().cloned())
                .collect(),
        ));
        if self.rows.len() >= 1000 {
            self.flush_rows()?;
        }
        Ok(())
    }
}

impl PgStore {
    /// Writes what `feed` hands over into this empty database in one transaction; with
    /// `check`, commits only if every table came, and the trail written verifies and ends at
    /// the head `feed` returns.
    fn write_rows(&mut self, feed: &mut Feed<'_>, check: bool) -> Result<()> {
        let shown = self.shown.clone();
        let mut tx = self.client_mut().transaction()?;
        tx.execute(
            "SELECT pg_advisory_xact_lock($1)",
            &[&super::schema::CHAIN_LOCK],
        )?;
        let held: i64 = tx
            .query_one(
                "SELECT (SELECT count(*) FROM escalations) + (SELECT count(*) FROM audit)",
                &[],
            )?
            .get(0);
        if held > 0 {
            return Err(not_empty(&shown));
        }
        let mut writer = Writer {
            tx: &mut tx,
            table: None,
            rows: Vec::new(),
            seen: Seen::default(),
        };
        let expected = feed(&mut writer)?;
        writer.finish_table()?;
        let seen = std::mem::take(&mut writer.seen);
        if check {
            seen.complete()?;
            let verification = super::audit::verify(&mut tx)?;
            let found = head(&mut tx)?;
            check_restored(&verification, &found, &expected)?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// Copies the whole record into a new SQLite database at `destination`, which must not exist.
pub fn to_sqlite(store: &PgStore, destination: &Path) -> Result<()> {
    if std::fs::symlink_metadata(destination).is_ok() {
        return Err(StoreError::Refused(RecordError::new(
            "backup",
            format!(
                "{} already exists; choose a new file name so that nothing is overwritten",
                destination.display()
            ),
        )));
    }
    let rows = store.export_rows()?;
    let written = SqliteStore::open(destination).and_then(|mut copy| copy.import_rows(&rows));
    if written.is_err() {
        let _ = std::fs::remove_file(destination);
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut name = destination.as_os_str().to_owned();
            name.push(suffix);
            let _ = std::fs::remove_file(name);
        }
    }
    written
}

impl PgStore {
    /// Copies a single school's whole record (read out of a SQLite database) into this team
    /// database, which must hold no record yet, every escalation in `school`. Same ids, same
    /// audit chain: it verifies here as it did there.
    pub fn import_into_school(&mut self, tables: &[TableRows], school: &str) -> Result<()> {
        let school = crate::core::team::check_name("school", school)?;
        let mut tables = tables.to_vec();
        for copied in tables.iter_mut().filter(|t| t.table == "escalations") {
            if copied.columns.iter().any(|c| c == "school") {
                return Err(unknown_column("escalations", "school"));
            }
            copied.columns.push("school".to_owned());
            for row in &mut copied.rows {
                row.push(serde_json::Value::from(school.clone()));
            }
        }
        self.import_rows(&tables)
    }

    /// The whole record, for a school leaving the trust: only when every escalation here is
    /// that school's. The audit trail is one chain across the schools, so one school's part of
    /// a shared trail cannot be taken out with its chain intact; that is refused, not broken.
    pub fn export_school(&self, school: &str) -> Result<Vec<TableRows>> {
        let (ours, others): (i64, i64) = {
            let row = self.client().query_one(
                "SELECT count(*) FILTER (WHERE school = $1), count(*) FILTER (WHERE school <> $1) FROM escalations",
                &[&school],
            )?;
            (row.get(0), row.get(1))
        };
        if ours == 0 {
            return Err(StoreError::Refused(RecordError::new(
                "from-school",
                format!(
                    "the database holds no escalation of school \"{}\"; see escalate team list for the schools",
                    school.escape_debug()
                ),
            )));
        }
        if others > 0 {
            return Err(StoreError::Refused(RecordError::new(
                "from-school",
                format!(
                    "the database holds {others} escalations of other schools, in one audit chain with this school's; taking one school out of a shared chain would break it, and escalate does not do that yet (copy the whole database with escalate backup instead)"
                ),
            )));
        }
        self.export_rows()
    }
}
