//! The demo caseload: plainly fictional escalations, relative to now, for trying the app
//! (`escalate demo`, or `D` on the dashboard's welcome screen).
//!
//! Every escalation goes through the same checks and the same store calls as real ones, so the
//! demo also shows that the rules hold. It covers every procedure, every stage and every state:
//! overdue, due today, notifications owed, immediate risk, resolved and withdrawn. It only fills
//! an empty database, so fictional children can never mix with real ones.
//!
//! [`fill`] writes 13 hand-written scenarios. [`generate`] (`escalate demo --count N`) writes a
//! large caseload for trying the dashboard at scale and for the benchmarks: the same seed gives
//! the same caseload, written in one transaction by [`Store::import`].

use std::cell::RefCell;
use std::collections::VecDeque;

use chrono::{DateTime, Duration, SubsecRound, Utc};

use crate::config::Config;
use crate::core::change::{
    Change, DiscussionInput, ResolutionInput, plan_action, plan_action_done, plan_advance,
    plan_discussion, plan_note, plan_notification_sent, plan_resolve, plan_withdraw,
};
use crate::core::deadline::{IMMEDIATE_RISK_KEY, Schedule, schedule};
use crate::core::procedure::{Procedure, ProcedureSet};
use crate::core::record::{Escalation, NewEscalationInput, NoteKind, RecordError};
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
    store: &mut impl Store,
    procedures: &ProcedureSet,
    config: &crate::config::Config,
    actor: &str,
    now: DateTime<Utc>,
    seed: u64,
) -> Result<Vec<i64>, String> {
    ensure_empty(store)?;
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
    store: &mut impl Store,
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

/// The most escalations `escalate demo --count` generates.
pub const MAX_COUNT: usize = 1_000_000;

/// The share of generated escalations left open unless `--open-share` says otherwise.
pub const DEFAULT_OPEN_SHARE: f64 = 0.1;

/// What [`generate`] makes: how many escalations, what share of them still open, and the seed
/// that makes the same caseload every time.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Generate {
    /// From 1 to [`MAX_COUNT`].
    pub count: usize,
    /// From 0 to 1. The rest were resolved or withdrawn in the past.
    pub open_share: f64,
    pub seed: u64,
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// The new escalations' ids, in order.
    pub ids: Vec<i64>,
    /// How many of them are open.
    pub open: usize,
}

/// Refuses a database that already holds escalations, so that fictional children never mix
/// with real ones.
fn ensure_empty(store: &impl Store) -> Result<(), String> {
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
    Ok(())
}

const FIRST_NAMES: &[&str] = &[
    "Ava", "Leo", "Mia", "Noah", "Zoë", "Ruby", "Yusuf", "Amara", "Oliver", "Isla", "Freya",
    "Arjun", "Chloe", "Kai", "Layla", "Mateo", "Nia", "Omar", "Priya", "Sofia", "Theo", "Hana",
    "Ellis", "Wiktoria",
];

/// Surnames no family has, so that a generated child is plainly fictional.
const SURNAMES: &[&str] = &[
    "Sample",
    "Example",
    "Placeholder",
    "Specimen",
    "Testcase",
    "Fictional",
    "Exemplar",
    "Mockup",
    "Dummy",
    "Template",
    "Prototype",
    "Sampleton",
    "Pretend",
    "Imaginary",
];

const RAISED_BY: &[&str] = &[
    "Sam Demo (DSL)",
    "Alex Sample (deputy DSL)",
    "Jo Example (DSL)",
    "Chris Placeholder (DSL)",
];

const AGENCIES: &[&str] = &[
    "Demo Primary School",
    "Demo Academy",
    "Demo High School",
    "Demo Nursery",
    "Demo GP Practice",
    "Demo Health Visiting",
    "Demo Youth Service",
    "Demo Sixth Form",
    "Demo Children's Centre",
    "Demo Dental Practice",
];

const RAISED_WITH: &[&str] = &[
    "Children's Services, MASH",
    "Children's Services, assessment team",
    "Children's Services, child in need team",
    "Police public protection unit",
    "Early help team",
    "Health visiting team",
    "School nursing team",
    "Demo Council housing team",
];

