//! The dashboard's lock (issue 13, auto-lock), through `update` and `render` alone: `Ctrl-L`
//! locks from any screen, privacy mode locks by itself after the idle minutes set, only the
//! passphrase unlocks, and the locked screen shows nothing about any child.

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use escalate::app::lock::Verifier;
use escalate::app::{Input, Intent, Msg, State, update};
use escalate::config::Config;
use escalate::core::procedure::ProcedureSet;
use escalate::keys;
use escalate::storage::Store;
use escalate::storage::sqlite::SqliteStore;
use escalate::ui::theme::{Theme, builtin_themes};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const PASSPHRASE: &str = "correct horse";

fn now() -> DateTime<Utc> {
    escalate::core::time::parse_instant("2026-11-23 11:00").unwrap()
}

/// The demo caseload, loaded, with a passphrase-guarded lock idle after 10 minutes.
fn loaded() -> State {
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
    state.lock.verifier = Some(Verifier::new(PASSPHRASE, [42; 16]));
    state.lock.after = config.lock_after.0;
    update(
        &mut state,
        Input::Msg(Msg::CaseloadLoaded(Ok(store.caseload().unwrap()))),
    );
    update(&mut state, Input::Msg(Msg::Ticked(now())));
    state
}

fn draw(state: &State) -> String {
    let mut terminal = Terminal::new(TestBackend::new(state.width, state.height)).unwrap();
    let theme = Theme::default().no_color();
    terminal
        .draw(|f| escalate::ui::render(state, &theme, f.area(), f.buffer_mut()))
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

/// A key pressed, looked up in the key table as the runtime does.
fn press(state: &mut State, code: KeyCode, modifiers: KeyModifiers) {
    let event = KeyEvent::new(code, modifiers);
    if let Some(intent) = keys::intent(keys::scope(state), &event) {
        update(state, Input::Intent(intent));
    }
}

fn ctrl_l(state: &mut State) {
    press(state, KeyCode::Char('l'), KeyModifiers::CONTROL);
}

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        press(state, KeyCode::Char(c), KeyModifiers::NONE);
    }
}

fn enter(state: &mut State) {
    press(state, KeyCode::Enter, KeyModifiers::NONE);
}

/// Every child's name and initials in the demo caseload, and the numbers that would identify
/// the caseload.
fn assert_shows_no_child(state: &State, shown: &str) {
    assert!(!state.entries.is_empty());
    for entry in &state.entries {
        assert!(
            !shown.contains(&entry.child),
            "{} on the locked screen:\n{shown}",
            entry.child
        );
        let card = format!("#{} ", entry.escalation.id);
        assert!(!shown.contains(&card), "{card} on the locked screen");
    }
    for word in [
        "open",
        "overdue",
        "Notifications",
        "Stage",
        "IMMEDIATE",
        "DEMO",
    ] {
        assert!(
            !shown.contains(word),
            "{word} on the locked screen:\n{shown}"
        );
    }
}

#[test]
fn ctrl_l_locks_and_the_locked_screen_shows_no_child() {
    let mut state = loaded();
    let before = draw(&state);
    assert!(before.contains("Ava Sample"), "{before}");
    ctrl_l(&mut state);
    assert!(state.lock.is_locked);
    assert_eq!(keys::scope(&state), keys::Scope::Locked);
    let shown = draw(&state);
    assert!(shown.contains("LOCKED"), "{shown}");
    assert!(shown.contains("Passphrase:"), "{shown}");
    assert_shows_no_child(&state, &shown);
    insta::assert_snapshot!("locked_screen", shown);
}

#[test]
fn ctrl_l_locks_from_a_form_and_the_detail_view_too() {
    for open in [
        Intent::Open,
        Intent::NewEscalation,
        Intent::RecordDiscussion,
        Intent::ToggleHelp,
        Intent::StartFilter,
        Intent::StartReview,
    ] {
        let mut state = loaded();
        update(&mut state, Input::Intent(open));
        ctrl_l(&mut state);
        assert!(state.lock.is_locked, "{open:?}");
        assert_shows_no_child(&state, &draw(&state));
        type_text(&mut state, PASSPHRASE);
        enter(&mut state);
        assert!(!state.lock.is_locked, "{open:?}");
    }
}

