//! `update`: the only place the dashboard's state changes.

use super::form::{Confirm, Context, FieldKind, Form, FormKind, FormToken};
use super::review::{ReviewWalk, review_of};
use super::state::{DetailTab, Entry, Popup, Screen, State};
use super::{Effect, Input, Intent, Msg};
use crate::core::change::{Request, Version};
use crate::core::review::Subject;
use chrono::{DateTime, Utc};

/// Applies one input to the state and says what the runtime should do next. Pure: no terminal,
/// no storage, no clock (time arrives in [`Msg::Ticked`]).
pub fn update(state: &mut State, input: Input) -> Vec<Effect> {
    match input {
        Input::Intent(intent) => {
            // Any key is activity: the idle lock counts from the last one.
            state.lock.last_activity = Some(state.now);
            let before = ViewKey::of(state);
            let had_form = state.form.is_some();
            let effects = on_intent(state, intent);
            // A key that changes nothing on screen (↑ on the first card) draws nothing; in a
            // form, every key may change what is typed.
            if had_form
                || state.form.is_some()
                || ViewKey::of(state) != before
                || !effects.is_empty()
            {
                state.is_dirty = true;
            }
            effects
        }
        Input::Msg(msg) => on_msg(state, msg),
    }
}

/// While locked, keys go to the passphrase field and nowhere else: nothing behind the lock
/// moves, opens or saves. `Ctrl-C` still quits, unless a form behind the lock holds something
/// typed (which would ask first, on a screen the lock hides).
fn on_locked(state: &mut State, intent: Intent) {
    match intent {
        Intent::UnlockType(c) => {
            state.lock.typed.push(c);
            state.lock.was_wrong = false;
        }
        Intent::UnlockBackspace => {
            state.lock.typed.pop();
            state.lock.was_wrong = false;
        }
        Intent::Unlock => state.lock.try_unlock(state.now),
        Intent::Quit if state.form.as_ref().is_none_or(|f| !f.is_changed) => {
            state.should_quit = true;
        }
        _ => {}
    }
}

/// The furthest the detail view scrolls: more lines than any record has.
const MAX_SCROLL: u16 = 2_000;

/// The furthest the help scrolls: more lines than it has.
const MAX_HELP_SCROLL: u16 = 60;

/// What an intent can change on screen.
#[derive(PartialEq)]
struct ViewKey {
    lane: usize,
    selected: Vec<Option<i64>>,
    screen: Screen,
    popup: Option<Popup>,
    help_scroll: u16,
    /// Where the review stands: its item, whether the summary shows, how many acted on.
    review: Option<(usize, bool, usize)>,
    filter: String,
    is_filtering: bool,
    is_privacy: bool,
    theme: usize,
    status: Option<String>,
    should_quit: bool,
    asking_name: Option<String>,
    /// Locked, how many characters typed (shown masked), and whether the last try was wrong.
    lock: (bool, usize, bool),
}

impl ViewKey {
    fn of(state: &State) -> Self {
        Self {
            lane: state.lane,
            selected: state.selected.clone(),
            screen: state.screen.clone(),
            popup: state.popup,
            help_scroll: state.help_scroll,
            review: state
                .review
                .as_ref()
                .map(|w| (w.position, w.summary.is_some(), w.acted_on())),
            filter: state.filter.clone(),
            is_filtering: state.is_filtering,
            is_privacy: state.is_privacy,
            theme: state.theme,
            status: state.status.clone(),
            should_quit: state.should_quit,
            asking_name: state.asking_name.clone(),
            lock: (
                state.lock.is_locked,
                state.lock.typed.chars().count(),
                state.lock.was_wrong,
            ),
        }
    }
}

/// Escalations changed (by anyone) merged into the caseload as read again, the detail view's
/// trail reloaded if it shows one, and the status saying who else changed what.
fn on_live_change(
    state: &mut State,
    changed: Vec<crate::core::record::Escalation>,
    by_others: &[(i64, String)],
) -> Vec<Effect> {
    // Before the first load there is nothing to merge into: that load has them.
    if !state.has_loaded || changed.is_empty() {
        return Vec::new();
    }
    let ids: std::collections::HashSet<i64> = changed.iter().map(|e| e.id).collect();
    let mut caseload: Vec<_> = state
        .entries
        .iter()
        .filter(|e| !ids.contains(&e.escalation.id))
        .map(|e| e.escalation.clone())
        .collect();
    caseload.extend(changed);
    caseload.sort_by_key(|e| e.id);
    let settled = state.set_caseload(caseload);
    let mut effects = Vec::new();
    if !settled.is_empty() {
        effects.push(Effect::Settle(settled));
    }
    if let Some((shown, _)) = &state.trail
        && ids.contains(shown)
    {
        effects.push(Effect::LoadTrail(*shown));
    }
    match by_others {
        [] => {}
        [(id, who)] => {
            state.status = Some(format!(
                "Escalation {id} was changed by {}: updated live",
                crate::core::record::printable(who, false)
            ));
        }
        many => {
            state.status = Some(format!(
                "{} escalations were changed by others: updated live",
                many.len()
            ));
        }
    }
    state.is_dirty = true;
    effects
}

/// After a caseload is installed: the selection followed, the focus on a lane with cards at
/// the first load, and the closed escalations owing nothing handed to the store to settle.
fn caseload_installed(state: &mut State, settled: Vec<i64>) -> Vec<Effect> {
    if let Some(id) = state.follow.take() {
        state.select(id);
    }
    // On opening, the focus starts on the first lane with a card, not on an empty
    // stage 1 ("Nothing at this stage") while the caseload sits further along.
    if !state.has_loaded
        && state
            .lanes
            .get(state.lane)
            .is_some_and(|l| l.cards.is_empty())
        && let Some(first) = state.lanes.iter().position(|l| !l.cards.is_empty())
    {
        state.lane = first;
    }
    state.has_loaded = true;
    state.is_loading = false;
    if settled.is_empty() {
        Vec::new()
    } else {
        vec![Effect::Settle(settled)]
    }
}

