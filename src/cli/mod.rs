//! The command line: clap commands that call the core and print text or JSON.
//!
//! The CLI never enters raw mode and never reads the system clock: `main` hands it the wall
//! clock, which `--now` (or `ESCALATE_NOW`) replaces. Every error is one line on standard error
//! saying what is wrong and how to fix it, with exit status 2; `review` exits 1 when it found
//! something overdue (see [`Finished`]). Start at [`run`].

pub mod args;
mod calendar;
mod chronology;
mod commands;
mod crypt;
mod export;
pub mod files;
mod forms;
mod import;
pub mod passphrase;
mod records;
mod report;
mod review;
mod team;
mod view;

use std::fmt;
use std::path::PathBuf;

use chrono::{DateTime, Utc};

pub use args::Cli;

use crate::config::Config;
use crate::core::procedure::{ProcedureSet, Source};
use crate::core::time::parse_instant;
use crate::storage::any::AnyStore;
use crate::storage::sqlite::{Probe, probe};
use crate::storage::{Key, Store, WallClock};

/// A command's failure, already worded for the user.
#[derive(Debug)]
pub struct CliError(pub String);

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<E: std::error::Error> From<E> for CliError {
    fn from(error: E) -> Self {
        Self(error.to_string())
    }
}

/// What a command printed, and whether it found something overdue: `escalate review` then exits
/// 1 (still printing its report), so that cron or a login script can tell. Every other command
/// finishes with `is_anything_overdue` false.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finished {
    pub output: String,
    pub is_anything_overdue: bool,
    /// Problems found on the way that did not stop the command (an escalation whose procedure
    /// is gone, in `list`): `main` prints each on standard error and exits 2, after the output.
    pub warnings: Vec<String>,
}

impl From<String> for Finished {
    fn from(output: String) -> Self {
        Self {
            output,
            is_anything_overdue: false,
            warnings: Vec::new(),
        }
    }
}

/// The name in the audit trail when neither the settings nor the environment give one.
pub const UNKNOWN_USER: &str = "unknown user (set user in config.toml, or pass --actor NAME)";

/// Where the user's files live, and who they are: what `main` learns from the environment.
#[derive(Debug, Clone, Default)]
pub struct Paths {
    /// `$XDG_CONFIG_HOME/escalate`.
    pub config_dir: Option<PathBuf>,
    /// The default database, `$XDG_DATA_HOME/escalate/escalate.db`.
    pub default_db: Option<PathBuf>,
    /// `$USER`, the name written into the audit trail unless the settings give one.
    pub user: Option<String>,
    /// `ESCALATE_PASSPHRASE_FILE`: the file holding the database's passphrase (for scripts,
    /// cron and tests); without it the passphrase is asked for on the terminal.
    pub passphrase_file: Option<PathBuf>,
    /// `$PGPASSWORD`: the password for a PostgreSQL database whose URL carries none, so that
    /// it never has to be on a command line.
    pub pg_password: Option<String>,
}

impl Paths {
    /// The standard places, from the environment.
    pub fn from_environment() -> Self {
        let base = directories::BaseDirs::new();
        Self {
            config_dir: base.as_ref().map(|d| d.config_dir().join("escalate")),
            default_db: base
                .as_ref()
                .map(|d| d.data_dir().join("escalate").join("escalate.db")),
            user: ["USER", "LOGNAME"]
                .iter()
                .find_map(|name| std::env::var(name).ok().filter(|u| !u.trim().is_empty())),
            passphrase_file: std::env::var_os(passphrase::PASSPHRASE_FILE)
                .filter(|p| !p.is_empty())
                .map(PathBuf::from),
            pg_password: std::env::var("PGPASSWORD").ok(),
        }
    }
}

