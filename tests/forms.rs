//! Recording from the keyboard: the discussion form (`d`), typed through the key table and
//! `update` as the runtime does (key events in, state and effects out), and drawn.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use escalate::app::form::FormKind;
use escalate::app::{Effect, Input, Msg, State, update};
use escalate::config::Config;
use escalate::core::change::DiscussionInput;
use escalate::core::change::{ActionInput, Request};
use escalate::core::procedure::ProcedureSet;
use escalate::keys;
use escalate::storage::Store;
use escalate::storage::sqlite::SqliteStore;
use escalate::ui::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// The demo's "now": Monday 23 November 2026, 11:00 UK time.
fn now() -> DateTime<Utc> {
    at("2026-11-23 11:00")
}

fn day(text: &str) -> chrono::NaiveDate {
    escalate::core::time::parse_date(text).unwrap()
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

/// The demo caseload loaded into a dashboard of `size`; the first lane's first card (Ava
/// Sample, escalation 1, open) is selected.
fn dashboard(size: (u16, u16)) -> State {
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
    let config = Config::default();
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
        let code = if c == '\n' {
            KeyCode::Enter
        } else {
            KeyCode::Char(c)
        };
        press(state, code);
    }
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

fn focused(state: &State) -> &'static str {
    let form = state.form.as_ref().expect("a form is open");
    form.fields[form.focus].name
}

/// Clears the focused field's text (the When field starts as "now").
fn clear_field(state: &mut State) {
    for _ in 0..40 {
        press(state, KeyCode::Backspace);
    }
}

#[test]
fn a_whole_discussion_typed_and_saved() {
    let mut state = dashboard((120, 40));
    assert!(press(&mut state, KeyCode::Char('d')).is_empty());
    assert_eq!(keys::scope(&state), keys::Scope::Form);
    assert_eq!(focused(&state), "at");
    // When: the words people type, read back beside the field.
    clear_field(&mut state);
    type_text(&mut state, "9:30");
    let form = state.form.as_ref().unwrap();
    assert_eq!(
        form.field("at").unwrap().hint.as_deref(),
        Some("Mon 23 Nov 2026 09:30 GMT")
    );
    // Enter in a one-line field moves on; keys that mean something on the dashboard type here.
    press(&mut state, KeyCode::Enter);
    assert_eq!(focused(&state), "with");
    type_text(&mut state, "Duty SW (Luton MASH); q j l d");
    press(&mut state, KeyCode::Tab);
    assert_eq!(focused(&state), "mode");
    press(&mut state, KeyCode::Right);
    press(&mut state, KeyCode::Right);
    press(&mut state, KeyCode::Left);
    press(&mut state, KeyCode::Tab);
    // Enter in a text field starts a new line.
    type_text(
        &mut state,
        "Asked for a review.\nCall back promised by 2pm.",
    );
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "Manager to review.");
    press(&mut state, KeyCode::Tab);
    // Agreed actions, one a line, due dates in words read forward from Monday 23 November.
    assert_eq!(focused(&state), "actions");
    type_text(
        &mut state,
        "Send the chronology ; Duty SW ; fri\nBook a strategy meeting; Me; +2d",
    );
    let hint = state
        .form
        .as_ref()
        .unwrap()
        .field("actions")
        .unwrap()
        .hint
        .clone();
    assert_eq!(
        hint.as_deref(),
        Some(
            "Send the chronology (Duty SW, due Fri 27 Nov); Book a strategy meeting (Me, due Wed 25 Nov)"
        )
    );
    press(&mut state, KeyCode::Tab);
    press(&mut state, KeyCode::Char(' '));
    assert!(!state.should_quit, "q typed into a field does not quit");

    let effects = ctrl(&mut state, 's');
    assert_eq!(
        effects,
        [Effect::Save {
            token: token(&state),
            seen: seen(&state),
            kind: FormKind::Discuss { escalation: 1 },
            output: Request::Discuss {
                input: DiscussionInput {
                    participants: "Duty SW (Luton MASH); q j l d".into(),
                    mode: "face-to-face".into(),
                    notes: "Asked for a review.\nCall back promised by 2pm.".into(),
                    decisions: Some("Manager to review.".into()),
                    is_agreement: true,
                    at: Some(at("2026-11-23 09:30")),
                },
                actions: vec![
                    ActionInput {
                        what: "Send the chronology".into(),
                        owner: "Duty SW".into(),
                        due_on: day("2026-11-27"),
                    },
                    ActionInput {
                        what: "Book a strategy meeting".into(),
                        owner: "Me".into(),
                        due_on: day("2026-11-25"),
                    },
                ],
            },
        }]
    );
    assert!(state.form.as_ref().unwrap().is_saving);
    assert!(draw(&state).contains("Saving…"));
    // Keys wait while it saves.
    assert!(ctrl(&mut state, 's').is_empty());

    let reply = saved(&state, Ok("discussion recorded (face-to-face)".into()));
    update(&mut state, Input::Msg(reply));
    assert!(state.form.is_none());
    assert!(draw(&state).contains("Saved: discussion recorded (face-to-face)"));
}

#[test]
fn invalid_input_is_marked_and_nothing_is_saved() {
    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Char('d'));
    // A fresh form is not covered in marks.
    assert!(!draw(&state).contains('✗'), "{}", draw(&state));
    // Save with nothing typed: refused, and now every empty required field says so.
    assert!(ctrl(&mut state, 's').is_empty());
    let form = state.form.as_ref().unwrap();
    assert!(!form.is_saving);
    for name in ["with", "notes"] {
        let error = form.field(name).unwrap().error.as_deref();
        assert_eq!(error, Some("is required; it cannot be empty"), "{name}");
    }
    let shown = draw(&state);
    assert!(
        shown.contains("✗ is required; it cannot be empty"),
        "{shown}"
    );
    assert!(
        shown.contains("Not saved: put right the fields marked ✗"),
        "{shown}"
    );

    // A time that cannot be read, and one in the future, are marked as typed.
    clear_field(&mut state);
    type_text(&mut state, "half past nine");
    let error = state
        .form
        .as_ref()
        .unwrap()
        .field("at")
        .unwrap()
        .error
        .clone()
        .unwrap();
    assert!(error.contains("is not a time"), "{error}");
    clear_field(&mut state);
    type_text(&mut state, "+2h");
    let error = state
        .form
        .as_ref()
        .unwrap()
        .field("at")
        .unwrap()
        .error
        .clone()
        .unwrap();
    assert!(error.contains("later than now"), "{error}");
    // A control character cannot be typed into a name.
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "SW");
    press_event(
        &mut state,
        KeyEvent::new(KeyCode::Char('\u{1b}'), KeyModifiers::NONE),
    );
    assert!(ctrl(&mut state, 's').is_empty());

    // The storage worker refusing (the escalation closed meanwhile) keeps the form and says why.
    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Char('d'));
    let reply = saved(&state, Err("escalation 1 is resolved".into()));
    update(&mut state, Input::Msg(reply));
    assert!(state.form.is_some());
    assert!(draw(&state).contains("Not saved: escalation 1 is resolved"));
}

#[test]
fn cancelling_asks_only_when_something_was_typed() {
    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Char('d'));
    press(&mut state, KeyCode::Tab);
    press(&mut state, KeyCode::Esc);
    assert!(state.form.is_none(), "nothing typed: Esc closes at once");

    press(&mut state, KeyCode::Char('d'));
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "Duty SW");
    press(&mut state, KeyCode::Esc);
    assert_eq!(keys::scope(&state), keys::Scope::FormConfirm);
    assert!(draw(&state).contains("Throw away what you typed?"));
    press(&mut state, KeyCode::Char('n'));
    assert_eq!(keys::scope(&state), keys::Scope::Form);
    assert_eq!(
        state.form.as_ref().unwrap().field("with").unwrap().value(),
        "Duty SW"
    );
    // Ctrl-C asks too, rather than losing what was typed.
    ctrl(&mut state, 'c');
    assert!(!state.should_quit);
    assert_eq!(keys::scope(&state), keys::Scope::FormConfirm);
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Esc);
    press(&mut state, KeyCode::Char('y'));
    assert!(state.form.is_none());
    assert!(!state.should_quit);
}

