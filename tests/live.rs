//! Live updates on PostgreSQL (issue 16): every committed change announces its escalation's
//! id, and nothing else, on one channel; a listener re-reads what was announced as its person,
//! under row-level security; a lost connection is noticed, and connecting again works. Then
//! the same end to end: two dashboards in two terminals (tmux), as two people of one school,
//! on one database, each seeing the other's changes live, and a third person's change at
//! another school showing on neither.
//!
//! The cluster is the tests' own (`support/pg.rs`); tmux is required, as for `terminal.rs`.
//! Every wait is bounded and polls; no assertion is about how long anything took.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use escalate::core::change::plan_action;
use escalate::core::procedure::ProcedureSet;
use escalate::core::record::{NewEscalation, NewEscalationInput};
use escalate::core::team::Role;
use escalate::storage::Store;
use escalate::storage::postgres::PgStore;
use escalate::storage::postgres::listen::Listener;
use support::pg;

const NOW: &str = "2026-11-23 11:00";
/// The longest any one thing may take to arrive (generous: the machine may be loaded).
const TIMEOUT: Duration = Duration::from_secs(15);

fn t(text: &str) -> DateTime<Utc> {
    escalate::core::time::parse_instant(text).unwrap()
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
        summary: "Referral refused.".into(),
        raised_at: Some(t("2026-11-23 09:00")),
        ..Default::default()
    }
    .check(procedures.get("london").unwrap(), t("2026-11-23 10:00"))
    .unwrap()
}

/// A team on one database: school A's DSL and deputy, school B's deputy.
struct Team {
    url: String,
    dsl_a: String,
    deputy_a: String,
    deputy_b: String,
}

impl Team {
    fn new() -> Self {
        let url = pg::fresh_database();
        let db = pg::database_of(&url).to_owned();
        let login = |who: &str| format!("{db}.{who}");
        let team = Self {
            dsl_a: login("dsl-a"),
            deputy_a: login("deputy-a"),
            deputy_b: login("deputy-b"),
            url,
        };
        let mut admin = PgStore::open(&team.url).unwrap();
        admin.team_init().unwrap();
        admin
            .team_add(&team.dsl_a, Role::Dsl, &["school-a".into()])
            .unwrap();
        admin
            .team_add(&team.deputy_a, Role::Deputy, &["school-a".into()])
            .unwrap();
        admin
            .team_add(&team.deputy_b, Role::Deputy, &["school-b".into()])
            .unwrap();
        team
    }

    fn url_as(&self, login: &str) -> String {
        pg::cluster().url(pg::database_of(&self.url), login)
    }

    fn store_as(&self, login: &str) -> PgStore {
        PgStore::open(&self.url_as(login)).unwrap()
    }

    fn listener_as(&self, login: &str) -> Listener {
        self.store_as(login)
            .announcements("ignored")
            .listen()
            .unwrap()
    }

    /// Ends every connection `login` has open, as a server restart or a dropped network would.
    fn cut_off(&self, login: &str) {
        let mut admin = pg::cluster().superuser(pg::database_of(&self.url));
        admin
            .execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1",
                &[&login],
            )
            .unwrap();
    }
}

/// Waits (bounded) until `listener` hears something; returns the ids.
fn hear(listener: &mut Listener) -> Vec<i64> {
    let start = Instant::now();
    loop {
        let ids = listener.wait(Duration::from_millis(100)).unwrap();
        if !ids.is_empty() {
            return ids;
        }
        assert!(start.elapsed() < TIMEOUT, "nothing was announced");
    }
}

#[test]
fn a_committed_change_is_announced_by_its_id_alone_and_read_back_as_the_person() {
    let team = Team::new();
    let now = t("2026-11-23 10:00");
    let mut dsl = team.listener_as(&team.dsl_a);
    // Anyone connected may listen, whatever they may read: the payload must say nothing.
    let mut raw = pg::cluster().superuser(pg::database_of(&team.url));
    raw.batch_execute("LISTEN escalate_changes").unwrap();

    let mut deputy = team.store_as(&team.deputy_a);
    let id = deputy
        .create(&new_escalation("Ava Sample"), "deputy", now)
        .unwrap();
    deputy
        .change(id, "deputy", now, |e| {
            plan_action(e, "Send the chronology", "DSL", "2026-11-25")
        })
        .unwrap();

    let mut payloads = Vec::new();
    {
        use postgres::fallible_iterator::FallibleIterator as _;
        let mut notifications = raw.notifications();
        let mut heard = notifications.timeout_iter(TIMEOUT);
        while payloads.len() < 2 {
            let Some(n) = heard.next().unwrap() else {
                break;
            };
            payloads.push(n.payload().to_owned());
        }
    }
    assert_eq!(payloads, [id.to_string(), id.to_string()]);

    let ids = hear(&mut dsl);
    assert_eq!(ids, [id]);
    let heard = dsl.read(&ids).unwrap();
    assert_eq!(heard.escalations.len(), 1);
    assert_eq!(heard.escalations[0].child.name, "Ava Sample");
    assert_eq!(heard.escalations[0].actions.len(), 1);
    assert_eq!(heard.by_others, [(id, team.deputy_a.clone())]);

    // Read back by whoever made the change, it is no one else's.
    let mut own = team.listener_as(&team.deputy_a);
    assert!(own.read(&[id]).unwrap().by_others.is_empty());
}