#[test]
fn only_the_passphrase_unlocks_and_no_other_key_reaches_behind_the_lock() {
    let mut state = loaded();
    ctrl_l(&mut state);
    let screen = state.screen.clone();
    // Every key the dashboard knows, and then some: still locked, nothing moved or opened.
    for (code, modifiers) in [
        (KeyCode::Enter, KeyModifiers::NONE),
        (KeyCode::Esc, KeyModifiers::NONE),
        (KeyCode::Char('p'), KeyModifiers::NONE),
        (KeyCode::Char('q'), KeyModifiers::NONE),
        (KeyCode::Char('n'), KeyModifiers::NONE),
        (KeyCode::Char('l'), KeyModifiers::CONTROL),
        (KeyCode::Char('s'), KeyModifiers::CONTROL),
        (KeyCode::Tab, KeyModifiers::NONE),
        (KeyCode::Down, KeyModifiers::NONE),
        (KeyCode::Right, KeyModifiers::NONE),
        (KeyCode::F(1), KeyModifiers::NONE),
    ] {
        press(&mut state, code, modifiers);
        assert!(state.lock.is_locked, "{code:?} {modifiers:?} unlocked it");
    }
    assert!(!state.should_quit, "q types; it does not quit");
    assert!(state.form.is_none());
    assert_eq!(state.screen, screen);
    // Near misses.
    for wrong in [
        "",
        "correct hors",
        "correct horse ",
        "Correct horse",
        "correct  horse",
    ] {
        type_text(&mut state, wrong);
        enter(&mut state);
        assert!(state.lock.is_locked, "{wrong:?} unlocked it");
        assert!(state.lock.was_wrong || wrong.is_empty());
        assert!(state.lock.typed.is_empty(), "a try is wiped");
    }
    let shown = draw(&state);
    assert!(shown.contains("That is not the passphrase"), "{shown}");
    assert_shows_no_child(&state, &shown);
    // Backspace corrects a slip.
    type_text(&mut state, "correct horsx");
    press(&mut state, KeyCode::Backspace, KeyModifiers::NONE);
    type_text(&mut state, "e");
    enter(&mut state);
    assert!(!state.lock.is_locked);
    assert!(draw(&state).contains("Ava Sample"));
}

#[test]
fn privacy_mode_locks_by_itself_after_the_idle_minutes_and_a_key_resets_them() {
    let mut state = loaded();
    update(&mut state, Input::Intent(Intent::TogglePrivacy));
    assert!(state.is_privacy);
    let tick = |state: &mut State, minutes: i64| {
        update(
            state,
            Input::Msg(Msg::Ticked(now() + Duration::minutes(minutes))),
        );
    };
    tick(&mut state, 9);
    assert!(!state.lock.is_locked, "not yet");
    // A key at minute 9 starts the wait again.
    update(&mut state, Input::Intent(Intent::Down));
    tick(&mut state, 18);
    assert!(!state.lock.is_locked, "9 minutes after the last key");
    tick(&mut state, 19);
    assert!(state.lock.is_locked, "10 minutes after the last key");
    assert!(state.is_dirty, "the lock is drawn at once");
    assert_shows_no_child(&state, &draw(&state));
    // Ticks while locked keep it locked.
    tick(&mut state, 60);
    assert!(state.lock.is_locked);
    type_text(&mut state, PASSPHRASE);
    enter(&mut state);
    assert!(!state.lock.is_locked);
    // Unlocking counts as activity: no lock at the next tick.
    tick(&mut state, 61);
    assert!(!state.lock.is_locked);
}

#[test]
fn without_privacy_mode_or_with_lock_after_0_idle_never_locks() {
    let mut state = loaded();
    assert!(!state.is_privacy);
    update(
        &mut state,
        Input::Msg(Msg::Ticked(now() + Duration::hours(5))),
    );
    assert!(!state.lock.is_locked);
    let config = Config::parse("c.toml", "privacy = true\nlock_after_minutes = 0\n").unwrap();
    assert_eq!(config.lock_after.0, None);
    let mut state = loaded();
    state.lock.after = config.lock_after.0;
    update(&mut state, Input::Intent(Intent::TogglePrivacy));
    update(
        &mut state,
        Input::Msg(Msg::Ticked(now() + Duration::hours(5))),
    );
    assert!(!state.lock.is_locked);
    // Ctrl-L still locks.
    ctrl_l(&mut state);
    assert!(state.lock.is_locked);
}

#[test]
fn lock_after_minutes_is_read_and_checked() {
    assert_eq!(
        Config::default().lock_after.0,
        Some(Duration::minutes(10)),
        "10 minutes unless set"
    );
    let config = Config::parse("c.toml", "lock_after_minutes = 3\n").unwrap();
    assert_eq!(config.lock_after.0, Some(Duration::minutes(3)));
    assert!(Config::parse("c.toml", "lock_after_minutes = \"ten\"\n").is_err());
    for bad in ["-1", "1441"] {
        let error = Config::parse("c.toml", &format!("lock_after_minutes = {bad}\n"));
        let error = error.unwrap_err().to_string();
        assert!(error.contains("lock_after_minutes"), "{error}");
    }
}

#[test]
fn a_plain_database_locks_too_and_enter_unlocks_saying_why() {
    let mut state = loaded();
    state.lock.verifier = None;
    ctrl_l(&mut state);
    let shown = draw(&state);
    assert!(shown.contains("not encrypted"), "{shown}");
    assert_shows_no_child(&state, &shown);
    enter(&mut state);
    assert!(!state.lock.is_locked);
}

#[test]
fn a_paste_behind_the_lock_goes_to_the_passphrase_field_only() {
    let mut state = loaded();
    update(&mut state, Input::Intent(Intent::StartFilter));
    ctrl_l(&mut state);
    update(
        &mut state,
        Input::Msg(Msg::Pasted(format!("{PASSPHRASE}\n"))),
    );
    assert!(state.filter.is_empty(), "nothing reached the filter");
    enter(&mut state);
    assert!(!state.lock.is_locked);
}