/// What a command needs from outside: settings, procedures, the time. Loaded lazily, so that a
/// broken procedure file does not stop `escalate holidays` from working.
pub struct Context {
    pub paths: Paths,
    pub now: DateTime<Utc>,
    /// The real time `main` read, recorded on each audit entry as when it was written (`now`
    /// may be `--now`).
    wall_clock: DateTime<Utc>,
    pub json: bool,
    db: Option<PathBuf>,
    /// `--actor` (or `ESCALATE_ACTOR`): the name for the audit trail, before the settings'.
    pub(crate) actor: Option<String>,
    config: Option<Config>,
    store: Option<AnyStore>,
    /// A database created from now on is plain, not encrypted (the demo's, `init --plaintext`).
    creates_plaintext: bool,
}

impl Context {
    pub fn config(&mut self) -> Result<&Config, CliError> {
        if self.config.is_none() {
            self.config = Some(load_config(&self.paths)?);
        }
        Ok(self.config.get_or_insert_with(Config::default))
    }

    pub fn procedures(&self) -> Result<ProcedureSet, CliError> {
        load_procedures(&self.paths)
    }

    /// From now on the database is the demo's own, `escalate-demo.db` beside the default,
    /// unless one was named (`--db`, `ESCALATE_DB`): the fictional caseload never goes into
    /// the database of real records by default.
    pub fn use_demo_database(&mut self) -> Result<(), CliError> {
        if self.db.is_none() {
            self.db = Some(demo_path_beside(&self.db_path()?));
        }
        // The fictional caseload needs no passphrase.
        self.creates_plaintext = true;
        Ok(())
    }

    /// The key to open the database at `path` with: plain if the file is plain or is to be
    /// created plain; otherwise a passphrase, asked twice when the database is to be created.
    fn key_for(&self, path: &std::path::Path, may_create: bool) -> Result<Key, CliError> {
        let shown = path.display().to_string();
        let need = match probe(path)? {
            Probe::Plaintext => return Ok(Key::Plaintext),
            Probe::Encrypted => passphrase::Need::Open,
            // Refused by the store by name, with no question asked first.
            Probe::Missing | Probe::Empty if !may_create => return Ok(Key::Plaintext),
            Probe::Missing | Probe::Empty if self.creates_plaintext => return Ok(Key::Plaintext),
            Probe::Missing | Probe::Empty => passphrase::Need::Create,
        };
        let passphrase = passphrase::read(self.paths.passphrase_file.as_deref(), need, &shown)?;
        Ok(Key::Passphrase(passphrase))
    }

    /// Opens the database at the path given, with its key; a plain one is announced on
    /// standard error, every time it is opened.
    fn open_store(&self, may_create: bool) -> Result<AnyStore, CliError> {
        let path = self.db_path()?;
        if crate::storage::any::is_postgres(&path) {
            // A team's PostgreSQL database: no passphrase; the server's roles guard it.
            let mut store = if may_create {
                AnyStore::open(&path, self.paths.pg_password.as_deref())?
            } else {
                AnyStore::open_existing(&path, self.paths.pg_password.as_deref())?
            };
            let wall_clock = self.wall_clock;
            store.set_wall_clock(Box::new(move || wall_clock));
            return Ok(store);
        }
        let key = self.key_for(&path, may_create)?;
        let mut store = crate::storage::sqlite::SqliteStore::open_keyed(&path, key, may_create)?;
        if store.is_plaintext() {
            eprintln!(
                "escalate: {}",
                terminal_safe(&plaintext_notice(&path), false)
            );
        }
        let wall_clock = self.wall_clock;
        store.set_wall_clock(Box::new(move || wall_clock));
        Ok(AnyStore::Sqlite(store))
    }

    /// The database path: `--db`, `ESCALATE_DB`, or the default.
    pub fn db_path(&self) -> Result<PathBuf, CliError> {
        self.db
            .clone()
            .or_else(|| self.paths.default_db.clone())
            .ok_or_else(|| {
                CliError(
                    "cannot tell where your data folder is; give the database with --db PATH"
                        .to_owned(),
                )
            })
    }

