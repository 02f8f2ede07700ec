//! The dashboard, headless: what it draws (snapshots of the whole screen on a fixed demo
//! caseload at a fixed time, with a few cell styles checked since snapshots hold no colour),
//! how keys and messages change it, and that no size, no text and no resize can break it.
//!
//! Nothing here reads the clock: the caseload is the demo filled at `now()` and every tick is
//! a time given by the test. Snapshots live in `tests/snapshots/`; review a changed one with
//! `cargo insta review` (or `INSTA_UPDATE=always cargo test --test dashboard` and `git diff`).

use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, Duration, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use escalate::app::{DetailTab, Effect, Input, Intent, Msg, Popup, Screen, State, update};
use escalate::config::Config;
use escalate::core::audit::AuditEntry;
use escalate::core::deadline::ClockState;
use escalate::core::procedure::ProcedureSet;
use escalate::core::record::NewEscalationInput;
use escalate::keys;
use escalate::storage::Store;
use escalate::storage::sqlite::SqliteStore;
use escalate::ui::theme::{Role, Theme, builtin_themes};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use ratatui::text::Span;

// ---------------------------------------------------------------------------------------------
// Building a state, drawing it, reading the screen back.

/// The fixed time every test runs at: a Monday morning in November, UK time.
fn now() -> DateTime<Utc> {
    at("2026-11-23 11:00")
}

fn at(text: &str) -> DateTime<Utc> {
    escalate::core::time::parse_instant(text).unwrap()
}

/// The demo caseload, seed 1, filled at `now()`.
fn demo_store() -> SqliteStore {
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
    store
}

/// A state that has loaded `store`'s caseload, `size` = (width, height).
fn loaded(store: &SqliteStore, size: (u16, u16)) -> State {
    let config = Config::default();
    let names = builtin_themes().into_iter().map(|t| t.name).collect();
    let mut state = State::new(
        ProcedureSet::builtin(),
        config.calendar,
        config.settings,
        names,
        now(),
        size,
    );
    let effects = update(
        &mut state,
        Input::Msg(Msg::CaseloadLoaded(Ok(store.caseload().unwrap()))),
    );
    // The demo's closed escalations that owe nothing are handed back to be settled.
    assert!(
        effects.iter().all(|e| matches!(e, Effect::Settle(_))),
        "{effects:?}"
    );
    state
}

fn demo(size: (u16, u16)) -> (SqliteStore, State) {
    let store = demo_store();
    let state = loaded(&store, size);
    (store, state)
}

fn no_color() -> Theme {
    Theme::default().no_color()
}

/// Draws the state as the runtime does, into a test terminal of the state's size.
fn draw(state: &State, theme: &Theme) -> Buffer {
    let mut terminal = Terminal::new(TestBackend::new(state.width, state.height)).unwrap();
    terminal
        .draw(|f| escalate::ui::render(state, theme, f.area(), f.buffer_mut()))
        .unwrap();
    terminal.backend().buffer().clone()
}

/// The cells of one row as (x, symbol), leaving out the cells hidden under a wide character.
fn row_cells(buffer: &Buffer, y: u16) -> Vec<(u16, String)> {
    let mut cells = Vec::new();
    let mut hidden = 0usize;
    for x in 0..buffer.area.width {
        let symbol = buffer[(x, y)].symbol().to_owned();
        if hidden == 0 {
            hidden = Span::raw(symbol.as_str()).width().max(1);
            cells.push((x, symbol));
        }
        hidden -= 1;
    }
    cells
}

fn row_text(buffer: &Buffer, y: u16) -> String {
    row_cells(buffer, y).into_iter().map(|(_, s)| s).collect()
}

/// The screen as text, one line per row, framed so that its edges and blank rows show.
fn screen(buffer: &Buffer) -> String {
    let width = usize::from(buffer.area.width);
    let mut out = format!("+{}+\n", "-".repeat(width));
    for y in 0..buffer.area.height {
        out.push('|');
        out.push_str(&row_text(buffer, y));
        out.push_str("|\n");
    }
    out.push_str(&format!("+{}+\n", "-".repeat(width)));
    out
}

/// Every place `needle` starts on screen, as cells (x, y), top to bottom.
fn find_all(buffer: &Buffer, needle: &str) -> Vec<(u16, u16)> {
    let mut found = Vec::new();
    for y in 0..buffer.area.height {
        let mut text = String::new();
        let mut starts = Vec::new();
        for (x, symbol) in row_cells(buffer, y) {
            starts.push((text.len(), x));
            text.push_str(&symbol);
        }
        for (offset, _) in text.match_indices(needle) {
            if let Some((_, x)) = starts.iter().find(|(start, _)| *start == offset) {
                found.push((*x, y));
            }
        }
    }
    found
}

/// Where `needle` first starts on screen, as a cell (x, y).
fn find(buffer: &Buffer, needle: &str) -> Option<(u16, u16)> {
    find_all(buffer, needle).into_iter().next()
}

/// The text of the card whose first line is `name` (not the notifications panel's mention of
/// it): its lines down to the gap after it, from its left edge to the lane's right border.
/// The name follows the card's edge and its number (`▌ #4 `).
fn card(buffer: &Buffer, name: &str) -> String {
    let is_border = |x: u16, y: u16| matches!(buffer[(x, y)].symbol(), "┃" | "│");
    let left_border = |x: u16, y: u16| {
        let prefix: String = (x.saturating_sub(8)..x)
            .map(|cx| buffer[(cx, y)].symbol().to_owned())
            .collect();
        (x.saturating_sub(8)..x)
            .rev()
            .find(|&cx| is_border(cx, y))
            .filter(|_| prefix.contains('#'))
    };
    let (start, y) = find_all(buffer, name)
        .into_iter()
        .find_map(|(x, y)| Some((left_border(x, y)? + 1, y)))
        .unwrap_or_else(|| panic!("no card for {name}:\n{}", screen(buffer)));
    let mut lines = Vec::new();
    for row in y..(y + 6).min(buffer.area.height) {
        let line: String = row_cells(buffer, row)
            .into_iter()
            .filter(|(cx, _)| *cx >= start)
            .map(|(_, s)| s)
            .take_while(|s| s != "┃" && s != "│")
            .collect();
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            break;
        }
        lines.push(line);
    }
    lines.join("\n")
}

