//! The SQLite backend of the storage port ([`crate::storage::Store`]): the only SQL.
//!
//! A [`SqliteStore`] is one SQLite database (rusqlite, bundled SQLite) in WAL mode with
//! `synchronous=FULL`, foreign keys on and a busy timeout, so that the dashboard and a command in
//! another terminal can share one file. Every change is planned by the core
//! ([`crate::core::change`]) against the escalation as it stands *inside* an immediate
//! transaction, then written with its audit entry in that same transaction: either both are on
//! disk or neither is. The record is insert-only (see [`schema`]); the audit trail is a hash
//! chain that `verify` checks. rusqlite's errors are mapped onto [`StoreError`] here and go no
//! further. Start at [`SqliteStore::open`] and `change_all`.

mod audit;
mod cipher;
mod copy;
pub mod schema;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::{Filter, Key, Result, Store, StoreError, WallClock};
use crate::core::audit::{AuditEntry, Head, Verification};
use crate::core::change::{Change, apply_amendment, as_written, remember};
use crate::core::draft::Draft;
use crate::core::record::{
    AgreedAction, Amendment, Attachment, Child, Correction, CorrectionKind, Details, Discussion,
    Escalation, NewEscalation, Note, NoteKind, Outcome, RecordError, SentNotification, StageChange,
    apply_corrected_value,
};
use crate::core::review::ReviewSummary;
use cipher::Cipher;

impl From<rusqlite::Error> for StoreError {
    /// SQLite's errors in the port's words: busy, refused by a constraint or trigger, damaged,
    /// or anything else.
    fn from(error: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                Self::Busy(error.to_string())
            }
            Some(ErrorCode::ConstraintViolation) => Self::Conflict(error.to_string()),
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => Self::Corrupt(format!(
                "the database is damaged ({error}); run escalate verify, or restore a backup"
            )),
            _ => Self::Backend(format!("database error: {error}")),
        }
    }
}

/// A value the database holds that escalate cannot read.
fn unreadable(what: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!(
        "the database holds a value escalate cannot read ({what}); run escalate verify"
    ))
}

/// An I/O error, saying what was being done.
fn io(what: String) -> impl FnOnce(std::io::Error) -> StoreError {
    move |source| StoreError::Backend(format!("{what}: {source}"))
}

/// How long a write waits for another process's write to finish before giving up.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The caseload queries. The open ones go through the `escalation_state_open` index, so that the
/// dashboard reads what is open, not the whole history (checked in the tests).
const OPEN_IDS: &str =
    "SELECT escalation_id FROM escalation_state WHERE is_open = 1 ORDER BY escalation_id";
const OPEN_IDS_AT_STAGE: &str = "SELECT escalation_id FROM escalation_state WHERE is_open = 1 AND stage = ?1 ORDER BY escalation_id";
const ALL_IDS: &str = "SELECT escalation_id FROM escalation_state ORDER BY escalation_id";
const ATTENTION_IDS: &str = "SELECT escalation_id FROM escalation_state WHERE needs_attention = 1";
/// One part of the caseload: the escalations needing attention from one id to another.
const ATTENTION_IDS_BETWEEN: &str = "SELECT escalation_id FROM escalation_state
     WHERE needs_attention = 1 AND escalation_id BETWEEN ?1 AND ?2";
/// From how many escalations the caseload is read in parts, on two threads at once.
const PARALLEL_LOAD_FROM: i64 = 2_000;
/// How many parts a large caseload is read in. More parts than threads, so that a thread
/// whose parts are slow (old escalations scattered over the file, each read from a page of its
/// own) is helped by the other, rather than waited for.
const LOAD_PARTS: usize = 8;
/// A page of the closed history: through the primary key, so reading every page is one pass.
/// (The unary `+` keeps SQLite off the `is_open` index, which would sort every closed id again
/// for each page.)
const CLOSED_IDS_AFTER: &str = "SELECT escalation_id FROM escalation_state
     WHERE escalation_id > ?1 AND +is_open = 0 ORDER BY escalation_id LIMIT ?2";
const CLOSED_IDS_AFTER_AT_STAGE: &str = "SELECT escalation_id FROM escalation_state
     WHERE escalation_id > ?1 AND +is_open = 0 AND +stage = ?3 ORDER BY escalation_id LIMIT ?2";
const ALL_IDS_AT_STAGE: &str =
    "SELECT escalation_id FROM escalation_state WHERE stage = ?1 ORDER BY escalation_id";

/// An open escalation database.
pub struct SqliteStore {
    conn: Connection,
    path: Option<PathBuf>,
    /// How the file is locked: every further connection to it (the caseload's second reader,
    /// a backup's copy) is keyed the same way, with the key derived once at open.
    key: Cipher,
    /// The real time, for `written_at` on audit entries (none: not recorded).
    wall_clock: Option<WallClock>,
    /// The database file, held open (after `conn`, so closed after it) for the lock taken
    /// while the database is set up; none in memory.
    file: Option<std::fs::File>,
}

/// Times are stored as RFC 3339 in UTC with milliseconds, so that text order is time order.
pub fn time_to_sql(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn time_from_sql(text: &str) -> Result<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| unreadable(format!("time \"{}\"", text.escape_debug())))
}

fn date_from_sql(text: &str) -> Result<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| unreadable(format!("date \"{}\"", text.escape_debug())))
}

fn word_from_sql<T: std::str::FromStr>(text: &str) -> Result<T> {
    text.parse()
        .map_err(|_| unreadable(format!("\"{}\"", text.escape_debug())))
}

/// escalate's SQLite `application_id` ("ESCL" in ASCII), stamped on every escalate database
/// by migration 8: a SQLite file without it (and without escalate's tables) is another
/// application's, and is refused untouched.
pub const APPLICATION_ID: i32 = 0x4553_434C;

/// The files SQLite keeps beside a database.
const SIDECARS: [&str; 3] = ["-wal", "-shm", "-journal"];

/// What a file at a database path is, before SQLite is let near it.
enum Found {
    /// An empty file, or a SQLite file with no tables at all (creation was interrupted).
    Blank,
    /// An escalate database (stamped, or from before the stamp, with escalate's tables).
    Escalate,
}

fn not_escalate(path: &Path, why: &str) -> StoreError {
    StoreError::Corrupt(format!(
        "{} is not an escalate database ({why}); it was left untouched",
        path.display()
    ))
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Opens an existing file for reading without following a symlink, so that what is examined
/// (and chmodded) is the file itself.
fn open_nofollow(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

/// Creates a new file, 0600 from its first byte, failing if anything (a symlink included) is
/// already there.
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path)
}

/// Refuses a symlink at `path` (planted, perhaps, by another user of a shared folder).
fn refuse_symlink(path: &Path) -> Result<Option<std::fs::Metadata>> {
    match std::fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => Err(StoreError::Refused(RecordError::new(
            "db",
            format!(
                "{} is a symbolic link; escalate does not follow links to its database (someone \
                 else may have planted it): give the real file's path with --db",
                path.display()
            ),
        ))),
        Ok(meta) => Ok(Some(meta)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(io(format!("cannot examine {}", path.display()))(e)),
    }
}

/// Whether this process may create files in `folder`.
fn is_writable(folder: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let Ok(name) = std::ffi::CString::new(folder.as_os_str().as_bytes()) else {
            return false;
        };
        // SAFETY: `name` is a valid NUL-terminated string that outlives the call; access(2)
        // only reads it.
        unsafe { libc::access(name.as_ptr(), libc::W_OK) == 0 }
    }
    #[cfg(not(unix))]
    {
        !std::fs::metadata(folder).is_ok_and(|m| m.permissions().readonly())
    }
}

fn folder_of(path: &Path) -> &Path {
    path.parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

fn not_writable(folder: &Path) -> StoreError {
    StoreError::Backend(format!(
        "the folder {} is not writable: escalate writes its database and the database's -wal and \
         -shm files there; make it writable, or give another place with --db",
        folder.display()
    ))
}

/// Creates the missing folders (each 0700) above `path`.
fn create_private_folders(path: &Path) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Every folder created here is made private, not only the innermost.
        let missing: Vec<&Path> = dir
            .ancestors()
            .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
            .collect();
        std::fs::create_dir_all(dir)
            .map_err(io(format!("cannot create the folder {}", dir.display())))?;
        for folder in missing {
            restrict(folder, 0o700)
                .map_err(io(format!("cannot make {} private", folder.display())))?;
        }
    }
    Ok(())
}

/// The 16 bytes every plain SQLite file starts with. An encrypted (SQLCipher) file starts with
/// its random salt instead: nothing about it can be read without the key.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// What lies at a database path, judged from its first bytes without changing anything: for
/// the CLI to know, before it opens the file, whether to ask for a passphrase (and twice, to
/// create one). The opening itself judges the file again, under its lock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// No file yet.
    Missing,
    /// An empty file (creation interrupted before the first byte).
    Empty,
    /// A plain SQLite file.
    Plaintext,
    /// Anything else: an encrypted database (or a file that is not a database at all, which
    /// the key will tell).
    Encrypted,
}

/// Looks at the first bytes of the file at `path` (never following a symlink, which is
/// refused by name).
pub fn probe(path: &Path) -> Result<Probe> {
    let Some(meta) = refuse_symlink(path)? else {
        return Ok(Probe::Missing);
    };
    if !meta.is_file() {
        return Err(not_escalate(path, "it is not a regular file"));
    }
    if meta.len() == 0 {
        return Ok(Probe::Empty);
    }
    let file = open_nofollow(path).map_err(io(format!("cannot open {}", path.display())))?;
    let mut header = [0_u8; 16];
    let mut reader = &file;
    match std::io::Read::read_exact(&mut reader, &mut header) {
        Ok(()) if &header == SQLITE_MAGIC => Ok(Probe::Plaintext),
        _ => Ok(Probe::Encrypted),
    }
}

/// The one answer to a passphrase that does not open a file: it may be the wrong one, or the
/// file may be someone else's. It never says which passphrase was tried.
fn wrong_passphrase(path: &Path) -> StoreError {
    StoreError::Corrupt(format!(
        "wrong passphrase for {} (or it is not an escalate database); nothing was changed",
        path.display()
    ))
}

/// Applies the key to a connection just opened, before anything reads the file. Plain: no key.
fn apply_key(conn: &Connection, key: &Cipher) -> Result<()> {
    if let Cipher::Raw { pragma, .. } = key {
        // SQLCipher would log a wrong key's failed page checks to standard error, beside the
        // one line escalate says; its log is turned off (the error still comes back here).
        let _ = conn.execute_batch("PRAGMA cipher_log_level = NONE");
        // The raw key (`x'…'`, derived once at open), so that no further connection pays for
        // the key derivation; rusqlite writes it as a quoted SQL literal, never as SQL.
        conn.pragma_update(None, "key", pragma.as_str())?;
    }
    Ok(())
}

/// The salt of an encrypted file: its first 16 bytes (SQLCipher's layout).
fn salt_of(header: &[u8]) -> Option<[u8; 16]> {
    header.get(..16)?.try_into().ok()
}

/// What an encrypted file is opened with: a passphrase-derived key (derived once at open),
/// with the file's salt, or a new random salt for a file about to be created.
fn cipher_for(key: &Key, header: Option<&[u8]>) -> Result<Cipher> {
    match key {
        Key::Plaintext => Ok(Cipher::Plain),
        Key::Passphrase(passphrase) => {
            let salt = header
                .and_then(salt_of)
                .unwrap_or_else(|| std::array::from_fn(|_| fastrand::u8(..)));
            cipher::derive(passphrase, salt)
        }
    }
}

