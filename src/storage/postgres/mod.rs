//! The PostgreSQL backend of the storage port ([`crate::storage::Store`]), for a team (a DSL,
//! their deputies, a trust's schools) sharing one database that the trust's IT already runs.
//!
//! It uses the synchronous `postgres` crate: the dashboard already does all its database work
//! on a storage worker thread of its own (`src/tui`), and the command line does one thing and
//! exits, so neither needs an async client; the store keeps the port's blocking, one-call
//! shape, as SQLite's does.
//!
//! Every change is planned by the core against the escalation as it stands, locked with
//! `SELECT ... FOR UPDATE` (so two writers cannot both plan against the same record and
//! double-advance it), and written with its audit entry in the same transaction. The audit
//! chain is appended under an advisory transaction lock ([`schema::CHAIN_LOCK`]) and hashed
//! exactly as on SQLite ([`crate::storage::fingerprint`]). PostgreSQL's errors are mapped onto
//! [`StoreError`] here, in domain words, and go no further; nothing from a row (a child's
//! name) is ever put into one. Start at [`PgStore::open`] and `change_all`.

mod audit;
pub mod listen;
pub mod schema;
mod team;

use std::cell::RefCell;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use postgres::error::SqlState;
use postgres::types::ToSql;
use postgres::{Client, GenericClient};

use super::{Filter, Result, Store, StoreError, WallClock};
use crate::core::audit::{AuditEntry, Head, Verification};
use crate::core::change::{Change, apply_amendment, as_stored, as_written, remember};
use crate::core::draft::Draft;
use crate::core::record::{
    AgreedAction, Amendment, Attachment, Child, Correction, CorrectionKind, Details, Discussion,
    Escalation, NewEscalation, Note, NoteKind, Outcome, RecordError, SentNotification, StageChange,
    apply_corrected_value,
};
use crate::core::review::ReviewSummary;

/// Whether `db` (what `--db` or `ESCALATE_DB` gave) names a PostgreSQL database.
pub fn is_url(db: &str) -> bool {
    db.starts_with("postgres://") || db.starts_with("postgresql://")
}

/// `url` with any password taken out, fit to show in a message.
pub fn shown(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "the PostgreSQL database".to_owned();
    };
    let (authority, path) = rest.split_once('/').unwrap_or((rest, ""));
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => {
            let user = user.split_once(':').map_or(user, |(name, _)| name);
            format!("{user}@{host}")
        }
        None => authority.to_owned(),
    };
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    format!("{scheme}://{authority}/{path}")
}

impl From<postgres::Error> for StoreError {
    /// PostgreSQL's errors in the port's words. Only the server's own message is kept, never
    /// its detail (which may quote a row's values, a child's name among them).
    fn from(error: postgres::Error) -> Self {
        let Some(db) = error.as_db_error() else {
            if error.is_closed() {
                return Self::Backend(
                    "the connection to the PostgreSQL database was lost; try again".to_owned(),
                );
            }
            return Self::Backend(format!("PostgreSQL: {error}"));
        };
        let message = db.message();
        let code = db.code();
        if *code == SqlState::T_R_SERIALIZATION_FAILURE
            || *code == SqlState::T_R_DEADLOCK_DETECTED
            || *code == SqlState::LOCK_NOT_AVAILABLE
            || *code == SqlState::QUERY_CANCELED
        {
            Self::Busy(message.to_owned())
        } else if *code == SqlState::RESTRICT_VIOLATION {
            Self::Conflict(message.to_owned())
        } else if *code == SqlState::INSUFFICIENT_PRIVILEGE {
            Self::Conflict(format!(
                "the database does not let you do that ({message}); ask whoever runs escalate's database for your trust"
            ))
        } else if code.code().starts_with("23") {
            Self::Conflict(format!(
                "the database refused the write: it would break its rule {}",
                db.constraint().unwrap_or("on this table")
            ))
        } else if code.code().starts_with("XX") || *code == SqlState::DATA_CORRUPTED {
            Self::Corrupt(format!(
                "the database is damaged ({message}); run escalate verify, or restore a backup"
            ))
        } else {
            Self::Backend(format!("PostgreSQL: {message}"))
        }
    }
}

/// A value the database holds that escalate cannot read.
fn unreadable(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!(
        "the database holds a value escalate cannot read ({what}); run escalate verify"
    ))
}

fn word_from_sql<T: std::str::FromStr>(text: &str) -> Result<T> {
    text.parse()
        .map_err(|_| unreadable(format!("\"{}\"", text.escape_debug())))
}

/// The SQL condition that a row of `table` has not been taken out of the record as it reads by
/// a correction of `kind` (the row itself is kept).
fn live(table: &str, kind: &str) -> String {
    format!(
        "{table}.id NOT IN (SELECT target_id FROM corrections WHERE corrections.escalation_id = {table}.escalation_id AND kind = '{kind}')"
    )
}

/// A small number as PostgreSQL's `integer`.
fn int(n: impl Into<i64>) -> i32 {
    i32::try_from(n.into()).unwrap_or(i32::MAX)
}

/// A stage as read back.
fn stage(n: i32) -> Result<u8> {
    u8::try_from(n).map_err(|_| unreadable(format!("stage {n}")))
}

const OPEN_IDS: &str =
    "SELECT escalation_id FROM escalation_state WHERE is_open ORDER BY escalation_id";
const OPEN_IDS_AT_STAGE: &str = "SELECT escalation_id FROM escalation_state WHERE is_open AND stage = $1::bigint ORDER BY escalation_id";
const ALL_IDS: &str = "SELECT escalation_id FROM escalation_state ORDER BY escalation_id";
const ALL_IDS_AT_STAGE: &str =
    "SELECT escalation_id FROM escalation_state WHERE stage = $1::bigint ORDER BY escalation_id";