/// Runs of emphasised text (any modifier) on each row, for the NO_COLOR snapshots: what still
/// stands out when there is no colour at all.
fn emphasis(buffer: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buffer.area.height {
        let mut run: Option<(u16, Modifier, String)> = None;
        let mut runs = Vec::new();
        for (x, symbol) in row_cells(buffer, y) {
            let modifier = buffer[(x, y)].modifier;
            match &mut run {
                Some((_, m, text)) if *m == modifier => text.push_str(&symbol),
                _ => {
                    if let Some(done) = run.take() {
                        runs.push(done);
                    }
                    run = Some((x, modifier, symbol));
                }
            }
        }
        runs.extend(run);
        for (x, modifier, text) in runs {
            // Bare border lines are left out (a focused lane's border is reversed all down).
            let is_border = text.chars().all(|c| "┃│━─┏┓┗┛╭╮╰╯ ".contains(c));
            if !modifier.is_empty() && !is_border {
                out.push_str(&format!("{y:>2}:{x:<3} {modifier:?} {text:?}\n"));
            }
        }
    }
    out
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// Presses a key as the runtime does: looked up in the key table for the state's scope.
fn press_event(state: &mut State, event: KeyEvent) -> Vec<Effect> {
    match keys::intent(keys::scope(state), &event) {
        Some(intent) => update(state, Input::Intent(intent)),
        None => Vec::new(),
    }
}

fn press(state: &mut State, code: KeyCode) -> Vec<Effect> {
    press_event(state, key(code))
}

fn press_char(state: &mut State, c: char) -> Vec<Effect> {
    press(state, KeyCode::Char(c))
}

fn type_text(state: &mut State, text: &str) {
    for c in text.chars() {
        press_char(state, c);
    }
}

/// The child's name on the selected card of the focused lane.
fn selected(state: &State) -> String {
    let id = state.selected[state.lane].expect("a selected card");
    state.entry(id).unwrap().child.clone()
}

/// The children on the cards of each lane, in order.
fn lane_children(state: &State) -> Vec<Vec<String>> {
    state
        .lanes
        .iter()
        .map(|lane| {
            lane.cards
                .iter()
                .map(|&i| state.entries[i].child.clone())
                .collect()
        })
        .collect()
}

fn entry_id(state: &State, child: &str) -> i64 {
    state
        .entries
        .iter()
        .find(|e| e.child == child)
        .unwrap_or_else(|| panic!("no entry for {child}"))
        .escalation
        .id
}

/// Opens the selected escalation as the runtime would, loading its audit trail from `store`.
fn open_selected(state: &mut State, store: &SqliteStore) -> i64 {
    let effects = press(state, KeyCode::Enter);
    let [Effect::LoadTrail(id)] = effects.as_slice() else {
        panic!("Enter should ask for the audit trail, got {effects:?}");
    };
    let id = *id;
    update(
        state,
        Input::Msg(Msg::TrailLoaded {
            id,
            trail: Ok(store.audit_trail(Some(id)).unwrap()),
        }),
    );
    id
}

/// Focuses the card for `child`, by its lane and position.
fn select_child(state: &mut State, child: &str) {
    let (lane, position) = lane_children(state)
        .iter()
        .enumerate()
        .find_map(|(lane, cards)| Some((lane, cards.iter().position(|c| c == child)?)))
        .unwrap_or_else(|| panic!("{child} is on no card"));
    update(
        state,
        Input::Intent(Intent::JumpToLane(u8::try_from(lane + 1).unwrap())),
    );
    for _ in 0..state.lanes[lane].cards.len() {
        update(state, Input::Intent(Intent::Up));
    }
    for _ in 0..position {
        update(state, Input::Intent(Intent::Down));
    }
    assert_eq!(selected(state), child);
}

fn new_input(procedure: &str, child: &str, raised_at: DateTime<Utc>) -> NewEscalationInput {
    NewEscalationInput {
        procedure: procedure.to_owned(),
        partnership: None,
        child_name: child.to_owned(),
        child_dob: None,
        child_ref: Some("TEST-1".to_owned()),
        raised_by: "Sam Test (DSL)".to_owned(),
        agency: "Test School".to_owned(),
        raised_with: "Test Children's Services".to_owned(),
        category: "thresholds".to_owned(),
        summary: "A test escalation.".to_owned(),
        outcome_sought: None,
        concern_at: None,
        raised_at: Some(raised_at),
        immediate_risk: false,
    }
}

/// Records an escalation through the same checks and store call as the command line.
fn record(store: &mut SqliteStore, input: &NewEscalationInput) -> i64 {
    let procedures = ProcedureSet::builtin();
    let checked = input
        .check(procedures.get(&input.procedure).unwrap(), now())
        .unwrap();
    store.create(&checked, "Test DSL", now()).unwrap()
}

const SIZES: [(u16, u16); 3] = [(80, 24), (120, 40), (200, 50)];

// ---------------------------------------------------------------------------------------------
// Snapshots.

#[test]
fn the_dashboard_at_three_sizes_in_the_default_theme_and_without_colour() {
    for (width, height) in SIZES {
        let (_store, state) = demo((width, height));
        let coloured = screen(&draw(&state, &Theme::default()));
        insta::assert_snapshot!(format!("dashboard_{width}x{height}"), coloured);

        let plain = draw(&state, &no_color());
        assert_eq!(
            screen(&plain),
            coloured,
            "NO_COLOR must change no words at {width}x{height}"
        );
        insta::assert_snapshot!(
            format!("dashboard_{width}x{height}_no_color"),
            format!(
                "{}\nEmphasis without colour (row:column modifiers text):\n{}",
                screen(&plain),
                emphasis(&plain)
            )
        );
    }
}

#[test]
fn the_detail_view_record_and_audit_tabs() {
    for (width, height) in [(120, 40), (80, 24)] {
        let (store, mut state) = demo((width, height));
        select_child(&mut state, "Ava Sample");
        let id = open_selected(&mut state, &store);
        assert_eq!(
            state.screen,
            Screen::Detail {
                id,
                tab: DetailTab::Record,
                scroll: 0
            }
        );
        insta::assert_snapshot!(
            format!("detail_record_{width}x{height}"),
            screen(&draw(&state, &Theme::default()))
        );
        press(&mut state, KeyCode::Tab);
        insta::assert_snapshot!(
            format!("detail_audit_{width}x{height}"),
            screen(&draw(&state, &Theme::default()))
        );
    }
}

#[test]
fn the_detail_view_of_a_stage_4_escalation_scrolled() {
    let (store, mut state) = demo((120, 40));
    select_child(&mut state, "Mia Placeholder");
    open_selected(&mut state, &store);
    for _ in 0..20 {
        press_char(&mut state, 'j');
    }
    insta::assert_snapshot!(
        "detail_record_stage_4_scrolled_120x40",
        screen(&draw(&state, &Theme::default()))
    );
}

#[test]
fn the_welcome_screen_on_an_empty_database() {
    let store = SqliteStore::open_in_memory().unwrap();
    for (width, height) in [(80, 24), (120, 40)] {
        let state = loaded(&store, (width, height));
        assert!(state.is_empty());
        let shown = screen(&draw(&state, &Theme::default()));
        insta::assert_snapshot!(format!("welcome_{width}x{height}"), shown);
        assert!(
            shown.contains("escalate new"),
            "how to record one:\n{shown}"
        );
        assert!(shown.contains(" D "), "how to load the demo:\n{shown}");
    }
}

#[test]
fn the_welcome_text_is_whole_at_80x24() {
    // Every line of the welcome, including its last, fits an 80x24 terminal.
    let store = SqliteStore::open_in_memory().unwrap();
    let state = loaded(&store, (80, 24));
    let shown = screen(&draw(&state, &Theme::default()));
    for line in [
        "Welcome to escalate",
        "To record your first escalation",
        "press  D .",
        "? shows every key; q quits.",
    ] {
        assert!(shown.contains(line), "{line:?} is cut off:\n{shown}");
    }
}

#[test]
fn the_help_popup() {
    let (_store, mut state) = demo((120, 40));
    press_char(&mut state, '?');
    insta::assert_snapshot!("help_120x40", screen(&draw(&state, &Theme::default())));
}

#[test]
fn the_too_small_message() {
    let (_store, state) = demo((59, 14));
    let shown = screen(&draw(&state, &Theme::default()));
    insta::assert_snapshot!("too_small_59x14", shown);
    assert!(shown.contains("too small (59x14)"), "{shown}");
    assert!(shown.contains("60x15"), "{shown}");
}

#[test]
fn privacy_mode_dashboard_and_detail() {
    let (store, mut state) = demo((120, 40));
    press_char(&mut state, 'p');
    insta::assert_snapshot!(
        "privacy_dashboard_120x40",
        screen(&draw(&state, &Theme::default()))
    );
    select_child(&mut state, "Leo Example");
    open_selected(&mut state, &store);
    insta::assert_snapshot!(
        "privacy_detail_record_120x40",
        screen(&draw(&state, &Theme::default()))
    );
}

#[test]
fn an_active_filter_while_typing_and_kept() {
    let (_store, mut state) = demo((120, 40));
    press_char(&mut state, '/');
    type_text(&mut state, "mash");
    insta::assert_snapshot!(
        "filter_typing_mash_120x40",
        screen(&draw(&state, &Theme::default()))
    );
    press(&mut state, KeyCode::Enter);
    let (_store, mut narrow) = demo((80, 24));
    press_char(&mut narrow, '/');
    type_text(&mut narrow, "staffordshire");
    press(&mut narrow, KeyCode::Enter);
    press_char(&mut narrow, '2');
    insta::assert_snapshot!(
        "filter_kept_staffordshire_80x24",
        screen(&draw(&narrow, &Theme::default()))
    );
}

// ---------------------------------------------------------------------------------------------
// Styles: what the snapshots cannot see.

#[test]
fn an_overdue_countdown_is_drawn_in_the_overdue_colour() {
    let theme = Theme::default();
    let overdue = theme.style(Role::Overdue);
    assert!(overdue.fg.is_some());
    for size in SIZES {
        let (_store, mut state) = demo(size);
        if state.is_tabbed() {
            // One lane at a time on a narrow screen: the second has overdue cards.
            press_char(&mut state, '2');
        }
        let buffer = draw(&state, &theme);
        // The first card on screen that is overdue, in the focused or another lane.
        let (x, y) = find(&buffer, "!! OVERDUE").expect("an overdue countdown on screen");
        for dx in 0.."!! OVERDUE".len() {
            let cell = &buffer[(x + u16::try_from(dx).unwrap(), y)];
            assert_eq!(
                Some(cell.fg),
                overdue.fg,
                "{size:?}: cell {dx} of an OVERDUE countdown"
            );
            assert!(cell.modifier.contains(Modifier::BOLD), "{size:?}");
        }
        // A countdown that is not overdue is not in the overdue colour.
        let (x, y) = find(&buffer, "due 17:00 today").expect("a due-today countdown");
        assert_eq!(Some(buffer[(x, y)].fg), theme.style(Role::DueToday).fg);
        assert_ne!(buffer[(x, y)].fg, overdue.fg.unwrap());
        // The immediate-risk mark has the loudest style (in the first lane's tab when narrow).
        let buffer = if state.is_tabbed() {
            press_char(&mut state, '1');
            draw(&state, &theme)
        } else {
            buffer
        };
        let (x, y) = find(&buffer, "IMMEDIATE RISK").unwrap();
        assert_eq!(
            Some(buffer[(x, y)].bg),
            theme.style(Role::ImmediateRisk).bg,
            "{size:?}"
        );
    }
}

#[test]
fn without_colour_every_cell_uses_the_terminal_colours_and_emphasis_remains() {
    let theme = no_color();
    let check_cells = |buffer: &Buffer, what: &str| {
        for (i, cell) in buffer.content.iter().enumerate() {
            assert!(
                cell.fg == Color::Reset && cell.bg == Color::Reset,
                "{what}: cell {i} ({:?}) has colour {:?} on {:?}",
                cell.symbol(),
                cell.fg,
                cell.bg
            );
        }
    };
    for size in SIZES {
        let (store, mut state) = demo(size);
        let buffer = draw(&state, &theme);
        check_cells(&buffer, &format!("dashboard {size:?}"));
        // The selected card's bar keeps a modifier, so focus shows without colour.
        let (x, y) = find(&buffer, "▌ #1 Ava Sample").expect("the selected card");
        assert!(
            buffer[(x, y)].modifier.contains(Modifier::REVERSED),
            "{size:?}: {:?}",
            buffer[(x, y)].modifier
        );
        assert!(buffer[(x + 5, y)].modifier.contains(Modifier::REVERSED));
        // Urgency stays visible: immediate risk reversed, bold and underlined; overdue bold
        // (on a narrow screen, in the second lane's tab).
        let (x, y) = find(&buffer, "IMMEDIATE RISK").unwrap();
        assert!(
            buffer[(x, y)]
                .modifier
                .contains(Modifier::REVERSED | Modifier::BOLD | Modifier::UNDERLINED),
            "{size:?}"
        );
        if state.is_tabbed() {
            press_char(&mut state, '2');
        }
        let buffer = draw(&state, &theme);
        let (x, y) = find(&buffer, "OVERDUE").unwrap();
        assert!(buffer[(x, y)].modifier.contains(Modifier::BOLD), "{size:?}");
        // And on every other screen.
        open_selected(&mut state, &store);
        check_cells(&draw(&state, &theme), &format!("detail {size:?}"));
        press(&mut state, KeyCode::Tab);
        check_cells(&draw(&state, &theme), &format!("audit {size:?}"));
        press_char(&mut state, '?');
        check_cells(&draw(&state, &theme), &format!("help {size:?}"));
    }
    let welcome = loaded(&SqliteStore::open_in_memory().unwrap(), (80, 24));
    check_cells(&draw(&welcome, &theme), "welcome");
    let (_store, small) = demo((40, 10));
    check_cells(&draw(&small, &theme), "too small");
}

// ---------------------------------------------------------------------------------------------
// Update: keys, ticks, resizes.

#[test]
fn the_demo_lanes_are_sorted_by_urgency() {
    let (_store, state) = demo((120, 40));
    assert_eq!(
        lane_children(&state),
        [
            vec!["Ava Sample", "Oliver Specimen", "Yusuf Démo"],
            // Leo's Appendix 2 is overdue, so his card sorts (and reads) OVERDUE before Noah's.
            vec!["Leo Example", "Noah Fictional", "Amara Exemplar"],
            vec!["Isla Model", "Zoë Ångström"],
            vec!["محمد علي (demo)", "Mia Placeholder"],
        ]
    );
    for lane in &state.lanes {
        let dues: Vec<_> = lane
            .cards
            .iter()
            .map(|&i| &state.entries[i])
            .filter(|e| !e.is_immediate_risk())
            .map(|e| e.urgent.as_ref().map(|u| u.due_at))
            .collect();
        assert!(dues.is_sorted(), "lane {}: {dues:?}", lane.stage);
    }
}

#[test]
fn an_immediate_risk_escalation_is_pinned_to_the_top_of_its_lane_and_marked() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    // Overdue: raised two weeks ago, its five working days long gone.
    record(
        &mut store,
        &new_input("london", "Olive Overdue", at("2026-11-09 09:00")),
    );
    // Raised this morning at immediate risk: due later than the overdue one, but pinned.
    let mut risk = new_input("london", "Rita Risk", at("2026-11-23 10:00"));
    risk.immediate_risk = true;
    record(&mut store, &risk);
    record(
        &mut store,
        &new_input("london", "Dan Duesoon", at("2026-11-18 09:00")),
    );
    let state = loaded(&store, (120, 40));
    assert_eq!(
        lane_children(&state)[0],
        ["Rita Risk", "Olive Overdue", "Dan Duesoon"]
    );
    let buffer = draw(&state, &Theme::default());
    let risk_card = card(&buffer, "Rita Risk");
    assert!(risk_card.contains("IMMEDIATE RISK"), "{risk_card}");
    assert!(
        !card(&buffer, "Olive Overdue").contains("IMMEDIATE RISK"),
        "{}",
        screen(&buffer)
    );
    let rita = find(&buffer, "Rita Risk").unwrap();
    let olive = find(&buffer, "Olive Overdue").unwrap();
    let dan = find(&buffer, "Dan Duesoon").unwrap();
    assert!(rita.1 < olive.1 && olive.1 < dan.1, "{}", screen(&buffer));
}

#[test]
fn lanes_are_headed_with_their_count_and_overdue_count() {
    let (_store, state) = demo((200, 50));
    let counts: Vec<(usize, usize)> = state
        .lanes
        .iter()
        .map(|l| (l.cards.len(), l.overdue))
        .collect();
    // Stage 3: Isla Model (Barnet, whose stage clocks count from the raise) and Zoë Ångström
    // (Staffordshire, whose Head of Service has not been recorded as contacting their equivalent:
    // a discussion does not meet that clock) are both overdue.
    // Stage 1: Ava Sample's immediate risk was recognised before working hours (09:00), out of
    // hours for Pan Bedfordshire's "same working day", so it is due at once and unmet.
    assert_eq!(counts, [(3, 1), (3, 2), (2, 2), (2, 1)]);
    let open: usize = state.lanes.iter().map(|l| l.cards.len()).sum();
    assert_eq!(state.totals.open, open);
    let shown = screen(&draw(&state, &Theme::default()));
    // Each number says what it counts.
    assert!(shown.contains("Escalations: 10 open"), "{shown}");
    assert!(
        shown.contains("Notifications: 4 owed · 3 overdue !!"),
        "{shown}"
    );
    assert!(shown.contains("1 due today"), "{shown}");
}

#[test]
fn cards_show_the_countdown_of_their_most_urgent_clock() {
    let (_store, state) = demo((200, 50));
    let buffer = draw(&state, &Theme::default());
    let shown = screen(&buffer);
    // `due 17:00 today`, `OVERDUE 8h 0m`, and the working days where a clock counts them.
    assert!(
        card(&buffer, "Oliver Specimen").contains("due 17:00 today"),
        "{shown}"
    );
    assert!(card(&buffer, "Noah Fictional").contains("OVERDUE 8h 0m"));
    assert!(
        card(&buffer, "Yusuf Démo").contains("7d 6h · 5 working days"),
        "{shown}"
    );
    // Each card names the other agency and the procedure.
    let noah = card(&buffer, "Noah Fictional");
    assert!(noah.contains("Police public protection unit"), "{noah}");
    let oliver = card(&buffer, "Oliver Specimen");
    assert!(oliver.contains("barnet · Barnet MASH"), "{oliver}");
    // An overdue notification is what Leo's card counts down to.
    assert!(
        card(&buffer, "Leo Example").contains("OVERDUE 3d 18h  appendix-2 to send"),
        "{shown}"
    );
}

