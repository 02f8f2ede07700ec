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
    let mut tx = admin.transaction().unwrap();
    tx.batch_execute(
        "INSERT INTO audit (id, at, actor, escalation_id, action, summary, record_table, record_id, record_hash, prev_hash, hash)
         VALUES (1, now(), 'x', 41, 'created', 's', 'escalations', 41, 'h', 'h', 'h')",
    )
    .unwrap();
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
    assert_ne!(id, 41);
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
