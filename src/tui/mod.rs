//! The terminal dashboard's runtime: owns the terminal, runs the event loop, and carries out
//! effects against storage on a worker thread, so that no database work ever blocks a keypress.
//!
//! The loop `select!`s over the terminal's events, a one-second tick for the countdowns, and
//! storage's replies. It draws only when `update` says something on screen changed, so an idle
//! dashboard costs next to nothing. The terminal is restored on every exit: normal, error or
//! panic (ratatui's panic hook restores it before the panic is reported). Start at [`run`].

mod live;

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use crate::app::form::{FormKind, FormToken};
use crate::app::{Effect, Input, Msg, Prepared, State, update};
use crate::config::Config;
use crate::core::procedure::ProcedureSet;
use crate::keys;
use crate::service::{self, Rules, Subject};
use crate::storage::Store;
use crate::storage::any::AnyStore;
use crate::storage::sqlite::SqliteStore;
use crate::ui::theme::Theme;

/// Everything the dashboard needs from outside, gathered by `main` and the CLI layer.
pub struct Options {
    pub store: AnyStore,
    pub procedures: ProcedureSet,
    pub config: Config,
    /// The name written into the audit trail.
    pub actor: String,
    pub themes: Vec<Theme>,
    /// Problems found in the user's theme files, shown once at start.
    pub theme_errors: Vec<String>,
    /// The time source: the wall clock, or `--now` moving on in real time.
    pub clock: Box<dyn Fn() -> DateTime<Utc> + Send>,
    /// Where `D` loads the fictional caseload: a database of its own, never the real one
    /// (`None`: into the database open, which is then already a demo one).
    pub demo: Option<DemoTarget>,
    /// What the settings say of the DSL, to fill a new escalation with.
    pub preferences: crate::app::Preferences,
    /// Keeps the DSL's name in the settings file, returning the file written; `None` when
    /// there is nowhere to keep it. A first run (no name in the settings) asks for it.
    pub remember_user: Option<RememberUser>,
    /// What the lock checks a typed passphrase against (`None`: a plain database).
    pub verifier: Option<crate::app::lock::Verifier>,
    /// Reads `config.toml` again when it has changed (see [`watch_settings`]); `None` when
    /// there is no settings folder.
    pub reread_preferences: Option<RereadPreferences>,
}

/// Asked once a second: `None` while the settings file is as last read, else what it says now
/// (or why it cannot be read).
pub type RereadPreferences =
    Box<dyn FnMut() -> Option<Result<crate::app::ReadPreferences, String>> + Send>;

/// Watches the settings file at `path`: each call compares its size and modification time with
/// the last call's and, only when they differ, has `load` read it again (through the same
/// guarded reader as at start, so a FIFO or a huge file put in its place is refused, never
/// waited on). The first call answers for changes since this was made. Called on a thread of
/// its own ([`watch_on_own_thread`]), never on the event loop.
pub fn watch_settings(
    path: std::path::PathBuf,
    load: impl Fn() -> Result<crate::app::ReadPreferences, String> + Send + 'static,
) -> RereadPreferences {
    let stamp = |path: &std::path::Path| {
        std::fs::metadata(path)
            .ok()
            .map(|m| (m.len(), m.modified().ok()))
    };
    let mut seen = stamp(&path);
    Box::new(move || {
        let now = stamp(&path);
        if now == seen {
            return None;
        }
        seen = now;
        Some(load())
    })
}

/// Asks `reread` once a second on a thread of its own and sends what changed to the event
/// loop; the thread ends when the dashboard has closed.
fn watch_on_own_thread(mut reread: RereadPreferences, replies: UnboundedSender<Msg>) {
    thread::spawn(move || {
        while !replies.is_closed() {
            thread::sleep(Duration::from_secs(1));
            if let Some(read) = reread()
                && replies
                    .send(Msg::PreferencesRead(read.map(Box::new)))
                    .is_err()
            {
                return;
            }
        }
    });
}

/// Keeps the DSL's name in the settings file (the runtime does not know where it is).
pub type RememberUser = Box<dyn Fn(&str) -> Result<String, String> + Send>;