/// A page of the closed history, through the primary key (`list --all` streams it).
const CLOSED_IDS_AFTER: &str = "SELECT escalation_id FROM escalation_state
     WHERE escalation_id > $1 AND NOT is_open ORDER BY escalation_id LIMIT $2";
const CLOSED_IDS_AFTER_AT_STAGE: &str = "SELECT escalation_id FROM escalation_state
     WHERE escalation_id > $1 AND NOT is_open AND stage = $3::bigint ORDER BY escalation_id LIMIT $2";
const ATTENTION_IDS: &str = "SELECT escalation_id FROM escalation_state WHERE needs_attention";

/// An open connection to an escalate database on PostgreSQL.
pub struct PgStore {
    client: RefCell<Client>,
    /// How to connect again: when the connection is found lost, the next call reconnects
    /// (as the same person), and a listener for live updates connects with it too.
    config: postgres::Config,
    /// What `--db` said, without its password.
    shown: String,
    wall_clock: Option<WallClock>,
    /// The person this connection is (its role, when listed in `people`): every write is
    /// recorded under their login, whatever name the caller gave.
    person: Option<(String, crate::core::team::Role)>,
    /// The school new escalations go into: the one a person writes for, or the one chosen
    /// ([`PgStore::choose_school`]).
    school: Option<String>,
    /// Every school the person may write for, in order.
    writable: Vec<String>,
}

impl PgStore {
    /// Connects to `url` and brings the schema up to date (under the chain lock, so several
    /// escalates starting at once on a new database take turns). A database from a newer
    /// escalate is refused untouched.
    pub fn open(url: &str) -> Result<Self> {
        Self::connect(url, None)
    }

    /// [`PgStore::open`], with the password to use when the URL carries none (so that it
    /// need not be on a command line).
    pub fn connect(url: &str, password: Option<&str>) -> Result<Self> {
        let shown = shown(url);
        let mut config: postgres::Config = url.parse().map_err(|_| {
            StoreError::Backend(format!(
                "{shown} is not a PostgreSQL URL escalate can read; write it as postgres://USER@HOST:PORT/DATABASE"
            ))
        })?;
        if let Some(password) = password.filter(|_| config.get_password().is_none()) {
            config.password(password);
        }
        let client = connect(&config, &shown)?;
        let mut store = Self {
            client: RefCell::new(client),
            config,
            shown,
            wall_clock: None,
            person: None,
            school: None,
            writable: Vec::new(),
        };
        store.migrate()?;
        store.identify()?;
        Ok(store)
    }

