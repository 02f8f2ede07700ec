//! Durability, concurrency and privacy of the database, driven through the real binary as a user
//! (or a crash) would: a writer killed with SIGKILL mid-stream loses nothing it reported done and
//! leaves a sound database; two processes writing at once both succeed without forking the audit
//! chain; a backup taken while writing is a consistent, private prefix; new files are private;
//! a newer or foreign file is refused untouched; and the record is insert-only.
//!
//! Every child process is bounded by a timeout and killed (with its whole process group) on the
//! way out, so a hang fails the test instead of stalling CI.

mod common;
use common::write_passphrase_file;

use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, TryRecvError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_escalate");
/// When the escalation is raised, and when every later write happens: time is an input.
const RAISED: &str = "2026-11-23 10:00";
const LATER: &str = "2026-11-23 10:05";
/// The longest any single command may take before the test calls it a hang.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);

/// Sends SIGKILL to `target`: a pid, or `-PGID` for a whole process group (the shell builtin,
/// since `libc` is not a dependency).
fn send_kill(target: &str) {
    let _ = Command::new("sh")
        .arg("-c")
        .arg(format!("kill -KILL {target}"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

/// Runs a command to completion, killing it and failing the test if it outlives the timeout.
fn run_with_timeout(mut command: Command) -> Output {
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().expect("cannot start the command");
    let pid = child.id();
    let (tx, rx) = mpsc::channel();
    let waiter = thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    match rx.recv_timeout(COMMAND_TIMEOUT) {
        Ok(output) => {
            waiter.join().unwrap();
            output.expect("cannot wait for the command")
        }
        Err(_) => {
            send_kill(&pid.to_string());
            let _ = waiter.join();
            panic!("{command:?} did not finish within {COMMAND_TIMEOUT:?}");
        }
    }
}

/// A file's permission bits, as an octal string such as "600" so that failures read well.
fn mode(path: &Path) -> String {
    format!("{:o}", permission_bits(path))
}

fn permission_bits(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn sidecar(db: &Path, suffix: &str) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The write-ahead log's size, or `None` when there is no log file.
fn wal_len(db: &Path) -> Option<u64> {
    std::fs::metadata(sidecar(db, "-wal")).ok().map(|m| m.len())
}

fn integrity_check(db: &Path) -> Vec<String> {
    let conn = open_keyed(db).unwrap();
    let mut statement = conn.prepare("PRAGMA integrity_check").unwrap();
    statement
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn count(db: &Path, sql: &str) -> i64 {
    let conn = open_keyed(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Asserts the command failed with one line on stderr and nothing on stdout; returns the line.
fn refused(out: &Output, what: &str) -> String {
    let stderr = stderr_of(out);
    assert!(
        !out.status.success(),
        "{what} should have been refused, but succeeded: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        out.stdout.is_empty(),
        "{what} printed to stdout on failure: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert_eq!(
        stderr.lines().count(),
        1,
        "{what}: expected one line on stderr, got:\n{stderr}"
    );
    stderr
}

/// Held by the tests that start many processes or time a kill, so that they do not run at once:
/// on a loaded machine the sigkill test's kills, timed in milliseconds, otherwise land before
/// escalate has even opened the database.
static BUSY_TESTS: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn one_busy_test_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    BUSY_TESTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A private world for one test: config, data and home folders inside a tempdir.
struct Sandbox {
    dir: TempDir,
    db: PathBuf,
}

impl Sandbox {
    fn new() -> Self {
        let dir = TempDir::new().unwrap();
        let db = dir.path().join("escalate.db");
        write_passphrase_file(dir.path());
        Self { dir, db }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn env<'a>(&self, command: &'a mut Command) -> &'a mut Command {
        command
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("HOME", self.path("home"))
            .env("ESCALATE_PASSPHRASE_FILE", self.path("passphrase"))
            .env("USER", "test-dsl")
            .env_remove("ESCALATE_NOW")
            .env_remove("ESCALATE_DB")
    }

    /// The binary with the sandbox's environment and no `--db`.
    fn bare(&self, args: &[&str]) -> Output {
        let mut command = Command::new(BIN);
        self.env(&mut command).args(args);
        run_with_timeout(command)
    }

    fn run_on(&self, db: &Path, args: &[&str]) -> Output {
        let mut command = Command::new(BIN);
        self.env(&mut command).arg("--db").arg(db).args(args);
        run_with_timeout(command)
    }

    fn run(&self, args: &[&str]) -> Output {
        self.run_on(&self.db, args)
    }

    /// Runs the binary under `umask 000`, so that only the app's own care keeps files private.
    fn run_on_with_open_umask(&self, db: &Path, args: &[&str]) -> Output {
        let mut command = Command::new("sh");
        self.env(&mut command)
            .arg("-c")
            .arg("umask 000; exec \"$@\"")
            .arg("sh")
            .arg(BIN)
            .arg("--db")
            .arg(db)
            .args(args);
        run_with_timeout(command)
    }

    fn ok_on(&self, db: &Path, args: &[&str]) -> String {
        let out = self.run_on(db, args);
        assert!(
            out.status.success(),
            "{args:?} on {} failed: {}",
            db.display(),
            stderr_of(&out)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        self.ok_on(&self.db, args)
    }

    fn new_args() -> Vec<&'static str> {
        vec![
            "--now",
            RAISED,
            "new",
            "--procedure",
            "london",
            "--child",
            "Test Child",
            "--raised-by",
            "A DSL",
            "--agency",
            "School",
            "--raised-with",
            "Social care",
            "--category",
            "thresholds",
            "--summary",
            "text",
        ]
    }

    /// Raises escalation 1 in the sandbox's database.
    fn create_escalation(&self) {
        let out = self.ok(&Self::new_args());
        assert_eq!(out.trim(), "1", "new should print the id");
    }

    fn discuss(&self, notes: &str) {
        self.ok(&[
            "--now", LATER, "discuss", "1", "--with", "SW", "--mode", "phone", "--notes", notes,
        ]);
    }

    /// `escalate verify` must pass; returns the number of audit entries it checked.
    fn verify_on(&self, db: &Path) -> u64 {
        let out = self.ok_on(db, &["verify", "--json"]);
        let report: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(report["ok"], true, "verify: {out}");
        report["entries"].as_u64().unwrap()
    }

    /// The discussions of escalation 1 as `show --json` gives them: (id, notes), in id order,
    /// which is commit order (`show` lists the newest first).
    fn discussions_on(&self, db: &Path) -> Vec<(i64, String)> {
        let out = self.ok_on(db, &["--now", LATER, "show", "1", "--json"]);
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        let mut discussions = value["discussions"]
            .as_array()
            .expect("show --json has a discussions array")
            .iter()
            .map(|d| {
                (
                    d["id"].as_i64().unwrap(),
                    d["notes"].as_str().unwrap().to_owned(),
                )
            })
            .collect::<Vec<_>>();
        discussions.sort_by_key(|(id, _)| *id);
        discussions
    }

    /// Starts a shell, in its own process group, that records `count` discussions on escalation
    /// 1 one after another (notes `{prefix}1`, `{prefix}2`, ...), printing `done N` only after
    /// write N returned success, and `fail N` (then stopping) if one failed.
    fn spawn_writer(&self, db: &Path, prefix: &str, count: u32) -> Writer {
        const SCRIPT: &str = r#"i=0
while [ "$i" -lt "$COUNT" ]; do
  i=$((i+1))
  if "$ESC" --db "$DB" --now "$NOW" discuss 1 --with "SW" --mode phone --notes "$PREFIX$i" >/dev/null 2>>"$ERRORS"; then
    echo "done $i"
  else
    echo "fail $i"
    exit 1
  fi
done
echo finished
"#;
        let errors = self.path(&format!("writer-{prefix}.stderr"));
        let mut command = Command::new("sh");
        self.env(&mut command)
            .arg("-c")
            .arg(SCRIPT)
            .env("ESC", BIN)
            .env("DB", db)
            .env("NOW", LATER)
            .env("PREFIX", prefix)
            .env("COUNT", count.to_string())
            .env("ERRORS", &errors)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .process_group(0);
        let mut child = command.spawn().expect("cannot start the writer");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        let reader = thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Writer {
            child,
            lines: rx,
            reader: Some(reader),
            seen: Vec::new(),
            errors,
            disconnected: false,
        }
    }
}

/// A writer loop running in its own process group.
struct Writer {
    child: Child,
    lines: Receiver<String>,
    reader: Option<JoinHandle<()>>,
    seen: Vec<String>,
    errors: PathBuf,
    disconnected: bool,
}

impl Writer {
    fn pgid(&self) -> u32 {
        self.child.id()
    }

    /// The writes reported done so far, in order.
    fn done(&self) -> Vec<u32> {
        self.seen
            .iter()
            .filter_map(|l| l.strip_prefix("done "))
            .map(|n| n.parse().unwrap())
            .collect()
    }

    fn failures(&self) -> Vec<&String> {
        self.seen.iter().filter(|l| l.starts_with("fail")).collect()
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.errors).unwrap_or_default()
    }

    /// Takes every line already printed, without waiting.
    fn drain(&mut self) {
        loop {
            match self.lines.try_recv() {
                Ok(line) => self.seen.push(line),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    self.disconnected = true;
                    break;
                }
            }
        }
    }

    /// Waits until at least `n` writes are reported done, the writer stops, or `limit` passes.
    fn wait_for_done(&mut self, n: usize, limit: Duration) -> usize {
        let deadline = Instant::now() + limit;
        while !self.disconnected && self.done().len() < n {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => self.disconnected = true,
            }
        }
        self.done().len()
    }

    /// Reads the rest of the output until the pipe closes (or `limit` passes: then `false`).
    fn read_to_end(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        while !self.disconnected {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(RecvTimeoutError::Timeout) => return false,
                Err(RecvTimeoutError::Disconnected) => self.disconnected = true,
            }
        }
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        true
    }

    /// SIGKILLs the whole group (the shell and any escalate it is running), reaps the shell and
    /// collects everything it printed before dying.
    fn kill(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            send_kill(&format!("-{}", self.pgid()));
        }
        self.child.wait().unwrap();
        assert!(
            self.read_to_end(Duration::from_secs(10)),
            "the writer's output stayed open after SIGKILL"
        );
    }

    /// Lets the writer run to its end; kills it and fails the test if it takes longer than
    /// `limit`.
    fn finish(&mut self, limit: Duration) -> ExitStatus {
        if !self.read_to_end(limit) {
            self.kill();
            panic!(
                "the writer did not finish within {limit:?}; it reported {} writes",
                self.done().len()
            );
        }
        self.child.wait().unwrap()
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            send_kill(&format!("-{}", self.pgid()));
            let _ = self.child.wait();
        }
    }
}

