//! The morning review on the dashboard (`R`): walked through the key table and `update` as the
//! runtime does, on the demo caseload at a fixed time.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use escalate::app::form::FormKind;
use escalate::app::{Effect, Input, Msg, State, update};
use escalate::config::Config;
use escalate::core::change::Request;
use escalate::core::procedure::ProcedureSet;
use escalate::core::review::{Group, Horizon, Subject};
use escalate::keys;
use escalate::storage::Store;
use escalate::storage::sqlite::SqliteStore;
use escalate::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Monday 23 November 2026, 11:00 UK time: the demo's "now".
fn now() -> DateTime<Utc> {
    at("2026-11-23 11:00")
}

fn at(text: &str) -> DateTime<Utc> {
    escalate::core::time::parse_instant(text).unwrap()
}

/// Storage's reply to the open form's save, as the runtime sends it.
fn saved(state: &State, result: Result<String, String>) -> Msg {
    Msg::FormSaved {
        token: state.form.as_ref().map(|f| f.token).unwrap_or_default(),
        result,
        escalation: None,
    }
}

/// The open form's token, which its save carries.
fn token(state: &State) -> escalate::app::form::FormToken {
    state.form.as_ref().unwrap().token
}

/// The version of the escalation the open form is about, as the dashboard has it loaded.
fn seen(state: &State) -> Option<escalate::core::change::Version> {
    let id = state.form.as_ref().unwrap().kind.escalation()?;
    let entry = state.entries.iter().find(|e| e.escalation.id == id)?;
    Some(escalate::core::change::Version::of(&entry.escalation))
}

fn demo(size: (u16, u16)) -> (SqliteStore, State) {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let config = Config::default();
    escalate::demo::fill(
        &mut store,
        &ProcedureSet::builtin(),
        &config,
        "Test DSL",
        now(),
        1,
    )
    .unwrap();
    let mut state = State::new(
        ProcedureSet::builtin(),
        config.calendar,
        config.settings,
        vec!["default".into()],
        now(),
        size,
    );
    update(
        &mut state,
        Input::Msg(Msg::CaseloadLoaded(Ok(store.caseload().unwrap()))),
    );
    (store, state)
}

fn press_event(state: &mut State, event: KeyEvent) -> Vec<Effect> {
    match keys::intent(keys::scope(state), &event) {
        Some(intent) => update(state, Input::Intent(intent)),
        None => Vec::new(),
    }
}

fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    press_event(state, KeyEvent::new(code, KeyModifiers::NONE))
}

fn key(state: &mut State, c: char) -> Vec<Effect> {
    press(state, KeyCode::Char(c))
}

