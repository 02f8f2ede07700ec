//! `escalate team` and `escalate migrate`: a team's PostgreSQL database, and moving a
//! caseload between a single DSL's SQLite file and a team database.

use std::fmt::Write as _;

use super::args::{MigrateArgs, TeamArgs, TeamCommand};
use super::{CliError, Context};
use crate::core::team::Role;
use crate::storage::Store;
use crate::storage::any::{AnyStore, is_postgres, shown};
use crate::storage::copy::Rows;

pub fn team(context: &mut Context, args: TeamArgs) -> Result<String, CliError> {
    let role = match &args.what {
        TeamCommand::Add { role, .. } => Some(
            role.parse::<Role>()
                .map_err(|e| CliError(format!("--role: {}", e.message)))?,
        ),
        _ => None,
    };
    let db = context.db_path()?;
    if !is_postgres(&db) {
        return Err(CliError(format!(
            "escalate team works on a team's PostgreSQL database, and {} is a SQLite file (one DSL's); give --db postgres://USER@HOST/DATABASE",
            db.display()
        )));
    }
    let json = context.json;
    let AnyStore::Postgres(store) = context.store()? else {
        return Err(CliError("--db is not a PostgreSQL database".to_owned()));
    };
    match args.what {
        TeamCommand::Init => {
            let (app, report) = store.team_init()?;
            Ok(if json {
                format!(
                    "{}\n",
                    serde_json::json!({"application_role": app, "report_role": report})
                )
            } else {
                format!(
                    "Team roles ready: {app} (DSLs, deputies, trust leads: read and add to the record, never change it) and {report} (governors, auditors: counts only).\nAdd people with escalate team add USER --role deputy --school CODE.\n"
                )
            })
        }
        TeamCommand::Add { user, school, .. } => {
            let role = role.unwrap_or(Role::Deputy);
            let person = store.team_add(&user, role, &school)?;
            Ok(if json {
                format!("{}\n", person_json(&person))
            } else {
                format!(
                    "{} is on the team as {}{}. They connect as the database role {}; set how they sign in (a password, a certificate) as your server does.\n",
                    person.login,
                    person.role.as_str(),
                    schools_text(&person.schools),
                    person.login
                )
            })
        }
        TeamCommand::List => {
            let people = store.team_list()?;
            if json {
                let list: Vec<_> = people.iter().map(person_json).collect();
                return Ok(format!("{}\n", serde_json::Value::Array(list)));
            }
            if people.is_empty() {
                return Ok("No one is on the team yet: escalate team add USER --role deputy --school CODE\n".to_owned());
            }
            let mut out = String::new();
            for person in people {
                let _ = writeln!(
                    out,
                    "{}  {}{}",
                    person.login,
                    person.role.as_str(),
                    schools_text(&person.schools)
                );
            }
            Ok(out)
        }
    }
}

fn person_json(person: &crate::core::team::Person) -> serde_json::Value {
    serde_json::json!({
        "login": person.login,
        "role": person.role.as_str(),
        "schools": person.schools,
    })
}

fn schools_text(schools: &[String]) -> String {
    if schools.is_empty() {
        String::new()
    } else {
        format!(" for {}", schools.join(", "))
    }
}

/// Copies the database --db names into `--to`: SQLite into an empty team database (every
/// escalation in `--school`), or a school's team database into a new SQLite file. The copy has
/// the same ids and the same audit chain, and is verified on both ends before it is reported.
pub fn migrate(context: &mut Context, args: MigrateArgs) -> Result<String, CliError> {
    let from = context.db_path()?;
    let (from_pg, to_pg) = (is_postgres(&from), is_postgres(&args.to));
    let school = match (from_pg, to_pg) {
        (false, true) => args.school.clone().ok_or_else(|| {
            CliError("--school: say which school the escalations belong to in the team database, e.g. --school st-marys".to_owned())
        })?,
        (true, false) => args.from_school.clone().ok_or_else(|| {
            CliError("--from-school: say which school is leaving the team database, e.g. --from-school st-marys".to_owned())
        })?,
        _ => {
            return Err(CliError(
                "migrate copies between a SQLite file and a PostgreSQL database; to copy a database of one kind, use escalate backup".to_owned(),
            ));
        }
    };
    if !to_pg && std::fs::symlink_metadata(&args.to).is_ok() {
        return Err(CliError(format!(
            "{} already exists; choose a new file name so that nothing is overwritten",
            args.to.display()
        )));
    }
    let password = context.paths.pg_password.clone();
    let source = context.existing_store()?;
    let before = source.verify()?;
    if let Some(problem) = before.problem {
        return Err(CliError(format!(
            "{} does not verify, so it is not copied: {problem}",
            shown(&from)
        )));
    }
    let rows = match &*source {
        AnyStore::Postgres(pg) => pg.export_school(&school)?,
        AnyStore::Sqlite(_) => source.export_rows()?,
    };
    let mut target = AnyStore::open(&args.to, password.as_deref())?;
    let copied = match &mut target {
        AnyStore::Postgres(pg) => pg.import_into_school(&rows, &school),
        AnyStore::Sqlite(_) => target.import_rows(&rows),
    };
    if let Err(error) = copied {
        drop(target);
        if !to_pg {
            let _ = std::fs::remove_file(&args.to);
        }
        return Err(error.into());
    }
    let after = target.verify()?;
    if let Some(problem) = after.problem {
        return Err(CliError(format!(
            "the copy in {} does not verify: {problem}",
            shown(&args.to)
        )));
    }
    let count = rows
        .iter()
        .find(|t| t.table == "escalations")
        .map_or(0, |t| t.rows.len());
    Ok(format!(
        "Copied {count} escalations and {} audit entries from {} to {}{}; verify passes on both.\n",
        after.entries,
        shown(&from),
        shown(&args.to),
        if to_pg {
            format!(" (school {school})")
        } else {
            String::new()
        }
    ))
}