#[test]
fn at_200x50_every_card_shows_its_procedure_and_whole_countdown() {
    // "At 200x50 everything at once": each card names its procedure, and its countdown is whole.
    let (_store, state) = demo((200, 50));
    let buffer = draw(&state, &Theme::default());
    let mut problems = Vec::new();
    for entry in state.entries.iter().filter(|e| e.is_open()) {
        let shown = card(&buffer, &entry.child);
        let mut wanted = vec![entry.escalation.procedure.clone()];
        wanted.extend(entry.urgent.as_ref().map(|u| u.countdown.compact()));
        for text in wanted {
            if !shown.contains(&text) {
                problems.push(format!("{}: {text:?} is cut off:\n{shown}", entry.child));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn at_120_columns_a_card_keeps_its_whole_countdown() {
    // A DSL at a 120-column terminal must read the whole countdown, including the working
    // days, on every card.
    let (_store, state) = demo((120, 40));
    let buffer = draw(&state, &Theme::default());
    for entry in state.entries.iter().filter(|e| e.is_open()) {
        let Some(urgent) = &entry.urgent else {
            continue;
        };
        let countdown = urgent.countdown.compact();
        let shown = card(&buffer, &entry.child);
        assert!(
            shown.contains(&countdown),
            "{}'s card cuts its countdown {countdown:?}:\n{shown}",
            entry.child
        );
    }
}

#[test]
fn the_notifications_panel_lists_what_is_owed_overdue_first() {
    for size in SIZES {
        let (_store, mut state) = demo(size);
        show_notifications(&mut state);
        let buffer = draw(&state, &Theme::default());
        let rows: Vec<_> = state
            .notifications
            .iter()
            .map(|row| {
                let entry = &state.entries[row.entry];
                (entry, &entry.schedule.notifications[row.index])
            })
            .collect();
        assert_eq!(rows.len(), 4);
        assert!(rows.iter().all(|(_, n)| n.sent_at.is_none()));
        let states: Vec<ClockState> = rows.iter().map(|(_, n)| n.state).collect();
        assert!(
            states
                .iter()
                .skip_while(|s| **s == ClockState::Overdue)
                .all(|s| *s != ClockState::Overdue),
            "overdue first: {states:?}"
        );
        // On screen in that order, each with the id `escalate notify` takes, and its child.
        let mut last_y = 0;
        for (entry, n) in rows {
            let id = &n.id;
            let (_, y) = find(&buffer, &format!("{id} {}", entry.child))
                .unwrap_or_else(|| panic!("{size:?}: no row for {id}\n{}", screen(&buffer)));
            assert!(y > last_y, "{size:?}: rows out of order");
            last_y = y;
        }
    }
}

/// Brings the notifications owed into view: on a narrow screen they are a tab of their own,
/// reached with → past the last lane; on a wide one they are always shown.
fn show_notifications(state: &mut State) {
    if state.is_tabbed() {
        for _ in 0..state.lanes.len() {
            press(state, KeyCode::Right);
        }
        assert!(
            state.is_owed_tab(),
            "→ past the last lane opens the notifications tab"
        );
    }
}

#[test]
fn each_notification_row_names_its_recipient_and_due_time() {
    // The panel lists the notification's id (what `escalate notify` takes), recipient, child and
    // due for every notification not yet sent.
    let mut problems = Vec::new();
    for size in SIZES {
        let (_store, mut state) = demo(size);
        show_notifications(&mut state);
        let buffer = draw(&state, &Theme::default());
        for row in &state.notifications {
            let entry = &state.entries[row.entry];
            let n = &entry.schedule.notifications[row.index];
            let (x, y) = find(&buffer, &format!("{} {}", n.id, entry.child)).unwrap();
            // A row is one line where it fits, else two: what and whose, then when and to whom.
            let mut line: String = row_cells(&buffer, y)
                .into_iter()
                .filter(|(cx, _)| *cx >= x)
                .map(|(_, s)| s)
                .collect();
            line.push_str(&row_text(&buffer, y + 1));
            // Where a name will not fit, the documents' own abbreviations stand in for it.
            let recipient = if line.contains(n.recipient.as_str()) {
                n.recipient.clone()
            } else {
                n.recipient
                    .replace("Safeguarding Children Partnership", "SCP")
                    .replace("Safeguarding Children Board", "SCB")
            };
            let due = n
                .due_at
                .with_timezone(&escalate::core::calendar::LONDON)
                .format("%a %-d %b %Y %H:%M")
                .to_string();
            for (what, text) in [("recipient", recipient.as_str()), ("due time", &due)] {
                if !line.contains(text) {
                    problems.push(format!(
                        "{}x{}: {} for {} lacks its {what} {text:?}: {}",
                        size.0,
                        size.1,
                        n.id,
                        entry.child,
                        line.trim_end()
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn arrows_and_hjkl_move_between_lanes_and_cards_and_stop_at_the_edges() {
    let (_store, mut state) = demo((120, 40));
    assert_eq!((state.lane, selected(&state).as_str()), (0, "Ava Sample"));
    // Up at the top stays at the top.
    press(&mut state, KeyCode::Up);
    press_char(&mut state, 'k');
    assert_eq!(selected(&state), "Ava Sample");
    press_char(&mut state, 'j');
    assert_eq!(selected(&state), "Oliver Specimen");
    press(&mut state, KeyCode::Down);
    assert_eq!(selected(&state), "Yusuf Démo");
    press_char(&mut state, 'j');
    press(&mut state, KeyCode::Down);
    assert_eq!(
        selected(&state),
        "Yusuf Démo",
        "down stops at the last card"
    );
    press_char(&mut state, 'k');
    assert_eq!(selected(&state), "Oliver Specimen");
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(shown.contains("▌ #10 Oliver Specimen"), "{shown}");
    assert!(!shown.contains("▌ #1 Ava Sample"), "{shown}");

    // Left at the first lane stays there.
    press(&mut state, KeyCode::Left);
    press_char(&mut state, 'h');
    assert_eq!(state.lane, 0);
    press_char(&mut state, 'l');
    assert_eq!((state.lane, selected(&state).as_str()), (1, "Leo Example"));
    press(&mut state, KeyCode::Right);
    press(&mut state, KeyCode::Right);
    assert_eq!(state.lane, 3);
    assert_eq!(selected(&state), "محمد علي (demo)");
    // Past the last lane, the notifications panel takes the focus, and right stops there.
    press(&mut state, KeyCode::Right);
    press(&mut state, KeyCode::Right);
    assert!(
        state.is_owed_focus(),
        "right stops at the notifications panel"
    );
    press(&mut state, KeyCode::Left);
    press(&mut state, KeyCode::Left);
    assert_eq!(state.lane, 2);
    press_char(&mut state, 'h');
    press_char(&mut state, 'h');
    // Each lane remembers its selected card.
    assert_eq!(
        (state.lane, selected(&state).as_str()),
        (0, "Oliver Specimen")
    );
}

#[test]
fn tab_wraps_round_and_number_keys_jump_to_a_lane() {
    let (_store, mut state) = demo((120, 40));
    press(&mut state, KeyCode::Tab);
    assert_eq!(state.lane, 1);
    press_char(&mut state, '4');
    assert_eq!(state.lane, 3);
    press(&mut state, KeyCode::Tab);
    assert!(
        state.is_owed_focus(),
        "after the last lane, the notifications panel"
    );
    press(&mut state, KeyCode::Tab);
    assert_eq!(state.lane, 0, "Tab wraps round to the first lane");
    press_event(
        &mut state,
        KeyEvent::new(KeyCode::BackTab, KeyModifiers::SHIFT),
    );
    assert!(
        state.is_owed_focus(),
        "Shift-Tab wraps from the first lane to the notifications panel"
    );
    press_char(&mut state, '3');
    assert_eq!((state.lane, selected(&state).as_str()), (2, "Isla Model"));
    press_char(&mut state, '1');
    assert_eq!(state.lane, 0);
    press_char(&mut state, '2');
    assert_eq!(state.lane, 1);
    // There is no fifth stage in the built-in procedures: 5 changes nothing.
    press_char(&mut state, '5');
    assert_eq!(state.lane, 1);
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(shown.contains("▌ #2 Leo Example"), "{shown}");
}

#[test]
fn typing_a_filter_narrows_the_lanes_and_the_notifications() {
    let (_store, mut state) = demo((120, 40));
    let all: usize = state.lanes.iter().map(|l| l.cards.len()).sum();
    press_char(&mut state, '/');
    assert!(state.is_filtering);
    assert_eq!(keys::scope(&state), keys::Scope::Filter);

    // By child: keys that mean something elsewhere (q, j, l) type in the filter.
    type_text(&mut state, "leo");
    assert_eq!(state.filter, "leo");
    assert!(!state.should_quit);
    let children = lane_children(&state).concat();
    assert_eq!(children, ["Leo Example"]);
    assert_eq!(state.notifications.len(), 1);
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(shown.contains("Filter: leo"), "{shown}");
    assert!(shown.contains("appendix-2 Leo Example"), "{shown}");
    assert!(!shown.contains("Ava Sample"), "{shown}");
    assert!(!shown.contains("inform-referrer"), "{shown}");

    // Backspace widens it again; a filter matching nothing leaves empty lanes.
    type_text(&mut state, "q");
    assert!(!state.should_quit, "q types while filtering");
    assert!(lane_children(&state).concat().is_empty());
    assert!(state.notifications.is_empty());
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(
        shown.contains("None owed among the filtered escalations."),
        "{shown}"
    );
    press(&mut state, KeyCode::Backspace);
    assert_eq!(lane_children(&state).concat(), ["Leo Example"]);
    for _ in 0..3 {
        press(&mut state, KeyCode::Backspace);
    }
    assert_eq!(state.filter, "");
    assert_eq!(lane_children(&state).concat().len(), all);

    // By the other agency, in any case.
    type_text(&mut state, "MASH");
    let mut children = lane_children(&state).concat();
    children.sort();
    assert_eq!(children, ["Ava Sample", "Oliver Specimen", "Zoë Ångström"]);

    // Esc clears the filter and leaves the filter.
    press(&mut state, KeyCode::Esc);
    assert!(!state.is_filtering);
    assert_eq!(state.filter, "");
    assert_eq!(lane_children(&state).concat().len(), all);
    assert_eq!(state.notifications.len(), 4);

    // By procedure, by its id or its title; Enter keeps it and Esc on the dashboard clears it.
    press_char(&mut state, '/');
    type_text(&mut state, "staffordshire");
    let mut children = lane_children(&state).concat();
    children.sort();
    assert_eq!(children, ["Noah Fictional", "Zoë Ångström"]);
    press(&mut state, KeyCode::Enter);
    assert!(!state.is_filtering);
    assert_eq!(state.filter, "staffordshire");
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(shown.contains("Filtered by: staffordshire"), "{shown}");
    press_char(&mut state, 'j');
    assert_eq!(
        state.filter, "staffordshire",
        "j moves once the filter is kept"
    );
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.filter, "");
    press_char(&mut state, '/');
    type_text(&mut state, "Conflict Resolution");
    let mut children = lane_children(&state).concat();
    children.sort();
    assert_eq!(
        children,
        ["Amara Exemplar", "Yusuf Démo", "محمد علي (demo)"],
        "the London procedure's title"
    );
}

#[test]
fn privacy_mode_shows_initials_everywhere_and_no_name_anywhere() {
    let (store, mut state) = demo((120, 40));
    // Every child's name, and each part of it that is a name (not the "(demo)" tag).
    let names: Vec<String> = state.entries.iter().map(|e| e.child.clone()).collect();
    let mut forbidden: Vec<String> = names.clone();
    for name in &names {
        forbidden.extend(
            name.split_whitespace()
                .filter(|w| w.chars().count() >= 3 && !w.contains("demo"))
                .map(str::to_owned),
        );
    }
    press_char(&mut state, 'p');
    assert!(state.is_privacy);
    let check = |buffer: &Buffer, what: &str| {
        let shown = screen(buffer);
        for name in &forbidden {
            assert!(
                !shown.contains(name.as_str()),
                "{what}: {name:?} is on screen in privacy mode:\n{shown}"
            );
        }
    };
    for size in SIZES {
        update(
            &mut state,
            Input::Msg(Msg::Resized {
                width: size.0,
                height: size.1,
            }),
        );
        for lane in 1..=4 {
            press_char(&mut state, char::from(b'0' + lane));
            let buffer = draw(&state, &Theme::default());
            check(&buffer, &format!("dashboard {size:?} lane {lane}"));
        }
        press_char(&mut state, '1');
        let shown = screen(&draw(&state, &Theme::default()));
        assert!(shown.contains("▌ #1 A.S."), "{shown}");
    }
    // In the notifications panel too (narrowed to one), and in the detail view, both tabs.
    press_char(&mut state, '/');
    type_text(&mut state, "leo");
    let buffer = draw(&state, &Theme::default());
    check(&buffer, "filtered");
    assert!(screen(&buffer).contains("appendix-2 L.E."));
    press(&mut state, KeyCode::Enter);
    select_child(&mut state, "Leo Example");
    let id = open_selected(&mut state, &store);
    let buffer = draw(&state, &Theme::default());
    check(&buffer, "detail record");
    let shown = screen(&buffer);
    assert!(shown.contains(&format!("Escalation {id}: L.E.")), "{shown}");
    assert!(shown.contains("Child: L.E."), "{shown}");
    press(&mut state, KeyCode::Tab);
    check(&draw(&state, &Theme::default()), "detail audit");
    press(&mut state, KeyCode::Esc);
    // p again shows the names.
    press_char(&mut state, 'p');
    assert!(screen(&draw(&state, &Theme::default())).contains("Leo Example"));
}

#[test]
fn the_privacy_label_is_whole_in_the_header_at_every_size() {
    // A DSL in a shared office must be able to see that privacy mode is on.
    for size in SIZES {
        let (_store, mut state) = demo(size);
        press_char(&mut state, 'p');
        let buffer = draw(&state, &Theme::default());
        let header = row_text(&buffer, 0);
        assert!(
            header.contains(" PRIVACY "),
            "{size:?}: the header cuts the privacy label: {:?}",
            header.trim_end()
        );
    }
}

#[test]
fn a_resize_switches_between_lanes_tabs_and_too_small() {
    let (_store, mut state) = demo((120, 40));
    press_char(&mut state, 'l');
    press_char(&mut state, 'j');
    let side_by_side = |buffer: &Buffer| {
        ["Ava Sample", "Leo Example", "Isla Model", "Mia Placeholder"]
            .iter()
            .all(|name| find(buffer, name).is_some())
    };
    assert!(side_by_side(&draw(&state, &Theme::default())));

    state.is_dirty = false;
    update(
        &mut state,
        Input::Msg(Msg::Resized {
            width: 80,
            height: 24,
        }),
    );
    assert!(state.is_dirty, "a resize redraws");
    assert!(state.is_tabbed());
    let buffer = draw(&state, &Theme::default());
    let shown = screen(&buffer);
    assert!(!side_by_side(&buffer), "{shown}");
    // The focused lane in full in its border, its tab short with every number labelled, the
    // others shortened to their stage and whether anything in them is overdue.
    assert!(shown.contains("Stage 2: 3 open · 2 overdue !!"), "{shown}");
    assert!(shown.contains(" S2: 3 open · 2 late!! "), "{shown}");
    assert!(shown.contains(" S1!! "), "{shown}");
    assert!(shown.contains(" S3!! "), "{shown}");
    assert!(shown.contains("▌ #4 Noah Fictional"), "{shown}");
    assert!(!shown.contains("Ava Sample"), "{shown}");

    update(
        &mut state,
        Input::Msg(Msg::Resized {
            width: 50,
            height: 12,
        }),
    );
    assert!(state.is_too_small());
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(shown.contains("too small (50x12)"), "{shown}");
    assert!(!shown.contains("Leo Example"), "{shown}");

    update(
        &mut state,
        Input::Msg(Msg::Resized {
            width: 120,
            height: 40,
        }),
    );
    let buffer = draw(&state, &Theme::default());
    assert!(side_by_side(&buffer), "{}", screen(&buffer));
    assert_eq!(
        (state.lane, selected(&state).as_str()),
        (1, "Noah Fictional")
    );

    // The edges of "too small".
    for (size, is_small) in [
        ((60, 15), false),
        ((59, 15), true),
        ((60, 14), true),
        ((59, 14), true),
    ] {
        update(
            &mut state,
            Input::Msg(Msg::Resized {
                width: size.0,
                height: size.1,
            }),
        );
        let shown = screen(&draw(&state, &Theme::default()));
        assert_eq!(shown.contains("too small"), is_small, "{size:?}\n{shown}");
    }
}

#[test]
fn a_clock_passing_its_deadline_turns_overdue_between_two_ticks() {
    let (_store, mut state) = demo((80, 24));
    // Oliver's most urgent clock is due at 17:00 today.
    let oliver = entry_id(&state, "Oliver Specimen");
    let due = state.entry(oliver).unwrap().urgent.as_ref().unwrap().due_at;
    assert_eq!(due, at("2026-11-23 17:00"));
    press_char(&mut state, 'j');
    assert_eq!(selected(&state), "Oliver Specimen");

    let tick = |state: &mut State, t: DateTime<Utc>| {
        state.is_dirty = false; // as after a draw
        let effects = update(state, Input::Msg(Msg::Ticked(t)));
        assert!(
            !effects
                .iter()
                .any(|e| matches!(e, Effect::LoadTrail(_) | Effect::LoadDemo)),
            "{effects:?}"
        );
        state.is_dirty
    };

    assert!(tick(&mut state, due - Duration::seconds(1)));
    let urgent = state.entry(oliver).unwrap().urgent.clone().unwrap();
    assert_eq!(urgent.state, ClockState::DueToday);
    let before = card(&draw(&state, &Theme::default()), "Oliver Specimen");
    assert!(before.contains("due 17:00 today"), "{before}");
    assert!(!before.contains("OVERDUE"), "{before}");
    let overdue_before = state.totals.overdue;

    assert!(
        tick(&mut state, due + Duration::seconds(1)),
        "crossing a deadline must redraw"
    );
    let urgent = state.entry(oliver).unwrap().urgent.clone().unwrap();
    assert_eq!(urgent.state, ClockState::Overdue);
    let buffer = draw(&state, &Theme::default());
    let after = card(&buffer, "Oliver Specimen");
    assert!(after.contains("!! OVERDUE"), "{after}");
    assert!(state.totals.overdue > overdue_before);
    assert!(screen(&buffer).contains(&format!("{} overdue", state.totals.overdue)));

    // A tick in the same minute that changes nothing on screen does not redraw.
    assert!(!tick(&mut state, due + Duration::seconds(2)));
    assert!(!tick(&mut state, due + Duration::seconds(30)));
    let same = card(&draw(&state, &Theme::default()), "Oliver Specimen");
    assert_eq!(same, after);
    // The next minute changes the header's time: it redraws.
    assert!(tick(&mut state, due + Duration::seconds(61)));
}

#[test]
fn an_idle_dashboard_does_not_redraw_within_a_minute() {
    let (_store, mut state) = demo((120, 40));
    let tick = |state: &mut State, seconds: i64| {
        state.is_dirty = false; // as after a draw
        update(
            state,
            Input::Msg(Msg::Ticked(now() + Duration::seconds(seconds))),
        );
        state.is_dirty
    };
    // Countdowns count whole minutes, so the first second of a minute can change them.
    tick(&mut state, 30);
    let before = screen(&draw(&state, &Theme::default()));
    for seconds in [31, 45, 59] {
        assert!(
            !tick(&mut state, seconds),
            "a tick at 11:00:{seconds} redrew"
        );
    }
    assert_eq!(screen(&draw(&state, &Theme::default())), before);
    assert!(
        tick(&mut state, 60),
        "the minute shown in the header changed"
    );
    assert_ne!(screen(&draw(&state, &Theme::default())), before);
}

#[test]
fn enter_opens_the_detail_and_esc_returns() {
    let (store, mut state) = demo((120, 40));
    press_char(&mut state, 'l');
    let leo = entry_id(&state, "Leo Example");
    let effects = press(&mut state, KeyCode::Enter);
    assert_eq!(effects, [Effect::LoadTrail(leo)]);
    assert_eq!(
        state.screen,
        Screen::Detail {
            id: leo,
            tab: DetailTab::Record,
            scroll: 0
        }
    );
    assert_eq!(keys::scope(&state), keys::Scope::Detail);
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(
        shown.contains(&format!("Escalation {leo}: Leo Example")),
        "{shown}"
    );
    assert!(shown.contains("Stage timeline"), "{shown}");
    // The audit tab says it is loading until the trail arrives.
    press(&mut state, KeyCode::Tab);
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(shown.contains("Loading the audit trail"), "{shown}");
    update(
        &mut state,
        Input::Msg(Msg::TrailLoaded {
            id: leo,
            trail: Ok(store.audit_trail(Some(leo)).unwrap()),
        }),
    );
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(shown.contains("escalation raised under"), "{shown}");
    press_char(&mut state, 'h');
    assert!(matches!(
        state.screen,
        Screen::Detail {
            tab: DetailTab::Record,
            ..
        }
    ));
    press_char(&mut state, 'j');
    assert!(matches!(state.screen, Screen::Detail { scroll: 1, .. }));

    press(&mut state, KeyCode::Esc);
    assert_eq!(state.screen, Screen::Dashboard);
    assert_eq!((state.lane, selected(&state).as_str()), (1, "Leo Example"));
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(shown.contains("▌ #2 Leo Example"), "{shown}");
}

#[test]
fn q_quits_from_every_screen() {
    for setup in [
        "dashboard",
        "detail",
        "help",
        "welcome",
        "too small",
        "ctrl-c",
    ] {
        let (store, mut state) = demo((120, 40));
        let mut state = match setup {
            "detail" => {
                open_selected(&mut state, &store);
                state
            }
            "help" => {
                press_char(&mut state, '?');
                state
            }
            "welcome" => loaded(&SqliteStore::open_in_memory().unwrap(), (120, 40)),
            "too small" => loaded(&store, (40, 10)),
            _ => state,
        };
        assert!(!state.should_quit);
        if setup == "ctrl-c" {
            press_char(&mut state, '/');
            press_event(
                &mut state,
                KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL),
            );
        } else {
            press_char(&mut state, 'q');
        }
        assert!(state.should_quit, "q should quit from the {setup}");
    }
}

#[test]
fn d_on_the_welcome_screen_loads_the_demo() {
    let empty = SqliteStore::open_in_memory().unwrap();
    let mut state = loaded(&empty, (120, 40));
    assert_eq!(keys::scope(&state), keys::Scope::Welcome);
    let effects = press_event(
        &mut state,
        KeyEvent::new(KeyCode::Char('D'), KeyModifiers::SHIFT),
    );
    assert_eq!(effects, [Effect::LoadDemo]);
    let effects = update(&mut state, Input::Msg(Msg::DemoLoaded(Ok(13))));
    assert_eq!(effects, [Effect::LoadCaseload]);
    // Once the caseload is there, D does nothing: the demo never mixes with real records.
    let (_store, mut full) = demo((120, 40));
    assert!(press_char(&mut full, 'D').is_empty());
    assert_eq!(keys::scope(&full), keys::Scope::Dashboard);
}

#[test]
fn question_mark_toggles_the_help_and_it_lists_every_key() {
    let (_store, mut state) = demo((120, 40));
    press_char(&mut state, '?');
    assert_eq!(state.popup, Some(Popup::Help));
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(shown.contains("Keys (? or Esc closes"), "{shown}");
    // Keys do nothing else while the help is open.
    press_char(&mut state, 'l');
    assert_eq!(state.lane, 0);
    press_char(&mut state, '?');
    assert_eq!(state.popup, None);
    assert!(!screen(&draw(&state, &Theme::default())).contains("Keys (?"));
    press_event(
        &mut state,
        KeyEvent::new(KeyCode::Char('?'), KeyModifiers::SHIFT),
    );
    assert_eq!(state.popup, Some(Popup::Help));
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.popup, None);
}

#[test]
fn the_help_shows_every_key_and_the_whole_legend_at_120x40_and_80x24() {
    let expected = [
        "←/h",
        "→/l",
        "↑/k",
        "↓/j",
        "Tab",
        "Enter",
        "Esc",
        "/",
        // One jump per lane: the demo's procedures have four stages (issue 14).
        "1-4",
        "p",
        "t",
        "m",
        "A",
        "T",
        "L",
        "?",
        "q",
        "(filter) Backspace",
        "Symbols:",
    ];
    let symbols = [
        "!! overdue, ! due today, ~ due soon, · on track,",
        "✓ met, ✓! met late, – stopped, … not started",
    ];
    for size in [(120, 40), (80, 24)] {
        let (_store, mut state) = demo(size);
        press_char(&mut state, '?');
        // Everything the help holds, scrolling down through it where it does not fit.
        let mut popup: Vec<String> = Vec::new();
        for _ in 0..40 {
            let buffer = draw(&state, &Theme::default());
            let (_, top) = find(&buffer, "Keys (? or Esc closes").unwrap();
            popup.extend((top..buffer.area.height).map(|y| row_text(&buffer, y)));
            press_char(&mut state, 'j');
        }
        assert_eq!(
            state.popup,
            Some(Popup::Help),
            "j scrolls, it does not close"
        );
        let buffer = draw(&state, &Theme::default());
        for key in expected {
            assert!(
                popup.iter().any(|line| line.contains(&format!("│ {key}"))
                    || line.contains(&format!(", {key} "))),
                "{size:?}: the help does not show {key:?}:\n{}",
                screen(&buffer)
            );
        }
        assert!(
            symbols
                .iter()
                .all(|half| popup.iter().any(|line| line.contains(half))),
            "{size:?}: the help cuts the symbols' legend:\n{}",
            screen(&buffer)
        );
    }
}

#[test]
fn t_cycles_the_themes() {
    let (_store, mut state) = demo((120, 40));
    let names = state.theme_names.clone();
    assert_eq!(names.len(), builtin_themes().len());
    for i in 1..=names.len() {
        press_char(&mut state, 't');
        assert_eq!(state.theme, i % names.len());
        let shown = screen(&draw(&state, &Theme::default()));
        assert!(
            shown.contains(&format!("Theme: {}", names[i % names.len()])),
            "{shown}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// No size, no text and no resize may panic; nothing raw reaches the terminal.

/// The demo plus escalations whose text is as awkward as real names get.
fn odd_unicode_store() -> SqliteStore {
    let mut store = demo_store();
    let names = [
        "李小龍 王秀英 山田太郎",
        "Zoe\u{301} Ame\u{301}lie Nai\u{308}ve Z\u{335}\u{321}a\u{34e}lgo",
        // Names refuse bidi marks and zero-width joiners since issue 13, so the joined emoji
        // (and the mark) are in the summary below, which keeps joiners.
        "محمد بن عبد الله",
        "Sam 👩 🧒🏽 🏳️",
        &"龍".repeat(200),
        &"W".repeat(200),
    ];
    for (i, name) in names.iter().enumerate() {
        let mut input = new_input(
            ["london", "barnet", "staffordshire"][i % 3],
            name,
            now() - Duration::hours(30 * i64::try_from(i).unwrap() + 1),
        );
        let short: String = name.chars().take(40).collect();
        input.raised_with = format!("{short} agency 🏥 שירותים");
        input.summary = format!("{name}\nsecond line\twith a tab 👩‍👩‍👧‍👦 🏳️‍🌈");
        input.immediate_risk = i == 3;
        record(&mut store, &input);
    }
    store
}

#[test]
fn no_size_and_no_resize_panics() {
    let store = odd_unicode_store();
    let empty = SqliteStore::open_in_memory().unwrap();
    let mut sizes: Vec<(u16, u16)> = Vec::new();
    for width in (1..=220).step_by(7) {
        for height in (1..=60).step_by(3) {
            sizes.push((width, height));
        }
    }
    sizes.extend([
        (60, 15),
        (59, 14),
        (60, 14),
        (59, 15),
        (220, 60),
        (80, 24),
        (100, 30),
        (99, 30),
        (160, 40),
        (159, 40),
        (1, 1),
        (0, 0),
        (5, 200),
        (400, 3),
    ]);

    // Every screen the dashboard can show.
    let mut states: Vec<(&str, State)> = Vec::new();
    let base = loaded(&store, (120, 40));
    states.push(("dashboard", base.clone()));
    let mut last_lane = base.clone();
    press_char(&mut last_lane, '4');
    press_char(&mut last_lane, 'j');
    states.push(("last lane", last_lane));
    let mut private = base.clone();
    press_char(&mut private, 'p');
    press_char(&mut private, '/');
    type_text(&mut private, "a");
    states.push(("privacy and filter", private));
    let mut help = base.clone();
    press_char(&mut help, '?');
    states.push(("help", help));
    for name in ["Sam 👩 🧒🏽 🏳️", &"龍".repeat(200), "محمد علي (demo)"] {
        let mut detail = base.clone();
        select_child(&mut detail, name);
        open_selected(&mut detail, &store);
        states.push(("detail", detail.clone()));
        press(&mut detail, KeyCode::Tab);
        states.push(("audit", detail.clone()));
        press(&mut detail, KeyCode::Tab);
        for _ in 0..200 {
            press_char(&mut detail, 'j');
        }
        states.push(("detail scrolled past the end", detail));
    }
    states.push(("welcome", loaded(&empty, (120, 40))));
    let config = Config::default();
    states.push((
        "loading",
        State::new(
            ProcedureSet::builtin(),
            config.calendar,
            config.settings,
            Vec::new(),
            now(),
            (120, 40),
        ),
    ));

    let themes = [Theme::default(), no_color()];
    let mut panics = Vec::new();
    for (what, state) in &mut states {
        // One terminal resized through every size, as a user dragging the window.
        let mut terminal = Terminal::new(TestBackend::new(1, 1)).unwrap();
        for (i, &(width, height)) in sizes.iter().enumerate() {
            update(state, Input::Msg(Msg::Resized { width, height }));
            terminal.backend_mut().resize(width, height);
            let theme = &themes[i % 2];
            let result = catch_unwind(AssertUnwindSafe(|| {
                terminal
                    .draw(|f| escalate::ui::render(state, theme, f.area(), f.buffer_mut()))
                    .unwrap();
            }));
            if result.is_err() {
                panics.push(format!("{what} at {width}x{height}"));
            }
        }
    }
    assert!(panics.is_empty(), "rendering panicked: {panics:#?}");
}

#[test]
fn odd_unicode_is_drawn_whole() {
    let store = odd_unicode_store();
    let mut state = loaded(&store, (200, 50));
    // Each card in turn selected, so that its lane shows it however many come before it.
    for name in ["李小龍 王秀英 山田太郎", "Zoe\u{301} Ame\u{301}lie"] {
        let child = state
            .entries
            .iter()
            .find(|e| e.child.starts_with(name))
            .map(|e| e.child.clone())
            .unwrap();
        select_child(&mut state, &child);
        let shown = screen(&draw(&state, &Theme::default()));
        assert!(shown.contains(name), "{name:?} is not on screen:\n{shown}");
    }
    let buffer = draw(&state, &Theme::default());
    // Every row is exactly as wide as the screen, whatever the characters in it.
    for y in 0..buffer.area.height {
        let width: usize = row_cells(&buffer, y)
            .iter()
            .map(|(_, s)| Span::raw(s.as_str()).width().max(1))
            .sum();
        assert_eq!(width, 200, "row {y}: {}", row_text(&buffer, y));
    }
}

/// A file database with an escalation whose every text field holds escape sequences, written
/// behind the app's back; drawn on the dashboard at three sizes, in the detail view and on the
/// audit tab (whose trail holds them too). Returns (what, screen) pairs.
fn screens_of_a_tampered_database() -> Vec<(String, Buffer)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("escalate.db");
    {
        let mut store = SqliteStore::open(&path).unwrap();
        record(
            &mut store,
            &new_input("london", "Plain Name", at("2026-11-23 09:00")),
        );
    }
    // Behind the app's back: rows written straight into the file, as a damaged or tampered
    // database might hold them.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute(
        "INSERT INTO escalations (procedure, partnership, child_name, child_dob, child_ref, raised_by,
            agency, raised_with, category, summary, outcome_sought, concern_at, raised_at,
            immediate_risk, recorded_by, recorded_at)
         SELECT procedure, partnership, ?1, child_dob, ?2, ?3, ?4, ?5, category, ?6, ?7,
            concern_at, raised_at, 1, recorded_by, recorded_at FROM escalations WHERE id = 1",
        [
            "Evil\u{1b}[2J Name",
            "REF\u{1b}[31m",
            "Raiser\u{1b}]0;pwned\u{7}",
            "Agency\u{1b}[?1049l",
            "MASH\u{1b}[2J\u{1b}[H",
            "Summary\u{1b}[5m blinking\r\nline\u{8}\u{8}",
            "Sought\u{9b}31m",
        ],
    )
    .unwrap();
    let evil = conn.last_insert_rowid();
    conn.execute(
        "INSERT INTO escalation_state (escalation_id, is_open, stage, needs_attention) VALUES (?1, 1, 1, 1)",
        [evil],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO discussions (escalation_id, at, participants, mode, notes, decisions,
            is_agreement, stage, recorded_by, recorded_at)
         VALUES (?1, '2026-11-23T09:30:00.000Z', 'With\u{1b}[2J', 'phone', 'Notes\u{1b}[2J',
            'Decided\u{1b}[2J', 0, 1, 'x', '2026-11-23T09:30:00.000Z')",
        [evil],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO actions (escalation_id, what, owner, due_on, recorded_by, recorded_at)
         VALUES (?1, 'Do\u{1b}[2J', 'Owner\u{1b}[2J', '2026-11-20', 'x', '2026-11-23T09:30:00.000Z')",
        [evil],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO amendments (escalation_id, field, old_value, new_value, why, recorded_by,
            recorded_at)
         VALUES (?1, 'agency\u{1b}[2J', 'Old\u{1b}[2J', 'New\u{1b}[2J', 'Why\u{1b}[2J',
            'By\u{1b}[2J', '2026-11-23T09:40:00.000Z')",
        [evil],
    )
    .unwrap();
    drop(conn);

    let store = SqliteStore::open(&path).unwrap();
    let mut state = loaded(&store, (200, 50));
    assert_eq!(state.entries.len(), 2, "the tampered row still loads");
    let trail = vec![AuditEntry {
        id: 99,
        at: now(),
        written_at: None,
        actor: "Actor\u{1b}[2J".to_owned(),
        escalation_id: Some(evil),
        action: "raised".to_owned(),
        summary: "Summary\u{1b}]8;;http://x\u{7}link".to_owned(),
        record_table: "escalations".to_owned(),
        record_id: evil,
        hash: String::new(),
    }];

    let mut screens = Vec::new();
    for size in [(200, 50), (120, 40), (80, 24)] {
        update(
            &mut state,
            Input::Msg(Msg::Resized {
                width: size.0,
                height: size.1,
            }),
        );
        screens.push((
            format!("dashboard {size:?}"),
            draw(&state, &Theme::default()),
        ));
    }
    update(
        &mut state,
        Input::Msg(Msg::Resized {
            width: 200,
            height: 50,
        }),
    );
    select_child(&mut state, "Evil\\u{1b}[2J Name");
    press(&mut state, KeyCode::Enter);
    update(
        &mut state,
        Input::Msg(Msg::TrailLoaded {
            id: evil,
            trail: Ok(trail),
        }),
    );
    screens.push(("detail".to_owned(), draw(&state, &Theme::default())));
    press(&mut state, KeyCode::Tab);
    screens.push(("audit".to_owned(), draw(&state, &Theme::default())));

    screens
}

#[test]
fn escape_sequences_stored_in_the_database_never_reach_the_terminal_raw() {
    let screens = screens_of_a_tampered_database();
    assert_eq!(screens.len(), 5);
    for (what, buffer) in &screens {
        for cell in &buffer.content {
            assert!(
                !cell.symbol().chars().any(char::is_control),
                "{what}: a control character reached the buffer: {:?}",
                cell.symbol()
            );
        }
    }
    // The app shows them escaped, as text, so that a DSL can see something is wrong.
    let detail = screen(&screens[3].1);
    assert!(detail.contains("Evil\\u{1b}[2J Name"), "{detail}");
    assert!(detail.contains("MASH\\u{1b}[2J\\u{1b}[H"), "{detail}");
    let audit = screen(&screens[4].1);
    assert!(audit.contains("Actor\\u{1b}[2J"), "{audit}");
    let dashboard = screen(&screens[0].1);
    assert!(dashboard.contains("Evil\\u{1b}[2J Name"), "{dashboard}");
}

#[test]
fn every_stored_escape_sequence_is_shown_escaped_not_half_removed() {
    // The terminal library drops a raw ESC it is given, but leaves the rest of the sequence
    // ("[2J") on screen with no sign that anything was there: every field must go through
    // `printable` first, as the others do.
    for (what, buffer) in &screens_of_a_tampered_database() {
        let shown = screen(buffer);
        for residue in ["[2J", "[31m", "]0;pwned", "[?1049l", "[5m", "]8;;"] {
            let raw = shown.matches(residue).count();
            let escaped = shown.matches(&format!("\\u{{1b}}{residue}")).count();
            assert_eq!(
                raw, escaped,
                "{what}: {residue:?} is on screen without its escape shown:\n{shown}"
            );
        }
    }
}

/// Issue 11: stage names come from the procedures, lane headings included (Barnet's stage 4 is a
/// BSCB chaired meeting, not "Partnership"); a lane whose procedures name the stage differently
/// is simply "Stage N".
#[test]
fn lane_headings_name_the_stage_as_the_procedures_in_it_do() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let barnet = record(
        &mut store,
        &new_input("barnet", "Bea Barnet", at("2026-11-20 09:00")),
    );
    record(
        &mut store,
        &new_input("london", "Len London", at("2026-11-20 09:00")),
    );
    record(
        &mut store,
        &new_input("barnet", "Bo Barnet", at("2026-11-20 09:30")),
    );
    let procedures = ProcedureSet::builtin();
    for to in 2..=4 {
        store
            .change(barnet, "Test DSL", now(), |escalation| {
                escalate::core::change::plan_advance(
                    escalation,
                    procedures.get("barnet").unwrap(),
                    "Not resolved",
                    at(&format!("2026-11-20 1{to}:00")),
                    now(),
                )
            })
            .unwrap();
    }
    let state = loaded(&store, (200, 50));
    let names: Vec<(u8, Option<&str>)> = state
        .lanes
        .iter()
        .map(|l| (l.stage, l.name.as_deref()))
        .collect();
    assert_eq!(
        names,
        [
            // Barnet's "Professional to professional" and London's "Front-line professional to
            // professional" differ.
            (1, None),
            (2, None),
            (3, None),
            (4, Some("BSCB chaired meeting")),
        ]
    );
    let shown = screen(&draw(&state, &Theme::default()));
    // A quarter of 200 columns has no room for the name beside the counts: it goes first.
    assert!(shown.contains("Stage 4: 1 open · 1 overdue !!"), "{shown}");
    assert!(shown.contains("Stage 1: 2 open · 1 overdue !!"), "{shown}");
    assert!(!shown.contains("Partnership"), "{shown}");
    // A lane the width of the screen has room for it.
    let mut narrow = loaded(&store, (80, 24));
    press_char(&mut narrow, '4');
    let shown = screen(&draw(&narrow, &Theme::default()));
    assert!(
        shown.contains("Stage 4, BSCB chaired meeting: 1 open · 1 overdue !!"),
        "{shown}"
    );
}

/// Issue 11: the number of lanes follows the procedures in use: a caseload under a two-stage
/// procedure has two lanes, not four.
#[test]
fn the_number_of_lanes_follows_the_procedures_in_use() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/procedures/valid/manchester.toml"),
    )
    .unwrap();
    let procedures = ProcedureSet::load(&[escalate::core::procedure::Source {
        origin: "manchester.toml".into(),
        text,
    }])
    .unwrap();
    let mut store = SqliteStore::open_in_memory().unwrap();
    let input = new_input("manchester", "Mo Manchester", at("2026-11-20 09:00"));
    let checked = input
        .check(procedures.get("manchester").unwrap(), now())
        .unwrap();
    store.create(&checked, "Test DSL", now()).unwrap();
    let config = Config::default();
    let mut state = State::new(
        procedures,
        config.calendar,
        config.settings,
        builtin_themes().into_iter().map(|t| t.name).collect(),
        now(),
        (120, 40),
    );
    update(
        &mut state,
        Input::Msg(Msg::CaseloadLoaded(Ok(store.caseload().unwrap()))),
    );
    let lanes: Vec<(u8, Option<&str>)> = state
        .lanes
        .iter()
        .map(|l| (l.stage, l.name.as_deref()))
        .collect();
    assert_eq!(
        lanes,
        [
            (1, Some("Practitioners")),
            (2, Some("Case Progression meeting"))
        ]
    );
}

/// Issue 13, finding 5: privacy mode showed initials on cards but full names in discussion notes,
/// action wording and the amendments; every spelling the record has held, in any case or order,
/// is hidden in the detail view.
#[test]
fn privacy_mode_hides_every_spelling_of_the_name_in_the_detail_view() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let id = record(
        &mut store,
        &new_input("london", "Eva Sampel", at("2026-11-20 09:00")),
    );
    let procedures = ProcedureSet::builtin();
    let london = procedures.get("london").unwrap();
    store
        .change(id, "Test DSL", now(), |e| {
            escalate::core::change::plan_amend(e, london, "child", "Ava Sample", "Misspelt", now())
        })
        .unwrap();
    store
        .change(id, "Test DSL", now(), |e| {
            escalate::core::change::plan_discussion(
                e,
                &escalate::core::change::DiscussionInput {
                    participants: "AVA SAMPLE's social worker".into(),
                    mode: "phone".into(),
                    notes: "Spoke about sample, ava and Eva Sampel's school.".into(),
                    decisions: Some("Ava to be seen at home".into()),
                    is_agreement: false,
                    at: Some(at("2026-11-20 10:00")),
                },
                now(),
            )
        })
        .unwrap();
    let mut state = loaded(&store, (120, 40));
    select_child(&mut state, "Ava Sample");
    press_char(&mut state, 'p');
    open_selected(&mut state, &store);
    let shown = screen(&draw(&state, &Theme::default())).to_lowercase();
    for part in ["ava", "sample", "eva", "sampel"] {
        assert!(!shown.contains(part), "{part:?} shown:\n{shown}");
    }
    assert!(shown.contains("a.s.'s social worker"), "{shown}");
}

#[test]
fn the_filter_ignores_case_and_accents_and_matches_references_dates_and_discussions() {
    let (_store, mut state) = demo((120, 40));
    let filtered = |state: &mut State, text: &str| {
        press_char(state, '/');
        type_text(state, text);
        press(state, KeyCode::Enter);
        let mut children = lane_children(state).concat();
        children.sort();
        press(state, KeyCode::Esc);
        children
    };
    // Without the accented keys, and in any case.
    assert_eq!(filtered(&mut state, "zoe"), ["Zoë Ångström"]);
    assert_eq!(filtered(&mut state, "ANGSTROM"), ["Zoë Ångström"]);
    assert_eq!(filtered(&mut state, "Zoë Å"), ["Zoë Ångström"]);
    // By the child's record reference, as the command line prints it.
    assert_eq!(filtered(&mut state, "DEMO-134"), ["Ava Sample"]);
    // By what was said in a discussion.
    assert_eq!(filtered(&mut state, "duty social worker"), ["Ava Sample"]);
    // By the date it was raised, written either way.
    let raised = state.entries[0].escalation.raised_at;
    let day = escalate::core::calendar::local_date(raised);
    let by_iso = filtered(&mut state, &day.to_string());
    assert!(by_iso.contains(&state.entries[0].child), "{by_iso:?}");
    assert_eq!(
        filtered(&mut state, &day.format("%d/%m/%Y").to_string()),
        by_iso
    );
}

#[test]
fn folding_for_the_filter() {
    use escalate::app::fold;
    assert_eq!(fold("Zoë Ångström"), "zoe angstrom");
    assert_eq!(fold("Œuvre Straße Łódź"), "oeuvre strasse lodz");
    // Combining accents, and scripts without case, are kept as letters.
    assert_eq!(fold("Zoe\u{308}"), "zoe");
    assert_eq!(fold("محمد علي"), "محمد علي");
}

/// What the storage worker answers to `Effect::LoadClosed`.
fn closed_of(store: &SqliteStore) -> Msg {
    let all = store
        .escalations(escalate::storage::Filter {
            include_closed: true,
            stage: None,
        })
        .unwrap();
    Msg::ClosedLoaded(Ok(all.into_iter().filter(|e| !e.is_open()).collect()))
}

#[test]
fn the_closed_escalations_can_be_shown_filtered_and_opened() {
    let (store, mut state) = demo((120, 40));
    let open = lane_children(&state).concat();
    assert_eq!(press_char(&mut state, 'c'), [Effect::LoadClosed]);
    update(&mut state, Input::Msg(closed_of(&store)));
    let closed = lane_children(&state).concat();
    assert!(!closed.is_empty(), "the demo has closed escalations");
    assert!(closed.iter().all(|c| !open.contains(c)), "{closed:?}");
    let ids: Vec<i64> = state
        .lanes
        .iter()
        .flat_map(|l| l.cards.iter().map(|&i| state.entries[i].escalation.id))
        .collect();
    assert!(ids.iter().all(|&id| !state.entry(id).unwrap().is_open()));
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(shown.contains("Stage 1: 2 closed"), "{shown}");
    // A reload of the caseload (a save, another terminal) keeps them on screen.
    update(
        &mut state,
        Input::Msg(Msg::CaseloadLoaded(Ok(store.caseload().unwrap()))),
    );
    assert_eq!(lane_children(&state).concat(), closed);
    // The filter searches them too, and one opens like any other.
    press_char(&mut state, '/');
    type_text(&mut state, &fold_first(&closed[0]));
    press(&mut state, KeyCode::Enter);
    assert_eq!(lane_children(&state).concat(), [closed[0].clone()]);
    let id = open_selected(&mut state, &store);
    assert!(!state.entry(id).unwrap().is_open());
    assert!(matches!(state.screen, Screen::Detail { .. }));
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Esc);
    // c again: the open ones.
    assert!(press_char(&mut state, 'c').is_empty());
    assert_eq!(lane_children(&state).concat(), open);
}

/// The first word of a child's name, lower-cased and without accents.
fn fold_first(child: &str) -> String {
    escalate::app::fold(child.split_whitespace().next().unwrap())
}

#[test]
fn the_closed_escalations_at_three_sizes() {
    for (w, h) in [(80, 24), (120, 40), (200, 50)] {
        let (store, mut state) = demo((w, h));
        press_char(&mut state, 'c');
        update(&mut state, Input::Msg(closed_of(&store)));
        let shown = screen(&draw(&state, &Theme::default()));
        assert!(
            shown.contains(
                "3 closed escalations, by the stage each ended at; c shows the open ones"
            ),
            "{shown}"
        );
        insta::assert_snapshot!(format!("closed_{w}x{h}"), shown);
    }
}

#[test]
fn at_120x40_a_card_reads_whole_with_its_number_and_its_deadline() {
    let (_store, state) = demo((120, 40));
    let buffer = draw(&state, &Theme::default());
    for child in ["Ava Sample", "Leo Example", "Isla Model", "Zoë Ångström"] {
        let entry = state.entries.iter().find(|e| e.child == child).unwrap();
        let text = card(&buffer, child)
            .lines()
            .map(|l| l.trim_start_matches(['▌', ' ']))
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            text.contains(&format!("#{} {child}", entry.escalation.id)),
            "{text}"
        );
        let urgent = entry.urgent.as_ref().unwrap();
        assert!(
            text.contains(&urgent.countdown.compact()),
            "the countdown whole: {text}"
        );
        assert!(text.contains(&urgent.clock), "the deadline whole: {text}");
    }
    let shown = screen(&buffer);
    for cut in ["Escala ", "appendi ", "Escala┃", "appendi│"] {
        assert!(!shown.contains(cut), "{cut:?} in\n{shown}");
    }
}

/// Issue 14, item 4: every number on the header, the tab bar and the lanes' borders carries
/// its word (`3 open`, `1 overdue !!`, `1 late!!`, `4 owed`, `2 closed`): a bare number, or one
/// in brackets, fails.
fn unlabelled_numbers(row: &str) -> Vec<String> {
    let words: Vec<&str> = row
        .split(|c: char| c.is_whitespace() || "┃│┏┓╭╮━─".contains(c))
        .filter(|w| !w.is_empty())
        .collect();
    let mut bare = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let number = word.trim_end_matches([':', ',']);
        if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
            if word.contains('(') && word.chars().any(|c| c.is_ascii_digit()) {
                bare.push((*word).to_owned());
            }
            continue;
        }
        let before = i.checked_sub(1).map_or("", |b| words[b]);
        let after = words.get(i + 1).copied().unwrap_or("");
        let is_labelled = ["open", "closed", "overdue", "late!!", "owed", "due"].contains(&after)
            || before == "Stage"
            // The date: `Mon 23 Nov 2026 11:00`.
            || after == "Nov"
            || before == "Nov";
        if !is_labelled {
            bare.push(format!("{before} {word} {after}"));
        }
    }
    bare
}

