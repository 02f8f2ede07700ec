//! Issues 13 and 14 through the binary: times outside 1900..=2200, text that must never reach a
//! terminal raw, children's names kept out of argv and errors, files that are not regular
//! files, escalations whose procedure is gone, UK dates, completions and the man page.
//!
//! Every run has a timeout, so a regression that hangs (a FIFO read, a day-by-day walk over a
//! century) fails the test instead of stalling the suite.

mod common;
mod support;
use common::write_passphrase_file;

use std::io::{Read as _, Write as _};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tempfile::TempDir;

/// How long a command may run before the test calls it hung.
const HANG: Duration = Duration::from_secs(90);

const NOW: &str = "2026-11-25 10:00";

/// What a run left behind.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// A sandbox: a temp folder holding the database and the XDG folders.
struct Sandbox {
    dir: TempDir,
    db: PathBuf,
}

impl Sandbox {
    fn new() -> Self {
        let dir = TempDir::new().unwrap();
        let db = support::db::path(dir.path(), "escalate.db");
        write_passphrase_file(dir.path());
        Self { dir, db }
    }

    fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config").join("escalate")
    }

    fn write_config(&self, text: &str) {
        std::fs::create_dir_all(self.config_dir()).unwrap();
        std::fs::write(self.config_dir().join("config.toml"), text).unwrap();
    }

    fn procedures_dir(&self) -> PathBuf {
        let dir = self.config_dir().join("procedures");
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn command(&self) -> Command {
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
            .env_remove("ESCALATE_DB")
            .env_remove("NO_COLOR");
        command
    }

    /// Runs `args` exactly as given, with `stdin` on standard input, killed after [`HANG`].
    fn raw_with(&self, args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Run {
        let started = Instant::now();
        let mut command = self.command();
        command.args(args);
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        let stdin = stdin.to_vec();
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&stdin);
        });
        let mut stdout = child.stdout.take().unwrap();
        let mut stderr = child.stderr.take().unwrap();
        let out = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stdout.read_to_string(&mut text);
            text
        });
        let err = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            // A hang never ends; a command on a loaded CI machine (two cores, PostgreSQL
            // re-runs beside it) once took over 20 s. The bound tells the two apart.
            if started.elapsed() > HANG {
                let _ = child.kill();
                let _ = child.wait();
                panic!("{args:?} still running after {HANG:?}: it hangs");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let _ = writer.join();
        Run {
            code: status.code(),
            stdout: out.join().unwrap(),
            stderr: err.join().unwrap(),
        }
    }

    fn raw(&self, args: &[&str]) -> Run {
        self.raw_with(args, b"", &[])
    }

    /// Runs a command against the sandbox database at `now`.
    fn run(&self, now: &str, args: &[&str]) -> Run {
        let mut full = vec!["--db", self.db.to_str().unwrap(), "--now", now];
        full.extend_from_slice(args);
        self.raw(&full)
    }

    fn ok(&self, now: &str, args: &[&str]) -> String {
        let run = self.run(now, args);
        assert_eq!(run.code, Some(0), "{args:?} failed: {}", run.stderr);
        run.stdout
    }

    /// A command that must be refused with exit 2 and one line on stderr holding each needle.
    fn refused(&self, now: &str, args: &[&str], needles: &[&str]) -> String {
        let run = self.run(now, args);
        check_refused(args, &run, needles);
        run.stderr
    }
}

fn check_refused(args: &[&str], run: &Run, needles: &[&str]) {
    assert_eq!(
        run.code,
        Some(2),
        "{args:?} should be refused with 2; stderr: {}; stdout: {}",
        run.stderr,
        run.stdout
    );
    assert!(run.stdout.is_empty(), "{args:?} printed {}", run.stdout);
    assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {}", run.stderr);
    for needle in needles {
        assert!(
            run.stderr.contains(needle),
            "{args:?}: expected {needle:?} in: {}",
            run.stderr
        );
    }
}