/// Looks at the file claimed at `path` without changing it, under the setup lock: a non-empty
/// file that is not an escalate database is refused (another application's SQLite file is left
/// byte for byte as it was). An encrypted file has no readable header: with a passphrase, the
/// key decides (read through an untouching connection); without one, it is refused.
fn examine(path: &Path, file: &std::fs::File, key: &Key) -> Result<(Found, Cipher)> {
    let meta = file
        .metadata()
        .map_err(io(format!("cannot examine {}", path.display())))?;
    if !meta.is_file() {
        return Err(not_escalate(path, "it is not a regular file"));
    }
    if meta.len() == 0 {
        return Ok((Found::Blank, cipher_for(key, None)?));
    }
    let mut header = [0_u8; 100];
    let mut reader = file;
    let whole = std::io::Read::read_exact(&mut reader, &mut header).is_ok();
    let is_sqlite = whole && header.starts_with(SQLITE_MAGIC);
    match (is_sqlite, key) {
        (false, Key::Plaintext) => {
            return Err(not_escalate(
                path,
                "it is not a plain SQLite database; if it is an encrypted escalate database, \
                 give its passphrase (ESCALATE_PASSPHRASE_FILE, or type it when asked)",
            ));
        }
        (false, Key::Passphrase(_)) if !whole => return Err(wrong_passphrase(path)),
        (false, Key::Passphrase(_)) => {
            let cipher = cipher_for(key, Some(&header))?;
            return Ok((examine_encrypted(path, &cipher)?, cipher));
        }
        (true, Key::Passphrase(_)) => {
            return Err(StoreError::Corrupt(format!(
                "{} is not encrypted, but a passphrase was given for it; run escalate encrypt \
                 to encrypt it, or open it without ESCALATE_PASSPHRASE_FILE",
                path.display()
            )));
        }
        (true, Key::Plaintext) => {}
    }
    let application_id = i32::from_be_bytes([header[68], header[69], header[70], header[71]]);
    if application_id == APPLICATION_ID {
        return Ok((Found::Escalate, Cipher::Plain));
    }
    if application_id != 0 {
        return Err(not_escalate(path, "it belongs to another application"));
    }
    // Not stamped: from before migration 8, or another application's. Read its table names
    // through an immutable, read-only connection, which takes no lock and creates no file; a
    // read torn by another process's checkpoint is tried again.
    let mut tables = table_names_untouched(path);
    for _ in 0..5 {
        if tables.is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        tables = table_names_untouched(path);
    }
    let tables = tables.map_err(|_| not_escalate(path, "it is damaged"))?;
    if tables.is_empty() {
        Ok((Found::Blank, Cipher::Plain))
    } else if tables.iter().any(|t| t == "escalations") && tables.iter().any(|t| t == "audit") {
        Ok((Found::Escalate, Cipher::Plain))
    } else {
        Err(not_escalate(path, "it belongs to another application"))
    }
}

/// An encrypted file is judged through the key: the key is tried on an untouching connection
/// (so a foreign file, or a wrong passphrase, leaves the file, its mode and its folder as they
/// were), then its `application_id` says whose it is.
fn examine_encrypted(path: &Path, key: &Cipher) -> Result<Found> {
    let mut read = header_untouched(path, key);
    // A read torn by another process's checkpoint is tried again, as for a plain file.
    for _ in 0..5 {
        if read.is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(20));
        read = header_untouched(path, key);
    }
    let Ok((application_id, tables)) = read else {
        return Err(wrong_passphrase(path));
    };
    let has = |name: &str| tables.iter().any(|t| t == name);
    match application_id {
        APPLICATION_ID => Ok(Found::Escalate),
        // Created, not yet stamped (its first write may still be in the log).
        0 if tables.is_empty() => Ok(Found::Blank),
        // From before the stamp (migration 8), as for a plain file.
        0 if has("escalations") && has("audit") => Ok(Found::Escalate),
        _ => Err(not_escalate(path, "it belongs to another application")),
    }
}

/// The `application_id` and the table names of an encrypted file, read without writing,
/// locking or creating anything.
fn header_untouched(path: &Path, key: &Cipher) -> Result<(i32, Vec<String>)> {
    let conn = untouching_connection(path)?;
    apply_key(&conn, key)?;
    let application_id = conn.pragma_query_value(None, "application_id", |row| row.get(0))?;
    let mut statement = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
    let tables = statement
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok((application_id, tables))
}

/// A read-only connection that takes no lock and creates no file (`immutable=1`).
fn untouching_connection(path: &Path) -> rusqlite::Result<Connection> {
    use rusqlite::OpenFlags;
    let mut uri = String::from("file:");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' | '?' | '#' => uri.push_str(&format!("%{:02X}", u32::from(c))),
            _ => uri.push(c),
        }
    }
    uri.push_str("?immutable=1");
    Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NOFOLLOW,
    )
}

/// The table names in a SQLite file, read without writing, locking or creating anything.
fn table_names_untouched(path: &Path) -> rusqlite::Result<Vec<String>> {
    let conn = untouching_connection(path)?;
    let mut statement = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
    statement
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()
}

/// Makes an existing escalate database and its sidecars 0600 *before* SQLite opens them:
/// SQLite gives a new -wal or -shm file the database file's permissions (chmodding it to
/// match, whatever the umask), so a looser database file would leak into its log for as long
/// as it took to tighten it afterwards. A sidecar that is a symlink is refused.
fn tighten_before_open(path: &Path, file: &std::fs::File) -> Result<()> {
    restrict_file(file, 0o600).map_err(io(format!("cannot make {} private", path.display())))?;
    for suffix in SIDECARS {
        let sidecar = with_suffix(path, suffix);
        if let Some(meta) = refuse_symlink(&sidecar)?
            && meta.is_file()
        {
            let handle = match open_nofollow(&sidecar) {
                Ok(handle) => handle,
                // Removed meanwhile by the last escalate to close the database: nothing to do.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io(format!("cannot open {}", sidecar.display()))(e)),
            };
            restrict_file(&handle, 0o600)
                .map_err(io(format!("cannot make {} private", sidecar.display())))?;
        }
    }
    Ok(())
}

