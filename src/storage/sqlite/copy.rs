//! The SQLite side of [`crate::storage::copy`]: reading out and writing in a whole record.

use rusqlite::types::{Value, ValueRef};

use super::{SqliteStore, unreadable};
use crate::storage::Result;
use crate::storage::copy::{COPIED_TABLES, Rows, TableRows, not_empty, unknown_column};
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
        other => return Err(unreadable(format!("a copied value {other}"))),
    })
}

impl Rows for SqliteStore {
    fn export_rows(&self) -> Result<Vec<TableRows>> {
        let tx = self.conn.unchecked_transaction()?;
        let mut out = Vec::new();
        for table in COPIED_TABLES {
            let key = if *table == "escalation_state" {
                "escalation_id"
            } else {
                "id"
            };
            let mut statement = tx.prepare(&format!("SELECT * FROM {table} ORDER BY {key}"))?;
            let columns: Vec<String> = statement.column_names().map(str::to_owned).collect();
            let width = columns.len();
            let mut rows = Vec::new();
            let mut query = statement.query([])?;
            while let Some(row) = query.next()? {
                let mut values = Vec::with_capacity(width);
                for index in 0..width {
                    values.push(to_json(row.get_ref(index)?));
                }
                rows.push(values);
            }
            out.push(TableRows {
                table: (*table).to_owned(),
                columns,
                rows,
            });
        }
        tx.finish()?;
        Ok(out)
    }

    fn import_rows(&mut self, tables: &[TableRows]) -> Result<()> {
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
        for copied in tables {
            if !COPIED_TABLES.contains(&copied.table.as_str()) {
                return Err(unreadable(format!("a copied table {}", copied.table)));
            }
            let known: Vec<String> = tx
                .prepare(&format!("SELECT * FROM {} LIMIT 0", copied.table))?
                .column_names()
                .map(str::to_owned)
                .collect();
            if let Some(column) = copied.columns.iter().find(|c| !known.contains(c)) {
                return Err(unknown_column(&copied.table, column));
            }
            let placeholders: Vec<String> = (1..=copied.columns.len())
                .map(|i| format!("?{i}"))
                .collect();
            let mut statement = tx.prepare(&format!(
                "INSERT INTO {} ({}) VALUES ({})",
                copied.table,
                copied.columns.join(", "),
                placeholders.join(", ")
            ))?;
            for row in &copied.rows {
                let values = row.iter().map(from_json).collect::<Result<Vec<_>>>()?;
                statement.execute(rusqlite::params_from_iter(values))?;
            }
        }
        tx.commit()?;
        Ok(())
    }
}
