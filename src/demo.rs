//! The demo caseload: plainly fictional escalations, relative to now, for trying the app
//! (`escalate demo`, or `D` on the dashboard's welcome screen).
//!
//! Every escalation goes through the same checks and the same store calls as real ones, so the
//! demo also shows that the rules hold. It covers every procedure, every stage and every state:
//! overdue, due today, notifications owed, immediate risk, resolved and withdrawn. It only fills
//! an empty database, so fictional children can never mix with real ones.

use chrono::{DateTime, Duration, Utc};

use crate::core::change::{
    Change, DiscussionInput, ResolutionInput, plan_action, plan_action_done, plan_advance,
    plan_discussion, plan_notification_sent, plan_resolve, plan_withdraw,
};
use crate::core::deadline::schedule;
use crate::core::procedure::ProcedureSet;
use crate::core::record::{Escalation, NewEscalationInput, RecordError};
use crate::storage::{Filter, Store};

/// Something that happens to a demo escalation, `hours` after it was raised.
enum Step {
    Advance(&'static str),
    Discuss(&'static str, &'static str, &'static str, bool),
    Send(&'static str, &'static str),
    Action(&'static str, &'static str, i64),
    ActionDone,
    Resolve(&'static str),
    Withdraw(&'static str),
}

struct Scenario {
    procedure: &'static str,
    partnership: Option<&'static str>,
    child: &'static str,
    agency: &'static str,
    raised_with: &'static str,
    category: &'static str,
    summary: &'static str,
    immediate_risk: bool,
    /// How long ago it was raised.
    age_hours: i64,
    steps: Vec<(i64, Step)>,
}

fn scenarios() -> Vec<Scenario> {
    use Step::{Action, ActionDone, Advance, Discuss, Resolve, Send, Withdraw};
    let s = |procedure,
             partnership,
             child,
             agency,
             raised_with,
             category,
             summary,
             age_hours,
             steps| Scenario {
        procedure,
        partnership,
        child,
        agency,
        raised_with,
        category,
        summary,
        immediate_risk: false,
        age_hours,
        steps,
    };
    vec![
        Scenario {
            immediate_risk: true,
            ..s(
                "pan-bedfordshire",
                Some("luton"),
                "Ava Sample",
                "Demo Primary School",
                "Luton MASH, duty team",
                "thresholds",
                "Disclosure of violence at home on Monday; MASH says the referral does not meet threshold.",
                2,
                vec![(
                    1,
                    Discuss(
                        "Duty social worker, Luton MASH",
                        "phone",
                        "Asked MASH to review the threshold decision; they will call back.",
                        false,
                    ),
                )],
            )
        },
        s(
            "pan-bedfordshire",
            Some("central-bedfordshire"),
            "Leo Example",
            "Demo Academy",
            "Children's Services, assessment team",
            "information-sharing",
            "Assessment closed without the school's information being considered.",
            150,
            vec![
                (
                    20,
                    Advance("Practitioners could not agree; DSL taking it to the team manager."),
                ),
                (
                    30,
                    Discuss(
                        "Team manager, assessment team",
                        "video",
                        "Manager will review the closure with the social worker.",
                        false,
                    ),
                ),
                (
                    40,
                    Action("Send chronology of concerns to the team manager", "DSL", 2),
                ),
            ],
        ),
        s(
            "pan-bedfordshire",
            Some("bedford-borough"),
            "Mia Placeholder",
            "Demo Health Visiting",
            "Children's Services, child in need team",
            "plan-progression",
            "Child in need plan not progressing; actions from the last two meetings not completed.",
            460,
            vec![
                (30, Advance("No agreement between practitioners.")),
                (40, Send("appendix-2", "secure-email")),
                (200, Advance("Line managers could not agree.")),
                (
                    370,
                    Advance("Senior managers could not agree; referring to the partnership."),
                ),
                (380, Send("appendix-4", "secure-email")),
                (
                    440,
                    Discuss(
                        "Partnership resolution meeting: chair (Police), ICB, Children's Services",
                        "meeting",
                        "Resolution meeting held; resolution plan drafted.",
                        false,
                    ),
                ),
            ],
        ),
        s(
            "staffordshire",
            None,
            "Noah Fictional",
            "Demo High School",
            "Police public protection unit",
            "roles-and-responsibilities",
            "Disagreement over who leads on a missing-from-home return interview.",
            80,
            vec![
                (
                    4,
                    Discuss(
                        "PC on the PPU desk",
                        "phone",
                        "Police say the interview is for Children's Services.",
                        false,
                    ),
                ),
                (
                    24,
                    Advance("Not resolved between practitioners within the working week."),
                ),
            ],
        ),
        s(
            "staffordshire",
            None,
            "Zoë Ångström",
            "Demo GP Practice",
            "Children's Services, MASH",
            "case-conference",
            "Request for an initial child protection conference refused.",
            200,
            vec![
                (10, Advance("Practitioners disagree.")),
                (
                    60,
                    Advance("Line managers disagree; referring to the Head of Service."),
                ),
                (
                    170,
                    Discuss(
                        "Head of Service, Children's Services",
                        "email",
                        "Referral made to the Head of Service.",
                        false,
                    ),
                ),
            ],
        ),
        s(
            "staffordshire",
            None,
            "Ruby Testcase",
            "Demo Nursery",
            "Health visiting team",
            "communication",
            "Health visitor not sharing concerns raised at a home visit.",
            300,
            vec![
                (
                    20,
                    Discuss(
                        "Health visitor",
                        "face-to-face",
                        "Agreed to share visit notes weekly.",
                        true,
                    ),
                ),
                (30, Send("outcome-letter", "letter")),
                (31, Resolve("Agreed weekly sharing of visit notes.")),
            ],
        ),
        s(
            "london",
            None,
            "Yusuf Démo",
            "Demo Pre-School",
            "Bromley Children's Social Care, front door",
            "thresholds",
            "Concern about neglect not accepted as a referral.",
            3,
            vec![],
        ),
        s(
            "london",
            None,
            "Amara Exemplar",
            "Demo Children's Centre",
            "Early help team",
            "plan-progression",
            "Early help plan stalled; no lead professional for six weeks.",
            40,
            vec![(8, Advance("No response from the early help worker."))],
        ),
        s(
            "london",
            None,
            "محمد علي (demo)",
            "Demo Primary School",
            "Bromley Children's Social Care",
            "thresholds",
            "Repeated referrals closed with no further action.",
            420,
            vec![
                (30, Advance("Unresolved at stage 1.")),
                (100, Advance("Managers disagree.")),
                (200, Advance("Senior managers could not resolve it.")),
                (210, Send("bscp-referral", "email")),
            ],
        ),
        s(
            "barnet",
            None,
            "Oliver Specimen",
            "Demo Secondary School",
            "Barnet MASH",
            "thresholds",
            "MASH decision of no further action after a disclosure.",
            1,
            vec![],
        ),
        s(
            "barnet",
            None,
            "Isla Model",
            "Demo Youth Service",
            "Barnet Children's Social Care",
            "information-sharing",
            "Social care will not share the outcome of a strategy discussion.",
            240,
            vec![
                (5, Advance("Not resolved between professionals.")),
                (20, Advance("Managers could not agree.")),
                (
                    30,
                    Action("Chase the strategy discussion minutes", "Deputy DSL", -2),
                ),
            ],
        ),
        s(
            "barnet",
            None,
            "李小龍 (demo)",
            "Demo Sixth Form",
            "Barnet 0-25 service",
            "communication",
            "Transition plan not shared with the college.",
            100,
            vec![
                (3, Advance("Unresolved between professionals.")),
                (
                    6,
                    Discuss(
                        "Team manager, 0-25 service",
                        "phone",
                        "Plan will be shared today.",
                        true,
                    ),
                ),
                (
                    6,
                    Action("Share the transition plan", "Team manager, 0-25 service", 1),
                ),
                (8, ActionDone),
                (9, Resolve("Plan shared and a joint review date set.")),
            ],
        ),
        s(
            "staffordshire",
            None,
            "Freya Sampleton",
            "Demo Dental Practice",
            "School nursing team",
            "other",
            "Concern raised in error about the wrong family.",
            30,
            vec![(
                2,
                Withdraw("Raised about the wrong family; no disagreement remains."),
            )],
        ),
    ]
}

fn seeded_hours(rng: &mut fastrand::Rng, hours: i64) -> i64 {
    // Vary by up to an hour either way, keeping every time in the past.
    (hours + rng.i64(-1..=1)).max(1)
}

/// Fills an empty database with the demo caseload; returns the new ids. Refuses a database
/// that already holds escalations, so that fictional children never mix with real ones.
pub fn fill(
    store: &mut Store,
    procedures: &ProcedureSet,
    config: &crate::config::Config,
    actor: &str,
    now: DateTime<Utc>,
    seed: u64,
) -> Result<Vec<i64>, String> {
    let existing = store
        .escalations(Filter {
            include_closed: true,
            stage: None,
        })
        .map_err(|e| e.to_string())?
        .len();
    if existing > 0 {
        return Err(format!(
            "the database already holds {existing} escalation(s); the demo only fills an empty database, so that fictional children never mix with real ones"
        ));
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut ids = Vec::new();
    for scenario in scenarios() {
        let id = create(store, procedures, &scenario, actor, now, &mut rng)?;
        let raised = store.escalation(id).map_err(|e| e.to_string())?.raised_at;
        let mut last_action = None;
        for (offset, step) in &scenario.steps {
            let at = (raised + Duration::hours(*offset)).min(now);
            let (change, row) = store
                .change(id, actor, now, |e| {
                    plan_step(e, procedures, config, step, at, now, last_action)
                })
                .map_err(|e| format!("demo escalation for {}: {e}", scenario.child))?;
            if let Change::AddAction { .. } = change {
                last_action = Some(row);
            }
        }
        ids.push(id);
    }
    Ok(ids)
}

fn create(
    store: &mut Store,
    procedures: &ProcedureSet,
    scenario: &Scenario,
    actor: &str,
    now: DateTime<Utc>,
    rng: &mut fastrand::Rng,
) -> Result<i64, String> {
    let procedure = procedures
        .get(scenario.procedure)
        .ok_or_else(|| format!("the demo needs procedure {}", scenario.procedure))?;
    let raised_at = now - Duration::hours(seeded_hours(rng, scenario.age_hours));
    let input = NewEscalationInput {
        procedure: scenario.procedure.to_owned(),
        partnership: scenario.partnership.map(str::to_owned),
        child_name: scenario.child.to_owned(),
        child_dob: chrono::NaiveDate::from_ymd_opt(
            2012 + rng.i32(0..=8),
            rng.u32(1..=12),
            rng.u32(1..=28),
        ),
        child_ref: Some(format!("DEMO-{:03}", rng.u32(1..=999))),
        raised_by: "Sam Demo (DSL)".to_owned(),
        agency: scenario.agency.to_owned(),
        raised_with: scenario.raised_with.to_owned(),
        category: scenario.category.to_owned(),
        summary: scenario.summary.to_owned(),
        outcome_sought: Some("A decision reviewed by a manager, with reasons recorded.".to_owned()),
        concern_at: Some(raised_at - Duration::hours(2)),
        raised_at: Some(raised_at),
        immediate_risk: scenario.immediate_risk,
    };
    let checked = input
        .check(procedure, now)
        .map_err(|e| format!("demo escalation for {}: {e}", scenario.child))?;
    store
        .create(&checked, actor, now)
        .map_err(|e| e.to_string())
}

fn plan_step(
    escalation: &Escalation,
    procedures: &ProcedureSet,
    config: &crate::config::Config,
    step: &Step,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
    last_action: Option<i64>,
) -> Result<Change, RecordError> {
    let procedure = procedures
        .get(&escalation.procedure)
        .ok_or_else(|| RecordError::new("procedure", "missing"))?;
    match step {
        Step::Advance(reason) => plan_advance(escalation, procedure, reason, at, now),
        Step::Discuss(with, mode, notes, agreed) => plan_discussion(
            escalation,
            &DiscussionInput {
                participants: (*with).to_owned(),
                mode: (*mode).to_owned(),
                notes: (*notes).to_owned(),
                decisions: None,
                is_agreement: *agreed,
                at: Some(at),
            },
            now,
        ),
        Step::Send(notification, method) => {
            let schedule = schedule(
                procedure,
                &config.calendar,
                &config.settings,
                &escalation.events(),
                now,
            )
            .map_err(|e| RecordError::new("escalation", e.to_string()))?;
            plan_notification_sent(
                escalation,
                &schedule,
                notification,
                method,
                Some("DEMO-REF"),
                at,
                now,
            )
        }
        Step::Action(what, owner, days) => {
            let due = (crate::core::calendar::local_date(now) + Duration::days(*days)).to_string();
            plan_action(escalation, what, owner, &due)
        }
        Step::ActionDone => plan_action_done(escalation, last_action.unwrap_or_default(), at, now),
        Step::Resolve(how) => plan_resolve(
            escalation,
            &ResolutionInput {
                how: (*how).to_owned(),
                learning: Some("Share decisions in writing the same day.".to_owned()),
                parents_informed: Some(true),
                why_not: None,
                child_record_updated: Some(true),
                at: Some(at),
            },
            now,
        ),
        Step::Withdraw(why) => plan_withdraw(escalation, why, at, now),
    }
}