#[test]
fn the_form_opens_from_the_detail_view_and_not_on_a_closed_escalation() {
    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('d'));
    assert!(state.form.is_some());
    let shown = draw(&state);
    assert!(
        shown.contains("Record a discussion: escalation 1, Ava Sample"),
        "{shown}"
    );
    // Privacy mode: the form's title shows initials.
    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Char('p'));
    press(&mut state, KeyCode::Char('d'));
    assert!(draw(&state).contains("escalation 1, A.S."));
    assert!(!draw(&state).contains("Ava Sample"));
    // A closed escalation (李小龍's, resolved but owing a learning note) takes no discussion.
    let mut state = dashboard((120, 40));
    let closed = state
        .entries
        .iter()
        .find(|e| !e.is_open())
        .map(|e| e.escalation.id)
        .unwrap();
    update(&mut state, Input::Intent(escalate::app::Intent::Open));
    state.screen = escalate::app::Screen::Detail {
        id: closed,
        tab: escalate::app::DetailTab::Record,
        scroll: 0,
    };
    press(&mut state, KeyCode::Char('d'));
    assert!(state.form.is_none());
    assert!(
        state
            .status
            .as_deref()
            .unwrap_or_default()
            .contains("is closed")
    );
}

#[test]
fn the_form_at_two_sizes_with_and_without_marks() {
    for size in [(80, 24), (120, 40)] {
        let mut state = dashboard(size);
        press(&mut state, KeyCode::Char('d'));
        press(&mut state, KeyCode::Tab);
        type_text(&mut state, "Duty SW");
        insta::assert_snapshot!(
            format!("discussion_form_{}x{}", size.0, size.1),
            draw(&state)
        );
        ctrl(&mut state, 's');
        insta::assert_snapshot!(
            format!("discussion_form_marked_{}x{}", size.0, size.1),
            draw(&state)
        );
    }
}

fn tick(state: &mut State, at_time: DateTime<Utc>) -> Vec<Effect> {
    update(state, Input::Msg(Msg::Ticked(at_time)))
}

#[test]
fn what_is_typed_is_kept_as_a_draft_a_second_after_the_last_key() {
    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Char('d'));
    // Nothing typed, nothing kept.
    assert!(
        !tick(&mut state, at("2026-11-23 11:00:05"))
            .iter()
            .any(|e| matches!(e, Effect::SaveDraft(_)))
    );
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "Duty SW");
    // The keys were typed at the state's time (11:00:05); a tick under a second later waits.
    let drafts = |effects: Vec<Effect>| -> Vec<escalate::core::draft::Draft> {
        effects
            .into_iter()
            .filter_map(|e| match e {
                Effect::SaveDraft(d) => Some(d),
                _ => None,
            })
            .collect()
    };
    assert!(drafts(tick(&mut state, at("2026-11-23 11:00:05"))).is_empty());
    let kept = drafts(tick(&mut state, at("2026-11-23 11:00:07")));
    assert_eq!(kept.len(), 1);
    let draft = &kept[0];
    assert_eq!(draft.form, "discuss");
    assert_eq!(draft.escalation_id, Some(1));
    assert_eq!(draft.fields["with"], "Duty SW");
    // "now" is kept as the time it meant, so resuming later does not move the discussion.
    assert_eq!(draft.fields["at"], "2026-11-23 11:00");
    // Kept once: the next tick has nothing new to keep.
    assert!(drafts(tick(&mut state, at("2026-11-23 11:00:09"))).is_empty());

    // Throwing the form away throws its draft away too.
    press(&mut state, KeyCode::Esc);
    let effects = press(&mut state, KeyCode::Char('y'));
    assert_eq!(
        effects,
        [Effect::DiscardDraft {
            form: "discuss".into(),
            escalation: Some(1)
        }]
    );
}

#[test]
fn a_draft_from_last_time_is_offered_and_resumed() {
    let mut state = dashboard((120, 40));
    let mut draft = escalate::core::draft::Draft {
        id: Some(7),
        form: "discuss".into(),
        escalation_id: Some(1),
        saved_at: Some(at("2026-11-23 10:40")),
        ..Default::default()
    };
    for (name, value) in [
        ("at", "2026-11-23 10:30"),
        ("with", "Duty SW"),
        ("mode", "video"),
        ("notes", "Typed before the crash.\nSecond line."),
        ("decisions", ""),
        ("agreed", "yes"),
    ] {
        draft.fields.insert(name.into(), value.into());
    }
    update(&mut state, Input::Msg(Msg::DraftsLoaded(vec![draft])));
    let shown = draw(&state);
    assert!(
        shown.contains("Kept from last time, unsaved: a discussion on escalation 1"),
        "{shown}"
    );

    press(&mut state, KeyCode::Char('d'));
    let form = state.form.as_ref().unwrap();
    assert_eq!(form.field("with").unwrap().value(), "Duty SW");
    assert_eq!(form.field("mode").unwrap().value(), "video");
    assert_eq!(
        form.field("notes").unwrap().value(),
        "Typed before the crash.\nSecond line."
    );
    assert_eq!(form.field("agreed").unwrap().value(), "yes");
    assert!(
        state.drafts.is_empty(),
        "a resumed draft is no longer waiting"
    );
    assert!(
        draw(&state).contains("Carrying on from what you typed before (Mon 23 Nov 2026 10:40 GMT)")
    );
    // Resumed text counts as typed: Esc asks before throwing it away.
    press(&mut state, KeyCode::Esc);
    assert_eq!(keys::scope(&state), keys::Scope::FormConfirm);
    // And it saves as typed then.
    press(&mut state, KeyCode::Char('n'));
    let effects = ctrl(&mut state, 's');
    assert!(
        matches!(&effects[..], [Effect::Save { kind: FormKind::Discuss { escalation: 1 }, output: Request::Discuss { input, .. }, .. }]
            if input.at == Some(at("2026-11-23 10:30")) && input.is_agreement && input.mode == "video"),
        "{effects:?}"
    );
}

#[test]
fn advancing_previews_what_it_sets_off_and_needs_a_deliberate_confirmation() {
    let mut state = dashboard((120, 40));
    // Ava Sample: Pan Bedfordshire, stage 1, Luton partnership.
    press(&mut state, KeyCode::Char('a'));
    let form = state.form.as_ref().expect("the advance form");
    let preview = form.preview.join("\n");
    assert!(
        preview.contains("Moves to stage 2 of 4: Line manager to line manager"),
        "{preview}"
    );
    assert!(
        preview.contains("Involved there: Safeguarding leads or line managers"),
        "{preview}"
    );
    // Day 9 of an escalation raised Mon 23 Nov 2026 at 09:00 (two hours before now).
    assert!(
        preview.contains("New clock: Resolved by day 9, due Tue 1 Dec 2026 17:00 GMT"),
        "{preview}"
    );
    // Entering stage 2 makes Appendix 2 owed to the chosen partnership, a working day on.
    assert!(
        preview.contains(
            "Owed: Tell the partnership the escalation procedure was triggered to Luton Safeguarding Children Partnership, due Tue 24 Nov 2026 17:00 GMT"
        ),
        "{preview}"
    );
    let shown = draw(&state);
    assert!(shown.contains("Moves to stage 2 of 4"), "{shown}");

    // A reason alone is not enough: the move must be confirmed.
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "No reply from the duty team.");
    assert!(ctrl(&mut state, 's').is_empty());
    let error = state
        .form
        .as_ref()
        .unwrap()
        .field("confirm")
        .unwrap()
        .error
        .clone();
    assert_eq!(
        error.as_deref(),
        Some("press Space to confirm the move to stage 2")
    );
    press(&mut state, KeyCode::Tab);
    press(&mut state, KeyCode::Char(' '));
    let effects = ctrl(&mut state, 's');
    assert_eq!(
        effects,
        [Effect::Save {
            token: token(&state),
            seen: seen(&state),
            kind: FormKind::Advance {
                escalation: 1,
                to_stage: 2
            },
            output: Request::Advance {
                to: None,
                reason: "No reply from the duty team.".into(),
                at: now(),
            },
        }]
    );
}

