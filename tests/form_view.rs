//! Issue 15 on the dashboard: `f` on a notification owed shows its form filled from the record
//! (a snapshot at 120x40), scrolls, writes it out as printable HTML (an effect the runtime
//! carries out in the forms folder), and `s` records the notification sent with the form kept
//! beside it, through the same service as the command line; privacy mode hides the name and
//! will not write or send a redacted form.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use escalate::app::{Effect, Input, Msg, State, update};
use escalate::config::Config;
use escalate::core::change::Request;
use escalate::core::procedure::ProcedureSet;
use escalate::keys;
use escalate::service::{self, Rules, Subject};
use escalate::storage::Store;
use escalate::storage::sqlite::SqliteStore;
use escalate::ui::theme::{Theme, builtin_themes};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn now() -> DateTime<Utc> {
    escalate::core::time::parse_instant("2026-11-23 11:00").unwrap()
}

fn demo() -> (SqliteStore, State) {
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
    let names = builtin_themes().into_iter().map(|t| t.name).collect();
    let mut state = State::new(
        ProcedureSet::builtin(),
        config.calendar,
        config.settings,
        names,
        now(),
        (120, 40),
    );
    update(
        &mut state,
        Input::Msg(Msg::CaseloadLoaded(Ok(store.caseload().unwrap()))),
    );
    (store, state)
}

