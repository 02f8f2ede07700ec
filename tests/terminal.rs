//! The real binary in a real pseudo-terminal: `escalate` with no subcommand opens the
//! dashboard, answers keys, and on `q` exits 0 with the terminal given back as it found it
//! (alternate screen left, cursor shown, line editing restored). Driven through tmux, which gives
//! the program a terminal of a known size and lets the test read the screen back.
//!
//! tmux is required (it is on the development and CI images): without it these tests fail and
//! say so, rather than skip. Every wait is bounded and polls the screen. Each test runs its own
//! tmux server, on a socket in its own temporary folder, killed when the test ends however it
//! ends.

mod common;
use common::write_passphrase_file;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use tempfile::TempDir;

const NOW: &str = "2026-11-23 11:00";
/// The longest any one thing may take to appear on screen.
const TIMEOUT: Duration = Duration::from_secs(15);

/// A private home for one run: config and data folders, and a demo database.
struct Sandbox {
    dir: TempDir,
}

impl Sandbox {
    fn new() -> Self {
        let sandbox = Self {
            dir: TempDir::new().unwrap(),
        };
        for sub in ["config", "data"] {
            std::fs::create_dir_all(sandbox.dir.path().join(sub)).unwrap();
        }
        write_passphrase_file(sandbox.dir.path());
        sandbox
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("data").join("demo.db")
    }

    /// The environment every run gets: nothing from the developer's own setup.
    fn apply(&self, command: &mut Command) {
        command
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("HOME", self.dir.path())
            .env(
                "ESCALATE_PASSPHRASE_FILE",
                self.dir.path().join("passphrase"),
            )
            .env("USER", "test-dsl")
            // The name for the audit trail, so a first run does not stop to ask it.
            .env("ESCALATE_ACTOR", "test-dsl")
            .env("SHELL", "/bin/sh")
            .env_remove("ESCALATE_NOW")
            .env_remove("ESCALATE_DB")
            .env_remove("NO_COLOR")
            .env_remove("TMUX")
            .env_remove("TMUX_PANE");
    }