fn on_msg(state: &mut State, msg: Msg) -> Vec<Effect> {
    match msg {
        Msg::Ticked(now) => {
            let was_dirty = state.is_dirty;
            let is_changed = state.advance_clock(now);
            // In privacy mode the screen locks by itself after the idle minutes set.
            if state.lock.last_activity.is_none() {
                state.lock.last_activity = Some(now);
            }
            let locks_now = state.is_privacy && state.lock.is_idle(now);
            if locks_now {
                state.lock.lock();
            }
            // Redraw only when what is on screen changed.
            state.is_dirty = was_dirty || locks_now || is_changed;
            let mut effects = Vec::new();
            if let Some(form) = &mut state.form
                && let Some(since) = form.unkept_since
                && !form.is_saving
                && now - since >= chrono::Duration::seconds(1)
            {
                form.unkept_since = None;
                effects.push(Effect::SaveDraft(form.to_draft(since)));
            }
            if state.has_loaded {
                effects.push(Effect::LoadCaseloadIfChanged);
                effects
            } else {
                Vec::new()
            }
        }
        Msg::Resized { width, height } => {
            state.width = width;
            state.height = height;
            // Widening away from the notifications tab lands on the last lane.
            state.lane = state.lane.min(state.tab_count().saturating_sub(1));
            state.is_dirty = true;
            Vec::new()
        }
        Msg::CaseloadLoaded(Ok(escalations)) => {
            let settled = state.set_caseload(escalations);
            caseload_installed(state, settled)
        }
        Msg::CaseloadPrepared(Ok(prepared)) => {
            let settled = state.install(*prepared);
            caseload_installed(state, settled)
        }
        Msg::CaseloadPrepared(Err(error)) | Msg::CaseloadLoaded(Err(error)) => {
            state.is_loading = false;
            state.status = Some(format!("Could not load the caseload: {error}"));
            state.is_dirty = true;
            Vec::new()
        }
        Msg::ClosedLoaded(Ok(closed)) => {
            let count = closed.len();
            state.closed = closed;
            if state.is_showing_closed {
                // The caseload as it stands, with every closed escalation added to it.
                let caseload = state.entries.iter().map(|e| e.escalation.clone()).collect();
                state.set_caseload(caseload);
                // Short enough for 80 columns (it was cut at "c shows the ope").
                state.status = Some(format!(
                    "{count} closed escalation{}, by the stage each ended at; c shows the open ones",
                    if count == 1 { "" } else { "s" }
                ));
            }
            state.is_dirty = true;
            Vec::new()
        }
        Msg::ClosedLoaded(Err(error)) => {
            state.status = Some(format!("Could not load the closed escalations: {error}"));
            state.is_dirty = true;
            Vec::new()
        }
        Msg::TrailLoaded { id, trail } => {
            match trail {
                Ok(trail) => state.trail = Some((id, trail)),
                Err(error) => {
                    state.status = Some(format!("Could not load the audit trail: {error}"))
                }
            }
            state.is_dirty = true;
            Vec::new()
        }
        Msg::FormSaved {
            token,
            result,
            escalation,
        } => {
            state.is_dirty = true;
            // A reply about a form no longer on screen says what happened and touches nothing.
            let is_this_form = state.form.as_ref().is_some_and(|f| f.token == token);
            match result {
                Ok(what) => {
                    if is_this_form {
                        let form = state.form.take();
                        // A form saved during the review ticks off the item it was opened from.
                        if let Some(item) = form.as_ref().and_then(|f| f.review_item)
                            && let Some(walk) = state.review.as_mut()
                            && walk.summary.is_none()
                            && let Some(acted) = walk.acted.get_mut(item)
                        {
                            *acted = true;
                        }
                        // The dashboard follows the escalation saved (to its new lane, if it
                        // moved), a new one included.
                        state.follow =
                            escalation.or_else(|| form.and_then(|f| f.kind.escalation()));
                    }
                    state.status = Some(format!("Saved: {what}"));
                }
                Err(why) => {
                    if is_this_form && let Some(form) = &mut state.form {
                        form.is_saving = false;
                    }
                    state.status = Some(format!("Not saved: {why}"));
                }
            }
            Vec::new()
        }
        Msg::DetailMeasured(max) => {
            state.detail_max_scroll = Some(max);
            if let Screen::Detail { scroll, .. } = &mut state.screen
                && *scroll > max
            {
                *scroll = max;
                state.is_dirty = true;
            }
            Vec::new()
        }
        Msg::Pasted(text) => {
            state.is_dirty = true;
            state.lock.last_activity = Some(state.now);
            if state.lock.is_locked {
                // A passphrase may be pasted; nothing else reaches a field behind the lock.
                state
                    .lock
                    .typed
                    .push_str(text.trim_end_matches(['\r', '\n']));
                state.lock.was_wrong = false;
            } else {
                on_paste(state, &text);
            }
            Vec::new()
        }
        Msg::DraftNotKept(why) => {
            state.is_dirty = true;
            state.status = Some(format!("Not saved: the draft could not be kept: {why}"));
            Vec::new()
        }
        Msg::ReviewRecorded(result) => {
            state.is_dirty = true;
            state.status = Some(match result {
                Ok(what) => format!("Saved: {what}"),
                Err(why) => format!("Not saved: {why}"),
            });
            Vec::new()
        }
        Msg::FormWritten(result) => {
            state.is_dirty = true;
            state.status = Some(match result {
                Ok(path) => format!("Form written to {path} (readable only by you)"),
                Err(why) => format!("The form was not written: {why}"),
            });
            Vec::new()
        }
        Msg::ReportLoaded(report) => {
            if state.screen == Screen::Report {
                state.status = None;
                state.report = Some(report);
                state.is_dirty = true;
            }
            Vec::new()
        }
        Msg::LiveChanged {
            escalations,
            by_others,
        } => on_live_change(state, escalations, &by_others),
        Msg::LiveListening { again } => {
            if again {
                state.status = Some(
                    "Connected to the database again: the caseload was reloaded in full".to_owned(),
                );
                state.is_dirty = true;
            }
            vec![Effect::LoadCaseload]
        }
        Msg::LiveLost(why) => {
            state.status = Some(format!("{why}; changes by others show once it is back"));
            state.is_dirty = true;
            // The caseload is loaded by whoever can, even with no live connection yet.
            if state.has_loaded {
                Vec::new()
            } else {
                vec![Effect::LoadCaseload]
            }
        }
        Msg::UserRemembered(result) => {
            state.is_dirty = true;
            state.status = Some(match result {
                Ok(file) => {
                    format!(
                        "Saved: your name, for the audit trail, in {}",
                        file.rsplit(['/', '\\']).next().unwrap_or("config.toml")
                    )
                }
                Err(why) => format!(
                    "Not saved: your name could not be kept ({why}); it is recorded for this session"
                ),
            });
            Vec::new()
        }
        Msg::PreferencesRead(read) => {
            state.is_dirty = true;
            match read {
                Ok(read) => return preferences_read(state, *read),
                Err(why) => {
                    // The mistake first, so that a narrow status line still shows it.
                    state.status = Some(format!("{why}; the settings are kept as they were"));
                }
            }
            Vec::new()
        }
        Msg::DraftsLoaded(drafts) => {
            if !drafts.is_empty() {
                let which: Vec<String> = drafts
                    .iter()
                    .map(|d| {
                        let what = FormKind::of_draft(&d.form, d.escalation_id)
                            .map_or("a form", FormKind::describe);
                        match d.escalation_id {
                            Some(id) => format!("{what} on escalation {id}"),
                            None => what.to_owned(),
                        }
                    })
                    .collect();
                state.status = Some(format!(
                    "Kept from last time, unsaved: {}. Open the same form again to carry on (Esc then y throws it away).",
                    which.join(", ")
                ));
                state.is_dirty = true;
            }
            state.drafts = drafts;
            Vec::new()
        }
        Msg::DemoLoaded(result) => {
            state.is_dirty = true;
            match result {
                Ok(count) => {
                    // The demo lives in a database of its own, which the dashboard now shows;
                    // it is not encrypted (its children are fictional).
                    state.is_demo = true;
                    state.is_plaintext = true;
                    if !state.demo_database.is_empty() {
                        state.database = std::mem::take(&mut state.demo_database);
                    }
                    state.status = Some(format!(
                        "Loaded {count} fictional escalations. Press ? for the keys."
                    ));
                    vec![Effect::LoadCaseload]
                }
                Err(error) => {
                    state.status = Some(format!("Could not load the demo: {error}"));
                    Vec::new()
                }
            }
        }
    }
}