/// The demo's own database, and the wall clock its audit entries record.
pub struct DemoTarget {
    pub path: std::path::PathBuf,
    pub wall_clock: crate::storage::WallClock,
}

/// A file name as the dashboard shows it.
fn shown(path: &std::path::Path) -> String {
    path.display().to_string()
}

/// Loads the fictional caseload into `demo`'s own database (or, without one, into `store`),
/// and makes it the store the dashboard works on. A demo database filled before is opened as
/// it is. Returns how many escalations it holds.
fn load_demo(
    store: &mut AnyStore,
    demo: Option<DemoTarget>,
    procedures: &ProcedureSet,
    config: &Config,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<usize, String> {
    let Some(target) = demo else {
        return crate::demo::fill(store, procedures, config, actor, now, 1).map(|ids| ids.len());
    };
    let mut demo_store = SqliteStore::open(&target.path).map_err(|e| e.to_string())?;
    demo_store.set_wall_clock(target.wall_clock);
    let all = crate::storage::Filter {
        include_closed: true,
        stage: None,
    };
    let held = demo_store
        .escalations(all)
        .map_err(|e| e.to_string())?
        .len();
    let count = if held > 0 {
        held
    } else {
        crate::demo::fill(&mut demo_store, procedures, config, actor, now, 1)?.len()
    };
    *store = AnyStore::Sqlite(demo_store);
    Ok(count)
}

/// Runs the storage worker: it owns the connection and answers each effect with a message.
fn spawn_worker(
    mut store: AnyStore,
    procedures: ProcedureSet,
    config: Config,
    mut actor: String,
    mut demo: Option<DemoTarget>,
    remember_user: Option<RememberUser>,
    replies: UnboundedSender<Msg>,
) -> (
    mpsc::Sender<(Effect, DateTime<Utc>)>,
    thread::JoinHandle<()>,
) {
    let (jobs, inbox) = mpsc::channel::<(Effect, DateTime<Utc>)>();
    let handle = thread::spawn(move || {
        let mut seen_version = None;
        for (effect, now) in inbox {
            let reply = match effect {
                Effect::LoadCaseload => {
                    seen_version = store.data_version().ok();
                    Some(load_caseload(&store, &procedures, &config, now))
                }
                // PostgreSQL announces every change (`live`): nothing to poll for.
                Effect::LoadCaseloadIfChanged if matches!(store, AnyStore::Postgres(_)) => None,
                Effect::LoadCaseloadIfChanged => {
                    let version = store.data_version().ok();
                    if version == seen_version {
                        None
                    } else {
                        seen_version = version;
                        Some(load_caseload(&store, &procedures, &config, now))
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
                Effect::LoadReport(period) => Some(Msg::ReportLoaded(
                    service::count_report(
                        &store,
                        &procedures,
                        &config.calendar,
                        &config.settings,
                        period,
                        now,
                    )
                    .map(Box::new),
                )),
                Effect::LoadTrail(id) => Some(Msg::TrailLoaded {
                    id,
                    trail: store.audit_trail(Some(id)).map_err(|e| e.to_string()),
                }),
                Effect::LoadDemo => {
                    seen_version = None;
                    Some(Msg::DemoLoaded(load_demo(
                        &mut store,
                        demo.take(),
                        &procedures,
                        &config,
                        &actor,
                        now,
                    )))
                }
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
                    let load = |store: &AnyStore| load_caseload(store, &procedures, &config, now);
                    finish_save(
                        &mut store,
                        saved,
                        (token, kind),
                        &replies,
                        &mut seen_version,
                        load,
                    )
                }
                // A school not theirs is refused by the save that follows, saying which are.
                Effect::ChooseSchool(school) => {
                    let _ = store.choose_school(&school);
                    None
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
                // Recorded from now on, kept or not (the DSL typed it for the audit trail).
                Effect::RememberUser(name) => {
                    actor = crate::core::record::printable(&name, false);
                    Some(Msg::UserRemembered(match &remember_user {
                        Some(remember) => remember(&name),
                        None => Err("there is no settings folder".to_owned()),
                    }))
                }
                Effect::UseActor(name) => {
                    actor = crate::core::record::printable(&name, false);
                    None
                }
                Effect::WriteForm { file_name, text } => Some(Msg::FormWritten(write_form(
                    store.path(),
                    &file_name,
                    &text,
                ))),
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
    (jobs, handle)
}

/// Writes a filled form into the `forms` folder beside the database (made 0700, the file 0600),
/// never over another file ([`crate::files::write_new_in`]). Returns where.
fn write_form(
    database: Option<&std::path::Path>,
    file_name: &str,
    text: &str,
) -> Result<String, String> {
    let folder = database
        .and_then(std::path::Path::parent)
        .ok_or("the database has no folder to write beside")?
        .join("forms");
    crate::files::write_new_in(&folder, file_name, text)
        .map(|path| path.display().to_string())
        .map_err(|e| format!("could not write in {}: {e}", folder.display()))
}

/// After a form's write: discards its draft when saved, reports the outcome, and reloads.
fn finish_save(
    store: &mut AnyStore,
    saved: Result<(i64, String), String>,
    (token, kind): (FormToken, FormKind),
    replies: &UnboundedSender<Msg>,
    seen_version: &mut Option<i64>,
    load: impl FnOnce(&AnyStore) -> Msg,
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
    Some(load(store))
}

/// Reads the caseload and prepares it for the dashboard as of `now`, each part on the thread
/// that read it ([`Store::caseload_with`]): the event loop is left only to install it.
fn load_caseload(
    store: &AnyStore,
    procedures: &ProcedureSet,
    config: &Config,
    now: DateTime<Utc>,
) -> Msg {
    let prepare = |part| Prepared::new(part, procedures, &config.calendar, &config.settings, now);
    Msg::CaseloadPrepared(
        store
            .caseload_with(&prepare)
            .map(|parts| Box::new(Prepared::merge(parts)))
            .map_err(|e| e.to_string()),
    )
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
        demo,
        preferences,
        remember_user,
        verifier,
        reread_preferences,
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
    state.database = store.path().map_or_else(|| store.location(), shown);
    state.demo_database = demo.as_ref().map(|d| shown(&d.path)).unwrap_or_default();
    state.is_demo = demo.is_none();
    state.apply_preferences(config.privacy, config.theme.as_deref());
    // A first run asks the DSL's name for the audit trail, where it can be kept.
    if preferences.user.is_none() && remember_user.is_some() {
        state.asking_name = Some(String::new());
    }
    state.preferences_read = crate::app::ReadPreferences {
        privacy: config.privacy,
        theme: config.theme.clone(),
        lock_after: config.lock_after.0,
        preferences: preferences.clone(),
    };
    state.preferences = preferences;
    state.is_plaintext = store.is_plaintext();
    state.writable_schools = store.writable_schools();
    state.lock.verifier = verifier;
    state.lock.after = config.lock_after.0;
    if !theme_errors.is_empty() {
        state.status = Some(format!(
            "{} (using the default theme)",
            theme_errors.join("; ")
        ));
    }
    let (replies, mut inbox) = unbounded_channel();
    // On PostgreSQL the live connection, once it listens, asks for the first load itself.
    let live = match &store {
        AnyStore::Postgres(pg) => Some(live::spawn(pg.announcements(&actor), replies.clone())),
        AnyStore::Sqlite(_) => None,
    };
    let is_live = live.is_some();
    let has_demo_database = demo.is_some();
    if let Some(reread) = reread_preferences {
        watch_on_own_thread(reread, replies.clone());
    }
    let (worker, worker_thread) = spawn_worker(
        store,
        procedures,
        config,
        actor,
        demo,
        remember_user,
        replies,
    );
    // The demo loads into a SQLite database of its own: from then on, what the team's
    // database announces is not about what is on screen.
    let live = live.filter(|_| has_demo_database);
    let send = |effect: Effect, now: DateTime<Utc>| worker.send((effect, now)).is_ok();
    if !is_live {
        send(Effect::LoadCaseload, now);
    }
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
            // The caseload is on screen: the filter's text is built now, not before it.
            state.build_search();
            // The detail view's last line, as drawn: j stops there.
            if let Some(max) = crate::ui::detail_max_scroll(&state, theme)
                && state.detail_max_scroll != Some(max)
            {
                update(&mut state, Input::Msg(Msg::DetailMeasured(max)));
            }
        }
        if state.should_quit {
            // What the last keys asked for (a draft thrown away, say) is done before the
            // process ends: the worker finishes its queue, then stops.
            drop(worker);
            let _ = worker_thread.join();
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
            if let (Input::Msg(Msg::DemoLoaded(Ok(_))), Some(live)) = (&input, &live) {
                live.stop();
            }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::Filter;

    /// Issue 12: `D` never puts fictional children into the database of real records.
    #[test]
    fn the_demo_loads_into_a_database_of_its_own_and_the_dashboard_moves_to_it() {
        let dir = tempfile::TempDir::new().unwrap();
        let real = dir.path().join("escalate.db");
        let demo_path = dir.path().join("escalate-demo.db");
        let now = crate::core::time::parse_instant("2026-11-23 11:00").unwrap();
        let wall = || -> crate::storage::WallClock { Box::new(move || now) };
        let procedures = ProcedureSet::builtin();
        let config = Config::default();
        let all = Filter {
            include_closed: true,
            stage: None,
        };
        let mut store = AnyStore::Sqlite(SqliteStore::open(&real).unwrap());
        let target = DemoTarget {
            path: demo_path.clone(),
            wall_clock: wall(),
        };
        let count = load_demo(&mut store, Some(target), &procedures, &config, "jo", now).unwrap();
        assert_eq!(count, 13);
        assert_eq!(store.path(), Some(demo_path.as_path()));
        assert_eq!(store.escalations(all).unwrap().len(), 13);
        assert!(store.verify().unwrap().problem.is_none());
        assert!(
            store
                .audit_trail(None)
                .unwrap()
                .iter()
                .all(|e| e.written_at == Some(now))
        );
        let untouched = SqliteStore::open(&real).unwrap();
        assert!(untouched.escalations(all).unwrap().is_empty());
        // Pressed again another day: the demo database is opened as it is, not filled twice.
        let mut store = AnyStore::Sqlite(SqliteStore::open(&real).unwrap());
        let target = DemoTarget {
            path: demo_path.clone(),
            wall_clock: wall(),
        };
        let count = load_demo(&mut store, Some(target), &procedures, &config, "jo", now).unwrap();
        assert_eq!(count, 13);
        assert_eq!(store.escalations(all).unwrap().len(), 13);
    }

    /// Issue 14: the settings file is read again only when it changes, gone reads as the
    /// defaults, and a mistake in it comes back as the parser's error.
    #[test]
    fn the_settings_file_is_read_again_when_it_changes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, "privacy = false\n").unwrap();
        let read = path.clone();
        let mut reread = watch_settings(path.clone(), move || {
            match std::fs::read_to_string(&read).ok() {
                Some(text) => Config::parse("config.toml", &text)
                    .map(|c| crate::app::ReadPreferences {
                        privacy: c.privacy,
                        ..Default::default()
                    })
                    .map_err(|e| e.to_string()),
                None => Ok(crate::app::ReadPreferences::default()),
            }
        });
        assert_eq!(reread(), None, "unchanged since it was read at start");
        std::fs::write(&path, "privacy = true\n").unwrap();
        let read = reread().expect("changed").unwrap();
        assert!(read.privacy);
        assert_eq!(reread(), None, "read once per change");
        std::fs::write(&path, "privacy = \"maybe\"\n").unwrap();
        let error = reread().expect("changed").unwrap_err();
        assert!(error.contains("privacy"), "{error}");
        std::fs::remove_file(&path).unwrap();
        assert_eq!(reread(), Some(Ok(crate::app::ReadPreferences::default())));
    }
}
