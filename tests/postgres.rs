//! What only the PostgreSQL backend does: its schema's guarantees, two writers on one chain,
//! and (as the application role) row-level security. The conformance suite (`storage.rs`)
//! runs every backend-independent check on it too. The cluster is the tests' own
//! (`support/pg.rs`).

mod support;

use support::pg;

#[test]
fn the_test_cluster_gives_each_test_a_database_of_its_own() {
    let first = pg::fresh_database();
    let second = pg::fresh_database();
    assert_ne!(first, second);
    let mut client = postgres::Client::connect(&first, postgres::NoTls).unwrap();
    let name: String = client
        .query_one("SELECT current_database()", &[])
        .unwrap()
        .get(0);
    assert_eq!(name, pg::database_of(&first));
    // The server is not run as root.
    let superuser: bool = client
        .query_one(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(superuser, "the tests connect as the cluster's superuser");
}

use chrono::{DateTime, Utc};
use escalate::core::calendar::Calendar;
use escalate::core::change::{
    DiscussionInput, Request, Version, plan_action, plan_attach, plan_details, plan_discussion,
};
use escalate::core::deadline::Settings;
use escalate::core::procedure::ProcedureSet;
use escalate::core::record::{NewEscalation, NewEscalationInput};
use escalate::service::{self, Rules, ServiceError, Subject};
use escalate::storage::postgres::PgStore;
use escalate::storage::sqlite::SqliteStore;
use escalate::storage::{Store, StoreError};

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
        child_dob: Some("2015-03-12".parse().unwrap()),
        ..Default::default()
    }
    .check(procedures.get("london").unwrap(), t("2026-11-23 10:00"))
    .unwrap()
}

/// Escalations as a single DSL's file holds them: a team database also says each one's school
/// (`main` for the administrator's), which a SQLite file, one school's, does not.
fn schoolless(
    mut escalations: Vec<escalate::core::record::Escalation>,
) -> Vec<escalate::core::record::Escalation> {
    for escalation in &mut escalations {
        escalation.school = None;
    }
    escalations
}

/// The same writes on SQLite and on PostgreSQL, through the port.
fn write_a_caseload(store: &mut impl Store) {
    let now = t("2026-11-23T10:00:00.123456Z");
    let real = t("2026-11-23T10:00:07.5Z");
    store.set_wall_clock(Box::new(move || real));
    for name in ["Ava Sample", "Zoë Ångström", "محمد علي"] {
        let id = store.create(&new_escalation(name), "jo", now).unwrap();
        store
            .change_all(id, "sam", now, |e| {
                Ok(vec![
                    plan_discussion(
                        e,
                        &DiscussionInput {
                            participants: "Duty SW".into(),
                            mode: "phone".into(),
                            notes: "Talked it through.".into(),
                            is_agreement: true,
                            at: Some(t("2026-11-23 09:30")),
                            ..Default::default()
                        },
                        now,
                    )?,
                    plan_action(e, "Send the chronology", "DSL", "2026-11-25")?,
                ])
            })
            .unwrap();
    }
    // Migration 9's record (issue 15): a detail the forms ask for, and a form kept with the
    // notification it was sent with.
    record_forms(store, 1, now);
    let summary = escalate::core::review::ReviewSummary::new(3, 1, 2, Default::default()).unwrap();
    store.record_review(&summary, "jo", now).unwrap();
}

/// Records two details and a notification sent with its form kept, on escalation `id`: four
/// rows, four audit entries.
fn record_forms(store: &mut impl Store, id: i64, now: DateTime<Utc>) {
    let fields = vec![
        ("referrer-phone".to_owned(), "01234 567890".to_owned()),
        (
            "child-address".to_owned(),
            "1 High Street\nLuton".to_owned(),
        ),
    ];
    store
        .change_all(id, "sam", now, |e| plan_details(e, &fields))
        .unwrap();
    store
        .change_all(id, "sam", now, |_| {
            Ok(vec![
                escalate::core::change::Change::NotificationSent {
                    notification: "partnership".into(),
                    at: t("2026-11-23 09:45"),
                    method: "email".parse()?,
                    reference: None,
                },
                plan_attach("partnership", "appendix-2", "Appendix 2\n\tZoë Ångström\n")?,
            ])
        })
        .unwrap();
}

#[test]
fn the_audit_chain_is_hashed_the_same_on_sqlite_and_postgresql() {
    let mut sqlite = SqliteStore::open_in_memory().unwrap();
    let mut pg = PgStore::open(&pg::fresh_database()).unwrap();
    write_a_caseload(&mut sqlite);
    write_a_caseload(&mut pg);
    let trail = pg.audit_trail(None).unwrap();
    assert_eq!(trail.len(), 14);
    assert_eq!(
        trail,
        sqlite.audit_trail(None).unwrap(),
        "every entry, hash for hash: the fingerprint does not depend on the backend"
    );
    assert_eq!(pg.verify().unwrap().problem, None);
    assert_eq!(
        schoolless(
            pg.escalations(escalate::storage::Filter {
                include_closed: true,
                stage: None
            })
            .unwrap()
        ),
        sqlite
            .escalations(escalate::storage::Filter {
                include_closed: true,
                stage: None
            })
            .unwrap()
    );
}