fn on_intent(state: &mut State, intent: Intent) -> Vec<Effect> {
    if state.lock.is_locked {
        on_locked(state, intent);
        return Vec::new();
    }
    if intent == Intent::Lock {
        state.lock.lock();
        return Vec::new();
    }
    // Quitting with a form open asks first, like Esc, so nothing typed is lost by accident.
    if intent == Intent::Quit && state.form.as_ref().is_none_or(|f| !f.is_changed) {
        state.should_quit = true;
        return Vec::new();
    }
    if state.asking_name.is_some() {
        return on_name(state, intent);
    }
    if state.popup.is_some() {
        match intent {
            Intent::ToggleHelp | Intent::Back => state.popup = None,
            // The view stops at the last line; the cap keeps Up responsive after holding Down.
            Intent::Up => state.help_scroll = state.help_scroll.saturating_sub(1),
            Intent::Down => state.help_scroll = (state.help_scroll + 1).min(MAX_HELP_SCROLL),
            _ => {}
        }
        return Vec::new();
    }
    if intent == Intent::ToggleHelp {
        state.popup = Some(Popup::Help);
        state.help_scroll = 0;
        return Vec::new();
    }
    if state.form.is_some() {
        return on_form(state, intent);
    }
    if state.form_view.is_some() {
        return super::paper::on_intent(state, intent);
    }
    if state.review.is_some() {
        return on_review(state, intent);
    }
    if state.is_filtering {
        return on_filter(state, intent);
    }
    match state.screen.clone() {
        Screen::Dashboard => on_dashboard(state, intent),
        Screen::Detail { id, tab, scroll } => on_detail(state, intent, id, tab, scroll),
        Screen::Report => on_report(state, intent),
    }
}

/// The report screen only reads: Esc leaves it; privacy and the theme work as on the dashboard.
fn on_report(state: &mut State, intent: Intent) -> Vec<Effect> {
    match intent {
        Intent::Back | Intent::ShowReport => {
            state.screen = Screen::Dashboard;
            state.report = None;
            state.status = None;
            state.is_dirty = true;
            Vec::new()
        }
        Intent::TogglePrivacy | Intent::CycleTheme => on_dashboard(state, intent),
        _ => Vec::new(),
    }
}

/// Opens the report screen on the school year so far, and asks for it to be counted.
fn open_report(state: &mut State) -> Vec<Effect> {
    let period =
        crate::core::report::Period::school_year_to(crate::core::calendar::local_date(state.now));
    state.screen = Screen::Report;
    state.report = None;
    state.status = Some("Counting the report from the whole record…".to_owned());
    state.is_dirty = true;
    vec![Effect::LoadReport(period)]
}

fn on_filter(state: &mut State, intent: Intent) -> Vec<Effect> {
    match intent {
        Intent::FilterType(c) if !c.is_control() => state.filter.push(c),
        Intent::FilterBackspace => {
            state.filter.pop();
        }
        Intent::FilterDone => state.is_filtering = false,
        Intent::FilterCancel => {
            state.filter.clear();
            state.is_filtering = false;
        }
        _ => return Vec::new(),
    }
    state.arrange();
    // A lane the filter leaves empty gives way to the first with a match: on a narrow screen
    // `/zoe` left the DSL on an empty stage 1 tab while Zoë sat on stage 3's.
    if state
        .lanes
        .get(state.lane)
        .is_some_and(|l| l.cards.is_empty())
        && let Some(first) = state.lanes.iter().position(|l| !l.cards.is_empty())
    {
        state.lane = first;
    }
    Vec::new()
}

fn move_selection(state: &mut State, step: isize) {
    let lane = state.lane;
    let Some(view) = state.lanes.get(lane) else {
        return;
    };
    if view.cards.is_empty() {
        return;
    }
    let current = state.selected_position(lane).unwrap_or(0);
    let last = view.cards.len() - 1;
    let next = current.saturating_add_signed(step).min(last);
    state.selected[lane] = Some(state.entries[view.cards[next]].escalation.id);
}

