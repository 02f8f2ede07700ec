//! Corrections from the dashboard (issue 12): `e` offers, after the header's fields, what else
//! on the record can be corrected. A stage move made in error is reversed and a closure made in
//! error reopened, typed through the key table and `update` as the runtime does, then saved
//! through the service as the storage worker does.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use escalate::app::form::FormKind;
use escalate::app::{Effect, Input, Msg, State, update};
use escalate::config::Config;
use escalate::core::change::{Correcting, Request, ResolutionInput};
use escalate::core::procedure::ProcedureSet;
use escalate::core::record::NewEscalationInput;
use escalate::keys;
use escalate::service::{self, Rules, Subject};
use escalate::storage::Store;
use escalate::storage::sqlite::SqliteStore;

fn at(text: &str) -> DateTime<Utc> {
    escalate::core::time::parse_instant(text).unwrap()
}

fn now() -> DateTime<Utc> {
    at("2026-11-23 11:00")
}

/// Writes `request` to escalation 1 through the service, as the dashboard's worker does.
fn apply(
    store: &mut SqliteStore,
    seen: Option<escalate::core::change::Version>,
    request: &Request,
) {
    let procedures = ProcedureSet::builtin();
    let config = Config::default();
    let rules = Rules {
        procedures: &procedures,
        calendar: &config.calendar,
        settings: &config.settings,
    };
    service::apply(
        store,
        &rules,
        "Test DSL",
        now(),
        Subject::Escalation { id: 1, seen },
        request,
    )
    .unwrap();
}

/// One London escalation, moved to stage 2.
fn store() -> SqliteStore {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let procedures = ProcedureSet::builtin();
    let input = NewEscalationInput {
        procedure: "london".into(),
        child_name: "Ava Sample".into(),
        raised_by: "A DSL".into(),
        agency: "School".into(),
        raised_with: "Social care".into(),
        category: "thresholds".into(),
        summary: "Referral refused.".into(),
        raised_at: Some(at("2026-11-23 09:00")),
        ..Default::default()
    };
    service::create(&mut store, &procedures, "Test DSL", now(), &input).unwrap();
    apply(
        &mut store,
        None,
        &Request::Advance {
            to: None,
            reason: "No reply.".into(),
            at: at("2026-11-23 10:00"),
        },
    );
    store
}

fn dashboard(store: &SqliteStore) -> State {
    let config = Config::default();
    let mut state = State::new(
        ProcedureSet::builtin(),
        config.calendar,
        config.settings,
        vec!["default".into()],
        now(),
        (120, 40),
    );
    update(
        &mut state,
        Input::Msg(Msg::CaseloadLoaded(Ok(store.caseload().unwrap()))),
    );
    state
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

fn ctrl(state: &mut State, c: char) -> Vec<Effect> {
    press_event(
        state,
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL),
    )
}

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        press(state, KeyCode::Char(c));
    }
}

/// Selects escalation 1, in whichever lane it is; closed, it is reached through the
/// notifications it still owes.
fn select(state: &mut State) {
    state.select(1);
    if state.selected_id().is_none() {
        state.lane = state.lanes.len();
    }
    assert_eq!(state.selected_id(), Some(1), "{:?}", state.lanes);
}

fn chosen(state: &State) -> String {
    state.form.as_ref().unwrap().field("field").unwrap().value()
}

/// Opens the correction form on the selected escalation and chooses `item`, then gives `why`;
/// returns what the save asks the worker to do.
fn correct(state: &mut State, item: &str, why: &str) -> Vec<Effect> {
    select(state);
    press(state, KeyCode::Char('e'));
    assert!(state.form.is_some());
    for _ in 0..60 {
        if chosen(state) == item {
            break;
        }
        press(state, KeyCode::Right);
    }
    assert_eq!(chosen(state), item);
    for _ in 0..2 {
        press(state, KeyCode::Tab);
    }
    type_text(state, why);
    ctrl(state, 's')
}

fn seen(state: &State) -> Option<escalate::core::change::Version> {
    let entry = state.entries.iter().find(|e| e.escalation.id == 1)?;
    Some(escalate::core::change::Version::of(&entry.escalation))
}

#[test]
fn a_stage_move_in_error_is_reversed_from_the_dashboard() {
    let mut store = store();
    let mut state = dashboard(&store);
    assert_eq!(state.entries[0].escalation.stage(), 2);
    let version = seen(&state);
    let effects = correct(&mut state, "correct:stage", "Pressed advance by mistake.");
    let [
        Effect::Save {
            kind,
            output,
            seen: carried,
            ..
        },
    ] = effects.as_slice()
    else {
        panic!("{effects:?}");
    };
    assert_eq!(*kind, FormKind::Amend { escalation: 1 });
    assert_eq!(*carried, version);
    assert_eq!(
        *output,
        Request::Correct {
            corrections: vec![Correcting::UndoLastStage],
            why: "Pressed advance by mistake.".into(),
        }
    );
    apply(&mut store, *carried, output);
    let escalation = store.escalation(1).unwrap();
    assert_eq!(escalation.stage(), 1);
    assert_eq!(escalation.corrections.len(), 1);
    assert!(store.verify().unwrap().problem.is_none());
    // Saved and reloaded, the dashboard shows stage 1.
    let token = state.form.as_ref().unwrap().token;
    update(
        &mut state,
        Input::Msg(Msg::FormSaved {
            token,
            result: Ok("corrected".into()),
            escalation: None,
        }),
    );
    assert!(state.form.is_none());
    update(
        &mut state,
        Input::Msg(Msg::CaseloadLoaded(Ok(store.caseload().unwrap()))),
    );
    assert_eq!(state.entries[0].escalation.stage(), 1);
    // With no stage move left, it is no longer offered.
    select(&mut state);
    press(&mut state, KeyCode::Char('e'));
    let form = state.form.as_ref().unwrap();
    let field = form.field("field").unwrap();
    assert!(
        !field.items.iter().any(|i| i == "correct:stage"),
        "{:?}",
        field.items
    );
}

#[test]
fn a_closure_in_error_is_reopened_from_the_dashboard() {
    let mut store = store();
    apply(
        &mut store,
        None,
        &Request::Resolve(ResolutionInput {
            how: "Agreed a plan.".into(),
            ..Default::default()
        }),
    );
    let mut state = dashboard(&store);
    assert!(!state.entries[0].escalation.is_open());
    let effects = correct(&mut state, "correct:reopen", "The plan was not agreed.");
    let [Effect::Save { output, seen, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert_eq!(
        *output,
        Request::Correct {
            corrections: vec![Correcting::Reopen],
            why: "The plan was not agreed.".into(),
        }
    );
    apply(&mut store, *seen, output);
    let escalation = store.escalation(1).unwrap();
    assert!(escalation.is_open());
    assert_eq!(escalation.stage(), 2);
    assert!(store.verify().unwrap().problem.is_none());
    // Without a reason, nothing is saved.
    let token = state.form.as_ref().unwrap().token;
    update(
        &mut state,
        Input::Msg(Msg::FormSaved {
            token,
            result: Ok("corrected".into()),
            escalation: None,
        }),
    );
    update(
        &mut state,
        Input::Msg(Msg::CaseloadLoaded(Ok(store.caseload().unwrap()))),
    );
    let effects = correct(&mut state, "correct:stage", "");
    assert!(effects.is_empty(), "{effects:?}");
}