#[test]
fn the_last_stage_cannot_be_advanced() {
    let mut state = dashboard((120, 40));
    // The fourth lane holds escalations at stage 4, the last stage of every built-in procedure.
    press(&mut state, KeyCode::Char('4'));
    press(&mut state, KeyCode::Char('a'));
    assert!(state.form.is_none());
    let status = state.status.clone().unwrap_or_default();
    assert!(
        status.contains("the last stage") && status.contains("resolve or withdraw"),
        "{status}"
    );
}

#[test]
fn the_advance_form_at_two_sizes() {
    for size in [(80, 24), (120, 40)] {
        let mut state = dashboard(size);
        press(&mut state, KeyCode::Char('a'));
        insta::assert_snapshot!(format!("advance_form_{}x{}", size.0, size.1), draw(&state));
    }
}

#[test]
fn resolving_asks_why_parents_were_not_told_and_withdrawing_asks_why() {
    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Char('r'));
    assert!(draw(&state).contains("Resolve escalation 1, Ava Sample"));
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "MASH accepted the referral on review.");
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "Ask for the threshold reasons in writing.");
    press(&mut state, KeyCode::Tab);
    // Parents or carers: not recorded → yes → no.
    press(&mut state, KeyCode::Right);
    press(&mut state, KeyCode::Right);
    assert!(
        ctrl(&mut state, 's').is_empty(),
        "no without a reason is refused"
    );
    let error = state
        .form
        .as_ref()
        .unwrap()
        .field("why-not")
        .unwrap()
        .error
        .clone()
        .unwrap();
    assert!(error.contains("say why"), "{error}");
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "It would place the child at risk.");
    press(&mut state, KeyCode::Tab);
    press(&mut state, KeyCode::Right);
    let effects = ctrl(&mut state, 's');
    assert_eq!(
        effects,
        [Effect::Save {
            token: token(&state),
            seen: seen(&state),
            kind: FormKind::Resolve { escalation: 1 },
            output: Request::Resolve(escalate::core::change::ResolutionInput {
                how: "MASH accepted the referral on review.".into(),
                learning: Some("Ask for the threshold reasons in writing.".into()),
                parents_informed: Some(false),
                why_not: Some("It would place the child at risk.".into()),
                child_record_updated: Some(true),
                at: Some(now()),
            }),
        }]
    );

    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Char('w'));
    assert!(
        ctrl(&mut state, 's').is_empty(),
        "a withdrawal needs a reason"
    );
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "Raised about the wrong family.");
    assert_eq!(
        ctrl(&mut state, 's'),
        [Effect::Save {
            token: token(&state),
            seen: seen(&state),
            kind: FormKind::Withdraw { escalation: 1 },
            output: Request::Withdraw {
                why: "Raised about the wrong family.".into(),
                at: now(),
            },
        }]
    );
}

/// The open form's field `name`: its error, or `None`.
fn error_of(state: &State, name: &str) -> Option<String> {
    state.form.as_ref()?.field(name)?.error.clone()
}

fn hint_of(state: &State, name: &str) -> Option<String> {
    state.form.as_ref()?.field(name)?.hint.clone()
}

/// Moves the focus to the field `name`.
fn focus(state: &mut State, name: &str) {
    for _ in 0..30 {
        if focused(state) == name {
            return;
        }
        press(state, KeyCode::Tab);
    }
    panic!("no field {name}");
}

#[test]
fn a_new_escalation_typed_checked_and_saved() {
    let mut state = dashboard((120, 40));
    assert!(press(&mut state, KeyCode::Char('n')).is_empty());
    assert!(draw(&state).contains("New escalation"));
    // The procedures in turn: Barnet, London, Pan Bedfordshire; each shows its source.
    press(&mut state, KeyCode::Right);
    press(&mut state, KeyCode::Right);
    // London's procedure is taken from Bromley's policy: the source says so under the title.
    press(&mut state, KeyCode::Left);
    assert_eq!(
        hint_of(&state, "procedure").as_deref(),
        Some(
            format!(
                "from {}",
                ProcedureSet::builtin().get("london").unwrap().source
            )
            .as_str()
        )
    );
    press(&mut state, KeyCode::Right);
    // Pan Bedfordshire has three partnerships: none is chosen for the DSL.
    let form = state.form.as_ref().unwrap();
    assert_eq!(form.field("procedure").unwrap().value(), "pan-bedfordshire");
    let partnership = form.field("partnership").unwrap();
    assert_eq!(partnership.items.len(), 4);
    assert_eq!(partnership.value(), "");
    assert!(
        error_of(&state, "partnership")
            .unwrap()
            .contains("choose the one to notify")
    );

    focus(&mut state, "child");
    type_text(&mut state, "Zara Test");
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "2030-01-01");
    let error = error_of(&state, "dob").unwrap();
    assert!(error.contains("in the future"), "{error}");
    for _ in 0..10 {
        press(&mut state, KeyCode::Backspace);
    }
    type_text(&mut state, "2015-03-14");
    assert_eq!(error_of(&state, "dob"), None);
    assert_eq!(hint_of(&state, "dob").as_deref(), Some("14 March 2015"));
    focus(&mut state, "raised-by");
    type_text(&mut state, "A Head, DSL");
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "St Mary's Primary");
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "Luton MASH");
    press(&mut state, KeyCode::Tab);
    assert_eq!(focused(&state), "category");
    press(&mut state, KeyCode::Right);
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "today 10:00");
    press(&mut state, KeyCode::Tab);
    clear_field(&mut state);
    type_text(&mut state, "9:00");
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "Referral declined after a disclosure.");

    // Saving now is refused: no partnership chosen, and a raise before the concern.
    assert!(ctrl(&mut state, 's').is_empty());
    assert!(error_of(&state, "partnership").is_some());
    focus(&mut state, "partnership");
    press(&mut state, KeyCode::Right);
    assert_eq!(error_of(&state, "partnership"), None);
    assert!(ctrl(&mut state, 's').is_empty());
    let error = error_of(&state, "raised-at").unwrap();
    assert!(error.contains("before the concern arose"), "{error}");
    focus(&mut state, "raised-at");
    clear_field(&mut state);
    type_text(&mut state, "now");

    let effects = ctrl(&mut state, 's');
    assert_eq!(
        effects,
        [Effect::Save {
            token: token(&state),
            seen: seen(&state),
            kind: FormKind::New,
            output: Request::New(escalate::core::record::NewEscalationInput {
                procedure: "pan-bedfordshire".into(),
                partnership: Some("bedford-borough".into()),
                child_name: "Zara Test".into(),
                child_dob: Some(day("2015-03-14")),
                child_ref: None,
                raised_by: "A Head, DSL".into(),
                agency: "St Mary's Primary".into(),
                raised_with: "Luton MASH".into(),
                category: "roles-and-responsibilities".into(),
                summary: "Referral declined after a disclosure.".into(),
                outcome_sought: None,
                concern_at: Some(at("2026-11-23 10:00")),
                raised_at: Some(now()),
                immediate_risk: false,
            }),
        }]
    );
}