fn on_dashboard(state: &mut State, intent: Intent) -> Vec<Effect> {
    let lanes = state.lanes.len();
    let tabs = state.tab_count();
    match intent {
        Intent::Left => state.lane = state.lane.saturating_sub(1),
        Intent::Right => state.lane = (state.lane + 1).min(tabs.saturating_sub(1)),
        Intent::NextLane if tabs > 0 => state.lane = (state.lane + 1) % tabs,
        Intent::PreviousLane if tabs > 0 => state.lane = (state.lane + tabs - 1) % tabs,
        Intent::JumpToLane(n) if usize::from(n) >= 1 && usize::from(n) <= lanes => {
            state.lane = usize::from(n) - 1
        }
        Intent::Up if state.is_owed_focus() => {
            state.owed_selected = state.owed_selected.saturating_sub(1)
        }
        Intent::Down if state.is_owed_focus() => {
            state.owed_selected =
                (state.owed_selected + 1).min(state.notifications.len().saturating_sub(1))
        }
        Intent::Up => move_selection(state, -1),
        Intent::Down => move_selection(state, 1),
        Intent::Open => {
            if let Some(id) = state.selected_id() {
                state.screen = Screen::Detail {
                    id,
                    tab: DetailTab::Record,
                    scroll: 0,
                };
                state.trail = None;
                state.detail_max_scroll = None;
                return vec![Effect::LoadTrail(id)];
            }
        }
        Intent::Back => {
            state.filter.clear();
            state.status = None;
            state.arrange();
        }
        Intent::StartFilter => state.is_filtering = true,
        Intent::NextSchool => {
            if state.schools.len() > 1 {
                state.filter = state.next_school_filter();
                state.status = Some(if state.filter.is_empty() {
                    "Showing every school".to_owned()
                } else {
                    format!("Showing {} only (S: the next school)", state.filter)
                });
                state.arrange();
            } else {
                state.status = Some(
                    "The caseload is one school's: the school filter is for a trust's caseload"
                        .to_owned(),
                );
            }
        }
        Intent::ShowReport => return open_report(state),
        Intent::ToggleClosed => {
            state.is_showing_closed = !state.is_showing_closed;
            state.arrange();
            if state.is_showing_closed {
                state.status = Some("Loading the closed escalations…".to_owned());
                return vec![Effect::LoadClosed];
            }
            state.status = Some("Showing the open escalations".to_owned());
        }
        Intent::NewEscalation => open_new_escalation(state),
        Intent::MarkNotificationSent => {
            if let Some(id) = state.selected_id() {
                let chosen = state.selected_notification().map(|n| n.id.clone());
                open_notification_sent(state, id, chosen.as_deref());
            }
        }
        Intent::ShowForm => {
            if let Some(id) = state.selected_id() {
                let chosen = state
                    .selected_notification()
                    .map(|n| (n.id.to_string(), n.form.as_deref().map(str::to_owned)));
                super::paper::open(state, id, chosen);
            }
        }
        Intent::TogglePrivacy => state.is_privacy = !state.is_privacy,
        Intent::StartReview => start_review(state),
        Intent::CycleTheme if !state.theme_names.is_empty() => {
            state.theme = (state.theme + 1) % state.theme_names.len();
            state.status = Some(format!("Theme: {}", state.theme_names[state.theme]));
        }
        Intent::LoadDemo if state.is_empty() => {
            state.status = Some("Loading the demo caseload…".to_owned());
            return vec![Effect::LoadDemo];
        }
        intent => {
            if let Some(id) = state.selected_id() {
                open_record_form(state, intent, id);
            }
        }
    }
    Vec::new()
}

fn on_detail(
    state: &mut State,
    intent: Intent,
    id: i64,
    tab: DetailTab,
    scroll: u16,
) -> Vec<Effect> {
    let screen = |tab, scroll| Screen::Detail { id, tab, scroll };
    match intent {
        Intent::Back => state.screen = Screen::Dashboard,
        Intent::Up => state.screen = screen(tab, scroll.saturating_sub(1)),
        // The view stops at the last line; the cap keeps Up responsive after holding Down.
        // Down stops with the last line at the bottom, as measured when it was drawn.
        Intent::Down => {
            let max = state
                .detail_max_scroll
                .unwrap_or(MAX_SCROLL)
                .min(MAX_SCROLL);
            state.screen = screen(tab, scroll.saturating_add(1).min(max));
        }
        Intent::NextTab | Intent::Left | Intent::Right => {
            let next = match tab {
                DetailTab::Record => DetailTab::Audit,
                DetailTab::Audit => DetailTab::Record,
            };
            state.screen = screen(next, 0);
            state.detail_max_scroll = None;
        }
        Intent::TogglePrivacy => state.is_privacy = !state.is_privacy,
        Intent::CycleTheme if !state.theme_names.is_empty() => {
            state.theme = (state.theme + 1) % state.theme_names.len();
        }
        Intent::MarkNotificationSent => open_notification_sent(state, id, None),
        Intent::ShowForm => super::paper::open(state, id, None),
        Intent::NewEscalation => open_new_escalation(state),
        intent => open_record_form(state, intent, id),
    }
    Vec::new()
}

/// The review's horizon: the dashboard's "due soon" reach (one working day by default).
fn review_horizon(state: &State) -> crate::core::review::Horizon {
    crate::core::review::Horizon::new(state.settings.due_soon_working_days)
        .unwrap_or(crate::core::review::Horizon::DEFAULT)
}

/// Starts the morning review, unless nothing needs attention.
fn start_review(state: &mut State) {
    let review = review_of(
        &state.entries,
        &state.calendar,
        state.now,
        review_horizon(state),
    );
    if review.items.is_empty() {
        state.status = Some(
            "Nothing is overdue or due by close of business on the next working day.".to_owned(),
        );
        return;
    }
    state.status = None;
    state.review = Some(ReviewWalk::new(review));
}

fn on_review(state: &mut State, intent: Intent) -> Vec<Effect> {
    let Some(walk) = state.review.as_mut() else {
        return Vec::new();
    };
    if walk.summary.is_some() {
        match intent {
            // Recorded when the DSL says so (Enter), or on the way out of a walk finished.
            Intent::FinishReview => {
                let record = walk.record();
                state.review = None;
                state.status = Some("Writing the review to the audit trail…".to_owned());
                return record.map(Effect::RecordReview).into_iter().collect();
            }
            Intent::LeaveReview if walk.is_walked_through() => {
                return on_review(state, Intent::FinishReview);
            }
            Intent::LeaveReview => {
                state.status = Some(format!(
                    "Review left after {} of {} items; not recorded (Enter on its summary records what was seen).",
                    walk.walked(),
                    walk.review.items.len()
                ));
                state.review = None;
            }
            Intent::TogglePrivacy => state.is_privacy = !state.is_privacy,
            _ => {}
        }
        return Vec::new();
    }
    let count = walk.review.items.len();
    match intent {
        Intent::ReviewNext if walk.position + 1 < count => walk.go_to(walk.position + 1),
        Intent::ReviewNext | Intent::FinishReview => {
            let now_review = review_of(
                &state.entries,
                &state.calendar,
                state.now,
                walk.review.horizon,
            );
            walk.finish(&now_review);
        }
        Intent::ReviewBack => walk.go_to(walk.position.saturating_sub(1)),
        Intent::TogglePrivacy => state.is_privacy = !state.is_privacy,
        _ => {
            let Some(item) = walk.current().cloned() else {
                return Vec::new();
            };
            let id = item.escalation_id;
            let position = walk.position;
            let opened = state.forms_opened;
            match (intent, &item.subject) {
                (Intent::MarkNotificationSent, Subject::Notification { id: n, .. }) => {
                    open_notification_sent(state, id, Some(n));
                }
                (Intent::MarkNotificationSent, _) => open_notification_sent(state, id, None),
                (Intent::MarkActionDone, Subject::Action { id: action, .. }) => {
                    open_action_done(state, id, Some(*action));
                }
                (Intent::RecordDelayReason, subject) => {
                    open_delay_reason(state, id, Some(subject));
                }
                (Intent::MarkClockMet, Subject::Clock { key, .. }) => {
                    open_clock_met(state, id, Some(key));
                }
                (Intent::MarkClockMet, Subject::ImmediateRisk { .. }) => {
                    // Already recorded as escalated: `m` would open on another of its clocks,
                    // one Ctrl-S from marking it met by mistake.
                    let met = state.entry(id).and_then(|entry| {
                        entry
                            .schedule
                            .clocks
                            .iter()
                            .find(|c| *c.key == *crate::core::deadline::IMMEDIATE_RISK_KEY)
                            .map(|c| c.state)
                            .filter(|s| !s.is_live())
                    });
                    match met {
                        Some(met) => {
                            state.status = Some(format!(
                                "Escalation {id}'s immediate risk is already recorded as escalated ({})",
                                met.label()
                            ));
                        }
                        None => open_clock_met(
                            state,
                            id,
                            Some(crate::core::deadline::IMMEDIATE_RISK_KEY),
                        ),
                    }
                }
                (Intent::TightenClock, Subject::Clock { key, .. }) => {
                    open_tighten(state, id, Some(key));
                }
                (intent, _) => open_record_form(state, intent, id),
            }
            // A form opened here remembers the item, to tick it off when it saves.
            if let Some(form) = state.form.as_mut()
                && state.forms_opened != opened
            {
                form.review_item = Some(position);
            }
        }
    }
    Vec::new()
}