#[test]
fn the_record_is_insert_only_in_the_database_itself() {
    let url = pg::fresh_database();
    let mut store = PgStore::open(&url).unwrap();
    write_a_caseload(&mut store);
    let mut su = pg::cluster().superuser(pg::database_of(&url));
    for sql in [
        "UPDATE escalations SET child_name = 'x' WHERE id = 1",
        "DELETE FROM discussions WHERE id = 1",
        "UPDATE audit SET summary = 'x' WHERE id = 1",
        "DELETE FROM audit",
        "TRUNCATE actions CASCADE",
        "UPDATE escalation_details SET value = 'x'",
        "DELETE FROM escalation_details",
        "UPDATE attachments SET text = 'x'",
        "DELETE FROM attachments",
        "TRUNCATE attachments",
    ] {
        let error = su.batch_execute(sql).unwrap_err();
        let message = error.as_db_error().unwrap().message().to_owned();
        assert_eq!(
            message, "escalate records are never changed or deleted; record an amendment instead",
            "{sql}"
        );
    }
    assert_eq!(store.verify().unwrap().problem, None);
    // Behind the triggers' back (a superuser can drop them), verify finds what changed.
    su.batch_execute(
        "ALTER TABLE discussions DISABLE TRIGGER discussions_insert_only;
         UPDATE discussions SET notes = 'rewritten' WHERE id = 2;",
    )
    .unwrap();
    let problem = store.verify().unwrap().problem.unwrap();
    assert!(
        problem.contains("the discussions row 2 it recorded has been changed since"),
        "{problem}"
    );
    // A kept form is covered the same way: its text cannot change unseen.
    let url = pg::fresh_database();
    let mut store = PgStore::open(&url).unwrap();
    write_a_caseload(&mut store);
    let mut su = pg::cluster().superuser(pg::database_of(&url));
    su.batch_execute(
        "ALTER TABLE attachments DISABLE TRIGGER attachments_insert_only;
         UPDATE attachments SET text = 'something else';",
    )
    .unwrap();
    let problem = store.verify().unwrap().problem.unwrap();
    assert!(
        problem.contains("the attachments row 1 it recorded has been changed since"),
        "{problem}"
    );
}

