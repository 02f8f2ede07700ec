//! Encryption at rest (issue 13), through the real binary: a new database is encrypted, a
//! wrong passphrase gets one clear line, `rekey`, `decrypt --out`, `encrypt` (safe against a
//! SIGKILL at any moment), `init --plaintext`, the passphrase file's checks, and the prompt on
//! a real terminal.

use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

const NOW: &str = "2026-11-23 11:00";
/// A name that appears nowhere but in the record, to look for in the raw file.
const CHILD: &str = "Zebedee Quintrell-Hawthorne";
const PASSPHRASE: &str = "correct horse battery staple";

struct Sandbox {
    dir: TempDir,
    db: PathBuf,
}

fn write_private(path: &Path, text: &str, mode: u32) {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(mode)
        .open(path)
        .unwrap();
    std::io::Write::write_all(&mut file, text.as_bytes()).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

impl Sandbox {
    fn new() -> Self {
        let dir = TempDir::new().unwrap();
        let db = dir.path().join("escalate.db");
        let sandbox = Self { dir, db };
        sandbox.passphrase_file("pass", &format!("{PASSPHRASE}\n"));
        sandbox
    }

    fn passphrase_file(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.path().join(name);
        write_private(&path, text, 0o600);
        path
    }

    /// The binary on the sandbox database, with `passphrase` (a file in the sandbox) or none.
    fn command(&self, passphrase: Option<&str>, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_escalate"));
        command
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("HOME", self.dir.path())
            .env("USER", "test-dsl")
            .env_remove("ESCALATE_PASSPHRASE_FILE")
            .env_remove("ESCALATE_NOW")
            .env_remove("ESCALATE_DB")
            .stdin(Stdio::null())
            .arg("--db")
            .arg(&self.db)
            .args(["--now", NOW])
            .args(args);
        if let Some(name) = passphrase {
            command.env("ESCALATE_PASSPHRASE_FILE", self.dir.path().join(name));
        }
        command
    }

    fn run(&self, passphrase: Option<&str>, args: &[&str]) -> Output {
        self.command(passphrase, args).output().unwrap()
    }

    fn ok(&self, passphrase: Option<&str>, args: &[&str]) -> String {
        let out = self.run(passphrase, args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Fails with exit 2 and one line on standard error, which is returned.
    fn fails(&self, passphrase: Option<&str>, args: &[&str]) -> String {
        let out = self.run(passphrase, args);
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        stderr
    }

    fn record(&self, passphrase: Option<&str>, child: &str) {
        self.ok(
            passphrase,
            &[
                "new",
                "--procedure",
                "barnet",
                "--child",
                child,
                "--raised-by",
                "Sam Patel",
                "--agency",
                "Demo Primary",
                "--raised-with",
                "MASH",
                "--category",
                "other",
                "--summary",
                "Referral turned down",
            ],
        );
    }

    fn children(&self, passphrase: Option<&str>) -> Vec<String> {
        let listed: serde_json::Value =
            serde_json::from_str(&self.ok(passphrase, &["list", "--all", "--json"])).unwrap();
        listed
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["child"]["name"].as_str().unwrap().to_owned())
            .collect()
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Every byte escalate keeps for the database: the file and its -wal.
fn raw_bytes(db: &Path) -> Vec<u8> {
    let mut bytes = std::fs::read(db).unwrap();
    let mut wal = db.as_os_str().to_owned();
    wal.push("-wal");
    if let Ok(log) = std::fs::read(PathBuf::from(wal)) {
        bytes.extend(log);
    }
    bytes
}

#[test]
fn a_new_database_is_encrypted_and_shows_no_plaintext_on_disk() {
    let s = Sandbox::new();
    s.record(Some("pass"), CHILD);
    assert_eq!(s.children(Some("pass")), [CHILD]);
    let out = s.run(Some("pass"), &["list"]);
    assert!(
        out.stderr.is_empty(),
        "an encrypted database opens quietly: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = raw_bytes(&s.db);
    assert!(bytes.len() > 4096);
    assert!(!contains(&bytes, b"SQLite format 3"), "no plain header");
    assert!(!contains(&bytes, CHILD.as_bytes()), "no child's name");
    assert!(!contains(&bytes, b"Quintrell"), "no part of it either");
    assert!(!contains(&bytes, b"CREATE TABLE"), "no schema");
    assert_eq!(
        std::fs::metadata(&s.db).unwrap().permissions().mode() & 0o777,
        0o600
    );
    // verify passes on the encrypted file.
    assert!(s.ok(Some("pass"), &["verify"]).contains("OK"));
}

#[test]
fn a_wrong_passphrase_gets_one_clear_line_and_changes_nothing() {
    let s = Sandbox::new();
    s.record(Some("pass"), CHILD);
    s.ok(Some("pass"), &["verify"]);
    let before = std::fs::read(&s.db).unwrap();
    s.passphrase_file("wrong", "not the passphrase\n");
    for args in [&["list"][..], &["verify"], &["show", "1"], &["review"]] {
        let error = s.fails(Some("wrong"), args);
        assert!(error.contains("wrong passphrase for"), "{error}");
        assert!(!error.contains("not the passphrase"), "{error}");
        assert!(!error.contains(CHILD), "{error}");
    }
    // A record command refuses too, writing nothing.
    let out = s.run(
        Some("wrong"),
        &[
            "discuss", "1", "--with", "MASH", "--mode", "phone", "--notes", "n",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        std::fs::read(&s.db).unwrap() == before,
        "the file is unchanged"
    );
    assert_eq!(s.children(Some("pass")), [CHILD]);
}

#[test]
fn without_a_passphrase_or_a_terminal_a_command_says_what_to_do_and_does_not_hang() {
    let s = Sandbox::new();
    let error = s.fails(None, &["init"]);
    assert!(error.contains("ESCALATE_PASSPHRASE_FILE"), "{error}");
    assert!(error.contains("escalate init --plaintext"), "{error}");
    assert!(!s.db.exists(), "nothing was created");
    s.record(Some("pass"), CHILD);
    let error = s.fails(None, &["list"]);
    assert!(error.contains("ESCALATE_PASSPHRASE_FILE"), "{error}");
}

#[test]
fn a_passphrase_file_others_can_read_is_refused_and_never_quoted() {
    let s = Sandbox::new();
    let loose = s.dir.path().join("loose");
    write_private(&loose, "a secret phrase\n", 0o644);
    let error = s.fails(Some("loose"), &["init"]);
    assert!(error.contains("can be read by others"), "{error}");
    assert!(error.contains("chmod 600"), "{error}");
    assert!(!error.contains("a secret phrase"), "{error}");
    assert!(!s.db.exists(), "nothing was created");
    // Not a regular file, and empty.
    std::fs::create_dir(s.dir.path().join("folder")).unwrap();
    let error = s.fails(Some("folder"), &["init"]);
    assert!(error.contains("not a regular file"), "{error}");
    s.passphrase_file("empty", "\n");
    let error = s.fails(Some("empty"), &["init"]);
    assert!(error.contains("is empty"), "{error}");
}

#[test]
fn rekey_changes_the_passphrase_the_old_one_is_refused_and_the_new_one_works() {
    let s = Sandbox::new();
    s.record(Some("pass"), CHILD);
    let new_file = s.passphrase_file("new", "a brand new passphrase\n");
    let out = s
        .command(Some("pass"), &["rekey", "--new-passphrase-file"])
        .arg(&new_file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let error = s.fails(Some("pass"), &["list"]);
    assert!(error.contains("wrong passphrase"), "{error}");
    assert_eq!(s.children(Some("new")), [CHILD]);
    assert!(s.ok(Some("new"), &["verify"]).contains("OK"));
    assert!(!contains(&raw_bytes(&s.db), CHILD.as_bytes()));
    // A loose new passphrase file is refused, and the passphrase stays as it was.
    let loose = s.dir.path().join("loose");
    write_private(&loose, "another\n", 0o640);
    let out = s
        .command(Some("new"), &["rekey", "--new-passphrase-file"])
        .arg(&loose)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(s.children(Some("new")), [CHILD]);
}

#[test]
fn decrypt_writes_a_private_plain_copy_with_every_record_and_refuses_an_existing_file() {
    let s = Sandbox::new();
    s.record(Some("pass"), CHILD);
    s.record(Some("pass"), "Second Child");
    let copy = s.dir.path().join("sar.db");
    s.ok(Some("pass"), &["decrypt", "--out", copy.to_str().unwrap()]);
    assert_eq!(
        std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let bytes = std::fs::read(&copy).unwrap();
    assert!(bytes.starts_with(b"SQLite format 3\0"));
    assert!(contains(&bytes, CHILD.as_bytes()));
    // The copy is an escalate database in its own right: it opens plain, and verifies.
    let plain = Sandbox {
        dir: TempDir::new().unwrap(),
        db: copy.clone(),
    };
    let out = plain.run(None, &["list", "--all", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is not encrypted"),
        "a plain database is announced"
    );
    assert!(plain.ok(None, &["verify"]).contains("OK"));
    // An existing file is never overwritten.
    let before = std::fs::read(&copy).unwrap();
    let error = s.fails(Some("pass"), &["decrypt", "--out", copy.to_str().unwrap()]);
    assert!(error.contains("already exists"), "{error}");
    assert!(
        std::fs::read(&copy).unwrap() == before,
        "the file is unchanged"
    );
    let _ = plain.dir;
}

#[test]
fn init_plaintext_makes_a_plain_database_that_announces_itself_and_encrypt_converts_it() {
    let s = Sandbox::new();
    let out = s.ok(None, &["init", "--plaintext"]);
    assert!(out.contains("NOT encrypted"), "{out}");
    s.record(None, CHILD);
    assert!(contains(&std::fs::read(&s.db).unwrap(), b"SQLite format 3"));
    let out = s.run(None, &["list"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success());
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("is not encrypted"), "{stderr}");
    assert!(stderr.contains("escalate encrypt"), "{stderr}");
    // init again refuses, changing nothing.
    let error = s.fails(Some("pass"), &["init"]);
    assert!(error.contains("already exists"), "{error}");
    // encrypt converts it in place.
    let out = s.ok(Some("pass"), &["encrypt"]);
    assert!(out.contains("now encrypted"), "{out}");
    assert_eq!(s.children(Some("pass")), [CHILD]);
    assert!(s.ok(Some("pass"), &["verify"]).contains("OK"));
    assert!(!contains(&raw_bytes(&s.db), CHILD.as_bytes()));
    let error = s.fails(Some("pass"), &["encrypt"]);
    assert!(error.contains("already encrypted"), "{error}");
    let leftovers: Vec<_> = std::fs::read_dir(s.dir.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("encrypting"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

/// The conversion of a plain database, killed (SIGKILL) at many moments: whatever the moment,
/// exactly one usable database is left at the path, plain or encrypted, with every record.
#[test]
fn encrypt_killed_at_any_moment_leaves_one_usable_database_with_every_record() {
    let s = Sandbox::new();
    s.ok(None, &["init", "--plaintext"]);
    let names: Vec<String> = (0..12).map(|i| format!("Child Number{i}")).collect();
    for name in &names {
        s.record(None, name);
    }
    let pristine = s.dir.path().join("pristine.db");
    std::fs::copy(&s.db, &pristine).unwrap();
    let restore = || {
        for suffix in ["-wal", "-shm", "-journal"] {
            let mut side = s.db.as_os_str().to_owned();
            side.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(side));
        }
        std::fs::copy(&pristine, &s.db).unwrap();
    };
    // How long a whole conversion takes here, so that the kills fall across all of it.
    let started = std::time::Instant::now();
    s.ok(Some("pass"), &["encrypt"]);
    let whole = started.elapsed();
    let mut outcomes = (0, 0);
    for percent in [
        0_u32, 2, 5, 10, 20, 30, 40, 50, 60, 70, 80, 85, 90, 95, 100, 110, 130,
    ] {
        let delay = whole * percent / 100;
        let delay_ms = delay.as_millis();
        // Start each round from the same plain database.
        restore();
        let mut child = s
            .command(Some("pass"), &["encrypt"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        let is_plain = std::fs::read(&s.db)
            .unwrap()
            .starts_with(b"SQLite format 3\0");
        if is_plain {
            outcomes.0 += 1;
        } else {
            outcomes.1 += 1;
        }
        // Whatever the moment, the database at the path opens (with the passphrase file, which
        // a plain database ignores) and holds every record, and verifies.
        let mut listed = s.children(Some("pass"));
        listed.sort();
        let mut expected = names.clone();
        expected.sort();
        assert_eq!(listed, expected, "killed after {delay_ms} ms");
        assert!(
            s.ok(Some("pass"), &["verify"]).contains("OK"),
            "killed after {delay_ms} ms"
        );
        if !is_plain {
            assert!(!contains(&raw_bytes(&s.db), b"Child Number"));
        }
    }
    // The loop saw both sides of the rename.
    assert!(outcomes.0 > 0 && outcomes.1 > 0, "{outcomes:?}");
}

#[test]
fn the_passphrase_never_appears_in_any_error() {
    let s = Sandbox::new();
    s.record(Some("pass"), CHILD);
    s.passphrase_file("wrong", "hunter2-wrong-passphrase\n");
    let mut outputs = Vec::new();
    for args in [
        &["list"][..],
        &["show", "99"],
        &["verify", "--expect", "bogus"],
        &["amend", "1", "child", "Bad\u{202e}Name", "--why", "x"],
        &["decrypt", "--out", "/nonexistent-folder/x.db"],
        &["backup", "/nonexistent-folder/x.db"],
        &["rekey"],
        &["init"],
    ] {
        for file in ["pass", "wrong"] {
            let out = s.run(Some(file), args);
            outputs.push(String::from_utf8_lossy(&out.stderr).into_owned());
            outputs.push(String::from_utf8_lossy(&out.stdout).into_owned());
        }
    }
    for text in &outputs {
        assert!(!text.contains(PASSPHRASE), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(!text.contains("panicked"), "{text}");
    }
}

#[test]
fn the_demo_database_is_plain_and_says_so() {
    let s = Sandbox::new();
    let demo = s.dir.path().join("data/escalate/escalate-demo.db");
    let out = Command::new(env!("CARGO_BIN_EXE_escalate"))
        .env("XDG_CONFIG_HOME", s.dir.path().join("config"))
        .env("XDG_DATA_HOME", s.dir.path().join("data"))
        .env("HOME", s.dir.path())
        .env_remove("ESCALATE_PASSPHRASE_FILE")
        .env_remove("ESCALATE_DB")
        .args(["demo", "--now", NOW])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        std::fs::read(&demo)
            .unwrap()
            .starts_with(b"SQLite format 3\0")
    );
    let plain = Sandbox {
        dir: TempDir::new().unwrap(),
        db: demo,
    };
    let out = plain.run(None, &["list"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not encrypted (the demo database)"),
        "{stderr}"
    );
}

/// The prompt, on a real terminal (tmux): asked twice to create, must match, never echoed;
/// asked once to open.
#[test]
fn on_a_terminal_the_passphrase_is_asked_for_without_echo() {
    let s = Sandbox::new();
    let Ok(version) = Command::new("tmux").arg("-V").output() else {
        panic!("this test drives a terminal through tmux: install it (apt-get install tmux)");
    };
    assert!(version.status.success());
    let socket = s.dir.path().join("tmux.sock");
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(["-f", "/dev/null"])
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let program = format!(
        "env -u ESCALATE_PASSPHRASE_FILE XDG_CONFIG_HOME='{}' HOME='{}' '{}' --db '{}' --now '{NOW}' init; echo EXIT=$?; sleep 30",
        s.dir.path().join("config").display(),
        s.dir.path().display(),
        env!("CARGO_BIN_EXE_escalate"),
        s.db.display(),
    );
    let started = tmux(&[
        "new-session",
        "-d",
        "-s",
        "main",
        "-x",
        "100",
        "-y",
        "20",
        &program,
    ]);
    assert!(started.status.success(), "{started:?}");
    let screen = || {
        String::from_utf8_lossy(&tmux(&["capture-pane", "-p", "-t", "main"]).stdout).into_owned()
    };
    let wait_for = |what: &str| -> String {
        for _ in 0..200 {
            let shown = screen();
            if shown.contains(what) {
                return shown;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        panic!("waited for {what:?}: {}", screen());
    };
    // The tmux server is this test's own: killed however the test ends.
    struct Server(PathBuf);
    impl Drop for Server {
        fn drop(&mut self) {
            let _ = Command::new("tmux")
                .arg("-S")
                .arg(&self.0)
                .arg("kill-server")
                .output();
        }
    }
    let _server = Server(socket.clone());
    wait_for("New passphrase for");
    tmux(&["send-keys", "-t", "main", "-l", "typed secret"]);
    tmux(&["send-keys", "-t", "main", "Enter"]);
    wait_for("The same passphrase again");
    tmux(&["send-keys", "-t", "main", "-l", "typed secret"]);
    tmux(&["send-keys", "-t", "main", "Enter"]);
    let shown = wait_for("EXIT=");
    assert!(shown.contains("EXIT=0"), "{shown}");
    assert!(shown.contains("encrypted"), "{shown}");
    assert!(!shown.contains("typed secret"), "never echoed: {shown}");
    // The passphrase typed is the database's.
    s.passphrase_file("typed", "typed secret");
    s.record(Some("typed"), CHILD);
    assert_eq!(s.children(Some("typed")), [CHILD]);
    let error = s.fails(Some("pass"), &["list"]);
    assert!(error.contains("wrong passphrase"), "{error}");
}
