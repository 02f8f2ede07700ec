//! The store `--db` names: a path is a SQLite file, a `postgres://` URL a PostgreSQL database.
//! [`AnyStore`] is either, behind the one port, so the command line and the dashboard run the
//! same whichever it is.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::copy::{Feed, RowSink, Rows, TableRows};
use super::postgres::{PgStore, is_url, shown as shown_url};
use super::sqlite::SqliteStore;
use super::{Filter, Result, Store, WallClock};
use crate::core::audit::{AuditEntry, Head, Verification};
use crate::core::change::Change;
use crate::core::draft::Draft;
use crate::core::record::{Escalation, NewEscalation, RecordError};
use crate::core::review::ReviewSummary;

/// Either backend. One is opened for the whole of a command or a dashboard, so the size of
/// the larger (a PostgreSQL connection) costs nothing worth a box.
#[allow(
    clippy::large_enum_variant,
    reason = "one store a process, never a collection"
)]
pub enum AnyStore {
    Sqlite(SqliteStore),
    Postgres(PgStore),
}

/// Whether `db` names a PostgreSQL database (`postgres://` or `postgresql://`).
pub fn is_postgres(db: &Path) -> bool {
    db.to_str().is_some_and(is_url)
}

/// `db` as it may be shown: a path as it is, a URL without its password.
pub fn shown(db: &Path) -> String {
    match db.to_str() {
        Some(url) if is_url(url) => shown_url(url),
        _ => db.display().to_string(),
    }
}

impl AnyStore {
    /// Opens (creating if need be) the database `db` names. `password` is used for a
    /// PostgreSQL URL that carries none (from `PGPASSWORD`, so it is never an argument).
    pub fn open(db: &Path, password: Option<&str>) -> Result<Self> {
        match db.to_str() {
            Some(url) if is_url(url) => PgStore::connect(url, password).map(Self::Postgres),
            _ => SqliteStore::open(db).map(Self::Sqlite),
        }
    }

    /// Opens the database `db` names, which must exist (a SQLite file is not created).
    pub fn open_existing(db: &Path, password: Option<&str>) -> Result<Self> {
        match db.to_str() {
            Some(url) if is_url(url) => PgStore::connect(url, password).map(Self::Postgres),
            _ => SqliteStore::open_existing(db).map(Self::Sqlite),
        }
    }

    /// Whether the store is a SQLite file that is not encrypted (a PostgreSQL database is
    /// guarded by its server, not by a passphrase: never "plaintext" in this sense).
    pub fn is_plaintext(&self) -> bool {
        match self {
            Self::Sqlite(store) => store.is_plaintext(),
            Self::Postgres(_) => false,
        }
    }

    /// Puts the new escalations of this session into `school` (a team's database, where a
    /// person may write for several). A database file is one school's: refused there.
    pub fn choose_school(&mut self, school: &str) -> Result<()> {
        match self {
            Self::Sqlite(_) => Err(super::StoreError::Refused(RecordError::new(
                "school",
                "a database file is one school's: --school is for a team's database (--db postgres://...)",
            ))),
            Self::Postgres(store) => store.choose_school(school),
        }
    }

    /// The schools this person records for, when a team's database says (empty for a file).
    pub fn writable_schools(&self) -> Vec<String> {
        match self {
            Self::Sqlite(_) => Vec::new(),
            Self::Postgres(store) => store.writable_schools().to_vec(),
        }
    }

    /// Where the store is, fit to show: a file's path, or a URL without its password.
    pub fn location(&self) -> String {
        match self {
            Self::Sqlite(store) => store
                .path()
                .map_or_else(|| ":memory:".to_owned(), |p| p.display().to_string()),
            Self::Postgres(store) => store.shown().to_owned(),
        }
    }
}

/// Each method of the port, handed to whichever store this is.
macro_rules! each {
    ($self:ident, $store:ident => $call:expr) => {
        match $self {
            AnyStore::Sqlite($store) => $call,
            AnyStore::Postgres($store) => $call,
        }
    };
}

impl Store for AnyStore {
    fn set_wall_clock(&mut self, clock: WallClock) {
        each!(self, s => s.set_wall_clock(clock));
    }