/// Opens the form to record why something on escalation `id` is late: a review's item comes
/// first when given; otherwise each of its running clocks, notifications owed and open actions.
fn open_delay_reason(state: &mut State, id: i64, subject: Option<&Subject>) {
    use crate::core::calendar::format_local;
    use crate::core::record::printable;
    let Some(entry) = state.entry(id) else { return };
    let is_privacy = state.is_privacy;
    let mut late: Vec<(String, String)> = Vec::new();
    if let Some(subject) = subject {
        let (key, name) = match subject {
            Subject::ImmediateRisk { name, .. } => ("immediate-risk".to_owned(), name.clone()),
            Subject::Clock { key, name, .. } => (key.clone(), name.clone()),
            Subject::Notification { id, name, .. } => (id.clone(), name.clone()),
            Subject::Action { id, what, .. } => (format!("action {id}"), what.clone()),
        };
        late.push((key, printable(&entry.shown(&name, is_privacy), false)));
    } else {
        late.extend(
            entry
                .schedule
                .clocks
                .iter()
                .filter(|c| c.state.is_live())
                .filter_map(|c| {
                    let due = c.due_at?;
                    Some((
                        c.key.to_string(),
                        printable(&format!("{}, due {}", c.name, format_local(due)), false),
                    ))
                }),
        );
        late.extend(entry.schedule.outstanding_notifications().map(|n| {
            (
                n.id.to_string(),
                printable(
                    &format!("{}, due {}", n.name, format_local(n.due_at)),
                    false,
                ),
            )
        }));
        late.extend(
            entry
                .escalation
                .actions
                .iter()
                .filter(|a| a.done_at.is_none())
                .map(|a| {
                    (
                        format!("action {}", a.id),
                        printable(
                            &format!(
                                "action: {}, due {}",
                                entry.shown(&a.what, is_privacy),
                                a.due_on.format("%a %-d %b %Y")
                            ),
                            false,
                        ),
                    )
                }),
        );
    }
    if late.is_empty() {
        state.status = Some(format!(
            "Escalation {id} has nothing running or owed that could be late"
        ));
        return;
    }
    let title = format!(
        " Reason for the delay: escalation {id}, {} ",
        entry.child_shown(is_privacy)
    );
    open_form(state, Form::delay_reason(id, title, late));
}

/// The clocks of escalation `id` that can be marked met (running, or waiting to start), each
/// `(key, label)` with its due time and state.
fn clock_items(entry: &Entry, is_tightening: bool) -> Vec<(String, String)> {
    use crate::core::calendar::format_local;
    use crate::core::deadline::ClockState;
    entry
        .schedule
        .clocks
        .iter()
        .filter(|c| {
            if is_tightening {
                c.state.is_live() && c.due_at.is_some() && c.started_at.is_some()
            } else {
                c.state.is_live() || c.state == ClockState::Pending
            }
        })
        .map(|c| {
            let when = c.due_at.map_or_else(
                || format!("starts with {}", c.from.describe()),
                |d| format!("due {}", format_local(d)),
            );
            (
                c.key.to_string(),
                crate::core::record::printable(&format!("{}, {when}", c.name), false),
            )
        })
        .collect()
}

/// Opens the form to mark one of escalation `id`'s clocks met, `chosen` first if given (the
/// immediate-risk clock from its guidance; a review's clock item).
fn open_clock_met(state: &mut State, id: i64, chosen: Option<&str>) {
    let Some(entry) = state.entry(id) else { return };
    let clocks = clock_items(entry, false);
    if clocks.is_empty() {
        state.status = Some(format!("Escalation {id} has no clock running to mark met"));
        return;
    }
    let title = format!(
        " Clock met: escalation {id}, {} ",
        entry.child_shown(state.is_privacy)
    );
    open_form(state, Form::clock_met(id, title, clocks, chosen));
}

/// Opens the form to give one of escalation `id`'s running clocks an earlier due time.
fn open_tighten(state: &mut State, id: i64, chosen: Option<&str>) {
    let Some(entry) = state.entry(id) else { return };
    let clocks = clock_items(entry, true);
    if clocks.is_empty() {
        state.status = Some(format!("Escalation {id} has no running clock to tighten"));
        return;
    }
    let title = format!(
        " Tighten a clock: escalation {id}, {} ",
        entry.child_shown(state.is_privacy)
    );
    let mut form = Form::tighten(id, title, clocks);
    if let Some(key) = chosen
        && let Some(field) = form.fields.first_mut()
        && let Some(index) = field.items.iter().position(|k| k == key)
    {
        field.choice = index;
    }
    open_form(state, form);
}

/// Opens the form to add an agreed action to an open escalation.
fn open_add_action(state: &mut State, id: i64) {
    let Some(entry) = state.entry(id) else { return };
    if !entry.is_open() {
        state.status = Some(format!(
            "Escalation {id} is closed, so no action can be added"
        ));
        return;
    }
    let title = format!(
        " Agreed action: escalation {id}, {} ",
        entry.child_shown(state.is_privacy)
    );
    open_form(state, Form::add_action(id, title));
}