#[test]
fn lane_headings_have_one_shape_at_every_size_and_label_every_number() {
    for size in [(80, 24), (100, 30), (120, 40), (200, 50)] {
        for is_closed in [false, true] {
            let (store, mut state) = demo(size);
            if is_closed {
                press_char(&mut state, 'c');
                update(&mut state, Input::Msg(closed_of(&store)));
            }
            let buffer = draw(&state, &Theme::default());
            let shown = screen(&buffer);
            for y in 0..3 {
                let row = row_text(&buffer, y);
                assert_eq!(
                    unlabelled_numbers(&row),
                    Vec::<String>::new(),
                    "{size:?} closed {is_closed}: {shown}"
                );
            }
            // Each lane headed by one shape: its stage (named, numbered or `S2`), a colon,
            // then its counts, the overdue word shortened to `late` only with the stage.
            for (index, view) in state.lanes.iter().enumerate() {
                let (n, cards, late) = (view.stage, view.cards.len(), view.overdue);
                // Tabs too narrow for every lane's counts: the lane in view has them, in its tab
                // and its border, and the others their stage, `!!` when something is overdue.
                if state.is_tabbed() && index != state.lane {
                    let tab = if late > 0 && !is_closed {
                        format!(" S{n}!! ")
                    } else {
                        format!(" S{n} ")
                    };
                    let tabs = row_text(&buffer, 1);
                    if tabs.contains(&tab) {
                        continue;
                    }
                }
                let counts = match (is_closed, late) {
                    (true, _) => vec![format!("{cards} closed")],
                    (false, 0) => vec![format!("{cards} open")],
                    (false, late) => vec![
                        format!("{cards} open · {late} overdue !!"),
                        format!("{cards} open · {late} late!!"),
                    ],
                };
                let is_headed = counts.iter().any(|c| {
                    shown.contains(&format!("Stage {n}: {c} "))
                        || shown.contains(&format!("S{n}: {c} "))
                        || view
                            .name
                            .as_ref()
                            .is_some_and(|name| shown.contains(&format!("Stage {n}, {name}: {c} ")))
                });
                assert!(is_headed, "stage {n} at {size:?}: {shown}");
            }
            assert!(!shown.contains("Closed at stage"), "{shown}");
        }
        let (_store, state) = demo(size);
        if size == (100, 30) {
            insta::assert_snapshot!("dashboard_100x30", screen(&draw(&state, &Theme::default())));
        }
    }
}