#[test]
fn a_change_rolled_back_is_never_announced() {
    let team = Team::new();
    let mut dsl = team.listener_as(&team.dsl_a);
    let mut admin = pg::cluster().superuser(pg::database_of(&team.url));
    // An escalation and its audit entry written, then rolled back.
    let mut tx = admin.transaction().unwrap();
    let rolled_back: i64 = tx
        .query_one(
            "WITH e AS (
                 INSERT INTO escalations (procedure, child_name, raised_by, agency, raised_with, category, summary, raised_at, immediate_risk, recorded_by, recorded_at, school)
                 VALUES ('london', 'Leo Example', 'a', 'b', 'c', 'thresholds', 's', now(), false, 'x', now(), 'school-a')
                 RETURNING id)
             INSERT INTO audit (id, at, actor, escalation_id, action, summary, record_table, record_id, record_hash, prev_hash, hash)
             SELECT 1, now(), 'x', e.id, 'created', 's', 'escalations', e.id, 'h', 'h', 'h' FROM e
             RETURNING escalation_id",
            &[],
        )
        .unwrap()
        .get(0);
    tx.rollback().unwrap();
    // Then one committed: only it is heard.
    let mut deputy = team.store_as(&team.deputy_a);
    let id = deputy
        .create(
            &new_escalation("Ava Sample"),
            "deputy",
            t("2026-11-23 10:00"),
        )
        .unwrap();
    assert_ne!(id, rolled_back);
    assert_eq!(hear(&mut dsl), [id]);
}

#[test]
fn another_schools_change_is_announced_but_reads_as_nothing() {
    let team = Team::new();
    let mut dsl = team.listener_as(&team.dsl_a);
    let mut other = team.store_as(&team.deputy_b);
    let theirs = other
        .create(&new_escalation("Leo Example"), "b", t("2026-11-23 10:00"))
        .unwrap();
    let ids = hear(&mut dsl);
    assert_eq!(ids, [theirs]);
    let heard = dsl.read(&ids).unwrap();
    assert!(heard.escalations.is_empty(), "{heard:?}");
    assert!(heard.by_others.is_empty(), "{heard:?}");
}

#[test]
fn a_lost_connection_is_noticed_and_a_new_one_hears_again() {
    let team = Team::new();
    let store = team.store_as(&team.dsl_a);
    let announcements = store.announcements("ignored");
    let mut dsl = announcements.listen().unwrap();
    team.cut_off(&team.dsl_a);
    let start = Instant::now();
    let error = loop {
        match dsl.wait(Duration::from_millis(100)) {
            Err(e) => break e.to_string(),
            Ok(ids) => assert!(ids.is_empty(), "{ids:?}"),
        }
        if start.elapsed() > Duration::from_secs(2) {
            // A connection that went quietly: the regular check finds it.
            if let Err(e) = dsl.check() {
                break e.to_string();
            }
        }
        assert!(
            start.elapsed() < TIMEOUT,
            "the lost connection went unnoticed"
        );
    };
    assert!(error.contains("was lost"), "{error}");
    // The store that was cut off too connects again by itself on its next call.
    assert!(store.caseload().unwrap().is_empty());
    let mut again = announcements.listen().unwrap();
    let id = team
        .store_as(&team.deputy_a)
        .create(
            &new_escalation("Ava Sample"),
            "deputy",
            t("2026-11-23 10:00"),
        )
        .unwrap();
    assert_eq!(hear(&mut again), [id]);
}

/// A dashboard in a terminal of its own (its own tmux server, on a socket in its own
/// folder, killed on drop), as one person.
struct Dashboard {
    dir: tempfile::TempDir,
}

