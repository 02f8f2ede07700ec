//! Storage: the port every backend implements, in domain words. The only SQL is below it, in
//! [`sqlite`] (a PostgreSQL backend will sit beside it).
//!
//! What any [`Store`] promises:
//! - **Insert-only.** The record is never changed or deleted; a correction is a new row.
//! - **Planned inside the write.** [`Store::change_all`] shows the plan the escalation as it
//!   stands with every other writer held off, and writes what it plans, each change with its
//!   audit entry, all or nothing. Two terminals cannot both advance one escalation.
//! - **An audit trail that checks itself.** [`Store::verify`] says whether every entry chains
//!   and matches the row it recorded.
//! - **Times to the millisecond** ([`crate::core::change::as_stored`]).
//! - **Errors in domain words** ([`StoreError`]): no backend's own error type crosses the port.
//!
//! Every backend must pass the conformance suite in `tests/storage.rs`. Start at [`Store`].

pub mod any;
pub mod copy;
pub mod fingerprint;
mod loading;
pub mod postgres;
pub mod sqlite;

use std::path::Path;

use chrono::{DateTime, Utc};

use crate::core::audit::{AuditEntry, Head, Verification};
use crate::core::change::Change;
use crate::core::draft::Draft;
use crate::core::record::{Escalation, NewEscalation, RecordError};
use crate::core::review::ReviewSummary;

/// Why a store could not do what was asked, normalised at the port: a backend maps its own
/// errors onto these, so callers never see `rusqlite::Error` (or a PostgreSQL one).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("escalation {0} does not exist; see escalate list --all for the ids")]
    NotFound(i64),
    /// The store refused the write as it stands (a record may not be changed or deleted; a
    /// constraint would break).
    #[error("{0}")]
    Conflict(String),
    /// Another writer held the store for longer than a write waits.
    #[error(
        "the database is busy: another escalate (a dashboard or a command) held it too long; try again ({0})"
    )]
    Busy(String),
    #[error(
        "{path} was written by a newer version of escalate (database version {found}; this version knows up to {known}); update escalate to open it. The database was left untouched."
    )]
    NewerSchema {
        path: String,
        found: i64,
        known: i64,
    },
    /// The store holds something escalate cannot read, or is not an escalate database at all.
    #[error("{0}")]
    Corrupt(String),
    /// Anything else the backend could not do (a file it could not create, a disk error).
    #[error("{0}")]
    Backend(String),
    /// The plan refused the change, as the core's rules said: nothing was written.
    #[error("{0}")]
    Refused(#[from] RecordError),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// How a database file is locked: the one value every opening of a file database is handed
/// (read from `ESCALATE_PASSPHRASE_FILE` or the terminal by the CLI, never from arguments or
/// the environment). A database in memory is always plain.
#[derive(Debug, Clone)]
pub enum Key {
    /// No encryption: the demo database, tests, and `escalate init --plaintext`.
    Plaintext,
    /// Encrypted with SQLCipher, its key derived from this passphrase.
    Passphrase(Passphrase),
}

impl Key {
    pub fn is_plaintext(&self) -> bool {
        matches!(self, Self::Plaintext)
    }
}

/// A passphrase, wiped from memory when dropped. It never prints: `Debug` says only that
/// there is one, so it cannot reach a log or an error by accident.
pub struct Passphrase(zeroize::Zeroizing<String>);

impl Passphrase {
    /// A passphrase as typed or read from its file; `None` when it is empty.
    pub fn new(text: String) -> Option<Self> {
        let text = zeroize::Zeroizing::new(text);
        (!text.is_empty()).then_some(Self(text))
    }

    /// The passphrase itself, for the backend to hand to its cipher, or to compare.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl Clone for Passphrase {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(..)")
    }
}

/// Which escalations to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Filter {
    pub include_closed: bool,
    pub stage: Option<u8>,
}

/// The real time, read by `main` (the only reader of the system clock) and handed down: what
/// a store records as when each audit entry was actually written, whatever `--now` says.
pub type WallClock = Box<dyn Fn() -> DateTime<Utc> + Send>;

/// An escalation store. Methods taking a closure are for generic callers (`S: Store`).
pub trait Store {
    /// From now on, each audit entry also records when it was really written, by `clock`
    /// (the time an entry states, `now`, may be `--now`). Without it, none is recorded.
    fn set_wall_clock(&mut self, clock: WallClock);

    /// Where the store lives, when it is a file.
    fn path(&self) -> Option<&Path>;

    /// Records a new escalation (already checked); returns its id.
    fn create(&mut self, new: &NewEscalation, actor: &str, now: DateTime<Utc>) -> Result<i64>;

