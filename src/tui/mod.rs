//! The terminal dashboard's runtime: owns the terminal, runs the event loop, and carries out
//! effects against storage on a worker thread, so that no database work ever blocks a keypress.
//!
//! The loop `select!`s over the terminal's events, a one-second tick for the countdowns, and
//! storage's replies. It draws only when `update` says something on screen changed, so an idle
//! dashboard costs next to nothing. The terminal is restored on every exit: normal, error or
//! panic (ratatui's panic hook restores it before the panic is reported). Start at [`run`].

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::app::form::{FormKind, FormToken};
use crate::app::{Effect, Input, Msg, State, update};
use crate::config::Config;
use crate::core::procedure::ProcedureSet;
use crate::keys;
use crate::service::{self, Rules, Subject};
use crate::storage::Store;
use crate::storage::sqlite::SqliteStore;
use crate::ui::theme::Theme;

/// Everything the dashboard needs from outside, gathered by `main` and the CLI layer.
pub struct Options {
    pub store: SqliteStore,
    pub procedures: ProcedureSet,
    pub config: Config,
    /// The name written into the audit trail.
    pub actor: String,
    pub themes: Vec<Theme>,
    /// Problems found in the user's theme files, shown once at start.
    pub theme_errors: Vec<String>,
    /// The time source: the wall clock, or `--now` moving on in real time.
    pub clock: Box<dyn Fn() -> DateTime<Utc> + Send>,
}

/// Runs the storage worker: it owns the connection and answers each effect with a message.
fn spawn_worker(
    mut store: SqliteStore,
    procedures: ProcedureSet,
    config: Config,
    actor: String,
    replies: UnboundedSender<Msg>,
) -> mpsc::Sender<(Effect, DateTime<Utc>)> {
    let (jobs, inbox) = mpsc::channel::<(Effect, DateTime<Utc>)>();
    thread::spawn(move || {
        let mut seen_version = None;
        for (effect, now) in inbox {
            let reply = match effect {
                Effect::LoadCaseload => {
                    seen_version = store.data_version().ok();
                    Some(Msg::CaseloadLoaded(
                        store.caseload().map_err(|e| e.to_string()),
                    ))
                }
                Effect::LoadCaseloadIfChanged => {
                    let version = store.data_version().ok();
                    if version == seen_version {
                        None
                    } else {
                        seen_version = version;
                        Some(Msg::CaseloadLoaded(
                            store.caseload().map_err(|e| e.to_string()),
                        ))
                    }
                }
                Effect::LoadClosed => Some(Msg::ClosedLoaded(
                    store
                        .escalations(crate::storage::Filter {
                            include_closed: true,
                            stage: None,
                        })
                        .map(|all| all.into_iter().filter(|e| !e.is_open()).collect())
                        .map_err(|e| e.to_string()),
                )),
                Effect::LoadTrail(id) => Some(Msg::TrailLoaded {
                    id,
                    trail: store.audit_trail(Some(id)).map_err(|e| e.to_string()),
                }),
                Effect::LoadDemo => Some(Msg::DemoLoaded(
                    crate::demo::fill(&mut store, &procedures, &config, &actor, now, 1)
                        .map(|ids| ids.len()),
                )),
                // Each form's input is checked again by the core inside the write transaction,
                // against the escalation as it stands then. Saved or not, the caseload reloads.
                Effect::Save {
                    token,
                    kind,
                    seen,
                    output,
                } => {
                    let rules = Rules {
                        procedures: &procedures,
                        calendar: &config.calendar,
                        settings: &config.settings,
                    };
                    let subject = Subject::of(kind.escalation(), seen);
                    let saved = service::apply(&mut store, &rules, &actor, now, subject, &output)
                        .map(|applied| (applied.escalation(), applied.describe()))
                        .map_err(|e| e.to_string());
                    finish_save(&mut store, saved, token, kind, &replies, &mut seen_version)
                }
                Effect::SaveDraft(draft) => match store.save_draft(&draft, &actor, now) {
                    Ok(_) => None,
                    Err(e) => Some(Msg::DraftNotKept(e.to_string())),
                },
                Effect::DiscardDraft { form, escalation } => {
                    let _ = store.discard_draft_of(&form, escalation);
                    None
                }
                Effect::RecordReview(summary) => Some(Msg::ReviewRecorded(
                    store
                        .record_review(&summary, &actor, now)
                        .map(|_| format!("review recorded ({})", summary.describe()))
                        .map_err(|e| format!("the review could not be recorded: {e}")),
                )),
                Effect::LoadDrafts => Some(Msg::DraftsLoaded(store.drafts().unwrap_or_default())),
                // Settling is only a cache; if it fails the caseload is simply loaded again.
                Effect::Settle(ids) => {
                    let _ = store.settle(&ids);
                    None
                }
            };
            if let Some(reply) = reply
                && replies.send(reply).is_err()
            {
                break;
            }
        }
    });
    jobs
}