/// Opens the form an intent asks for on escalation `id`, if it asks for one.
fn open_record_form(state: &mut State, intent: Intent, id: i64) {
    match intent {
        Intent::RecordDiscussion => open_discussion(state, id),
        Intent::AdvanceStage => open_advance(state, id),
        Intent::ResolveEscalation => open_closing(state, id, true),
        Intent::WithdrawEscalation => open_closing(state, id, false),
        Intent::MarkActionDone => open_action_done(state, id, None),
        Intent::MarkClockMet => open_clock_met(state, id, None),
        Intent::AddAction => open_add_action(state, id),
        Intent::TightenClock => open_tighten(state, id, None),
        Intent::RecordDelayReason => open_delay_reason(state, id, None),
        Intent::AmendField => {
            if let Some(entry) = state.entry(id) {
                let title = format!(
                    " Correct escalation {id}, {} (the original is kept) ",
                    entry.child_shown(state.is_privacy)
                );
                let form =
                    Form::amend(id, title).with_corrections(&entry.escalation, &entry.schedule);
                open_form(state, form);
            }
        }
        _ => {}
    }
}

/// Opens the form to record a notification as sent: one of those the escalation owes,
/// `chosen` first if given. One that owes none says so.
fn open_notification_sent(state: &mut State, id: i64, chosen: Option<&str>) {
    open_notification_sent_of(state, id, chosen, false);
}

/// Opens the notification-sent form; with `is_only_chosen`, offering the chosen notification
/// alone (a form kept with it belongs to it, not to another).
fn open_notification_sent_of(
    state: &mut State,
    id: i64,
    chosen: Option<&str>,
    is_only_chosen: bool,
) {
    use crate::core::calendar::format_local;
    let Some(entry) = state.entry(id) else { return };
    let owed: Vec<(String, String)> = entry
        .schedule
        .outstanding_notifications()
        .filter(|n| !is_only_chosen || Some(&*n.id) == chosen)
        .map(|n| {
            let form = n.form.as_deref().unwrap_or(&n.id);
            (
                n.id.to_string(),
                crate::core::record::printable(
                    &format!("{form}, due {} → {}", format_local(n.due_at), n.recipient),
                    false,
                ),
            )
        })
        .collect();
    if owed.is_empty() {
        state.status = Some(format!(
            "Escalation {id} owes no notification to the partnership now"
        ));
        return;
    }
    let title = format!(
        " Notification sent: escalation {id}, {} ",
        entry.child_shown(state.is_privacy)
    );
    open_form(state, Form::notification_sent(id, title, owed, chosen));
}

/// Opens the notification-sent form for `notification`, with the filled form shown in the form
/// view kept beside it when it saves (its text with the record, its SHA-256 in the audit trail).
pub(super) fn open_notification_sent_with(
    state: &mut State,
    id: i64,
    notification: &str,
    attachment: (String, String),
) {
    open_notification_sent_of(state, id, Some(notification), true);
    if let Some(form) = state.form.as_mut() {
        form.preview.push(format!(
            "Form {} will be kept with the record as it was shown, its SHA-256 in the audit trail.",
            attachment.0
        ));
        form.attachment = Some(attachment);
    }
}

/// Opens the form to mark one of the escalation's open actions done.
fn open_action_done(state: &mut State, id: i64, chosen: Option<i64>) {
    use crate::core::record::printable;
    let Some(entry) = state.entry(id) else { return };
    let open: Vec<(String, String)> = entry
        .escalation
        .actions
        .iter()
        .filter(|a| a.done_at.is_none())
        .map(|a| {
            (
                a.id.to_string(),
                printable(
                    &format!(
                        "{} ({}, due {})",
                        a.what,
                        a.owner,
                        a.due_on.format("%a %-d %b %Y")
                    ),
                    false,
                ),
            )
        })
        .collect();
    if open.is_empty() {
        state.status = Some(format!(
            "Escalation {id} has no open agreed action; record actions with d (a discussion)"
        ));
        return;
    }
    let title = format!(
        " Action done: escalation {id}, {} ",
        entry.child_shown(state.is_privacy)
    );
    open_form(
        state,
        Form::action_done(id, title, open, chosen.map(|c| c.to_string()).as_deref()),
    );
}

/// Opens the discussion form on an open escalation (a closed one says why not).
fn open_discussion(state: &mut State, id: i64) {
    let Some(entry) = state.entry(id) else { return };
    if !entry.is_open() {
        state.status = Some(format!(
            "Escalation {id} is closed, so no discussion can be added; correct a mistake with escalate correct {id} reopen --why TEXT"
        ));
        return;
    }
    let title = format!(
        " Record a discussion: escalation {id}, {} ",
        entry.child_shown(state.is_privacy)
    );
    let form = Form::discussion(id, title);
    open_form(state, form);
}

/// Shows a form, carrying on from a draft kept from an earlier session if there is one.
fn open_form(state: &mut State, mut form: Form) {
    let (name, id) = (form.kind.draft_name(), form.kind.escalation());
    if let Some(index) = state
        .drafts
        .iter()
        .position(|d| d.form == name && d.escalation_id == id)
    {
        let draft = state.drafts.remove(index);
        form.restore(&draft, &state.procedures);
        let when = draft
            .saved_at
            .map(crate::core::calendar::format_local)
            .unwrap_or_default();
        state.status = Some(format!(
            "Carrying on from what you typed before ({when}); Esc then y throws it away."
        ));
    }
    state.forms_opened += 1;
    form.token = FormToken(state.forms_opened);
    form.seen = id
        .and_then(|id| state.entry(id))
        .map(|e| Version::of(&e.escalation));
    state.form = Some(form);
    check_form(state);
}

/// Checks the open form against the procedures and its escalation as loaded now.
fn check_form(state: &mut State) -> Option<Request> {
    // The advance form's preview counts from the time typed in When (now until one is).
    let preview = state.form.as_ref().and_then(|form| match form.kind {
        FormKind::Advance { escalation, .. } => {
            let at = form.when(state.now).unwrap_or(state.now);
            state
                .entry(escalation)
                .map(|entry| advance_preview(state, entry, at))
        }
        _ => None,
    });
    if let (Some(form), Some(preview)) = (state.form.as_mut(), preview) {
        form.preview = preview;
    }
    let State {
        form,
        procedures,
        entries,
        now,
        is_privacy,
        calendar,
        ..
    } = state;
    let form = form.as_mut()?;
    let entry = form
        .kind
        .escalation()
        .and_then(|id| entries.iter().find(|e| e.escalation.id == id));
    form.check(&Context {
        now: *now,
        procedures,
        escalation: entry.map(|e| &e.escalation),
        schedule: entry.map(|e| &e.schedule),
        calendar,
        is_privacy: *is_privacy,
    })
}