#[test]
fn sigkill_mid_stream_loses_nothing_reported_and_leaves_a_sound_database() {
    let _busy = one_busy_test_at_a_time();
    let started = Instant::now();
    let s = Sandbox::new();
    s.create_escalation();
    // Vary the moment of the kill after the last "done": the next write is somewhere between
    // starting up, waiting for the lock, writing its transaction and committing.
    let delays_ms = [0, 3, 6, 9, 1, 4, 7, 11, 2, 5];
    let mut inside_escalate = 0;
    let mut log_with_frames = 0;
    let mut total_reported = 0;
    // At least eight rounds, and more (up to sixty, or about 25 s) until three kills have caught
    // an escalate with the database open: whether a kill lands inside escalate is luck, so the
    // test keeps trying rather than fail for want of it.
    for round in 0..60 {
        let delay = delays_ms[round % delays_ms.len()];
        let prefix = format!("r{round}-n");
        let mut writer = s.spawn_writer(&s.db, &prefix, 400);
        let reported = writer.wait_for_done(10 + round * 3, Duration::from_secs(5));
        assert!(
            !writer.disconnected,
            "round {round}: the writer stopped by itself: {:?}; stderr: {}",
            writer.seen,
            writer.stderr()
        );
        assert!(
            reported > 0,
            "round {round}: no write reported done within 5 s"
        );
        if round % 2 == 0 {
            thread::sleep(Duration::from_millis(delay));
        } else {
            // Every other round waits for the next write to have the database open (its log
            // exists) and kills it then, so that kills inside escalate do not rest on luck.
            let waiting = std::time::Instant::now();
            while wal_len(&s.db).is_none() && waiting.elapsed() < Duration::from_millis(500) {
                thread::yield_now();
            }
        }
        writer.kill();
        assert!(
            writer.failures().is_empty(),
            "round {round}: a write failed before the kill: {:?}; stderr: {}",
            writer.failures(),
            writer.stderr()
        );
        // A log left behind means the kill caught an escalate with the database open.
        match wal_len(&s.db) {
            Some(0) => inside_escalate += 1,
            Some(_) => {
                inside_escalate += 1;
                log_with_frames += 1;
            }
            None => {}
        }

        let done = writer.done();
        total_reported += done.len();
        assert_eq!(
            done,
            (1..=u32::try_from(done.len()).unwrap()).collect::<Vec<_>>(),
            "round {round}: the writer reports in order"
        );

        // The app copes with the crashed database: verify passes, and every reported write is
        // there, exactly once.
        let entries = s.verify_on(&s.db);
        let discussions = s.discussions_on(&s.db);
        assert_eq!(
            entries,
            1 + discussions.len() as u64,
            "round {round}: one audit entry per write, plus the escalation's"
        );
        let this_round: Vec<&str> = discussions
            .iter()
            .filter_map(|(_, notes)| notes.strip_prefix(&prefix))
            .collect();
        for n in &done {
            let count = this_round.iter().filter(|x| **x == n.to_string()).count();
            assert_eq!(
                count, 1,
                "round {round}: write {prefix}{n} was reported done but appears {count} times"
            );
        }
        // Nothing beyond the write in flight, and no gaps: the kill lost at most that one.
        let expected: Vec<String> = (1..=done.len()).map(|n| n.to_string()).collect();
        let mut with_in_flight = expected.clone();
        with_in_flight.push((done.len() + 1).to_string());
        assert!(
            this_round == expected || this_round == with_in_flight,
            "round {round}: reported {} writes, database holds {this_round:?}",
            done.len()
        );
        assert_eq!(integrity_check(&s.db), ["ok"], "round {round}");
        if round >= 7 && (inside_escalate >= 3 || started.elapsed() > Duration::from_secs(25)) {
            break;
        }
    }
    eprintln!(
        "sigkill: {total_reported} writes reported; {inside_escalate} kills caught escalate with the \
         database open ({log_with_frames} with frames in its log)"
    );
    assert!(
        inside_escalate > 0,
        "no kill landed while escalate had the database open, so the test proved nothing"
    );

    // Writing goes on normally afterwards, and the whole file is sound.
    s.discuss("after the crashes");
    let discussions = s.discussions_on(&s.db);
    assert_eq!(
        discussions.last().map(|(_, n)| n.as_str()),
        Some("after the crashes")
    );
    let ids: HashSet<i64> = discussions.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids.len(), discussions.len(), "discussion ids are unique");
    assert_eq!(s.verify_on(&s.db), 1 + discussions.len() as u64);
    assert_eq!(integrity_check(&s.db), ["ok"]);
    assert_eq!(
        count(&s.db, "SELECT count(*) FROM audit"),
        1 + i64::try_from(discussions.len()).unwrap()
    );
}