    fn migrate(&mut self) -> Result<()> {
        let shown = self.shown.clone();
        let client = self.client_mut();
        let mut tx = client.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&schema::CHAIN_LOCK])?;
        // Looked for first: a person may read the table but not create one.
        let exists: bool = tx
            .query_one("SELECT to_regclass('escalate_schema') IS NOT NULL", &[])?
            .get(0);
        if !exists {
            tx.batch_execute("CREATE TABLE escalate_schema (version integer NOT NULL);")?;
        }
        let version: i64 = tx
            .query_opt("SELECT version FROM escalate_schema", &[])?
            .map_or(0, |r| i64::from(r.get::<_, i32>(0)));
        let known = schema::current_version();
        if version > known {
            return Err(StoreError::NewerSchema {
                path: shown,
                found: version,
                known,
            });
        }
        if version == 0 {
            tx.execute("INSERT INTO escalate_schema (version) VALUES (0)", &[])?;
        }
        for (index, sql) in schema::migrations().iter().enumerate() {
            let number = i64::try_from(index).unwrap_or(i64::MAX) + 1;
            if number > version {
                tx.batch_execute(sql)?;
                tx.execute("UPDATE escalate_schema SET version = $1", &[&int(number)])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Who this connection is: a person listed in `people` (their role and the one school they
    /// write for), or the database's administrator.
    fn identify(&mut self) -> Result<()> {
        let client = self.client_mut();
        let Some(row) = client.query_opt(
            "SELECT current_user::text, role FROM people WHERE role_name = current_user",
            &[],
        )?
        else {
            return Ok(());
        };
        let login: String = row.get(0);
        let role: crate::core::team::Role = word_from_sql(row.get::<_, &str>(1))?;
        let schools = client.query(
            "SELECT school FROM person_schools WHERE role_name = current_user AND escalate_writes(school) ORDER BY school",
            &[],
        )?;
        self.writable = schools.iter().map(|r| r.get(0)).collect();
        if let [only] = self.writable.as_slice() {
            self.school = Some(only.clone());
        }
        self.person = Some((login, role));
        Ok(())
    }

    /// Puts new escalations into `school`: one the person may write for (the administrator
    /// may choose any). Refused, with the schools they may choose, otherwise.
    pub fn choose_school(&mut self, school: &str) -> Result<()> {
        if self.person.is_some() && !self.writable.iter().any(|s| s == school) {
            return Err(StoreError::Refused(RecordError::new(
                "school",
                format!(
                    "you may not record escalations for school \"{}\"; {}",
                    crate::core::record::printable(school, false),
                    self.schools_you_write_for()
                ),
            )));
        }
        self.school = Some(school.to_owned());
        Ok(())
    }

    /// Every school the person may record for (none for the administrator, who may record
    /// for any).
    pub fn writable_schools(&self) -> &[String] {
        &self.writable
    }

    /// The schools the person writes for, as a sentence.
    fn schools_you_write_for(&self) -> String {
        if self.writable.is_empty() {
            return "you may record escalations for no school; ask whoever runs escalate's database to add one for your login (escalate team add)".to_owned();
        }
        let list: Vec<String> = self
            .writable
            .iter()
            .map(|s| crate::core::record::printable(s, false))
            .collect();
        format!("your schools: {}", list.join(", "))
    }

    /// The name a write is recorded under: the person's login, else what the caller gave.
    fn actor(&self, given: &str) -> String {
        self.person
            .as_ref()
            .map_or(given, |(login, _)| login)
            .to_owned()
    }

    /// The school a new escalation goes into: the person's one school, or `main` for the
    /// administrator. A person who writes for several (or none) is refused, not guessed for.
    fn new_school(&self) -> Result<Option<String>> {
        match (&self.person, &self.school) {
            (None, _) | (Some(_), Some(_)) => Ok(self.school.clone()),
            (Some(_), None) if self.writable.is_empty() => Err(StoreError::Refused(
                RecordError::new("school", self.schools_you_write_for()),
            )),
            (Some(_), None) => Err(StoreError::Refused(RecordError::new(
                "school",
                format!(
                    "you record escalations for several schools, so say which this one belongs to (escalate new --school NAME ...); {}",
                    self.schools_you_write_for()
                ),
            ))),
        }
    }

    fn written_at(&self) -> Option<DateTime<Utc>> {
        self.wall_clock.as_ref().map(|clock| clock())
    }

    /// Where the database is, without its password.
    pub fn shown(&self) -> &str {
        &self.shown
    }

    /// The connection, for the other modules of this backend: connected again first if it
    /// was lost (a server restarted, a network dropped). If it cannot be, the lost one is
    /// kept, and the call fails saying the connection was lost.
    fn client(&self) -> std::cell::RefMut<'_, Client> {
        let mut client = self.client.borrow_mut();
        if client.is_closed()
            && let Ok(again) = connect(&self.config, &self.shown)
        {
            *client = again;
        }
        client
    }

    /// Runs a read, once more on a new connection if the first attempt found the connection
    /// lost (nothing is written by a read, so trying again is safe; a write is not retried:
    /// its error says to try again).
    fn reading<T>(&self, read: impl Fn(&mut Client) -> Result<T>) -> Result<T> {
        let first = read(&mut self.client());
        match first {
            Err(_) if self.client.borrow().is_closed() => read(&mut self.client()),
            other => other,
        }
    }

    /// [`PgStore::client`], for a caller holding the store mutably.
    fn client_mut(&mut self) -> &mut Client {
        let client = self.client.get_mut();
        if client.is_closed()
            && let Ok(again) = connect(&self.config, &self.shown)
        {
            *client = again;
        }
        client
    }
}

/// A connection to the database `config` names (`shown`, in any error), encrypted with TLS
/// as `psql` would: by the URL's `sslmode` (`prefer` when not given: TLS whenever the server
/// offers it; `require`: TLS or no connection; `disable`: never), the server's certificate
/// checked against the certificate authority in `PGSSLROOTCERT` (or `~/.postgresql/root.crt`)
/// when there is one, and otherwise taken as it comes, encrypting without proving who the
/// server is (libpq's own behaviour for `prefer` and `require`).
fn connect(config: &postgres::Config, shown: &str) -> Result<Client> {
    let tls = tls_connector().map_err(|why| {
        StoreError::Backend(format!(
            "cannot set up TLS for the PostgreSQL database {shown}: {why}"
        ))
    })?;
    config.connect(tls).map_err(|e| {
        StoreError::Backend(format!(
            "cannot connect to the PostgreSQL database {shown}: {}",
            e.as_db_error()
                .map_or_else(|| e.to_string(), |d| d.message().to_owned())
        ))
    })
}

/// The TLS side of [`connect`].
fn tls_connector() -> std::result::Result<postgres_openssl::MakeTlsConnector, String> {
    use openssl::ssl::{SslConnector, SslMethod, SslVerifyMode};
    let mut builder = SslConnector::builder(SslMethod::tls_client()).map_err(|e| e.to_string())?;
    // Where the certificate authority comes from, named in an error about it.
    let root = match std::env::var_os("PGSSLROOTCERT") {
        Some(path) => Some((std::path::PathBuf::from(path), "unset PGSSLROOTCERT")),
        None => std::env::var_os("HOME")
            .map(|home| Path::new(&home).join(".postgresql/root.crt"))
            .filter(|path| path.is_file())
            .map(|path| (path, "remove it")),
    };
    match root {
        Some((root, or_else)) => builder.set_ca_file(&root).map_err(|e| {
            format!(
                "the certificate authority file {} cannot be used ({e}); fix it, or {or_else}",
                root.display()
            )
        })?,
        // The connection's own settings follow the connector's: no check at all.
        None => builder.set_verify(SslVerifyMode::NONE),
    }
    let mut connector = postgres_openssl::MakeTlsConnector::new(builder.build());
    // As libpq's verify-ca: the certificate must come from the authority; the host name in it
    // is not compared (a team's server is often reached by an address its certificate does
    // not name).
    connector.set_callback(|connection, _| {
        connection.set_verify_hostname(false);
        Ok(())
    });
    Ok(connector)
}

impl Store for PgStore {
    fn set_wall_clock(&mut self, clock: WallClock) {
        self.wall_clock = Some(clock);
    }

    fn path(&self) -> Option<&Path> {
        None
    }

    fn create(&mut self, new: &NewEscalation, actor: &str, now: DateTime<Utc>) -> Result<i64> {
        let written_at = self.written_at();
        let school = self.new_school()?;
        let actor = self.actor(actor);
        let mut tx = self.client_mut().transaction()?;
        let id = write_new(&mut tx, new, &actor, school.as_deref(), now, written_at)?;
        tx.commit()?;
        Ok(id)
    }

    /// Plans and writes several changes to one escalation in one transaction, the escalation
    /// locked for update first: a second writer waits, then plans against what the first wrote.
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
        let written_at = self.written_at();
        let actor = self.actor(actor);
        let actor = actor.as_str();
        let mut tx = self.client_mut().transaction()?;
        let locked = tx.query_opt(
            "SELECT escalation_id FROM escalation_state WHERE escalation_id = $1 FOR UPDATE",
            &[&id],
        )?;
        if locked.is_none() {
            return Err(StoreError::NotFound(id));
        }
        // Read committed: this load sees whatever the writer we waited for committed.
        let mut escalation = load(&mut tx, id)?;
        let changes = plan(&escalation)?;
        let mut written = Vec::with_capacity(changes.len());
        for mut change in changes {
            let (action, table, row) = write_change(&mut tx, &escalation, &mut change, actor, now)?;
            audit::append(
                &mut tx,
                (now, written_at),
                actor,
                Some(id),
                action,
                &change.describe(),
                table,
                row,
            )?;
            remember(&mut escalation, change.clone(), row, actor, now);
            written.push((change, row));
        }
        tx.execute(
            "UPDATE escalation_state SET needs_attention = true WHERE escalation_id = $1",
            &[&id],
        )?;
        tx.commit()?;
        Ok(written)
    }

    fn import<I, P>(&mut self, items: I, actor: &str, now: DateTime<Utc>) -> Result<Vec<i64>>
    where
        Self: Sized,
        I: IntoIterator<Item = std::result::Result<(NewEscalation, P), RecordError>>,
        P: FnMut(&Escalation) -> std::result::Result<Option<Change>, RecordError>,
    {
        let written_at = self.written_at();
        let school = self.new_school()?;
        let actor = self.actor(actor);
        let actor = actor.as_str();
        let mut tx = self.client_mut().transaction()?;
        let mut ids = Vec::new();
        for item in items {
            let (new, mut plan) = item?;
            let id = write_new(&mut tx, &new, actor, school.as_deref(), now, written_at)?;
            let mut escalation = as_written(id, new, actor, now);
            while let Some(mut change) = plan(&escalation)? {
                let (action, table, row) =
                    write_change(&mut tx, &escalation, &mut change, actor, now)?;
                audit::append(
                    &mut tx,
                    (now, written_at),
                    actor,
                    Some(id),
                    action,
                    &change.describe(),
                    table,
                    row,
                )?;
                remember(&mut escalation, change, row, actor, now);
            }
            ids.push(id);
        }
        tx.commit()?;
        Ok(ids)
    }

    fn escalation(&self, id: i64) -> Result<Escalation> {
        self.reading(|c| load_many(c, "SELECT $1::bigint", &[id]))?
            .pop()
            .ok_or(StoreError::NotFound(id))
    }

    fn escalations(&self, filter: Filter) -> Result<Vec<Escalation>> {
        let sql = match (filter.include_closed, filter.stage.is_some()) {
            (false, false) => OPEN_IDS,
            (false, true) => OPEN_IDS_AT_STAGE,
            (true, false) => ALL_IDS,
            (true, true) => ALL_IDS_AT_STAGE,
        };
        let stage: Vec<i64> = filter.stage.map(i64::from).into_iter().collect();
        self.reading(|c| load_many(c, sql, &stage))
    }

    fn closed_after(&self, after: i64, stage: Option<u8>, limit: usize) -> Result<Vec<Escalation>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        match stage {
            None => self.reading(|c| load_many(c, CLOSED_IDS_AFTER, &[after, limit])),
            Some(stage) => self.reading(|c| {
                load_many(
                    c,
                    CLOSED_IDS_AFTER_AT_STAGE,
                    &[after, limit, i64::from(stage)],
                )
            }),
        }
    }

    fn caseload(&self) -> Result<Vec<Escalation>> {
        self.reading(|c| load_many(c, ATTENTION_IDS, &[]))
    }

    fn settle(&mut self, closed: &[i64]) -> Result<()> {
        self.client_mut().execute(
            "UPDATE escalation_state SET needs_attention = false WHERE escalation_id = ANY($1) AND NOT is_open",
            &[&closed],
        )?;
        Ok(())
    }

    fn record_review(
        &mut self,
        summary: &ReviewSummary,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let written_at = self.written_at();
        let actor = self.actor(actor);
        let actor = actor.as_str();
        let mut tx = self.client_mut().transaction()?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO reviews (at, horizon_working_days, items, acted_on, outstanding, recorded_by)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[
                    &as_stored(now),
                    &int(summary.horizon().working_days()),
                    &int(summary.items()),
                    &int(summary.acted_on()),
                    &int(summary.outstanding()),
                    &actor,
                ],
            )?
            .get(0);
        let text = format!("reviewed by {actor}: {}", summary.describe());
        audit::append(
            &mut tx,
            (now, written_at),
            actor,
            None,
            "review",
            &text,
            "reviews",
            id,
        )?;
        tx.commit()?;
        Ok(id)
    }

    fn save_draft(&mut self, draft: &Draft, actor: &str, now: DateTime<Utc>) -> Result<i64> {
        let fields = serde_json::to_string(&draft.fields).map_err(|e| unreadable(e.to_string()))?;
        let actor = self.actor(actor);
        let row = self.client_mut().query_one(
            "INSERT INTO drafts (form, escalation_id, fields, saved_at, saved_by) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (saved_by, form, coalesce(escalation_id, 0))
             DO UPDATE SET fields = excluded.fields, saved_at = excluded.saved_at, saved_by = excluded.saved_by
             RETURNING id",
            &[&draft.form, &draft.escalation_id, &fields, &as_stored(now), &actor],
        )?;
        Ok(row.get(0))
    }

    fn drafts(&self) -> Result<Vec<Draft>> {
        let rows = self.client().query(
            "SELECT id, form, escalation_id, fields, saved_at, saved_by FROM drafts ORDER BY saved_at, id",
            &[],
        )?;
        rows.iter()
            .map(|r| {
                let id: i64 = r.get(0);
                Ok(Draft {
                    id: Some(id),
                    form: r.get(1),
                    escalation_id: r.get(2),
                    fields: serde_json::from_str(r.get::<_, &str>(3))
                        .map_err(|_| unreadable(format!("draft {id}")))?,
                    saved_at: Some(r.get(4)),
                    saved_by: Some(r.get(5)),
                })
            })
            .collect()
    }

    fn discard_draft(&mut self, id: i64) -> Result<()> {
        self.client
            .get_mut()
            .execute("DELETE FROM drafts WHERE id = $1", &[&id])?;
        Ok(())
    }

    fn discard_draft_of(&mut self, form: &str, escalation_id: Option<i64>) -> Result<()> {
        self.client_mut().execute(
            "DELETE FROM drafts WHERE form = $1 AND coalesce(escalation_id, 0) = coalesce($2::bigint, 0)",
            &[&form, &escalation_id],
        )?;
        Ok(())
    }

    /// The audit chain's length: every write to the record appends to it, whoever made it.
    fn data_version(&self) -> Result<i64> {
        Ok(self.reading(audit::head)?.0)
    }

    fn audit_trail(&self, escalation: Option<i64>) -> Result<Vec<AuditEntry>> {
        self.reading(|c| audit::entries(c, escalation))
    }

    /// The audit chain and every record row against its entry, in one snapshot. It reads every
    /// school's records, so a DSL or deputy (who may read only theirs) is told who can run it.
    fn audit_head(&self) -> Result<Head> {
        let (entries, hash) = audit::head(&mut *self.client())?;
        Ok(crate::storage::fingerprint::head_of(entries, hash))
    }

    fn audit_hash(&self, id: i64) -> Result<Option<String>> {
        let row = self
            .client()
            .query_opt("SELECT hash FROM audit WHERE id = $1", &[&id])?;
        Ok(row.map(|r| r.get(0)))
    }

    fn verify(&self) -> Result<Verification> {
        if let Some((_, role)) = &self.person
            && *role != crate::core::team::Role::TrustLead
        {
            return Err(StoreError::Refused(RecordError::new(
                "verify",
                "verify reads every school's records, and you may read only your own; ask your trust lead or the database's administrator to run it",
            )));
        }
        let mut client = self.client();
        let mut tx = client
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()?;
        let verification = audit::verify(&mut tx)?;
        tx.commit()?;
        Ok(verification)
    }

    /// Copies the whole record into a new SQLite database at `destination`, which must not
    /// exist yet: the same rows, the same ids, the same audit chain (it verifies there too).
    fn backup(&self, destination: &Path) -> Result<()> {
        copy::to_sqlite(self, destination)
    }
}