    /// Fills the database with the demo caseload, through the binary, and encrypts it, as a
    /// real database is: the dashboard opens it with the sandbox's passphrase file.
    fn fill_demo(&self) {
        for args in [&["demo", "--now", NOW][..], &["encrypt"][..]] {
            let mut command = Command::new(env!("CARGO_BIN_EXE_escalate"));
            command.args(args).arg("--db").arg(self.db());
            self.apply(&mut command);
            let out = command.output().unwrap();
            assert!(
                out.status.success(),
                "escalate {args:?} failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

/// Single-quotes a word for the shell.
fn quoted(path: &Path) -> String {
    format!("'{}'", path.display().to_string().replace('\'', r"'\''"))
}

/// A tmux server of this test's own, on a socket in the sandbox, killed on drop.
struct Tmux {
    socket: PathBuf,
}

impl Tmux {
    /// Starts a detached session of `width` x `height` running `shell_command` under /bin/sh.
    fn start(sandbox: &Sandbox, width: u16, height: u16, shell_command: &str) -> Self {
        match Command::new("tmux").arg("-V").output() {
            Ok(out) if out.status.success() => {}
            other => panic!(
                "these tests drive the dashboard through tmux, which is not available ({other:?}); install it (apt-get install tmux)"
            ),
        }
        let tmux = Self {
            socket: sandbox.dir.path().join("tmux.sock"),
        };
        let mut command = tmux.command();
        command.args([
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            shell_command,
        ]);
        sandbox.apply(&mut command);
        let out = command.output().unwrap();
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tmux
    }

    fn command(&self) -> Command {
        let mut command = Command::new("tmux");
        command
            .arg("-S")
            .arg(&self.socket)
            .args(["-f", "/dev/null"]);
        command.stdin(Stdio::null());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self.command().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    /// The pane's visible screen, as text.
    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "main"]).stdout)
            .into_owned()
    }

    /// A pane variable, such as `alternate_on` or `cursor_flag`.
    fn pane(&self, variable: &str) -> String {
        let format = format!("#{{{variable}}}");
        String::from_utf8_lossy(
            &self
                .run(&["display-message", "-p", "-t", "main", &format])
                .stdout,
        )
        .trim()
        .to_owned()
    }

    /// Types keys (tmux key names: `l`, `Enter`, `Escape`).
    fn send(&self, key: &str) {
        self.run(&["send-keys", "-t", "main", key]);
    }

    /// Polls the screen until `done` holds, and returns it; fails with the last screen seen.
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "timed out after {TIMEOUT:?} waiting for {what}; the screen shows:\n{screen}"
            );
            sleep(Duration::from_millis(40));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self
            .command()
            .arg("kill-server")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// After the program: its exit status, and whether the terminal's line discipline is back to
/// normal (canonical input, echo, signals), as `stty` sees it.
const AFTER: &str = "echo EXIT=$?; \
    if stty -a | tr ' ;' '\\n\\n' | grep -q -x -e -icanon -e -echo -e -isig; \
    then echo TTY=raw; else echo TTY=cooked; fi; \
    sleep 60";

/// Whether `screen` holds a whole dashboard frame, not one tmux captured half-written. ratatui
/// writes only the cells a frame changes, from the top row down, so a header, a card or a
/// panel's title proves nothing about the rows below it. Two rows close a dashboard frame: the
/// notifications panel's bottom border (the last row the first frame changes: the footer is
/// already drawn the same while the caseload loads) and the dashboard's own footer (the last row
/// written on the way back from another screen, whose footer differs).
fn is_whole_dashboard(screen: &str) -> bool {
    let lines: Vec<&str> = screen.lines().map(str::trim_end).collect();
    let Some(panel) = lines.iter().position(|l| l.contains("╭ Notifications: ")) else {
        return false;
    };
    let is_panel_closed = lines[panel + 1..]
        .iter()
        .any(|l| l.starts_with('╰') && l.ends_with('╯') && l.matches('╯').count() == 1);
    let footer = lines.iter().rev().find(|l| !l.is_empty());
    is_panel_closed && footer.is_some_and(|l| l.contains("/ filter") && l.contains("q quit"))
}

#[test]
fn the_dashboard_runs_in_a_terminal_and_gives_it_back_on_quit() {
    let sandbox = Sandbox::new();
    sandbox.fill_demo();
    let program = format!(
        "{} --db {} --now '{NOW}'; {AFTER}",
        quoted(Path::new(env!("CARGO_BIN_EXE_escalate"))),
        quoted(&sandbox.db()),
    );
    let tmux = Tmux::start(&sandbox, 120, 40, &program);

    // The header, the lanes and the notifications panel of the demo caseload, once the whole
    // frame is on screen (a capture can land while a frame is half written).
    let screen = tmux.wait_for("the whole dashboard", |s| {
        s.contains("escalate  Mon 23 Nov") && is_whole_dashboard(s)
    });
    assert!(screen.contains("10 open"), "{screen}");
    assert!(screen.contains("▌ #1 Ava Sample"), "{screen}");
    assert!(screen.contains("IMMEDIATE RISK"), "{screen}");
    assert_eq!(
        tmux.pane("alternate_on"),
        "1",
        "the dashboard uses the alternate screen"
    );

    // l: the next lane, j: its second card, Enter: the detail.
    tmux.send("l");
    tmux.wait_for("the second lane to be focused", |s| {
        s.contains("▌ #2 Leo Example")
    });
    tmux.send("j");
    tmux.wait_for("the second card to be selected", |s| {
        s.contains("▌ #4 Noah Fictional")
    });
    tmux.send("Enter");
    // The detail's own footer is the last row its frame draws.
    let detail = tmux.wait_for("the whole detail view", |s| {
        s.contains(": Noah Fictional")
            && s.contains("Stage timeline")
            && s.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .is_some_and(|l| l.contains("Esc back") && l.contains("q quit"))
    });
    assert!(detail.contains("Audit trail"), "{detail}");
    assert!(
        detail.contains("Raised with: Police public protection unit"),
        "{detail}"
    );
    assert!(!detail.contains("╭ Notifications: "), "{detail}");

    // Esc on its own: back to the dashboard, with the same card selected. Waiting for the
    // dashboard keeps the next key from arriving with the Esc (which would read as Alt-q).
    tmux.send("Escape");
    tmux.wait_for("the whole dashboard again", |s| {
        is_whole_dashboard(s) && s.contains("▌ #4 Noah Fictional")
    });
    sleep(Duration::from_millis(200));

    tmux.send("q");
    let after = tmux.wait_for("the program to exit", |s| s.contains("TTY="));
    assert!(after.contains("EXIT=0"), "escalate should exit 0:\n{after}");
    assert!(
        after.contains("TTY=cooked"),
        "the terminal was left in raw mode:\n{after}"
    );
    // The alternate screen was left: the shell's own screen shows, without the dashboard.
    assert!(!after.contains("╭ Notifications: "), "{after}");
    assert!(!after.contains("Noah Fictional"), "{after}");
    assert_eq!(
        tmux.pane("alternate_on"),
        "0",
        "still on the alternate screen"
    );
    assert_eq!(tmux.pane("cursor_flag"), "1", "the cursor was left hidden");
}

#[test]
fn the_dashboard_shows_the_welcome_on_an_empty_database_and_quits_from_it() {
    let sandbox = Sandbox::new();
    let program = format!(
        "{} --db {} --now '{NOW}'; {AFTER}",
        quoted(Path::new(env!("CARGO_BIN_EXE_escalate"))),
        quoted(&sandbox.db()),
    );
    let tmux = Tmux::start(&sandbox, 80, 24, &program);
    let screen = tmux.wait_for("the welcome", |s| s.contains("Welcome to escalate"));
    assert!(screen.contains("0 open"), "{screen}");
    tmux.send("q");
    let after = tmux.wait_for("the program to exit", |s| s.contains("TTY="));
    assert!(after.contains("EXIT=0"), "{after}");
    assert!(after.contains("TTY=cooked"), "{after}");
    assert!(!after.contains("Welcome to escalate"), "{after}");
}

/// Issue 14: with no name in config.toml (and no --actor), a first run asks the DSL's name for
/// the audit trail and keeps it in config.toml, private, then shows the dashboard.
#[test]
fn a_first_run_asks_the_name_and_keeps_it_privately_in_config_toml() {
    use std::os::unix::fs::PermissionsExt as _;
    let sandbox = Sandbox::new();
    let program = format!(
        "env -u ESCALATE_ACTOR {} --db {} --now '{NOW}'; {AFTER}",
        quoted(Path::new(env!("CARGO_BIN_EXE_escalate"))),
        quoted(&sandbox.db()),
    );
    let tmux = Tmux::start(&sandbox, 80, 24, &program);
    tmux.wait_for("the first-run question", |s| {
        s.contains("Your name, for the audit trail") && s.contains("keep my name")
    });
    tmux.send("Jo Bloggs, DSL");
    tmux.send("Enter");
    let screen = tmux.wait_for("the name kept", |s| s.contains("Saved: your name"));
    assert!(screen.contains("Welcome to escalate"), "{screen}");
    let path = sandbox
        .dir
        .path()
        .join("config")
        .join("escalate")
        .join("config.toml");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "user = \"Jo Bloggs, DSL\"\n"
    );
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    tmux.send("q");
    let after = tmux.wait_for("the program to exit", |s| s.contains("TTY="));
    assert!(after.contains("EXIT=0"), "{after}");
}