fn draw(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(state.width, state.height)).unwrap();
    terminal
        .draw(|f| escalate::ui::render(state, &Theme::default(), f.area(), f.buffer_mut()))
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    (0..buffer.area.height)
        .map(|y| {
            (0..buffer.area.width)
                .map(|x| buffer[(x, y)].symbol().to_owned())
                .collect::<String>()
                .trim_end()
                .to_owned()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The review the core makes of the same caseload, to compare the walk with.
fn core_review(state: &State) -> escalate::core::review::Review {
    escalate::app::review::review_of(&state.entries, &state.calendar, now(), Horizon::DEFAULT)
}

#[test]
fn r_walks_the_core_review_in_order_and_space_and_b_move() {
    let (_store, mut state) = demo((120, 40));
    assert!(key(&mut state, 'R').is_empty());
    assert_eq!(keys::scope(&state), keys::Scope::Review);
    let expected = core_review(&state);
    let walk = state.review.as_ref().unwrap();
    assert_eq!(walk.review.items, expected.items);
    assert!(walk.review.items.len() > 3);
    // Most urgent first: Ava Sample's immediate risk.
    let first = &walk.review.items[0];
    assert_eq!(
        (first.escalation_id, first.group),
        (1, Group::ImmediateRisk)
    );
    let shown = draw(&state);
    assert!(shown.contains("Morning review · item 1 of"), "{shown}");
    assert!(shown.contains("Escalation 1: Ava Sample"), "{shown}");
    assert!(shown.contains("Involved: "), "{shown}");
    assert!(shown.contains("Last discussion: "), "{shown}");
    assert!(
        shown.contains("Next: if it is not resolved, stage 2"),
        "{shown}"
    );

    // ? lists the review's own keys, the ones the footer has no room for included.
    key(&mut state, '?');
    let shown = draw(&state);
    for (keys, help) in [
        ("l", "Record why this item is late"),
        ("Esc", "Finish the review (shows its summary)"),
        ("x", "Mark this item's action done"),
    ] {
        assert!(
            shown.lines().any(|l| l.contains(keys) && l.contains(help)),
            "{keys} {help}:\n{shown}"
        );
    }
    key(&mut state, '?');
    assert_eq!(keys::scope(&state), keys::Scope::Review);

    key(&mut state, ' ');
    key(&mut state, 'n');
    assert_eq!(state.review.as_ref().unwrap().position, 2);
    key(&mut state, 'b');
    assert_eq!(state.review.as_ref().unwrap().position, 1);
    key(&mut state, 'b');
    key(&mut state, 'b');
    assert_eq!(
        state.review.as_ref().unwrap().position,
        0,
        "b stops at the first"
    );
    // Privacy mode holds in the review too.
    key(&mut state, 'p');
    let shown = draw(&state);
    assert!(!shown.contains("Ava Sample"), "{shown}");
    assert!(shown.contains("Escalation 1: A.S."), "{shown}");
}

#[test]
fn acting_on_items_ticks_them_off_and_the_summary_is_recorded() {
    let (mut store, mut state) = demo((120, 40));
    key(&mut state, 'R');
    let items = state.review.as_ref().unwrap().review.items.clone();

    // d on the first item: a discussion on its escalation; saved, it is ticked off.
    key(&mut state, 'd');
    let form = state.form.as_ref().unwrap();
    assert_eq!(form.kind, FormKind::Discuss { escalation: 1 });
    let reply = saved(&state, Ok("discussion recorded".into()));
    update(&mut state, Input::Msg(reply));
    assert!(state.form.is_none());
    assert!(state.review.as_ref().unwrap().acted[0]);
    assert!(draw(&state).contains("✓ acted on during this review"));

    // s on a notification item opens on that very notification.
    let (index, notification) = items
        .iter()
        .enumerate()
        .find_map(|(i, item)| match &item.subject {
            Subject::Notification { id, .. } => Some((i, (item.escalation_id, id.clone()))),
            _ => None,
        })
        .expect("the demo owes notifications");
    while state.review.as_ref().unwrap().position < index {
        key(&mut state, ' ');
    }
    key(&mut state, 's');
    let form = state.form.as_ref().unwrap();
    assert_eq!(
        form.kind,
        FormKind::NotificationSent {
            escalation: notification.0
        }
    );
    assert_eq!(form.field("notification").unwrap().value(), notification.1);
    // Cancelled without typing: nothing is ticked.
    press(&mut state, KeyCode::Esc);
    assert!(state.form.is_none());
    assert!(!state.review.as_ref().unwrap().acted[index]);

    // l: a reason for the delay, saved as a note on what is late.
    key(&mut state, 'l');
    // It opens on the reason, under what is late.
    let form = state.form.as_ref().unwrap();
    assert_eq!(form.field("late").unwrap().value(), notification.1);
    assert_eq!(form.fields[form.focus].name, "reason");
    for c in "Partnership inbox was down.".chars() {
        key(&mut state, c);
    }
    let effects = press_event(
        &mut state,
        KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL),
    );
    assert_eq!(
        effects,
        [Effect::Save {
            token: token(&state),
            seen: seen(&state),
            kind: FormKind::DelayReason {
                escalation: notification.0
            },
            output: Request::DelayReason {
                late: notification.1.clone(),
                reason: "Partnership inbox was down.".into(),
                at: now(),
            },
        }]
    );
    let reply = saved(&state, Ok("reason recorded".into()));
    update(&mut state, Input::Msg(reply));
    assert_eq!(state.review.as_ref().unwrap().acted_on(), 2);

    // Meanwhile Ava Sample's escalation is resolved (as if in another terminal): at the end
    // its items are no longer outstanding.
    store
        .change(1, "Test DSL", now(), |e| {
            escalate::core::change::plan_resolve(
                e,
                &escalate::core::change::ResolutionInput {
                    how: "MASH accepted.".into(),
                    ..Default::default()
                },
                now(),
            )
        })
        .unwrap();
    update(
        &mut state,
        Input::Msg(Msg::CaseloadLoaded(Ok(store.caseload().unwrap()))),
    );
    // Walked through to the end: every item was reviewed.
    while keys::scope(&state) == keys::Scope::Review {
        key(&mut state, ' ');
    }
    assert_eq!(keys::scope(&state), keys::Scope::ReviewSummary);
    let walk = state.review.as_ref().unwrap();
    let outstanding = &walk.summary.as_ref().unwrap().items;
    let of_ava = items.iter().filter(|i| i.escalation_id == 1).count();
    assert!(of_ava >= 1);
    assert_eq!(outstanding.len(), items.len() - of_ava);
    assert!(outstanding.iter().all(|&i| items[i].escalation_id != 1));
    let shown = draw(&state);
    assert!(
        shown.contains(&format!(
            "{} items reviewed · 2 acted on · {} still outstanding",
            items.len(),
            items.len() - of_ava
        )),
        "{shown}"
    );

    let effects = press(&mut state, KeyCode::Enter);
    let [Effect::RecordReview(summary)] = &effects[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(
        (summary.items(), summary.acted_on(), summary.outstanding()),
        (
            u32::try_from(items.len()).unwrap(),
            2,
            u32::try_from(items.len() - of_ava).unwrap()
        )
    );
    assert!(state.review.is_none());
    assert_eq!(keys::scope(&state), keys::Scope::Dashboard);
}

#[test]
fn an_action_item_opens_on_its_action_and_nothing_due_says_so() {
    let (_store, mut state) = demo((80, 24));
    key(&mut state, 'R');
    let items = state.review.as_ref().unwrap().review.items.clone();
    let (index, action) = items
        .iter()
        .enumerate()
        .find_map(|(i, item)| match &item.subject {
            Subject::Action { id, .. } => Some((i, (item.escalation_id, *id))),
            _ => None,
        })
        .expect("the demo has a slipping action");
    for _ in 0..index {
        key(&mut state, 'n');
    }
    key(&mut state, 'x');
    let form = state.form.as_ref().unwrap();
    assert_eq!(
        form.kind,
        FormKind::ActionDone {
            escalation: action.0
        }
    );
    assert_eq!(form.field("action").unwrap().value(), action.1.to_string());

    // An empty database: nothing to review, and R says so.
    let config = Config::default();
    let mut state = State::new(
        ProcedureSet::builtin(),
        config.calendar,
        config.settings,
        vec!["default".into()],
        now(),
        (80, 24),
    );
    update(&mut state, Input::Msg(Msg::CaseloadLoaded(Ok(Vec::new()))));
    update(
        &mut state,
        Input::Intent(escalate::app::Intent::StartReview),
    );
    assert!(state.review.is_none());
    assert!(state.status.clone().unwrap().contains("Nothing is overdue"));
}

#[test]
fn the_review_screens_at_80x24_and_120x40() {
    for size in [(80, 24), (120, 40)] {
        let (_store, mut state) = demo(size);
        key(&mut state, 'R');
        insta::assert_snapshot!(format!("review_item_{}x{}", size.0, size.1), draw(&state));
        // Walked through to the end, so the summary lists the whole morning.
        while keys::scope(&state) == keys::Scope::Review {
            key(&mut state, ' ');
        }
        insta::assert_snapshot!(
            format!("review_summary_{}x{}", size.0, size.1),
            draw(&state)
        );
    }
}

#[test]
fn a_review_left_part_way_is_not_recorded_as_done() {
    let (_store, mut state) = demo((120, 40));
    key(&mut state, 'R');
    let count = state.review.as_ref().unwrap().review.items.len();
    assert!(count > 2);
    // One item seen, then Esc twice: nothing is recorded.
    press(&mut state, KeyCode::Esc);
    assert_eq!(keys::scope(&state), keys::Scope::ReviewSummary);
    let shown = draw(&state);
    assert!(
        shown.contains(&format!("1 of {count} items reviewed · 0 acted on")),
        "{shown}"
    );
    assert!(press(&mut state, KeyCode::Esc).is_empty());
    assert!(state.review.is_none());
    assert_eq!(keys::scope(&state), keys::Scope::Dashboard);
    assert_eq!(
        state.status.as_deref(),
        Some(
            format!(
                "Review left after 1 of {count} items; not recorded (Enter on its summary records what was seen)."
            )
            .as_str()
        )
    );

    // Three items seen, then recorded on purpose: three items reviewed, not all of them.
    key(&mut state, 'R');
    key(&mut state, ' ');
    key(&mut state, ' ');
    key(&mut state, 'b');
    press(&mut state, KeyCode::Esc);
    let walk = state.review.as_ref().unwrap();
    assert_eq!(walk.walked(), 3);
    let outstanding = walk.summary.as_ref().unwrap().items.clone();
    assert_eq!(outstanding, [0, 1, 2], "only what was walked through");
    let effects = press(&mut state, KeyCode::Enter);
    let [Effect::RecordReview(summary)] = &effects[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(
        (summary.items(), summary.acted_on(), summary.outstanding()),
        (3, 0, 3)
    );

    // Walked through to the end, Esc on the summary records it: the walk was finished.
    key(&mut state, 'R');
    for _ in 0..count {
        key(&mut state, ' ');
    }
    assert_eq!(keys::scope(&state), keys::Scope::ReviewSummary);
    let effects = press(&mut state, KeyCode::Esc);
    let [Effect::RecordReview(summary)] = &effects[..] else {
        panic!("{effects:?}");
    };
    assert_eq!(summary.items(), u32::try_from(count).unwrap());
}

/// Issue 14 (found in the simulated week over Easter 2027): a "by day N" clock due on a bank
/// holiday says, on the review's item as in `escalate review`, which working day comes before.
#[test]
fn a_numbered_day_on_good_friday_says_the_working_day_before_it_on_the_review_item() {
    let thursday = at("2027-03-25 10:00");
    let mut store = SqliteStore::open_in_memory().unwrap();
    let input = escalate::core::record::NewEscalationInput {
        procedure: "pan-bedfordshire".into(),
        partnership: Some("luton".into()),
        child_name: "Ruby Test".into(),
        child_dob: None,
        child_ref: None,
        raised_by: "Jo Bloggs".into(),
        agency: "Hilltop Primary School".into(),
        raised_with: "Luton CSC".into(),
        category: "thresholds".into(),
        summary: "Referral closed.".into(),
        outcome_sought: None,
        concern_at: Some(at("2027-03-25 09:00")),
        raised_at: Some(thursday),
        immediate_risk: false,
    };
    escalate::service::create(
        &mut store,
        &ProcedureSet::builtin(),
        "Jo Bloggs",
        thursday,
        &input,
    )
    .unwrap();
    let config = Config::default();
    let good_friday = at("2027-03-26 08:30");
    let mut state = State::new(
        ProcedureSet::builtin(),
        config.calendar,
        config.settings,
        vec!["default".into()],
        good_friday,
        (80, 24),
    );
    update(
        &mut state,
        Input::Msg(Msg::CaseloadLoaded(Ok(store.caseload().unwrap()))),
    );
    press(&mut state, KeyCode::Char('R'));
    let walk = state.review.as_ref().expect("the review walk");
    let day_2 = walk
        .review
        .items
        .iter()
        .position(|i| i.day_note.is_some())
        .expect("day 2 falls on Good Friday");
    for _ in 0..day_2 {
        press(&mut state, KeyCode::Char(' '));
    }
    let shown = draw(&state);
    assert!(
        shown.contains("Fri 26 Mar 2027 is not a working day") && shown.contains("Thu 25 Mar 2027"),
        "{shown}"
    );
}

/// Issue 14: an immediate risk already recorded as escalated is listed by the review (it says
/// so) but offers `m` no more and is not "still outstanding" in the summary.
#[test]
fn an_immediate_risk_met_offers_no_m_and_is_not_outstanding() {
    let (mut store, mut state) = demo((80, 24));
    let procedures = ProcedureSet::builtin();
    let config = Config::default();
    escalate::service::apply(
        &mut store,
        &escalate::service::Rules {
            procedures: &procedures,
            calendar: &config.calendar,
            settings: &config.settings,
        },
        "Test DSL",
        now(),
        escalate::service::Subject::Escalation { id: 1, seen: None },
        &Request::ClockMet {
            clock: escalate::core::deadline::IMMEDIATE_RISK_KEY.to_owned(),
            note: "Called the MASH duty team.".into(),
            at: now(),
        },
    )
    .unwrap();
    update(
        &mut state,
        Input::Msg(Msg::CaseloadLoaded(Ok(store.caseload().unwrap()))),
    );
    key(&mut state, 'R');
    let walk = state.review.as_ref().unwrap();
    let first = &walk.review.items[0];
    assert!(
        matches!(first.subject, Subject::ImmediateRisk { .. }) && first.escalation_id == 1,
        "{first:?}"
    );
    let shown = draw(&state);
    assert!(shown.contains("escalated (met"), "{shown}");
    assert!(shown.contains("Recorded as escalated"), "{shown}");
    assert!(!shown.contains("m records the immediate risk"), "{shown}");
    // m there opens nothing (it opened on another clock, one Ctrl-S from marking it met).
    assert!(key(&mut state, 'm').is_empty());
    assert!(state.form.is_none());
    assert!(
        state
            .status
            .as_deref()
            .is_some_and(|s| s.contains("already recorded as escalated")),
        "{:?}",
        state.status
    );
    while keys::scope(&state) == keys::Scope::Review {
        key(&mut state, ' ');
    }
    let walk = state.review.as_ref().unwrap();
    let outstanding = &walk.summary.as_ref().unwrap().items;
    assert!(!outstanding.contains(&0), "{outstanding:?}");
    assert_eq!(outstanding.len(), walk.review.items.len() - 1);
}

/// Issue 14: the summary's lines wrap at 80 columns, none cut at the box's edge, and a morning
/// too long for the screen says how many more there are.
#[test]
fn the_summary_wraps_its_lines_at_80_columns() {
    let (_store, mut state) = demo((80, 24));
    key(&mut state, 'R');
    while keys::scope(&state) == keys::Scope::Review {
        key(&mut state, ' ');
    }
    let shown = draw(&state);
    let walk = state.review.as_ref().unwrap();
    // Every item shown whole in its lines: its words, joined again, read as the review says.
    let joined: String = shown
        .lines()
        .map(|l| l.trim_matches(|c| c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ");
    let outstanding = &walk.summary.as_ref().unwrap().items;
    // The first item whole across its lines: Ava Sample's immediate risk with its guidance.
    let first = &walk.review.items[outstanding[0]];
    let Subject::ImmediateRisk { name, .. } = &first.subject else {
        panic!("{first:?}");
    };
    assert!(
        joined.contains(&format!("#1 Ava Sample: {name}")),
        "{shown}"
    );
    // A notification that names its recipient does not name it twice.
    assert!(joined.contains("Inform the original referrer"), "{shown}");
    assert!(
        !joined.contains("referrer to The original referrer"),
        "{shown}"
    );
    // Each item starts a line with its mark; those that do not fit are counted.
    let starts = shown
        .lines()
        .filter(|l| {
            let inner = l.trim_start_matches('│');
            ["!! ", "!  ", "~  ", "·  ", "✓"]
                .iter()
                .any(|m| inner.starts_with(m))
        })
        .count();
    let more = outstanding.len() - starts;
    assert!(more > 0, "the demo's morning is longer than 80x24: {shown}");
    assert!(shown.contains(&format!("… and {more} more")), "{shown}");
    // Nothing runs into the box's right edge: a cut line fills the box to its border.
    for line in shown.lines().filter(|l| l.starts_with('│')) {
        let inner: String = line.chars().skip(1).take(78).collect();
        assert!(inner.ends_with(' '), "cut at the edge: {line}\n{shown}");
    }
    assert!(
        shown.contains("items were not reached")
            || shown.contains("Enter records this review in the audit trail"),
        "{shown}"
    );
}

/// Found walking the demo at 80x24: a notification's item named the partnership but not its
/// address, which the owed panel gives; the DSL had to leave the walk to find where to send it.
#[test]
fn a_notification_item_gives_the_partnerships_address() {
    let (_store, mut state) = demo((80, 24));
    key(&mut state, 'R');
    let index = state
        .review
        .as_ref()
        .unwrap()
        .review
        .items
        .iter()
        .position(|i| matches!(&i.subject, Subject::Notification { id, .. } if id == "appendix-2"))
        .expect("the demo owes appendix-2");
    while state.review.as_ref().unwrap().position < index {
        key(&mut state, ' ');
    }
    let shown = draw(&state);
    assert!(
        shown.contains("(cbscb@centralbedfordshire.gov.uk)"),
        "{shown}"
    );
}