/// A filter counts the notifications it leaves, overdue ones too: `0 owed · 3 late` said the
/// unfiltered count beside the filtered one.
#[test]
fn the_owed_tab_counts_the_filtered_notifications() {
    let (_store, mut state) = demo((80, 24));
    press_char(&mut state, '/');
    type_text(&mut state, "staffordshire");
    press(&mut state, KeyCode::Enter);
    // Its one notification owed is not overdue; the caseload's three overdue are elsewhere.
    assert_eq!(state.totals.notifications_overdue, 3);
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(
        shown.contains(&format!(" {} owed ", state.notifications.len())),
        "{shown}"
    );
    assert!(!shown.contains("0 owed · 3 late"), "{shown}");
}

#[test]
fn the_header_labels_every_number_and_is_not_cut_at_any_size() {
    for size in [(80, 24), (100, 30), (120, 40), (200, 50)] {
        for (is_privacy, is_badged) in [(false, false), (true, false), (false, true), (true, true)]
        {
            let (_store, mut state) = demo(size);
            state.is_privacy = is_privacy;
            // The demo's own database is plain: both badges (found at 80x24 as "1 due tod").
            state.is_demo = is_badged;
            state.is_plaintext = is_badged;
            let buffer = draw(&state, &Theme::default());
            let header = row_text(&buffer, 0);
            assert!(
                header.contains("10 open · 6 overdue !! · 1 due today"),
                "{size:?}: {header}"
            );
            assert_eq!(
                header.contains("NOT ENCRYPTED") && header.contains("DEMO"),
                is_badged
            );
            // Not cut: it ends in a whole label, with room to spare.
            assert!(
                header.trim_end().ends_with("due today")
                    || header.trim_end().ends_with("owed · 3 overdue !!"),
                "{size:?}: {header}"
            );
            assert_eq!(header.contains("PRIVACY"), is_privacy);
        }
    }
}