#[test]
fn in_a_terminal_with_stdout_redirected_the_dashboard_refuses_in_one_line() {
    // Standard input is the terminal; standard output is a file.
    let sandbox = Sandbox::new();
    let out = sandbox.dir.path().join("out.txt");
    let program = format!(
        "{} --db {} > {}; {AFTER}",
        quoted(Path::new(env!("CARGO_BIN_EXE_escalate"))),
        quoted(&sandbox.db()),
        quoted(&out),
    );
    let tmux = Tmux::start(&sandbox, 120, 20, &program);
    let after = tmux.wait_for("the program to exit", |s| s.contains("TTY="));
    assert!(after.contains("EXIT=2"), "{after}");
    let errors: Vec<&str> = after
        .lines()
        .filter(|l| l.starts_with("escalate:"))
        .collect();
    assert_eq!(errors.len(), 1, "{after}");
    assert!(errors[0].contains("terminal"), "{after}");
    assert_eq!(tmux.pane("alternate_on"), "0");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "");
}

#[test]
fn without_a_terminal_the_dashboard_prints_one_line_and_exits_2() {
    let sandbox = Sandbox::new();
    let mut command = Command::new(env!("CARGO_BIN_EXE_escalate"));
    command
        .arg("--db")
        .arg(sandbox.db())
        .args(["--now", NOW])
        .stdin(Stdio::null());
    sandbox.apply(&mut command);
    let out = command.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        out.stdout.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr:?}");
    assert!(stderr.ends_with('\n'), "{stderr:?}");
    assert!(stderr.starts_with("escalate: "), "{stderr:?}");
    assert!(stderr.contains("terminal"), "{stderr:?}");
    // No escape sequence was written anywhere (the terminal was never taken).
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
}