/// A category and the (fictional) circumstances that go with it.
const CONCERNS: &[(&str, &str)] = &[
    (
        "thresholds",
        "Referral judged not to meet threshold despite new concerns (fictional, generated for the demo).",
    ),
    (
        "roles-and-responsibilities",
        "Disagreement over which agency leads (fictional, generated for the demo).",
    ),
    (
        "information-sharing",
        "The referrer's information was not considered (fictional, generated for the demo).",
    ),
    (
        "plan-progression",
        "Plan actions not completed since the last meeting (fictional, generated for the demo).",
    ),
    (
        "case-conference",
        "Request for a child protection conference refused (fictional, generated for the demo).",
    ),
    (
        "communication",
        "Outcome of a home visit not shared (fictional, generated for the demo).",
    ),
    (
        "other",
        "A concern generated for the demo; no real child (fictional).",
    ),
];

const PARTICIPANTS: &[&str] = &[
    "Duty social worker",
    "Team manager, assessment team",
    "Health visitor",
    "PC on the PPU desk",
    "Head of Service",
    "Partnership business manager",
];

const DISCUSSION_MODES: &[&str] = &["phone", "video", "email", "face-to-face", "letter"];

const METHODS: &[&str] = &["secure-email", "email", "online-form", "letter"];

const MINUTE: i64 = 1;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;

/// Something that happens to a generated escalation, planned when its turn comes against the
/// escalation as written so far.
#[derive(Debug, Clone)]
enum Act {
    MarkMet {
        clock: &'static str,
        at: DateTime<Utc>,
    },
    Advance {
        at: DateTime<Utc>,
    },
    Discuss {
        at: DateTime<Utc>,
        with: &'static str,
        mode: &'static str,
        is_agreement: bool,
    },
    Action {
        due_on: chrono::NaiveDate,
    },
    Resolve {
        at: DateTime<Utc>,
        parents_informed: Option<bool>,
    },
    Withdraw {
        at: DateTime<Utc>,
    },
    /// Look at what the escalation owes now: record a reason for any late clock that asks for
    /// one, and send each notification owed; most, but not all (see [`Script::catch_up`]).
    CatchUp,
    Send {
        notification: String,
        at: DateTime<Utc>,
        method: &'static str,
    },
    DelayReason {
        at: DateTime<Utc>,
    },
    ActionDone {
        id: i64,
        at: DateTime<Utc>,
    },
}

/// One generated escalation's story, told to [`Store::import`] one change at a time.
struct Script<'a> {
    procedure: &'a Procedure,
    config: &'a Config,
    now: DateTime<Utc>,
    acts: VecDeque<Act>,
    rng: fastrand::Rng,
    settled: &'a RefCell<Vec<i64>>,
}

fn pick<T: Copy>(rng: &mut fastrand::Rng, from: &[T]) -> T {
    from[rng.usize(..from.len())]
}

/// A stage from 1 to `last`, weighted towards the first: `weights` are chances in 100 for
/// stages 1, 2, 3 and 4 or beyond.
fn pick_stage(rng: &mut fastrand::Rng, last: u8, weights: [u32; 4]) -> u8 {
    let mut roll = rng.u32(0..weights.iter().sum());
    let mut stage = 1;
    for weight in weights {
        if roll < weight {
            break;
        }
        roll -= weight;
        stage += 1;
    }
    if stage > 4 {
        // Beyond stage 4 (a procedure with more stages), spread evenly over the rest.
        stage = rng.u8(4..=last.max(4));
    }
    stage.min(last.max(1))
}