    /// Whether the database is there to read: a SQLite file that exists, or any PostgreSQL
    /// database (its schema is made on first use).
    pub fn database_exists(&self) -> Result<bool, CliError> {
        let db = self.db_path()?;
        Ok(crate::storage::any::is_postgres(&db) || db.exists())
    }

    /// The open database, opened (and created, privately) on first use: a SQLite file, or a
    /// PostgreSQL database when `--db` is a `postgres://` URL.
    pub fn store(&mut self) -> Result<&mut AnyStore, CliError> {
        let store = match self.store.take() {
            Some(store) => store,
            None => self.open_store(true)?,
        };
        Ok(self.store.insert(store))
    }

    /// The open database, for commands that need records to exist: a missing file is an error,
    /// and is not created, so a mistyped `--db` leaves nothing behind.
    pub fn existing_store(&mut self) -> Result<&mut AnyStore, CliError> {
        if self.store.is_none() && !crate::storage::any::is_postgres(&self.db_path()?) {
            let path = self.db_path()?;
            // A symlink, even a dangling one, is for the store to refuse by name.
            if std::fs::symlink_metadata(&path).is_err() {
                return Err(CliError(format!(
                    "there is no escalation database at {} yet; record a first escalation with escalate new, or check --db",
                    path.display()
                )));
            }
            self.store = Some(self.open_store(false)?);
        }
        self.store()
    }

    /// Who is making the change: `--actor`, else the settings' `user` (which the dashboard
    /// asks for on a first run), else `$USER` (or `$LOGNAME`) for scripts. With none of them,
    /// the audit trail says so, with how to fix it, rather than guessing.
    pub fn actor(&mut self) -> Result<String, CliError> {
        if let Some(given) = &self.actor {
            crate::core::record::clean_text("--actor", given, false)?;
            return Ok(crate::core::record::printable(given.trim(), false));
        }
        let configured = self.config()?.user.clone();
        let name = configured
            .or_else(|| self.paths.user.clone())
            .unwrap_or_else(|| UNKNOWN_USER.to_owned());
        Ok(crate::core::record::printable(&name, false))
    }
}

fn load_config(paths: &Paths) -> Result<Config, CliError> {
    let Some(dir) = &paths.config_dir else {
        return Ok(Config::default());
    };
    let path = dir.join("config.toml");
    match files::read_text(&path, "settings file")? {
        Some(text) => Ok(Config::parse(&path.display().to_string(), &text)?),
        None => Ok(Config::default()),
    }
}

/// The built-in procedures plus the user's `*.toml` files in `procedures/` under the config folder.
fn load_procedures(paths: &Paths) -> Result<ProcedureSet, CliError> {
    let mut sources = Vec::new();
    if let Some(dir) = paths.config_dir.as_ref().map(|d| d.join("procedures")) {
        match std::fs::read_dir(&dir) {
            Ok(entries) => {
                let mut files: Vec<PathBuf> = entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "toml"))
                    .collect();
                files.sort();
                for path in files {
                    // Listed a moment ago; gone now is as good as never there.
                    let Some(text) = files::read_text(&path, "procedure file")? else {
                        continue;
                    };
                    sources.push(Source {
                        origin: path.display().to_string(),
                        text,
                    });
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(CliError(format!(
                    "cannot read procedures folder {}: {e}",
                    dir.display()
                )));
            }
        }
    }
    Ok(ProcedureSet::load(&sources)?)
}

/// Reads `--now` or falls back to the wall clock that `main` read.
pub fn resolve_now(
    given: Option<&str>,
    wall_clock: DateTime<Utc>,
) -> Result<DateTime<Utc>, CliError> {
    match given {
        Some(text) => parse_instant(text).map_err(|e| CliError(format!("--now: {e}"))),
        None => Ok(wall_clock),
    }
}