/// Valid `new` arguments, with `overrides` replacing an option's value or adding options.
fn new_args<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<&'a str> {
    let mut options: Vec<(&str, &str)> = vec![
        ("--procedure", "london"),
        ("--child", "Hana Test"),
        ("--dob", "2018-02-03"),
        ("--raised-by", "Sam Patel"),
        ("--agency", "Test School"),
        ("--raised-with", "Bromley CSC"),
        ("--category", "thresholds"),
        ("--summary", "Referral refused."),
        ("--concern-at", "2026-11-23 08:00"),
        ("--raised-at", "2026-11-23 09:00"),
    ];
    for (name, value) in overrides {
        match options.iter_mut().find(|(n, _)| n == name) {
            Some(option) => option.1 = value,
            None => options.push((name, value)),
        }
    }
    let mut args = vec!["new"];
    for (name, value) in options {
        args.push(name);
        args.push(value);
    }
    args
}

fn with_one_escalation() -> Sandbox {
    let s = Sandbox::new();
    assert_eq!(s.ok(NOW, &new_args(&[])), "1\n");
    s
}

// ---- Issue 13, finding 1: times outside a sane range ----

#[test]
fn a_stray_minus_in_a_time_is_refused_and_nothing_is_saved() {
    let s = with_one_escalation();
    for (option, value) in [
        ("--concern-at", "-2026-11-01 10:00"),
        ("--raised-at", "+12026-11-23 09:00"),
        ("--concern-at", "1899-12-31 10:00"),
    ] {
        let joined = format!("{option}={value}");
        let mut args = new_args(&[]);
        args.retain(|a| *a != option);
        let position = args
            .iter()
            .position(|a| a.starts_with("2026-11-23"))
            .unwrap();
        args.remove(position);
        args.push(&joined);
        s.refused(
            NOW,
            &args,
            &[option, "1900-01-01 to 2200-12-31", "stray '-'"],
        );
    }
    s.refused(
        NOW,
        &new_args(&[("--dob", "-2018-02-03")]),
        &["--dob", "1900-01-01 to 2200-12-31"],
    );
    s.refused(
        NOW,
        &[
            "amend",
            "1",
            "concern-at",
            "--why",
            "typo",
            "--",
            "-2026-11-01 10:00",
        ],
        &["1900-01-01 to 2200-12-31"],
    );
    s.refused(
        NOW,
        &["amend", "1", "dob", "0201-02-03", "--why", "typo"],
        &["1900-01-01 to 2200-12-31"],
    );
    s.refused(
        NOW,
        &["advance", "1", "--reason", "r", "--at=-2026-11-24 10:00"],
        &["--at", "1900-01-01 to 2200-12-31"],
    );
    // Still one escalation, and list and review still work.
    assert!(s.ok(NOW, &["list"]).contains("Hana Test"));
    let review = s.run(NOW, &["review"]);
    assert!(matches!(review.code, Some(0 | 1)), "{}", review.stderr);
}

#[test]
fn now_outside_the_range_is_refused_from_the_option_and_the_environment() {
    let s = Sandbox::new();
    for now in [
        "-2026-11-25 10:00",
        "0001-01-01 10:00",
        "+10000-01-01 10:00",
    ] {
        s.refused(now, &["list"], &["--now", "1900-01-01 to 2200-12-31"]);
        let run = s.raw_with(&["due", "1 working day"], b"", &[("ESCALATE_NOW", now)]);
        check_refused(
            &["ESCALATE_NOW", now],
            &run,
            &["--now", "1900-01-01 to 2200-12-31"],
        );
    }
}