/// Builds a generated escalation, open or closed: what is typed in (its reference is given
/// later, in the order of raising), and its story.
fn story(
    is_open: bool,
    procedure: &Procedure,
    rng: &mut fastrand::Rng,
    base: DateTime<Utc>,
) -> (NewEscalationInput, VecDeque<Act>) {
    let minutes = Duration::minutes;
    let last = procedure.last_stage();
    let stage = if is_open {
        pick_stage(rng, last, [40, 30, 20, 10])
    } else {
        pick_stage(rng, last, [45, 30, 17, 8])
    };
    // How long each stage lasted; for an open escalation, the last is how long it has been in
    // its current stage, which decides whether its clocks are overdue, due today or running.
    let mut spans: Vec<i64> = (1..stage)
        .map(|_| rng.i64(2 * HOUR..=if is_open { 3 * DAY } else { 5 * DAY }))
        .collect();
    let current = if is_open {
        match rng.u32(0..100) {
            0..35 => rng.i64(10 * MINUTE..=8 * HOUR),
            35..70 => rng.i64(8 * HOUR..=4 * DAY),
            _ => rng.i64(4 * DAY..=20 * DAY),
        }
    } else {
        rng.i64(2 * HOUR..=5 * DAY)
    };
    spans.push(current);
    let total: i64 = spans.iter().sum();
    let raised_at = if is_open {
        base - minutes(total)
    } else {
        // Closed at least a few days ago, up to about three years back.
        base - minutes(total + rng.i64(3 * DAY..=1095 * DAY))
    };
    let immediate_risk = rng.u32(0..if is_open { 150 } else { 400 }) == 0;
    let (category, summary) = pick(rng, CONCERNS);
    let partnership = match procedure.partnerships.len() {
        0 | 1 => None,
        n => Some(procedure.partnerships[rng.usize(..n)].id.clone()),
    };
    let input = NewEscalationInput {
        procedure: procedure.id.clone(),
        partnership,
        child_name: format!("{} {}", pick(rng, FIRST_NAMES), pick(rng, SURNAMES)),
        child_dob: Some(
            crate::core::calendar::local_date(raised_at) - Duration::days(rng.i64(200..=17 * 365)),
        ),
        child_ref: None,
        raised_by: pick(rng, RAISED_BY).to_owned(),
        agency: pick(rng, AGENCIES).to_owned(),
        raised_with: pick(rng, RAISED_WITH).to_owned(),
        category: category.to_owned(),
        summary: summary.to_owned(),
        outcome_sought: Some("A decision reviewed by a manager, with reasons recorded.".to_owned()),
        concern_at: Some(raised_at - minutes(rng.i64(0..=30 * HOUR))),
        raised_at: Some(raised_at),
        immediate_risk,
    };

    let mut acts = VecDeque::new();
    // Where raising the escalation already meets the immediate-risk clock (Barnet: the DSL is
    // informed by raising it), there is nothing to mark.
    let is_met_by_raise = procedure
        .immediate
        .clock
        .met_by
        .contains(&crate::core::procedure::Occurrence::Raised);
    if immediate_risk && !is_met_by_raise && (!is_open || rng.bool()) {
        acts.push_back(Act::MarkMet {
            clock: IMMEDIATE_RISK_KEY,
            at: (raised_at + minutes(rng.i64(30 * MINUTE..=6 * HOUR))).min(base),
        });
    }
    let mut entered = raised_at;
    for span in &spans[..spans.len() - 1] {
        entered += minutes(*span);
        acts.push_back(Act::Advance { at: entered });
    }
    let left = (entered + minutes(current)).min(base);
    if rng.u32(0..100) < if is_open { 60 } else { 40 } {
        let is_meeting = stage >= 3 && rng.u32(0..100) < 30;
        acts.push_back(Act::Discuss {
            at: (entered + minutes(rng.i64(0..=current))).min(base),
            with: pick(rng, PARTICIPANTS),
            mode: if is_meeting {
                "meeting"
            } else {
                pick(rng, DISCUSSION_MODES)
            },
            is_agreement: is_open && rng.u32(0..100) < 10,
        });
    }
    if rng.u32(0..100) < if is_open { 25 } else { 10 } {
        let from = crate::core::calendar::local_date(left);
        acts.push_back(Act::Action {
            due_on: from + Duration::days(rng.i64(-5..=14)),
        });
    }
    if !is_open {
        if rng.u32(0..100) < 85 {
            if rng.bool() {
                acts.push_back(Act::Discuss {
                    at: (left - minutes(rng.i64(0..=2 * HOUR))).max(entered),
                    with: pick(rng, PARTICIPANTS),
                    mode: pick(rng, DISCUSSION_MODES),
                    is_agreement: true,
                });
            }
            acts.push_back(Act::Resolve {
                at: left,
                parents_informed: match rng.u32(0..100) {
                    0..70 => Some(true),
                    70..80 => Some(false),
                    _ => None,
                },
            });
        } else {
            acts.push_back(Act::Withdraw { at: left });
        }
    }
    acts.push_back(Act::CatchUp);
    (input, acts)
}