fn screen(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(state.width, state.height)).unwrap();
    terminal
        .draw(|f| {
            escalate::ui::render(
                state,
                &Theme::default().no_color(),
                f.area(),
                f.buffer_mut(),
            )
        })
        .unwrap();
    let buffer = terminal.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..buffer.area.height {
        for x in 0..buffer.area.width {
            out.push_str(buffer[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
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

/// Focuses the notifications owed panel on the first notification with a form.
fn focus_owed_form(state: &mut State) -> (i64, String, String) {
    for _ in 0..20 {
        if state.is_owed_focus() {
            break;
        }
        press(state, KeyCode::Tab);
    }
    assert!(state.is_owed_focus(), "Tab reaches the notifications owed");
    for _ in 0..state.notifications.len() {
        if let Some(n) = state.selected_notification()
            && let Some(form) = &n.form
        {
            let (form, notification) = (form.clone(), n.id.clone());
            return (
                state.selected_id().unwrap(),
                notification.to_string(),
                form.to_string(),
            );
        }
        press(state, KeyCode::Down);
    }
    panic!("the demo owes a notification with a form");
}

#[test]
fn f_on_a_notification_owed_shows_its_form_writes_it_and_sends_it() {
    let (mut store, mut state) = demo();
    let (id, notification, form) = focus_owed_form(&mut state);
    assert!(press(&mut state, KeyCode::Char('f')).is_empty());
    let view = state.form_view.as_ref().expect("f shows the form");
    assert_eq!(view.filled.id, form);
    assert_eq!(view.escalation, id);
    assert_eq!(view.notification.as_deref(), Some(notification.as_str()));
    let child = state.entry(id).unwrap().child.clone();
    let drawn = screen(&state);
    assert!(
        drawn.contains(&format!("Form {form} of escalation {id}")),
        "{drawn}"
    );
    assert!(drawn.contains(&child), "{drawn}");
    insta::assert_snapshot!("form_view_120x40", drawn);
    // The footer comes from the key table.
    assert!(
        drawn.contains("write out") && drawn.contains("sent with it"),
        "{drawn}"
    );

    press(&mut state, KeyCode::Char('j'));
    assert_eq!(state.form_view.as_ref().unwrap().scroll, 1);

    let effects = press(&mut state, KeyCode::Char('w'));
    let [Effect::WriteForm { file_name, text }] = effects.as_slice() else {
        panic!("w writes the form out: {effects:?}");
    };
    assert_eq!(
        file_name,
        &format!("escalation-{id}-{form}-2026-11-23.html"),
        "no child's name in the file name"
    );
    assert!(text.starts_with("<!DOCTYPE html>") && text.contains(&child));
    update(
        &mut state,
        Input::Msg(Msg::FormWritten(Ok("/data/forms/x.html".to_owned()))),
    );
    assert!(
        state
            .status
            .as_deref()
            .unwrap()
            .contains("/data/forms/x.html")
    );

    // s: the notification-sent form, with this form kept beside it when it saves.
    let kept = state.form_view.as_ref().unwrap().text.clone();
    press(&mut state, KeyCode::Char('s'));
    assert!(state.form_view.is_none());
    let sent_form = state
        .form
        .as_ref()
        .expect("s opens the notification-sent form");
    assert_eq!(
        sent_form
            .attachment
            .as_ref()
            .map(|(n, t)| (n.as_str(), t.as_str())),
        Some((form.as_str(), kept.as_str()))
    );
    let effects = press_event(
        &mut state,
        KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL),
    );
    let Some(Effect::Save { output, seen, .. }) = effects
        .iter()
        .find(|e| matches!(e, Effect::Save { .. }))
        .cloned()
    else {
        panic!("ctrl-s saves: {effects:?}");
    };
    assert!(matches!(&output, Request::SentWithForm { name, .. } if *name == form));
    // Carried out as the runtime's worker does: through the service.
    let config = Config::default();
    let procedures = ProcedureSet::builtin();
    let rules = Rules {
        procedures: &procedures,
        calendar: &config.calendar,
        settings: &config.settings,
    };
    service::apply(
        &mut store,
        &rules,
        "Test DSL",
        now(),
        Subject::Escalation { id, seen },
        &output,
    )
    .unwrap();
    let escalation = store.escalation(id).unwrap();
    assert_eq!(escalation.attachments.len(), 1);
    assert_eq!(escalation.attachments[0].text, kept);
    assert_eq!(
        escalation.attachments[0].sha256,
        escalate::core::change::sha256_hex(&kept)
    );
    assert_eq!(store.verify().unwrap().problem, None);
}

#[test]
fn in_privacy_mode_the_form_hides_the_name_and_is_not_written_out() {
    let (_store, mut state) = demo();
    let (id, _, _) = focus_owed_form(&mut state);
    let child = state.entry(id).unwrap().child.clone();
    press(&mut state, KeyCode::Char('p'));
    press(&mut state, KeyCode::Char('f'));
    let view = state.form_view.as_ref().expect("f shows the form");
    let surname = child.split_whitespace().last().unwrap();
    assert!(!view.text.contains(surname), "{}", view.text);
    assert!(!screen(&state).contains(surname));
    assert!(press(&mut state, KeyCode::Char('w')).is_empty());
    assert!(state.status.as_deref().unwrap().contains("Privacy mode"));
    press(&mut state, KeyCode::Esc);
    assert!(state.form_view.is_none(), "Esc closes the form");
}

#[test]
fn f_in_the_detail_view_shows_a_form_and_tab_goes_through_the_procedures_forms() {
    let (_store, mut state) = demo();
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('f'));
    let first = state
        .form_view
        .as_ref()
        .expect("f shows a form")
        .filled
        .id
        .clone();
    let count = state.form_view.as_ref().unwrap().forms.len();
    let mut seen = vec![first.clone()];
    for _ in 1..count {
        press(&mut state, KeyCode::Tab);
        seen.push(state.form_view.as_ref().unwrap().filled.id.clone());
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), count, "Tab shows each form once: {seen:?}");
    press(&mut state, KeyCode::Tab);
    assert_eq!(
        state.form_view.as_ref().unwrap().filled.id,
        first,
        "and wraps round"
    );
}

/// The dashboard's small form for what the record cannot fill: `e` asks for each blank field
/// in turn; what is typed fills the form shown, written and sent, and never the record.
#[test]
fn e_fills_in_the_blank_fields_and_the_form_written_carries_them() {
    let (_store, mut state) = demo();
    let (id, _, form) = focus_owed_form(&mut state);
    assert_eq!(form, "appendix-2", "the demo's first owed form");
    press(&mut state, KeyCode::Char('f'));
    let blanks = state.form_view.as_ref().unwrap().filled.blanks().len();
    assert_eq!(blanks, 1, "Appendix 2 asks who completed it");
    press(&mut state, KeyCode::Char('e'));
    assert_eq!(keys::scope(&state), keys::Scope::FormFill);
    for c in "Sam Demo, DSLx".chars() {
        press(&mut state, KeyCode::Char(c));
    }
    press(&mut state, KeyCode::Backspace);
    let drawn = screen(&state);
    assert!(
        drawn.contains("9. Name and Position of Person Completing Form")
            && drawn.contains("Sam Demo, DSL▏"),
        "{drawn}"
    );
    press(&mut state, KeyCode::Enter);
    let view = state.form_view.as_ref().unwrap();
    assert!(view.editing.is_none(), "no blank field is left to ask");
    assert!(view.filled.blanks().is_empty());
    assert!(
        view.text
            .contains("9. Name and Position of Person Completing Form\n    Sam Demo, DSL")
    );
    let effects = press(&mut state, KeyCode::Char('w'));
    let [Effect::WriteForm { text, .. }] = effects.as_slice() else {
        panic!("{effects:?}");
    };
    assert!(text.contains("Sam Demo, DSL"));
    // The record is not changed: the form filled afresh asks again.
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Char('f'));
    assert_eq!(state.form_view.as_ref().unwrap().filled.blanks().len(), 1);
    assert_eq!(state.form_view.as_ref().unwrap().escalation, id);
}