/// Kills (SIGKILL) the escalate process working on `db`, leaving the shell that ran it alone.
fn kill_escalate_on(db: &Path) {
    let db = db.display().to_string();
    let mut killed = 0;
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let is_escalate = args.first().is_some_and(|a| a.ends_with("/escalate"));
        if is_escalate && args.contains(&db) {
            let pid = entry.file_name().to_string_lossy().into_owned();
            let status = Command::new("kill").args(["-9", &pid]).status().unwrap();
            assert!(status.success());
            killed += 1;
        }
    }
    assert_eq!(killed, 1, "expected one escalate process on {db}");
}

#[test]
fn a_form_killed_mid_typing_is_offered_back_when_the_dashboard_opens_again() {
    let sandbox = Sandbox::new();
    sandbox.fill_demo();
    // The dashboard twice in a row: the second opens once the first has been killed.
    let run = format!(
        "{} --db {} --now '{NOW}'",
        quoted(Path::new(env!("CARGO_BIN_EXE_escalate"))),
        quoted(&sandbox.db()),
    );
    let tmux = Tmux::start(&sandbox, 120, 40, &format!("{run}; {run}; {AFTER}"));
    tmux.wait_for("the dashboard", |s| s.contains("╭ Notifications: "));
    tmux.send("d");
    tmux.wait_for("the discussion form", |s| s.contains("Record a discussion"));
    tmux.send("Tab");
    tmux.send("Duty SW");
    tmux.send("Tab");
    tmux.send("Tab");
    tmux.send("Typed before the kill.");
    tmux.wait_for("the typing", |s| s.contains("Typed before the kill."));
    // The draft is kept on the first tick a second after the last key.
    sleep(Duration::from_millis(2_500));
    kill_escalate_on(&sandbox.db());

    let screen = tmux.wait_for("the offer of the draft", |s| {
        s.contains("Kept from last time")
    });
    assert!(screen.contains("a discussion on escalation 1"), "{screen}");
    tmux.send("d");
    // Waiting for the whole frame: a capture can land while a frame is half written.
    let form = tmux.wait_for("the form with what was typed", |s| {
        s.contains("Typed before the kill.") && s.contains("Carrying on from what you typed before")
    });
    assert!(form.contains("Duty SW"), "{form}");
    assert!(
        form.contains("Carrying on from what you typed before"),
        "{form}"
    );
    // Throw it away and quit: the draft is gone, and the next start offers nothing.
    tmux.send("Escape");
    tmux.wait_for("the question", |s| s.contains("Throw away what you typed?"));
    tmux.send("y");
    tmux.wait_for("the dashboard again", |s| s.contains("Discarded."));
    tmux.send("q");
    tmux.wait_for("the program to exit", |s| s.contains("TTY="));
    let conn = rusqlite::Connection::open(sandbox.db()).unwrap();
    // The sandbox's database is encrypted: keyed with its passphrase (SQLCipher's own
    // derivation of it, which escalate's equals).
    conn.pragma_update(None, "key", "test passphrase").unwrap();
    let drafts = conn
        .query_row("SELECT count(*) FROM drafts", [], |r| r.get::<_, i64>(0))
        .unwrap();
    assert_eq!(drafts, 0);
}

