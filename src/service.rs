//! The one way a record changes: a typed [`Request`] from the core, planned by
//! [`Request::plan`] against the escalation as it stands *inside* the store's write
//! transaction, and answered with a typed result.
//!
//! The command line (`cli::records`) and the dashboard's storage worker (`tui`) both call
//! [`apply`], so they cannot drift apart: the same procedure lookup, the same schedule (worked
//! out afresh inside the write with this machine's calendar and settings, and reported when it
//! cannot be), the same refusal when the escalation moved since a form was opened on it. The
//! outcomes report is counted here too ([`count_report`]), for the command line and the
//! dashboard alike. This module does no I/O of its own and reads no clock: `now` comes in as an
//! argument.

use chrono::{DateTime, Utc};

use crate::core::calendar::Calendar;
use crate::core::change::{Change, Request, Version};
use crate::core::deadline::{Settings, schedule};
use crate::core::procedure::ProcedureSet;
use crate::core::record::{Escalation, NewEscalationInput, RecordError, printable};
use crate::storage::{Store, StoreError};

/// What planning needs besides the record: the procedures, and this machine's calendar and
/// settings (both from the user's settings file, read by the caller).
#[derive(Debug, Clone, Copy)]
pub struct Rules<'a> {
    pub procedures: &'a ProcedureSet,
    pub calendar: &'a Calendar,
    pub settings: &'a Settings,
}

/// What a request is about: a new escalation, or one already recorded, with the [`Version`] it
/// was seen at when the request was made from a form (the command line asks about the
/// escalation as it stands, so gives none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    New,
    Escalation { id: i64, seen: Option<Version> },
}

impl Subject {
    /// A form's subject: the escalation it is about (none for a new one) and its version as seen.
    pub fn of(escalation: Option<i64>, seen: Option<Version>) -> Self {
        match escalation {
            None => Self::New,
            Some(id) => Self::Escalation { id, seen },
        }
    }
}

/// One change written, with the id of the row it wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub change: Change,
    pub row: i64,
}

/// What a request did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Applied {
    /// A new escalation was recorded with this id.
    Created { id: i64 },
    /// These changes were written to escalation `id`, in order, each with its audit entry.
    Changed { id: i64, written: Vec<Written> },
}

impl Applied {
    /// The escalation written to.
    pub fn escalation(&self) -> i64 {
        match self {
            Self::Created { id } | Self::Changed { id, .. } => *id,
        }
    }

    /// What was written, in words safe to print: `escalation 4 recorded`, or each change's
    /// audit description joined by `; `.
    pub fn describe(&self) -> String {
        match self {
            Self::Created { id } => format!("escalation {id} recorded"),
            Self::Changed { written, .. } => {
                let each: Vec<String> = written.iter().map(|w| w.change.describe()).collect();
                printable(&each.join("; "), false)
            }
        }
    }
}

/// Why nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The core's rules refused the request: what is wrong and how to fix it.
    #[error("{0}")]
    Refused(RecordError),
    /// The escalation changed after the form was opened on it (in another terminal, say).
    #[error(
        "escalation {id} changed since this form was opened: {}. Nothing was saved; press Esc and open the form again to see it as it stands",
        changes.join("; ")
    )]
    Moved { id: i64, changes: Vec<String> },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Plans and writes `request` about `subject` as `actor` at `now`, in one transaction.
pub fn apply(
    store: &mut impl Store,
    rules: &Rules<'_>,
    actor: &str,
    now: DateTime<Utc>,
    subject: Subject,
    request: &Request,
) -> Result<Applied, ServiceError> {
    match (subject, request) {
        (Subject::New, Request::New(input)) => {
            create(store, rules.procedures, actor, now, input).map(|id| Applied::Created { id })
        }
        (Subject::New, _) => Err(ServiceError::Refused(RecordError::new(
            "escalation",
            "this change needs an escalation to be made to",
        ))),
        (Subject::Escalation { id, seen }, request) => {
            change(store, rules, actor, now, id, seen, request)
                .map(|written| Applied::Changed { id, written })
        }
    }
}

