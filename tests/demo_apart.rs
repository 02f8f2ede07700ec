//! The demo never mixes with real records (issue 12): `escalate demo` and `D` on the welcome
//! screen load the fictional children into a database of their own, `escalate-demo.db` beside
//! the default one; the welcome says which database is open, and the header says DEMO.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use escalate::app::{Effect, Input, Msg, State, update};
use escalate::config::Config;
use escalate::core::procedure::ProcedureSet;
use escalate::keys;
use escalate::storage::Store;
use escalate::storage::sqlite::SqliteStore;
use escalate::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tempfile::TempDir;

fn now() -> DateTime<Utc> {
    escalate::core::time::parse_instant("2026-11-23 11:00").unwrap()
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
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn empty_dashboard() -> State {
    let config = Config::default();
    let mut state = State::new(
        ProcedureSet::builtin(),
        config.calendar,
        config.settings,
        vec!["default".into()],
        now(),
        (120, 40),
    );
    state.database = "/home/dsl/.local/share/escalate/escalate.db".into();
    state.demo_database = "/home/dsl/.local/share/escalate/escalate-demo.db".into();
    update(&mut state, Input::Msg(Msg::CaseloadLoaded(Ok(Vec::new()))));
    state
}

#[test]
fn the_welcome_names_the_database_and_where_the_demo_goes() {
    let mut state = empty_dashboard();
    let shown = draw(&state);
    assert!(
        shown.contains("Database: /home/dsl/.local/share/escalate/escalate.db"),
        "{shown}"
    );
    assert!(
        shown.contains("(Into a database of its own, escalate-demo.db, beside this one.)"),
        "{shown}"
    );
    assert!(shown.contains("? shows every key; q quits."), "{shown}");
    assert!(!shown.contains(" DEMO "), "{shown}");
    let effects = match keys::intent(
        keys::scope(&state),
        &KeyEvent::new(KeyCode::Char('D'), KeyModifiers::SHIFT),
    ) {
        Some(intent) => update(&mut state, Input::Intent(intent)),
        None => Vec::new(),
    };
    assert_eq!(effects, [Effect::LoadDemo]);
    // The worker filled the demo's own database and moved to it.
    let effects = update(&mut state, Input::Msg(Msg::DemoLoaded(Ok(13))));
    assert_eq!(effects, [Effect::LoadCaseload]);
    assert!(state.is_demo);
    assert_eq!(
        state.database,
        "/home/dsl/.local/share/escalate/escalate-demo.db"
    );
    let mut store = SqliteStore::open_in_memory().unwrap();
    escalate::demo::fill(
        &mut store,
        &ProcedureSet::builtin(),
        &Config::default(),
        "Test DSL",
        now(),
        1,
    )
    .unwrap();
    update(
        &mut state,
        Input::Msg(Msg::CaseloadLoaded(Ok(store.caseload().unwrap()))),
    );
    let shown = draw(&state);
    assert!(shown.lines().next().unwrap().contains(" DEMO "), "{shown}");
}

/// `escalate demo` without --db fills escalate-demo.db beside the default database, never the
/// default itself.
#[test]
fn escalate_demo_fills_its_own_database() {
    let dir = TempDir::new().unwrap();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_escalate"))
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env("XDG_DATA_HOME", dir.path().join("data"))
            .env("HOME", dir.path())
            .env("USER", "test-dsl")
            .env_remove("ESCALATE_NOW")
            .env_remove("ESCALATE_DB")
            .args(["--now", "2026-11-23 11:00"])
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["demo"]);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let demo = dir.path().join("data/escalate/escalate-demo.db");
    assert!(demo.exists());
    assert!(
        stdout.contains(&format!("escalate --db {} list", demo.display())),
        "{stdout}"
    );
    // The default database holds nothing fictional.
    let out = run(&["list", "--all", "--json"]);
    let listed = String::from_utf8(out.stdout).unwrap();
    assert!(
        !out.status.success() || listed.trim() == "[]",
        "{listed}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run(&["--db", demo.to_str().unwrap(), "list", "--all", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 13);
}