/// Gathers what the dashboard needs: settings, procedures, themes (the user's too, with any
/// problems in them to show), and the open database. `clock` is the time source `main` made
/// (`--now` moving on in real time, or the wall clock); `wall_clock` is always the wall clock,
/// recorded on each audit entry as when it was really written.
pub fn dashboard(
    cli: Cli,
    paths: Paths,
    clock: Box<dyn Fn() -> DateTime<Utc> + Send>,
    wall_clock: WallClock,
    no_color: bool,
) -> Result<crate::tui::Options, CliError> {
    let mut context = Context {
        paths,
        now: clock(),
        wall_clock: wall_clock(),
        json: false,
        db: cli.global.db,
        actor: cli.global.actor.clone().filter(|a| !a.trim().is_empty()),
        config: None,
        store: None,
        creates_plaintext: false,
    };
    let procedures = context.procedures()?;
    let config = context.config()?.clone();
    let actor = context.actor()?;
    let (theme_files, unreadable) = read_theme_files(&context.paths);
    let (themes, errors) = crate::ui::theme::load_themes(&theme_files);
    let themes = if no_color {
        themes
            .iter()
            .map(crate::ui::theme::Theme::no_color)
            .collect()
    } else {
        themes
    };
    let path = context.db_path()?;
    let (mut store, verifier) = if crate::storage::any::is_postgres(&path) {
        // A team's PostgreSQL database: its access is the server's; no passphrase, no lock
        // verifier beyond the plain lock.
        let store = AnyStore::open(&path, context.paths.pg_password.as_deref())?;
        (store, None)
    } else {
        // Plain `escalate` on the default database, when it is plain, offers to encrypt it; a
        // database named with --db (a demo, a trial) is announced in the header instead.
        let is_default = context.db.is_none();
        let converted =
            if is_default && probe(&path)? == Probe::Plaintext && passphrase::is_interactive() {
                offer_encryption(&path, context.paths.passphrase_file.as_deref())?
            } else {
                None
            };
        // Just encrypted: its passphrase is not asked for again.
        let key = match converted {
            Some(passphrase) => Key::Passphrase(passphrase),
            None => context.key_for(&path, true)?,
        };
        // The lock checks a salted digest of the passphrase; the app never holds the passphrase.
        let verifier = match &key {
            Key::Passphrase(passphrase) => {
                let salt: [u8; 16] = std::array::from_fn(|_| fastrand::u8(..));
                Some(crate::app::lock::Verifier::new(passphrase.expose(), salt))
            }
            Key::Plaintext => None,
        };
        let store = AnyStore::Sqlite(crate::storage::sqlite::SqliteStore::open_keyed(
            &path, key, true,
        )?);
        (store, verifier)
    };
    // Both stores record the one wall clock `main` handed down.
    let wall_clock = std::sync::Arc::new(std::sync::Mutex::new(wall_clock));
    let shared = |clock: &std::sync::Arc<std::sync::Mutex<WallClock>>| -> WallClock {
        let clock = std::sync::Arc::clone(clock);
        Box::new(move || match clock.lock() {
            Ok(read) => read(),
            Err(poisoned) => (poisoned.into_inner())(),
        })
    };
    store.set_wall_clock(shared(&wall_clock));
    // A team's PostgreSQL database never takes the fictional caseload: the demo goes into the
    // file beside the default database, as for anyone else.
    let demo_path = if crate::storage::any::is_postgres(&path) {
        demo_path_beside(
            &context
                .paths
                .default_db
                .clone()
                .unwrap_or_else(|| PathBuf::from("escalate.db")),
        )
    } else {
        demo_path_beside(&path)
    };
    let demo = (demo_path != path).then(|| crate::tui::DemoTarget {
        path: demo_path,
        wall_clock: shared(&wall_clock),
    });
    let preferences = crate::app::Preferences {
        user: context.actor.clone().or_else(|| config.user.clone()),
        organisation: config.organisation.clone(),
        procedure: config.procedure.clone(),
        partnership: config.partnership.clone(),
    };
    let remember_user = context.paths.config_dir.clone().map(|dir| {
        Box::new(move |name: &str| {
            files::remember_user(&dir, name)
                .map(|path| path.display().to_string())
                .map_err(|e| e.to_string())
        }) as crate::tui::RememberUser
    });
    // config.toml edited while the dashboard is open is read again (the name given with
    // --actor or ESCALATE_ACTOR still wins over the file's).
    let reread_preferences = context.paths.config_dir.as_ref().map(|dir| {
        let path = dir.join("config.toml");
        // Said on the status line, where the folder's path would cut off the mistake.
        let origin = "config.toml".to_owned();
        let actor = context.actor.clone();
        let read = path.clone();
        crate::tui::watch_settings(path, move || {
            // The reader used at start: a FIFO or a huge file in its place is refused.
            let config = match files::read_text(&read, "settings file").map_err(|e| e.0)? {
                Some(text) => Config::parse(&origin, &text).map_err(|e| e.to_string())?,
                None => Config::default(),
            };
            Ok(crate::app::ReadPreferences {
                privacy: config.privacy,
                theme: config.theme.clone(),
                lock_after: config.lock_after.0,
                preferences: crate::app::Preferences {
                    user: actor.clone().or(config.user),
                    organisation: config.organisation,
                    procedure: config.procedure,
                    partnership: config.partnership,
                },
            })
        })
    });
    Ok(crate::tui::Options {
        demo,
        preferences,
        remember_user,
        reread_preferences,
        store,
        procedures,
        config,
        actor,
        themes,
        theme_errors: unreadable
            .into_iter()
            .chain(errors.iter().map(ToString::to_string))
            .collect(),
        clock,
        verifier,
    })
}