#[cfg(unix)]
fn restrict_file(file: &std::fs::File, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let current = file.metadata()?.permissions().mode() & 0o777;
    if current & !mode != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict_file(_file: &std::fs::File, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let current = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if current & !mode != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn restrict(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// Opens the file at `path` without following links, creating it (0600, in private folders)
/// when it is missing and `may_create`.
fn claim(path: &Path, may_create: bool) -> Result<std::fs::File> {
    let opened = match refuse_symlink(path)? {
        None if !may_create => {
            return Err(StoreError::Backend(format!(
                "there is no escalation database at {} yet; record a first escalation with \
                 escalate new, or check --db",
                path.display()
            )));
        }
        None => {
            create_private_folders(path)?;
            match create_private(path) {
                // Another escalate created it a moment ago.
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => open_nofollow(path),
                Err(_) if !is_writable(folder_of(path)) => {
                    return Err(not_writable(folder_of(path)));
                }
                other => other,
            }
        }
        Some(meta) if !meta.is_file() => {
            return Err(not_escalate(path, "it is not a regular file"));
        }
        Some(_) => open_nofollow(path),
    };
    opened.or_else(|e| {
        // Swapped for a symlink since it was looked at: say so.
        refuse_symlink(path)?;
        Err(io(format!("cannot open {}", path.display()))(e))
    })
}

/// Examines the claimed file and makes it private, ready for SQLite (under the setup lock).
fn prepare(path: &Path, file: &std::fs::File, may_create: bool, key: &Key) -> Result<Cipher> {
    let (found, cipher) = examine(path, file, key)?;
    // A file with no tables yet but a log holding its first write (the process that created it
    // has not copied the log back yet) is SQLite's to read.
    if matches!(found, Found::Blank) && !may_create && !has_log(path) {
        return Err(not_escalate(
            path,
            "it is empty: a copy or backup that did not finish leaves an empty file",
        ));
    }
    tighten_before_open(path, file)?;
    if !is_writable(folder_of(path)) {
        return Err(not_writable(folder_of(path)));
    }
    Ok(cipher)
}

/// Whether a non-empty write-ahead log lies beside `path`.
fn has_log(path: &Path) -> bool {
    std::fs::symlink_metadata(with_suffix(path, "-wal")).is_ok_and(|m| m.is_file() && m.len() > 0)
}

/// Opens `path` with SQLite, which refuses a symlink there too (the file may have been swapped
/// since it was examined), and keys it before anything else touches the file.
fn open_connection(path: &Path, key: &Cipher) -> Result<Connection> {
    use rusqlite::OpenFlags;
    let conn =
        Connection::open_with_flags(path, OpenFlags::default() | OpenFlags::SQLITE_OPEN_NOFOLLOW)?;
    apply_key(&conn, key)?;
    Ok(conn)
}

impl SqliteStore {
    /// Opens (creating if need be) the plain database at `path`: for the demo database, tests
    /// and benchmarks. The app opens real records with [`SqliteStore::open_keyed`].
    pub fn open(path: &Path) -> Result<Self> {
        Self::open_file(path, true, Key::Plaintext)
    }

    /// Opens the plain escalate database at `path`, which must exist and hold one.
    pub fn open_existing(path: &Path) -> Result<Self> {
        Self::open_file(path, false, Key::Plaintext)
    }

    /// Opens the database at `path` with `key` (creating it, encrypted unless the key is
    /// plain, when it is missing and `may_create`), and brings its schema up to date. A
    /// database from a newer version, a symlink, a wrong passphrase and a file that is not an
    /// escalate database are refused before anything is written to them; a missing or empty
    /// file is refused, not created, unless `may_create`.
    pub fn open_keyed(path: &Path, key: Key, may_create: bool) -> Result<Self> {
        Self::open_file(path, may_create, key)
    }

    /// Whether the database is plain (not encrypted).
    pub fn is_plaintext(&self) -> bool {
        self.key.is_plaintext()
    }

    fn open_file(path: &Path, may_create: bool, key: Key) -> Result<Self> {
        let file = claim(path, may_create)?;
        // Examination, first-time creation and migration happen under an exclusive lock on the
        // file, so that several escalate commands started at once on a new database take turns:
        // SQLite's switch to WAL and the first schema write are not covered by its busy timeout,
        // and a half-created file must not be judged by another process. The lock (flock) is
        // apart from SQLite's own (fcntl) locks, and the file stays open until the connection
        // is closed, so closing it cannot drop SQLite's locks.
        file.lock()
            .map_err(io(format!("cannot lock {}", path.display())))?;
        let configured = prepare(path, &file, may_create, &key).and_then(|cipher| {
            let conn = open_connection(path, &cipher)?;
            Self::configure(conn, Some(path.to_owned()), cipher)
        });
        let _ = file.unlock();
        let mut store = configured?;
        store.file = Some(file);
        Ok(store)
    }

    /// A private database in memory, for tests and benchmarks.
    pub fn open_in_memory() -> Result<Self> {
        Self::configure(Connection::open_in_memory()?, None, Cipher::Plain)
    }

    fn configure(conn: Connection, path: Option<PathBuf>, key: Cipher) -> Result<Self> {
        let shown = path
            .as_ref()
            .map_or_else(|| ":memory:".to_owned(), |p| p.display().to_string());
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let header = conn.query_row(
            "SELECT (SELECT user_version FROM pragma_user_version), \
                    (SELECT application_id FROM pragma_application_id), \
                    (SELECT count(*) FROM sqlite_master)",
            [],
            |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, i32>(1)?,
                    row.get::<_, i64>(2)?,
                ))
            },
        );
        let (version, application_id, objects) = header.map_err(|e| {
            let is_not_database = e.sqlite_error_code() == Some(rusqlite::ErrorCode::NotADatabase);
            if let (Some(p), false, true) = (path.as_deref(), key.is_plaintext(), is_not_database) {
                wrong_passphrase(p)
            } else if path.as_deref().is_some_and(|p| !is_writable(folder_of(p))) {
                not_writable(folder_of(path.as_deref().unwrap_or(Path::new("."))))
            } else {
                StoreError::Corrupt(format!(
                    "{shown} is not an escalate database (or is damaged): {e}"
                ))
            }
        })?;
        // What the file's header showed may be older than its log: look again through SQLite.
        if application_id != APPLICATION_ID
            && (application_id != 0 || (version == 0 && objects > 0))
        {
            return Err(StoreError::Corrupt(format!(
                "{shown} is not an escalate database (it belongs to another application); it was left untouched"
            )));
        }
        let known = schema::current_version();
        if version > known {
            return Err(StoreError::NewerSchema {
                path: shown,
                found: version,
                known,
            });
        }
        let _mode: String =
            conn.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // What is deleted is overwritten, not left in free pages: a draft the DSL threw away
        // (the only rows escalate ever deletes) must not linger in the file or its backups.
        conn.pragma_update(None, "secure_delete", "ON")?;
        // 2 MiB of page cache, SQLite's default. 8 MiB once paid when the caseload was read in
        // two halves, each re-reading the same index pages for every table; read in eight short
        // runs of ids, a run's pages are few, and the larger cache only cost its memory: at
        // 100,000 escalations, 2 MiB against 8 took the dashboard's peak from 76 to 67 MiB, its
        // first frame from 106-113 ms to 86-98 ms, and `list --overdue` from 0.091 s to 0.082 s
        // (alternated; BENCHMARKS.md, session 7).
        conn.pragma_update(None, "cache_size", -2_048)?;
        let mut store = Self {
            conn,
            path,
            key,
            wall_clock: None,
            file: None,
        };
        store.migrate(version)?;
        Ok(store)
    }

    fn migrate(&mut self, from: i64) -> Result<()> {
        let migrations = schema::migrations();
        if from >= schema::current_version() {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have migrated while this one waited for the lock.
        let version: i64 = tx.pragma_query_value(None, "user_version", |row| row.get(0))?;
        for (index, sql) in migrations.iter().enumerate() {
            let number = i64::try_from(index).unwrap_or(i64::MAX) + 1;
            if number > version {
                tx.execute_batch(sql)?;
                tx.pragma_update(None, "user_version", number)?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// When this write is really happening, by the wall clock given (`None` without one).
    fn written_at(&self) -> Option<DateTime<Utc>> {
        self.wall_clock.as_ref().map(|clock| clock())
    }
}

impl Store for SqliteStore {
    fn set_wall_clock(&mut self, clock: WallClock) {
        self.wall_clock = Some(clock);
    }

    fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Records a new escalation; returns its id.
    fn create(&mut self, new: &NewEscalation, actor: &str, now: DateTime<Utc>) -> Result<i64> {
        let written_at = self.written_at();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id = write_new(&tx, new, actor, now, written_at)?;
        tx.commit()?;
        Ok(id)
    }

    /// Plans and writes several changes to one escalation in one immediate transaction, each
    /// with its own audit entry: a discussion and the actions agreed in it are saved together
    /// or not at all. `plan` sees the escalation as it stands; the changes are written in the
    /// order given. Returns each change with the id of the row it wrote.
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
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut escalation = load(&tx, id)?;
        let changes = plan(&escalation)?;
        let mut written = Vec::with_capacity(changes.len());
        for mut change in changes {
            let (action, table, row) = write_change(&tx, &escalation, &mut change, actor, now)?;
            audit::append(
                &tx,
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
        // Any change may leave something owed: the dashboard looks again until it is settled.
        tx.execute(
            "UPDATE escalation_state SET needs_attention = 1 WHERE escalation_id = ?1",
            params![id],
        )?;
        tx.commit()?;
        Ok(written)
    }

    /// Records many new escalations, each with its changes, in ONE immediate transaction: for
    /// filling a database in bulk (`escalate demo --count`), where a sync to disk for every row
    /// would take hours. Each escalation is written as [`Store::create`] writes it, and each
    /// change as [`Store::change_all`] writes it, with the same audit entries in the same chain.
    ///
    /// Each item is a checked new escalation with its `plan`, or the reason it could not be made.
    /// `plan` is asked for the escalation's next change, shown the escalation as written so far
    /// (kept in memory, exactly as it would load), until it answers `None`. An item's error, a
    /// refused change or any other error writes nothing at all. Returns the new ids, in order.
    fn import<I, P>(&mut self, items: I, actor: &str, now: DateTime<Utc>) -> Result<Vec<i64>>
    where
        Self: Sized,
        I: IntoIterator<Item = std::result::Result<(NewEscalation, P), RecordError>>,
        P: FnMut(&Escalation) -> std::result::Result<Option<Change>, RecordError>,
    {
        // Every statement is prepared once for the whole import, not once a row.
        self.conn.set_prepared_statement_cache_capacity(64);
        let written_at = self.written_at();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut ids = Vec::new();
        for item in items {
            let (new, mut plan) = item?;
            let id = write_new(&tx, &new, actor, now, written_at)?;
            let mut escalation = as_written(id, new, actor, now);
            while let Some(mut change) = plan(&escalation)? {
                let (action, table, row) = write_change(&tx, &escalation, &mut change, actor, now)?;
                // `needs_attention` is already 1, as `change` would set it.
                audit::append(
                    &tx,
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

    /// One escalation, with its whole record and amendments applied.
    fn escalation(&self, id: i64) -> Result<Escalation> {
        load(&self.conn, id)
    }

    /// Escalations in id order: the open ones, or all with `include_closed`.
    fn escalations(&self, filter: Filter) -> Result<Vec<Escalation>> {
        let sql = match (filter.include_closed, filter.stage.is_some()) {
            (false, false) => OPEN_IDS,
            (false, true) => OPEN_IDS_AT_STAGE,
            (true, false) => ALL_IDS,
            (true, true) => ALL_IDS_AT_STAGE,
        };
        let stage: Vec<i64> = filter.stage.map(i64::from).into_iter().collect();
        load_many(&self.conn, sql, &stage)
    }

    fn closed_after(&self, after: i64, stage: Option<u8>, limit: usize) -> Result<Vec<Escalation>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        match stage {
            None => load_many(&self.conn, CLOSED_IDS_AFTER, &[after, limit]),
            Some(stage) => load_many(
                &self.conn,
                CLOSED_IDS_AFTER_AT_STAGE,
                &[after, limit, i64::from(stage)],
            ),
        }
    }

    /// What the dashboard shows: every open escalation, and any closed one that may still owe a
    /// notification. Read through an index, with one query a table.
    fn caseload(&self) -> Result<Vec<Escalation>> {
        let parts = self.caseload_with(&|part| part)?;
        Ok(parts.into_iter().flatten().collect())
    }

    fn caseload_with<T: Send>(
        &self,
        prepare: &(dyn Fn(Vec<Escalation>) -> T + Sync),
    ) -> Result<Vec<T>> {
        // A large caseload is read in parts by two threads at once, the second on a
        // connection of its own, each taking the next part as it finishes one and preparing
        // it there: on a two-core machine the wait is roughly halved. Each part is one
        // consistent snapshot; a write landing between them is picked up by the next reload.
        let ids: Vec<i64> = self
            .conn
            .prepare_cached(ATTENTION_IDS)?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let Some(path) = self
            .path
            .as_deref()
            .filter(|_| ids.len() as i64 >= PARALLEL_LOAD_FROM)
        else {
            return Ok(vec![prepare(load_many(&self.conn, ATTENTION_IDS, &[])?)]);
        };
        let parts = parts_of(ids);
        let next = std::sync::atomic::AtomicUsize::new(0);
        // Takes parts until none is left, keeping each one's index to put them back in order.
        let work = |conn: &Connection| -> Result<Vec<(usize, T)>> {
            let mut done = Vec::new();
            loop {
                let index = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&(from, to)) = parts.get(index) else {
                    return Ok(done);
                };
                let part = load_many(conn, ATTENTION_IDS_BETWEEN, &[from, to])?;
                done.push((index, prepare(part)));
            }
        };
        let key = &self.key;
        let (first, second) = std::thread::scope(|scope| {
            let second = scope.spawn(|| -> Result<Vec<(usize, T)>> {
                let conn = open_reader(path, key)?;
                conn.pragma_update(None, "cache_size", -2_048)?;
                work(&conn)
            });
            let first = work(&self.conn);
            let second = second
                .join()
                .map_err(|_| StoreError::Backend("the second loading thread failed".to_owned()));
            (first, second)
        });
        let mut done = first?;
        done.extend(second??);
        done.sort_by_key(|(index, _)| *index);
        Ok(done.into_iter().map(|(_, part)| part).collect())
    }

    /// Records that `actor` finished a morning review at `now`: a row in `reviews` and the audit
    /// entry "reviewed by NAME: 7 items, 3 acted on, 4 outstanding" (of no one escalation), in
    /// one immediate transaction. Returns the review's id.
    fn record_review(
        &mut self,
        summary: &ReviewSummary,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let written_at = self.written_at();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO reviews (at, horizon_working_days, items, acted_on, outstanding, recorded_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                time_to_sql(now),
                summary.horizon().working_days(),
                summary.items(),
                summary.acted_on(),
                summary.outstanding(),
                actor
            ],
        )?;
        let id = tx.last_insert_rowid();
        let text = format!("reviewed by {actor}: {}", summary.describe());
        let when = (now, written_at);
        audit::append(&tx, when, actor, None, "review", &text, "reviews", id)?;
        tx.commit()?;
        Ok(id)
    }

    /// Keeps what has been typed into a form (replacing the form's earlier draft), so that it
    /// survives the app closing, crashing or being killed. Returns the draft's id.
    fn save_draft(&mut self, draft: &Draft, actor: &str, now: DateTime<Utc>) -> Result<i64> {
        let fields = serde_json::to_string(&draft.fields).map_err(|e| unreadable(e.to_string()))?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "INSERT INTO drafts (form, escalation_id, fields, saved_at, saved_by) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (form, ifnull(escalation_id, 0))
             DO UPDATE SET fields = excluded.fields, saved_at = excluded.saved_at, saved_by = excluded.saved_by",
            params![draft.form, draft.escalation_id, fields, time_to_sql(now), actor],
        )?;
        let id = tx.query_row(
            "SELECT id FROM drafts WHERE form = ?1 AND ifnull(escalation_id, 0) = ifnull(?2, 0)",
            params![draft.form, draft.escalation_id],
            |row| row.get(0),
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Every draft left from an earlier session, oldest first, to offer back.
    fn drafts(&self) -> Result<Vec<Draft>> {
        let mut statement = self
            .conn
            .prepare_cached("SELECT id, form, escalation_id, fields, saved_at, saved_by FROM drafts ORDER BY saved_at, id")?;
        let rows = statement.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
            ))
        })?;
        let mut drafts = Vec::new();
        for row in rows {
            let (id, form, escalation_id, fields, saved_at, saved_by) = row?;
            drafts.push(Draft {
                id: Some(id),
                form,
                escalation_id,
                fields: serde_json::from_str(&fields)
                    .map_err(|_| unreadable(format!("draft {id}")))?,
                saved_at: Some(time_from_sql(&saved_at)?),
                saved_by: Some(saved_by),
            });
        }
        Ok(drafts)
    }

    /// Throws away the draft of a form (once it is saved, or when the user discards it).
    fn discard_draft_of(&mut self, form: &str, escalation_id: Option<i64>) -> Result<()> {
        self.conn.execute(
            "DELETE FROM drafts WHERE form = ?1 AND ifnull(escalation_id, 0) = ifnull(?2, 0)",
            params![form, escalation_id],
        )?;
        Ok(())
    }

    /// Throws a draft away (once its form is saved, or when the user discards it).
    fn discard_draft(&mut self, id: i64) -> Result<()> {
        self.conn
            .execute("DELETE FROM drafts WHERE id = ?1", params![id])?;
        Ok(())
    }

    /// A number that changes whenever another connection commits to the database (SQLite's
    /// `data_version`): how the dashboard notices a record added from another terminal.
    fn data_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "data_version", |row| row.get(0))?)
    }

    /// Marks closed escalations as needing no attention (they owe nothing and have no agreed
    /// action left undone), so the dashboard
    /// stops loading them. Any later change to one marks it again.
    fn settle(&mut self, closed: &[i64]) -> Result<()> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        {
            let mut statement = tx.prepare_cached(
                "UPDATE escalation_state SET needs_attention = 0 WHERE escalation_id = ?1 AND is_open = 0",
            )?;
            for id in closed {
                statement.execute(params![id])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The audit trail, oldest first: of one escalation, or of the whole database.
    fn audit_trail(&self, escalation: Option<i64>) -> Result<Vec<AuditEntry>> {
        audit::entries(&self.conn, escalation)
    }

    /// Checks SQLite's integrity, the audit chain, and every record row against its audit entry.
    fn audit_head(&self) -> Result<Head> {
        audit::head(&self.conn)
    }

    fn audit_hash(&self, id: i64) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT hash FROM audit WHERE id = ?1", params![id], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// SQLite's integrity check of the file and the audit walk, at once on a file (the check
    /// on a read-only connection of its own): each reads the whole file, and the two cores of a
    /// school laptop make `verify` take about as long as the longer of them (issue 17).
    fn verify(&self) -> Result<Verification> {
        let Some(path) = self.path.as_deref() else {
            return audit::verify(&self.conn);
        };
        let key = &self.key;
        let open = move || open_reader(path, key);
        std::thread::scope(|scope| {
            // Beside the walk over the entries, each on a connection of its own: SQLite's check,
            // then the cache; and the rows the entries recorded, and those none recorded.
            let check = scope.spawn(move || -> Result<(Option<String>, Option<String>)> {
                let conn = open()?;
                if let Some(problem) = audit::integrity_problem(&conn)? {
                    return Ok((Some(problem), None));
                }
                Ok((None, audit::cache_problem(&conn)?))
            });
            let rows = scope.spawn(move || audit::walk_rows(&open()?));
            let walked = audit::walk_entries(&self.conn);
            let failed = |what: &str| StoreError::Backend(format!("the {what} thread failed"));
            let rows = rows.join().map_err(|_| failed("row walk's"));
            let (integrity, afterwards) =
                check.join().map_err(|_| failed("integrity check's"))??;
            // Said in the order they were always checked: a damaged file first (what the walk
            // read from it means little), then the chain, then the rest.
            if let Some(problem) = integrity {
                return Ok(audit::integrity_failed(problem));
            }
            let rows = rows??;
            let walked = audit::joined(walked?, rows.problem)?;
            if walked.problem.is_some() {
                return Ok(walked);
            }
            // The rows no entry recorded, as the row walk found them (or, if it could not tell,
            // as the query finds them), then the cache.
            let unrecorded = match rows.unrecorded {
                Some(unrecorded) => unrecorded,
                None => audit::unrecorded_problem(&self.conn)?,
            };
            let afterwards = unrecorded.or(afterwards);
            Ok(Verification {
                problem: afterwards,
                ..walked
            })
        })
    }

    /// Writes a consistent copy to `destination` (which must not exist yet), readable only by
    /// its owner, while other processes go on using the database. The copy is written to a
    /// private temporary file in the same folder, synced, and only then linked into place, so a
    /// backup that fails (a full disk) leaves no file behind, never a partial or empty one.
    fn backup(&self, destination: &Path) -> Result<()> {
        let exists = || {
            StoreError::Refused(RecordError::new(
                "backup",
                format!(
                    "{} already exists; choose a new file name so that nothing is overwritten",
                    destination.display()
                ),
            ))
        };
        if refuse_symlink(destination)?.is_some() {
            return Err(exists());
        }
        create_private_folders(destination)?;
        let name = destination
            .file_name()
            .map_or_else(|| "backup".into(), |n| n.to_string_lossy().into_owned());
        let partial =
            folder_of(destination).join(format!(".{name}.partial-{:016x}", fastrand::u64(..)));
        let file = create_private(&partial).map_err(|e| {
            if is_writable(folder_of(destination)) {
                io(format!("cannot create {}", partial.display()))(e)
            } else {
                not_writable(folder_of(destination))
            }
        })?;
        let written = (|| -> Result<()> {
            // An encrypted database is copied encrypted, under the same key.
            let mut copy = open_connection(&partial, &self.key)?;
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut copy)?;
            // One step copies every page under a single read transaction: a consistent snapshot.
            backup.step(-1)?;
            drop(backup);
            copy.pragma_update(None, "journal_mode", "DELETE")?;
            drop(copy);
            file.sync_all()
                .map_err(io(format!("cannot write {}", partial.display())))?;
            // A hard link, unlike a rename, never replaces a file that appeared meanwhile.
            std::fs::hard_link(&partial, destination).map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    exists()
                } else {
                    io(format!("cannot create {}", destination.display()))(e)
                }
            })?;
            Ok(())
        })();
        let _ = std::fs::remove_file(&partial);
        for suffix in SIDECARS {
            let _ = std::fs::remove_file(with_suffix(&partial, suffix));
        }
        written?;
        if let Ok(folder) = std::fs::File::open(folder_of(destination)) {
            let _ = folder.sync_all();
        }
        Ok(())
    }
}