/// Opens the form to resolve (or withdraw) an open escalation.
fn open_closing(state: &mut State, id: i64, is_resolving: bool) {
    let Some(entry) = state.entry(id) else { return };
    if !entry.is_open() {
        state.status = Some(format!(
            "Escalation {id} is already closed; correct a mistake with escalate correct {id} reopen --why TEXT"
        ));
        return;
    }
    let child = entry.child_shown(state.is_privacy).to_owned();
    let form = if is_resolving {
        Form::resolve(id, format!(" Resolve escalation {id}, {child} "))
    } else {
        Form::withdraw(id, format!(" Withdraw escalation {id}, {child} "))
    };
    open_form(state, form);
}

/// Opens the form to advance an open escalation, previewing what the move sets off (see
/// [`advance_preview`]), counted from now until a time is typed into When.
fn open_advance(state: &mut State, id: i64) {
    let Some(entry) = state.entry(id) else { return };
    let Some(procedure) = state.procedures.get(&entry.escalation.procedure) else {
        return;
    };
    if !entry.is_open() {
        state.status = Some(format!(
            "Escalation {id} is closed, so it cannot be advanced"
        ));
        return;
    }
    let next = entry.schedule.stage + 1;
    if procedure.stage(next).is_none() {
        state.status = Some(format!(
            "Escalation {id} is at stage {}, the last stage of {}; resolve or withdraw it instead",
            entry.schedule.stage, procedure.id
        ));
        return;
    }
    let preview = advance_preview(state, entry, state.now);
    let title = format!(
        " Advance escalation {id}, {} ",
        entry.child_shown(state.is_privacy)
    );
    open_form(state, Form::advance(id, next, title, preview));
}

/// What advancing `entry` at `at` sets off: the next stage and who is involved there, its
/// clocks with their due times counted from `at`, and the notifications it makes owed.
fn advance_preview(state: &State, entry: &Entry, at: DateTime<Utc>) -> Vec<String> {
    use crate::core::calendar::format_local;
    use crate::core::deadline::{Event, EventKind, schedule};
    let Some(procedure) = state.procedures.get(&entry.escalation.procedure) else {
        return Vec::new();
    };
    let next = entry.schedule.stage + 1;
    let Some(stage) = procedure.stage(next) else {
        return Vec::new();
    };
    let mut preview = vec![
        format!(
            "Moves to stage {next} of {}: {}",
            procedure.last_stage(),
            stage.name
        ),
        format!("Involved there: {}", stage.who),
    ];
    let mut events = entry.escalation.events();
    events.push(Event {
        at,
        kind: EventKind::Advanced { to: next },
    });
    if let Ok(after) = schedule(
        procedure,
        &state.calendar,
        &state.settings,
        &events,
        state.now,
    ) {
        for clock in after.clocks.iter().filter(|c| c.stage == Some(next)) {
            let due = clock.due_at.map_or_else(
                || format!("starts with {}", clock.from.describe()),
                |d| format!("due {}", format_local(d)),
            );
            preview.push(format!("New clock: {}, {due}", clock.name));
        }
        let before: Vec<&str> = entry
            .schedule
            .notifications
            .iter()
            .map(|n| &*n.id)
            .collect();
        for n in after
            .notifications
            .iter()
            .filter(|n| !before.contains(&&*n.id))
        {
            preview.push(format!(
                "Owed: {} to {}, due {}",
                n.name,
                n.recipient,
                format_local(n.due_at)
            ));
        }
    }
    preview
}

fn on_form(state: &mut State, intent: Intent) -> Vec<Effect> {
    let now = state.now;
    let Some(form) = state.form.as_mut() else {
        return Vec::new();
    };
    match form.confirm {
        Some(Confirm::Discard) => {
            match intent {
                Intent::DiscardForm | Intent::Quit => {
                    let quit = intent == Intent::Quit;
                    let kind = form.kind;
                    state.form = None;
                    state.status = Some("Discarded.".to_owned());
                    state.should_quit = quit;
                    return vec![Effect::DiscardDraft {
                        form: kind.draft_name().to_owned(),
                        escalation: kind.escalation(),
                    }];
                }
                Intent::KeepEditing => form.confirm = None,
                _ => {}
            }
            return Vec::new();
        }
        Some(Confirm::ImmediateRisk) => {
            match intent {
                Intent::ConfirmImmediateRisk => {
                    form.confirm = None;
                    return save_form(state);
                }
                Intent::KeepEditing | Intent::FormCancel => form.confirm = None,
                _ => {}
            }
            return Vec::new();
        }
        None => {}
    }
    if form.is_saving {
        return Vec::new();
    }
    let count = form.fields.len();
    match intent {
        Intent::FormNext => form.focus = (form.focus + 1) % count,
        Intent::FormPrevious => form.focus = (form.focus + count - 1) % count,
        Intent::FormCancel | Intent::Quit => {
            if form.is_changed {
                form.confirm = Some(Confirm::Discard);
            } else {
                state.form = None;
            }
        }
        Intent::FormSave => {
            form.is_save_attempted = true;
            // A child at immediate risk: the procedure's advice comes first, then the save.
            if form.needs_risk_confirmation() && check_form(state).is_some() {
                if let Some(form) = state.form.as_mut() {
                    form.confirm = Some(Confirm::ImmediateRisk);
                }
                return Vec::new();
            }
            return save_form(state);
        }
        Intent::FormInput(key) => {
            if edit_field(form, key) {
                form.unkept_since = Some(now);
            }
            check_form(state);
        }
        _ => {}
    }
    Vec::new()
}

/// Opens the form for a new escalation, filled in from the settings (see [`Form::prefill`]).
fn open_new_escalation(state: &mut State) {
    let mut form = Form::new_escalation(&state.procedures);
    let problem = form.prefill(&state.procedures, &state.preferences);
    form.offer_schools(&state.writable_schools);
    open_form(state, form);
    if problem.is_some() && state.status.is_none() {
        state.status = problem;
    }
}

/// The longest name kept for the audit trail.
const MAX_NAME_CHARS: usize = 100;