/// What escalate says each time it opens a plain database.
pub fn plaintext_notice(path: &std::path::Path) -> String {
    if path.file_name().is_some_and(|n| n == DEMO_DB) {
        format!("{} is not encrypted (the demo database)", path.display())
    } else {
        format!(
            "{} is not encrypted: anyone who can read the file can read every record; run \
             escalate encrypt to encrypt it",
            path.display()
        )
    }
}

/// Asks, on the terminal, whether to encrypt the plain database at `path` now, and does it if
/// the answer is yes (a passphrase asked twice, or the passphrase file's); returns the
/// passphrase it was encrypted with.
fn offer_encryption(
    path: &std::path::Path,
    passphrase_file: Option<&std::path::Path>,
) -> Result<Option<crate::storage::Passphrase>, CliError> {
    eprint!(
        "escalate: {}\nEncrypt it now? [y/N] ",
        terminal_safe(&plaintext_notice(path), false)
    );
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer)?;
    if !answer.trim().eq_ignore_ascii_case("y") && !answer.trim().eq_ignore_ascii_case("yes") {
        return Ok(None);
    }
    let passphrase = passphrase::read(
        passphrase_file,
        passphrase::Need::Create,
        &path.display().to_string(),
    )?;
    crate::storage::sqlite::SqliteStore::encrypt_in_place(path, &passphrase)?;
    eprintln!("escalate: {} is now encrypted", path.display());
    Ok(Some(passphrase))
}

/// The demo's own database, `escalate-demo.db`, in the folder of the database `path`: the
/// fictional caseload never goes into a database of real records.
pub fn demo_path_beside(path: &std::path::Path) -> PathBuf {
    path.with_file_name(DEMO_DB)
}

/// The file name of the demo's own database.
pub const DEMO_DB: &str = "escalate-demo.db";