/// The details the forms ask for are shown in the detail view, the child's address withheld in
/// privacy mode like the name.
#[test]
fn the_detail_view_shows_the_details_and_privacy_withholds_the_address() {
    let (mut store, mut state) = demo();
    let id = state.selected_id().unwrap();
    let config = Config::default();
    let procedures = ProcedureSet::builtin();
    let rules = Rules {
        procedures: &procedures,
        calendar: &config.calendar,
        settings: &config.settings,
    };
    let fields = vec![
        ("referrer-phone".to_owned(), "01582 000000".to_owned()),
        ("child-address".to_owned(), "12 Example Road".to_owned()),
    ];
    service::apply(
        &mut store,
        &rules,
        "Test DSL",
        now(),
        Subject::Escalation { id, seen: None },
        &Request::Details { fields },
    )
    .unwrap();
    update(
        &mut state,
        Input::Msg(Msg::CaseloadLoaded(Ok(store.caseload().unwrap()))),
    );
    press(&mut state, KeyCode::Enter);
    let drawn = screen(&state);
    assert!(
        drawn.contains("The referrer's contact number: 01582 000000"),
        "{drawn}"
    );
    assert!(
        drawn.contains("The child's current address: 12 Example Road"),
        "{drawn}"
    );
    press(&mut state, KeyCode::Char('p'));
    let drawn = screen(&state);
    assert!(!drawn.contains("Example Road"), "{drawn}");
    assert!(
        drawn.contains("The child's current address: (withheld)"),
        "{drawn}"
    );
}

/// A form kept with a notification belongs to it: the notification-sent form opened from the
/// form view offers that notification alone.
#[test]
fn the_form_sent_from_the_form_view_is_for_its_own_notification_only() {
    let (_store, mut state) = demo();
    let (_, notification, _) = focus_owed_form(&mut state);
    press(&mut state, KeyCode::Char('f'));
    press(&mut state, KeyCode::Char('s'));
    let form = state
        .form
        .as_ref()
        .expect("s opens the notification-sent form");
    let field = form
        .fields
        .iter()
        .find(|f| f.name == "notification")
        .unwrap();
    assert_eq!(field.value(), notification);
    // Moving the choice cannot reach another notification.
    press(&mut state, KeyCode::Right);
    let form = state.form.as_ref().unwrap();
    let field = form
        .fields
        .iter()
        .find(|f| f.name == "notification")
        .unwrap();
    assert_eq!(field.value(), notification);
}