#[test]
fn two_processes_writing_at_once_both_succeed_without_forking_the_audit_chain() {
    let _busy = one_busy_test_at_a_time();
    const EACH: u32 = 60;
    let s = Sandbox::new();
    s.create_escalation();
    let mut a = s.spawn_writer(&s.db, "a", EACH);
    let mut b = s.spawn_writer(&s.db, "b", EACH);
    // A bound against a hang, not a timing: each write is a process that derives the
    // database's key (encrypted, as by default), which on a loaded machine takes a while.
    let status_a = a.finish(Duration::from_secs(150));
    let status_b = b.finish(Duration::from_secs(150));
    for (name, writer, status) in [("a", &a, status_a), ("b", &b, status_b)] {
        assert!(
            writer.failures().is_empty() && status.success(),
            "writer {name} had a failed write: {:?}; stderr: {}",
            writer.failures(),
            writer.stderr()
        );
        assert_eq!(
            writer.done(),
            (1..=EACH).collect::<Vec<_>>(),
            "writer {name}"
        );
        assert_eq!(writer.seen.last().map(String::as_str), Some("finished"));
        let stderr = writer.stderr();
        assert!(
            stderr.is_empty(),
            "writer {name} printed errors (e.g. database is locked): {stderr}"
        );
    }

    let discussions = s.discussions_on(&s.db);
    let mut notes: Vec<&str> = discussions.iter().map(|(_, n)| n.as_str()).collect();
    notes.sort_unstable();
    let mut expected: Vec<String> = (1..=EACH)
        .flat_map(|i| [format!("a{i}"), format!("b{i}")])
        .collect();
    expected.sort_unstable();
    assert_eq!(notes, expected, "every write from both, each exactly once");
    let ids: HashSet<i64> = discussions.iter().map(|(id, _)| *id).collect();
    assert_eq!(ids.len(), discussions.len(), "discussion ids are unique");

    let writes = 2 * i64::from(EACH);
    assert_eq!(s.verify_on(&s.db), 1 + 2 * u64::from(EACH));
    assert_eq!(count(&s.db, "SELECT count(*) FROM audit"), 1 + writes);
    assert_eq!(count(&s.db, "SELECT max(id) FROM audit"), 1 + writes);
    // No fork: no two entries chain from the same predecessor.
    assert_eq!(
        count(&s.db, "SELECT count(DISTINCT prev_hash) FROM audit"),
        1 + writes
    );
    assert_eq!(integrity_check(&s.db), ["ok"]);
}