/// The user's theme files, `$XDG_CONFIG_HOME/escalate/themes/*.toml`, as (path, text), and a
/// message for each file that cannot be read (not a regular file, too large), which the
/// dashboard shows with the themes' own errors.
fn read_theme_files(paths: &Paths) -> (Vec<(String, String)>, Vec<String>) {
    let Some(dir) = paths.config_dir.as_ref().map(|d| d.join("themes")) else {
        return (Vec::new(), Vec::new());
    };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return (Vec::new(), Vec::new());
    };
    let mut found: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    found.sort();
    let mut read = Vec::new();
    let mut unreadable = Vec::new();
    for path in found {
        match files::read_text(&path, "theme file") {
            Ok(Some(text)) => read.push((path.display().to_string(), text)),
            Ok(None) => {}
            Err(error) => unreadable.push(error.0),
        }
    }
    (read, unreadable)
}

/// Runs one command. `wall_clock` is the time `main` read, used unless `--now` says otherwise.
/// Returns what to print on standard output, and whether anything was found overdue.
/// Runs one command. Most commands return what they print; one that can print a great deal
/// (`list --all`) writes to `out` as it goes, already made terminal-safe, and returns nothing
/// more to print.
pub fn run(
    cli: Cli,
    paths: Paths,
    wall_clock: DateTime<Utc>,
    out: &mut dyn std::io::Write,
) -> Result<Finished, CliError> {
    let now = resolve_now(cli.global.now.as_deref(), wall_clock)?;
    let mut context = Context {
        paths,
        now,
        wall_clock,
        json: cli.global.json,
        db: cli.global.db,
        actor: cli.global.actor.clone().filter(|a| !a.trim().is_empty()),
        config: None,
        store: None,
        creates_plaintext: false,
    };
    use args::Command;
    let output = match cli.command {
        None => Ok(commands::welcome()),
        Some(Command::Procedures(a)) => commands::procedures(&mut context, a),
        Some(Command::Due(a)) => commands::due(&mut context, a),
        Some(Command::Holidays(a)) => commands::holidays(&context, a),
        Some(Command::New(a)) => records::new(&mut context, *a),
        Some(Command::List(a)) => return records::list(&mut context, a, out),
        Some(Command::Show(a)) => records::show(&mut context, a),
        Some(Command::Advance(a)) => records::advance(&mut context, a),
        Some(Command::Discuss(a)) => records::discuss(&mut context, a),
        Some(Command::Action(a)) => records::action(&mut context, a),
        Some(Command::Notify(a)) => records::notify(&mut context, a),
        Some(Command::Met(a)) => records::met(&mut context, a),
        Some(Command::Tighten(a)) => records::tighten(&mut context, a),
        Some(Command::Delay(a)) => records::delay(&mut context, a),
        Some(Command::Resolve(a)) => records::resolve(&mut context, a),
        Some(Command::Withdraw(a)) => records::withdraw(&mut context, a),
        Some(Command::Amend(a)) => records::amend(&mut context, a),
        Some(Command::Correct(a)) => records::correct(&mut context, a),
        Some(Command::History(a)) => records::history(&mut context, a),
        Some(Command::Verify(a)) => records::verify(&mut context, a),
        Some(Command::Backup(a)) => records::backup(&mut context, a),
        Some(Command::Team(a)) => team::team(&mut context, a),
        Some(Command::Migrate(a)) => team::migrate(&mut context, a),
        Some(Command::Demo(a)) => commands::demo(&mut context, a),
        Some(Command::Init(a)) => crypt::init(&mut context, &a),
        Some(Command::Rekey(a)) => crypt::rekey(&mut context, &a),
        Some(Command::Decrypt(a)) => crypt::decrypt(&mut context, &a),
        Some(Command::Encrypt) => crypt::encrypt(&mut context),
        Some(Command::Completions(a)) => commands::completions(&a),
        Some(Command::Man) => commands::man(),
        Some(Command::Chronology(a)) => chronology::run(&mut context, &a.id, &a.format, a.privacy),
        Some(Command::Report(a)) => report::run(&mut context, a),
        Some(Command::Import(a)) => import::run(&mut context, a),
        Some(Command::Export(a)) => export::run(&mut context, a),
        Some(Command::Calendar(a)) => {
            // iCalendar lines end in CR LF, which the format requires: each line is made
            // terminal-safe on its own and the line ends kept.
            let text = calendar::run(&mut context, a)?;
            let lines: Vec<String> = text
                .split("\r\n")
                .map(|line| terminal_safe(line, false))
                .collect();
            return Ok(Finished::from(lines.join("\r\n")));
        }
        Some(Command::Form(a)) => forms::run(&mut context, a),
        Some(Command::Details(a)) => forms::details(&mut context, a),
        Some(Command::Meeting(a)) => forms::meeting(&mut context, a),
        Some(Command::Review(a)) => {
            let finished = review::run(&mut context, a)?;
            return Ok(Finished {
                output: terminal_safe(&finished.output, context.json),
                ..finished
            });
        }
    };
    output.map(|text| Finished::from(terminal_safe(&text, context.json)))
}