#[test]
fn immediate_risk_shows_the_procedures_advice_before_saving() {
    let mut state = dashboard((80, 24));
    press(&mut state, KeyCode::Char('n'));
    // Barnet, the first procedure, has one partnership: nothing to choose.
    focus(&mut state, "child");
    type_text(&mut state, "Sam Child");
    for (field, text) in [
        ("raised-by", "DSL"),
        ("agency", "School"),
        ("raised-with", "Barnet MASH"),
        ("summary", "Disclosure of harm at home."),
    ] {
        focus(&mut state, field);
        type_text(&mut state, text);
    }
    focus(&mut state, "immediate-risk");
    press(&mut state, KeyCode::Char(' '));
    assert!(ctrl(&mut state, 's').is_empty(), "asks first");
    assert_eq!(keys::scope(&state), keys::Scope::RiskConfirm);
    let shown = draw(&state);
    assert!(shown.contains("Immediate risk"), "{shown}");
    assert!(shown.contains("y saves it as immediate risk"), "{shown}");
    let procedures = ProcedureSet::builtin();
    let advice = &procedures.get("barnet").unwrap().immediate_risk;
    let first_words: String = advice
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        shown.contains(&first_words),
        "{first_words:?} not in\n{shown}"
    );
    // n goes back to the form with nothing saved; y saves.
    assert!(press(&mut state, KeyCode::Char('n')).is_empty());
    assert_eq!(keys::scope(&state), keys::Scope::Form);
    ctrl(&mut state, 's');
    let effects = press(&mut state, KeyCode::Char('y'));
    assert!(
        matches!(&effects[..], [Effect::Save { kind: FormKind::New, output: Request::New(input), .. }]
            if input.immediate_risk && input.procedure == "barnet" && input.partnership.is_none()),
        "{effects:?}"
    );
}

#[test]
fn a_notification_is_marked_sent_from_the_notifications_panel() {
    let mut state = dashboard((120, 40));
    // After the four lanes, the panel: its second row is Leo Example's Appendix 2.
    for _ in 0..4 {
        press(&mut state, KeyCode::Tab);
    }
    assert!(state.is_owed_focus());
    assert!(draw(&state).contains("s records one sent"));
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::Char('s'));
    assert!(draw(&state).contains("Notification sent: escalation 2, Leo Example"));
    assert_eq!(
        state
            .form
            .as_ref()
            .unwrap()
            .field("notification")
            .unwrap()
            .value(),
        "appendix-2"
    );
    focus(&mut state, "at");
    clear_field(&mut state);
    type_text(&mut state, "2026-11-01 09:00");
    let error = error_of(&state, "at").unwrap();
    assert!(
        error.contains("is before the event that required it"),
        "{error}"
    );
    clear_field(&mut state);
    type_text(&mut state, "10:15");
    focus(&mut state, "method");
    press(&mut state, KeyCode::Right);
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "CBSCP ref 4471");
    assert_eq!(
        ctrl(&mut state, 's'),
        [Effect::Save {
            token: token(&state),
            seen: seen(&state),
            kind: FormKind::NotificationSent { escalation: 2 },
            output: Request::NotificationSent {
                notification: "appendix-2".into(),
                method: "email".into(),
                reference: Some("CBSCP ref 4471".into()),
                at: at("2026-11-23 10:15"),
            },
        }]
    );

    // An escalation that owes nothing says so.
    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Char('2'));
    press(&mut state, KeyCode::Down);
    assert_eq!(
        state.selected_id(),
        Some(4),
        "Noah Fictional, who owes nothing"
    );
    press(&mut state, KeyCode::Char('s'));
    assert!(state.form.is_none());
    assert!(
        state
            .status
            .clone()
            .unwrap()
            .contains("owes no notification")
    );
}

#[test]
fn an_action_is_marked_done_and_an_escalation_without_one_says_so() {
    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Char('2'));
    assert_eq!(state.selected_id(), Some(2));
    press(&mut state, KeyCode::Char('x'));
    let form = state.form.as_ref().unwrap();
    assert_eq!(form.field("action").unwrap().value(), "1");
    assert!(draw(&state).contains("Send chronology of concerns to"));
    focus(&mut state, "at");
    clear_field(&mut state);
    type_text(&mut state, "+1d");
    assert!(error_of(&state, "at").unwrap().contains("later than now"));
    clear_field(&mut state);
    type_text(&mut state, "8:45");
    assert_eq!(
        ctrl(&mut state, 's'),
        [Effect::Save {
            token: token(&state),
            seen: seen(&state),
            kind: FormKind::ActionDone { escalation: 2 },
            output: Request::ActionDone {
                action_id: 1,
                at: at("2026-11-23 08:45"),
            },
        }]
    );

    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Char('x'));
    assert!(state.form.is_none(), "Ava Sample has no open action");
    assert!(
        state
            .status
            .clone()
            .unwrap()
            .contains("no open agreed action")
    );
}

#[test]
fn an_amendment_checks_the_corrected_value_and_needs_a_reason() {
    // In privacy mode the name stays hidden, in the form as everywhere else.
    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Char('p'));
    press(&mut state, KeyCode::Char('e'));
    assert_eq!(
        hint_of(&state, "field").as_deref(),
        Some("now: (hidden in privacy mode)")
    );
    assert!(!draw(&state).contains("Ava Sample"));
    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Char('e'));
    assert_eq!(hint_of(&state, "field").as_deref(), Some("now: Ava Sample"));
    press(&mut state, KeyCode::Right);
    assert_eq!(
        state.form.as_ref().unwrap().field("field").unwrap().value(),
        "dob"
    );
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "2030-02-03");
    assert!(error_of(&state, "value").unwrap().contains("in the future"));
    for _ in 0..10 {
        press(&mut state, KeyCode::Backspace);
    }
    type_text(&mut state, "2014-02-03");
    assert_eq!(error_of(&state, "value"), None);
    assert!(ctrl(&mut state, 's').is_empty(), "a reason is required");
    assert!(error_of(&state, "why").is_some());
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "Typed from the wrong form.");
    assert_eq!(
        ctrl(&mut state, 's'),
        [Effect::Save {
            token: token(&state),
            seen: seen(&state),
            kind: FormKind::Amend { escalation: 1 },
            output: Request::Amend {
                field: "dob".into(),
                value: "2014-02-03".into(),
                why: "Typed from the wrong form.".into(),
            },
        }]
    );
}

#[test]
fn after_an_advance_is_saved_the_dashboard_follows_the_escalation_to_its_lane() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let procedures = ProcedureSet::builtin();
    escalate::demo::fill(
        &mut store,
        &procedures,
        &Config::default(),
        "Test DSL",
        now(),
        1,
    )
    .unwrap();
    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Char('a'));
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "No reply.");
    press(&mut state, KeyCode::Tab);
    press(&mut state, KeyCode::Char(' '));
    assert_eq!(ctrl(&mut state, 's').len(), 1);
    // What the worker does: write, report, reload.
    store
        .change(1, "Test DSL", now(), |e| {
            escalate::core::change::plan_advance(
                e,
                procedures.get("pan-bedfordshire").unwrap(),
                "No reply.",
                now(),
                now(),
            )
        })
        .unwrap();
    let reply = saved(&state, Ok("advanced".into()));
    update(&mut state, Input::Msg(reply));
    assert!(state.form.is_none());
    update(
        &mut state,
        Input::Msg(Msg::CaseloadLoaded(Ok(store.caseload().unwrap()))),
    );
    assert_eq!(state.lane, 1, "the second lane, where it now is");
    assert_eq!(state.selected_id(), Some(1));
}