#[test]
fn a_backup_taken_while_writing_is_a_private_consistent_prefix() {
    let _busy = one_busy_test_at_a_time();
    let s = Sandbox::new();
    s.create_escalation();
    let mut writer = s.spawn_writer(&s.db, "n", 300);
    let mut backups = Vec::new();
    for (index, wanted) in [5usize, 25, 50].into_iter().enumerate() {
        writer.wait_for_done(wanted, Duration::from_secs(10));
        let done_before = writer.done().len();
        let file = s.path(&format!("backup-{index}.db"));
        let out = s.run_on_with_open_umask(&s.db, &["backup", file.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "backup {index} failed while writing: {}",
            stderr_of(&out)
        );
        assert_eq!(
            mode(&file),
            "600",
            "backup {index} must be readable only by its owner"
        );
        // The backup is one self-contained file: a copy of that file alone holds everything.
        let alone = s.path(&format!("alone-{index}"));
        std::fs::create_dir(&alone).unwrap();
        let copy = alone.join("copy.db");
        std::fs::copy(&file, &copy).unwrap();
        backups.push((index, file, copy, done_before));
    }
    writer.drain();
    assert!(
        writer.failures().is_empty(),
        "a write failed while backing up: {:?}; stderr: {}",
        writer.failures(),
        writer.stderr()
    );
    assert!(
        !writer.disconnected,
        "the writer had stopped before the last backup, so nothing was written during it"
    );
    writer.kill();
    let live: Vec<String> = s
        .discussions_on(&s.db)
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    let committed = live.len();
    assert_eq!(
        live,
        (1..=committed).map(|i| format!("n{i}")).collect::<Vec<_>>()
    );
    assert!(
        writer.done().len() <= committed,
        "writes reported done are missing from the database"
    );

    // Refusing to overwrite: a second backup to the same name fails and leaves it as it was.
    let (_, first, _, _) = &backups[0];
    let bytes = std::fs::read(first).unwrap();
    let out = s.run_on(&s.db, &["backup", first.to_str().unwrap()]);
    refused(&out, "backup over an existing file");
    assert_eq!(std::fs::read(first).unwrap(), bytes);

    let mut previous = 0;
    for (index, file, copy, done_before) in &backups {
        for path in [copy, file] {
            let discussions = s.discussions_on(path);
            let notes: Vec<&str> = discussions.iter().map(|(_, n)| n.as_str()).collect();
            let k = notes.len();
            let prefix: Vec<String> = (1..=k).map(|i| format!("n{i}")).collect();
            assert_eq!(
                notes,
                prefix,
                "backup {index} ({}) is not a prefix of the writes",
                path.display()
            );
            assert!(
                k >= *done_before,
                "backup {index} ({}) lacks writes reported done before it was taken: has {k}, {done_before} were done",
                path.display()
            );
            assert!(k <= committed, "backup {index} holds more than was written");
            assert!(k >= previous, "later backups hold at least as much");
            assert_eq!(s.verify_on(path), 1 + k as u64, "backup {index}");
            assert_eq!(integrity_check(path), ["ok"]);
        }
        previous = s.discussions_on(file).len();
    }
    assert_eq!(s.verify_on(&s.db), 1 + committed as u64);
}

#[test]
fn new_databases_are_private_and_live_in_the_data_folder_by_default() {
    let s = Sandbox::new();
    // The open umask below must really give world-readable files, or the test proves nothing.
    let control = s.path("control");
    let status = Command::new("sh")
        .arg("-c")
        .arg("umask 000; mkdir \"$1\"; : > \"$1/file\"")
        .arg("sh")
        .arg(&control)
        .status()
        .unwrap();
    assert!(status.success());
    assert_eq!(mode(&control), "777");
    assert_eq!(mode(&control.join("file")), "666");

    // A path whose folders do not exist yet.
    let db = s.path("not/yet/there/records.db");
    let out = s.run_on_with_open_umask(&db, &Sandbox::new_args());
    assert!(out.status.success(), "new failed: {}", stderr_of(&out));
    assert_eq!(mode(&db), "600", "the database file");
    assert_eq!(mode(db.parent().unwrap()), "700", "the database's folder");

    // Its log and shared-memory files, kept while another connection holds it open.
    let holder = open_keyed(&db).unwrap();
    let _: i64 = holder
        .query_row("SELECT count(*) FROM escalations", [], |r| r.get(0))
        .unwrap();
    let out = s.run_on_with_open_umask(
        &db,
        &[
            "--now", LATER, "discuss", "1", "--with", "SW", "--mode", "phone", "--notes", "n1",
        ],
    );
    assert!(out.status.success(), "discuss failed: {}", stderr_of(&out));
    for suffix in ["-wal", "-shm"] {
        let file = sidecar(&db, suffix);
        assert!(file.exists(), "{} should exist", file.display());
        assert_eq!(mode(&file), "600", "{}", file.display());
    }
    drop(holder);

    // No --db and no ESCALATE_DB: $XDG_DATA_HOME/escalate/escalate.db.
    let out = s.bare(&Sandbox::new_args());
    assert!(
        out.status.success(),
        "new without --db failed: {}",
        stderr_of(&out)
    );
    let default = s.path("data").join("escalate").join("escalate.db");
    assert!(
        default.is_file(),
        "expected the database at {}",
        default.display()
    );
    assert_eq!(mode(&default), "600");
    assert_eq!(mode(default.parent().unwrap()), "700");
    assert_eq!(count(&default, "SELECT count(*) FROM escalations"), 1);
    let out = s.bare(&["verify"]);
    assert!(out.status.success(), "verify: {}", stderr_of(&out));
    assert!(
        !s.path("home").join(".local").exists(),
        "nothing is written under $HOME when XDG_DATA_HOME is set"
    );
}

#[test]
fn a_newer_or_foreign_file_is_refused_and_left_untouched() {
    let s = Sandbox::new();
    s.create_escalation();
    s.discuss("before the upgrade");
    {
        let conn = open_keyed(&s.db).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
    }
    let discuss = [
        "--now", LATER, "discuss", "1", "--with", "SW", "--mode", "phone", "--notes", "n2",
    ];
    let new_args = Sandbox::new_args();
    let commands: [&[&str]; 5] = [
        &["--now", LATER, "list"],
        &["--now", LATER, "show", "1"],
        &["verify"],
        &discuss,
        &new_args,
    ];

    let bytes = std::fs::read(&s.db).unwrap();
    let wal = wal_len(&s.db);
    for args in commands {
        let out = s.run(args);
        let err = refused(&out, &format!("{args:?} on a newer database"));
        assert!(
            err.contains("newer version"),
            "{args:?}: the error should say the database is from a newer version: {err}"
        );
        assert!(err.contains("999"), "{args:?}: {err}");
        assert_eq!(
            std::fs::read(&s.db).unwrap(),
            bytes,
            "{args:?} changed the newer database"
        );
        assert!(
            matches!(wal_len(&s.db), None | Some(0)) || wal_len(&s.db) == wal,
            "{args:?} left writes in the newer database's log"
        );
    }
    let conn = open_keyed(&s.db).unwrap();
    let version: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert_eq!(version, 999);
    drop(conn);

    // Not a database at all: random bytes, and a short text file.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let random: Vec<u8> = (0..8192)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect();
    for (name, content) in [
        ("random.db", random.as_slice()),
        ("notes.txt", b"Meeting notes, not a database.\n".as_slice()),
    ] {
        let path = s.path(name);
        std::fs::write(&path, content).unwrap();
        for args in commands {
            let out = s.run_on(&path, args);
            let err = refused(&out, &format!("{args:?} on {name}"));
            assert!(
                err.contains("not an escalate database"),
                "{args:?} on {name}: unclear error: {err}"
            );
            assert_eq!(
                std::fs::read(&path).unwrap(),
                content,
                "{args:?} changed {name}"
            );
            assert!(
                matches!(wal_len(&path), None | Some(0)),
                "{args:?} wrote a log next to {name}"
            );
        }
    }
}

#[test]
fn the_record_is_insert_only_and_tampering_is_detected() {
    let s = Sandbox::new();
    s.create_escalation();
    s.discuss("first");
    let conn = open_keyed(&s.db).unwrap();
    for sql in [
        "UPDATE escalations SET child_name = 'x'",
        "DELETE FROM escalations",
        "UPDATE discussions SET notes = 'x'",
        "DELETE FROM discussions",
        "UPDATE audit SET summary = 'x'",
        "DELETE FROM audit",
    ] {
        let result = conn.execute(sql, []);
        let err = result.expect_err(&format!("{sql} should be refused by a trigger"));
        assert!(
            err.to_string().contains("never changed or deleted"),
            "{sql}: refused for another reason: {err}"
        );
    }
    let name: String = conn
        .query_row("SELECT child_name FROM escalations WHERE id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(name, "Test Child");
    assert_eq!(count(&s.db, "SELECT count(*) FROM audit"), 2);
    assert_eq!(count(&s.db, "SELECT count(*) FROM discussions"), 1);
    assert_eq!(s.verify_on(&s.db), 2);

    // Someone with the file can drop a trigger; the audit chain then gives them away.
    conn.execute_batch(
        "DROP TRIGGER escalations_no_update; UPDATE escalations SET child_name = 'x';",
    )
    .unwrap();
    drop(conn);
    let out = s.run(&["verify"]);
    let err = refused(&out, "verify after tampering");
    assert!(
        err.contains("verification failed") && err.contains("changed"),
        "{err}"
    );
}

// ---- Issue 13, findings 2, 3 and 7: symlinks, permissions, other files, first use ----

/// Runs `args` on `db` under `umask 000` with the sandbox's environment, plus `prelude` shell
/// lines run first (a `ulimit`, a `trap`).
fn run_with_prelude(s: &Sandbox, prelude: &str, db: &Path, args: &[&str]) -> Output {
    let mut command = Command::new("sh");
    s.env(&mut command)
        .arg("-c")
        .arg(format!("umask 000; {prelude}\nexec \"$@\""))
        .arg("sh")
        .arg(BIN)
        .arg("--db")
        .arg(db)
        .args(args);
    run_with_timeout(command)
}

#[test]
fn a_symlink_at_the_database_path_is_refused_and_its_target_never_created() {
    let s = Sandbox::new();
    // Another user plants a link where the DSL's database will be, pointing somewhere they read.
    let shared = s.path("shared");
    std::fs::create_dir(&shared).unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let target = s.path("attacker-reads-this.db");
    let db = shared.join("escalate.db");
    std::os::unix::fs::symlink(&target, &db).unwrap();
    let discuss = vec![
        "--now", LATER, "discuss", "1", "--with", "SW", "--mode", "phone", "--notes", "n",
    ];
    for args in [Sandbox::new_args(), discuss, vec!["verify"]] {
        let out = s.run_on_with_open_umask(&db, &args);
        let err = refused(&out, &format!("{args:?} through a planted symlink"));
        assert!(err.contains("symbolic link"), "unclear error: {err}");
        assert!(
            !target.exists(),
            "{args:?} created the link's target: {}",
            mode(&target)
        );
    }
    // A link to an existing escalate database is refused too, and the database left alone.
    s.create_escalation();
    let before = std::fs::read(&s.db).unwrap();
    let link = s.path("link.db");
    std::os::unix::fs::symlink(&s.db, &link).unwrap();
    let err = refused(&s.run_on(&link, &["verify"]), "verify through a symlink");
    assert!(err.contains("symbolic link"), "{err}");
    assert_eq!(std::fs::read(&s.db).unwrap(), before);
    // So is a planted log file beside a real database.
    let wal_target = s.path("attacker-wal");
    std::os::unix::fs::symlink(&wal_target, sidecar(&s.db, "-wal")).unwrap();
    let err = refused(&s.run(&["verify"]), "verify with a planted -wal link");
    assert!(err.contains("symbolic link"), "{err}");
    assert!(!wal_target.exists(), "the -wal link was followed");
    std::fs::remove_file(sidecar(&s.db, "-wal")).unwrap();
    s.ok(&["verify"]);
}

#[test]
fn a_looser_existing_database_and_its_log_are_made_private_before_use() {
    let _busy = one_busy_test_at_a_time();
    let s = Sandbox::new();
    s.create_escalation();
    // A holder keeps the log and shared-memory files in place, then everything is loosened
    // (a copy restored with cp, an old version, a careless chmod).
    let holder = open_keyed(&s.db).unwrap();
    let _: i64 = holder
        .query_row("SELECT count(*) FROM escalations", [], |r| r.get(0))
        .unwrap();
    for file in [s.db.clone(), sidecar(&s.db, "-wal"), sidecar(&s.db, "-shm")] {
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let out = s.run_on_with_open_umask(&s.db, &["--now", LATER, "list"]);
    assert!(out.status.success(), "list failed: {}", stderr_of(&out));
    for suffix in ["", "-wal", "-shm"] {
        let file = sidecar(&s.db, suffix);
        assert_eq!(mode(&file), "600", "{}", file.display());
    }
    drop(holder);

    // Loosened again with no log left: every log file SQLite creates from then on is private
    // from its first byte (it copies the database file's mode, so that is tightened first).
    std::fs::set_permissions(&s.db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut writer = s.spawn_writer(&s.db, "p", 40);
    let started = Instant::now();
    let mut seen = 0;
    while writer.done().len() < 40 && started.elapsed() < Duration::from_secs(30) {
        writer.drain();
        if writer.disconnected {
            break;
        }
        for suffix in ["-wal", "-shm"] {
            if let Ok(meta) = std::fs::metadata(sidecar(&s.db, suffix)) {
                seen += 1;
                assert_eq!(
                    format!("{:o}", meta.permissions().mode() & 0o777),
                    "600",
                    "{suffix} of a loosened database"
                );
            }
        }
    }
    writer.finish(COMMAND_TIMEOUT);
    assert!(writer.failures().is_empty(), "{}", writer.stderr());
    assert!(seen > 0, "the log was never seen, so nothing was checked");
    assert_eq!(mode(&s.db), "600");
}

/// Another application's SQLite database, in rollback-journal mode and world-readable.
fn foreign_database(path: &Path, application_id: i32) -> Vec<u8> {
    {
        let conn = open_keyed(path).unwrap();
        conn.execute_batch(
            "CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('someone');",
        )
        .unwrap();
        conn.pragma_update(None, "application_id", application_id)
            .unwrap();
    }
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::read(path).unwrap()
}

#[test]
fn another_applications_sqlite_file_is_refused_byte_for_byte_untouched() {
    let s = Sandbox::new();
    let discuss = [
        "--now", LATER, "discuss", "1", "--with", "SW", "--mode", "phone", "--notes", "n",
    ];
    let new_args = Sandbox::new_args();
    let backup = s.path("copy-of-foreign.db");
    let backup_args = ["backup", backup.to_str().unwrap()];
    let commands: [&[&str]; 6] = [
        &["--now", LATER, "list"],
        &["--now", LATER, "review"],
        &["verify"],
        &discuss,
        &new_args,
        &backup_args,
    ];
    for (name, application_id) in [("plain.sqlite", 0), ("stamped.sqlite", 0x1234_5678)] {
        let path = s.path(name);
        let bytes = foreign_database(&path, application_id);
        for args in commands {
            let err = refused(&s.run_on(&path, args), &format!("{args:?} on {name}"));
            assert!(
                err.contains("not an escalate database"),
                "{args:?} on {name}: unclear error: {err}"
            );
            assert_eq!(
                std::fs::read(&path).unwrap(),
                bytes,
                "{args:?} changed {name}"
            );
            assert_eq!(mode(&path), "644", "{args:?} chmodded {name}");
            for suffix in ["-wal", "-shm", "-journal"] {
                assert!(
                    !sidecar(&path, suffix).exists(),
                    "{args:?} left {suffix} beside {name}"
                );
            }
            assert!(!backup.exists(), "{args:?} copied {name}");
        }
    }
    // escalate's own databases carry its application id.
    s.create_escalation();
    let conn = open_keyed(&s.db).unwrap();
    let id: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    assert_eq!(id, 0x4553_434C, "ESCL");
}

#[test]
fn a_database_from_before_the_application_id_is_stamped_and_still_verifies() {
    let s = Sandbox::new();
    s.create_escalation();
    {
        let conn = open_keyed(&s.db).unwrap();
        conn.pragma_update(None, "application_id", 0).unwrap();
        // Version 7: everything but migration 8, which stamps the application id.
        conn.pragma_update(None, "user_version", 7).unwrap();
    }
    s.ok(&["verify"]);
    s.discuss("after the stamp");
    let conn = open_keyed(&s.db).unwrap();
    let id: i64 = conn
        .pragma_query_value(None, "application_id", |r| r.get(0))
        .unwrap();
    assert_eq!(id, 0x4553_434C);
    assert_eq!(count(&s.db, "SELECT count(*) FROM discussions"), 1);
}

#[test]
fn a_backup_that_fails_leaves_no_file_and_verify_refuses_an_empty_one() {
    let s = Sandbox::new();
    s.create_escalation();
    s.discuss("to make the database bigger than the limit");
    // A full disk, as far as the backup can tell: files may not grow past a few kilobytes
    // (with SIGXFSZ ignored, a write past the limit fails with EFBIG, as on a full disk). The
    // limit (40 KiB in dash's 512-byte blocks, 80 KiB in bash's) leaves room for the 32 KiB
    // shared-memory file and not for the 128 KiB copy.
    let destination = s.path("backups/full-disk.db");
    let out = run_with_prelude(
        &s,
        "trap '' XFSZ; ulimit -f 80",
        &s.db,
        &["backup", destination.to_str().unwrap()],
    );
    refused(&out, "a backup onto a full disk");
    assert!(
        !destination.exists(),
        "a failed backup left {} ({} bytes)",
        destination.display(),
        std::fs::metadata(&destination)
            .map(|m| m.len())
            .unwrap_or(0)
    );
    let leftovers: Vec<_> = std::fs::read_dir(destination.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
    s.ok(&["verify"]);

    // An empty file (what a failed copy used to leave) is not a verified database.
    let empty = s.path("empty.db");
    std::fs::write(&empty, b"").unwrap();
    for args in [&["verify"][..], &["--now", LATER, "show", "1"]] {
        let err = refused(
            &s.run_on(&empty, args),
            &format!("{args:?} on an empty file"),
        );
        assert!(err.contains("not an escalate database"), "{err}");
        assert!(err.contains("empty"), "{err}");
        assert_eq!(std::fs::read(&empty).unwrap(), b"");
    }
    // A good backup still works, and verifies.
    let good = s.path("backups/good.db");
    s.ok(&["backup", good.to_str().unwrap()]);
    assert_eq!(mode(&good), "600");
    s.ok_on(&good, &["verify"]);
}

#[test]
fn a_read_only_folder_is_named_as_such() {
    let s = Sandbox::new();
    // As root, permissions do not bind: run as nobody, in folders nobody may enter.
    let is_root =
        std::os::unix::fs::MetadataExt::uid(&std::fs::metadata(s.dir.path()).unwrap()) == 0;
    std::fs::set_permissions(s.dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let folder = s.path("locked");
    std::fs::create_dir(&folder).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o777)).unwrap();
    let db = folder.join("escalate.db");
    // The passphrase file must be readable by whoever runs escalate (0600, theirs).
    let passphrase = write_passphrase_file(&folder);
    if is_root {
        std::os::unix::fs::chown(&passphrase, Some(65534), Some(65534)).unwrap();
    }
    let run = |args: &[&str]| {
        let mut command = if is_root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
            c
        } else {
            Command::new(BIN)
        };
        s.env(&mut command)
            .env("XDG_CONFIG_HOME", folder.join("config"))
            .env("XDG_DATA_HOME", folder.join("data"))
            .env("ESCALATE_PASSPHRASE_FILE", &passphrase)
            .arg("--db")
            .arg(&db)
            .args(args);
        run_with_timeout(command)
    };
    let out = run(&Sandbox::new_args());
    assert!(out.status.success(), "new: {}", stderr_of(&out));
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o555)).unwrap();
    for args in [
        &["--now", LATER, "list"][..],
        &["verify"],
        &Sandbox::new_args(),
    ] {
        let err = refused(&run(args), &format!("{args:?} in a read-only folder"));
        assert!(
            err.contains("not writable"),
            "{args:?}: wrong diagnosis: {err}"
        );
        assert!(!err.contains("not an escalate database"), "{err}");
    }
    // A new database in a read-only folder: the same diagnosis.
    let elsewhere = folder.join("other.db");
    let mut command = if is_root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", BIN]);
        c
    } else {
        Command::new(BIN)
    };
    s.env(&mut command)
        .env("ESCALATE_PASSPHRASE_FILE", &passphrase)
        .arg("--db")
        .arg(&elsewhere)
        .args(Sandbox::new_args());
    let err = refused(&run_with_timeout(command), "new in a read-only folder");
    assert!(err.contains("not writable"), "{err}");
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o700)).unwrap();
}