mod copy;

/// Writes a new escalation at stage 1 with its audit entry; returns its id.
fn write_new(
    tx: &mut impl GenericClient,
    new: &NewEscalation,
    actor: &str,
    school: Option<&str>,
    now: DateTime<Utc>,
    written_at: Option<DateTime<Utc>>,
) -> Result<i64> {
    let now = as_stored(now);
    let id: i64 = tx
        .query_one(
            "INSERT INTO escalations (procedure, partnership, child_name, child_dob, child_ref, raised_by, agency,
                raised_with, category, summary, outcome_sought, concern_at, raised_at, immediate_risk, recorded_by, recorded_at, school)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, coalesce($17, 'main')) RETURNING id",
            &[
                &new.procedure,
                &new.partnership,
                &new.child.name,
                &new.child.dob,
                &new.child.reference,
                &new.raised_by,
                &new.agency,
                &new.raised_with,
                &new.category.as_str(),
                &new.summary,
                &new.outcome_sought,
                &new.concern_at.map(as_stored),
                &as_stored(new.raised_at),
                &new.immediate_risk,
                &actor,
                &now,
                &school,
            ],
        )?
        .get(0);
    tx.execute(
        "INSERT INTO escalation_state (escalation_id, is_open, stage, needs_attention) VALUES ($1, true, 1, true)",
        &[&id],
    )?;
    let summary = format!("escalation raised under {} (stage 1)", new.procedure);
    audit::append(
        tx,
        (now, written_at),
        actor,
        Some(id),
        "raised",
        &summary,
        "escalations",
        id,
    )?;
    Ok(id)
}

