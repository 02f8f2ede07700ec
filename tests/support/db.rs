//! The database a test names with `--db`, whichever backend this run is on: a SQLite file in
//! the sandbox's folder, or (`ESCALATE_TEST_BACKEND=postgres`, see [`super::pg::on_postgres`])
//! a fresh database of its own on the tests' throwaway cluster. With these a test file runs its
//! tests on both backends unchanged (its `every_test_here_passes_on_postgresql_too` runs it
//! again on PostgreSQL).

use std::path::{Path, PathBuf};

use super::pg;

/// Where a sandbox's database is: `dir/name` on SQLite; on PostgreSQL a new, empty database's
/// URL (as a path, as `--db` takes it).
pub fn path(dir: &Path, name: &str) -> PathBuf {
    if pg::on_postgres() {
        PathBuf::from(pg::fresh_database())
    } else {
        dir.join(name)
    }
}

/// Whether `db` is a PostgreSQL URL (made by [`path`] on a PostgreSQL run).
pub fn is_url(db: &Path) -> bool {
    db.to_str().is_some_and(|d| d.starts_with("postgres://"))
}

/// The database as it stands, to compare before and after a command: `None` when there is no
/// such file; else the file's bytes, or on PostgreSQL every row of every table (an empty
/// database, with not even escalate's tables in it, is `Some` of nothing).
pub fn state(db: &Path) -> Option<Vec<u8>> {
    if is_url(db) {
        return Some(pg::snapshot(db.to_str().unwrap()));
    }
    std::fs::read(db).ok()
}

/// Whether escalate has made its database there: the file, or on PostgreSQL its tables.
pub fn exists(db: &Path) -> bool {
    if is_url(db) {
        return state(db).is_some_and(|rows| !rows.is_empty());
    }
    db.exists()
}

/// Runs `sql` (statements separated by `;`) on the database behind the app's back: on SQLite
/// through a connection keyed with the sandbox's passphrase, on PostgreSQL as the cluster's
/// superuser (whom row-level security lets through). Write it in the SQL both understand.
pub fn behind_the_apps_back(db: &Path, sql: &str) {
    if is_url(db) {
        let url = db.to_str().unwrap();
        pg::cluster()
            .superuser(pg::database_of(url))
            .batch_execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        return;
    }
    open_keyed(db)
        .execute_batch(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Runs one statement behind the app's back, as [`behind_the_apps_back`] does, and returns the
/// database's error rather than failing on it: for what the database itself must refuse.
pub fn try_execute(db: &Path, sql: &str) -> Result<(), String> {
    if is_url(db) {
        let url = db.to_str().unwrap();
        return pg::cluster()
            .superuser(pg::database_of(url))
            .batch_execute(sql)
            .map_err(|e| format!("{e}: {}", e.as_db_error().map_or("", |d| d.message())));
    }
    open_keyed(db).execute_batch(sql).map_err(|e| e.to_string())
}

/// The SQL that drops the triggers keeping `table` insert-only, on this backend (SQLite has one
/// for UPDATE and one for DELETE; PostgreSQL one for both), so that a test can change what
/// escalate never changes and see `verify` catch it.
pub fn unguard(db: &Path, table: &str) -> String {
    if is_url(db) {
        format!("DROP TRIGGER {table}_insert_only ON {table};")
    } else {
        format!("DROP TRIGGER {table}_no_update; DROP TRIGGER {table}_no_delete;")
    }
}

/// The SQLite file opened directly (to look at or tamper with rows behind escalate's back),
/// keyed with the sandbox's passphrase when it is encrypted (SQLCipher's own derivation of it,
/// which escalate's equals).
pub fn open_keyed(db: &Path) -> rusqlite::Connection {
    let is_plain = std::fs::read(db)
        .map(|b| b.starts_with(b"SQLite format 3\0"))
        .unwrap_or(true);
    let conn = rusqlite::Connection::open(db).unwrap();
    if !is_plain {
        conn.pragma_update(None, "key", "test passphrase").unwrap();
    }
    conn
}

/// One text value read behind the app's back: the first column of the first row of `query`.
pub fn text(db: &Path, query: &str) -> String {
    if is_url(db) {
        let url = db.to_str().unwrap();
        return pg::cluster()
            .superuser(pg::database_of(url))
            .query_one(query, &[])
            .unwrap_or_else(|e| panic!("{query}: {e}"))
            .get(0);
    }
    open_keyed(db)
        .query_row(query, [], |r| r.get(0))
        .unwrap_or_else(|e| panic!("{query}: {e}"))
}

/// Every row of every table a copy holds (`escalate::storage::copy::COPIED_TABLES`), read
/// through the store, each value in the one form both backends hash: a SQLite file (keyed with
/// the sandbox's passphrase when it is encrypted) or a PostgreSQL database.
pub fn rows(db: &Path) -> Vec<escalate::storage::copy::TableRows> {
    use escalate::storage::copy::Rows as _;
    if is_url(db) {
        return escalate::storage::postgres::PgStore::open(db.to_str().unwrap())
            .unwrap()
            .export_rows()
            .unwrap();
    }
    let encrypted = std::fs::read(db).is_ok_and(|b| !b.starts_with(b"SQLite format 3\0"));
    let store = if encrypted {
        escalate::storage::sqlite::SqliteStore::open_keyed(
            db,
            escalate::storage::Key::Passphrase(
                escalate::storage::Passphrase::new("test passphrase".to_owned()).unwrap(),
            ),
            false,
        )
        .unwrap()
    } else {
        escalate::storage::sqlite::SqliteStore::open(db).unwrap()
    };
    store.export_rows().unwrap()
}