#[test]
fn j_in_the_detail_view_stops_at_the_last_line() {
    for size in [(80, 24), (120, 40), (200, 50)] {
        let (store, mut state) = demo(size);
        open_selected(&mut state, &store);
        // What the runtime does after drawing: measure, and tell update.
        let max = escalate::ui::detail_max_scroll(&state, &Theme::default()).unwrap();
        update(&mut state, Input::Msg(Msg::DetailMeasured(max)));
        for _ in 0..200 {
            press_char(&mut state, 'j');
        }
        let Screen::Detail { scroll, .. } = state.screen else {
            panic!("the detail view")
        };
        assert_eq!(scroll, max, "{size:?}");
        let bottom = screen(&draw(&state, &Theme::default()));
        // One k moves back at once: no run of blank presses past the end.
        press_char(&mut state, 'k');
        let Screen::Detail { scroll, .. } = state.screen else {
            panic!("the detail view")
        };
        assert_eq!(scroll, max.saturating_sub(1));
        if max > 0 {
            assert_ne!(screen(&draw(&state, &Theme::default())), bottom);
        }
        // The last line is on screen at the bottom of the box.
        assert!(bottom.contains("Notifications"), "{size:?}:\n{bottom}");
    }
}

/// Issue 14, item 10: preferences remembered in config.toml: privacy mode by default (shared
/// offices) and the theme by name; an unknown theme is named, with the themes there are, and the
/// default kept.
#[test]
fn the_dashboard_starts_with_the_remembered_privacy_and_theme() {
    let (_store, mut state) = demo((120, 40));
    state.apply_preferences(true, Some("high-contrast"));
    assert!(state.is_privacy);
    assert_eq!(state.theme_names[state.theme], "high-contrast");
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(shown.contains("PRIVACY"), "{shown}");
    assert!(!shown.contains("Ava Sample"), "{shown}");
    let (_store, mut state) = demo((120, 40));
    state.apply_preferences(false, Some("purple"));
    assert_eq!(state.theme, 0);
    let status = state.status.clone().unwrap_or_default();
    assert!(status.contains("no theme \"purple\""), "{status}");
    assert!(status.contains("high-contrast"), "{status}");
}