/// A message with the child's name taken out. The name can reach an error when it was typed
/// into the wrong place (`--dob "Ava Sample"`, a stray argument), and errors end up in
/// terminals, logs and cron mail. The name as typed, and as a message would quote it, become
/// `[the child's name]`.
pub fn without_name(message: &str, name: &str) -> String {
    let name = name.trim();
    // A one-letter "name" would blank out letters all over the message.
    if name.chars().count() < 2 {
        return message.to_owned();
    }
    let mut message = message.to_owned();
    for form in [
        name.to_owned(),
        name.escape_debug().to_string(),
        crate::core::record::printable(name, false),
    ] {
        message = message.replace(&form, "[the child's name]");
    }
    message
}

/// The names given with `--child NAME` or `--child=NAME` on a command line: a usage error
/// from clap may quote any argument, and is cleaned of these before it is printed.
pub fn child_names(args: &[String]) -> Vec<String> {
    let mut names = Vec::new();
    let mut words = args.iter();
    while let Some(word) = words.next() {
        if word == "--child" {
            names.extend(words.next().cloned());
        } else if let Some(name) = word.strip_prefix("--child=") {
            names.push(name.to_owned());
        }
    }
    names
}

/// Everything the CLI prints passes through here (and `main` sends its errors through
/// [`printable`](crate::core::record::printable)): text from a procedure file, the settings or
/// the database is escaped by the one rule in `core::record::printable`, so an escape sequence
/// in a stored name or a closure label cannot set the window title, write the clipboard or
/// clear the screen. In JSON the same characters become `\uXXXX` escapes, which keeps the
/// document valid: outside its strings JSON holds only ASCII punctuation, spaces and newlines.
pub fn terminal_safe(text: &str, is_json: bool) -> String {
    use crate::core::record::{is_layout_control, printable};
    if !is_json {
        return printable(text, true);
    }
    if crate::core::record::is_plain_ascii(text, true) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (c.is_control() && c != '\n' && c != '\t') || is_layout_control(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 13: a theme file that is a FIFO hung the dashboard before it drew anything.
    #[test]
    fn a_theme_file_that_is_not_a_regular_file_is_named_not_read() {
        let dir = tempfile::TempDir::new().unwrap();
        let themes = dir.path().join("escalate").join("themes");
        std::fs::create_dir_all(&themes).unwrap();
        let fifo = themes.join("fifo.toml");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        std::os::unix::fs::symlink("/dev/zero", themes.join("zero.toml")).unwrap();
        std::fs::write(themes.join("ok.toml"), "name = \"Mine\"\n").unwrap();
        let paths = Paths {
            config_dir: Some(dir.path().join("escalate")),
            ..Paths::default()
        };
        let (read, unreadable) = read_theme_files(&paths);
        assert_eq!(read.len(), 1, "{read:?}");
        assert_eq!(unreadable.len(), 2, "{unreadable:?}");
        assert!(unreadable.iter().all(|e| e.contains("not a regular file")));
        assert!(unreadable[0].contains("fifo.toml"), "{unreadable:?}");
    }
}
