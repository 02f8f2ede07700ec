//! The SQLite side of [`crate::storage::copy`]: reading out and writing in a whole record.

use rusqlite::types::{Value, ValueRef};

use super::{SqliteStore, unreadable};
use crate::core::audit::Head;
use crate::storage::Result;
use crate::storage::copy::{
    Feed, RowSink, RowWriter, Rows, Seen, Snapshot, TableRows, check_restored, check_table,
    check_width, feed_tables, key_of, not_empty, unknown_column,
};
use crate::storage::fingerprint::hex;

fn to_json(value: ValueRef<'_>) -> serde_json::Value {
    match value {
        ValueRef::Null => serde_json::Value::Null,
        ValueRef::Integer(i) => serde_json::Value::from(i),
        ValueRef::Real(f) => serde_json::Value::from(f),
        ValueRef::Text(t) => serde_json::Value::from(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => serde_json::Value::from(hex(b)),
    }
}

fn from_json(value: &serde_json::Value) -> Result<Value> {
    Ok(match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Integer(i),
            None => Value::Real(n.as_f64().unwrap_or_default()),
        },
        serde_json::Value::String(s) => Value::Text(s.clone()),
        _ => {
            return Err(unreadable(
                "a copied value that is a list or an object, where a value is text, a number or null",
            ));
        }
    })
}

/// The head of the trail as `verify` prints it: its length and the last entry's hash.
fn head(conn: &rusqlite::Connection) -> Result<Head> {
    let (entries, hash): (i64, Option<String>) = conn.query_row(
        "SELECT count(*), (SELECT hash FROM audit ORDER BY id DESC LIMIT 1) FROM audit",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(Head {
        entries: usize::try_from(entries).unwrap_or_default(),
        hash: hash.unwrap_or_default(),
    })
}

impl Rows for SqliteStore {
    fn stream_rows(&self, tables: &[&str], sink: &mut dyn RowSink) -> Result<()> {
        // One read transaction: every table and the head come from the same snapshot.
        let tx = self.conn.unchecked_transaction()?;
        let schema_version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
        sink.begin(&Snapshot {
            database: "sqlite",
            schema_version,
            head: head(&tx)?,
        })?;
        for table in tables {
            let table = check_table(table)?;
            let mut statement =
                tx.prepare(&format!("SELECT * FROM {table} ORDER BY {}", key_of(table)))?;
            let columns: Vec<String> = statement.column_names().map(str::to_owned).collect();
            let width = columns.len();
            sink.table(table, &columns)?;
            // SQLite steps through the rows as they are asked for: one row in memory at a time.
            let mut values = Vec::with_capacity(width);
            let mut query = statement.query([])?;
            while let Some(row) = query.next()? {
                values.clear();
                for index in 0..width {
                    values.push(to_json(row.get_ref(index)?));
                }
                sink.row(&values)?;
            }
            sink.end_table()?;
        }
        tx.finish()?;
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

/// Writes rows into the restore's transaction: a table's insert prepared once, a row at a time.
struct Writer<'t> {
    tx: &'t rusqlite::Connection,
    insert: Option<(rusqlite::Statement<'t>, &'static str, usize)>,
    seen: Seen,
}

impl RowWriter for Writer<'_> {
    fn table(&mut self, table: &str, columns: &[String]) -> Result<()> {
        self.insert = None;
        let table = self.seen.add(table)?;
        let known: Vec<String> = self
            .tx
            .prepare(&format!("SELECT * FROM {table} LIMIT 0"))?
            .column_names()
            .map(str::to_owned)
            .collect();
        if let Some(column) = columns.iter().find(|c| !known.contains(c)) {
            return Err(unknown_column(table, column));
        }
        let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
        let statement = self.tx.prepare(&format!(
            "INSERT INTO {table} ({}) VALUES ({})",
            columns.join(", "),
            placeholders.join(", ")
        ))?;
        self.insert = Some((statement, table, columns.len()));
        Ok(())
    }

    fn row(&mut self, values: &[serde_json::Value]) -> Result<()> {
        let Some((statement, table, width)) = &mut self.insert else {
            return Err(unreadable("a row before its table"));
        };
        check_width(table, values.len(), *width)?;
        let values = values.iter().map(from_json).collect::<Result<Vec<_>>>()?;
        statement.execute(rusqlite::params_from_iter(values))?;
        Ok(())
    }
}

impl SqliteStore {
    /// Writes what `feed` hands over into this empty store in one transaction; with `check`,
    /// commits only if every table came, and the trail written verifies and ends at the head
    /// `feed` returns.
    fn write_rows(&mut self, feed: &mut Feed<'_>, check: bool) -> Result<()> {
        let shown = self
            .path
            .as_ref()
            .map_or_else(|| "the database".to_owned(), |p| p.display().to_string());
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let held: i64 = tx.query_row(
            "SELECT (SELECT count(*) FROM escalations) + (SELECT count(*) FROM audit)",
            [],
            |r| r.get(0),
        )?;
        if held > 0 {
            return Err(not_empty(&shown));
        }
        let mut writer = Writer {
            tx: &tx,
            insert: None,
            seen: Seen::default(),
        };
        let expected = feed(&mut writer)?;
        let seen = std::mem::take(&mut writer.seen);
        drop(writer);
        if check {
            seen.complete()?;
            let verification = super::audit::verify(&tx)?;
            check_restored(&verification, &head(&tx)?, &expected)?;
        }
        tx.commit()?;
        Ok(())
    }
}