#[test]
fn a_whole_escalation_recorded_from_the_keyboard_shows_in_the_command_line() {
    let sandbox = Sandbox::new();
    let program = format!(
        "{} --db {} --now '{NOW}'; {AFTER}",
        quoted(Path::new(env!("CARGO_BIN_EXE_escalate"))),
        quoted(&sandbox.db()),
    );
    let tmux = Tmux::start(&sandbox, 120, 40, &program);
    tmux.wait_for("the welcome", |s| s.contains("Welcome to escalate"));
    let keys = |keys: &[&str]| {
        for key in keys {
            tmux.send(key);
        }
    };

    // n: a new escalation under Pan Bedfordshire (the third procedure), notified to Bedford
    // Borough (the first of its three partnerships).
    tmux.send("n");
    tmux.wait_for("the new escalation form", |s| s.contains("New escalation"));
    keys(&[
        "Right",
        "Right",
        "Tab",
        "Right",
        "Tab",
        "Zara Test",
        "Tab",
        "2015-03-14",
    ]);
    keys(&[
        "Tab",
        "Tab",
        "A Head, DSL",
        "Tab",
        "St Mary's Primary",
        "Tab",
        "Luton MASH",
    ]);
    keys(&["Tab", "Tab", "today 9:00", "Tab", "Tab"]);
    keys(&["Referral declined after a disclosure.", "C-s"]);
    tmux.wait_for("the new escalation saved", |s| {
        s.contains("Saved: escalation 1 recorded") && s.contains("▌ #1 Zara Test")
    });

    // d: a discussion, with an action agreed in it.
    tmux.send("d");
    tmux.wait_for("the discussion form", |s| s.contains("Record a discussion"));
    keys(&[
        "Tab",
        "Duty SW, Luton MASH",
        "Tab",
        "Tab",
        "Asked for a review.",
    ]);
    keys(&["Tab", "Tab", "Send the chronology ; A Head ; fri", "C-s"]);
    tmux.wait_for("the discussion saved", |s| {
        s.contains("Saved: discussion recorded (phone) with Duty SW, Luton MASH; action agreed")
    });

    // a: to stage 2, which makes Appendix 2 owed to the partnership.
    tmux.send("a");
    tmux.wait_for("the advance form", |s| {
        s.contains("Advance escalation 1") && s.contains("Moves to stage 2")
    });
    keys(&["Tab", "No reply from the duty team.", "Tab", "Space", "C-s"]);
    tmux.wait_for("the advance saved", |s| {
        s.contains("Saved: advanced to stage 2") && s.contains("appendix-2 Zara Test")
    });

    // s on the notifications panel (after lanes 2, 3 and 4): Appendix 2 sent by email.
    keys(&["Tab", "Tab", "Tab"]);
    tmux.wait_for("the panel focused", |s| s.contains("s records one sent"));
    tmux.send("s");
    tmux.wait_for("the notification form", |s| {
        s.contains("Notification sent: escalation 1")
    });
    keys(&["Tab", "Tab", "Right", "Tab", "BB-4471", "C-s"]);
    tmux.wait_for("the notification saved", |s| {
        s.contains("Saved: notification appendix-2 sent by email")
    });

    // r on the card: resolved, parents informed, the child's record updated.
    tmux.send("2");
    tmux.wait_for("the second lane", |s| s.contains("▌ #1 Zara Test"));
    tmux.send("r");
    tmux.wait_for("the resolve form", |s| s.contains("Resolve escalation 1"));
    keys(&[
        "Tab",
        "The duty team accepted the referral.",
        "Tab",
        "Tab",
        "Right",
    ]);
    keys(&["Tab", "Tab", "Right", "C-s"]);
    tmux.wait_for("the resolution saved", |s| {
        s.contains("Saved: resolved at stage 2")
    });
    tmux.send("q");
    let after = tmux.wait_for("the program to exit", |s| s.contains("TTY="));
    assert!(after.contains("EXIT=0"), "{after}");

    // The command line sees all of it.
    let mut command = Command::new(env!("CARGO_BIN_EXE_escalate"));
    command
        .args(["show", "1", "--json", "--db"])
        .arg(sandbox.db())
        .args(["--now", "2026-11-23 12:00"]);
    sandbox.apply(&mut command);
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["procedure"], "pan-bedfordshire");
    assert_eq!(shown["partnership"]["id"], "bedford-borough");
    assert_eq!(shown["child"]["name"], "Zara Test");
    assert_eq!(shown["child"]["dob"], "2015-03-14");
    assert_eq!(shown["raised_with"], "Luton MASH");
    assert_eq!(shown["concern_at"], "2026-11-23T09:00:00+00:00");
    assert_eq!(shown["status"], "resolved");
    assert_eq!(shown["stage"], 2);
    let discussions = shown["discussions"].as_array().unwrap();
    assert_eq!(discussions.len(), 1);
    assert_eq!(discussions[0]["with"], "Duty SW, Luton MASH");
    assert_eq!(discussions[0]["notes"], "Asked for a review.");
    let actions = shown["actions"].as_array().unwrap();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0]["what"], "Send the chronology");
    assert_eq!(actions[0]["owner"], "A Head");
    // Friday after Monday 23 November 2026.
    assert_eq!(actions[0]["due_on"], "2026-11-27");
    assert_eq!(shown["stages"][1]["reason"], "No reply from the duty team.");
    let sent: Vec<&serde_json::Value> = shown["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["id"] == "appendix-2")
        .collect();
    assert_eq!(sent.len(), 1, "{shown}");
    assert_eq!(sent[0]["method"], "email");
    assert_eq!(sent[0]["reference"], "BB-4471");
    assert!(sent[0]["sent_at"].is_string(), "{shown}");
    assert_eq!(
        shown["outcome"]["how"],
        "The duty team accepted the referral."
    );
    assert_eq!(shown["outcome"]["parents_informed"], true);
    assert_eq!(shown["outcome"]["child_record_updated"], true);
    // Every change is in the audit trail under the user's name.
    let history = shown["history"].as_array().unwrap();
    assert_eq!(history.len(), 6, "{shown}");
    assert!(
        history.iter().all(|h| h.to_string().contains("test-dsl")),
        "{shown}"
    );
}

