//! The team on a PostgreSQL database (`escalate team init|add|list`): each person a database
//! role of their own, a member of the database's application role (DSL, deputy, trust lead)
//! or of its report role (governor, auditor), listed in `people` with their schools. Row-level
//! security (schema migration 2) does the rest, in the database itself.
//!
//! Run by the database's administrator (a role that owns escalate's tables and may create
//! roles).

use postgres::GenericClient;

use super::{PgStore, schema};
use crate::core::record::RecordError;
use crate::core::team::{Person, Role, check_name};
use crate::storage::{Result, StoreError};

/// The tables the application role may read and add to, never change.
const INSERT_ONLY: &[&str] = &[
    "escalations",
    "stage_changes",
    "discussions",
    "actions",
    "action_completions",
    "notifications_sent",
    "notes",
    "outcomes",
    "amendments",
    "reviews",
    "corrections",
    "escalation_details",
    "attachments",
    "audit",
];

/// The application and report roles of this database: named after it, so that two escalate
/// databases on one server never share a grant.
fn group_roles(client: &mut impl GenericClient) -> Result<(String, String)> {
    let database: String = client
        .query_one("SELECT current_database()::text", &[])?
        .get(0);
    let tail: String = database
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    Ok((
        format!("escalate_app_{tail}"),
        format!("escalate_report_{tail}"),
    ))
}

/// An identifier quoted for SQL (the names are checked, and quoted all the same).
fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn create_role(client: &mut impl GenericClient, name: &str, login: bool) -> Result<()> {
    let exists = client
        .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&name])?
        .is_some();
    if !exists {
        client.batch_execute(&format!(
            "CREATE ROLE {} {}",
            quoted(name),
            if login { "LOGIN" } else { "NOLOGIN" }
        ))?;
    }
    Ok(())
}

fn not_admin(error: StoreError) -> StoreError {
    match error {
        StoreError::Conflict(why) => StoreError::Conflict(format!(
            "{why}: escalate team is run by the database's administrator (a role that owns escalate's tables and may create roles)"
        )),
        other => other,
    }
}

impl PgStore {
    /// Makes the database's application and report roles and gives them exactly what they
    /// need: the application role reads and adds to the record and never changes it (no
    /// UPDATE, DELETE or TRUNCATE), keeps drafts, and updates only the `escalation_state`
    /// cache; the report role may only call `escalate_counts()`. Safe to run again. Returns
    /// the two roles' names.
    pub fn team_init(&mut self) -> Result<(String, String)> {
        self.team_roles().map_err(not_admin)
    }

    fn team_roles(&mut self) -> Result<(String, String)> {
        let mut tx = self.client_mut().transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&schema::CHAIN_LOCK])?;
        let (app, report) = group_roles(&mut tx)?;
        create_role(&mut tx, &app, false)?;
        create_role(&mut tx, &report, false)?;
        let database: String = tx.query_one("SELECT current_database()::text", &[])?.get(0);
        let (app_q, report_q) = (quoted(&app), quoted(&report));
        let tables = INSERT_ONLY.join(", ");
        tx.batch_execute(&format!(
            "GRANT CONNECT ON DATABASE {db} TO {app_q}, {report_q};
             GRANT USAGE ON SCHEMA public TO {app_q}, {report_q};
             REVOKE ALL ON {tables}, escalation_state, drafts FROM {app_q}, {report_q};
             GRANT SELECT, INSERT ON {tables} TO {app_q};
             GRANT SELECT, INSERT, UPDATE ON escalation_state TO {app_q};
             GRANT SELECT, INSERT, UPDATE, DELETE ON drafts TO {app_q};
             GRANT SELECT ON people, person_schools, escalate_schema TO {app_q}, {report_q};
             GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO {app_q};
             GRANT EXECUTE ON FUNCTION escalate_chain_head() TO {app_q};
             GRANT EXECUTE ON FUNCTION escalate_counts() TO {app_q}, {report_q};",
            db = quoted(&database)
        ))?;
        tx.commit()?;
        Ok((app, report))
    }

    /// Adds `login` to the team as `role` for `schools` (a database role of their own, made if
    /// need be, with no password: the trust's IT sets how they sign in), or changes what they
    /// are; schools listed before are kept.
    pub fn team_add(&mut self, login: &str, role: Role, schools: &[String]) -> Result<Person> {
        let login = check_name("login", login)?;
        for school in schools {
            check_name("school", school)?;
        }
        if role.reads_records() && schools.is_empty() && role != Role::TrustLead {
            return Err(StoreError::Refused(RecordError::new(
                "school",
                "a DSL or deputy works for at least one school; add --school CODE",
            )));
        }
        let (app, report) = self.team_roles().map_err(not_admin)?;
        let (group, other) = if role.reads_records() {
            (app, report)
        } else {
            (report, app)
        };
        let mut tx = self.client_mut().transaction()?;
        create_role(&mut tx, &login, true).map_err(not_admin)?;
        tx.batch_execute(&format!(
            "GRANT {} TO {}; REVOKE {} FROM {};",
            quoted(&group),
            quoted(&login),
            quoted(&other),
            quoted(&login)
        ))
        .map_err(|e| not_admin(e.into()))?;
        tx.execute(
            "INSERT INTO people (role_name, role) VALUES ($1, $2)
             ON CONFLICT (role_name) DO UPDATE SET role = excluded.role",
            &[&login, &role.as_str()],
        )?;
        for school in schools {
            tx.execute(
                "INSERT INTO person_schools (role_name, school) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&login, school],
            )?;
        }
        tx.commit()?;
        self.team_list()?
            .into_iter()
            .find(|p| p.login == login)
            .ok_or_else(|| StoreError::Backend(format!("{login} was not added")))
    }

    /// Everyone on the team, by login.
    pub fn team_list(&mut self) -> Result<Vec<Person>> {
        let rows = self.client_mut().query(
            "SELECT p.role_name, p.role, coalesce(array_agg(ps.school ORDER BY ps.school) FILTER (WHERE ps.school IS NOT NULL), '{}')
             FROM people p LEFT JOIN person_schools ps ON ps.role_name = p.role_name
             GROUP BY p.role_name, p.role ORDER BY p.role_name",
            &[],
        )?;
        rows.iter()
            .map(|r| {
                Ok(Person {
                    login: r.get(0),
                    role: super::word_from_sql(r.get::<_, &str>(1))?,
                    schools: r.get(2),
                })
            })
            .collect()
    }

    /// How many escalations each school has, open and closed, and how many open ones are at
    /// immediate risk: all a governor or auditor may see (no names).
    pub fn school_counts(&mut self) -> Result<Vec<(String, i64, i64, i64)>> {
        let rows = self.client_mut().query(
            "SELECT school, open, closed, immediate_risk_open FROM escalate_counts()",
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
            .collect())
    }
}