/// Records a new escalation, checked against its procedure; returns its id.
pub fn create(
    store: &mut impl Store,
    procedures: &ProcedureSet,
    actor: &str,
    now: DateTime<Utc>,
    input: &NewEscalationInput,
) -> Result<i64, ServiceError> {
    let procedure = procedures
        .get(&input.procedure)
        .ok_or_else(|| no_procedure(&input.procedure))
        .map_err(ServiceError::Refused)?;
    let checked = input.check(procedure, now).map_err(ServiceError::Refused)?;
    Ok(store.create(&checked, actor, now)?)
}

/// Plans `request` against escalation `id` as it stands inside the write transaction, and
/// writes what it plans. With `seen`, refuses when the escalation is no longer at that version.
pub fn change(
    store: &mut impl Store,
    rules: &Rules<'_>,
    actor: &str,
    now: DateTime<Utc>,
    id: i64,
    seen: Option<Version>,
    request: &Request,
) -> Result<Vec<Written>, ServiceError> {
    let mut moved = None;
    let written = store.change_all(id, actor, now, |escalation| {
        if let Some(seen) = seen {
            let changes = seen.changes_since(&Version::of(escalation));
            if !changes.is_empty() {
                moved = Some(changes);
                return Err(RecordError::new("escalation", "changed since it was seen"));
            }
        }
        plan(rules, escalation, request, now)
    });
    match (written, moved) {
        (_, Some(changes)) => Err(ServiceError::Moved { id, changes }),
        (Ok(written), None) => Ok(written
            .into_iter()
            .map(|(change, row)| Written { change, row })
            .collect()),
        (Err(StoreError::Refused(refusal)), None) => Err(ServiceError::Refused(refusal)),
        (Err(other), None) => Err(ServiceError::Store(other)),
    }
}

/// The changes `request` makes to `escalation` as it stands, with its schedule worked out
/// afresh. A procedure no longer defined, or a schedule that cannot be worked out, refuses.
fn plan(
    rules: &Rules<'_>,
    escalation: &Escalation,
    request: &Request,
    now: DateTime<Utc>,
) -> Result<Vec<Change>, RecordError> {
    let procedure = rules
        .procedures
        .get(&escalation.procedure)
        .ok_or_else(|| no_procedure(&escalation.procedure))?;
    let schedule = schedule(
        procedure,
        rules.calendar,
        rules.settings,
        &escalation.events(),
        now,
    )
    .map_err(|e| RecordError::new("escalation", e.to_string()))?;
    request.plan(escalation, rules.procedures, Some(&schedule), now)
}

fn no_procedure(id: &str) -> RecordError {
    RecordError::new(
        "procedure",
        format!(
            "\"{}\" is no longer defined; restore its file",
            printable(id, false)
        ),
    )
}