#[test]
fn due_never_panics_whatever_the_year() {
    let s = Sandbox::new();
    for from in [
        "+10000-01-01 10:00",
        "99999-01-01T10:00:00Z",
        "-0001-01-01 10:00",
        "2201-01-01 10:00",
    ] {
        let arg = format!("--from={from}");
        let run = s.raw(&["due", "5 working days", &arg]);
        assert_eq!(run.code, Some(2), "{from}: {}", run.stderr);
        assert!(
            run.stderr.contains("1900-01-01 to 2200-12-31") || run.stderr.contains("is not a time"),
            "{from}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{from}: {}", run.stderr);
    }
    // The latest start with the longest timescale still answers.
    let run = s.raw(&[
        "due",
        "3660 working days",
        "--from",
        "2200-12-31 10:00",
        "--explain",
    ]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
}

/// `--now` a century before the records must not hang (the run is killed and fails after 20 s):
/// working days are counted by weeks and years, not day by day.
#[test]
fn now_a_century_before_the_records_does_not_hang() {
    let s = Sandbox::new();
    s.ok(NOW, &["demo", "--count", "200", "--open-share", "0.5"]);
    for command in [
        &["list"][..],
        &["review"],
        &["show", "1"],
        &["list", "--all"],
    ] {
        let run = s.run("1900-01-01 10:00", command);
        assert!(
            matches!(run.code, Some(0 | 1)),
            "{command:?}: {}",
            run.stderr
        );
    }
}

// ---- Issue 13, finding 2: text never reaches a terminal raw ----

/// Bytes and characters that drive a terminal or reorder what it shows.
const HOSTILE: &str =
    "\\u001b]52;c;aGk=\\u0007\\u001b]0;pwned\\u0007\\u001b[2J\\r\\u0000\\u202e\\u2066";

fn assert_inert(what: &str, run: &Run) {
    for (stream, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        for bad in [
            '\u{1b}', '\r', '\0', '\u{7}', '\u{202e}', '\u{2066}', '\u{9b}',
        ] {
            assert!(
                !text.contains(bad),
                "{what}: {stream} holds {bad:?} raw: {text:?}"
            );
        }
    }
}

/// The three-stage fixture with escape sequences in every text a command prints.
fn hostile_procedure() -> String {
    let fixture = include_str!("fixtures/procedures/valid/three-stage.toml");
    fixture
        .replace(
            "title = \"A three-stage test procedure\"",
            &format!("title = \"Evil{HOSTILE}\"\nsummary = \"s{HOSTILE}\""),
        )
        .replace(
            "source = \"test fixture\"",
            &format!("source = \"src{HOSTILE}\""),
        )
        .replace(
            "name = \"Test Safeguarding Children Partnership\"",
            &format!("name = \"Partnership{HOSTILE}\""),
        )
        .replace(
            "name = \"Practitioners\"",
            &format!("name = \"Stage{HOSTILE}\""),
        )
        .replace(
            "who = \"Managers\"",
            &format!("who = \"Managers{HOSTILE}\""),
        )
        .replace(
            "name = \"Refer to the partnership\"",
            &format!("name = \"Refer{HOSTILE}\""),
        )
        .replace(
            "name = \"Resolve within 24 hours\"",
            &format!("name = \"Clock{HOSTILE}\""),
        )
        .replace(
            "title = \"Referral form\"",
            &format!("title = \"Form{HOSTILE}\""),
        )
}

#[test]
fn a_hostile_procedure_file_never_reaches_the_terminal_raw() {
    let s = Sandbox::new();
    std::fs::write(s.procedures_dir().join("evil.toml"), hostile_procedure()).unwrap();
    let new = new_args(&[("--procedure", "three-stage")]);
    let commands: Vec<Vec<&str>> = vec![
        vec!["procedures"],
        vec!["procedures", "show", "three-stage"],
        vec!["procedures", "--json"],
        vec!["procedures", "show", "three-stage", "--json"],
        new.clone(),
        vec!["advance", "1", "--reason", "no reply"],
        vec!["advance", "1", "--reason", "no reply", "--json"],
        vec!["show", "1"],
        vec!["show", "1", "--json"],
        vec!["list"],
        vec!["list", "--json"],
        vec!["review"],
        vec!["review", "--json"],
        vec!["review", "--format", "markdown"],
        vec!["history", "1"],
    ];
    for args in &commands {
        let run = s.run(NOW, args);
        assert!(
            matches!(run.code, Some(0 | 1)),
            "{args:?}: {} {}",
            run.stderr,
            run.stdout
        );
        assert_inert(&format!("{args:?}"), &run);
        if args.contains(&"--json") {
            let value: serde_json::Value = serde_json::from_str(&run.stdout)
                .unwrap_or_else(|e| panic!("{args:?}: not JSON ({e}): {}", run.stdout));
            // The text is kept, escaped for the terminal, not lost: JSON reads it back whole.
            if args[0] == "procedures" {
                assert!(
                    value.to_string().contains("Evil\\u001b]52"),
                    "{args:?}: {value}"
                );
            }
        }
    }
    // The title is still there to read, escaped.
    let shown = s.ok(NOW, &["procedures", "show", "three-stage"]);
    assert!(shown.contains("Evil\\u{1b}]52;c;aGk="), "{shown}");
}

#[test]
fn a_hostile_closure_label_never_reaches_the_terminal_raw() {
    let s = Sandbox::new();
    s.write_config(&format!(
        "[closures]\n\"2026-11-26\" = \"INSET{HOSTILE}\"\n"
    ));
    for args in [
        &[
            "due",
            "1 working day",
            "--from",
            "2026-11-25 10:00",
            "--explain",
        ][..],
        &[
            "due",
            "1 working day",
            "--from",
            "2026-11-25 10:00",
            "--explain",
            "--json",
        ],
    ] {
        let run = s.raw(args);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        assert!(run.stdout.contains("INSET"), "{}", run.stdout);
        assert_inert(&format!("{args:?}"), &run);
    }
}

#[test]
fn errors_never_echo_escape_sequences_raw() {
    let s = with_one_escalation();
    let raw = "x\u{1b}]0;pwned\u{7}\u{1b}[2J\r\u{202e}";
    let broken = Sandbox::new();
    std::fs::write(
        broken.procedures_dir().join("broken.toml"),
        format!("id = \"{raw}\"\ntitle = {raw}\n"),
    )
    .unwrap();
    assert_inert("broken procedure", &broken.raw(&["procedures"]));
    let broken_config = Sandbox::new();
    broken_config.write_config(&format!("close_of_business = \"{raw}\"\n"));
    assert_inert(
        "broken config",
        &broken_config.raw(&["due", "1 working day"]),
    );
    let hostile_args: Vec<Vec<&str>> = vec![
        vec!["due", raw],
        vec!["due", "1 working day", "--from", raw],
        vec!["holidays", raw],
        vec!["show", raw],
        vec!["procedures", "show", raw],
        vec![raw],
        vec!["list", raw],
        vec![
            "discuss", "1", "--with", "SW", "--mode", raw, "--notes", "n",
        ],
        vec!["amend", "1", raw, "x", "--why", "w"],
        vec!["amend", "1", "category", raw, "--why", "w"],
    ];
    for args in &hostile_args {
        let run = s.run(NOW, args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert_inert(&format!("{args:?}"), &run);
    }
    let run = s.raw_with(&["due", "1 working day"], b"", &[("ESCALATE_NOW", raw)]);
    assert_inert("ESCALATE_NOW", &run);
}

#[test]
fn names_with_bidi_controls_or_invisible_characters_are_refused() {
    let s = with_one_escalation();
    for c in [
        '\u{202e}', '\u{2067}', '\u{200b}', '\u{feff}', '\u{2028}', '\u{ad}',
    ] {
        let name = format!("Ava{c}Sample");
        let err = s.refused(
            NOW,
            &new_args(&[("--child", &name)]),
            &["--child", &format!("U+{:04X}", u32::from(c))],
        );
        assert!(!err.contains(c), "{err:?}");
        s.refused(
            NOW,
            &new_args(&[("--raised-by", &name)]),
            &["--raised-by", "remove it"],
        );
        s.refused(
            NOW,
            &["amend", "1", "child", &name, "--why", "typo"],
            &["child", "remove it"],
        );
    }
}

// ---- Issue 13, finding 4: files that are not regular files ----

fn mkfifo(path: &std::path::Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success(), "mkfifo {}", path.display());
}

#[test]
fn a_settings_file_that_is_a_fifo_or_dev_zero_is_refused_not_read() {
    for kind in ["fifo", "zero"] {
        let s = Sandbox::new();
        std::fs::create_dir_all(s.config_dir()).unwrap();
        let path = s.config_dir().join("config.toml");
        match kind {
            "fifo" => mkfifo(&path),
            _ => std::os::unix::fs::symlink("/dev/zero", &path).unwrap(),
        }
        for args in [
            &["due", "1 working day"][..],
            &["procedures"],
            &[
                "new",
                "--procedure",
                "london",
                "--child",
                "A",
                "--raised-by",
                "B",
                "--agency",
                "C",
                "--raised-with",
                "D",
                "--category",
                "other",
                "--summary",
                "E",
            ],
        ] {
            let run = s.run(NOW, args);
            check_refused(
                args,
                &run,
                &["settings file", "config.toml", "not a regular file"],
            );
        }
    }
}

#[test]
fn a_procedure_file_that_is_a_fifo_or_dev_zero_is_refused_not_read() {
    for kind in ["fifo", "zero"] {
        let s = Sandbox::new();
        let path = s.procedures_dir().join("local.toml");
        match kind {
            "fifo" => mkfifo(&path),
            _ => std::os::unix::fs::symlink("/dev/zero", &path).unwrap(),
        }
        for args in [
            &["procedures"][..],
            &["list"],
            &["procedures", "show", "london"],
        ] {
            let run = s.run(NOW, args);
            check_refused(
                args,
                &run,
                &["procedure file", "local.toml", "not a regular file"],
            );
        }
    }
    let s = Sandbox::new();
    std::fs::write(
        s.procedures_dir().join("huge.toml"),
        vec![b'#'; 2 * 1024 * 1024],
    )
    .unwrap();
    let run = s.run(NOW, &["procedures"]);
    check_refused(&["procedures"], &run, &["huge.toml", "larger than 1 MiB"]);
}

// ---- Issue 13, finding 3: nothing sensitive in the process list or in errors ----

const NAME: &str = "Zebedee Quixotic";

#[test]
fn the_childs_name_can_come_from_a_file_or_standard_input() {
    let s = Sandbox::new();
    let file = s.dir.path().join("child.txt");
    std::fs::write(&file, format!("{NAME}\n")).unwrap();
    let dob = s.dir.path().join("dob.txt");
    std::fs::write(&dob, "03/02/2018\n").unwrap();
    let mut args = new_args(&[]);
    let at = args.iter().position(|a| *a == "--child").unwrap();
    args.drain(at..at + 2);
    let at = args.iter().position(|a| *a == "--dob").unwrap();
    args.drain(at..at + 2);
    let mut by_file = args.clone();
    by_file.extend([
        "--child-file",
        file.to_str().unwrap(),
        "--dob-file",
        dob.to_str().unwrap(),
    ]);
    // The date of birth is shown back as read (day first).
    assert_eq!(
        s.ok(NOW, &by_file),
        "1\n  Read \"03/02/2018\" as Sat 3 Feb 2018.\n"
    );
    let mut by_stdin = args.clone();
    by_stdin.extend(["--child-file", "-"]);
    let mut full = vec!["--db", s.db.to_str().unwrap(), "--now", NOW];
    full.extend(by_stdin.iter().copied());
    let run = s.raw_with(&full, format!("{NAME}\n").as_bytes(), &[]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let list: serde_json::Value = serde_json::from_str(&s.ok(NOW, &["list", "--json"])).unwrap();
    for escalation in list.as_array().unwrap() {
        assert_eq!(escalation["child"]["name"], NAME);
    }
    assert_eq!(list[0]["child"]["dob"], "2018-02-03");
    // The amended name by file too.
    let renamed = s.dir.path().join("renamed.txt");
    std::fs::write(&renamed, "Zebedee Q. Quixotic\n").unwrap();
    s.ok(
        NOW,
        &[
            "amend",
            "1",
            "child",
            "--value-file",
            renamed.to_str().unwrap(),
            "--why",
            "spelling",
        ],
    );
    let shown: serde_json::Value =
        serde_json::from_str(&s.ok(NOW, &["show", "1", "--json"])).unwrap();
    assert_eq!(shown["child"]["name"], "Zebedee Q. Quixotic");
    // A name and a file at once, two options on standard input, a missing file, a FIFO.
    let mut both = by_file.clone();
    both.extend(["--child", NAME]);
    let run = s.run(NOW, &both);
    assert_eq!(run.code, Some(2));
    assert!(!run.stderr.contains(NAME), "{}", run.stderr);
    let mut two = args.clone();
    two.extend(["--child-file", "-", "--dob-file", "-"]);
    s.refused(
        NOW,
        &two,
        &["--child-file and --dob-file all read standard input"],
    );
    let mut missing = args.clone();
    missing.extend(["--child-file", "/nonexistent/child.txt"]);
    s.refused(
        NOW,
        &missing,
        &["--child-file", "no file /nonexistent/child.txt"],
    );
    let fifo = s.dir.path().join("child.fifo");
    mkfifo(&fifo);
    let mut piped = args.clone();
    piped.extend(["--child-file", fifo.to_str().unwrap()]);
    s.refused(NOW, &piped, &["not a regular file"]);
}

#[test]
fn no_error_of_new_or_amend_repeats_the_childs_name() {
    let s = Sandbox::new();
    assert_eq!(s.ok(NOW, &new_args(&[("--child", NAME)])), "1\n");
    let long = "Zebedee Quixotic ".repeat(20);
    let cases: Vec<Vec<&str>> = vec![
        new_args(&[("--child", NAME), ("--dob", NAME)]),
        new_args(&[("--child", NAME), ("--dob", "2030-01-01")]),
        new_args(&[("--child", NAME), ("--category", NAME)]),
        new_args(&[("--child", NAME), ("--partnership", NAME)]),
        new_args(&[("--child", NAME), ("--procedure", NAME)]),
        new_args(&[("--child", NAME), ("--concern-at", NAME)]),
        new_args(&[("--child", NAME), ("--raised-at", NAME)]),
        new_args(&[("--child", NAME), ("--raised-at", "2026-11-23 07:00")]),
        new_args(&[("--child", NAME), ("--summary", "")]),
        new_args(&[("--child", &long)]),
        new_args(&[("--child", "Zebedee Quixotic\u{1b}[2J")]),
        new_args(&[("--child", "Zebedee\nQuixotic")]),
        {
            let mut a = new_args(&[("--child", NAME)]);
            a.push(NAME);
            a
        },
        {
            let mut a = new_args(&[("--child", NAME)]);
            a.push("--childs");
            a
        },
        vec!["new", "--child", NAME],
        vec!["amend", "1", "child", NAME, "--why", "typo"],
        vec!["amend", "1", "dob", NAME, "--why", "typo"],
        vec!["amend", "1", "category", NAME, "--why", "typo"],
        vec!["amend", "1", "partnership", NAME, "--why", "typo"],
        vec!["amend", "1", "concern-at", NAME, "--why", "typo"],
        vec!["amend", "1", NAME, "x", "--why", "typo"],
        vec!["amend", "1", "child", "", "--why", "typo"],
        vec!["amend", "2", "child", NAME, "--why", "typo"],
        vec!["amend", NAME, "child", NAME, "--why", "typo"],
    ];
    for args in &cases {
        let run = s.run(NOW, args);
        assert_eq!(run.code, Some(2), "{args:?} should fail: {}", run.stdout);
        for part in [NAME, "Zebedee", "Quixotic"] {
            assert!(!run.stderr.contains(part), "{args:?}: {}", run.stderr);
        }
    }
}

// ---- Issue 13, finding 5: list no longer leaves out escalations whose procedure is gone ----

#[test]
fn list_shows_an_escalation_whose_procedure_file_is_gone_and_exits_2() {
    let s = Sandbox::new();
    let file = s.procedures_dir().join("three.toml");
    std::fs::write(
        &file,
        include_str!("fixtures/procedures/valid/three-stage.toml"),
    )
    .unwrap();
    assert_eq!(
        s.ok(
            NOW,
            &new_args(&[("--procedure", "three-stage"), ("--child", "Gone Case")])
        ),
        "1\n"
    );
    assert_eq!(s.ok(NOW, &new_args(&[])), "2\n");
    std::fs::remove_file(&file).unwrap();
    for args in [&["list"][..], &["list", "--all"], &["list", "--overdue"]] {
        let run = s.run(NOW, args);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        let marked = run
            .stdout
            .lines()
            .find(|l| l.trim_start().starts_with("1 "))
            .unwrap_or_else(|| panic!("{args:?}: escalation 1 left out: {}", run.stdout));
        assert!(marked.contains("PROCEDURE MISSING"), "{marked}");
        assert!(
            marked.contains("three-stage") && marked.contains("Gone Case"),
            "{marked}"
        );
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(
            run.stderr
                .contains("escalation 1 follows procedure \"three-stage\"")
                && run.stderr.contains("restore the file"),
            "{}",
            run.stderr
        );
    }
    let run = s.run(NOW, &["list", "--json"]);
    assert_eq!(run.code, Some(2));
    let list: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let ids: Vec<i64> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [2, 1]);
    assert_eq!(
        list[1]["problem"],
        "procedure \"three-stage\" is no longer defined"
    );
}

// ---- Issue 14: UK dates, closure ranges, actions due in the past ----

#[test]
fn uk_dates_are_read_day_first_and_shown_back_as_read() {
    let s = Sandbox::new();
    let out = s.ok(
        NOW,
        &new_args(&[
            ("--dob", "03/02/2018"),
            ("--raised-at", "23 Nov 2026 09:00"),
        ]),
    );
    assert_eq!(out, "1\n  Read \"03/02/2018\" as Sat 3 Feb 2018.\n");
    let shown: serde_json::Value =
        serde_json::from_str(&s.ok(NOW, &["show", "1", "--json"])).unwrap();
    assert_eq!(shown["child"]["dob"], "2018-02-03");
    assert_eq!(shown["raised_at"], "2026-11-23T09:00:00+00:00");
    let out = s.ok(
        NOW,
        &[
            "action",
            "add",
            "1",
            "--what",
            "Call",
            "--owner",
            "SW",
            "--due",
            "12/03/2027",
        ],
    );
    assert!(out.contains("due 2027-03-12"), "{out}");
    assert!(
        out.contains("Read \"12/03/2027\" as Fri 12 Mar 2027."),
        "{out}"
    );
    let out = s.ok(
        NOW,
        &[
            "action", "add", "1", "--what", "Visit", "--owner", "SW", "--due", "12 Mar",
        ],
    );
    assert!(out.contains("Read \"12 Mar\" as Fri 12 Mar 2027."), "{out}");
    let out = s.ok(
        NOW,
        &[
            "action",
            "add",
            "1",
            "--what",
            "Review",
            "--owner",
            "SW",
            "--due",
            "2026-12-01",
        ],
    );
    assert!(!out.contains("Read "), "{out}");
    s.ok(
        NOW,
        &[
            "discuss",
            "1",
            "--with",
            "SW",
            "--mode",
            "phone",
            "--notes",
            "n",
            "--at",
            "24/11/2026 14:30",
        ],
    );
    for (due, needle) in [
        ("12/03/27", "write the year in full"),
        ("03/15/2027", "did you mean 15/03/2027?"),
        ("31/02/2027", "February 2027 has no day 31"),
    ] {
        s.refused(
            NOW,
            &[
                "action", "add", "1", "--what", "x", "--owner", "SW", "--due", due,
            ],
            &["--due", needle],
        );
    }
    s.refused(
        NOW,
        &["advance", "1", "--reason", "r", "--at", "30/02/2026 10:00"],
        &["--at", "no day 30"],
    );
}

#[test]
fn a_new_action_due_in_the_past_is_questioned() {
    let s = with_one_escalation();
    s.refused(
        NOW,
        &[
            "action",
            "add",
            "1",
            "--what",
            "Call",
            "--owner",
            "SW",
            "--due",
            "24/11/2026",
        ],
        &["--due: Tue 24 Nov 2026 is in the past", "--past-due"],
    );
    s.refused(
        NOW,
        &[
            "action",
            "add",
            "1",
            "--what",
            "Call",
            "--owner",
            "SW",
            "--due",
            "2025-11-25",
        ],
        &["in the past"],
    );
    // Today is fine, and a past date on purpose.
    s.ok(
        NOW,
        &[
            "action", "add", "1", "--what", "Call", "--owner", "SW", "--due", "today",
        ],
    );
    let out = s.ok(
        NOW,
        &[
            "action",
            "add",
            "1",
            "--what",
            "Write",
            "--owner",
            "SW",
            "--due",
            "2026-11-24",
            "--past-due",
        ],
    );
    assert!(out.contains("due 2026-11-24"), "{out}");
}

#[test]
fn a_closure_range_closes_every_day_in_it() {
    let s = Sandbox::new();
    s.write_config("[closures]\n\"2026-12-21..2027-01-01\" = \"Christmas closure\"\n");
    // Every day of the range is named as a closure; none of them moves the due time (issue 11:
    // the other agencies work through the DSL's own closures). Fri 18 Dec + 1 working day: Mon
    // 21 Dec, a closure day, with a warning.
    let out = s.ok(
        NOW,
        &[
            "due",
            "1 working day",
            "--from",
            "2026-12-18 10:00",
            "--explain",
        ],
    );
    assert!(out.starts_with("2026-12-21T17:00:00+00:00"), "{out}");
    assert!(
        out.contains("You are closed on Mon 21 Dec 2026 (Christmas closure), but this is due then"),
        "{out}"
    );
    let out = s.ok(
        NOW,
        &[
            "due",
            "1 working day",
            "--from",
            "2026-12-30 10:00",
            "--explain",
        ],
    );
    assert!(
        out.contains("Thu 31 Dec 2026: working day 1 (you are closed: Christmas closure"),
        "{out}"
    );
    s.write_config("[closures]\n\"2027-01-01..2026-12-21\" = \"backwards\"\n");
    let run = s.raw(&["due", "1 working day"]);
    check_refused(
        &["due"],
        &run,
        &["config.toml:2: closures:", "ends before it starts"],
    );
}

// ---- Issue 14: completions, the man page, suggestions ----

#[test]
fn completions_are_generated_for_bash_zsh_and_fish() {
    let s = Sandbox::new();
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef escalate"),
        ("fish", "complete -c escalate"),
    ] {
        let run = s.raw(&["completions", shell]);
        assert_eq!(run.code, Some(0), "{shell}: {}", run.stderr);
        assert!(run.stdout.contains(marker), "{shell}: {}", run.stdout);
        for command in ["list", "new", "review", "procedures", "completions", "man"] {
            assert!(run.stdout.contains(command), "{shell}: no {command}");
        }
        assert!(run.stdout.contains("child-file"), "{shell}");
    }
    let run = s.raw(&["completions", "tcsh"]);
    check_refused(
        &["completions", "tcsh"],
        &run,
        &["\"tcsh\"", "bash, zsh or fish"],
    );
}