// ---------------------------------------------------------------------------------------------
// A ticking clock does only what the time passed calls for (issue 17), and still leaves
// exactly what working everything out afresh would.

/// What the dashboard shows that the time can change, to compare two states by.
fn time_dependent(state: &State) -> String {
    let entries: Vec<String> = state
        .entries
        .iter()
        .map(|e| {
            format!(
                "{} {:?} {} {:?}",
                e.escalation.id, e.urgent, e.is_overdue, e.schedule
            )
        })
        .collect();
    let notifications: Vec<(i64, usize)> = state
        .notifications
        .iter()
        .map(|row| (state.entries[row.entry].escalation.id, row.index))
        .collect();
    format!(
        "{entries:#?}\n{:?}\n{notifications:?}\n{:?}",
        lane_children(state),
        state.totals
    )
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    #[test]
    fn a_tick_leaves_what_refreshing_everything_would(
        steps in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::prelude::Just(1_i64),
                proptest::prelude::Just(999),
                proptest::prelude::Just(1_000),
                proptest::prelude::Just(17_000),
                proptest::prelude::Just(59_999),
                proptest::prelude::Just(60_000),
                proptest::prelude::Just(61_000),
                proptest::prelude::Just(3_600_000),
                proptest::prelude::Just(86_400_000),
                0_i64..200_000,
            ],
            1..25,
        ),
        seed in 1_u64..1_000,
    ) {
        let mut store = SqliteStore::open_in_memory().unwrap();
        escalate::demo::generate(
            &mut store,
            &ProcedureSet::builtin(),
            &Config::default(),
            "Test DSL",
            now(),
            escalate::demo::Generate { count: 150, open_share: 0.8, seed },
        )
        .unwrap();
        let mut state = loaded(&store, (120, 40));
        let theme = no_color();
        let mut at = state.now;
        for step in steps {
            at += Duration::milliseconds(step);
            // The old way: every schedule refreshed and everything derived again.
            let mut whole = state.clone();
            whole.now = at;
            for entry in &mut whole.entries {
                entry.schedule.refresh(&whole.calendar, &whole.settings, at);
            }
            whole.derive();

            let before = draw(&state, &theme);
            state.is_dirty = false; // as after a draw
            update(&mut state, Input::Msg(Msg::Ticked(at)));
            proptest::prop_assert_eq!(time_dependent(&state), time_dependent(&whole));
            // Whatever would draw differently asks for a redraw.
            let after = draw(&state, &theme);
            if after != before {
                proptest::prop_assert!(state.is_dirty, "the screen changed at {} without a redraw", at);
            }
        }
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

    /// The filter searches only what its last letter matched, and finds a backspace's answer
    /// already worked out: typed a letter at a time, it always shows what the same filter
    /// applied afresh would.
    #[test]
    fn the_filter_typed_a_letter_at_a_time_shows_what_it_would_afresh(
        keys in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::sample::select(vec!['a', 'e', 'o', 'n', ' ', '1', '#', 'ë', 'M', 'L']),
                proptest::prelude::Just('\u{8}'),
            ],
            1..30,
        ),
    ) {
        let (_store, mut state) = demo((120, 40));
        press_char(&mut state, '/');
        for key in keys {
            if key == '\u{8}' {
                press(&mut state, KeyCode::Backspace);
            } else {
                press_char(&mut state, key);
            }
            let mut afresh = state.clone();
            afresh.derive();
            proptest::prop_assert_eq!(lane_children(&state), lane_children(&afresh));
            proptest::prop_assert_eq!(&state.notifications, &afresh.notifications);
        }
    }
}

/// Issue 14: the footer is built from the key table and offers every key that works on the
/// screen as it stands (the newer keys among them: c, m, A, T, L, t), labelled where there is
/// room and as bare keys before `? help` where there is not; and none that would do nothing
/// (no record keys on a closed escalation).
#[test]
fn the_footer_offers_every_key_that_works_and_only_those() {
    let footer_tokens = |state: &State| -> Vec<String> {
        let buffer = draw(state, &Theme::default());
        row_text(&buffer, buffer.area.height - 1)
            .split_whitespace()
            .map(str::to_owned)
            .collect()
    };
    for (width, height) in SIZES {
        let (_store, state) = demo((width, height));
        let tokens = footer_tokens(&state);
        let offered = keys::footer_now(&state);
        for key in ["d", "a", "m", "A", "T", "L", "c", "e", "t", "?", "q"] {
            assert!(
                offered.iter().any(|(k, _)| k == key),
                "{key} at {width}x{height}: {offered:?}"
            );
        }
        for (key, label) in &offered {
            assert!(
                tokens.contains(key),
                "{key} ({label}) missing from the footer at {width}x{height}: {tokens:?}"
            );
        }
        assert_eq!(tokens[tokens.len() - 4..], ["?", "help", "q", "quit"]);
        // Every key offered does something in this scope.
        for binding in keys::bindings()
            .iter()
            .filter(|b| b.scope == keys::scope(&state))
        {
            if offered.iter().any(|(k, _)| *k == binding.key.to_string()) {
                assert!(keys::is_available(&state, binding.intent));
            }
        }
    }
    // The closed view at 80x24: the selected escalation is closed, so nothing that changes it
    // is offered, while opening and correcting it are.
    let (store, mut state) = demo((80, 24));
    press_char(&mut state, 'c');
    update(&mut state, Input::Msg(closed_of(&store)));
    let closed = state.selected_id().expect("a closed escalation selected");
    assert!(!state.entry(closed).unwrap().is_open());
    let tokens = footer_tokens(&state);
    for key in ["d", "a", "r", "w", "m", "A", "T", "L"] {
        assert!(!tokens.contains(&key.to_owned()), "{key}: {tokens:?}");
    }
    for key in ["Enter", "e", "n", "?", "q"] {
        assert!(tokens.contains(&key.to_owned()), "{key}: {tokens:?}");
    }
}

// ---------------------------------------------------------------------------------------------
// The report screen (`g`): the school year so far as charts, counted on the storage worker.

/// Presses `g` and answers the report effect as the worker does.
fn open_report(state: &mut State, store: &SqliteStore) {
    let effects = press_char(state, 'g');
    let [Effect::LoadReport(period)] = effects.as_slice() else {
        panic!("g asks for the report: {effects:?}");
    };
    assert_eq!(state.screen, Screen::Report);
    let report = escalate::service::count_report(
        store,
        &ProcedureSet::builtin(),
        &Config::default().calendar,
        &Config::default().settings,
        *period,
        state.now,
    );
    update(state, Input::Msg(Msg::ReportLoaded(report.map(Box::new))));
}

#[test]
fn the_report_screen_draws_the_school_year_as_charts_at_two_sizes() {
    for size in [(120, 40), (80, 24)] {
        let (store, mut state) = demo(size);
        let before = screen(&draw(&state, &no_color()));
        open_report(&mut state, &store);
        let Some(Ok(report)) = &state.report else {
            panic!("the report was counted");
        };
        assert_eq!(report.period.from.to_string(), "2026-09-01");
        let shown = screen(&draw(&state, &no_color()));
        insta::assert_snapshot!(format!("report_{}x{}", size.0, size.1), shown);
        assert!(
            shown.contains(&format!("opened {}", report.opened)),
            "{shown}"
        );
        // No child is named on it.
        for entry in &state.entries {
            assert!(!shown.contains(&entry.child), "{}", entry.child);
        }
        // Esc goes back to the dashboard as it was.
        press(&mut state, KeyCode::Esc);
        assert_eq!(state.screen, Screen::Dashboard);
        assert!(state.report.is_none());
        assert_eq!(screen(&draw(&state, &no_color())), before);
    }
}