/// Writes a new escalation at stage 1 with its audit entry: what [`Store::create`] and
/// [`Store::import`] both write. Returns its id.
fn write_new(
    tx: &rusqlite::Transaction<'_>,
    new: &NewEscalation,
    actor: &str,
    now: DateTime<Utc>,
    written_at: Option<DateTime<Utc>>,
) -> Result<i64> {
    run_cached(
        tx,
        "INSERT INTO escalations (procedure, partnership, child_name, child_dob, child_ref, raised_by, agency,
            raised_with, category, summary, outcome_sought, concern_at, raised_at, immediate_risk, recorded_by, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
        params![
            new.procedure,
            new.partnership,
            new.child.name,
            new.child.dob.map(|d| d.to_string()),
            new.child.reference,
            new.raised_by,
            new.agency,
            new.raised_with,
            new.category.as_str(),
            new.summary,
            new.outcome_sought,
            new.concern_at.map(time_to_sql),
            time_to_sql(new.raised_at),
            new.immediate_risk,
            actor,
            time_to_sql(now),
        ],
    )?;
    let id = tx.last_insert_rowid();
    run_cached(
        tx,
        "INSERT INTO escalation_state (escalation_id, is_open, stage, needs_attention) VALUES (?1, 1, 1, 1)",
        params![id],
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

/// Runs one of the statements that write the record, prepared once per connection (not once a
/// row, which matters when [`Store::import`] writes thousands).
fn run_cached(
    tx: &rusqlite::Transaction<'_>,
    sql: &str,
    params: impl rusqlite::Params,
) -> Result<()> {
    tx.prepare_cached(sql)?.execute(params)?;
    Ok(())
}

/// Writes `change`; a correction that takes a row out of the record as it reads is given the
/// id of the row it found (`target_id`), so the in-memory copy matches what loads.
fn write_change(
    tx: &rusqlite::Transaction<'_>,
    escalation: &Escalation,
    change: &mut Change,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(&'static str, &'static str, i64)> {
    let id = escalation.id;
    let recorded_at = time_to_sql(now);
    let mut resolved_target = None;
    let written = match &*change {
        Change::Advance {
            to_stage,
            at,
            reason,
        } => {
            run_cached(
                tx,
                "INSERT INTO stage_changes (escalation_id, to_stage, at, reason, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, to_stage, time_to_sql(*at), reason, actor, recorded_at],
            )?;
            let row = tx.last_insert_rowid();
            run_cached(
                tx,
                "UPDATE escalation_state SET stage = ?2 WHERE escalation_id = ?1",
                params![id, to_stage],
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
            run_cached(
                tx,
                "INSERT INTO discussions (escalation_id, at, participants, mode, notes, decisions, is_agreement, stage, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![id, time_to_sql(*at), participants, mode.as_str(), notes, decisions, is_agreement, stage, actor, recorded_at],
            )?;
            ("discussion", "discussions", tx.last_insert_rowid())
        }
        Change::AddAction {
            what,
            owner,
            due_on,
        } => {
            run_cached(
                tx,
                "INSERT INTO actions (escalation_id, what, owner, due_on, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, what, owner, due_on.to_string(), actor, recorded_at],
            )?;
            ("action agreed", "actions", tx.last_insert_rowid())
        }
        Change::CompleteAction { action_id, at } => {
            run_cached(
                tx,
                "INSERT INTO action_completions (action_id, escalation_id, at, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![action_id, id, time_to_sql(*at), actor, recorded_at],
            )?;
            ("action done", "action_completions", tx.last_insert_rowid())
        }
        Change::NotificationSent {
            notification,
            at,
            method,
            reference,
        } => {
            run_cached(
                tx,
                "INSERT INTO notifications_sent (escalation_id, notification, sent_at, method, reference, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, notification, time_to_sql(*at), method.as_str(), reference, actor, recorded_at],
            )?;
            (
                "notification sent",
                "notifications_sent",
                tx.last_insert_rowid(),
            )
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
            run_cached(
                tx,
                "INSERT INTO outcomes (escalation_id, kind, at, stage, how, learning, parents_informed, why_not, child_record_updated, recorded_by, recorded_at)
                 VALUES (?1, 'resolved', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![id, time_to_sql(*at), stage, how, learning, parents_informed, why_not, child_record_updated, actor, recorded_at],
            )?;
            let row = tx.last_insert_rowid();
            run_cached(
                tx,
                "UPDATE escalation_state SET is_open = 0 WHERE escalation_id = ?1",
                params![id],
            )?;
            ("resolved", "outcomes", row)
        }
        Change::Withdraw { at, stage, why } => {
            run_cached(
                tx,
                "INSERT INTO outcomes (escalation_id, kind, at, stage, how, recorded_by, recorded_at) VALUES (?1, 'withdrawn', ?2, ?3, ?4, ?5, ?6)",
                params![id, time_to_sql(*at), stage, why, actor, recorded_at],
            )?;
            let row = tx.last_insert_rowid();
            run_cached(
                tx,
                "UPDATE escalation_state SET is_open = 0 WHERE escalation_id = ?1",
                params![id],
            )?;
            ("withdrawn", "outcomes", row)
        }
        Change::Detail { field, value } => {
            run_cached(
                tx,
                "INSERT INTO escalation_details (escalation_id, field, value, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, field, value, actor, recorded_at],
            )?;
            ("detail", "escalation_details", tx.last_insert_rowid())
        }
        Change::Attach {
            notification,
            name,
            sha256,
            text,
        } => {
            // The notification recorded as sent just before, in this transaction.
            let sent: i64 = tx
                .query_row(
                    "SELECT max(id) FROM notifications_sent WHERE escalation_id = ?1 AND notification = ?2",
                    params![id, notification],
                    |r| r.get::<_, Option<i64>>(0),
                )?
                .ok_or_else(|| {
                    StoreError::Refused(RecordError::new(
                        "attach",
                        format!("notification {notification} is not recorded as sent"),
                    ))
                })?;
            run_cached(
                tx,
                "INSERT INTO attachments (escalation_id, notification_sent_id, notification, name, sha256, text, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![id, sent, notification, name, sha256, text, actor, recorded_at],
            )?;
            ("form attached", "attachments", tx.last_insert_rowid())
        }
        Change::Amend {
            field,
            old_value,
            new_value,
            why,
        } => {
            run_cached(
                tx,
                "INSERT INTO amendments (escalation_id, field, old_value, new_value, why, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, field, old_value, new_value, why, actor, recorded_at],
            )?;
            ("amended", "amendments", tx.last_insert_rowid())
        }
        Change::Correct {
            kind,
            target_id,
            target,
            old_value,
            new_value,
            why,
        } => {
            // A removal names the row it takes out of the record as it reads: the latest stage
            // move, the notification recorded as sent, or the outcome, each not already corrected.
            let found = |sql: &str, extra: &dyn rusqlite::ToSql| -> Result<i64> {
                tx.query_row(sql, params![id, extra], |r| r.get::<_, i64>(0))
                    .map_err(|e| match e {
                        rusqlite::Error::QueryReturnedNoRows => {
                            StoreError::Refused(RecordError::new(
                                "correction",
                                "there is nothing on the record to correct",
                            ))
                        }
                        other => other.into(),
                    })
            };
            let resolved = match kind {
                CorrectionKind::StageUndone => found(
                    &format!(
                        "SELECT id FROM stage_changes WHERE escalation_id = ?1 AND ?2 = ?2 AND {} ORDER BY at DESC, id DESC LIMIT 1",
                        live("stage_changes", "stage-undone")
                    ),
                    &0,
                )?,
                CorrectionKind::NotificationNotSent => found(
                    &format!(
                        "SELECT id FROM notifications_sent WHERE escalation_id = ?1 AND notification = ?2 AND {} ORDER BY id DESC LIMIT 1",
                        live("notifications_sent", "notification-not-sent")
                    ),
                    target,
                )?,
                CorrectionKind::Reopened => found(
                    &format!(
                        "SELECT id FROM outcomes WHERE escalation_id = ?1 AND ?2 = ?2 AND {} ORDER BY id DESC LIMIT 1",
                        live("outcomes", "reopened")
                    ),
                    &0,
                )?,
                _ => *target_id,
            };
            resolved_target = Some(resolved);
            run_cached(
                tx,
                "INSERT INTO corrections (escalation_id, kind, target_id, target, old_value, new_value, why, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![id, kind.as_str(), resolved, target, old_value, new_value, why, actor, recorded_at],
            )?;
            let row = tx.last_insert_rowid();
            match kind {
                CorrectionKind::StageUndone => {
                    let mut after = escalation.clone();
                    after.stage_changes.pop();
                    run_cached(
                        tx,
                        "UPDATE escalation_state SET stage = ?2 WHERE escalation_id = ?1",
                        params![id, after.stage()],
                    )?;
                }
                CorrectionKind::Reopened => run_cached(
                    tx,
                    "UPDATE escalation_state SET is_open = 1 WHERE escalation_id = ?1",
                    params![id],
                )?,
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
            run_cached(
                tx,
                "INSERT INTO notes (escalation_id, kind, clock, at, text, recorded_by, recorded_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    id,
                    kind_word,
                    clock,
                    time_to_sql(*at),
                    text,
                    actor,
                    recorded_at
                ],
            )?;
            ("note", "notes", tx.last_insert_rowid())
        }
    };
    if let (Some(resolved), Change::Correct { target_id, .. }) = (resolved_target, change) {
        *target_id = resolved;
    }
    Ok(written)
}

/// The SQL condition that a row of `table` has not been taken out of the record as it reads by
/// a correction of `kind` (the row itself is kept).
fn live(table: &str, kind: &str) -> String {
    format!(
        "{table}.id NOT IN (SELECT target_id FROM corrections WHERE corrections.escalation_id = {table}.escalation_id AND kind = '{kind}')"
    )
}

fn text(row: &Row<'_>, index: usize) -> rusqlite::Result<String> {
    row.get(index)
}

fn optional(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<String>> {
    row.get(index)
}

/// A text column parsed where SQLite holds it, not copied into a `String` first: a large
/// caseload has hundreds of thousands of times and words that are only ever parsed.
fn parsed<T>(row: &Row<'_>, index: usize, parse: fn(&str) -> Result<T>) -> Result<T> {
    parse(
        row.get_ref(index)?
            .as_str()
            .map_err(rusqlite::Error::from)?,
    )
}

/// [`parsed`], for a column that may be NULL.
fn parsed_optional<T>(
    row: &Row<'_>,
    index: usize,
    parse: fn(&str) -> Result<T>,
) -> Result<Option<T>> {
    match row.get_ref(index)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        value => parse(value.as_str().map_err(rusqlite::Error::from)?).map(Some),
    }
}

/// Loads one escalation with everything recorded on it, amendments applied in order.
fn load(conn: &Connection, id: i64) -> Result<Escalation> {
    load_many(conn, "SELECT ?1", &[id])?
        .pop()
        .ok_or(StoreError::NotFound(id))
}

/// The escalation a child row belongs to, among those being loaded.
fn entry(loaded: &mut crate::storage::loading::ById, id: i64) -> Result<&mut Escalation> {
    loaded
        .get_mut(id)
        .ok_or_else(|| unreadable(format!("a row of escalation {id}, which was not loaded")))
}

/// A read-only connection of its own to the database at `path`, unlocked with `key`: for the
/// threads that read beside the store's own connection (the caseload's parts, `verify`).
fn open_reader(path: &Path, key: &Cipher) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    apply_key(&conn, key)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    Ok(conn)
}

/// The caseload's ids cut into [`LOAD_PARTS`] runs of about as many each, as the first and
/// last id of each run.
fn parts_of(mut ids: Vec<i64>) -> Vec<(i64, i64)> {
    ids.sort_unstable();
    let size = ids.len().div_ceil(LOAD_PARTS).max(1);
    ids.chunks(size)
        .map(|run| (run[0], run[run.len() - 1]))
        .collect()
}

/// Loads every escalation whose id the query `ids` selects (with `params` bound), in id order,
/// with a fixed handful of queries however many there are: one per table, not one per escalation.
fn load_many(conn: &Connection, ids: &str, params: &[i64]) -> Result<Vec<Escalation>> {
    // One read transaction: every table is read from the same snapshot, even while another
    // process writes (WAL readers never block writers). Inside a change's own transaction the
    // snapshot is already that transaction's.
    if !conn.is_autocommit() {
        return load_many_in(conn, ids, params);
    }
    let tx = conn.unchecked_transaction()?;
    let loaded = load_many_in(&tx, ids, params);
    tx.finish()?;
    loaded
}

fn load_many_in(conn: &Connection, ids: &str, params: &[i64]) -> Result<Vec<Escalation>> {
    let bind = || rusqlite::params_from_iter(params.iter());
    let mut by_id = crate::storage::loading::ById::default();

    let sql = format!(
        "SELECT id, procedure, partnership, child_name, child_dob, child_ref, raised_by, agency, raised_with,
                category, summary, outcome_sought, concern_at, raised_at, recorded_by, recorded_at, immediate_risk
         FROM escalations WHERE id IN ({ids}) ORDER BY id"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(bind())?;
    while let Some(row) = rows.next()? {
        by_id
            .push(Escalation {
                id: row.get(0)?,
                procedure: text(row, 1)?,
                partnership: optional(row, 2)?,
                child: Child {
                    name: text(row, 3)?,
                    dob: parsed_optional(row, 4, date_from_sql)?,
                    reference: optional(row, 5)?,
                },
                raised_by: text(row, 6)?,
                agency: text(row, 7)?,
                raised_with: text(row, 8)?,
                category: parsed(row, 9, word_from_sql)?,
                summary: text(row, 10)?,
                outcome_sought: optional(row, 11)?,
                concern_at: parsed_optional(row, 12, time_from_sql)?,
                raised_at: parsed(row, 13, time_from_sql)?,
                immediate_risk: row.get(16)?,
                recorded_by: text(row, 14)?,
                recorded_at: parsed(row, 15, time_from_sql)?,
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
                school: None,
            })
            .map_err(|e| unreadable(format!("escalation {} was read out of id order", e.id)))?;
    }
    if by_id.is_empty() {
        return Ok(Vec::new());
    }

    let sql = format!(
        "SELECT escalation_id, to_stage, at, recorded_by, reason FROM stage_changes
         WHERE escalation_id IN ({ids}) AND {} ORDER BY escalation_id, at, id",
        live("stage_changes", "stage-undone")
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(bind())?;
    while let Some(r) = rows.next()? {
        entry(&mut by_id, r.get(0)?)?
            .stage_changes
            .push(StageChange {
                to_stage: r.get(1)?,
                at: parsed(r, 2, time_from_sql)?,
                by: text(r, 3)?,
                reason: text(r, 4)?,
            });
    }

    let sql = format!(
        "SELECT escalation_id, id, at, participants, mode, notes, decisions, is_agreement, stage, recorded_by, recorded_at
         FROM discussions WHERE escalation_id IN ({ids}) ORDER BY escalation_id, at, id"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(bind())?;
    while let Some(r) = rows.next()? {
        entry(&mut by_id, r.get(0)?)?.discussions.push(Discussion {
            id: r.get(1)?,
            at: parsed(r, 2, time_from_sql)?,
            participants: text(r, 3)?,
            mode: parsed(r, 4, word_from_sql)?,
            notes: text(r, 5)?,
            decisions: optional(r, 6)?,
            is_agreement: r.get(7)?,
            stage: r.get(8)?,
            recorded_by: text(r, 9)?,
            recorded_at: parsed(r, 10, time_from_sql)?,
        });
    }

    let sql = format!(
        "SELECT a.escalation_id, a.id, a.what, a.owner, a.due_on, a.recorded_by, a.recorded_at, c.at, c.recorded_by
         FROM actions a LEFT JOIN action_completions c ON c.action_id = a.id
         WHERE a.escalation_id IN ({ids}) AND a.id NOT IN (SELECT target_id FROM corrections k WHERE k.escalation_id = a.escalation_id AND k.kind = 'action-cancelled')
         ORDER BY a.escalation_id, a.id"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(bind())?;
    while let Some(r) = rows.next()? {
        entry(&mut by_id, r.get(0)?)?.actions.push(AgreedAction {
            id: r.get(1)?,
            what: text(r, 2)?,
            owner: text(r, 3)?,
            due_on: parsed(r, 4, date_from_sql)?,
            done_at: parsed_optional(r, 7, time_from_sql)?,
            done_by: optional(r, 8)?,
            recorded_by: text(r, 5)?,
            recorded_at: parsed(r, 6, time_from_sql)?,
        });
    }

    let sql = format!(
        "SELECT escalation_id, notification, sent_at, method, reference, recorded_by, recorded_at
         FROM notifications_sent WHERE escalation_id IN ({ids}) AND {} ORDER BY escalation_id, sent_at, id",
        live("notifications_sent", "notification-not-sent")
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let mut rows = statement.query(bind())?;
    while let Some(r) = rows.next()? {
        entry(&mut by_id, r.get(0)?)?.sent.push(SentNotification {
            notification: text(r, 1)?,
            sent_at: parsed(r, 2, time_from_sql)?,
            method: parsed(r, 3, word_from_sql)?,
            reference: optional(r, 4)?,
            recorded_by: text(r, 5)?,
            recorded_at: parsed(r, 6, time_from_sql)?,
        });
    }

    let sql = format!(
        "SELECT escalation_id, kind, clock, at, text, recorded_by FROM notes
         WHERE escalation_id IN ({ids}) ORDER BY escalation_id, at, id"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(bind(), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            [
                text(r, 1)?,
                text(r, 2)?,
                text(r, 3)?,
                text(r, 4)?,
                text(r, 5)?,
            ],
        ))
    })?;
    for row in rows {
        let (id, [kind, clock, at, note_text, by]) = row?;
        let kind = match kind.as_str() {
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
        entry(&mut by_id, id)?.notes.push(Note {
            kind,
            at: time_from_sql(&at)?,
            clock,
            text: note_text,
            by,
        });
    }

    let sql = format!(
        "SELECT escalation_id, kind, at, stage, how, learning, parents_informed, why_not, child_record_updated, recorded_by
         FROM outcomes WHERE escalation_id IN ({ids}) AND {} ORDER BY escalation_id, id",
        live("outcomes", "reopened")
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(bind(), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            text(r, 1)?,
            text(r, 2)?,
            r.get::<_, u8>(3)?,
            text(r, 4)?,
            optional(r, 5)?,
            r.get::<_, Option<bool>>(6)?,
            optional(r, 7)?,
            r.get::<_, Option<bool>>(8)?,
            text(r, 9)?,
        ))
    })?;
    for row in rows {
        let (
            id,
            kind,
            at,
            stage,
            how,
            learning,
            parents_informed,
            why_not,
            child_record_updated,
            by,
        ) = row?;
        let at = time_from_sql(&at)?;
        entry(&mut by_id, id)?.outcome = Some(Box::new(if kind == "withdrawn" {
            Outcome::Withdrawn {
                at,
                stage,
                why: how,
                by,
            }
        } else {
            Outcome::Resolved {
                at,
                stage,
                how,
                learning,
                parents_informed,
                why_not,
                child_record_updated,
                by,
            }
        }));
    }

    // Details recorded (each once, where not yet recorded), before the amendments that
    // correct them.
    let sql = format!(
        "SELECT escalation_id, field, value FROM escalation_details
         WHERE escalation_id IN ({ids}) ORDER BY escalation_id, id"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(bind(), |r| {
        Ok((r.get::<_, i64>(0)?, text(r, 1)?, text(r, 2)?))
    })?;
    for row in rows {
        let (id, field, value) = row?;
        entry(&mut by_id, id)?.details.set(&field, Some(&value));
    }

    let sql = format!(
        "SELECT escalation_id, notification, name, sha256, text, recorded_by, recorded_at FROM attachments
         WHERE escalation_id IN ({ids}) ORDER BY escalation_id, id"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(bind(), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            [
                text(r, 1)?,
                text(r, 2)?,
                text(r, 3)?,
                text(r, 4)?,
                text(r, 5)?,
                text(r, 6)?,
            ],
        ))
    })?;
    for row in rows {
        let (id, [notification, name, sha256, body, recorded_by, recorded_at]) = row?;
        entry(&mut by_id, id)?.attachments.push(Attachment {
            notification,
            name,
            sha256,
            text: body,
            recorded_by,
            recorded_at: time_from_sql(&recorded_at)?,
        });
    }

    let sql = format!(
        "SELECT escalation_id, field, old_value, new_value, why, recorded_by, recorded_at FROM amendments
         WHERE escalation_id IN ({ids}) ORDER BY escalation_id, id"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(bind(), |r| {
        Ok((
            r.get::<_, i64>(0)?,
            text(r, 1)?,
            optional(r, 2)?,
            optional(r, 3)?,
            text(r, 4)?,
            text(r, 5)?,
            text(r, 6)?,
        ))
    })?;
    for row in rows {
        let (id, field, old_value, new_value, why, by, at) = row?;
        let escalation = entry(&mut by_id, id)?;
        apply_amendment(escalation, &field, new_value.as_deref());
        escalation.amendments.push(Amendment {
            field,
            old_value,
            new_value,
            why,
            by,
            at: time_from_sql(&at)?,
        });
    }

    let sql = format!(
        "SELECT escalation_id, id, kind, target_id, target, old_value, new_value, why, recorded_by, recorded_at FROM corrections
         WHERE escalation_id IN ({ids}) ORDER BY escalation_id, id"
    );
    let mut statement = conn.prepare_cached(&sql)?;
    let rows = statement.query_map(bind(), |r| {
        Ok((
            [
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(3)?,
            ],
            [text(r, 2)?, text(r, 4)?],
            [optional(r, 5)?, optional(r, 6)?],
            [text(r, 7)?, text(r, 8)?, text(r, 9)?],
        ))
    })?;
    for row in rows {
        let ([id, correction_id, target_id], [kind, target], [old_value, new_value], [why, by, at]) =
            row?;
        let correction = Correction {
            id: correction_id,
            kind: kind.parse().map_err(unreadable)?,
            target_id,
            target,
            old_value,
            new_value,
            why,
            by,
            at: time_from_sql(&at)?,
        };
        let escalation = entry(&mut by_id, id)?;
        // The rows a removal corrects were left out above; a new value is applied here.
        apply_corrected_value(escalation, &correction);
        escalation.corrections.push(correction);
    }
    Ok(by_id.into_values())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::change::{DiscussionInput, plan_amend, plan_discussion};
    use crate::core::procedure::ProcedureSet;
    use crate::core::record::NewEscalationInput;
    use crate::core::time::parse_instant;

    fn t(text: &str) -> DateTime<Utc> {
        parse_instant(text).unwrap()
    }

    fn new_escalation(name: &str) -> NewEscalation {
        let procedures = ProcedureSet::builtin();
        NewEscalationInput {
            procedure: "london".into(),
            child_name: name.into(),
            raised_by: "A DSL".into(),
            agency: "School".into(),
            raised_with: "Social care".into(),
            category: "thresholds".into(),
            summary: "Referral refused.\nSecond line.".into(),
            raised_at: Some(t("2026-11-23 09:00")),
            ..Default::default()
        }
        .check(procedures.get("london").unwrap(), t("2026-11-23 10:00"))
        .unwrap()
    }

    #[test]
    fn a_new_database_is_at_the_current_version() {
        let store = SqliteStore::open_in_memory().unwrap();
        let version: i64 = store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, schema::current_version());
        assert!(store.escalations(Filter::default()).unwrap().is_empty());
    }

    #[test]
    fn a_new_database_carries_escalates_application_id() {
        let store = SqliteStore::open_in_memory().unwrap();
        let id: i32 = store
            .conn
            .pragma_query_value(None, "application_id", |r| r.get(0))
            .unwrap();
        assert_eq!(id, APPLICATION_ID);
        assert_eq!(&APPLICATION_ID.to_be_bytes(), b"ESCL");
    }

    #[test]
    fn escalations_round_trip() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let new = new_escalation("محمد علي");
        let id = store.create(&new, "jo", t("2026-11-23 10:00")).unwrap();
        let loaded = store.escalation(id).unwrap();
        assert_eq!(loaded.child, new.child);
        assert_eq!(loaded.summary, new.summary);
        assert_eq!(loaded.raised_at, new.raised_at);
        assert_eq!(loaded.recorded_by, "jo");
        assert!(loaded.is_open());
        let trail = store.audit_trail(Some(id)).unwrap();
        assert_eq!(trail.len(), 1);
        assert_eq!(trail[0].action, "raised");
    }

    #[test]
    fn a_missing_escalation_is_not_found() {
        let store = SqliteStore::open_in_memory().unwrap();
        assert!(matches!(
            store.escalation(42),
            Err(StoreError::NotFound(42))
        ));
        assert!(
            StoreError::NotFound(42)
                .to_string()
                .contains("escalate list --all")
        );
    }

    #[test]
    fn a_discussion_and_its_actions_are_written_together_or_not_at_all() {
        use crate::core::change::plan_action;
        let mut store = SqliteStore::open_in_memory().unwrap();
        let id = store
            .create(&new_escalation("A"), "jo", t("2026-11-23 10:00"))
            .unwrap();
        let now = t("2026-11-23 11:00");
        let input = DiscussionInput {
            participants: "SW".into(),
            mode: "phone".into(),
            notes: "Agreed to review.".into(),
            ..Default::default()
        };
        // The second action is refused (no owner): neither the discussion nor the first
        // action is written.
        let refused = store.change_all(id, "jo", now, |e| {
            Ok(vec![
                plan_discussion(e, &input, now)?,
                plan_action(e, "Send chronology", "SW", "2026-11-27")?,
                plan_action(e, "Call back", " ", "2026-11-27")?,
            ])
        });
        assert!(
            matches!(refused, Err(StoreError::Refused(_))),
            "{refused:?}"
        );
        let unchanged = store.escalation(id).unwrap();
        assert!(unchanged.discussions.is_empty() && unchanged.actions.is_empty());
        assert_eq!(store.audit_trail(Some(id)).unwrap().len(), 1);

        let written = store
            .change_all(id, "jo", now, |e| {
                Ok(vec![
                    plan_discussion(e, &input, now)?,
                    plan_action(e, "Send chronology", "SW", "2026-11-27")?,
                ])
            })
            .unwrap();
        assert_eq!(written.len(), 2);
        let loaded = store.escalation(id).unwrap();
        assert_eq!(loaded.discussions.len(), 1);
        assert_eq!(loaded.actions[0].what, "Send chronology");
        let trail = store.audit_trail(Some(id)).unwrap();
        assert_eq!(trail.len(), 3, "each change has its own audit entry");
        assert_eq!(store.verify().unwrap().problem, None);
    }

    #[test]
    fn a_refused_change_writes_nothing() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let id = store
            .create(&new_escalation("A"), "jo", t("2026-11-23 10:00"))
            .unwrap();
        let now = t("2026-11-23 11:00");
        let input = DiscussionInput {
            participants: "SW".into(),
            mode: "telepathy".into(),
            notes: "n".into(),
            ..Default::default()
        };
        let result = store.change(id, "jo", now, |e| plan_discussion(e, &input, now));
        assert!(matches!(result, Err(StoreError::Refused(_))));
        assert_eq!(store.audit_trail(None).unwrap().len(), 1);
        assert!(store.escalation(id).unwrap().discussions.is_empty());
    }

    #[test]
    fn amendments_keep_the_original() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let id = store
            .create(&new_escalation("Jon Smith"), "jo", t("2026-11-23 10:00"))
            .unwrap();
        let procedures = ProcedureSet::builtin();
        let procedure = procedures.get("london").unwrap();
        let now = t("2026-11-23 11:00");
        store
            .change(id, "sam", now, |e| {
                plan_amend(e, procedure, "child", "John Smith", "Misspelt", now)
            })
            .unwrap();
        let loaded = store.escalation(id).unwrap();
        assert_eq!(loaded.child.name, "John Smith");
        assert_eq!(loaded.amendments[0].old_value.as_deref(), Some("Jon Smith"));
        let original: String = store
            .conn
            .query_row(
                "SELECT child_name FROM escalations WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(original, "Jon Smith");
    }

    /// Issue 15: the details the forms ask for are recorded once, corrected by an amendment that
    /// keeps the old value, and a form kept with a notification is stored whole with its
    /// SHA-256; every row verifies, and changing the form's text behind the app's back does not.
    #[test]
    fn details_and_an_attached_form_round_trip_and_verify() {
        use crate::core::change::{plan_attach, plan_details};
        let mut store = SqliteStore::open_in_memory().unwrap();
        let id = store
            .create(&new_escalation("Ava Sample"), "jo", t("2026-11-23 10:00"))
            .unwrap();
        let now = t("2026-11-23 11:00");
        let fields = vec![
            ("referrer-phone".to_owned(), "01234 567890".to_owned()),
            (
                "child-address".to_owned(),
                "1 High Street\nLuton".to_owned(),
            ),
            ("need-level".to_owned(), "Child in need".to_owned()),
            ("family-aware".to_owned(), "y".to_owned()),
            ("review-date".to_owned(), "2026-12-14".to_owned()),
        ];
        store
            .change_all(id, "jo", now, |e| plan_details(e, &fields))
            .unwrap();
        let loaded = store.escalation(id).unwrap();
        assert_eq!(
            loaded.details.referrer_phone.as_deref(),
            Some("01234 567890")
        );
        assert_eq!(
            loaded.details.need_level,
            Some(crate::core::record::NeedLevel::ChildInNeed)
        );
        assert_eq!(loaded.details.family_aware, Some(true));
        assert_eq!(
            loaded.details.review_on,
            NaiveDate::from_ymd_opt(2026, 12, 14)
        );
        // Recorded once: a second value is an amendment, with a reason, keeping the first.
        let again = vec![("referrer-phone".to_owned(), "07700 900000".to_owned())];
        let refused = store
            .change_all(id, "jo", now, |e| plan_details(e, &again))
            .unwrap_err();
        assert!(refused.to_string().contains("escalate amend"), "{refused}");
        let procedures = ProcedureSet::builtin();
        let procedure = procedures.get("london").unwrap();
        store
            .change(id, "jo", now, |e| {
                plan_amend(
                    e,
                    procedure,
                    "referrer-phone",
                    "07700 900000",
                    "new phone",
                    now,
                )
            })
            .unwrap();
        let loaded = store.escalation(id).unwrap();
        assert_eq!(
            loaded.details.referrer_phone.as_deref(),
            Some("07700 900000")
        );
        assert_eq!(
            loaded.amendments[0].old_value.as_deref(),
            Some("01234 567890")
        );
        // A form kept with the notification it was sent with.
        let form = "Appendix 2\n1. Name of Child: Ava Sample\n";
        store
            .change_all(id, "jo", now, |_| {
                Ok(vec![
                    Change::NotificationSent {
                        notification: "inform-referrer".to_owned(),
                        at: now,
                        method: crate::core::record::Method::SecureEmail,
                        reference: None,
                    },
                    plan_attach("inform-referrer", "appendix-2", form)?,
                ])
            })
            .unwrap();
        let loaded = store.escalation(id).unwrap();
        assert_eq!(loaded.attachments.len(), 1);
        assert_eq!(loaded.attachments[0].text, form);
        assert_eq!(
            loaded.attachments[0].sha256,
            crate::core::change::sha256_hex(form)
        );
        let trail = store.audit_trail(Some(id)).unwrap();
        assert!(
            trail
                .iter()
                .any(|e| e.summary.contains(&loaded.attachments[0].sha256)),
            "the form's hash is in the audit trail"
        );
        assert_eq!(store.verify().unwrap().problem, None);
        store
            .conn
            .execute_batch(
                "DROP TRIGGER attachments_no_update;
                 UPDATE attachments SET text = 'something else';",
            )
            .unwrap();
        let problem = store.verify().unwrap().problem.unwrap();
        assert!(problem.contains("attachments row 1"), "{problem}");
    }

    #[test]
    fn records_cannot_be_updated_or_deleted() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        store
            .create(&new_escalation("A"), "jo", t("2026-11-23 10:00"))
            .unwrap();
        for sql in [
            "UPDATE escalations SET child_name = 'B'",
            "DELETE FROM escalations",
            "UPDATE audit SET actor = 'x'",
            "DELETE FROM audit",
        ] {
            let err = store.conn.execute(sql, []).unwrap_err().to_string();
            assert!(err.contains("never changed or deleted"), "{sql}: {err}");
        }
        assert_eq!(store.verify().unwrap().problem, None);
    }

    #[test]
    fn verify_names_the_entry_whose_row_changed() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        store
            .create(&new_escalation("A"), "jo", t("2026-11-23 10:00"))
            .unwrap();
        store
            .create(&new_escalation("B"), "jo", t("2026-11-23 10:00"))
            .unwrap();
        store
            .conn
            .execute_batch("DROP TRIGGER escalations_no_update; UPDATE escalations SET child_name = 'Z' WHERE id = 2;")
            .unwrap();
        let problem = store.verify().unwrap().problem.unwrap();
        assert!(
            problem.starts_with("audit entry 2 (raised on escalation 2"),
            "{problem}"
        );
        assert!(
            problem.contains("escalations row 2 it recorded has been changed"),
            "{problem}"
        );
    }

    #[test]
    fn the_caseload_keeps_closed_escalations_until_settled() {
        use crate::core::change::{ResolutionInput, plan_resolve};
        let mut store = SqliteStore::open_in_memory().unwrap();
        let open = store
            .create(&new_escalation("Open"), "jo", t("2026-11-23 10:00"))
            .unwrap();
        let closed = store
            .create(&new_escalation("Closed"), "jo", t("2026-11-23 10:00"))
            .unwrap();
        let now = t("2026-11-23 11:00");
        let input = ResolutionInput {
            how: "Agreed".into(),
            ..Default::default()
        };
        store
            .change(closed, "jo", now, |e| plan_resolve(e, &input, now))
            .unwrap();
        let ids = |store: &SqliteStore| {
            store
                .caseload()
                .unwrap()
                .iter()
                .map(|e| e.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            ids(&store),
            [open, closed],
            "a just-closed escalation may still owe something"
        );
        store.settle(&[open, closed]).unwrap();
        assert_eq!(
            ids(&store),
            [open],
            "settling never drops an open escalation"
        );
        let many = store
            .escalations(Filter {
                include_closed: true,
                stage: None,
            })
            .unwrap();
        assert_eq!(many.len(), 2);
        assert_eq!(
            many[1],
            store.escalation(closed).unwrap(),
            "bulk and single loads agree"
        );
    }

    /// The changes the import tests make, in order, planned against the escalation as it stands.
    fn story(e: &Escalation, step: usize) -> std::result::Result<Option<Change>, RecordError> {
        use crate::core::calendar::Calendar;
        use crate::core::change::{
            ResolutionInput, plan_action, plan_action_done, plan_advance, plan_note,
            plan_notification_sent, plan_resolve, plan_withdraw,
        };
        use crate::core::deadline::{Settings, schedule};
        let procedures = ProcedureSet::builtin();
        let london = procedures.get("london").unwrap();
        let now = t("2026-11-23 16:00");
        let planned = match step {
            0 => plan_discussion(
                e,
                &DiscussionInput {
                    participants: "SW".into(),
                    mode: "phone".into(),
                    notes: "Talked it through.".into(),
                    at: Some(t("2026-11-23 11:00")),
                    ..Default::default()
                },
                now,
            ),
            1 => plan_action(e, "Send the chronology", "DSL", "2026-11-25"),
            2 => plan_action_done(e, e.actions[0].id, t("2026-11-23 12:00"), now),
            3 => plan_advance(e, london, "No agreement.", t("2026-11-23 13:00"), now),
            4 | 6 => {
                let schedule = schedule(
                    london,
                    &Calendar::default(),
                    &Settings::default(),
                    &e.events(),
                    now,
                )
                .unwrap();
                if step == 4 {
                    plan_notification_sent(
                        e,
                        &schedule,
                        "inform-referrer",
                        "email",
                        Some("REF-1"),
                        t("2026-11-23 14:00"),
                        now,
                    )
                } else if e.id == 1 {
                    plan_note(
                        e,
                        &schedule,
                        NoteKind::DelayReason,
                        "",
                        "Waiting for the manager.",
                        t("2026-11-23 15:00"),
                        now,
                    )
                } else {
                    plan_note(
                        e,
                        &schedule,
                        NoteKind::ClockMet,
                        "s2.resolve",
                        "Met on a call.",
                        t("2026-11-23 15:00"),
                        now,
                    )
                }
            }
            5 => plan_amend(
                e,
                london,
                "child",
                &format!("{} Corrected", e.child.name),
                "Misspelt",
                now,
            ),
            7 if e.id == 1 => plan_resolve(
                e,
                &ResolutionInput {
                    how: "Agreed".into(),
                    at: Some(t("2026-11-23 15:30")),
                    ..Default::default()
                },
                now,
            ),
            7 => plan_withdraw(e, "Raised in error.", t("2026-11-23 15:30"), now),
            _ => return Ok(None),
        };
        planned.map(Some)
    }

    #[test]
    fn an_import_writes_and_audits_exactly_what_create_and_change_do() {
        let now = t("2026-11-23 16:00");
        let names = ["Ava Sample", "Leo Example"];

        let mut one_by_one = SqliteStore::open_in_memory().unwrap();
        for name in names {
            let id = one_by_one.create(&new_escalation(name), "jo", now).unwrap();
            for step in 0.. {
                let as_it_stands = one_by_one.escalation(id).unwrap();
                if story(&as_it_stands, step).unwrap().is_none() {
                    break;
                }
                one_by_one
                    .change(id, "jo", now, |e| story(e, step).map(Option::unwrap))
                    .unwrap();
            }
        }

        let mut imported = SqliteStore::open_in_memory().unwrap();
        let seen = std::cell::RefCell::new(Vec::new());
        let seen_ref = &seen;
        let items = names.map(|name| {
            let mut step = 0;
            Ok((new_escalation(name), move |e: &Escalation| {
                let next = story(e, step)?;
                step += 1;
                if next.is_none() {
                    seen_ref.borrow_mut().push(e.clone());
                }
                Ok(next)
            }))
        });
        let ids = imported.import(items, "jo", now).unwrap();
        assert_eq!(ids, [1, 2]);

        let all = Filter {
            include_closed: true,
            stage: None,
        };
        let written = imported.escalations(all).unwrap();
        assert_eq!(written, one_by_one.escalations(all).unwrap());
        assert_eq!(
            written,
            seen.into_inner(),
            "the planner saw each escalation exactly as it loads"
        );
        assert_eq!(written[0].amendments.len(), 1);
        assert!(matches!(
            written[0].outcome.as_deref(),
            Some(Outcome::Resolved { .. })
        ));
        assert!(matches!(
            written[1].outcome.as_deref(),
            Some(Outcome::Withdrawn { .. })
        ));
        assert_eq!(written[1].notes[0].kind, NoteKind::ClockMet);
        assert_eq!(written[0].actions[0].done_by.as_deref(), Some("jo"));
        assert_eq!(
            imported.audit_trail(None).unwrap(),
            one_by_one.audit_trail(None).unwrap(),
            "the same audit entries, hash for hash"
        );
        assert_eq!(imported.verify().unwrap().problem, None);
        let state: Vec<(i64, i64, i64)> = imported
            .conn
            .prepare("SELECT is_open, stage, needs_attention FROM escalation_state ORDER BY escalation_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(state, [(0, 2, 1), (0, 2, 1)]);
    }

    /// The story, then corrections of it: the closure reopened, a discussion reworded, the
    /// notification recorded as sent in error, the stage move reversed, an action redated.
    fn corrected_story(
        e: &Escalation,
        step: usize,
    ) -> std::result::Result<Option<Change>, RecordError> {
        use crate::core::change::{Correcting, plan_correction};
        use crate::core::record::CorrectionKind;
        let now = t("2026-11-23 16:00");
        let correcting = match step {
            0..8 => return story(e, step),
            8 => Correcting::Reopen,
            9 => Correcting::DiscussionNotes {
                discussion: e.discussions[0].id,
                notes: "Talked it all through.".into(),
            },
            10 => Correcting::NotSent {
                notification: "inform-referrer".into(),
            },
            11 => Correcting::UndoLastStage,
            12 => Correcting::Action {
                action: e.actions[0].id,
                kind: CorrectionKind::ActionDue,
                value: "2026-11-26".into(),
            },
            _ => return Ok(None),
        };
        plan_correction(e, None, &correcting, "Recorded in error.", now).map(Some)
    }

    /// Issue 12: what a store reads back after corrections is what the in-memory replay
    /// ([`remember`]) keeps, and the state cache and verify agree with it.
    #[test]
    fn corrections_load_as_the_replay_keeps_them_and_verify() {
        let now = t("2026-11-23 16:00");
        let names = ["Ava Sample", "Leo Example"];
        let mut one_by_one = SqliteStore::open_in_memory().unwrap();
        for name in names {
            let id = one_by_one.create(&new_escalation(name), "jo", now).unwrap();
            for step in 0.. {
                let as_it_stands = one_by_one.escalation(id).unwrap();
                if corrected_story(&as_it_stands, step).unwrap().is_none() {
                    break;
                }
                one_by_one
                    .change(id, "jo", now, |e| {
                        corrected_story(e, step).map(Option::unwrap)
                    })
                    .unwrap();
            }
        }
        let mut imported = SqliteStore::open_in_memory().unwrap();
        let seen = std::cell::RefCell::new(Vec::new());
        let seen_ref = &seen;
        let items = names.map(|name| {
            let mut step = 0;
            Ok((new_escalation(name), move |e: &Escalation| {
                let next = corrected_story(e, step)?;
                step += 1;
                if next.is_none() {
                    seen_ref.borrow_mut().push(e.clone());
                }
                Ok(next)
            }))
        });
        imported.import(items, "jo", now).unwrap();
        let all = Filter {
            include_closed: true,
            stage: None,
        };
        let written = imported.escalations(all).unwrap();
        assert_eq!(written, one_by_one.escalations(all).unwrap());
        assert_eq!(written, seen.into_inner());
        for e in &written {
            assert!(e.outcome.is_none());
            assert_eq!(e.stage(), 1);
            assert!(e.stage_changes.is_empty());
            assert!(e.sent.is_empty());
            assert_eq!(e.discussions[0].notes, "Talked it all through.");
            assert_eq!(e.actions[0].due_on.to_string(), "2026-11-26");
            assert_eq!(e.corrections.len(), 5);
            assert_eq!(
                e.corrections[0]
                    .old_value
                    .as_deref()
                    .map(|v| v.contains("Raised in error.") || v.contains("Agreed")),
                Some(true)
            );
        }
        assert_eq!(imported.verify().unwrap().problem, None);
        assert_eq!(one_by_one.verify().unwrap().problem, None);
        let state: Vec<(i64, i64)> = imported
            .conn
            .prepare("SELECT is_open, stage FROM escalation_state ORDER BY escalation_id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(state, [(1, 1), (1, 1)]);
        // The rows corrected are all still there, as written.
        let kept: i64 = imported
            .conn
            .query_row(
                "SELECT (SELECT count(*) FROM stage_changes) + (SELECT count(*) FROM outcomes) + (SELECT count(*) FROM notifications_sent)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(kept, 6);
    }

    #[test]
    fn a_refused_import_writes_nothing() {
        let now = t("2026-11-23 16:00");
        let mut store = SqliteStore::open_in_memory().unwrap();
        let items = ["Ava Sample", "Leo Example"].map(|name| {
            let mut step = 0;
            Ok((new_escalation(name), move |e: &Escalation| {
                step += 1;
                if e.id == 2 && step == 2 {
                    // A change the rules refuse, after one that was written.
                    return plan_discussion(e, &DiscussionInput::default(), now).map(Some);
                }
                story(e, step - 1)
            }))
        });
        let result = store.import(items, "jo", now);
        assert!(matches!(result, Err(StoreError::Refused(_))), "{result:?}");
        assert!(store.audit_trail(None).unwrap().is_empty());
        assert!(store.escalations(Filter::default()).unwrap().is_empty());
        assert_eq!(store.verify().unwrap().problem, None);
    }

    #[test]
    fn the_parts_of_a_caseload_cover_every_id_once_in_order() {
        for count in [1_usize, 7, 8, 9, 2_000, 10_851] {
            // Gaps and an unsorted start, as the index may not promise an order.
            let mut ids: Vec<i64> = (0..count as i64).map(|i| i * 3 + 1).collect();
            ids.reverse();
            let parts = parts_of(ids.clone());
            assert!(parts.len() <= LOAD_PARTS, "{count}: {parts:?}");
            ids.sort_unstable();
            let covered: Vec<i64> = ids
                .iter()
                .copied()
                .filter(|id| parts.iter().any(|&(from, to)| (from..=to).contains(id)))
                .collect();
            assert_eq!(covered, ids, "{count}");
            assert!(
                parts.windows(2).all(|w| w[0].1 < w[1].0),
                "{count}: {parts:?}"
            );
        }
    }

    #[test]
    fn a_large_caseload_read_in_two_halves_is_the_caseload() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = SqliteStore::open(&dir.path().join("big.db")).unwrap();
        let how = crate::demo::Generate {
            count: 2_600,
            open_share: 1.0,
            seed: 7,
        };
        crate::demo::generate(
            &mut store,
            &ProcedureSet::builtin(),
            &crate::config::Config::default(),
            "jo",
            t("2026-11-23 10:00"),
            how,
        )
        .unwrap();
        let whole = load_many(&store.conn, ATTENTION_IDS, &[]).unwrap();
        assert!(
            whole.len() as i64 >= PARALLEL_LOAD_FROM,
            "the test must take the parallel path"
        );
        let halves = store.caseload().unwrap();
        assert_eq!(halves.len(), whole.len());
        assert!(
            halves == whole,
            "two halves must load exactly what one pass does"
        );
    }

    /// Issue 13, finding 6: text typed into a form and thrown away is wiped from the file, not
    /// left in a free page for anyone who reads the file (or a backup of it) to find.
    #[test]
    fn a_discarded_draft_leaves_no_trace_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wipe.db");
        let marker = "Disclosed-Marker-Q7Z";
        {
            let mut store = SqliteStore::open(&path).unwrap();
            let mut draft = Draft {
                form: "new".into(),
                ..Default::default()
            };
            draft.fields.insert("summary".into(), marker.repeat(40));
            let id = store
                .save_draft(&draft, "jo", t("2026-11-23 10:05"))
                .unwrap();
            store.discard_draft(id).unwrap();
            // Closing checkpoints the log into the file.
        }
        let bytes = std::fs::read(&path).unwrap();
        let found = bytes.windows(marker.len()).any(|w| w == marker.as_bytes());
        assert!(!found, "the discarded draft's text is still in the file");
        let secure: i64 = SqliteStore::open(&path)
            .unwrap()
            .conn
            .query_row("PRAGMA secure_delete", [], |r| r.get(0))
            .unwrap();
        assert_eq!(secure, 1);
    }

    #[test]
    fn drafts_survive_a_reopen_and_replace_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("drafts.db");
        let mut store = SqliteStore::open(&path).unwrap();
        let id = store
            .create(&new_escalation("A"), "jo", t("2026-11-23 10:00"))
            .unwrap();
        let mut draft = Draft {
            form: "discuss".into(),
            escalation_id: Some(id),
            ..Default::default()
        };
        draft.fields.insert(
            "notes".into(),
            "Spoke to the duty SW; محمد\nsecond line".into(),
        );
        let first = store
            .save_draft(&draft, "jo", t("2026-11-23 10:05"))
            .unwrap();
        draft.fields.insert("with".into(), "Duty SW".into());
        let second = store
            .save_draft(&draft, "jo", t("2026-11-23 10:06"))
            .unwrap();
        assert_eq!(first, second, "one draft per form and escalation");
        let other = Draft {
            form: "new".into(),
            ..Default::default()
        };
        store
            .save_draft(&other, "jo", t("2026-11-23 10:07"))
            .unwrap();
        drop(store);

        let mut store = SqliteStore::open(&path).unwrap();
        let drafts = store.drafts().unwrap();
        assert_eq!(drafts.len(), 2);
        assert_eq!(drafts[0].fields, draft.fields);
        assert_eq!(drafts[0].saved_at, Some(t("2026-11-23 10:06")));
        assert_eq!(drafts[1].form, "new");
        store.discard_draft(second).unwrap();
        assert_eq!(store.drafts().unwrap().len(), 1);
        store.discard_draft_of("new", None).unwrap();
        assert!(store.drafts().unwrap().is_empty());
        // Drafts are not records: the audit trail and verify are untouched by them.
        assert_eq!(store.audit_trail(None).unwrap().len(), 1);
        assert_eq!(store.verify().unwrap().problem, None);
    }

    #[test]
    fn the_open_caseload_is_read_through_its_index() {
        let store = SqliteStore::open_in_memory().unwrap();
        for sql in [
            OPEN_IDS,
            OPEN_IDS_AT_STAGE,
            ATTENTION_IDS,
            ATTENTION_IDS_BETWEEN,
        ] {
            let mut statement = store
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let stage = vec![2; statement.parameter_count()];
            let plan: Vec<String> = statement
                .query_map(rusqlite::params_from_iter(stage), |r| r.get::<_, String>(3))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let plan = plan.join("\n");
            assert!(
                plan.starts_with("SEARCH escalation_state USING"),
                "{sql}:\n{plan}"
            );
            assert!(plan.contains("INDEX escalation_state_"), "{sql}:\n{plan}");
            assert!(!plan.contains("SCAN"), "{sql}:\n{plan}");
        }
    }

    /// Issue 17: `list --all` reads the closed history a page at a time; each page must be a
    /// range of the primary key, or reading every page would scan the table once a page.
    #[test]
    fn a_page_of_the_closed_history_is_a_range_of_the_primary_key() {
        let store = SqliteStore::open_in_memory().unwrap();
        for sql in [CLOSED_IDS_AFTER, CLOSED_IDS_AFTER_AT_STAGE] {
            let mut statement = store
                .conn
                .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
                .unwrap();
            let params = vec![2; statement.parameter_count()];
            let plan: Vec<String> = statement
                .query_map(rusqlite::params_from_iter(params), |r| {
                    r.get::<_, String>(3)
                })
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let plan = plan.join("\n");
            assert!(
                plan.contains("SEARCH escalation_state USING INTEGER PRIMARY KEY (rowid>?)"),
                "{sql}:\n{plan}"
            );
            assert!(!plan.contains("TEMP B-TREE"), "{sql}:\n{plan}");
        }
    }

    #[test]
    fn the_closed_history_reads_a_page_at_a_time_in_id_order() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let mut closed = Vec::new();
        for i in 0..7 {
            let id = store
                .create(&new_escalation("A"), "jo", t("2026-11-23 10:00"))
                .unwrap();
            if i % 2 == 0 {
                store
                    .change(id, "jo", t("2026-11-24 10:00"), |_| {
                        Ok(Change::Withdraw {
                            at: t("2026-11-24 10:00"),
                            stage: 1,
                            why: "raised in error".to_owned(),
                        })
                    })
                    .unwrap();
                closed.push(id);
            }
        }
        let mut read = Vec::new();
        let mut after = 0;
        loop {
            let page = store.closed_after(after, None, 2).unwrap();
            assert!(page.len() <= 2);
            let Some(last) = page.last() else { break };
            after = last.id;
            read.extend(page.iter().map(|e| e.id));
            assert!(page.iter().all(|e| !e.is_open()));
        }
        assert_eq!(read, closed);
        assert!(store.closed_after(0, Some(2), 10).unwrap().is_empty());
        assert_eq!(
            store.closed_after(0, Some(1), 10).unwrap().len(),
            closed.len()
        );
    }

    fn summary(items: u32, acted_on: u32, outstanding: u32) -> ReviewSummary {
        use crate::core::review::Horizon;
        ReviewSummary::new(items, acted_on, outstanding, Horizon::DEFAULT).unwrap()
    }

    #[test]
    fn a_review_is_recorded_with_its_audit_entry_and_verifies() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        store
            .create(&new_escalation("A"), "jo", t("2026-11-23 10:00"))
            .unwrap();
        let at = t("2026-11-24 08:40");
        let id = store
            .record_review(&summary(7, 3, 4), "Sam Patel", at)
            .unwrap();
        let row: (String, i64, i64, i64, i64, String) = store
            .conn
            .query_row(
                "SELECT at, horizon_working_days, items, acted_on, outstanding, recorded_by FROM reviews WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .unwrap();
        assert_eq!(row, (time_to_sql(at), 1, 7, 3, 4, "Sam Patel".to_owned()));
        let trail = store.audit_trail(None).unwrap();
        let entry = trail.last().unwrap();
        assert_eq!(entry.action, "review");
        assert_eq!(entry.escalation_id, None);
        assert_eq!(entry.actor, "Sam Patel");
        assert_eq!(entry.at, at);
        assert_eq!(
            entry.summary,
            "reviewed by Sam Patel: 7 items, 3 acted on, 4 outstanding"
        );
        assert_eq!(
            (entry.record_table.as_str(), entry.record_id),
            ("reviews", id)
        );
        // Of no escalation: not in any escalation's history.
        assert_eq!(store.audit_trail(Some(1)).unwrap().len(), 1);
        assert_eq!(store.verify().unwrap().problem, None);
        for sql in ["UPDATE reviews SET items = 0", "DELETE FROM reviews"] {
            let err = store.conn.execute(sql, []).unwrap_err().to_string();
            assert!(err.contains("never changed or deleted"), "{sql}: {err}");
        }
    }

    #[test]
    fn a_review_changed_or_added_behind_the_apps_back_fails_verify() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        store
            .record_review(&summary(2, 1, 1), "jo", t("2026-11-24 08:40"))
            .unwrap();
        store
            .conn
            .execute(
                "INSERT INTO reviews (at, horizon_working_days, items, acted_on, outstanding, recorded_by)
                 VALUES ('2026-11-25T08:00:00.000Z', 1, 0, 0, 0, 'x')",
                [],
            )
            .unwrap();
        let problem = store.verify().unwrap().problem.unwrap();
        assert!(
            problem.contains("the reviews row 2 has no audit entry"),
            "{problem}"
        );
        store
            .conn
            .execute_batch(
                "DROP TRIGGER reviews_no_update; DROP TRIGGER reviews_no_delete;
                 DELETE FROM reviews WHERE id = 2; UPDATE reviews SET outstanding = 0 WHERE id = 1;",
            )
            .unwrap();
        let problem = store.verify().unwrap().problem.unwrap();
        assert!(
            problem.starts_with("audit entry 1 (review, recorded"),
            "{problem}"
        );
        assert!(
            problem.contains("the reviews row 1 it recorded has been changed"),
            "{problem}"
        );
    }

    /// Issue 12: migration 7 rebuilds `outcomes` and `notifications_sent` (without their
    /// one-per-escalation constraints) keeping every row and id, so the chain still verifies;
    /// then a closure can be reopened and made again.
    #[test]
    fn a_version_6_database_keeps_its_outcomes_and_can_reopen_them() {
        use crate::core::change::{Correcting, ResolutionInput, plan_correction, plan_resolve};
        let conn = Connection::open_in_memory().unwrap();
        for sql in &schema::migrations()[..6] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 6).unwrap();
        let now = t("2026-11-23 10:00");
        {
            let tx = conn.unchecked_transaction().unwrap();
            let id = write_new(&tx, &new_escalation("A"), "jo", now, None).unwrap();
            let e = as_written(id, new_escalation("A"), "jo", now);
            let resolution = ResolutionInput {
                how: "Agreed".into(),
                ..Default::default()
            };
            let mut change = plan_resolve(&e, &resolution, now).unwrap();
            let (action, table, row) = write_change(&tx, &e, &mut change, "jo", now).unwrap();
            audit::append(
                &tx,
                (now, None),
                "jo",
                Some(id),
                action,
                &change.describe(),
                table,
                row,
            )
            .unwrap();
            tx.commit().unwrap();
        }
        let mut store = SqliteStore::configure(conn, None, Cipher::Plain).unwrap();
        assert_eq!(store.verify().unwrap().problem, None);
        let closed = store.escalation(1).unwrap();
        assert!(matches!(
            closed.outcome.as_deref(),
            Some(Outcome::Resolved { .. })
        ));
        store
            .change(1, "jo", now, |e| {
                plan_correction(e, None, &Correcting::Reopen, "Not agreed.", now)
            })
            .unwrap();
        assert!(store.escalation(1).unwrap().is_open());
        let again = ResolutionInput {
            how: "Agreed at last".into(),
            ..Default::default()
        };
        store
            .change(1, "jo", now, |e| plan_resolve(e, &again, now))
            .unwrap();
        let Some(Outcome::Resolved { how, .. }) =
            store.escalation(1).unwrap().outcome.as_deref().cloned()
        else {
            panic!("not resolved");
        };
        assert_eq!(how, "Agreed at last");
        let verification = store.verify().unwrap();
        assert_eq!(verification.problem, None);
        assert_eq!(verification.entries, 4);
    }

    #[test]
    fn a_version_3_database_gains_the_reviews_table_and_still_verifies() {
        let conn = Connection::open_in_memory().unwrap();
        for sql in &schema::migrations()[..3] {
            conn.execute_batch(sql).unwrap();
        }
        conn.pragma_update(None, "user_version", 3).unwrap();
        {
            let tx = conn.unchecked_transaction().unwrap();
            write_new(&tx, &new_escalation("A"), "jo", t("2026-11-23 10:00"), None).unwrap();
            tx.commit().unwrap();
        }
        let mut store = SqliteStore::configure(conn, None, Cipher::Plain).unwrap();
        let version: i64 = store
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .unwrap();
        assert_eq!(version, schema::current_version());
        store
            .record_review(&summary(1, 0, 1), "jo", t("2026-11-24 08:40"))
            .unwrap();
        let verification = store.verify().unwrap();
        assert_eq!(verification.problem, None);
        assert_eq!(verification.entries, 2);
    }
}