#[test]
fn the_man_page_covers_every_command() {
    let run = Sandbox::new().raw(&["man"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout.contains(".TH escalate 1"),
        "{}",
        &run.stdout[..200]
    );
    for section in [
        "ESCALATE LIST",
        "ESCALATE NEW",
        "ESCALATE ACTION ADD",
        "ESCALATE REVIEW",
        "ESCALATE PROCEDURES SHOW",
    ] {
        assert!(
            run.stdout.contains(&format!(".SH \"{section}\"")),
            "no {section}"
        );
    }
    assert!(
        run.stdout.contains("\\-\\-child\\-file PATH"),
        "no --child-file"
    );
    assert!(!run.stdout.contains(".SH \"ESCALATE HELP\""));
}

#[test]
fn a_mistyped_command_suggests_the_right_one() {
    let s = Sandbox::new();
    let run = s.raw(&["lst"]);
    check_refused(
        &["lst"],
        &run,
        &[
            "unrecognized subcommand 'lst'",
            "a similar subcommand exists: 'list'",
        ],
    );
    let run = s.raw(&["list", "--al"]);
    check_refused(
        &["list", "--al"],
        &run,
        &["a similar argument exists: '--all'"],
    );
}

// ---- Issue 13, finding 7: an amendment to an out-of-range year ----

#[test]
fn an_amendment_to_a_year_outside_the_range_is_refused_not_recorded() {
    let s = with_one_escalation();
    let history = s.ok(NOW, &["history", "1"]);
    for (field, value) in [
        ("concern-at", "2301-01-01 10:00"),
        ("raised-at", "1899-12-31 10:00"),
        ("concern-at", "9999-11-23 08:00"),
        ("dob", "2201-02-03"),
    ] {
        s.refused(
            NOW,
            &["amend", "1", field, value, "--why", "typo"],
            &["1900-01-01 to 2200-12-31"],
        );
    }
    assert_eq!(
        s.ok(NOW, &["history", "1"]),
        history,
        "a refused amendment reached the record"
    );
    // An amendment inside the range is recorded and applied.
    s.ok(
        NOW,
        &[
            "amend",
            "1",
            "concern-at",
            "2026-11-22 08:00",
            "--why",
            "typo",
        ],
    );
    assert!(s.ok(NOW, &["show", "1"]).contains("22 Nov 2026"));
}

/// Runs this very binary again with `ESCALATE_TEST_BACKEND=postgres` (each sandbox's `--db` a
/// database of its own on the tests' cluster), so every test above passes on PostgreSQL too: a
/// parameter, not a copy.
#[test]
fn every_test_here_passes_on_postgresql_too() {
    if support::pg::on_postgres() {
        return;
    }
    support::pg::rerun_on_postgres("every_test_here_passes_on_postgresql_too", &[]);
}