impl Dashboard {
    /// Opens the dashboard on `url` in a 120 x 40 terminal.
    fn open(url: &str) -> Self {
        match Command::new("tmux").arg("-V").output() {
            Ok(out) if out.status.success() => {}
            other => panic!(
                "these tests drive the dashboard through tmux, which is not available ({other:?}); install it (apt-get install tmux)"
            ),
        }
        let dashboard = Self {
            dir: tempfile::TempDir::new().unwrap(),
        };
        for sub in ["config", "data"] {
            std::fs::create_dir_all(dashboard.dir.path().join(sub)).unwrap();
        }
        let program = format!(
            "{} --db {} --now '{NOW}'; echo EXIT=$?; sleep 60",
            quoted(env!("CARGO_BIN_EXE_escalate")),
            quoted(url),
        );
        let mut command = dashboard.tmux();
        command.args([
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            "120",
            "-y",
            "40",
            &program,
        ]);
        let home = dashboard.dir.path();
        command
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_DATA_HOME", home.join("data"))
            .env("HOME", home)
            .env("USER", "test-dsl")
            .env("ESCALATE_ACTOR", "test-dsl")
            .env("SHELL", "/bin/sh")
            .env_remove("ESCALATE_NOW")
            .env_remove("ESCALATE_DB")
            .env_remove("PGPASSWORD")
            .env_remove("NO_COLOR")
            .env_remove("TMUX")
            .env_remove("TMUX_PANE");
        let out = command.output().unwrap();
        assert!(
            out.status.success(),
            "tmux new-session failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dashboard
    }

    fn socket(&self) -> PathBuf {
        self.dir.path().join("tmux.sock")
    }

    fn tmux(&self) -> Command {
        let mut command = Command::new("tmux");
        command
            .arg("-S")
            .arg(self.socket())
            .args(["-f", "/dev/null"]);
        command.stdin(Stdio::null());
        command
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self.tmux().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "main"]).stdout)
            .into_owned()
    }

    /// Types keys (tmux key names: `a`, `Tab`, `C-s`), or text.
    fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.run(&["send-keys", "-t", "main", key]);
        }
    }

    /// Polls the screen until a whole dashboard frame satisfies `done`; returns it, or fails
    /// with the last screen seen.
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if is_whole_dashboard(&screen) && done(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < TIMEOUT,
                "timed out after {TIMEOUT:?} waiting for {what}; the screen shows:\n{screen}"
            );
            sleep(Duration::from_millis(40));
        }
    }

    /// Polls the screen until `done` holds, whole frame or not (a form over the dashboard).
    fn wait_for_any(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
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

impl Drop for Dashboard {
    fn drop(&mut self) {
        let _ = self
            .tmux()
            .arg("kill-server")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// Single-quotes a word for the shell.
fn quoted(text: impl AsRef<Path>) -> String {
    format!(
        "'{}'",
        text.as_ref().display().to_string().replace('\'', r"'\''")
    )
}

/// Whether `screen` holds a whole dashboard frame, not one tmux captured half-written (as in
/// `terminal.rs`): the notifications panel closed below its title, and the dashboard's footer.
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

/// The column the card `card` starts at on `screen` (which lane it is in), if shown.
fn column_of(screen: &str, card: &str) -> Option<usize> {
    screen
        .lines()
        .find_map(|l| l.find(card).map(|byte| l[..byte].chars().count()))
}

/// Issue 16: two dashboards on one database, as school A's DSL and deputy, see each other's
/// changes as they are made: the change arrives by announcement (the status says it came
/// live; a PostgreSQL dashboard does not poll at all), and nothing of school B's shows.
#[test]
fn two_dashboards_on_one_database_see_each_others_changes_live() {
    let team = Team::new();
    let now = t(NOW);
    let mut deputy = team.store_as(&team.deputy_a);
    let ours = deputy
        .create(&new_escalation("Ava Sample"), "deputy", now)
        .unwrap();
    let dsl = Dashboard::open(&team.url_as(&team.dsl_a));
    let other = Dashboard::open(&team.url_as(&team.deputy_a));
    let card = format!("#{ours} Ava Sample");
    let before = dsl.wait_for("the DSL's caseload", |s| s.contains(&card));
    other.wait_for("the deputy's caseload", |s| s.contains(&card));
    let lane_before = column_of(&before, &card).unwrap();

    // The deputy advances it to stage 2 on their dashboard; the DSL's moves the card.
    other.keys(&["a"]);
    other.wait_for_any("the advance form", |s| {
        s.contains(&format!("Advance escalation {ours}"))
    });
    other.keys(&["Tab", "No reply from the duty team.", "Tab", "Space", "C-s"]);
    other.wait_for("the advance saved", |s| {
        s.contains("Saved: advanced to stage 2")
    });
    let saved = Instant::now();
    let live = format!(
        "Escalation {ours} was changed by {}: updated live",
        team.deputy_a
    );
    let after = dsl.wait_for("the advance on the DSL's dashboard", |s| {
        s.contains(&live) && column_of(s, &card).is_some_and(|c| c > lane_before)
    });
    eprintln!(
        "the advance showed on the other dashboard {:?} after it was saved (polling every 40ms)",
        saved.elapsed()
    );
    assert!(after.contains(&card), "{after}");

    // The DSL records a discussion; the deputy's dashboard shows who made it. The DSL's own
    // status keeps saying what they saved (their own change is not news to them).
    dsl.keys(&["2"]);
    dsl.wait_for("the second lane focused", |s| {
        s.contains(&format!("▌ {card}"))
    });
    dsl.keys(&["d"]);
    dsl.wait_for_any("the discussion form", |s| s.contains("Record a discussion"));
    dsl.keys(&["Tab", "Duty SW", "Tab", "Tab", "Asked for a review.", "C-s"]);
    dsl.wait_for("the discussion saved", |s| {
        s.contains("Saved: discussion recorded")
    });
    other.wait_for("the discussion on the deputy's dashboard", |s| {
        s.contains(&format!(
            "Escalation {ours} was changed by {}: updated live",
            team.dsl_a
        ))
    });

    // School B's deputy records an escalation and changes it, then school A's deputy changes
    // theirs: announcements arrive in order, so once the DSL's dashboard shows the second,
    // it has had the first, which showed nothing.
    let mut school_b = team.store_as(&team.deputy_b);
    let theirs = school_b
        .create(&new_escalation("Leo Example"), "b", now)
        .unwrap();
    school_b
        .change(theirs, "b", now, |e| {
            plan_action(e, "Send the chronology", "DSL", "2026-11-25")
        })
        .unwrap();
    deputy
        .change(ours, "deputy", now, |e| {
            plan_action(e, "Chase the duty team", "DSL", "2026-11-25")
        })
        .unwrap();
    let last = dsl.wait_for("the deputy's action on the DSL's dashboard", |s| {
        s.contains(&live)
    });
    assert!(!last.contains("Leo"), "{last}");
    assert!(!last.contains(&format!("#{theirs} ")), "{last}");
    assert!(!last.contains(&format!("Escalation {theirs}")), "{last}");
}

/// Issue 16: a lost connection is said on the status line, made again, and the caseload
/// reloaded in full (announcements missed meanwhile are never resent); changes show again.
#[test]
fn a_dashboard_cut_off_from_the_database_reconnects_and_reloads_in_full() {
    let team = Team::new();
    let now = t(NOW);
    let mut deputy = team.store_as(&team.deputy_a);
    let first = deputy
        .create(&new_escalation("Ava Sample"), "deputy", now)
        .unwrap();
    let dsl = Dashboard::open(&team.url_as(&team.dsl_a));
    dsl.wait_for("the DSL's caseload", |s| {
        s.contains(&format!("#{first} Ava Sample"))
    });
    team.cut_off(&team.dsl_a);
    // Made while the dashboard may have no connection: found by the full reload, or heard.
    let second = deputy
        .create(&new_escalation("Zoe Sample"), "deputy", now)
        .unwrap();
    dsl.wait_for("the reconnection and the new escalation", |s| {
        s.contains("Connected to the database again: the caseload was reloaded in full")
            || s.contains(&format!("#{second} Zoe Sample"))
    });
    let shown = dsl.wait_for("the new escalation", |s| {
        s.contains(&format!("#{second} Zoe Sample"))
    });
    assert!(shown.contains(&format!("#{first} Ava Sample")), "{shown}");
    // Live again: a change after the reconnection arrives by announcement.
    deputy
        .change(first, "deputy", now, |e| {
            plan_action(e, "Chase the duty team", "DSL", "2026-11-25")
        })
        .unwrap();
    dsl.wait_for("a change after reconnecting", |s| {
        s.contains(&format!(
            "Escalation {first} was changed by {}: updated live",
            team.deputy_a
        ))
    });
}