    fn path(&self) -> Option<&Path> {
        each!(self, s => s.path())
    }

    fn create(&mut self, new: &NewEscalation, actor: &str, now: DateTime<Utc>) -> Result<i64> {
        each!(self, s => s.create(new, actor, now))
    }

    fn change_all<F>(
        &mut self,
        id: i64,
        actor: &str,
        now: DateTime<Utc>,
        plan: F,
    ) -> Result<Vec<(Change, i64)>>
    where
        Self: Sized,
        F: FnOnce(&Escalation) -> std::result::Result<Vec<Change>, RecordError>,
    {
        each!(self, s => s.change_all(id, actor, now, plan))
    }

    fn import<I, P>(&mut self, items: I, actor: &str, now: DateTime<Utc>) -> Result<Vec<i64>>
    where
        Self: Sized,
        I: IntoIterator<Item = std::result::Result<(NewEscalation, P), RecordError>>,
        P: FnMut(&Escalation) -> std::result::Result<Option<Change>, RecordError>,
    {
        each!(self, s => s.import(items, actor, now))
    }

    fn escalation(&self, id: i64) -> Result<Escalation> {
        each!(self, s => s.escalation(id))
    }

    fn escalations(&self, filter: Filter) -> Result<Vec<Escalation>> {
        each!(self, s => s.escalations(filter))
    }

    fn closed_after(&self, after: i64, stage: Option<u8>, limit: usize) -> Result<Vec<Escalation>> {
        each!(self, s => s.closed_after(after, stage, limit))
    }

    fn caseload(&self) -> Result<Vec<Escalation>> {
        each!(self, s => s.caseload())
    }

    fn caseload_with<T: Send>(
        &self,
        prepare: &(dyn Fn(Vec<Escalation>) -> T + Sync),
    ) -> Result<Vec<T>> {
        each!(self, s => s.caseload_with(prepare))
    }

    fn settle(&mut self, closed: &[i64]) -> Result<()> {
        each!(self, s => s.settle(closed))
    }

    fn record_review(
        &mut self,
        summary: &ReviewSummary,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        each!(self, s => s.record_review(summary, actor, now))
    }

    fn save_draft(&mut self, draft: &Draft, actor: &str, now: DateTime<Utc>) -> Result<i64> {
        each!(self, s => s.save_draft(draft, actor, now))
    }

    fn drafts(&self) -> Result<Vec<Draft>> {
        each!(self, s => s.drafts())
    }

    fn discard_draft(&mut self, id: i64) -> Result<()> {
        each!(self, s => s.discard_draft(id))
    }

    fn discard_draft_of(&mut self, form: &str, escalation_id: Option<i64>) -> Result<()> {
        each!(self, s => s.discard_draft_of(form, escalation_id))
    }

    fn data_version(&self) -> Result<i64> {
        each!(self, s => s.data_version())
    }

    fn audit_trail(&self, escalation: Option<i64>) -> Result<Vec<AuditEntry>> {
        each!(self, s => s.audit_trail(escalation))
    }

    fn audit_head(&self) -> Result<Head> {
        each!(self, s => s.audit_head())
    }

    fn audit_hash(&self, id: i64) -> Result<Option<String>> {
        each!(self, s => s.audit_hash(id))
    }

    fn verify(&self) -> Result<Verification> {
        each!(self, s => s.verify())
    }

    fn backup(&self, destination: &Path) -> Result<()> {
        each!(self, s => s.backup(destination))
    }
}

impl Rows for AnyStore {
    fn export_rows(&self) -> Result<Vec<TableRows>> {
        each!(self, s => s.export_rows())
    }

    fn stream_rows(&self, tables: &[&str], sink: &mut dyn RowSink) -> Result<()> {
        each!(self, s => s.stream_rows(tables, sink))
    }

    fn import_rows(&mut self, tables: &[TableRows]) -> Result<()> {
        each!(self, s => s.import_rows(tables))
    }

    fn restore_rows(&mut self, tables: &[TableRows], head: &Head) -> Result<()> {
        each!(self, s => s.restore_rows(tables, head))
    }

    fn restore(&mut self, feed: &mut Feed<'_>) -> Result<()> {
        each!(self, s => s.restore(feed))
    }
}