/// Inserts one row and returns its id.
fn insert(tx: &mut impl GenericClient, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<i64> {
    Ok(tx.query_one(sql, params)?.get(0))
}

/// The row a correction takes out of the record as it reads, or a refusal when there is none.
fn first_id(tx: &mut impl GenericClient, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<i64> {
    tx.query_opt(sql, params)?
        .map(|r| r.get::<_, i64>(0))
        .ok_or_else(|| {
            StoreError::Refused(RecordError::new(
                "correction",
                "there is nothing on the record to correct",
            ))
        })
}

/// Writes `change`, as SQLite's backend does; a correction that takes a row out of the record
/// is given the id of the row it found.
fn write_change(
    tx: &mut impl GenericClient,
    escalation: &Escalation,
    change: &mut Change,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(&'static str, &'static str, i64)> {
    let id = escalation.id;
    // Times are kept to the millisecond, as on SQLite (timestamptz alone keeps microseconds).
    let now = as_stored(now);
    let ms = |t: &DateTime<Utc>| as_stored(*t);
    let mut resolved_target = None;
    let written = match &*change {
        Change::Advance {
            to_stage,
            at,
            reason,
        } => {
            let row = insert(
                tx,
                "INSERT INTO stage_changes (escalation_id, to_stage, at, reason, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[&id, &int(*to_stage), &ms(at), reason, &actor, &now],
            )?;
            tx.execute(
                "UPDATE escalation_state SET stage = $2 WHERE escalation_id = $1",
                &[&id, &int(*to_stage)],
            )?;
            ("advanced", "stage_changes", row)
        }
        Change::Discuss {
            at,
            participants,
            mode,
            notes,
            decisions,
            is_agreement,
            stage,
        } => {
            let row = insert(
                tx,
                "INSERT INTO discussions (escalation_id, at, participants, mode, notes, decisions, is_agreement, stage, recorded_by, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &[&id, &ms(at), participants, &mode.as_str(), notes, decisions, is_agreement, &int(*stage), &actor, &now],
            )?;
            ("discussion", "discussions", row)
        }
        Change::AddAction {
            what,
            owner,
            due_on,
        } => {
            let row = insert(
                tx,
                "INSERT INTO actions (escalation_id, what, owner, due_on, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
                &[&id, what, owner, due_on, &actor, &now],
            )?;
            ("action agreed", "actions", row)
        }
        Change::CompleteAction { action_id, at } => {
            let row = insert(
                tx,
                "INSERT INTO action_completions (action_id, escalation_id, at, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[action_id, &id, &ms(at), &actor, &now],
            )?;
            ("action done", "action_completions", row)
        }
        Change::NotificationSent {
            notification,
            at,
            method,
            reference,
        } => {
            let row = insert(
                tx,
                "INSERT INTO notifications_sent (escalation_id, notification, sent_at, method, reference, recorded_by, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[&id, notification, &ms(at), &method.as_str(), reference, &actor, &now],
            )?;
            ("notification sent", "notifications_sent", row)
        }
        Change::Resolve {
            at,
            stage,
            how,
            learning,
            parents_informed,
            why_not,
            child_record_updated,
        } => {
            let row = insert(
                tx,
                "INSERT INTO outcomes (escalation_id, kind, at, stage, how, learning, parents_informed, why_not, child_record_updated, recorded_by, recorded_at)
                 VALUES ($1, 'resolved', $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &[&id, &ms(at), &int(*stage), how, learning, parents_informed, why_not, child_record_updated, &actor, &now],
            )?;
            tx.execute(
                "UPDATE escalation_state SET is_open = false WHERE escalation_id = $1",
                &[&id],
            )?;
            ("resolved", "outcomes", row)
        }
        Change::Withdraw { at, stage, why } => {
            let row = insert(
                tx,
                "INSERT INTO outcomes (escalation_id, kind, at, stage, how, recorded_by, recorded_at) VALUES ($1, 'withdrawn', $2, $3, $4, $5, $6) RETURNING id",
                &[&id, &ms(at), &int(*stage), why, &actor, &now],
            )?;
            tx.execute(
                "UPDATE escalation_state SET is_open = false WHERE escalation_id = $1",
                &[&id],
            )?;
            ("withdrawn", "outcomes", row)
        }
        Change::Detail { field, value } => {
            let row = insert(
                tx,
                "INSERT INTO escalation_details (escalation_id, field, value, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5) RETURNING id",
                &[&id, field, value, &actor, &now],
            )?;
            ("detail", "escalation_details", row)
        }
        Change::Attach {
            notification,
            name,
            sha256,
            text,
        } => {
            // The notification recorded as sent just before, in this transaction.
            let sent: i64 = tx
                .query_one(
                    "SELECT max(id) FROM notifications_sent WHERE escalation_id = $1 AND notification = $2",
                    &[&id, notification],
                )?
                .get::<_, Option<i64>>(0)
                .ok_or_else(|| {
                    StoreError::Refused(RecordError::new(
                        "attach",
                        format!("notification {notification} is not recorded as sent"),
                    ))
                })?;
            let row = insert(
                tx,
                "INSERT INTO attachments (escalation_id, notification_sent_id, notification, name, sha256, text, recorded_by, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
                &[&id, &sent, notification, name, sha256, text, &actor, &now],
            )?;
            ("form attached", "attachments", row)
        }
        Change::Amend {
            field,
            old_value,
            new_value,
            why,
        } => {
            let row = insert(
                tx,
                "INSERT INTO amendments (escalation_id, field, old_value, new_value, why, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[&id, field, old_value, new_value, why, &actor, &now],
            )?;
            ("amended", "amendments", row)
        }
        Change::Correct {
            kind,
            target_id,
            target,
            old_value,
            new_value,
            why,
        } => {
            let resolved = match kind {
                CorrectionKind::StageUndone => first_id(
                    tx,
                    &format!(
                        "SELECT id FROM stage_changes WHERE escalation_id = $1 AND {} ORDER BY at DESC, id DESC LIMIT 1",
                        live("stage_changes", "stage-undone")
                    ),
                    &[&id],
                )?,
                CorrectionKind::NotificationNotSent => first_id(
                    tx,
                    &format!(
                        "SELECT id FROM notifications_sent WHERE escalation_id = $1 AND notification = $2 AND {} ORDER BY id DESC LIMIT 1",
                        live("notifications_sent", "notification-not-sent")
                    ),
                    &[&id, target],
                )?,
                CorrectionKind::Reopened => first_id(
                    tx,
                    &format!(
                        "SELECT id FROM outcomes WHERE escalation_id = $1 AND {} ORDER BY id DESC LIMIT 1",
                        live("outcomes", "reopened")
                    ),
                    &[&id],
                )?,
                _ => *target_id,
            };
            resolved_target = Some(resolved);
            let row = insert(
                tx,
                "INSERT INTO corrections (escalation_id, kind, target_id, target, old_value, new_value, why, recorded_by, recorded_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
                &[&id, &kind.as_str(), &resolved, target, old_value, new_value, why, &actor, &now],
            )?;
            match kind {
                CorrectionKind::StageUndone => {
                    let mut after = escalation.clone();
                    after.stage_changes.pop();
                    tx.execute(
                        "UPDATE escalation_state SET stage = $2 WHERE escalation_id = $1",
                        &[&id, &int(after.stage())],
                    )?;
                }
                CorrectionKind::Reopened => {
                    tx.execute(
                        "UPDATE escalation_state SET is_open = true WHERE escalation_id = $1",
                        &[&id],
                    )?;
                }
                _ => {}
            }
            ("corrected", "corrections", row)
        }
        Change::Note {
            kind,
            clock,
            at,
            text,
        } => {
            let kind_word = match kind {
                NoteKind::ClockMet => "clock_met",
                NoteKind::DelayReason => "delay_reason",
                NoteKind::ClockTightened => "clock_tightened",
            };
            let row = insert(
                tx,
                "INSERT INTO notes (escalation_id, kind, clock, at, text, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[&id, &kind_word, clock, &ms(at), text, &actor, &now],
            )?;
            ("note", "notes", row)
        }
    };
    if let (Some(resolved), Change::Correct { target_id, .. }) = (resolved_target, change) {
        *target_id = resolved;
    }
    Ok(written)
}

/// Loads one escalation with everything recorded on it, inside a transaction already open.
fn load(tx: &mut postgres::Transaction<'_>, id: i64) -> Result<Escalation> {
    load_many_in(tx, "SELECT $1::bigint", &[id])?
        .pop()
        .ok_or(StoreError::NotFound(id))
}

fn entry(loaded: &mut crate::storage::loading::ById, id: i64) -> Result<&mut Escalation> {
    loaded
        .get_mut(id)
        .ok_or_else(|| unreadable(format!("a row of escalation {id}, which was not loaded")))
}

/// Loads every escalation whose id the query `ids` selects (with `params` bound), in id order,
/// the ids first, then one query a table, all from one snapshot (a read-only repeatable-read
/// transaction).
fn load_many(client: &mut Client, ids: &str, params: &[i64]) -> Result<Vec<Escalation>> {
    let mut tx = client
        .build_transaction()
        .isolation_level(postgres::IsolationLevel::RepeatableRead)
        .read_only(true)
        .start()?;
    let loaded = load_many_in(&mut tx, ids, params)?;
    tx.commit()?;
    Ok(loaded)
}

#[allow(
    clippy::too_many_lines,
    reason = "one query a table, each mapped in place"
)]
fn load_many_in(
    tx: &mut postgres::Transaction<'_>,
    ids: &str,
    params: &[i64],
) -> Result<Vec<Escalation>> {
    let bind: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p as &(dyn ToSql + Sync)).collect();
    // The ids `ids` selects, read once and handed to each table's query as an array: as a
    // subquery in every one, it and the row-level security of the tables it reads ran once a
    // table (at 10,000 open each query took 3-6x as long; issue 16's benchmark).
    let wanted: Vec<i64> = tx.query(ids, &bind)?.iter().map(|r| r.get(0)).collect();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let bind: [&(dyn ToSql + Sync); 1] = [&wanted];
    let mut by_id = crate::storage::loading::ById::default();

    let rows = tx.query(
        "SELECT id, procedure, partnership, child_name, child_dob, child_ref, raised_by, agency, raised_with,
                    category, summary, outcome_sought, concern_at, raised_at, recorded_by, recorded_at, immediate_risk, school
             FROM escalations WHERE id = ANY($1) ORDER BY id",
        &bind,
    )?;
    for r in rows {
        let id: i64 = r.get(0);
        by_id
            .push(Escalation {
                id,
                procedure: r.get(1),
                partnership: r.get(2),
                child: Child {
                    name: r.get(3),
                    dob: r.get::<_, Option<NaiveDate>>(4),
                    reference: r.get(5),
                },
                raised_by: r.get(6),
                agency: r.get(7),
                raised_with: r.get(8),
                category: word_from_sql(r.get::<_, &str>(9))?,
                summary: r.get(10),
                outcome_sought: r.get(11),
                concern_at: r.get(12),
                raised_at: r.get(13),
                immediate_risk: r.get(16),
                recorded_by: r.get(14),
                recorded_at: r.get(15),
                stage_changes: Vec::new(),
                discussions: Vec::new(),
                actions: Vec::new(),
                sent: Vec::new(),
                notes: Vec::new(),
                outcome: None,
                amendments: Vec::new(),
                corrections: Vec::new(),
                details: Details::default(),
                attachments: Vec::new(),
                school: Some(r.get(17)),
            })
            .map_err(|e| unreadable(format!("escalation {} was read out of id order", e.id)))?;
    }
    if by_id.is_empty() {
        return Ok(Vec::new());
    }

    let rows = tx.query(
        &format!(
            "SELECT escalation_id, to_stage, at, recorded_by, reason FROM stage_changes
             WHERE escalation_id = ANY($1) AND {} ORDER BY escalation_id, at, id",
            live("stage_changes", "stage-undone")
        ),
        &bind,
    )?;
    for r in rows {
        entry(&mut by_id, r.get(0))?
            .stage_changes
            .push(StageChange {
                to_stage: stage(r.get(1))?,
                at: r.get(2),
                by: r.get(3),
                reason: r.get(4),
            });
    }

    let rows = tx.query(
        "SELECT escalation_id, id, at, participants, mode, notes, decisions, is_agreement, stage, recorded_by, recorded_at
             FROM discussions WHERE escalation_id = ANY($1) ORDER BY escalation_id, at, id",
        &bind,
    )?;
    for r in rows {
        entry(&mut by_id, r.get(0))?.discussions.push(Discussion {
            id: r.get(1),
            at: r.get(2),
            participants: r.get(3),
            mode: word_from_sql(r.get::<_, &str>(4))?,
            notes: r.get(5),
            decisions: r.get(6),
            is_agreement: r.get(7),
            stage: stage(r.get(8))?,
            recorded_by: r.get(9),
            recorded_at: r.get(10),
        });
    }

    let rows = tx.query(
        "SELECT a.escalation_id, a.id, a.what, a.owner, a.due_on, a.recorded_by, a.recorded_at, c.at, c.recorded_by
             FROM actions a LEFT JOIN action_completions c ON c.action_id = a.id
             WHERE a.escalation_id = ANY($1) AND a.id NOT IN (SELECT target_id FROM corrections k WHERE k.escalation_id = a.escalation_id AND k.kind = 'action-cancelled')
             ORDER BY a.escalation_id, a.id",
        &bind,
    )?;
    for r in rows {
        entry(&mut by_id, r.get(0))?.actions.push(AgreedAction {
            id: r.get(1),
            what: r.get(2),
            owner: r.get(3),
            due_on: r.get(4),
            done_at: r.get(7),
            done_by: r.get(8),
            recorded_by: r.get(5),
            recorded_at: r.get(6),
        });
    }

    let rows = tx.query(
        &format!(
            "SELECT escalation_id, notification, sent_at, method, reference, recorded_by, recorded_at
             FROM notifications_sent WHERE escalation_id = ANY($1) AND {} ORDER BY escalation_id, sent_at, id",
            live("notifications_sent", "notification-not-sent")
        ),
        &bind,
    )?;
    for r in rows {
        entry(&mut by_id, r.get(0))?.sent.push(SentNotification {
            notification: r.get(1),
            sent_at: r.get(2),
            method: word_from_sql(r.get::<_, &str>(3))?,
            reference: r.get(4),
            recorded_by: r.get(5),
            recorded_at: r.get(6),
        });
    }

    let rows = tx.query(
        "SELECT escalation_id, kind, clock, at, text, recorded_by FROM notes
             WHERE escalation_id = ANY($1) ORDER BY escalation_id, at, id",
        &bind,
    )?;
    for r in rows {
        let kind = match r.get::<_, &str>(1) {
            "clock_met" => NoteKind::ClockMet,
            "delay_reason" => NoteKind::DelayReason,
            "clock_tightened" => NoteKind::ClockTightened,
            other => {
                return Err(unreadable(format!(
                    "note kind \"{}\"",
                    other.escape_debug()
                )));
            }
        };
        entry(&mut by_id, r.get(0))?.notes.push(Note {
            kind,
            at: r.get(3),
            clock: r.get(2),
            text: r.get(4),
            by: r.get(5),
        });
    }

    let rows = tx.query(
        &format!(
            "SELECT escalation_id, kind, at, stage, how, learning, parents_informed, why_not, child_record_updated, recorded_by
             FROM outcomes WHERE escalation_id = ANY($1) AND {} ORDER BY escalation_id, id",
            live("outcomes", "reopened")
        ),
        &bind,
    )?;
    for r in rows {
        let at = r.get(2);
        let stage = stage(r.get(3))?;
        entry(&mut by_id, r.get(0))?.outcome =
            Some(Box::new(if r.get::<_, &str>(1) == "withdrawn" {
                Outcome::Withdrawn {
                    at,
                    stage,
                    why: r.get(4),
                    by: r.get(9),
                }
            } else {
                Outcome::Resolved {
                    at,
                    stage,
                    how: r.get(4),
                    learning: r.get(5),
                    parents_informed: r.get(6),
                    why_not: r.get(7),
                    child_record_updated: r.get(8),
                    by: r.get(9),
                }
            }));
    }

    // Details recorded (each once, where not yet recorded), before the amendments that
    // correct them.
    let rows = tx.query(
        "SELECT escalation_id, field, value FROM escalation_details
             WHERE escalation_id = ANY($1) ORDER BY escalation_id, id",
        &bind,
    )?;
    for r in rows {
        entry(&mut by_id, r.get(0))?
            .details
            .set(r.get::<_, &str>(1), Some(r.get::<_, &str>(2)));
    }

    let rows = tx.query(
        "SELECT escalation_id, notification, name, sha256, text, recorded_by, recorded_at FROM attachments
             WHERE escalation_id = ANY($1) ORDER BY escalation_id, id",
        &bind,
    )?;
    for r in rows {
        entry(&mut by_id, r.get(0))?.attachments.push(Attachment {
            notification: r.get(1),
            name: r.get(2),
            sha256: r.get(3),
            text: r.get(4),
            recorded_by: r.get(5),
            recorded_at: r.get(6),
        });
    }

    let rows = tx.query(
        "SELECT escalation_id, field, old_value, new_value, why, recorded_by, recorded_at FROM amendments
             WHERE escalation_id = ANY($1) ORDER BY escalation_id, id",
        &bind,
    )?;
    for r in rows {
        let escalation = entry(&mut by_id, r.get(0))?;
        let field: String = r.get(1);
        let new_value: Option<String> = r.get(3);
        apply_amendment(escalation, &field, new_value.as_deref());
        escalation.amendments.push(Amendment {
            field,
            old_value: r.get(2),
            new_value,
            why: r.get(4),
            by: r.get(5),
            at: r.get(6),
        });
    }

    let rows = tx.query(
        "SELECT escalation_id, id, kind, target_id, target, old_value, new_value, why, recorded_by, recorded_at FROM corrections
             WHERE escalation_id = ANY($1) ORDER BY escalation_id, id",
        &bind,
    )?;
    for r in rows {
        let correction = Correction {
            id: r.get(1),
            kind: r.get::<_, &str>(2).parse().map_err(unreadable)?,
            target_id: r.get(3),
            target: r.get(4),
            old_value: r.get(5),
            new_value: r.get(6),
            why: r.get(7),
            by: r.get(8),
            at: r.get(9),
        };
        let escalation = entry(&mut by_id, r.get(0))?;
        apply_corrected_value(escalation, &correction);
        escalation.corrections.push(correction);
    }
    Ok(by_id.into_values())
}