#[test]
fn a_morning_review_is_walked_end_to_end_and_recorded_in_the_audit_trail() {
    let sandbox = Sandbox::new();
    sandbox.fill_demo();
    let program = format!(
        "{} --db {} --now '{NOW}'; {AFTER}",
        quoted(Path::new(env!("CARGO_BIN_EXE_escalate"))),
        quoted(&sandbox.db()),
    );
    let tmux = Tmux::start(&sandbox, 100, 30, &program);
    tmux.wait_for("the dashboard", |s| {
        s.contains("S1: 3 open") && s.contains("╭ Notifications: ")
    });
    tmux.send("R");
    // Waiting for the whole frame: a capture can land while a frame is half written.
    tmux.wait_for("the review", |s| {
        s.contains("Morning review · item 1 of")
            && s.contains("IMMEDIATE RISK")
            && s.contains("Escalation 1: Ava Sample")
    });

    // Act on the first item: a discussion with Luton MASH.
    tmux.send("d");
    tmux.wait_for("the discussion form", |s| s.contains("Record a discussion"));
    for key in [
        "Tab",
        "Duty SW, Luton MASH",
        "Tab",
        "Tab",
        "Threshold to be reviewed today.",
        "C-s",
    ] {
        tmux.send(key);
    }
    tmux.wait_for("the item ticked off", |s| {
        s.contains("✓ acted on during this review") && s.contains("1 item(s) acted on")
    });

    // The second item: a reason for its delay.
    tmux.send("Space");
    tmux.wait_for("the second item", |s| {
        s.contains("Morning review · item 2 of")
    });
    tmux.send("l");
    tmux.wait_for("the delay form", |s| s.contains("Reason for the delay"));
    tmux.send("Awaiting the strategy meeting date.");
    tmux.send("C-s");
    tmux.wait_for("two acted on", |s| s.contains("2 item(s) acted on"));

    // Finish: the summary, then the record.
    tmux.send("Escape");
    tmux.wait_for("the summary", |s| {
        s.contains("Morning review: summary") && s.contains("2 acted on")
    });
    tmux.send("Enter");
    tmux.wait_for("the review recorded", |s| {
        s.contains("Saved: review recorded") && s.contains("S1: ")
    });
    tmux.send("q");
    let after = tmux.wait_for("the program to exit", |s| s.contains("TTY="));
    assert!(after.contains("EXIT=0"), "{after}");

    // The audit trail says who reviewed, and what was recorded during it.
    let mut command = Command::new(env!("CARGO_BIN_EXE_escalate"));
    command
        .args(["history", "--db"])
        .arg(sandbox.db())
        .args(["--now", NOW]);
    sandbox.apply(&mut command);
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let history = String::from_utf8(out.stdout).unwrap();
    let review = history
        .lines()
        .find(|l| l.contains("reviewed by test-dsl"))
        .unwrap_or_else(|| panic!("no review in the audit trail:\n{history}"));
    assert!(review.contains("2 acted on"), "{review}");
    assert!(
        history.contains("discussion recorded (phone) with Duty SW, Luton MASH"),
        "{history}"
    );
    assert!(history.contains("reason for delay recorded"), "{history}");
}