impl Script<'_> {
    /// The escalation's next change, planned by the core against it as written so far; `None`
    /// once its story is told.
    fn next(&mut self, escalation: &Escalation) -> Result<Option<Change>, RecordError> {
        loop {
            let Some(act) = self.acts.pop_front() else {
                self.finish(escalation)?;
                return Ok(None);
            };
            if let Act::CatchUp = act {
                self.catch_up(escalation)?;
                continue;
            }
            return self.plan(escalation, act).map(Some).map_err(|e| {
                RecordError::new(
                    e.field,
                    format!(
                        "{} (generated escalation {}, {})",
                        e.message,
                        escalation.id,
                        escalation.child.reference.as_deref().unwrap_or("")
                    ),
                )
            });
        }
    }

    fn schedule(&self, escalation: &Escalation) -> Result<Schedule, RecordError> {
        schedule(
            self.procedure,
            &self.config.calendar,
            &self.config.settings,
            &escalation.events(),
            self.now,
        )
        .map_err(|e| RecordError::new("escalation", e.to_string()))
    }

    /// Records what the escalation owes, as a DSL would: an open escalation's notifications
    /// are mostly sent, a lately closed one's nearly all, and one closed for over a month has
    /// nearly always been tidied up. What is left shows on the dashboard as owed.
    fn catch_up(&mut self, escalation: &Escalation) -> Result<(), RecordError> {
        let schedule = self.schedule(escalation)?;
        let now = self.now;
        // Chances in 1,000.
        let (send, reason) = match schedule.closed_at {
            None => (750, 500),
            Some(closed) if now - closed < Duration::days(30) => (800, 900),
            Some(_) => (995, 900),
        };
        let mut owed = Vec::new();
        if schedule.clocks.iter().any(|c| c.is_reason_required) && self.rng.u32(0..1000) < reason {
            let at = schedule
                .closed_at
                .unwrap_or(now - Duration::minutes(self.rng.i64(0..=HOUR)))
                .max(escalation.raised_at);
            owed.push(Act::DelayReason { at });
        }
        for notification in schedule.outstanding_notifications() {
            if self.rng.u32(0..1000) < send {
                let delay = Duration::minutes(self.rng.i64(30 * MINUTE..=30 * HOUR));
                owed.push(Act::Send {
                    notification: notification.id.to_string(),
                    at: (notification.triggered_at + delay).min(now),
                    method: pick(&mut self.rng, METHODS),
                });
            }
        }
        // Agreed actions are done as a DSL would do them: by the time an escalation closes
        // nearly all (one escalation in 200 is closed with one left undone, and stays on the
        // dashboard for it), and half of an open one's once they fall due (the rest slip, as actions do). Decided
        // by the escalation's number rather than the random draws, so the rest of the caseload
        // is generated as it always was.
        for action in escalation.actions.iter().filter(|a| a.done_at.is_none()) {
            let due = action
                .due_on
                .and_hms_opt(12, 0, 0)
                .map_or(now, |noon| noon.and_utc());
            let is_done = match schedule.closed_at {
                Some(_) => escalation.id % 200 != 0,
                None => due <= now && escalation.id % 2 == 0,
            };
            if is_done {
                owed.push(Act::ActionDone {
                    id: action.id,
                    at: due
                        .min(schedule.closed_at.unwrap_or(now))
                        .min(now)
                        .max(escalation.raised_at),
                });
            }
        }
        for act in owed.into_iter().rev() {
            self.acts.push_front(act);
        }
        Ok(())
    }

    /// A settled escalation ([`crate::core::overdue::is_settled`], the dashboard's own test)
    /// need not be loaded by
    /// the dashboard: it is settled after the import.
    fn finish(&self, escalation: &Escalation) -> Result<(), RecordError> {
        if escalation.is_open() {
            return Ok(());
        }
        let schedule = self.schedule(escalation)?;
        if crate::core::overdue::is_settled(escalation, &schedule) {
            self.settled.borrow_mut().push(escalation.id);
        }
        Ok(())
    }

    fn plan(&mut self, escalation: &Escalation, act: Act) -> Result<Change, RecordError> {
        let now = self.now;
        match act {
            Act::MarkMet { clock, at } => {
                let schedule = self.schedule(escalation)?;
                plan_note(
                    escalation,
                    &schedule,
                    NoteKind::ClockMet,
                    clock,
                    "Escalated through safeguarding procedures the same day (fictional).",
                    at,
                    now,
                )
            }
            Act::Advance { at } => plan_advance(
                escalation,
                self.procedure,
                "Not resolved at this stage (fictional).",
                at,
                now,
            ),
            Act::Discuss {
                at,
                with,
                mode,
                is_agreement,
            } => plan_discussion(
                escalation,
                &DiscussionInput {
                    participants: with.to_owned(),
                    mode: mode.to_owned(),
                    notes: if is_agreement {
                        "Agreed a way forward (fictional).".to_owned()
                    } else {
                        "Discussed the disagreement; no agreement yet (fictional).".to_owned()
                    },
                    decisions: None,
                    is_agreement,
                    at: Some(at),
                },
                now,
            ),
            Act::Action { due_on } => plan_action(
                escalation,
                "Send the chronology of concerns (fictional)",
                "DSL",
                &due_on.to_string(),
            ),
            Act::Resolve {
                at,
                parents_informed,
            } => plan_resolve(
                escalation,
                &ResolutionInput {
                    how: "Agreed a way forward with the other agency (fictional).".to_owned(),
                    learning: Some("Share decisions in writing the same day.".to_owned()),
                    parents_informed,
                    why_not: (parents_informed == Some(false)).then(|| {
                        "Informing them would place the child at risk (fictional).".to_owned()
                    }),
                    child_record_updated: Some(true),
                    at: Some(at),
                },
                now,
            ),
            Act::Withdraw { at } => plan_withdraw(
                escalation,
                "Raised in error about the wrong family (fictional).",
                at,
                now,
            ),
            Act::Send {
                notification,
                at,
                method,
            } => {
                let schedule = self.schedule(escalation)?;
                plan_notification_sent(
                    escalation,
                    &schedule,
                    &notification,
                    method,
                    Some("DEMO-REF"),
                    at,
                    now,
                )
            }
            Act::DelayReason { at } => {
                let schedule = self.schedule(escalation)?;
                plan_note(
                    escalation,
                    &schedule,
                    NoteKind::DelayReason,
                    "",
                    "Waiting for the other agency's manager; the child is seen weekly meanwhile (fictional).",
                    at,
                    now,
                )
            }
            Act::ActionDone { id, at } => plan_action_done(escalation, id, at, now),
            Act::CatchUp => Err(RecordError::new("demo", "a catch-up is not a change")),
        }
    }
}