/// Counts the outcomes report from the whole record: the open caseload, then the history a page
/// at a time, so that years of closed escalations are never held at once.
pub fn count_report(
    store: &impl Store,
    procedures: &ProcedureSet,
    calendar: &Calendar,
    settings: &Settings,
    period: crate::core::report::Period,
    now: DateTime<Utc>,
) -> Result<crate::core::report::Report, String> {
    let mut builder = crate::core::report::Builder::new(period, None, now);
    let open = store
        .escalations(crate::storage::Filter::default())
        .map_err(|e| e.to_string())?;
    for escalation in &open {
        builder.add_escalation(escalation, procedures, calendar, settings);
    }
    let mut after = 0;
    loop {
        let page = store
            .closed_after(after, None, 500)
            .map_err(|e| e.to_string())?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for escalation in &page {
            builder.add_escalation(escalation, procedures, calendar, settings);
        }
    }
    Ok(builder.finish())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::procedure::Source;
    use crate::core::time::parse_instant;
    use crate::storage::sqlite::SqliteStore;

    fn t(text: &str) -> DateTime<Utc> {
        parse_instant(text).unwrap()
    }

    fn input(procedure: &str) -> NewEscalationInput {
        NewEscalationInput {
            procedure: procedure.into(),
            partnership: (procedure == "three-stage").then(|| "test-scp".to_owned()),
            child_name: "Ava Sample".into(),
            raised_by: "A DSL".into(),
            agency: "School".into(),
            raised_with: "Social care".into(),
            category: "thresholds".into(),
            summary: "Referral refused.".into(),
            raised_at: Some(t("2026-11-23 09:00")),
            ..Default::default()
        }
    }

    fn advance() -> Request {
        Request::Advance {
            to: None,
            reason: "No reply.".into(),
            at: t("2026-11-23 10:30"),
        }
    }

    #[test]
    fn a_form_and_the_command_line_write_the_same_change() {
        let procedures = ProcedureSet::builtin();
        let calendar = Calendar::default();
        let settings = Settings::default();
        let rules = Rules {
            procedures: &procedures,
            calendar: &calendar,
            settings: &settings,
        };
        let now = t("2026-11-23 11:00");
        let mut written = Vec::new();
        for is_form in [true, false] {
            let mut store = SqliteStore::open_in_memory().unwrap();
            let created = apply(
                &mut store,
                &rules,
                "jo",
                now,
                Subject::New,
                &Request::New(input("london")),
            )
            .unwrap();
            assert_eq!(created, Applied::Created { id: 1 });
            let seen = is_form.then(|| Version::of(&store.escalation(1).unwrap()));
            let subject = Subject::Escalation { id: 1, seen };
            let applied = apply(&mut store, &rules, "jo", now, subject, &advance()).unwrap();
            assert_eq!(applied.escalation(), 1);
            assert_eq!(applied.describe(), "advanced to stage 2: No reply.");
            written.push((
                store.escalation(1).unwrap(),
                store.audit_trail(None).unwrap(),
            ));
        }
        assert_eq!(written[0], written[1]);
    }

    #[test]
    fn a_change_needs_an_escalation_and_a_procedure_still_defined() {
        let custom = ProcedureSet::load(&[Source {
            origin: "three-stage.toml".into(),
            text: include_str!("../tests/fixtures/procedures/valid/three-stage.toml").into(),
        }])
        .unwrap();
        let builtin = ProcedureSet::builtin();
        let calendar = Calendar::default();
        let settings = Settings::default();
        let rules = |procedures| Rules {
            procedures,
            calendar: &calendar,
            settings: &settings,
        };
        let now = t("2026-11-23 11:00");
        let mut store = SqliteStore::open_in_memory().unwrap();
        let wrong = apply(
            &mut store,
            &rules(&custom),
            "jo",
            now,
            Subject::New,
            &advance(),
        );
        assert!(matches!(wrong, Err(ServiceError::Refused(_))), "{wrong:?}");
        let id = create(&mut store, &custom, "jo", now, &input("three-stage")).unwrap();
        // The procedure's file is gone: the change is refused, saying which, and nothing written.
        let subject = Subject::Escalation { id, seen: None };
        let refused = apply(&mut store, &rules(&builtin), "jo", now, subject, &advance());
        let Err(ServiceError::Refused(why)) = refused else {
            panic!("{refused:?}");
        };
        assert_eq!(why.field, "procedure");
        assert_eq!(
            why.message,
            "\"three-stage\" is no longer defined; restore its file"
        );
        assert_eq!(store.audit_trail(None).unwrap().len(), 1);
        let missing = Subject::Escalation { id: 9, seen: None };
        let refused = apply(&mut store, &rules(&custom), "jo", now, missing, &advance());
        assert!(
            matches!(refused, Err(ServiceError::Store(StoreError::NotFound(9)))),
            "{refused:?}"
        );
    }
}