#[test]
fn every_form_at_80x24_and_120x40() {
    // (key, setup keys, name): each form as it opens; the new escalation also marked.
    for size in [(80, 24), (120, 40)] {
        let (w, h) = size;
        let mut shots: Vec<(String, String)> = Vec::new();
        for (key, lane, name) in [
            ('n', '1', "new_escalation"),
            ('r', '1', "resolve"),
            ('w', '1', "withdraw"),
            ('x', '2', "action_done"),
            ('s', '2', "notification_sent"),
            ('e', '1', "amend"),
        ] {
            let mut state = dashboard(size);
            press(&mut state, KeyCode::Char(lane));
            press(&mut state, KeyCode::Char(key));
            assert!(state.form.is_some(), "{name}");
            shots.push((format!("{name}_form_{w}x{h}"), draw(&state)));
        }
        let mut state = dashboard(size);
        press(&mut state, KeyCode::Char('n'));
        focus(&mut state, "dob");
        // Day first is read (issue 14), so a date with dots stands for a typing mistake.
        type_text(&mut state, "14.03.2015");
        ctrl(&mut state, 's');
        shots.push((format!("new_escalation_form_marked_{w}x{h}"), draw(&state)));
        for (name, shown) in shots {
            insta::assert_snapshot!(name, shown);
        }
    }
}

#[test]
fn a_new_escalation_is_kept_as_a_draft_and_resumed_with_its_partnership() {
    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Char('n'));
    press(&mut state, KeyCode::Right);
    press(&mut state, KeyCode::Right);
    press(&mut state, KeyCode::Tab);
    press(&mut state, KeyCode::Right);
    press(&mut state, KeyCode::Right);
    focus(&mut state, "child");
    type_text(&mut state, "Zara Test");
    let effects = tick(&mut state, at("2026-11-23 11:00:05"));
    let draft = effects
        .iter()
        .find_map(|e| match e {
            Effect::SaveDraft(d) => Some(d.clone()),
            _ => None,
        })
        .expect("kept a second after the last key");
    assert_eq!((draft.form.as_str(), draft.escalation_id), ("new", None));
    assert_eq!(draft.fields["partnership"], "central-bedfordshire");

    // Next time: offered, and n carries on from it.
    let mut state = dashboard((120, 40));
    update(
        &mut state,
        Input::Msg(Msg::DraftsLoaded(vec![escalate::core::draft::Draft {
            saved_at: Some(at("2026-11-23 11:00")),
            ..draft
        }])),
    );
    assert!(draw(&state).contains("Kept from last time, unsaved: a new escalation."));
    press(&mut state, KeyCode::Char('n'));
    let form = state.form.as_ref().unwrap();
    assert_eq!(form.field("procedure").unwrap().value(), "pan-bedfordshire");
    assert_eq!(
        form.field("partnership").unwrap().value(),
        "central-bedfordshire"
    );
    assert_eq!(form.field("child").unwrap().value(), "Zara Test");
}

#[test]
fn a_save_against_an_escalation_that_moved_meanwhile_is_refused_and_the_form_stays_open() {
    use escalate::service::{self, Rules, ServiceError, Subject};
    let mut store = SqliteStore::open_in_memory().unwrap();
    let procedures = ProcedureSet::builtin();
    let config = Config::default();
    escalate::demo::fill(&mut store, &procedures, &config, "Test DSL", now(), 1).unwrap();
    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Char('a'));
    assert!(state.form.as_ref().unwrap().preview[0].starts_with("Moves to stage 2"));
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "No reply.");
    press(&mut state, KeyCode::Tab);
    press(&mut state, KeyCode::Char(' '));
    let effects = ctrl(&mut state, 's');
    let [
        Effect::Save {
            token,
            kind,
            seen,
            output,
        },
    ] = &effects[..]
    else {
        panic!("{effects:?}");
    };
    let rules = Rules {
        procedures: &procedures,
        calendar: &config.calendar,
        settings: &config.settings,
    };
    let before = store.escalation(1).unwrap().stage_changes.len();
    // Meanwhile another terminal advances the same escalation, as `escalate advance 1` does.
    let other = Request::Advance {
        to: None,
        reason: "Escalated by phone.".into(),
        at: now(),
    };
    let subject = Subject::Escalation { id: 1, seen: None };
    service::apply(&mut store, &rules, "Other DSL", now(), subject, &other).unwrap();
    // Then the storage worker saves the form, as it would have been saved at stage 3.
    let subject = Subject::of(kind.escalation(), *seen);
    let result = service::apply(&mut store, &rules, "Test DSL", now(), subject, output);
    let Err(refusal @ ServiceError::Moved { .. }) = result else {
        panic!("{result:?}");
    };
    let why = refusal.to_string();
    assert!(
        why.starts_with(
            "escalation 1 changed since this form was opened: moved from stage 1 to stage 2. Nothing was saved"
        ),
        "{why}"
    );
    let escalation = store.escalation(1).unwrap();
    assert_eq!(escalation.stage(), 2, "advanced once only");
    assert_eq!(escalation.stage_changes.len(), before + 1);
    update(
        &mut state,
        Input::Msg(Msg::FormSaved {
            token: *token,
            result: Err(why),
            escalation: None,
        }),
    );
    let form = state.form.as_ref().expect("the form stays open");
    assert!(!form.is_saving);
    assert_eq!(form.field("reason").unwrap().value(), "No reply.");
    assert!(draw(&state).contains("Not saved: escalation 1 changed since this form was opened"));
}

#[test]
fn a_reply_answers_only_the_form_it_names() {
    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Char('d'));
    let first = token(&state);
    press(&mut state, KeyCode::Esc);
    assert!(state.form.is_none());
    // A new form, with something typed into it.
    press(&mut state, KeyCode::Char('d'));
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "Duty SW");
    assert_ne!(token(&state), first);
    // A late reply about the first form, and a review's reply: neither touches this one.
    update(
        &mut state,
        Input::Msg(Msg::FormSaved {
            token: first,
            result: Ok("discussion recorded".into()),
            escalation: None,
        }),
    );
    update(
        &mut state,
        Input::Msg(Msg::ReviewRecorded(Ok("review recorded".into()))),
    );
    update(
        &mut state,
        Input::Msg(Msg::DraftNotKept("disk full".into())),
    );
    let form = state.form.as_ref().expect("the form stays open");
    assert_eq!(form.field("with").unwrap().value(), "Duty SW");
    assert!(!form.is_saving);
}

#[test]
fn the_advance_preview_counts_from_the_time_typed_in_when() {
    let mut state = dashboard((120, 40));
    // Noah Fictional (escalation 4), at stage 2 of Staffordshire: stage 3's clocks count hours.
    press(&mut state, KeyCode::Char('2'));
    press(&mut state, KeyCode::Down);
    press(&mut state, KeyCode::Char('a'));
    let preview = state.form.as_ref().unwrap().preview.join("\n");
    assert!(
        preview.contains(
            "New clock: Refer to the Head of Service within 48 hours, due Wed 25 Nov 2026 11:00 GMT"
        ),
        "counted from now until a time is typed: {preview}"
    );
    for _ in 0.."now".len() {
        press(&mut state, KeyCode::Backspace);
    }
    type_text(&mut state, "yesterday 10:00");
    let form = state.form.as_ref().unwrap();
    assert_eq!(form.kind.escalation(), Some(4));
    let preview = form.preview.join("\n");
    assert!(
        preview.contains(
            "New clock: Refer to the Head of Service within 48 hours, due Tue 24 Nov 2026 10:00 GMT"
        ),
        "{preview}"
    );
    assert!(
        preview.contains(
            "New clock: Heads of Service meet within 5 working days, due Fri 27 Nov 2026 17:00 GMT"
        ),
        "{preview}"
    );
    assert!(preview.starts_with("Moves to stage 3 of 4: Head of Service"));
    assert!(draw(&state).contains("due Tue 24 Nov 2026 10:00 GMT"));
}