/// A first run asks the DSL's name for the audit trail (instead of writing their login name):
/// typed, then kept in `config.toml` with Enter, or put off with Esc.
fn on_name(state: &mut State, intent: Intent) -> Vec<Effect> {
    let Some(typed) = state.asking_name.as_mut() else {
        return Vec::new();
    };
    match intent {
        Intent::NameType(c) if typed.chars().count() < MAX_NAME_CHARS => typed.push(c),
        Intent::NameBackspace => {
            typed.pop();
        }
        Intent::NameSkip => {
            state.asking_name = None;
            state.status = Some(
                "Your login name is recorded for now; put your name in config.toml (user = \"...\") to be asked no more"
                    .to_owned(),
            );
        }
        Intent::NameDone => match crate::core::record::required_text("your name", typed, false) {
            Ok(name) => {
                state.asking_name = None;
                state.preferences.user = Some(name.clone());
                state.status = Some("Keeping your name…".to_owned());
                return vec![Effect::RememberUser(name)];
            }
            Err(error) => state.status = Some(format!("Not kept: {}", error.message)),
        },
        _ => {}
    }
    Vec::new()
}

/// A paste goes into the focused field only: whole into a text of several lines; joined into
/// one line for a one-line field or the filter; refused, with a message, where nothing is typed.
fn on_paste(state: &mut State, text: &str) {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let joined = || text.split_whitespace().collect::<Vec<_>>().join(" ");
    if state.popup.is_some() {
        return;
    }
    let now = state.now;
    if let Some(form) = state.form.as_mut() {
        if form.confirm.is_some() || form.is_saving {
            return;
        }
        let Some(field) = form.fields.get_mut(form.focus) else {
            return;
        };
        let pasted = match field.kind {
            FieldKind::Text => text.trim_end_matches('\n').to_owned(),
            FieldKind::Line | FieldKind::When => joined(),
            FieldKind::Choice | FieldKind::Toggle => {
                state.status = Some(format!(
                    "Not pasted: \"{}\" is chosen with ← → or Space, not typed",
                    field.label
                ));
                return;
            }
        };
        let joined_lines = match field.kind {
            FieldKind::Line | FieldKind::When => text.trim_end_matches('\n').lines().count(),
            _ => 0,
        };
        let label = field.label;
        if field.text.insert_str(&pasted) {
            form.is_changed = true;
            form.unkept_since = Some(now);
        }
        if joined_lines > 1 {
            state.status = Some(format!(
                "Pasted {joined_lines} lines joined into one: \"{label}\" takes a single line"
            ));
        }
        check_form(state);
        return;
    }
    if state.is_filtering {
        state
            .filter
            .push_str(&crate::core::record::printable(&joined(), false));
        state.arrange();
        return;
    }
    state.status = Some(
        "Not pasted: a paste goes into a form's field or the filter (/); nothing is open to take it"
            .to_owned(),
    );
}

/// Checks the form once more and, when it is good, sends it to be saved.
fn save_form(state: &mut State) -> Vec<Effect> {
    let output = check_form(state);
    let Some(form) = state.form.as_mut() else {
        return Vec::new();
    };
    match output {
        Some(output) => {
            form.is_saving = true;
            state.status = Some("Saving…".to_owned());
            let school = form.chosen_school().map(Effect::ChooseSchool);
            let save = Effect::Save {
                token: form.token,
                kind: form.kind,
                seen: form.seen,
                output,
            };
            school.into_iter().chain([save]).collect()
        }
        None => {
            state.status = Some("Not saved: put right the fields marked ✗".to_owned());
            Vec::new()
        }
    }
}

/// Applies a key to the focused field: typing, Enter (next field, or a new line in a text),
/// ← → for a choice, Space for a toggle.
fn edit_field(form: &mut Form, key: crossterm::event::KeyEvent) -> bool {
    use crossterm::event::KeyCode;
    let count = form.fields.len();
    let Some(field) = form.fields.get_mut(form.focus) else {
        return false;
    };
    let items = field.items.len().max(1);
    let changed = match (field.kind, key.code) {
        (
            FieldKind::Line | FieldKind::When | FieldKind::Choice | FieldKind::Toggle,
            KeyCode::Enter,
        ) => {
            form.focus = (form.focus + 1) % count;
            false
        }
        (FieldKind::Choice, KeyCode::Right | KeyCode::Char(' ')) => {
            field.choice = (field.choice + 1) % items;
            true
        }
        (FieldKind::Choice, KeyCode::Left) => {
            field.choice = (field.choice + items - 1) % items;
            true
        }
        (FieldKind::Toggle, KeyCode::Char(' ') | KeyCode::Left | KeyCode::Right) => {
            field.choice = 1 - field.choice.min(1);
            true
        }
        (FieldKind::Choice | FieldKind::Toggle, _) => false,
        _ => field.text.input(key),
    };
    form.is_changed |= changed;
    changed
}

/// Applies `config.toml` read again: only what changed in the file since it was last read, so
/// that editing one setting leaves what the DSL changed on screen (privacy mode with `p`, a
/// theme with `t`) as it is. A new name is recorded on every change from now on.
fn preferences_read(state: &mut State, read: super::ReadPreferences) -> Vec<Effect> {
    let old = std::mem::replace(&mut state.preferences_read, read.clone());
    let mut changed = Vec::new();
    let mut effects = Vec::new();
    if read.privacy != old.privacy {
        state.is_privacy = read.privacy;
        changed.push(if read.privacy {
            "privacy on"
        } else {
            "privacy off"
        });
    }
    if read.lock_after != old.lock_after {
        state.lock.after = read.lock_after;
        changed.push("lock_after");
    }
    let (new, was) = (&read.preferences, &old.preferences);
    // The first run's name, just written to the file by the dashboard, is no news.
    if new.user != was.user && new.user != state.preferences.user {
        state.preferences.user.clone_from(&new.user);
        if let Some(name) = &new.user {
            effects.push(Effect::UseActor(name.clone()));
        }
        changed.push("user");
    }
    if new.organisation != was.organisation {
        state.preferences.organisation.clone_from(&new.organisation);
        changed.push("organisation");
    }
    if new.procedure != was.procedure {
        state.preferences.procedure.clone_from(&new.procedure);
        changed.push("procedure");
    }
    if new.partnership != was.partnership {
        state.preferences.partnership.clone_from(&new.partnership);
        changed.push("partnership");
    }
    let theme_changed = read.theme != old.theme;
    if !changed.is_empty() || theme_changed {
        let mut said = changed.join(", ");
        if theme_changed {
            if !said.is_empty() {
                said.push_str(", ");
            }
            said.push_str("theme");
        }
        state.status = Some(format!("config.toml read again: {said}"));
    }
    // Last, so that an unknown theme's message is the one on the status line.
    if theme_changed {
        state.apply_theme(read.theme.as_deref());
    }
    effects
}