/// Fills an empty database with `how.count` generated, plainly fictional escalations over every
/// procedure in `procedures`, at every stage and in every state, relative to `now`: a share
/// `how.open_share` open (some overdue, some due today, immediate risk rare), the rest resolved
/// or withdrawn in the past. The same seed gives the same caseload.
///
/// Every escalation passes the same checks, and every change is planned by the same core
/// functions, as one typed in; all are written (and audited) in one transaction by
/// [`Store::import`], and the closed ones owing nothing are then settled, so that the dashboard
/// loads only what needs it. Refuses a database that already holds escalations.
pub fn generate(
    store: &mut impl Store,
    procedures: &ProcedureSet,
    config: &Config,
    actor: &str,
    now: DateTime<Utc>,
    how: Generate,
) -> Result<Generated, String> {
    if !(1..=MAX_COUNT).contains(&how.count) {
        return Err(format!(
            "cannot generate {} escalations; choose from 1 to {MAX_COUNT}",
            how.count
        ));
    }
    if !(0.0..=1.0).contains(&how.open_share) {
        return Err(format!(
            "{} is not a share; use a number from 0 to 1",
            how.open_share
        ));
    }
    let all: Vec<&Procedure> = procedures.iter().collect();
    if all.is_empty() {
        return Err("there are no procedures to generate escalations under".to_owned());
    }
    ensure_empty(store)?;
    // Whole seconds, so that every generated time is stored exactly.
    let base = now.trunc_subsecs(0);
    let count = how.count;
    // Exactly this many open, spread evenly through the caseload.
    let open = (count as f64 * how.open_share).round() as usize;
    let is_open = |i: usize| (i + 1) * open / count > i * open / count;
    // Each escalation's story comes from its own seed, so that it can be told twice: once to
    // learn when it was raised, once to write it.
    let mut rng = fastrand::Rng::with_seed(how.seed);
    let seeds: Vec<u64> = (0..count).map(|_| rng.u64(..)).collect();
    let tell = |i: usize| {
        let mut rng = fastrand::Rng::with_seed(seeds[i]);
        let procedure = all[rng.usize(..all.len())];
        let (input, acts) = story(is_open(i), procedure, &mut rng, base);
        (procedure, input, acts, rng)
    };
    // Written in the order they were raised, as a real database fills up: the ids follow time,
    // so the open escalations, raised lately, are the newest rows.
    let mut order: Vec<(DateTime<Utc>, usize)> = (0..count)
        .map(|i| (tell(i).1.raised_at.unwrap_or(base), i))
        .collect();
    order.sort_unstable();
    let settled = RefCell::new(Vec::new());
    let items = order.into_iter().enumerate().map(|(position, (_, i))| {
        let (procedure, mut input, acts, rng) = tell(i);
        let reference = format!("DEMO-{:07}", position + 1);
        input.child_ref = Some(reference.clone());
        let new = input.check(procedure, now).map_err(|e| {
            RecordError::new(
                e.field,
                format!("{} (generated escalation {reference})", e.message),
            )
        })?;
        let mut script = Script {
            procedure,
            config,
            now,
            acts,
            rng,
            settled: &settled,
        };
        Ok((new, move |e: &Escalation| script.next(e)))
    });
    let ids = store
        .import(items, actor, now)
        .map_err(|e| format!("could not generate the demo caseload: {e}"))?;
    store
        .settle(&settled.into_inner())
        .map_err(|e| e.to_string())?;
    Ok(Generated { ids, open })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::State;
    use crate::core::calendar::Calendar;
    use crate::core::deadline::{ClockState, Settings};
    use crate::core::record::Outcome;
    use crate::core::time::parse_instant;

    fn now() -> DateTime<Utc> {
        parse_instant("2026-11-23 10:00").unwrap()
    }

    /// A store filled by `generate`, and what it said it wrote.
    fn generated(
        count: usize,
        open_share: f64,
        seed: u64,
    ) -> (crate::storage::sqlite::SqliteStore, Generated) {
        let mut store = crate::storage::sqlite::SqliteStore::open_in_memory().unwrap();
        let how = Generate {
            count,
            open_share,
            seed,
        };
        let made = generate(
            &mut store,
            &ProcedureSet::builtin(),
            &Config::default(),
            "demo test",
            now(),
            how,
        )
        .unwrap();
        (store, made)
    }

    fn everything(store: &impl Store) -> Vec<Escalation> {
        store
            .escalations(Filter {
                include_closed: true,
                stage: None,
            })
            .unwrap()
    }

    /// What a caseload looks like from outside: each child, and how their escalation stands.
    fn children_and_states(store: &impl Store) -> Vec<(String, Option<String>, String, u8, bool)> {
        everything(store)
            .into_iter()
            .map(|e| {
                let stage = e.stage();
                let is_open = e.is_open();
                (e.child.name, e.child.reference, e.procedure, stage, is_open)
            })
            .collect()
    }

    #[test]
    fn a_generated_caseload_is_deterministic_valid_and_settled() {
        let (store, made) = generated(200, 0.25, 7);
        assert_eq!(made.ids.len(), 200);
        assert_eq!(made.open, 50);
        let all = everything(&store);
        assert_eq!(all.len(), 200);
        let open: Vec<&Escalation> = all.iter().filter(|e| e.is_open()).collect();
        assert_eq!(open.len(), 50, "a quarter open, as asked");
        assert!(all.iter().all(|e| {
            e.child
                .name
                .split(' ')
                .nth(1)
                .is_some_and(|s| SURNAMES.contains(&s))
                && e.child
                    .reference
                    .as_deref()
                    .is_some_and(|r| r.starts_with("DEMO-"))
        }));

        // The same seed makes the same caseload; another seed another.
        let (again, _) = generated(200, 0.25, 7);
        assert_eq!(children_and_states(&store), children_and_states(&again));
        assert_eq!(all, everything(&again), "record for record");
        assert_eq!(
            store.audit_trail(None).unwrap(),
            again.audit_trail(None).unwrap(),
            "audit entry for audit entry"
        );
        let (other, _) = generated(200, 0.25, 8);
        assert_ne!(children_and_states(&store), children_and_states(&other));

        // Every row was audited like any other write.
        let verification = store.verify().unwrap();
        assert_eq!(verification.problem, None);
        assert!(verification.entries > 200);

        // Every procedure, every stage, every way of ending.
        for procedure in ProcedureSet::builtin().iter() {
            assert!(
                all.iter().any(|e| e.procedure == procedure.id),
                "{}",
                procedure.id
            );
        }
        for stage in 1..=4 {
            assert!(
                open.iter().any(|e| e.stage() == stage),
                "open at stage {stage}"
            );
        }
        assert!(
            all.iter()
                .any(|e| matches!(e.outcome.as_deref(), Some(Outcome::Resolved { .. })))
        );
        assert!(
            all.iter()
                .any(|e| matches!(e.outcome.as_deref(), Some(Outcome::Withdrawn { .. })))
        );
        assert!(
            all.iter()
                .all(|e| e.is_open() || e.outcome.as_ref().is_some_and(|o| o.at() < now()))
        );

        // The dashboard loads only what needs it: every open escalation, and closed ones only
        // while they owe a notification; and the open ones are in every state.
        let mut state = State::new(
            ProcedureSet::builtin(),
            Calendar::default(),
            Settings::default(),
            vec!["default".into()],
            now(),
            (120, 40),
        );
        let caseload = store.caseload().unwrap();
        let loaded: Vec<i64> = caseload.iter().map(|e| e.id).collect();
        let procedures = ProcedureSet::builtin();
        for e in all.iter().filter(|e| !loaded.contains(&e.id)) {
            let procedure = procedures.get(&e.procedure).unwrap();
            let schedule = schedule(
                procedure,
                &Calendar::default(),
                &Settings::default(),
                &e.events(),
                now(),
            )
            .unwrap();
            assert!(
                crate::core::overdue::is_settled(e, &schedule),
                "escalation {} was settled but needs attention",
                e.id
            );
        }
        let settled = state.set_caseload(caseload);
        assert_eq!(settled, Vec::<i64>::new(), "nothing left to settle");
        assert_eq!(state.totals.open, 50);
        assert!(
            state.entries.len() < 200 / 2,
            "closed ones owing nothing are not loaded"
        );
        let states: Vec<ClockState> = state
            .entries
            .iter()
            .filter_map(|e| e.urgent.as_ref().map(|u| u.state))
            .collect();
        for wanted in [
            ClockState::Overdue,
            ClockState::DueToday,
            ClockState::Running,
        ] {
            assert!(states.contains(&wanted), "no open escalation is {wanted:?}");
        }
    }

    #[test]
    fn generating_refuses_a_database_in_use() {
        let (mut store, _) = generated(3, 1.0, 1);
        let how = Generate {
            count: 5,
            open_share: 0.1,
            seed: 1,
        };
        let error = generate(
            &mut store,
            &ProcedureSet::builtin(),
            &Config::default(),
            "demo test",
            now(),
            how,
        )
        .unwrap_err();
        assert!(
            error.starts_with("the database already holds 3 escalation(s)"),
            "{error}"
        );
        assert_eq!(everything(&store).len(), 3);
    }
}