/// What the storage worker does with a form's save: plans it through the service against the
/// store, reports it as the runtime does, and reloads the caseload.
fn work(store: &mut SqliteStore, state: &mut State, effects: &[Effect]) -> Result<i64, String> {
    use escalate::service::{self, Rules, Subject};
    let [
        Effect::Save {
            token,
            kind,
            seen,
            output,
        },
    ] = effects
    else {
        panic!("expected one save: {effects:?}");
    };
    let config = Config::default();
    let procedures = ProcedureSet::builtin();
    let rules = Rules {
        procedures: &procedures,
        calendar: &config.calendar,
        settings: &config.settings,
    };
    let subject = Subject::of(kind.escalation(), *seen);
    let applied = service::apply(store, &rules, "Test DSL", now(), subject, output)
        .map(|a| (a.escalation(), a.describe()))
        .map_err(|e| e.to_string());
    let id = applied.as_ref().ok().map(|(id, _)| *id);
    update(
        state,
        Input::Msg(Msg::FormSaved {
            token: *token,
            result: applied.clone().map(|(_, what)| what),
            escalation: id,
        }),
    );
    update(
        state,
        Input::Msg(Msg::CaseloadLoaded(Ok(store.caseload().unwrap()))),
    );
    applied.map(|(id, _)| id)
}

/// The demo caseload in a store, and a dashboard of `size` loaded from it.
fn stored_dashboard(size: (u16, u16)) -> (SqliteStore, State) {
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
    (store, dashboard(size))
}

#[test]
fn a_clock_is_marked_met_from_the_detail_view_through_the_service() {
    let (mut store, mut state) = stored_dashboard((120, 40));
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('m'));
    let form = state.form.as_ref().expect("the clock-met form opens");
    assert_eq!(form.kind, FormKind::ClockMet { escalation: 1 });
    assert_eq!(
        focused(&state),
        "note",
        "the clock is chosen; the note is typed"
    );
    let clock = form.field("clock").unwrap().value();
    assert!(!clock.is_empty());
    // Nothing typed: refused, the note marked.
    assert!(ctrl(&mut state, 's').is_empty());
    assert!(error_of(&state, "note").is_some());
    type_text(&mut state, "Agreed by phone with the duty manager.");
    let effects = ctrl(&mut state, 's');
    assert!(matches!(
        &effects[..],
        [Effect::Save { output: Request::ClockMet { clock: c, at, .. }, .. }] if *c == clock && *at == now()
    ));
    assert_eq!(work(&mut store, &mut state, &effects), Ok(1));
    assert!(state.form.is_none());
    assert!(state.status.clone().unwrap().starts_with("Saved:"));
    let trail = store.audit_trail(Some(1)).unwrap();
    assert!(
        trail
            .iter()
            .any(|e| e.summary == format!("clock {clock} marked met")),
        "{trail:?}"
    );
    // The immediate-risk clock, first offered, is met: recorded as met from the keyboard.
    assert_eq!(clock, "immediate-risk");
    let entry = state.entries.iter().find(|e| e.escalation.id == 1).unwrap();
    let met = entry
        .schedule
        .clocks
        .iter()
        .find(|c| *c.key == *clock)
        .unwrap();
    assert!(!met.state.is_live(), "{:?}", met.state);
}

#[test]
fn an_agreed_action_is_added_from_the_detail_view_through_the_service() {
    let (mut store, mut state) = stored_dashboard((120, 40));
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('A'));
    assert_eq!(
        state.form.as_ref().unwrap().kind,
        FormKind::AddAction { escalation: 1 }
    );
    type_text(&mut state, "Send the chronology to the chair");
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "J Okafor");
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "2026-11-20");
    assert!(error_of(&state, "due").unwrap().contains("in the past"));
    clear_field(&mut state);
    type_text(&mut state, "fri");
    assert_eq!(hint_of(&state, "due").as_deref(), Some("Fri 27 Nov 2026"));
    let effects = ctrl(&mut state, 's');
    assert!(matches!(
        &effects[..],
        [Effect::Save { output: Request::AddAction { due_on, owner, .. }, .. }]
            if due_on == "2026-11-27" && owner == "J Okafor"
    ));
    assert_eq!(work(&mut store, &mut state, &effects), Ok(1));
    let actions = store.escalation(1).unwrap().actions;
    assert!(
        actions
            .iter()
            .any(|a| a.what == "Send the chronology to the chair" && a.due_on == day("2026-11-27"))
    );
}

#[test]
fn a_clock_is_tightened_from_the_detail_view_and_never_loosened() {
    let (mut store, mut state) = stored_dashboard((120, 40));
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('T'));
    assert_eq!(
        state.form.as_ref().unwrap().kind,
        FormKind::Tighten { escalation: 1 }
    );
    // Ava Sample's immediate-risk clock is offered first: due at once (recognised before working
    // hours), so there is nothing earlier to tighten it to. Choose her day-2 clock.
    for _ in 0..10 {
        if state.form.as_ref().unwrap().field("clock").unwrap().value() == "s1.resolve" {
            break;
        }
        press(&mut state, KeyCode::Right);
    }
    let clock = state.form.as_ref().unwrap().field("clock").unwrap().value();
    assert_eq!(clock, "s1.resolve");
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "+3d");
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "The child is moving school on Friday.");
    // Later than the clock's due time: the core refuses to loosen it.
    assert!(ctrl(&mut state, 's').is_empty());
    assert!(
        error_of(&state, "due")
            .unwrap_or_default()
            .contains("never loosened"),
        "{:?}",
        state.form.as_ref().unwrap().fields
    );
    focus(&mut state, "due");
    clear_field(&mut state);
    type_text(&mut state, "16:00");
    assert_eq!(
        hint_of(&state, "due").as_deref(),
        Some("Mon 23 Nov 2026 16:00 GMT")
    );
    let effects = ctrl(&mut state, 's');
    assert!(matches!(
        &effects[..],
        [Effect::Save { output: Request::Tighten { clock: c, due_at, .. }, .. }]
            if *c == clock && *due_at == at("2026-11-23 16:00")
    ));
    assert_eq!(work(&mut store, &mut state, &effects), Ok(1));
    let entry = state.entries.iter().find(|e| e.escalation.id == 1).unwrap();
    let tightened = entry
        .schedule
        .clocks
        .iter()
        .find(|c| *c.key == *clock)
        .unwrap();
    assert_eq!(tightened.due_at, Some(at("2026-11-23 16:00")));
}