    /// Plans and writes several changes to escalation `id` in one transaction, each with its own
    /// audit entry: `plan` sees the escalation as it stands with every other writer held off.
    /// Returns each change with the id of the row it wrote. A refusal writes nothing.
    fn change_all<F>(
        &mut self,
        id: i64,
        actor: &str,
        now: DateTime<Utc>,
        plan: F,
    ) -> Result<Vec<(Change, i64)>>
    where
        Self: Sized,
        F: FnOnce(&Escalation) -> std::result::Result<Vec<Change>, RecordError>;

    /// [`Store::change_all`] for a plan of one change.
    fn change<F>(
        &mut self,
        id: i64,
        actor: &str,
        now: DateTime<Utc>,
        plan: F,
    ) -> Result<(Change, i64)>
    where
        Self: Sized,
        F: FnOnce(&Escalation) -> std::result::Result<Change, RecordError>,
    {
        let mut written = self.change_all(id, actor, now, |e| plan(e).map(|c| vec![c]))?;
        written
            .pop()
            .ok_or_else(|| StoreError::Corrupt("a planned change was not written".to_owned()))
    }

    /// Records many new escalations, each with its changes, in one transaction (for filling a
    /// store in bulk). `plan` is asked for each escalation's next change, shown the escalation
    /// as written so far, until it answers `None`. Any error writes nothing at all.
    fn import<I, P>(&mut self, items: I, actor: &str, now: DateTime<Utc>) -> Result<Vec<i64>>
    where
        Self: Sized,
        I: IntoIterator<Item = std::result::Result<(NewEscalation, P), RecordError>>,
        P: FnMut(&Escalation) -> std::result::Result<Option<Change>, RecordError>;

    /// One escalation, with its whole record and amendments applied ([`StoreError::NotFound`]
    /// when there is none).
    fn escalation(&self, id: i64) -> Result<Escalation>;

    /// The escalations `filter` asks for, by id.
    fn escalations(&self, filter: Filter) -> Result<Vec<Escalation>>;

    /// Closed escalations with ids above `after` (and at `stage`, when given), in id order, at
    /// most `limit` of them: the history a page at a time, for output that streams it rather
    /// than holding years of records at once. A backend should read only the page; this
    /// default reads everything and is correct, not fast.
    fn closed_after(&self, after: i64, stage: Option<u8>, limit: usize) -> Result<Vec<Escalation>> {
        let mut closed = self.escalations(Filter {
            include_closed: true,
            stage,
        })?;
        closed.retain(|e| e.id > after && !e.is_open());
        closed.truncate(limit);
        Ok(closed)
    }

    /// What the dashboard shows: every open escalation, and every closed one not yet settled.
    fn caseload(&self) -> Result<Vec<Escalation>>;

    /// The caseload, each part of it handed to `prepare` on the thread that read it, the
    /// results in id order. A store that reads a large caseload in parts at once (SQLite) lets
    /// the dashboard work out each part beside the reading of the next, instead of all of it
    /// after; this one reads it whole and prepares it here.
    fn caseload_with<T: Send>(
        &self,
        prepare: &(dyn Fn(Vec<Escalation>) -> T + Sync),
    ) -> Result<Vec<T>> {
        Ok(vec![prepare(self.caseload()?)])
    }

    /// Marks closed escalations as settled (nothing about them can be overdue again), so the
    /// caseload stops including them. Any later change to one unsettles it.
    fn settle(&mut self, closed: &[i64]) -> Result<()>;

    /// Records a finished morning review, with its audit entry; returns its id.
    fn record_review(
        &mut self,
        summary: &ReviewSummary,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64>;

    /// Keeps a draft, replacing the one of the same form and escalation; returns its id.
    fn save_draft(&mut self, draft: &Draft, actor: &str, now: DateTime<Utc>) -> Result<i64>;

    /// Every draft kept, oldest first.
    fn drafts(&self) -> Result<Vec<Draft>>;

    fn discard_draft(&mut self, id: i64) -> Result<()>;

    fn discard_draft_of(&mut self, form: &str, escalation_id: Option<i64>) -> Result<()>;

    /// A number that changes whenever anyone (another process too) wrote to the store.
    fn data_version(&self) -> Result<i64>;

    /// The audit trail, of one escalation or of everything, oldest first.
    fn audit_trail(&self, escalation: Option<i64>) -> Result<Vec<AuditEntry>>;

    /// The head of the whole audit chain (its length and last hash), read without the trail.
    fn audit_head(&self) -> Result<Head>;

    /// The hash of audit entry `id` (ids count from 1), if the trail has it.
    fn audit_hash(&self, id: i64) -> Result<Option<String>>;

    /// Checks the store and its audit trail.
    fn verify(&self) -> Result<Verification>;

    /// Copies the whole store, consistently, to a new private file at `destination`.
    fn backup(&self, destination: &Path) -> Result<()>;
}