/// After a form's write: discards its draft when saved, reports the outcome, and reloads.
fn finish_save(
    store: &mut SqliteStore,
    saved: Result<(i64, String), String>,
    token: FormToken,
    kind: FormKind,
    replies: &UnboundedSender<Msg>,
    seen_version: &mut Option<i64>,
) -> Option<Msg> {
    if saved.is_ok() {
        let _ = store.discard_draft_of(kind.draft_name(), kind.escalation());
    }
    let escalation = saved.as_ref().ok().map(|(id, _)| *id);
    let _ = replies.send(Msg::FormSaved {
        token,
        result: saved.map(|(_, what)| what),
        escalation,
    });
    *seen_version = store.data_version().ok();
    Some(Msg::CaseloadLoaded(
        store.caseload().map_err(|e| e.to_string()),
    ))
}

/// Opens the dashboard and runs it until the user quits.
pub fn run(options: Options) -> Result<(), String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .map_err(|e| format!("cannot start the dashboard: {e}"))?;
    let mut terminal = ratatui::init();
    // A paste arrives as one event, for the focused field alone, not as keys (Enter would save
    // nothing, but would move between fields and type into the wrong ones).
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::EnableBracketedPaste);
    let result = runtime.block_on(event_loop(&mut terminal, options));
    let _ = crossterm::execute!(std::io::stdout(), crossterm::event::DisableBracketedPaste);
    ratatui::restore();
    result
}

async fn event_loop(
    terminal: &mut ratatui::DefaultTerminal,
    options: Options,
) -> Result<(), String> {
    let Options {
        store,
        procedures,
        config,
        actor,
        themes,
        theme_errors,
        clock,
    } = options;
    let size = terminal
        .size()
        .map_err(|e| format!("cannot read the terminal size: {e}"))?;
    let now = clock();
    let theme_names = themes.iter().map(|t| t.name.clone()).collect();
    let mut state = State::new(
        procedures.clone(),
        config.calendar.clone(),
        config.settings,
        theme_names,
        now,
        (size.width, size.height),
    );
    if !theme_errors.is_empty() {
        state.status = Some(format!(
            "{} (using the default theme)",
            theme_errors.join("; ")
        ));
    }
    let (replies, mut inbox) = unbounded_channel();
    let worker = spawn_worker(store, procedures, config, actor, replies);
    let send = |effect: Effect, now: DateTime<Utc>| worker.send((effect, now)).is_ok();
    send(Effect::LoadCaseload, now);
    send(Effect::LoadDrafts, now);

    let mut events = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        if state.is_dirty {
            let theme = themes.get(state.theme).or_else(|| themes.first());
            let fallback = Theme::default();
            let theme = theme.unwrap_or(&fallback);
            terminal
                .draw(|frame| crate::ui::render(&state, theme, frame.area(), frame.buffer_mut()))
                .map_err(|e| format!("cannot draw: {e}"))?;
            state.is_dirty = false;
            // The detail view's last line, as drawn: j stops there.
            if let Some(max) = crate::ui::detail_max_scroll(&state, theme)
                && state.detail_max_scroll != Some(max)
            {
                update(&mut state, Input::Msg(Msg::DetailMeasured(max)));
            }
        }
        if state.should_quit {
            return Ok(());
        }
        let input = tokio::select! {
            event = events.next() => match event {
                Some(Ok(Event::Key(key))) => keys::intent(keys::scope(&state), &key).map(Input::Intent),
                Some(Ok(Event::Resize(width, height))) => Some(Input::Msg(Msg::Resized { width, height })),
                Some(Ok(Event::Paste(text))) => Some(Input::Msg(Msg::Pasted(text))),
                Some(Ok(_)) => None,
                Some(Err(e)) => return Err(format!("cannot read the terminal: {e}")),
                None => return Ok(()),
            },
            _ = tick.tick() => Some(Input::Msg(Msg::Ticked(clock()))),
            Some(msg) = inbox.recv() => Some(Input::Msg(msg)),
        };
        if let Some(input) = input {
            for effect in update(&mut state, input) {
                if !send(effect, state.now) {
                    return Err(
                        "the storage worker stopped; your data is safe, restart escalate"
                            .to_owned(),
                    );
                }
            }
        }
    }
}