/// Issue 14: a timescale typed into the tighten form counts from the clock's start, as
/// `escalate tighten --within` counts it (one function for both), not from now.
#[test]
fn a_shorter_timescale_in_the_tighten_form_counts_from_the_clocks_start_as_the_cli_does() {
    let (mut store, mut state) = stored_dashboard((120, 40));
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('T'));
    for _ in 0..10 {
        if state.form.as_ref().unwrap().field("clock").unwrap().value() == "s1.resolve" {
            break;
        }
        press(&mut state, KeyCode::Right);
    }
    let entry = state.entries.iter().find(|e| e.escalation.id == 1).unwrap();
    let clock = entry
        .schedule
        .clocks
        .iter()
        .find(|c| &*c.key == "s1.resolve")
        .unwrap();
    let started = clock.started_at.unwrap();
    let expected = started + chrono::Duration::hours(6);
    assert!(
        expected < now() + chrono::Duration::hours(6),
        "counted from the start, not now"
    );
    // The same due time `tighten --within "6 hours"` gives.
    let calendar = escalate::config::Config::default().calendar;
    assert_eq!(
        escalate::core::change::due_within(
            &entry.schedule,
            &calendar,
            "s1.resolve",
            escalate::core::timescale::Timescale::parse("6 hours").unwrap()
        ),
        Ok(expected)
    );
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "day 3");
    assert!(
        error_of(&state, "due")
            .unwrap_or_default()
            .contains("counts the escalation's days"),
        "{:?}",
        state.form.as_ref().unwrap().fields
    );
    clear_field(&mut state);
    type_text(&mut state, "6 hours");
    assert_eq!(
        hint_of(&state, "due"),
        Some(escalate::core::calendar::format_local(expected))
    );
    press(&mut state, KeyCode::Tab);
    type_text(&mut state, "The child goes home this afternoon.");
    let effects = ctrl(&mut state, 's');
    assert!(
        matches!(
            &effects[..],
            [Effect::Save { output: Request::Tighten { clock: c, due_at, .. }, .. }]
                if c == "s1.resolve" && *due_at == expected
        ),
        "{effects:?}"
    );
    assert_eq!(work(&mut store, &mut state, &effects), Ok(1));
}

#[test]
fn a_reason_for_a_delay_is_recorded_from_the_detail_view() {
    let (mut store, mut state) = stored_dashboard((120, 40));
    press(&mut state, KeyCode::Char('2'));
    press(&mut state, KeyCode::Enter);
    press(&mut state, KeyCode::Char('L'));
    let form = state.form.as_ref().expect("the delay form opens");
    assert_eq!(form.kind, FormKind::DelayReason { escalation: 2 });
    assert!(
        form.field("late").unwrap().items.len() > 1,
        "a choice of what is late"
    );
    type_text(&mut state, "The chair was on leave.");
    let effects = ctrl(&mut state, 's');
    assert!(matches!(
        &effects[..],
        [Effect::Save {
            output: Request::DelayReason { .. },
            ..
        }]
    ));
    assert_eq!(work(&mut store, &mut state, &effects), Ok(2));
    assert!(state.status.clone().unwrap().starts_with("Saved:"));
}

#[test]
fn after_a_new_escalation_is_saved_it_is_selected() {
    let (mut store, mut state) = stored_dashboard((120, 40));
    press(&mut state, KeyCode::Char('3'));
    press(&mut state, KeyCode::Char('n'));
    for (name, text) in [
        ("child", "Zoë Ångström"),
        ("raised-by", "A DSL, Head of Year"),
        ("agency", "Hillside School"),
        ("raised-with", "Children's social care, MASH"),
        ("summary", "Referral closed without a strategy discussion."),
    ] {
        focus(&mut state, name);
        type_text(&mut state, text);
    }
    let effects = ctrl(&mut state, 's');
    let id = work(&mut store, &mut state, &effects).expect("saved");
    assert_eq!(state.selected_id(), Some(id));
    assert_eq!(state.lane, 0, "its lane, stage 1");
}

#[test]
fn the_new_keyboard_forms_at_three_sizes() {
    for size in [(80, 24), (120, 40), (200, 50)] {
        let (w, h) = size;
        for (key, lane, name) in [
            ('m', '1', "clock_met"),
            ('A', '1', "add_action"),
            ('T', '1', "tighten"),
            ('L', '2', "delay_reason"),
        ] {
            let mut state = dashboard(size);
            press(&mut state, KeyCode::Char(lane));
            press(&mut state, KeyCode::Enter);
            press(&mut state, KeyCode::Char(key));
            assert!(state.form.is_some(), "{name}");
            insta::assert_snapshot!(format!("{name}_form_{w}x{h}"), draw(&state));
        }
    }
}

/// `text` on screen, whatever lines and borders it is wrapped across.
fn reads_whole(screen: &str, text: &str) -> bool {
    // The widest box's text on each line: the longest run between two borders.
    let flat: String = screen
        .lines()
        .filter_map(|l| l.split('│').max_by_key(|s| s.chars().count()))
        .collect::<Vec<_>>()
        .join(" ");
    let squash = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    squash(&flat).contains(&squash(text))
}

#[test]
fn the_immediate_risk_advice_is_shown_whole_and_recorded_as_met_from_the_keyboard() {
    let procedures = ProcedureSet::builtin();
    let advice = procedures
        .get("pan-bedfordshire")
        .unwrap()
        .immediate_risk
        .clone();
    for size in [(80, 24), (120, 40), (200, 50)] {
        let (w, h) = size;
        // The New form, once immediate risk is set: above the fields, whole.
        let mut state = dashboard(size);
        press(&mut state, KeyCode::Char('n'));
        focus(&mut state, "immediate-risk");
        press(&mut state, KeyCode::Char(' '));
        let form = state.form.as_ref().unwrap();
        let chosen = procedures
            .get(&form.field("procedure").unwrap().value())
            .unwrap()
            .immediate_risk
            .clone();
        assert!(form.preview[0].contains(&chosen), "{:?}", form.preview);
        let shown = draw(&state);
        if h >= 40 {
            assert!(reads_whole(&shown, &chosen), "{w}x{h}:\n{shown}");
        }
        insta::assert_snapshot!(format!("new_form_immediate_risk_{w}x{h}"), shown);

        // The detail view of Ava Sample (immediate risk), and its m.
        let mut state = dashboard(size);
        press(&mut state, KeyCode::Enter);
        let shown = draw(&state);
        assert!(reads_whole(&shown, &advice), "{w}x{h}:\n{shown}");
        assert!(shown.contains("m records the immediate risk"), "{shown}");

        // The review walk's first item is her immediate risk: advice whole, and m marks it met.
        let mut state = dashboard(size);
        press(&mut state, KeyCode::Char('R'));
        let shown = draw(&state);
        assert!(reads_whole(&shown, &advice), "{w}x{h}:\n{shown}");
        insta::assert_snapshot!(format!("review_immediate_risk_{w}x{h}"), shown);
        press(&mut state, KeyCode::Char('m'));
        let form = state.form.as_ref().expect("the clock-met form");
        assert_eq!(form.field("clock").unwrap().value(), "immediate-risk");
        assert_eq!(form.review_item, Some(0));
    }
}

/// Issue 14: a one-line field wraps as it will be saved, so a long entry reads whole while it
/// is typed (start and end both in view), at every size; short ones keep one row.
#[test]
fn a_long_one_line_field_wraps_to_show_it_whole() {
    let long = "Duty social worker, Children's Services Assessment Team North (Luton), via the MASH consultation line";
    for (width, height) in [(80, 24), (120, 40), (200, 50)] {
        let mut state = dashboard((width, height));
        press(&mut state, KeyCode::Char('n'));
        focus(&mut state, "raised-with");
        type_text(&mut state, long);
        let shown = draw(&state);
        for part in ["Duty social worker,", "Team North", "consultation line"] {
            assert!(
                shown.contains(part),
                "{part:?} at {width}x{height}:\n{shown}"
            );
        }
        insta::assert_snapshot!(format!("long_line_field_{width}x{height}"), shown);
    }
}

