//! A sandbox for driving the real binary from the command line: its own config, data folder
//! and passphrase file, and a database on whichever backend the run is on
//! ([`crate::support::db`]). A test binary that uses it says `mod common; mod support; mod
//! sandbox;`, and adds what only it needs in an `impl Sandbox` of its own.

#![allow(dead_code, reason = "each test binary uses a different part")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

use crate::common::write_passphrase_file;
use crate::support;

pub struct Sandbox {
    pub dir: TempDir,
    /// The database file, or on PostgreSQL the URL of a fresh database.
    pub db: PathBuf,
}

impl Sandbox {
    pub fn new() -> Self {
        let dir = TempDir::new().unwrap();
        let db = support::db::path(dir.path(), "escalate.db");
        write_passphrase_file(dir.path());
        Self { dir, db }
    }

    pub fn db_arg(&self) -> &str {
        self.db.to_str().unwrap()
    }

    /// The binary with the sandbox's environment and nothing else of the caller's.
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_escalate"));
        command
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("HOME", self.dir.path())
            .env(
                "ESCALATE_PASSPHRASE_FILE",
                self.dir.path().join("passphrase"),
            )
            .env("USER", "test-dsl")
            .env_remove("LOGNAME")
            .env_remove("ESCALATE_NOW")
            .env_remove("ESCALATE_DB");
        command
    }

    /// Runs a command against the sandbox database at `now`.
    pub fn run(&self, now: &str, args: &[&str]) -> Output {
        self.command()
            .args(["--db", self.db_arg(), "--now", now])
            .args(args)
            .output()
            .unwrap()
    }

    /// A command that must succeed; returns its standard output.
    pub fn ok(&self, now: &str, args: &[&str]) -> String {
        let out = self.run(now, args);
        assert!(
            out.status.success(),
            "{args:?} at {now} failed ({:?}): {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// A command that must succeed, with `--json`; returns the parsed output.
    pub fn json(&self, now: &str, args: &[&str]) -> Value {
        let mut with_json = args.to_vec();
        with_json.push("--json");
        let text = self.ok(now, &with_json);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"))
    }

    pub fn show(&self, now: &str, id: i64) -> Value {
        self.json(now, &["show", &id.to_string()])
    }

    /// A command that must be refused: exit status 2, nothing on standard output, one line on
    /// standard error containing each of `needles`, and the database as it was: the file
    /// byte-for-byte (the previous command has exited, so its connection is closed and
    /// checkpointed), or on PostgreSQL every row of every table. Returns the error.
    pub fn refused(&self, now: &str, args: &[&str], needles: &[&str]) -> String {
        let before = support::db::state(&self.db);
        let out = self.run(now, args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?} at {now} should be refused with exit 2; stderr: {stderr}; stdout: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            out.stdout.is_empty(),
            "{args:?} printed to stdout when refused: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(
            stderr.lines().count(),
            1,
            "{args:?}: expected one line on stderr, got:\n{stderr}"
        );
        assert!(stderr.ends_with('\n'), "{args:?}: {stderr:?}");
        assert!(
            stderr.starts_with("escalate: "),
            "{args:?}: the error should name the program: {stderr}"
        );
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "{args:?}: expected {needle:?} in the error: {stderr}"
            );
        }
        assert!(
            support::db::state(&self.db) == before,
            "{args:?} changed the database although it was refused ({stderr})"
        );
        let wal = wal_path(&self.db);
        assert!(
            std::fs::metadata(&wal).map_or(true, |m| m.len() == 0),
            "{args:?} left a write-ahead log with content behind"
        );
        stderr
    }
}

/// The write-ahead log beside a database file.
pub fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}