#[test]
fn a_paste_lands_whole_in_the_focused_field() {
    let sandbox = Sandbox::new();
    sandbox.fill_demo();
    let run = format!(
        "{} --db {} --now '{NOW}'; {AFTER}",
        quoted(Path::new(env!("CARGO_BIN_EXE_escalate"))),
        quoted(&sandbox.db()),
    );
    let tmux = Tmux::start(&sandbox, 120, 40, &run);
    tmux.wait_for("the dashboard", |s| s.contains("╭ Notifications: "));
    tmux.send("d");
    tmux.wait_for("the discussion form", |s| s.contains("Record a discussion"));
    tmux.send("Tab");
    // A bracketed paste (tmux's paste-buffer -p, as the dashboard asked for): two lines into
    // a one-line field are joined there; no newline moves on to the next field.
    tmux.run(&["set-buffer", "-b", "clip", "Duty SW,\nLuton MASH"]);
    tmux.run(&["paste-buffer", "-p", "-b", "clip", "-t", "main"]);
    let form = tmux.wait_for("the pasted text", |s| s.contains("Duty SW, Luton MASH"));
    assert!(form.contains("▶ Who took part"), "{form}");
    tmux.send("Escape");
    tmux.wait_for("the question", |s| s.contains("Throw away what you typed?"));
    tmux.send("y");
    tmux.send("q");
    tmux.wait_for("the exit", |s| s.contains("EXIT=0"));
}

/// Issue 13, auto-lock: Ctrl-L hides every child in a real terminal until the passphrase (the
/// database's, from the sandbox's passphrase file) is typed, and a wrong one keeps it hidden.
#[test]
fn ctrl_l_hides_the_caseload_until_the_passphrase_is_typed() {
    let sandbox = Sandbox::new();
    sandbox.fill_demo();
    let program = format!(
        "{} --db {} --now '{NOW}'; {AFTER}",
        quoted(Path::new(env!("CARGO_BIN_EXE_escalate"))),
        quoted(&sandbox.db()),
    );
    let tmux = Tmux::start(&sandbox, 120, 40, &program);
    let screen = tmux.wait_for("the whole dashboard", |s| {
        s.contains("Ava Sample") && is_whole_dashboard(s)
    });
    assert!(!screen.contains("NOT ENCRYPTED"), "{screen}");
    tmux.send("C-l");
    let locked = tmux.wait_for("the lock", |s| s.contains("LOCKED") && s.contains("unlock"));
    for hidden in [
        "Ava Sample",
        "Leo Example",
        "#1 ",
        "open",
        "Notifications: ",
    ] {
        assert!(!locked.contains(hidden), "{hidden} shows:\n{locked}");
    }
    // A wrong passphrase: still locked, and what was typed never shows.
    tmux.run(&["send-keys", "-t", "main", "-l", "wrong guess"]);
    tmux.send("Enter");
    let still = tmux.wait_for("the refusal", |s| s.contains("not the passphrase"));
    assert!(
        !still.contains("Ava Sample") && !still.contains("wrong guess"),
        "{still}"
    );
    tmux.run(&["send-keys", "-t", "main", "-l", "test passphrase"]);
    let typing = tmux.wait_for("the masked field", |s| s.contains("•••"));
    assert!(!typing.contains("test passphrase"), "{typing}");
    tmux.send("Enter");
    tmux.wait_for("the dashboard back", |s| {
        s.contains("Ava Sample") && is_whole_dashboard(s)
    });
    tmux.send("q");
    let after = tmux.wait_for("the program to exit", |s| s.contains("TTY="));
    assert!(after.contains("EXIT=0"), "{after}");
}