#[test]
fn a_paste_goes_into_the_focused_field_only() {
    let mut state = dashboard((120, 40));
    press(&mut state, KeyCode::Char('d'));
    // A one-line field: the lines joined.
    focus(&mut state, "with");
    update(
        &mut state,
        Input::Msg(Msg::Pasted("Duty SW,\r\nLuton MASH\n".into())),
    );
    assert_eq!(focused(&state), "with", "a pasted newline moves nowhere");
    let form = state.form.as_ref().unwrap();
    assert_eq!(form.field("with").unwrap().value(), "Duty SW, Luton MASH");
    assert!(form.is_changed);
    assert_eq!(
        state.status.as_deref(),
        Some(
            "Pasted 2 lines joined into one: \"Who took part (names, roles, agencies)\" takes a single line"
        )
    );
    // A text of several lines: whole, lines kept, nothing else touched.
    focus(&mut state, "notes");
    update(
        &mut state,
        Input::Msg(Msg::Pasted("First line.\nSecond line.\n".into())),
    );
    let form = state.form.as_ref().unwrap();
    assert_eq!(
        form.field("notes").unwrap().value(),
        "First line.\nSecond line."
    );
    assert_eq!(form.field("decisions").unwrap().value(), "");
    // A choice takes no paste, and says so.
    focus(&mut state, "mode");
    update(&mut state, Input::Msg(Msg::Pasted("video".into())));
    assert_eq!(
        state.form.as_ref().unwrap().field("mode").unwrap().value(),
        "phone"
    );
    assert!(state.status.clone().unwrap().starts_with("Not pasted"));
    // A long line of notes wraps at words: its start stays in view.
    focus(&mut state, "notes");
    type_text(
        &mut state,
        " The practitioner was not told of the strategy discussion until a week after it had taken place, and the school heard of it only from the family.",
    );
    let shown = draw(&state);
    assert!(shown.contains("First line."), "{shown}");
    assert!(
        shown.contains("heard of it only from the family."),
        "{shown}"
    );

    // With no form: into the filter while typing it, else refused.
    let mut state = dashboard((120, 40));
    update(&mut state, Input::Msg(Msg::Pasted("leo".into())));
    assert!(state.status.clone().unwrap().starts_with("Not pasted"));
    press(&mut state, KeyCode::Char('/'));
    update(&mut state, Input::Msg(Msg::Pasted("Leo\nExample".into())));
    assert_eq!(state.filter, "Leo Example");
}

/// Issue 14: a first run asks the DSL's name for the audit trail (instead of writing their
/// login name): typed over the screen, refused when it cannot be recorded, kept with Enter
/// (the runtime writes it to config.toml), put off with Esc; and a new escalation then opens
/// with it as "Raised by".
#[test]
fn a_first_run_asks_the_dsls_name_and_a_new_escalation_starts_with_it() {
    let mut state = dashboard((80, 24));
    state.asking_name = Some(String::new());
    assert_eq!(escalate::keys::scope(&state), escalate::keys::Scope::Name);
    // Keys that mean something on the dashboard type into the name instead.
    type_text(&mut state, "Jo Bloggs, DSL");
    assert_eq!(state.asking_name.as_deref(), Some("Jo Bloggs, DSL"));
    assert!(state.form.is_none());
    insta::assert_snapshot!("first_run_name_80x24", draw(&state));
    press(&mut state, KeyCode::Backspace);
    type_text(&mut state, "L");
    let effects = press(&mut state, KeyCode::Enter);
    assert_eq!(effects, [Effect::RememberUser("Jo Bloggs, DSL".into())]);
    assert_eq!(state.asking_name, None);
    update(
        &mut state,
        Input::Msg(Msg::UserRemembered(Ok(
            "/home/jo/.config/escalate/config.toml".into(),
        ))),
    );
    assert_eq!(
        state.status.as_deref(),
        Some("Saved: your name, for the audit trail, in config.toml")
    );
    press(&mut state, KeyCode::Char('n'));
    let form = state.form.as_ref().unwrap();
    assert_eq!(form.field("raised-by").unwrap().value(), "Jo Bloggs, DSL");
    assert!(!form.is_changed, "a prefilled form is not a draft");

    // Only whitespace, or a bidi control, is refused and the question stays.
    let mut state = dashboard((80, 24));
    state.asking_name = Some(String::new());
    type_text(&mut state, "  ");
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    assert!(state.asking_name.is_some());
    assert!(state.status.clone().unwrap().starts_with("Not kept"));
    type_text(&mut state, "Jo\u{202e}");
    assert!(press(&mut state, KeyCode::Enter).is_empty());
    assert!(state.asking_name.is_some());
    // Esc: not now.
    assert!(press(&mut state, KeyCode::Esc).is_empty());
    assert_eq!(state.asking_name, None);
    assert!(state.status.clone().unwrap().contains("config.toml"));
}

/// Issue 14: the settings' procedure, partnership and organisation fill a new escalation
/// (each still editable); one the procedures do not have is named, not guessed.
#[test]
fn a_new_escalation_opens_with_the_preferred_procedure_partnership_and_organisation() {
    let procedures = ProcedureSet::builtin();
    let several = procedures
        .iter()
        .find(|p| p.partnerships.len() > 1)
        .expect("a built-in procedure with several partnerships");
    let partnership = several.partnerships[1].id.clone();
    let mut state = dashboard((120, 40));
    state.preferences = escalate::app::Preferences {
        user: Some("Jo Bloggs".into()),
        organisation: Some("Hilltop Primary School".into()),
        procedure: Some(several.id.clone()),
        partnership: Some(partnership.clone()),
    };
    press(&mut state, KeyCode::Char('n'));
    let form = state.form.as_ref().unwrap();
    assert_eq!(form.field("procedure").unwrap().value(), several.id);
    assert_eq!(form.field("partnership").unwrap().value(), partnership);
    assert_eq!(form.field("raised-by").unwrap().value(), "Jo Bloggs");
    assert_eq!(
        form.field("agency").unwrap().value(),
        "Hilltop Primary School"
    );
    insta::assert_snapshot!("new_form_prefilled_120x40", draw(&state));

    let mut state = dashboard((120, 40));
    state.preferences.procedure = Some("nowhere".into());
    press(&mut state, KeyCode::Char('n'));
    assert!(state.form.is_some());
    assert!(
        state
            .status
            .clone()
            .unwrap()
            .contains("there is no procedure \"nowhere\""),
        "{:?}",
        state.status
    );
}

/// Issue 14 (found in the simulated week): when every open escalation is past stage 1, the
/// dashboard opens on the first lane with a card, not on an empty stage 1.
#[test]
fn the_dashboard_opens_on_the_first_lane_with_a_card() {
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
    let config = Config::default();
    let mut state = State::new(
        ProcedureSet::builtin(),
        config.calendar,
        config.settings,
        vec!["default".into()],
        now(),
        (80, 24),
    );
    let beyond_stage_1: Vec<_> = store
        .caseload()
        .unwrap()
        .into_iter()
        .filter(|e| e.stage() > 1)
        .collect();
    assert!(!beyond_stage_1.is_empty());
    update(
        &mut state,
        Input::Msg(Msg::CaseloadLoaded(Ok(beyond_stage_1))),
    );
    assert!(state.lanes[0].cards.is_empty());
    assert_eq!(state.lane, 1, "the first lane with a card");
    assert!(state.selected_id().is_some());
    // Moving back to stage 1 later is the DSL's choice, and a reload keeps it.
    press(&mut state, KeyCode::Char('1'));
    assert_eq!(state.lane, 0);
    let caseload = state.entries.iter().map(|e| e.escalation.clone()).collect();
    update(&mut state, Input::Msg(Msg::CaseloadLoaded(Ok(caseload))));
    assert_eq!(state.lane, 0);
}