#[test]
fn a_report_that_arrives_after_leaving_the_screen_is_not_shown() {
    let (store, mut state) = demo((120, 40));
    press_char(&mut state, 'g');
    press(&mut state, KeyCode::Esc);
    let report = escalate::service::count_report(
        &store,
        &ProcedureSet::builtin(),
        &Config::default().calendar,
        &Config::default().settings,
        escalate::core::report::Period::school_year_to(now().date_naive()),
        state.now,
    );
    update(
        &mut state,
        Input::Msg(Msg::ReportLoaded(report.map(Box::new))),
    );
    assert_eq!(state.screen, Screen::Dashboard);
    assert!(state.report.is_none());
    // A report that could not be counted says why, on the report screen.
    press_char(&mut state, 'g');
    update(
        &mut state,
        Input::Msg(Msg::ReportLoaded(Err("the disk is unreadable".to_owned()))),
    );
    let shown = screen(&draw(&state, &no_color()));
    assert!(
        shown.contains("The report could not be counted: the disk is unreadable"),
        "{shown}"
    );
}

// ---------------------------------------------------------------------------------------------
// Issue 16: a trust's caseload (several schools), and changes arriving live.

/// The demo caseload as a trust's: every other escalation at a second school.
fn trust_state(size: (u16, u16)) -> State {
    let store = demo_store();
    let mut caseload = store.caseload().unwrap();
    for e in &mut caseload {
        e.school = Some(
            if e.id % 2 == 0 {
                "Elm Primary"
            } else {
                "Oak Academy"
            }
            .to_owned(),
        );
    }
    let mut state = loaded(&store, size);
    update(&mut state, Input::Msg(Msg::CaseloadLoaded(Ok(caseload))));
    state
}

#[test]
fn a_trust_leads_cards_and_rows_name_the_school_and_s_filters_one_school_at_a_time() {
    let mut state = trust_state((120, 40));
    assert_eq!(state.schools, ["Elm Primary", "Oak Academy"]);
    let buffer = draw(&state, &no_color());
    let ava = card(&buffer, "Ava Sample");
    assert!(
        ava.contains("Oak…"),
        "cut where it must be, the school first:\n{ava}"
    );
    let text = screen(&buffer);
    assert!(
        text.contains("Oak Academy · ") && text.contains("Elm Primary · "),
        "{text}"
    );
    assert!(
        screen(&buffer).contains("[Elm Primary]") || screen(&buffer).contains("[Oak Academy]"),
        "the notifications owed name their school:\n{}",
        screen(&buffer)
    );
    let every: usize = lane_children(&state).iter().map(Vec::len).sum();

    press_char(&mut state, 'S');
    assert_eq!(state.filter, "school:Elm Primary");
    let shown: Vec<i64> = state
        .lanes
        .iter()
        .flat_map(|l| l.cards.iter().map(|&i| state.entries[i].escalation.id))
        .collect();
    assert!(!shown.is_empty());
    assert!(shown.iter().all(|id| id % 2 == 0), "{shown:?}");
    press_char(&mut state, 'S');
    assert_eq!(state.filter, "school:Oak Academy");
    press_char(&mut state, 'S');
    assert_eq!(state.filter, "");
    assert_eq!(
        lane_children(&state).iter().map(Vec::len).sum::<usize>(),
        every
    );
    // Typed, the same filter.
    press_char(&mut state, '/');
    type_text(&mut state, "school:oak");
    let oak: usize = lane_children(&state).iter().map(Vec::len).sum();
    assert!(oak > 0 && oak < every, "{oak} of {every}");
}

#[test]
fn one_schools_caseload_names_no_school_and_s_says_why() {
    let (_store, mut state) = demo((120, 40));
    assert!(state.schools.is_empty());
    let buffer = draw(&state, &no_color());
    assert!(!screen(&buffer).contains("Oak Academy"));
    press_char(&mut state, 'S');
    assert_eq!(state.filter, "");
    assert!(
        state.status.as_deref().unwrap().contains("one school's"),
        "{:?}",
        state.status
    );
}

#[test]
fn a_change_heard_live_is_merged_in_and_the_status_says_who_made_it() {
    let (store, mut state) = demo((120, 40));
    let id = entry_id(&state, "Ava Sample");
    let before = state.entries.len();
    let mut changed = store.escalation(id).unwrap();
    changed.raised_with = "Heard live".to_owned();
    let effects = update(
        &mut state,
        Input::Msg(Msg::LiveChanged {
            escalations: vec![changed],
            by_others: vec![(id, "deputy\u{1b}[31m".to_owned())],
        }),
    );
    assert!(
        effects.iter().all(|e| matches!(e, Effect::Settle(_))),
        "{effects:?}"
    );
    assert_eq!(state.entries.len(), before);
    assert_eq!(state.entry(id).unwrap().agency, "Heard live");
    let status = state.status.clone().unwrap();
    assert!(
        status.contains(&format!("Escalation {id} was changed by deputy")),
        "{status}"
    );
    assert!(!status.contains('\u{1b}'), "{status}");
    // Their own change (no one else's) leaves the status alone.
    state.status = Some("Saved: something".to_owned());
    let mine = store.escalation(id).unwrap();
    update(
        &mut state,
        Input::Msg(Msg::LiveChanged {
            escalations: vec![mine],
            by_others: Vec::new(),
        }),
    );
    assert_eq!(state.status.as_deref(), Some("Saved: something"));
    // A reconnection reloads everything; a loss says so.
    update(
        &mut state,
        Input::Msg(Msg::LiveLost("the live connection was lost".into())),
    );
    assert!(
        state
            .status
            .as_deref()
            .unwrap()
            .contains("the live connection was lost")
    );
    let effects = update(&mut state, Input::Msg(Msg::LiveListening { again: true }));
    assert_eq!(effects, [Effect::LoadCaseload]);
    assert!(
        state
            .status
            .as_deref()
            .unwrap()
            .contains("reloaded in full")
    );
}

#[test]
fn the_new_form_asks_which_school_of_someone_who_records_for_several() {
    let (_store, mut state) = demo((120, 40));
    state.writable_schools = vec!["oak-park".into(), "st-marys".into()];
    press_char(&mut state, 'n');
    let form = state.form.as_ref().expect("the New form");
    assert_eq!(form.fields[0].name, "school");
    assert_eq!(form.chosen_school().as_deref(), Some("oak-park"));
    assert!(screen(&draw(&state, &no_color())).contains("School"));
    press(&mut state, KeyCode::Right);
    assert_eq!(
        state.form.as_ref().unwrap().chosen_school().as_deref(),
        Some("st-marys")
    );
    // One school (or a database file): no question.
    let (_store, mut state) = demo((120, 40));
    state.writable_schools = vec!["st-marys".into()];
    press_char(&mut state, 'n');
    let form = state.form.as_ref().unwrap();
    assert_ne!(form.fields[0].name, "school");
    assert_eq!(form.chosen_school(), None);
}

/// Issue 14: a short choice marks the item chosen in text as well as style (`[yes]`), so that
/// a copy of the screen or a screen reader can tell which it is.
#[test]
fn a_short_choice_marks_the_chosen_item_in_text() {
    let (_store, mut state) = demo((120, 40));
    press_char(&mut state, '1');
    press_char(&mut state, 'r');
    let form = state.form.as_mut().expect("the resolve form");
    let parents = form
        .fields
        .iter()
        .position(|f| f.name == "parents")
        .unwrap();
    form.focus = parents;
    let row = |state: &State| {
        let buffer = draw(state, &Theme::default());
        (0..buffer.area.height)
            .map(|y| row_text(&buffer, y))
            .find(|r| r.contains("not recorded") && r.contains("yes") && r.contains(" no"))
            .unwrap_or_else(|| panic!("{}", screen(&buffer)))
    };
    let before = row(&state);
    assert!(before.contains("[not recorded] yes  no "), "{before}");
    press(&mut state, KeyCode::Right);
    let after = row(&state);
    assert!(after.contains(" not recorded [yes] no "), "{after}");
    assert_eq!(
        state
            .form
            .as_ref()
            .unwrap()
            .field("parents")
            .unwrap()
            .value(),
        "yes"
    );
}

/// `config.toml` as the runtime reads it, with `change` made to it.
fn read_preferences(
    state: &State,
    change: impl FnOnce(&mut escalate::app::ReadPreferences),
) -> Msg {
    let mut read = state.preferences_read.clone();
    change(&mut read);
    Msg::PreferencesRead(Ok(Box::new(read)))
}

/// Issue 14: config.toml changed while the dashboard is open is applied without a restart,
/// only what changed in the file: an edit to the organisation leaves privacy mode turned on
/// with `p` as it is; privacy turned on in the file turns it on.
#[test]
fn config_read_again_applies_what_changed_in_it() {
    let (_store, mut state) = demo((120, 40));
    assert!(!state.is_privacy);
    press_char(&mut state, 'p');
    assert!(state.is_privacy);
    let msg = read_preferences(&state, |r| {
        r.preferences.organisation = Some("Oak Hill Primary".into());
    });
    let effects = update(&mut state, Input::Msg(msg));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(state.is_privacy, "the file's privacy did not change");
    assert_eq!(
        state.preferences.organisation.as_deref(),
        Some("Oak Hill Primary")
    );
    assert_eq!(
        state.status.as_deref(),
        Some("config.toml read again: organisation")
    );
    // The New form opens with it.
    press_char(&mut state, 'n');
    let form = state.form.as_ref().expect("the new form");
    assert!(
        form.fields.iter().any(|f| f.value() == "Oak Hill Primary"),
        "{:?}",
        form.fields.iter().map(|f| f.value()).collect::<Vec<_>>()
    );
    press(&mut state, KeyCode::Esc);

    // Privacy by default written into the file: on, and the names hidden at once.
    press_char(&mut state, 'p');
    assert!(!state.is_privacy);
    let msg = read_preferences(&state, |r| r.privacy = true);
    update(&mut state, Input::Msg(msg));
    assert!(state.is_privacy);
    assert!(!screen(&draw(&state, &Theme::default())).contains("Ava Sample"));

    // A new name in the file is recorded from now on.
    let msg = read_preferences(&state, |r| r.preferences.user = Some("R. Patel".into()));
    let effects = update(&mut state, Input::Msg(msg));
    assert_eq!(effects, [Effect::UseActor("R. Patel".into())]);
    assert_eq!(state.preferences.user.as_deref(), Some("R. Patel"));
}

/// Issue 14: a malformed config.toml read while the dashboard is open is reported on the
/// status line, and the preferences are kept as they were.
#[test]
fn a_malformed_config_read_again_keeps_the_preferences() {
    let (_store, mut state) = demo((120, 40));
    let before = (state.preferences.clone(), state.preferences_read.clone());
    let effects = update(
        &mut state,
        Input::Msg(Msg::PreferencesRead(Err(
            "config.toml:3: privacy: expected a boolean".into(),
        ))),
    );
    assert!(effects.is_empty());
    assert_eq!(
        (state.preferences.clone(), state.preferences_read.clone()),
        before
    );
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(
        shown.contains(
            "config.toml:3: privacy: expected a boolean; the settings are kept as they were"
        ),
        "{shown}"
    );
}

/// Found using the demo at 80x24: `/zoe` left the focus on an empty stage 1 tab while the one
/// match was on stage 3's. The focus moves to the first lane with a match.
#[test]
fn a_filter_that_empties_the_lane_in_view_moves_to_a_lane_with_a_match() {
    let (_store, mut state) = demo((80, 24));
    assert_eq!(state.lane, 0);
    press_char(&mut state, '/');
    type_text(&mut state, "zoe");
    let stage = state.lanes[state.lane].stage;
    assert_eq!(stage, 3);
    assert_eq!(state.selected_id(), Some(5));
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(shown.contains("▌ #5 Zoë Ångström"), "{shown}");
    // Cleared: the lane stays where it is.
    press(&mut state, KeyCode::Esc);
    assert_eq!(state.lanes[state.lane].stage, 3);
}

/// Found using the demo at 80x24: the owed tab cut the partnership's address
/// (`cbscb@centralbedford`), the very thing a DSL copies. It wraps to a line of its own.
#[test]
fn the_owed_tab_at_80_columns_shows_the_partnerships_address_whole() {
    let (_store, mut state) = demo((80, 24));
    while !state.is_owed_tab() {
        press(&mut state, KeyCode::Tab);
    }
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(
        shown.contains("(cbscb@centralbedfordshire.gov.uk)"),
        "{shown}"
    );
}

/// Found in the detail view at 80x24: the date of birth read `born 2018-12-09` in a UK app
/// where every other date reads as a UK user reads it.
#[test]
fn the_detail_view_gives_the_date_of_birth_as_a_uk_date() {
    let (store, mut state) = demo((80, 24));
    select_child(&mut state, "Ava Sample");
    open_selected(&mut state, &store);
    let shown = screen(&draw(&state, &Theme::default()));
    assert!(shown.contains("Ava Sample, born 9 Dec 2018"), "{shown}");
}