/// Two writers on two connections append at once, many times: the chain never forks (every
/// entry follows the one before it), and verify passes.
#[test]
fn two_writers_never_fork_the_audit_chain() {
    let url = pg::fresh_database();
    let mut first = PgStore::open(&url).unwrap();
    let id = first
        .create(&new_escalation("A"), "jo", t("2026-11-23 10:00"))
        .unwrap();
    let writers: Vec<_> = ["jo", "sam"]
        .into_iter()
        .map(|actor| {
            let url = url.clone();
            std::thread::spawn(move || {
                let mut store = PgStore::open(&url).unwrap();
                let now = t("2026-11-23 11:00");
                for i in 0..15 {
                    // A new escalation and a change to the shared one, interleaved.
                    if i % 3 == 0 {
                        store.create(&new_escalation("B"), actor, now).unwrap();
                    }
                    store
                        .change(id, actor, now, |e| {
                            plan_action(e, &format!("Action {i} by {actor}"), "DSL", "2026-11-25")
                        })
                        .unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    let verification = first.verify().unwrap();
    assert_eq!(verification.problem, None);
    assert_eq!(verification.entries, 1 + 2 * (15 + 5));
    assert_eq!(first.escalation(id).unwrap().actions.len(), 30);
}

/// Two dashboards open the advance form on the same escalation at stage 1 and save at once:
/// one advances it, the other is refused (the escalation moved), never a double advance.
#[test]
fn concurrent_advances_never_double_advance() {
    let url = pg::fresh_database();
    let mut store = PgStore::open(&url).unwrap();
    let id = store
        .create(&new_escalation("A"), "jo", t("2026-11-23 10:00"))
        .unwrap();
    let seen = Version::of(&store.escalation(id).unwrap());
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let writers: Vec<_> = ["jo", "sam"]
        .into_iter()
        .map(|actor| {
            let url = url.clone();
            let barrier = std::sync::Arc::clone(&barrier);
            std::thread::spawn(move || {
                let mut store = PgStore::open(&url).unwrap();
                let procedures = ProcedureSet::builtin();
                let calendar = Calendar::default();
                let settings = Settings::default();
                let rules = Rules {
                    procedures: &procedures,
                    calendar: &calendar,
                    settings: &settings,
                };
                barrier.wait();
                service::apply(
                    &mut store,
                    &rules,
                    actor,
                    t("2026-11-23 11:00"),
                    Subject::Escalation {
                        id,
                        seen: Some(seen),
                    },
                    &Request::Advance {
                        to: None,
                        reason: format!("No reply ({actor})."),
                        at: t("2026-11-23 10:30"),
                    },
                )
            })
        })
        .collect();
    let results: Vec<_> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    let advanced = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(advanced, 1, "{results:?}");
    assert!(
        results
            .iter()
            .any(|r| matches!(r, Err(ServiceError::Moved { id: moved, .. }) if *moved == id)),
        "{results:?}"
    );
    let escalation = store.escalation(id).unwrap();
    assert_eq!(escalation.stage(), 2);
    assert_eq!(escalation.stage_changes.len(), 1);
    assert_eq!(store.verify().unwrap().problem, None);
}

#[test]
fn errors_are_in_domain_words_and_never_carry_a_password() {
    let url = pg::fresh_database();
    let wrong = url
        .replace("postgres@", "postgres:hunter2@")
        .replace(pg::database_of(&url), "no_such_database");
    let Err(error) = PgStore::open(&wrong) else {
        panic!("a missing database opened");
    };
    let message = error.to_string();
    assert!(matches!(error, StoreError::Backend(_)), "{error:?}");
    assert!(
        message.contains("cannot connect to the PostgreSQL database"),
        "{message}"
    );
    assert!(message.contains("no_such_database"), "{message}");
    assert!(!message.contains("hunter2"), "{message}");
}

#[test]
fn a_backup_of_postgresql_is_a_sqlite_file_that_verifies() {
    let mut store = PgStore::open(&pg::fresh_database()).unwrap();
    write_a_caseload(&mut store);
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    store.backup(&copy).unwrap();
    let restored = SqliteStore::open(&copy).unwrap();
    assert_eq!(restored.verify().unwrap().problem, None);
    assert_eq!(
        restored.audit_trail(None).unwrap(),
        store.audit_trail(None).unwrap()
    );
    let caseload = store.caseload().unwrap();
    assert!(caseload.iter().all(|e| e.school.as_deref() == Some("main")));
    assert_eq!(restored.caseload().unwrap(), schoolless(caseload));
}

/// A team on one database: deputies of schools A and B, a trust lead, a governor, each
/// connecting as their own role.
struct Team {
    url: String,
    deputy_a: String,
    deputy_b: String,
    lead: String,
    governor: String,
}

impl Team {
    fn new() -> Self {
        use escalate::core::team::Role;
        let url = pg::fresh_database();
        let db = pg::database_of(&url).to_owned();
        let mut admin = PgStore::open(&url).unwrap();
        let login = |who: &str| format!("{db}.{who}");
        let team = Self {
            deputy_a: login("deputy-a"),
            deputy_b: login("deputy-b"),
            lead: login("lead"),
            governor: login("governor"),
            url,
        };
        admin.team_init().unwrap();
        admin
            .team_add(&team.deputy_a, Role::Deputy, &["school-a".into()])
            .unwrap();
        admin
            .team_add(&team.deputy_b, Role::Deputy, &["school-b".into()])
            .unwrap();
        admin.team_add(&team.lead, Role::TrustLead, &[]).unwrap();
        admin.team_add(&team.governor, Role::Governor, &[]).unwrap();
        team
    }

    fn url_as(&self, login: &str) -> String {
        pg::cluster().url(pg::database_of(&self.url), login)
    }

    fn store_as(&self, login: &str) -> PgStore {
        PgStore::open(&self.url_as(login)).unwrap()
    }

    fn sql_as(&self, login: &str) -> postgres::Client {
        postgres::Client::connect(&self.url_as(login), postgres::NoTls).unwrap()
    }
}

fn denied(result: Result<u64, postgres::Error>) -> String {
    let error = result.expect_err("the database allowed it");
    error.as_db_error().unwrap().message().to_owned()
}

#[test]
fn a_deputy_sees_only_their_schools_escalations_even_through_a_crafted_query() {
    let team = Team::new();
    let now = t("2026-11-23 10:00");
    let mut a = team.store_as(&team.deputy_a);
    let mut b = team.store_as(&team.deputy_b);
    // The name given is ignored: a person's writes are recorded under their own login.
    let ours = a
        .create(&new_escalation("Ava Sample"), "someone else", now)
        .unwrap();
    let theirs = b.create(&new_escalation("Leo Example"), "b", now).unwrap();
    b.change(theirs, "b", now, |e| {
        plan_action(e, "Send the chronology", "DSL", "2026-11-25")
    })
    .unwrap();
    // Each records the forms' details and a kept form on their own school's escalation.
    record_forms(&mut b, theirs, now);
    record_forms(&mut a, ours, now);
    let own = a.escalation(ours).unwrap();
    assert_eq!(own.details.referrer_phone.as_deref(), Some("01234 567890"));
    assert_eq!(own.attachments.len(), 1);
    assert_eq!(own.attachments[0].recorded_by, team.deputy_a);
    let seen: Vec<i64> = a.caseload().unwrap().iter().map(|e| e.id).collect();
    assert_eq!(seen, [ours]);
    assert!(matches!(a.escalation(theirs), Err(StoreError::NotFound(_))));
    let trail = a.audit_trail(None).unwrap();
    assert!(
        trail.iter().all(|e| e.escalation_id == Some(ours)),
        "{trail:?}"
    );
    assert_eq!(trail[0].actor, team.deputy_a);
    // Changing school B's escalation is refused as if it did not exist.
    let refused = a.change(theirs, "a", now, |e| {
        plan_action(e, "x", "DSL", "2026-11-25")
    });
    assert!(
        matches!(refused, Err(StoreError::NotFound(_))),
        "{refused:?}"
    );

    let mut sql = team.sql_as(&team.deputy_a);
    for crafted in [
        "SELECT count(*) FROM escalations WHERE school = 'school-b' OR true",
        "SELECT count(*) FROM escalations e JOIN escalation_state s ON s.escalation_id = e.id WHERE e.child_name LIKE 'Leo%'",
        "SELECT count(*) FROM actions",
        "SELECT count(*) FROM audit WHERE escalation_id IS NOT NULL AND escalation_id <> 1",
        "SELECT count(*) FROM escalation_details WHERE escalation_id <> 1",
        "SELECT count(*) FROM attachments WHERE escalation_id <> 1",
    ] {
        let count: i64 = sql.query_one(crafted, &[]).unwrap().get(0);
        assert_eq!(
            count,
            if crafted.contains("OR true") { 1 } else { 0 },
            "{crafted}"
        );
    }
    // Writing into school B, or as someone else, is refused by the database itself.
    let message = denied(sql.execute(
        "INSERT INTO escalations (procedure, child_name, raised_by, agency, raised_with, category, summary, raised_at, immediate_risk, recorded_by, recorded_at, school)
         VALUES ('london', 'X', 'a', 'b', 'c', 'thresholds', 's', now(), false, current_user, now(), 'school-b')",
        &[],
    ));
    assert!(message.contains("row-level security"), "{message}");
    let message = denied(sql.execute(
        "INSERT INTO escalations (procedure, child_name, raised_by, agency, raised_with, category, summary, raised_at, immediate_risk, recorded_by, recorded_at, school)
         VALUES ('london', 'X', 'a', 'b', 'c', 'thresholds', 's', now(), false, 'the-dsl', now(), 'school-a')",
        &[],
    ));
    assert!(message.contains("row-level security"), "{message}");
    // Turning row security off for the session does not show more: the query is refused.
    sql.batch_execute("SET row_security = off").unwrap();
    let message = denied(sql.execute("SELECT 1 FROM escalations", &[]));
    assert!(message.contains("row-level security"), "{message}");
}

#[test]
fn the_application_role_cannot_disable_row_level_security_or_change_the_audit() {
    let team = Team::new();
    let mut a = team.store_as(&team.deputy_a);
    a.create(&new_escalation("Ava Sample"), "a", t("2026-11-23 10:00"))
        .unwrap();
    let mut sql = team.sql_as(&team.deputy_a);
    for (statement, expected) in [
        (
            "ALTER TABLE escalations DISABLE ROW LEVEL SECURITY",
            "must be owner",
        ),
        (
            "ALTER TABLE audit NO FORCE ROW LEVEL SECURITY",
            "must be owner",
        ),
        ("DROP POLICY people_read ON escalations", "must be owner"),
        ("UPDATE audit SET summary = 'x'", "permission denied"),
        ("DELETE FROM audit", "permission denied"),
        (
            "UPDATE escalations SET child_name = 'x'",
            "permission denied",
        ),
        ("UPDATE attachments SET text = 'x'", "permission denied"),
        ("DELETE FROM escalation_details", "permission denied"),
        ("TRUNCATE discussions", "permission denied"),
        (
            "ALTER TABLE audit DISABLE TRIGGER audit_insert_only",
            "must be owner",
        ),
    ] {
        let message = denied(sql.execute(statement, &[]));
        assert!(message.contains(expected), "{statement}: {message}");
    }
    let bypass: bool = sql
        .query_one(
            "SELECT rolbypassrls OR rolsuper FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .unwrap()
        .get(0);
    assert!(!bypass);
}

#[test]
fn a_governor_sees_counts_and_no_names_and_a_trust_lead_reads_every_school() {
    let team = Team::new();
    let now = t("2026-11-23 10:00");
    team.store_as(&team.deputy_a)
        .create(&new_escalation("Ava Sample"), "a", now)
        .unwrap();
    let mut b = team.store_as(&team.deputy_b);
    b.create(&new_escalation("Leo Example"), "b", now).unwrap();
    b.create(&new_escalation("Mia Placeholder"), "b", now)
        .unwrap();

    let mut governor = team.store_as(&team.governor);
    assert_eq!(
        governor.school_counts().unwrap(),
        [
            ("school-a".to_owned(), 1, 0, 0),
            ("school-b".to_owned(), 2, 0, 0)
        ]
    );
    assert!(
        governor.caseload().is_err(),
        "a governor reads no escalation"
    );
    let mut sql = team.sql_as(&team.governor);
    for crafted in [
        "SELECT count(*) FROM escalations",
        "SELECT count(*) FROM audit",
        "SELECT count(*) FROM discussions",
        "SELECT count(*) FROM escalation_details",
        "SELECT count(*) FROM attachments",
    ] {
        let message = denied(sql.execute(crafted, &[]));
        assert!(
            message.contains("permission denied"),
            "{crafted}: {message}"
        );
    }

    let mut lead = team.store_as(&team.lead);
    assert_eq!(lead.caseload().unwrap().len(), 3);
    assert_eq!(
        lead.verify().unwrap().problem,
        None,
        "one chain across the schools"
    );
    let refused = lead.create(&new_escalation("X"), "lead", now);
    assert!(
        matches!(refused, Err(StoreError::Refused(_))),
        "{refused:?}"
    );
    // A deputy is told who can verify, rather than shown a chain with gaps.
    let refused = b.verify();
    assert!(
        matches!(refused, Err(StoreError::Refused(_))),
        "{refused:?}"
    );
}

/// A team set up before PostgreSQL migration 3 (the forms' tables): the administrator's updated
/// escalate makes the tables, and a deputy records details and keeps a form at once, before
/// anyone runs `team init` again; the new tables are still insert-only to them.
#[test]
fn a_team_set_up_before_the_forms_tables_can_use_them_once_escalate_is_updated() {
    let team = Team::new();
    let mut su = pg::cluster().superuser(pg::database_of(&team.url));
    // The schema as an escalate from before the forms left it.
    su.batch_execute(
        "DROP TABLE attachments; DROP TABLE escalation_details;
         DROP TRIGGER audit_announce ON audit; DROP FUNCTION escalate_announce();
         UPDATE escalate_schema SET version = 2;",
    )
    .unwrap();
    let tables = |su: &mut postgres::Client| -> i64 {
        su.query_one(
            "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('escalation_details', 'attachments')",
            &[],
        )
        .unwrap()
        .get(0)
    };
    assert_eq!(tables(&mut su), 0);
    PgStore::open(&team.url).unwrap();
    assert_eq!(tables(&mut su), 2);
    let now = t("2026-11-23 10:00");
    let mut a = team.store_as(&team.deputy_a);
    let id = a.create(&new_escalation("Ava Sample"), "a", now).unwrap();
    record_forms(&mut a, id, now);
    let read = a.escalation(id).unwrap();
    assert_eq!(read.details.referrer_phone.as_deref(), Some("01234 567890"));
    assert_eq!(read.attachments.len(), 1);
    let mut sql = team.sql_as(&team.deputy_a);
    let message = denied(sql.execute("UPDATE attachments SET text = 'x'", &[]));
    assert!(message.contains("permission denied"), "{message}");
    assert_eq!(
        PgStore::open(&team.url).unwrap().verify().unwrap().problem,
        None
    );
}

/// Every row of an escalation carries the escalation's school (PostgreSQL migration 6), which
/// its row-level security reads: the database writes it, and refuses a row whose school
/// disagrees with its escalation's, whoever writes it, the owner (whom row-level security lets
/// through) included.
#[test]
fn a_row_whose_school_disagrees_with_its_escalations_cannot_be_inserted() {
    let team = Team::new();
    let now = t("2026-11-23 10:00");
    let ours = team
        .store_as(&team.deputy_a)
        .create(&new_escalation("Ava Sample"), "a", now)
        .unwrap();
    let mut b = team.store_as(&team.deputy_b);
    let theirs = b.create(&new_escalation("Leo Example"), "b", now).unwrap();
    b.change(theirs, "b", now, |e| {
        plan_action(e, "Send the chronology", "DSL", "2026-11-25")
    })
    .unwrap();
    let mut su = pg::cluster().superuser(pg::database_of(&team.url));
    let school: String = su
        .query_one(
            "SELECT school FROM actions WHERE escalation_id = $1",
            &[&theirs],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        school, "school-b",
        "the store names no school; the database does"
    );

    let naming = "INSERT INTO stage_changes (escalation_id, to_stage, at, reason, recorded_by, recorded_at, school)
                  VALUES ($1, 2, now(), 'x', current_user, now(), $2)";
    let mut sql = team.sql_as(&team.deputy_a);
    // A deputy of school A, claiming their own school for school B's escalation.
    let message = denied(sql.execute(naming, &[&theirs, &"school-a"]));
    assert!(message.contains("foreign key"), "{message}");
    // Naming none, the row takes a school the deputy may not write for: refused.
    let message = denied(sql.execute(
        "INSERT INTO stage_changes (escalation_id, to_stage, at, reason, recorded_by, recorded_at)
         VALUES ($1, 2, now(), 'x', current_user, now())",
        &[&theirs],
    ));
    assert!(message.contains("row-level security"), "{message}");
    // The owner is refused a disagreeing school too.
    let message = denied(su.execute(naming, &[&ours, &"school-b"]));
    assert!(message.contains("foreign key"), "{message}");
    let message = denied(su.execute(
        "INSERT INTO escalation_details (escalation_id, field, value, recorded_by, recorded_at, school)
         VALUES ($1, 'referrer-phone', '1', 'jo', now(), 'school-a')",
        &[&theirs],
    ));
    assert!(message.contains("foreign key"), "{message}");
    // The agreeing school is accepted: the refusals above are about the school, not the rows.
    assert_eq!(sql.execute(naming, &[&ours, &"school-a"]).unwrap(), 1);
}

/// A team database from before migration 6: the rows already there are given their
/// escalation's school, and stay insert-only.
/// A fresh database brought to schema `version` by the migrations as they were, as an older
/// build left it; returns its URL and a superuser connection.
fn database_at_version(version: usize) -> (String, postgres::Client) {
    let url = pg::fresh_database();
    let mut su = postgres::Client::connect(&url, postgres::NoTls).unwrap();
    su.batch_execute(&format!(
        "CREATE TABLE escalate_schema (version integer NOT NULL); INSERT INTO escalate_schema (version) VALUES ({version});"
    ))
    .unwrap();
    for sql in &escalate::storage::postgres::schema::migrations()[..version] {
        su.batch_execute(sql).unwrap();
    }
    (url, su)
}

#[test]
fn migration_6_gives_the_rows_already_there_their_escalations_school() {
    let (url, mut su) = database_at_version(5);
    su.batch_execute(
        "INSERT INTO escalations (procedure, child_name, raised_by, agency, raised_with, category, summary, raised_at, immediate_risk, recorded_by, recorded_at, school)
         VALUES ('london', 'Ava Sample', 'a', 'b', 'c', 'thresholds', 's', now(), false, 'jo', now(), 'school-a'),
                ('london', 'Leo Example', 'a', 'b', 'c', 'thresholds', 's', now(), false, 'jo', now(), 'school-b');
         INSERT INTO stage_changes (escalation_id, to_stage, at, reason, recorded_by, recorded_at)
         VALUES (1, 2, now(), 'r', 'jo', now()), (2, 2, now(), 'r', 'jo', now()), (2, 3, now(), 'r', 'jo', now());
         INSERT INTO escalation_details (escalation_id, field, value, recorded_by, recorded_at)
         VALUES (2, 'referrer-phone', '1', 'jo', now());",
    )
    .unwrap();
    PgStore::open(&url).unwrap();
    let rows: Vec<(String, i64, String)> = su
        .query(
            "SELECT 'stage_changes', escalation_id, school FROM stage_changes
             UNION ALL SELECT 'escalation_details', escalation_id, school FROM escalation_details
             ORDER BY 1 DESC, 2",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let expected = [
        ("stage_changes", 1, "school-a"),
        ("stage_changes", 2, "school-b"),
        ("stage_changes", 2, "school-b"),
        ("escalation_details", 2, "school-b"),
    ]
    .map(|(t, id, s)| (t.to_owned(), id, s.to_owned()));
    assert_eq!(rows, expected);
    let message = denied(su.execute("UPDATE stage_changes SET school = 'school-a'", &[]));
    assert!(message.contains("never changed"), "{message}");
    let version: i32 = su
        .query_one("SELECT version FROM escalate_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(
        i64::from(version),
        escalate::storage::postgres::schema::current_version()
    );
}

#[test]
fn migration_7_gives_the_state_and_the_audit_trail_their_escalations_school() {
    let (url, mut su) = database_at_version(6);
    su.batch_execute(
        "INSERT INTO escalations (procedure, child_name, raised_by, agency, raised_with, category, summary, raised_at, immediate_risk, recorded_by, recorded_at, school)
         VALUES ('london', 'Ava Sample', 'a', 'b', 'c', 'thresholds', 's', now(), false, 'jo', now(), 'school-a'),
                ('london', 'Leo Example', 'a', 'b', 'c', 'thresholds', 's', now(), false, 'jo', now(), 'school-b');
         INSERT INTO escalation_state (escalation_id, is_open, stage, needs_attention)
         VALUES (1, true, 1, true), (2, true, 1, true);
         INSERT INTO audit (id, at, actor, escalation_id, action, summary, record_table, record_id, record_hash, prev_hash, hash)
         VALUES (1, now(), 'jo', 1, 'create', 's', 'escalations', 1, 'h', 'p', 'h1'),
                (2, now(), 'jo', 2, 'create', 's', 'escalations', 2, 'h', 'h1', 'h2'),
                (3, now(), 'jo', NULL, 'review', 's', 'reviews', 1, 'h', 'h2', 'h3');",
    )
    .unwrap();
    PgStore::open(&url).unwrap();
    let rows: Vec<(String, i64, Option<String>)> = su
        .query(
            "SELECT 'state', escalation_id, school FROM escalation_state
             UNION ALL SELECT 'audit', id, school FROM audit
             ORDER BY 1 DESC, 2",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    let expected = [
        ("state", 1, Some("school-a")),
        ("state", 2, Some("school-b")),
        ("audit", 1, Some("school-a")),
        ("audit", 2, Some("school-b")),
        ("audit", 3, None),
    ]
    .map(|(t, id, s)| (t.to_owned(), id, s.map(str::to_owned)));
    assert_eq!(rows, expected);
    // The audit trail is still insert-only, the new column included.
    let message = denied(su.execute("UPDATE audit SET school = 'school-b' WHERE id = 1", &[]));
    assert!(message.contains("never changed"), "{message}");
    // An entry's school must be its escalation's, and an entry about none has none: even the
    // owner is refused otherwise.
    let entry = "INSERT INTO audit (id, at, actor, escalation_id, action, summary, record_table, record_id, record_hash, prev_hash, hash, school)
                 VALUES (4, now(), 'jo', $1, 'note', 's', 'notes', 1, 'h', 'h3', 'h4', $2)";
    let message = denied(su.execute(entry, &[&1_i64, &"school-b"]));
    assert!(message.contains("foreign key"), "{message}");
    let message = denied(su.execute(entry, &[&None::<i64>, &"school-a"]));
    assert!(message.contains("audit_school_given"), "{message}");
    assert_eq!(su.execute(entry, &[&1_i64, &"school-a"]).unwrap(), 1);
    let message = denied(su.execute(
        "UPDATE escalation_state SET school = 'school-b' WHERE escalation_id = 1",
        &[],
    ));
    assert!(message.contains("foreign key"), "{message}");
    let version: i32 = su
        .query_one("SELECT version FROM escalate_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(version, 7);
}

#[test]
fn a_draft_is_offered_only_to_whoever_typed_it() {
    let team = Team::new();
    let mut a = team.store_as(&team.deputy_a);
    let mut b = team.store_as(&team.deputy_b);
    let draft = escalate::core::draft::Draft {
        form: "new".into(),
        ..Default::default()
    };
    a.save_draft(&draft, "a", t("2026-11-23 10:00")).unwrap();
    b.save_draft(&draft, "b", t("2026-11-23 10:01")).unwrap();
    let mine = a.drafts().unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].saved_by.as_deref(), Some(team.deputy_a.as_str()));
    assert_eq!(b.drafts().unwrap().len(), 1);
}

/// The binary, with a private environment.
fn escalate(args: &[&str]) -> std::process::Output {
    let home = std::env::temp_dir();
    std::process::Command::new(env!("CARGO_BIN_EXE_escalate"))
        .args(args)
        .env("XDG_CONFIG_HOME", home.join("escalate-pg-test-config-none"))
        .env("USER", "test-dsl")
        .env_remove("ESCALATE_DB")
        .env_remove("ESCALATE_NOW")
        .env_remove("PGPASSWORD")
        .output()
        .unwrap()
}

fn ok(args: &[&str]) -> String {
    let out = escalate(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn migrate_round_trips_the_demo_caseload_sqlite_to_postgresql_to_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first.db");
    let back = dir.path().join("back.db");
    let (first_arg, back_arg) = (first.to_str().unwrap(), back.to_str().unwrap());
    let url = pg::fresh_database();
    let now = ["--now", "2026-11-23 10:00"];
    ok(&[&now[..], &["--db", first_arg, "demo"]].concat());
    // The forms' record (migration 9) moves too: details and a kept form on the first.
    {
        let mut store = SqliteStore::open(&first).unwrap();
        record_forms(&mut store, 1, t("2026-11-23 10:00"));
    }
    let out = ok(&[
        &now[..],
        &[
            "--db", first_arg, "migrate", "--to", &url, "--school", "st-marys",
        ],
    ]
    .concat());
    assert!(out.contains("verify passes on both"), "{out}");
    assert!(out.contains("(school st-marys)"), "{out}");
    let out = ok(&[
        &now[..],
        &[
            "--db",
            &url,
            "migrate",
            "--to",
            back_arg,
            "--from-school",
            "st-marys",
        ],
    ]
    .concat());
    assert!(out.contains("verify passes on both"), "{out}");
    for db in [first_arg, url.as_str(), back_arg] {
        let verify = ok(&[&now[..], &["--db", db, "verify"]].concat());
        assert!(verify.contains("Head: "), "{db}: {verify}");
    }
    let all = escalate::storage::Filter {
        include_closed: true,
        stage: None,
    };
    let original = SqliteStore::open(&first).unwrap();
    let team = PgStore::open(&url).unwrap();
    let returned = SqliteStore::open(&back).unwrap();
    let records = original.escalations(all).unwrap();
    assert!(records.len() >= 10, "the demo caseload");
    assert!(
        records[0].details.child_address.is_some() && records[0].attachments.len() == 1,
        "{:?}",
        records[0]
    );
    let moved = team.escalations(all).unwrap();
    assert!(
        moved.iter().all(|e| e.school.is_some()),
        "every escalation on the team's database has its school"
    );
    assert_eq!(schoolless(moved), records);
    assert_eq!(returned.escalations(all).unwrap(), records);
    assert_eq!(
        returned.audit_trail(None).unwrap(),
        original.audit_trail(None).unwrap()
    );
    // The same heads: the chain moved whole, hash for hash.
    let head = |db: &str| {
        let verify = ok(&[&now[..], &["--db", db, "verify"]].concat());
        verify
            .lines()
            .find(|l| l.starts_with("Head: "))
            .unwrap()
            .to_owned()
    };
    assert_eq!(head(first_arg), head(&url));
    assert_eq!(head(first_arg), head(back_arg));
    // Into a team database that already holds records: refused, nothing mixed.
    let again = escalate(
        &[
            &now[..],
            &[
                "--db", first_arg, "migrate", "--to", &url, "--school", "other",
            ],
        ]
        .concat(),
    );
    assert_eq!(again.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already holds escalations"), "{stderr}");
    assert_eq!(team.escalations(all).unwrap().len(), records.len());
}

#[test]
fn team_init_add_and_list_from_the_command_line() {
    let url = pg::fresh_database();
    let login = format!("{}.jo", pg::database_of(&url));
    let out = ok(&["--db", &url, "team", "init"]);
    assert!(out.starts_with("Team roles ready: escalate_app_"), "{out}");
    let out = ok(&[
        "--db", &url, "team", "add", &login, "--role", "deputy", "--school", "st-marys",
    ]);
    assert!(out.contains("on the team as deputy for st-marys"), "{out}");
    let out = ok(&["--db", &url, "team", "list"]);
    assert_eq!(out, format!("{login}  deputy for st-marys\n"));
    // Bad input: one line saying what to fix, nothing changed.
    for (args, needle) in [
        (
            vec![
                "team", "add", "Bad Name", "--role", "deputy", "--school", "a",
            ],
            "is not a login",
        ),
        (
            vec!["team", "add", "sam", "--role", "head", "--school", "a"],
            "--role: \"head\" is not a role",
        ),
        (
            vec!["team", "add", "sam", "--role", "deputy"],
            "add --school",
        ),
    ] {
        let out = escalate(&[&["--db", url.as_str()][..], &args].concat());
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
    }
    assert_eq!(ok(&["--db", &url, "team", "list"]).lines().count(), 1);
    // The new deputy records an escalation as themselves, in their school.
    let child = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(child.path(), "Ava Sample").unwrap();
    let as_jo = pg::cluster().url(pg::database_of(&url), &login);
    ok(&[
        "--db",
        &as_jo,
        "--now",
        "2026-11-23 10:00",
        "new",
        "--procedure",
        "london",
        "--child-file",
        child.path().to_str().unwrap(),
        "--raised-by",
        "A DSL",
        "--agency",
        "School",
        "--raised-with",
        "Social care",
        "--category",
        "thresholds",
        "--summary",
        "Referral refused.",
    ]);
    let history = ok(&["--db", &as_jo, "history", "1"]);
    assert!(history.contains(&login), "{history}");
    // A SQLite file is not a team database.
    let out = escalate(&["--db", "/tmp/x.db", "team", "list"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("SQLite file"));
}

/// A tmux server of this test's own (as tests/terminal.rs drives the dashboard), killed on drop.
struct Tmux {
    socket: std::path::PathBuf,
}

impl Tmux {
    fn command(&self) -> std::process::Command {
        let mut command = std::process::Command::new("tmux");
        command
            .arg("-S")
            .arg(&self.socket)
            .args(["-f", "/dev/null"])
            .stdin(std::process::Stdio::null());
        command
    }

    fn screen(&self) -> String {
        let out = self
            .command()
            .args(["capture-pane", "-p", "-t", "main"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Polls the screen until `done` holds (at most 15 seconds); fails with the last screen.
    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) -> String {
        let start = std::time::Instant::now();
        loop {
            let screen = self.screen();
            if done(&screen) {
                return screen;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(15),
                "timed out waiting for {what}; the screen shows:\n{screen}"
            );
            std::thread::sleep(std::time::Duration::from_millis(40));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.command().arg("kill-server").output();
    }
}

/// The dashboard on a PostgreSQL database, with another writer (a command in another
/// terminal) recording an escalation meanwhile: it appears on the dashboard without a key
/// being pressed.
#[test]
fn the_dashboard_runs_on_postgresql_and_shows_another_writers_change() {
    match std::process::Command::new("tmux").arg("-V").output() {
        Ok(out) if out.status.success() => {}
        other => panic!(
            "this test drives the dashboard through tmux, which is not available ({other:?}); install it (apt-get install tmux)"
        ),
    }
    let url = pg::fresh_database();
    let dir = tempfile::tempdir().unwrap();
    let now = "2026-11-23 11:00";
    ok(&["--db", &url, "--now", now, "demo"]);
    let tmux = Tmux {
        socket: dir.path().join("tmux.sock"),
    };
    let program = format!(
        "'{}' --db '{url}' --now '{now}'; sleep 60",
        env!("CARGO_BIN_EXE_escalate")
    );
    let out = tmux
        .command()
        .args([
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            "120",
            "-y",
            "40",
            &program,
        ])
        .env("XDG_CONFIG_HOME", dir.path().join("config"))
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("HOME", dir.path())
        .env("USER", "test-dsl")
        .env_remove("ESCALATE_DB")
        .env_remove("TMUX")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let screen = tmux.wait_for("the dashboard", |s| s.contains("10 open"));
    assert!(screen.contains("Ava Sample"), "{screen}");
    let child = dir.path().join("child.txt");
    std::fs::write(&child, "Zara Latecomer").unwrap();
    ok(&[
        "--db",
        &url,
        "--now",
        now,
        "new",
        "--procedure",
        "london",
        "--child-file",
        child.to_str().unwrap(),
        "--raised-by",
        "A deputy",
        "--agency",
        "School",
        "--raised-with",
        "Social care",
        "--category",
        "thresholds",
        "--summary",
        "Refused.",
    ]);
    // Counted in the header and in its lane (its card sorts below the more urgent ones).
    let screen = tmux.wait_for("the new escalation on the dashboard", |s| {
        s.contains("11 open") && s.contains("Stage 1: 4 open")
    });
    assert!(screen.contains("Ava Sample"), "{screen}");
}

/// Issue 16, the trust view on the command line: `list` tags each escalation with its school
/// and `show` names the school and who last changed it (the audit trail's latest actor).
#[test]
fn list_and_show_name_the_school_and_who_last_changed_it() {
    let team = Team::new();
    let now = t("2026-11-23 10:00");
    let mut a = team.store_as(&team.deputy_a);
    let mut b = team.store_as(&team.deputy_b);
    let ours = a.create(&new_escalation("Ava Sample"), "a", now).unwrap();
    let theirs = b.create(&new_escalation("Leo Example"), "b", now).unwrap();
    b.change(theirs, "b", now, |e| {
        plan_action(e, "Send the chronology", "DSL", "2026-11-25")
    })
    .unwrap();
    let as_lead = team.url_as(&team.lead);
    let at = ["--now", "2026-11-23 11:00"];
    let list = ok(&[&at[..], &["--db", &as_lead, "list"]].concat());
    let line_of = |id: i64| {
        list.lines()
            .find(|l| l.trim_start().starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no line for {id}:\n{list}"))
            .to_owned()
    };
    assert!(line_of(ours).ends_with("[school-a]"), "{list}");
    assert!(line_of(theirs).ends_with("[school-b]"), "{list}");
    let shown = ok(&[&at[..], &["--db", &as_lead, "show", &theirs.to_string()]].concat());
    assert!(shown.contains("School: school-b"), "{shown}");
    assert!(
        shown.contains(&format!("Last changed by {}, ", team.deputy_b)),
        "{shown}"
    );
    let json = ok(&[
        &at[..],
        &["--db", &as_lead, "show", &ours.to_string(), "--json"],
    ]
    .concat());
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["school"], "school-a");
    assert_eq!(json["last_changed"]["by"], team.deputy_a.as_str());
}

/// Issue 16: someone who records for several schools says which with `new --school`; without
/// it, or naming a school not theirs, they are refused with the list of theirs.
#[test]
fn new_asks_which_school_of_someone_who_records_for_several() {
    use escalate::core::team::Role;
    let team = Team::new();
    let db = pg::database_of(&team.url).to_owned();
    let both = format!("{db}.lead-both");
    PgStore::open(&team.url)
        .unwrap()
        .team_add(
            &both,
            Role::TrustLead,
            &["school-a".into(), "school-b".into()],
        )
        .unwrap();
    let url = team.url_as(&both);
    let new = |school: Option<&str>| {
        let mut args = vec![
            "--now",
            "2026-11-23 11:00",
            "--db",
            &url,
            "new",
            "--procedure",
            "london",
            "--child",
            "Ava Sample",
            "--raised-by",
            "A Lead",
            "--agency",
            "Trust",
            "--raised-with",
            "Social care",
            "--category",
            "thresholds",
            "--summary",
            "Referral refused.",
        ];
        if let Some(school) = school {
            args.extend(["--school", school]);
        }
        escalate(&args)
    };
    for (school, says) in [
        (None, "several schools"),
        (
            Some("school-c"),
            "may not record escalations for school \"school-c\"",
        ),
    ] {
        let out = new(school);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{school:?}");
        assert!(stderr.contains(says), "{stderr}");
        assert!(
            stderr.contains("your schools: school-a, school-b"),
            "{stderr}"
        );
        assert!(
            !stderr.contains("Ava"),
            "no child's name in an error: {stderr}"
        );
    }
    let out = new(Some("school-b"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    let shown = ok(&["--now", "2026-11-23 11:00", "--db", &url, "show", &id]);
    assert!(shown.contains("School: school-b"), "{shown}");
    // A database file is one school's.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("one.db");
    let file = file.to_str().unwrap();
    ok(&["--db", file, "init", "--plaintext"]);
    let out = escalate(&[
        "--db",
        file,
        "new",
        "--procedure",
        "london",
        "--child",
        "X",
        "--raised-by",
        "A",
        "--agency",
        "B",
        "--raised-with",
        "C",
        "--category",
        "thresholds",
        "--summary",
        "S",
        "--school",
        "school-a",
    ]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("a database file is one school's"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `escalate --db URL list`, with `PGSSLROOTCERT` as given (or unset) and nothing else of the
/// caller's that could change how it connects.
fn list_over_tls(url: &str, root: Option<&std::path::Path>) -> std::process::Output {
    let home = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_escalate"));
    command
        .args(["--db", url, "--now", "2026-11-23 10:00", "list"])
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .env("USER", "test-dsl")
        .env_remove("ESCALATE_DB")
        .env_remove("ESCALATE_NOW")
        .env_remove("PGPASSWORD")
        .env_remove("PGSSLROOTCERT");
    if let Some(root) = root {
        command.env("PGSSLROOTCERT", root);
    }
    command.output().unwrap()
}

#[test]
fn connections_are_encrypted_whenever_the_server_offers_tls() {
    let tls = pg::tls_cluster();
    let database = "escalate_tls";
    let mut admin = tls.cluster.superuser("postgres");
    admin
        .batch_execute(&format!("CREATE DATABASE {database}"))
        .unwrap();
    // Whether the connection named `name` (its application_name) is encrypted. Named, since
    // a connection just closed may still be listed for a moment.
    let mut encrypted = |name: &str| -> bool {
        admin
            .query_one(
                "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
                 WHERE a.datname = $1 AND a.application_name = $2",
                &[&database, &name],
            )
            .unwrap()
            .get(0)
    };
    let tcp = |query: &str| {
        format!(
            "postgres://postgres@127.0.0.1:{}/{database}?{query}",
            tls.tcp_port
        )
    };

    // sslmode=prefer, and a URL without one (which means prefer): TLS, since the server
    // offers it.
    let store = PgStore::open(&tcp("sslmode=prefer&application_name=prefer")).unwrap();
    assert!(encrypted("prefer"));
    drop(store);
    let store = PgStore::open(&tcp("application_name=unsaid")).unwrap();
    assert!(encrypted("unsaid"));
    drop(store);
    // sslmode=disable is heard: in the clear.
    let store = PgStore::open(&tcp("sslmode=disable&application_name=disable")).unwrap();
    assert!(!encrypted("disable"));
    drop(store);

    // sslmode=require on a server without TLS (the socket-only cluster): no connection, and
    // the error says why.
    let plain = pg::fresh_database();
    let Err(error) = PgStore::open(&format!("{plain}?sslmode=require")) else {
        panic!("sslmode=require connected without TLS");
    };
    assert!(error.to_string().contains("TLS"), "{error}");

    // With a certificate authority named (PGSSLROOTCERT, as psql takes it), the server's
    // certificate must come from it: the server's own (self-signed) is accepted, another's is
    // refused before anything is sent.
    let url = tls.tcp_url(database, "require");
    let out = list_over_tls(&url, Some(&tls.cert));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let other = tempfile::tempdir().unwrap();
    let stranger = pg::self_signed(other.path(), None).unwrap();
    let out = list_over_tls(&url, Some(&stranger));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("cannot connect to the PostgreSQL database") && stderr.contains("TLS"),
        "{stderr}"
    );
    // A file that is not a certificate is named in the error.
    let junk = other.path().join("junk.pem");
    std::fs::write(&junk, "not a certificate").unwrap();
    let out = list_over_tls(&url, Some(&junk));
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("junk.pem"), "{stderr}");
}