#[test]
fn four_commands_at_once_on_a_new_database_all_succeed() {
    let _busy = one_busy_test_at_a_time();
    let s = Sandbox::new();
    // Before the fix about one round in fifteen to thirty failed with "database is locked":
    // sixty rounds caught it in two runs of three, so eighty.
    for round in 0..80 {
        let db = s.path(&format!("round-{round}.db"));
        let children: Vec<Child> = (0..4)
            .map(|_| {
                let mut command = Command::new(BIN);
                s.env(&mut command)
                    .arg("--db")
                    .arg(&db)
                    .args(Sandbox::new_args())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped());
                command.spawn().unwrap()
            })
            .collect();
        for child in children {
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "round {round}: a command on a new database failed: {}",
                stderr_of(&out)
            );
        }
        assert_eq!(count(&db, "SELECT count(*) FROM escalations"), 4);
    }
    s.ok_on(&s.path("round-79.db"), &["verify"]);
}

/// A database file opened directly (to look at or tamper with it behind escalate's back),
/// keyed with the sandbox's passphrase when it is encrypted (SQLCipher's own derivation of it,
/// which escalate's equals): a file of 16 bytes or more that is not a plain SQLite file.
fn open_keyed<P: AsRef<Path>>(db: P) -> rusqlite::Result<Connection> {
    let db = db.as_ref();
    let is_encrypted = std::fs::read(db)
        .map(|b| b.len() >= 16 && !b.starts_with(b"SQLite format 3\0"))
        .unwrap_or(false);
    let conn = Connection::open(db)?;
    if is_encrypted {
        conn.pragma_update(None, "key", "test passphrase")?;
    }
    Ok(conn)
}
