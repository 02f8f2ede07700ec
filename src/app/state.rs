//! The one state tree the dashboard draws from, and the derived views kept in it.
//!
//! Derived numbers (clock states, countdowns, lane order, totals) are computed here by core
//! functions when the caseload or the clock changes, and stored; the view only formats them.

use chrono::{DateTime, Utc};

use crate::core::audit::AuditEntry;
use crate::core::calendar::Calendar;
use crate::core::deadline::{ClockState, Countdown, Schedule, Settings, Status, schedule};
use crate::core::overdue::{
    action_due_at, is_action_overdue, is_clock_overdue, is_overdue, is_settled,
};
use crate::core::procedure::ProcedureSet;
use crate::core::record::{Escalation, is_plain_ascii, printable};

/// Which screen is showing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Screen {
    Dashboard,
    /// The outcomes report, as charts (`g`).
    Report,
    Detail {
        id: i64,
        tab: DetailTab,
        scroll: u16,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DetailTab {
    Record,
    Audit,
}

/// An overlay on top of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Popup {
    Help,
}

/// The countdown a card shows: its most urgent live clock.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Urgent {
    pub clock: String,
    pub state: ClockState,
    pub due_at: DateTime<Utc>,
    pub countdown: Countdown,
}

/// One escalation as the dashboard knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub escalation: Escalation,
    pub schedule: Schedule,
    pub procedure_title: String,
    /// Where its procedure comes in the procedure set (by id): lanes are named from the
    /// procedures of their cards, gathered by this number rather than by comparing names.
    pub procedure_rank: usize,
    pub stage_count: u8,
    /// Text from the record made safe to draw.
    pub child: String,
    pub initials: String,
    /// Hides every spelling of the child's name in free text, in privacy mode; built the first
    /// time it is needed, so that loading a large caseload does no work for it.
    pub redactor: std::sync::OnceLock<crate::core::record::Redactor>,
    pub agency: String,
    /// What the filter matches, folded by [`fold`]: the child's name and record reference, the
    /// id, who raised it and their agency, who it was raised with, the procedure, the dates it
    /// was raised and the concern arose, and the text of its discussions. Built the first time
    /// it is asked for ([`Entry::search`]); the runtime builds every entry's just after the
    /// first frame ([`State::build_search`]), so that the first frame never waits for it.
    pub search: std::sync::OnceLock<String>,
    pub urgent: Option<Urgent>,
    /// Anything overdue as of the state's `now` ([`crate::core::overdue::is_overdue`]).
    pub is_overdue: bool,
    /// The next moment its countdowns or states can change, other than at a whole minute
    /// (see [`next_change`]); `None` when nothing on it is counting down.
    pub next_change: Option<DateTime<Utc>>,
}

impl Entry {
    /// Works out, as of `now`, what the card shows of the time: its most urgent deadline,
    /// whether anything is overdue, and when it next changes between whole minutes.
    fn derive(&mut self, calendar: &Calendar, now: DateTime<Utc>) {
        self.urgent = most_urgent(&self.escalation, &self.schedule, calendar, now);
        self.is_overdue = is_overdue(&self.escalation, &self.schedule, now);
        self.next_change = next_change(&self.schedule, now);
    }

    pub fn is_open(&self) -> bool {
        self.schedule.status == Status::Open
    }

    /// Whether anything on it is overdue, by the core's one rule (derived with the countdowns).
    pub fn is_overdue(&self) -> bool {
        self.is_overdue
    }

    /// Whether the entry matches a filter already folded (an empty one matches everything).
    pub fn matches(&self, folded: &str) -> bool {
        folded.is_empty() || self.search().contains(folded)
    }

    /// What the filter matches ([`Entry::search`](field@Entry::search)), built if not yet.
    pub fn search(&self) -> &str {
        self.search
            .get_or_init(|| search_text(&self.escalation, &self.procedure_title))
    }

    pub fn is_immediate_risk(&self) -> bool {
        self.escalation.immediate_risk && self.is_open()
    }

    /// Free text from the record as it may be shown: in privacy mode with every spelling of the
    /// child's name hidden (discussion notes, actions, outcomes, the audit trail).
    pub fn shown(&self, text: &str, is_privacy: bool) -> String {
        if is_privacy {
            self.redactor
                .get_or_init(|| crate::core::record::Redactor::for_escalation(&self.escalation))
                .apply(text)
        } else {
            text.to_owned()
        }
    }

    /// The child's name, or initials in privacy mode.
    pub fn child_shown(&self, is_privacy: bool) -> &str {
        if is_privacy {
            &self.initials
        } else {
            &self.child
        }
    }
}

/// A lane: the open escalations at one stage, most urgent first.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LaneView {
    pub stage: u8,
    /// The stage's name, from the procedures of the escalations in the lane when they agree on
    /// it (Barnet's stage 4 is a BSCB chaired meeting); `None` when they name it differently.
    pub name: Option<String>,
    /// Indexes into `State::entries`, in display order.
    pub cards: Vec<usize>,
    pub overdue: usize,
    /// The card whose deadline has the longest name, the one most likely to need lines of its
    /// own below its countdown: the lane's card height starts from it, so a frame measures that
    /// card and the ones on screen rather than every card in the lane.
    pub longest_deadline: Option<usize>,
}

/// A notification owed, for the notifications panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotificationRow {
    pub entry: usize,
    /// Index into the entry's `schedule.notifications`.
    pub index: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Totals {
    pub open: usize,
    pub overdue: usize,
    pub due_today: usize,
    pub notifications_owed: usize,
    pub notifications_overdue: usize,
}

/// Everything the dashboard shows.
#[derive(Debug, Clone)]
pub struct State {
    pub now: DateTime<Utc>,
    pub width: u16,
    pub height: u16,
    pub procedures: ProcedureSet,
    pub calendar: Calendar,
    pub settings: Settings,
    /// Boxed: an entry is over a kilobyte, and the caseload is prepared in parts on the
    /// loading threads and then joined; joining boxes moves pointers, where joining entries
    /// would hold every entry twice at the peak (13 MiB at 10,000 escalations).
    pub entries: Vec<Box<Entry>>,
    pub lanes: Vec<LaneView>,
    pub notifications: Vec<NotificationRow>,
    pub totals: Totals,
    /// The lane in focus, and the selected escalation's id in each lane.
    pub lane: usize,
    pub selected: Vec<Option<i64>>,
    /// The selected row of the notifications owed (an index into `notifications`).
    pub owed_selected: usize,
    /// An escalation just saved, to select when the caseload comes back.
    pub follow: Option<i64>,
    /// The morning review, while it is being walked through.
    pub review: Option<super::review::ReviewWalk>,
    pub filter: String,
    pub is_filtering: bool,
    /// The lanes show the closed escalations (each at the stage it ended) instead of the open.
    pub is_showing_closed: bool,
    /// Every closed escalation, as last loaded for that view (the caseload holds only the
    /// closed ones that still owe something).
    pub closed: Vec<Escalation>,
    pub is_privacy: bool,
    pub theme_names: Vec<String>,
    pub theme: usize,
    pub screen: Screen,
    pub popup: Option<Popup>,
    /// How far the detail view scrolls, as the runtime measured it after drawing it.
    pub detail_max_scroll: Option<u16>,
    /// How far the help is scrolled.
    pub help_scroll: u16,
    pub trail: Option<(i64, Vec<AuditEntry>)>,
    /// The outcomes report the report screen draws, once counted (or why it could not be).
    pub report: Option<Result<Box<crate::core::report::Report>, String>>,
    /// A form being filled in, over the screen.
    pub form: Option<super::form::Form>,
    /// A procedure's form filled from the record, shown over the screen (`f`).
    pub form_view: Option<super::paper::FormView>,
    /// How many forms have been opened: the next one's token.
    pub forms_opened: u64,
    /// Drafts kept from an earlier session, offered back when their form is opened again.
    pub drafts: Vec<crate::core::draft::Draft>,
    /// A line for the status bar: what just happened, or what went wrong.
    pub status: Option<String>,
    /// The database open, as the welcome screen names it (empty when not known).
    pub database: String,
    /// Where `D` loads the fictional caseload, a database of its own (empty: into this one).
    pub demo_database: String,
    /// Whether the database open holds the fictional demo caseload: the header says DEMO.
    pub is_demo: bool,
    /// Whether the database open is not encrypted: the header says so.
    pub is_plaintext: bool,
    /// The lock (Ctrl-L, or idle minutes in privacy mode).
    pub lock: super::lock::Lock,
    pub has_loaded: bool,
    /// The schools the caseload belongs to (a team's database; none in a DSL's own file).
    /// Cards and rows name the school only when there are several: a trust lead's view.
    pub schools: Vec<String>,
    /// The schools this person records for, when several (a team's database): the New form
    /// asks which.
    pub writable_schools: Vec<String>,
    pub is_loading: bool,
    pub should_quit: bool,
    /// Whether what is on screen changed since the last draw.
    pub is_dirty: bool,
    /// Every entry's index, in the order cards are shown: immediate risk, then the soonest
    /// deadline. Worked out when the caseload or the minute changes, so that a keystroke in the
    /// filter only picks from it.
    order: Vec<usize>,
    /// Every notification owed, overdue first then soonest: the panel is this, filtered.
    owed_order: Vec<NotificationRow>,
    /// What the filter matched as it was typed: each level's filter contains the one below it,
    /// so the next letter only searches what the last one matched, and a backspace finds its
    /// answer already here. Cleared whenever the entries change.
    filtered: Vec<(String, Vec<usize>)>,
    /// Whether every entry's search text has been built since the caseload was installed.
    is_search_built: bool,
    /// When a tick next has to work everything out again: the next whole minute (or the
    /// millisecond after it), where the minute shown, day-based states and actions change.
    next_full: DateTime<Utc>,
    /// The soonest [`Entry::next_change`]: until then a tick has nothing to do.
    next_change: Option<DateTime<Utc>>,
    /// What the settings say of the DSL, to prefill a new escalation with.
    pub preferences: Preferences,
    /// A first run asks the DSL's name for the audit trail: what is typed so far, while asking.
    pub asking_name: Option<String>,
    /// `config.toml` as last read: a change to the file changes only what changed in it, so
    /// an edit to one setting does not undo privacy mode turned on with `p`.
    pub preferences_read: ReadPreferences,
}

/// What `config.toml` says, as read at start and again whenever the file changes while the
/// dashboard is open (the runtime reads it; `update` applies what changed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadPreferences {
    pub privacy: bool,
    pub theme: Option<String>,
    pub lock_after: Option<chrono::Duration>,
    pub preferences: Preferences,
}

/// What `config.toml` says of the DSL and their usual procedure: a new escalation opens with
/// them filled in (each can be changed in the form).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Preferences {
    /// The DSL's name: "Raised by".
    pub user: Option<String>,
    /// The DSL's organisation: the raiser's agency.
    pub organisation: Option<String>,
    /// The procedure chosen first, by id.
    pub procedure: Option<String>,
    /// Its partnership chosen first, by id, where it has several.
    pub partnership: Option<String>,
}

/// Text folded for matching as people type it: lower case, with the accents and ligatures of
/// Latin letters taken off (`Zoë Ångström` is matched by `zoe angstrom`), so that a DSL
/// without the accented keys finds the child.
pub fn fold(text: &str) -> String {
    let mut folded = String::with_capacity(text.len());
    fold_into(text, &mut folded);
    folded
}

/// [`fold`], appended to `folded`. Plain ASCII (most of a caseload's text) is lowered a byte at
/// a time; only other characters go through the table below.
fn fold_into(text: &str, folded: &mut String) {
    let mut rest = text;
    while !rest.is_empty() {
        let ascii = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        let (plain, other) = rest.split_at(ascii);
        folded.extend(plain.bytes().map(|b| char::from(b.to_ascii_lowercase())));
        let Some(c) = other.chars().next() else {
            break;
        };
        rest = &other[c.len_utf8()..];
        for c in c.to_lowercase() {
            fold_char(c, folded);
        }
    }
}

/// One lower-case character folded onto `folded`.
fn fold_char(c: char, folded: &mut String) {
    let plain = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'þ' => "th",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        // Combining accents typed or stored apart from their letter.
        '\u{300}'..='\u{36f}' => "",
        _ => {
            folded.push(c);
            return;
        }
    };
    folded.push_str(plain);
}

/// What the filter matches on an escalation, folded (see [`Entry::search`]): its parts one to a
/// line, each made printable and folded as it is appended (no part is copied on the way: this
/// runs for every escalation loaded).
fn search_text(escalation: &Escalation, procedure_title: &str) -> String {
    let mut search = String::with_capacity(256);
    let mut is_first = true;
    let mut add = |part: &str| {
        if !std::mem::take(&mut is_first) {
            search.push('\n');
        }
        if is_plain_ascii(part, true) {
            fold_into(part, &mut search);
        } else {
            fold_into(&printable(part, true), &mut search);
        }
    };
    add(&escalation.child.name);
    add(escalation.child.reference.as_deref().unwrap_or_default());
    add(&format!("#{}", escalation.id));
    add(&escalation.raised_by);
    add(&escalation.agency);
    add(&escalation.raised_with);
    add(&escalation.procedure);
    add(procedure_title);
    add(&search_dates(escalation.raised_at));
    if let Some(at) = escalation.concern_at {
        add(&search_dates(at));
    }
    // `/school:NAME` keeps one school's escalations (a trust's caseload).
    if let Some(school) = &escalation.school {
        add(&format!("school:{school}"));
    }
    for discussion in &escalation.discussions {
        add(&discussion.participants);
        add(&discussion.notes);
        if let Some(decisions) = &discussion.decisions {
            add(decisions);
        }
    }
    // Kept for the session, ten thousand of them: the room grown for it and left over is
    // given back.
    search.shrink_to_fit();
    search
}

/// A date as it is written, for the filter: `2026-11-23 23/11/2026 Mon 23 Nov 2026 11:00 GMT`
/// (ISO, British, and as the screens show it, [`crate::core::calendar::format_local`]),
/// written out by hand since chrono's format strings are slow to interpret ten thousand times.
fn search_dates(at: DateTime<Utc>) -> String {
    use chrono::{Datelike as _, Timelike as _};
    use chrono_tz::OffsetName as _;
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let local = at.with_timezone(&crate::core::calendar::LONDON);
    let day = local.date_naive();
    let month = MONTHS[day.month0() as usize];
    format!(
        "{day} {:02}/{:02}/{:04} {} {} {month} {:04} {:02}:{:02} {}",
        day.day(),
        day.month(),
        day.year(),
        day.weekday(),
        day.day(),
        day.year(),
        local.hour(),
        local.minute(),
        local.offset().abbreviation().unwrap_or_default(),
    )
}

/// From how many escalations schedules are derived on two threads.
const PARALLEL_FROM: usize = 2_000;

/// Initials for privacy mode; in the core so that the command line's reports use the same.
pub use crate::core::record::initials;

/// What a card counts down to: the soonest of its live clocks, the notifications it still owes
/// and its agreed actions gone late, so that whatever makes the lane count it overdue makes the
/// card read OVERDUE too.
fn most_urgent(
    escalation: &Escalation,
    schedule: &Schedule,
    calendar: &Calendar,
    now: DateTime<Utc>,
) -> Option<Urgent> {
    use std::borrow::Cow;
    /// What a card can count down to, named only once it has won: the winner is the soonest,
    /// then the first by name (a label is built for the few that tie on the time).
    #[derive(Clone, Copy)]
    enum Candidate<'a> {
        Clock(&'a crate::core::deadline::ClockStatus),
        Notification(&'a crate::core::deadline::NotificationStatus),
        Action(&'a crate::core::record::AgreedAction),
    }
    fn label<'a>(candidate: Candidate<'a>) -> Cow<'a, str> {
        match candidate {
            Candidate::Clock(c) => Cow::Borrowed(&c.name),
            Candidate::Notification(n) => Cow::Owned(format!("{} to send", n.id)),
            Candidate::Action(a) => Cow::Owned(format!("action: {}", printable(&a.what, false))),
        }
    }
    let candidates = || {
        let clocks = schedule
            .clocks
            .iter()
            .filter(|c| c.state.is_live())
            .filter_map(|c| Some((c.due_at?, Candidate::Clock(c))));
        let notifications = schedule
            .outstanding_notifications()
            .map(|n| (n.due_at, Candidate::Notification(n)));
        let actions = escalation
            .actions
            .iter()
            .filter(|a| is_action_overdue(a, now))
            .map(|a| (action_due_at(a.due_on), Candidate::Action(a)));
        clocks.chain(notifications).chain(actions)
    };
    let soonest = candidates().map(|(due, _)| due).min()?;
    let (due_at, winner, clock) = candidates()
        .filter(|&(due, _)| due == soonest)
        .map(|(due, candidate)| (due, candidate, label(candidate)))
        .min_by(|a, b| a.2.cmp(&b.2))?;
    let (state, countdown) = match winner {
        Candidate::Clock(c) => (
            if is_clock_overdue(escalation, schedule, c, now) {
                ClockState::Overdue
            } else {
                c.state
            },
            Countdown::of_clock(calendar, c, now)?,
        ),
        Candidate::Notification(n) => (n.state, Countdown::of_notification(calendar, n, now)),
        Candidate::Action(_) => (
            ClockState::Overdue,
            Countdown::new(calendar, due_at, now, false),
        ),
    };
    Some(Urgent {
        clock: clock.into_owned(),
        state,
        due_at,
        countdown,
    })
}

/// The first moment after `now` at which a countdown to `due` can read differently: countdowns
/// count whole minutes to or past the due time, and states turn as it passes, so they change
/// only at `due` plus or minus whole minutes, or the millisecond after.
fn next_trigger(due: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
    const MINUTE: i64 = 60_000;
    let into = (now - due).num_milliseconds().rem_euclid(MINUTE);
    let step = if into == 0 { 1 } else { MINUTE - into };
    now + chrono::Duration::milliseconds(step)
}

/// The next moment anything on a schedule can change between whole minutes: a countdown to one
/// of its live clocks or owed notifications turning over, or a missed clock making a
/// notification owed.
fn next_change(schedule: &Schedule, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let clocks = schedule
        .clocks
        .iter()
        .filter(|c| c.state.is_live())
        .filter_map(|c| c.due_at);
    let owed = schedule.outstanding_notifications().map(|n| n.due_at);
    let waiting = schedule.owed_if_missed.iter().map(|n| n.triggered_at);
    clocks
        .chain(owed)
        .chain(waiting)
        .map(|due| next_trigger(due, now))
        .min()
}

/// What on screen depends on the time: the minute shown, and every state and countdown.
fn time_fingerprint(state: &State) -> u64 {
    use std::hash::{DefaultHasher, Hash as _, Hasher as _};
    let mut hasher = DefaultHasher::new();
    state.now.timestamp().div_euclid(60).hash(&mut hasher);
    for entry in &state.entries {
        if let Some(urgent) = &entry.urgent {
            (urgent.state, urgent.countdown).hash(&mut hasher);
        }
        for n in &entry.schedule.notifications {
            n.state.hash(&mut hasher);
        }
    }
    (state.totals.overdue, state.totals.due_today).hash(&mut hasher);
    hasher.finish()
}

/// Escalations made ready for the dashboard: each one's schedule as of `now`, its text made
/// safe to draw, its search text. This is most of the work of loading a large caseload, so the
/// storage worker does it on the threads that read the caseload, each part beside the reading
/// of the next (the store's `caseload_with`), and the event loop only
/// [installs](State::install) the result.
#[derive(Debug, Clone, PartialEq)]
pub struct Prepared {
    now: DateTime<Utc>,
    /// Those that need attention: open, or closed with something still owed or undone.
    #[allow(
        clippy::vec_box,
        reason = "parts are joined by moving pointers (see State::entries)"
    )]
    entries: Vec<Box<Entry>>,
    /// Closed and owing nothing: shown only in the view of the closed ones, and settled.
    #[allow(
        clippy::vec_box,
        reason = "parts are joined by moving pointers (see State::entries)"
    )]
    settled: Vec<Box<Entry>>,
    /// How many follow a procedure no longer defined.
    unknown: usize,
}

impl Prepared {
    /// Prepares `escalations` on this thread, in their order.
    pub fn new(
        escalations: Vec<Escalation>,
        procedures: &ProcedureSet,
        calendar: &Calendar,
        settings: &Settings,
        now: DateTime<Utc>,
    ) -> Self {
        let mut prepared = Self {
            now,
            entries: Vec::with_capacity(escalations.len()),
            settled: Vec::new(),
            unknown: 0,
        };
        for escalation in escalations {
            let Some(procedure) = procedures.get(&escalation.procedure) else {
                prepared.unknown += 1;
                continue;
            };
            let Ok(schedule) = schedule(procedure, calendar, settings, &escalation.events(), now)
            else {
                continue;
            };
            let is_settled = is_settled(&escalation, &schedule);
            let child = printable(&escalation.child.name, false);
            let agency = printable(&escalation.raised_with, false);
            let mut entry = Box::new(Entry {
                initials: initials(&child),
                redactor: std::sync::OnceLock::new(),
                child,
                agency,
                search: std::sync::OnceLock::new(),
                procedure_title: procedure.title.clone(),
                procedure_rank: procedures
                    .iter()
                    .position(|p| p.id == escalation.procedure)
                    .unwrap_or_default(),
                stage_count: procedure.last_stage(),
                escalation,
                schedule,
                urgent: None,
                is_overdue: false,
                next_change: None,
            });
            entry.derive(calendar, now);
            if is_settled {
                prepared.settled.push(entry);
            } else {
                prepared.entries.push(entry);
            }
        }
        prepared
    }

    /// Prepares a large caseload in two halves at once (the engine is pure, so the halves
    /// cannot interfere), a small one on this thread.
    fn in_halves(
        mut escalations: Vec<Escalation>,
        procedures: &ProcedureSet,
        calendar: &Calendar,
        settings: &Settings,
        now: DateTime<Utc>,
    ) -> Self {
        if escalations.len() < PARALLEL_FROM {
            return Self::new(escalations, procedures, calendar, settings, now);
        }
        let second = escalations.split_off(escalations.len() / 2);
        std::thread::scope(|scope| {
            let later = scope.spawn(|| Self::new(second, procedures, calendar, settings, now));
            let first = Self::new(escalations, procedures, calendar, settings, now);
            // A panic in the engine would be a bug; its half is then missing, not the whole.
            match later.join() {
                Ok(later) => Self::merge(vec![first, later]),
                Err(_) => first,
            }
        })
    }

    /// Parts prepared apart, as one, in the order given; all must have been prepared at one
    /// moment (the first part's is kept).
    pub fn merge(parts: Vec<Self>) -> Self {
        // Sized once, and the entries are boxed: joining the parts moves pointers, not
        // kilobyte entries, so the peak never holds every entry twice.
        let mut whole = Self {
            now: parts.first().map_or(DateTime::UNIX_EPOCH, |p| p.now),
            entries: Vec::with_capacity(parts.iter().map(|p| p.entries.len()).sum()),
            settled: Vec::with_capacity(parts.iter().map(|p| p.settled.len()).sum()),
            unknown: 0,
        };
        for part in parts {
            debug_assert_eq!(part.now, whole.now, "parts are prepared at one moment");
            whole.entries.extend(part.entries);
            whole.settled.extend(part.settled);
            whole.unknown += part.unknown;
        }
        whole
    }
}

impl State {
    pub fn new(
        procedures: ProcedureSet,
        calendar: Calendar,
        settings: Settings,
        theme_names: Vec<String>,
        now: DateTime<Utc>,
        (width, height): (u16, u16),
    ) -> Self {
        Self {
            now,
            width,
            height,
            procedures,
            calendar,
            settings,
            entries: Vec::new(),
            lanes: Vec::new(),
            notifications: Vec::new(),
            totals: Totals::default(),
            lane: 0,
            selected: Vec::new(),
            owed_selected: 0,
            follow: None,
            review: None,
            filter: String::new(),
            is_filtering: false,
            is_showing_closed: false,
            closed: Vec::new(),
            is_privacy: false,
            theme_names,
            theme: 0,
            screen: Screen::Dashboard,
            popup: None,
            detail_max_scroll: None,
            help_scroll: 0,
            trail: None,
            report: None,
            form: None,
            form_view: None,
            forms_opened: 0,
            drafts: Vec::new(),
            status: None,
            database: String::new(),
            demo_database: String::new(),
            is_demo: false,
            is_plaintext: false,
            lock: super::lock::Lock::default(),
            has_loaded: false,
            schools: Vec::new(),
            writable_schools: Vec::new(),
            is_loading: true,
            should_quit: false,
            is_dirty: true,
            order: Vec::new(),
            owed_order: Vec::new(),
            filtered: Vec::new(),
            is_search_built: false,
            next_full: now,
            next_change: None,
            preferences: Preferences::default(),
            asking_name: None,
            preferences_read: ReadPreferences::default(),
        }
    }

    /// Builds the entries from loaded escalations. Returns the closed ones that owe nothing.
    pub fn set_caseload(&mut self, escalations: Vec<Escalation>) -> Vec<i64> {
        let prepared = Prepared::in_halves(
            escalations,
            &self.procedures,
            &self.calendar,
            &self.settings,
            self.now,
        );
        self.install(prepared)
    }

    /// Builds every entry's search text not built yet, on two threads for a large caseload:
    /// the runtime calls it once the caseload is on screen, so that the filter's first letter
    /// finds it ready. Returns whether there was anything to build.
    pub fn build_search(&mut self) -> bool {
        if self.is_search_built {
            return false;
        }
        self.is_search_built = true;
        let first_missing = self.entries.iter().position(|e| e.search.get().is_none());
        let Some(first_missing) = first_missing else {
            return false;
        };
        let missing = &self.entries[first_missing..];
        let build = |entries: &[Box<Entry>]| {
            for entry in entries {
                entry.search();
            }
        };
        if missing.len() < PARALLEL_FROM {
            build(missing);
        } else {
            let (first, second) = missing.split_at(missing.len() / 2);
            std::thread::scope(|scope| {
                scope.spawn(|| build(second));
                build(first);
            });
        }
        true
    }

    /// Makes `prepared` the caseload (see [`Prepared`]), brought to the state's `now` if it was
    /// prepared at another moment. Returns the closed escalations that owe nothing, for the
    /// store to settle.
    pub fn install(&mut self, prepared: Prepared) -> Vec<i64> {
        let Prepared {
            now,
            mut entries,
            settled,
            unknown,
        } = prepared;
        let settled_ids: Vec<i64> = settled.iter().map(|e| e.escalation.id).collect();
        // While the closed ones are shown, those the caseload no longer carries come from the
        // last load of them.
        if self.is_showing_closed {
            let loaded: std::collections::HashSet<i64> = entries
                .iter()
                .chain(&settled)
                .map(|e| e.escalation.id)
                .collect();
            let others: Vec<Escalation> = self
                .closed
                .iter()
                .filter(|e| !loaded.contains(&e.id))
                .cloned()
                .collect();
            let others = Prepared::new(
                others,
                &self.procedures,
                &self.calendar,
                &self.settings,
                now,
            );
            entries.extend(settled);
            entries.extend(others.entries);
            entries.extend(others.settled);
        }
        // The clock gone back (a `--now` earlier than the load's): worked out again.
        let is_behind = self.now < now;
        if is_behind {
            for entry in &mut entries {
                if let Some(procedure) = self.procedures.get(&entry.escalation.procedure)
                    && let Ok(schedule) = schedule(
                        procedure,
                        &self.calendar,
                        &self.settings,
                        &entry.escalation.events(),
                        self.now,
                    )
                {
                    entry.schedule = schedule;
                }
            }
        }
        self.entries = entries;
        self.is_search_built = false;
        let mut schools: Vec<String> = self
            .entries
            .iter()
            .filter_map(|e| e.escalation.school.as_deref())
            .map(|s| printable(s, false))
            .collect();
        schools.sort_unstable();
        schools.dedup();
        self.schools = schools;
        if unknown > 0 {
            self.status = Some(format!(
                "{unknown} escalation(s) follow a procedure that is no longer defined; restore its file to see them"
            ));
        }
        if is_behind {
            self.derive();
        } else {
            // Each entry comes derived as of the moment it was prepared: the whole is ordered
            // as of then, and moved on to now doing only what the time passed calls for.
            let shown_at = std::mem::replace(&mut self.now, now);
            self.reorder();
            self.advance_clock(shown_at);
        }
        settled_ids
    }

    /// Applies the remembered preferences at start: privacy mode, and the theme by name. An
    /// unknown theme name is reported (with the names there are) and the default kept.
    pub fn apply_preferences(&mut self, privacy: bool, theme: Option<&str>) {
        self.is_privacy = privacy;
        self.apply_theme(theme);
    }

    /// Uses the theme named (none: as it is), or says there is no such theme and keeps it.
    pub fn apply_theme(&mut self, theme: Option<&str>) {
        if let Some(name) = theme {
            match self.theme_names.iter().position(|n| n == name) {
                Some(index) => self.theme = index,
                None => {
                    self.status = Some(format!(
                        "config.toml: theme: there is no theme \"{}\"; using the default (themes: {})",
                        name.escape_debug(),
                        self.theme_names.join(", ")
                    ));
                }
            }
        }
        self.is_dirty = true;
    }

    /// Recomputes everything derived from the entries as of `now`: countdowns, the order of
    /// cards and notifications, totals; then lanes and panels through [`State::arrange`].
    pub fn derive(&mut self) {
        for entry in &mut self.entries {
            entry.derive(&self.calendar, self.now);
        }
        self.reorder();
    }

    /// What [`State::derive`] works out across the entries, from what each already has: the
    /// order of cards and notifications, totals, lanes and panels.
    fn reorder(&mut self) {
        self.next_change = self.entries.iter().filter_map(|e| e.next_change).min();
        self.next_full = next_trigger(DateTime::UNIX_EPOCH, self.now);
        let entries = &self.entries;
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by_key(|&i| {
            let entry = &entries[i];
            let due = entry.urgent.as_ref().map(|u| u.due_at);
            (
                !entry.is_immediate_risk(),
                due.is_none(),
                due,
                entry.escalation.id,
            )
        });
        let mut owed: Vec<NotificationRow> = Vec::new();
        for (entry_index, entry) in entries.iter().enumerate() {
            for (index, n) in entry.schedule.notifications.iter().enumerate() {
                if n.sent_at.is_none() {
                    owed.push(NotificationRow {
                        entry: entry_index,
                        index,
                    });
                }
            }
        }
        owed.sort_by_key(|row| {
            let n = &entries[row.entry].schedule.notifications[row.index];
            (
                n.state != ClockState::Overdue,
                n.due_at,
                entries[row.entry].escalation.id,
            )
        });
        let open: Vec<&Entry> = entries
            .iter()
            .map(|e| &**e)
            .filter(|e| e.is_open())
            .collect();
        self.totals = Totals {
            open: open.len(),
            overdue: open.iter().filter(|e| e.is_overdue()).count(),
            due_today: open
                .iter()
                .filter(|e| {
                    e.schedule
                        .clocks
                        .iter()
                        .any(|c| c.state == ClockState::DueToday)
                })
                .count(),
            notifications_owed: entries
                .iter()
                .map(|e| e.schedule.outstanding_notifications().count())
                .sum(),
            notifications_overdue: entries
                .iter()
                .flat_map(|e| e.schedule.outstanding_notifications())
                .filter(|n| n.state == ClockState::Overdue)
                .count(),
        };
        self.order = order;
        self.owed_order = owed;
        self.filtered.clear();
        self.arrange();
    }

    /// Moves the clock on to `now`, doing only the work that the time passed calls for: at a
    /// whole minute everything is worked out again; in between, only the entries with a
    /// countdown turning over ([`Entry::next_change`]), and the whole again only if one of them
    /// changed state. Returns whether anything on screen changed; what it leaves is exactly
    /// what refreshing every schedule and [`State::derive`] would (a test holds it to that).
    pub fn advance_clock(&mut self, now: DateTime<Utc>) -> bool {
        let was = self.now;
        self.now = now;
        if now < was || now >= self.next_full {
            let before = time_fingerprint(self);
            for entry in &mut self.entries {
                entry.schedule.refresh(&self.calendar, &self.settings, now);
            }
            self.derive();
            return was.timestamp().div_euclid(60) != now.timestamp().div_euclid(60)
                || time_fingerprint(self) != before;
        }
        if self.next_change.is_none_or(|next| now < next) {
            return false;
        }
        let (mut is_changed, mut is_reordered) = (false, false);
        for entry in &mut self.entries {
            if entry.next_change.is_none_or(|next| now < next) {
                continue;
            }
            let schedule = entry.schedule.clone();
            entry.schedule.refresh(&self.calendar, &self.settings, now);
            let urgent = most_urgent(&entry.escalation, &entry.schedule, &self.calendar, now);
            let is_late = is_overdue(&entry.escalation, &entry.schedule, now);
            entry.next_change = next_change(&entry.schedule, now);
            // A state that turned (a clock gone overdue, a notification now owed) can move cards,
            // counts and panels: that is worked out whole, as at a minute.
            is_reordered |= entry.schedule != schedule
                || is_late != entry.is_overdue
                || urgent.as_ref().map(|u| (u.state, &u.clock))
                    != entry.urgent.as_ref().map(|u| (u.state, &u.clock));
            is_changed |= urgent != entry.urgent;
            entry.urgent = urgent;
            entry.is_overdue = is_late;
        }
        if is_reordered {
            self.derive();
            return true;
        }
        self.next_change = self.entries.iter().filter_map(|e| e.next_change).min();
        is_changed
    }

    /// Lays out what the filter and the closed view select from the derived order: the lanes,
    /// their names, the notifications panel, and the selection in each lane. A keystroke in the
    /// filter comes here without working out any countdown again.
    pub fn arrange(&mut self) {
        // As many lanes as the procedures in use have stages (with nothing open, as many as the
        // longest procedure known).
        let lane_count = self
            .entries
            .iter()
            .filter(|e| e.is_open())
            .map(|e| e.stage_count)
            .max()
            .or_else(|| self.procedures.iter().map(|p| p.last_stage()).max())
            .unwrap_or(1)
            .max(1);
        let is_match = self.matching();
        let matches = |i: usize| is_match.as_ref().is_none_or(|m| m[i]);
        let mut lanes: Vec<LaneView> = (1..=lane_count)
            .map(|stage| LaneView {
                stage,
                ..LaneView::default()
            })
            .collect();
        // Which procedures the open cards follow, all and each lane's, by rank in the set.
        let procedure_count = self.procedures.iter().count();
        let mut open_procedures = vec![false; procedure_count];
        let mut lane_procedures = vec![vec![false; procedure_count]; lanes.len()];
        for &index in &self.order {
            let entry = &self.entries[index];
            if entry.is_open()
                && let Some(seen) = open_procedures.get_mut(entry.procedure_rank)
            {
                *seen = true;
            }
            if entry.is_open() == self.is_showing_closed || !matches(index) {
                continue;
            }
            let lane = usize::from(entry.schedule.stage.clamp(1, lane_count) - 1);
            if let Some(seen) = lane_procedures[lane].get_mut(entry.procedure_rank) {
                *seen = true;
            }
            let view = &mut lanes[lane];
            view.cards.push(index);
            if entry.is_overdue() {
                view.overdue += 1;
            }
            let length = |i: usize| self.entries[i].urgent.as_ref().map_or(0, |u| u.clock.len());
            if view
                .longest_deadline
                .is_none_or(|longest| length(index) > length(longest))
            {
                view.longest_deadline = Some(index);
            }
        }
        // A lane is named by the procedures of its cards (an empty one by every procedure in
        // use that has that stage), in the set's order. They are gathered by rank as the cards
        // are placed: collecting every card's procedure id into a set sorted ten thousand names
        // on every letter typed into the filter.
        for (lane, seen) in lanes.iter_mut().zip(&lane_procedures) {
            let in_use = if lane.cards.is_empty() {
                &open_procedures
            } else {
                seen
            };
            let mut names = self
                .procedures
                .iter()
                .zip(in_use)
                .filter(|(_, is_used)| **is_used)
                .filter_map(|(p, _)| p.stage(lane.stage))
                .map(|s| s.name.as_str());
            let first = names.next();
            lane.name = first
                .filter(|first| names.all(|n| n.eq_ignore_ascii_case(first)))
                .map(str::to_owned);
        }
        self.notifications = self
            .owed_order
            .iter()
            .filter(|row| matches(row.entry))
            .copied()
            .collect();
        self.lanes = lanes;
        self.owed_selected = self
            .owed_selected
            .min(self.notifications.len().saturating_sub(1));
        self.selected.resize(self.lanes.len(), None);
        self.lane = self.lane.min(self.tab_count().saturating_sub(1));
        for (lane, selected) in self.lanes.iter().zip(self.selected.iter_mut()) {
            let still_there = selected.is_some_and(|id| {
                lane.cards
                    .iter()
                    .any(|&i| self.entries[i].escalation.id == id)
            });
            if !still_there {
                *selected = lane.cards.first().map(|&i| self.entries[i].escalation.id);
            }
        }
        self.is_dirty = true;
    }

    /// Which entries the filter matches (`None`: it is empty, so all do), searching only what
    /// the filter's last level matched when the new filter contains it.
    fn matching(&mut self) -> Option<Vec<bool>> {
        let folded = fold(self.filter.trim());
        if folded.is_empty() {
            self.filtered.clear();
            return None;
        }
        while self
            .filtered
            .last()
            .is_some_and(|(level, _)| !folded.contains(level.as_str()))
        {
            self.filtered.pop();
        }
        let found = match self.filtered.last() {
            Some((level, found)) if *level == folded => found.clone(),
            Some((_, candidates)) => candidates
                .iter()
                .copied()
                .filter(|&i| self.entries[i].matches(&folded))
                .collect(),
            None => (0..self.entries.len())
                .filter(|&i| self.entries[i].matches(&folded))
                .collect(),
        };
        let mut is_match = vec![false; self.entries.len()];
        for &i in &found {
            is_match[i] = true;
        }
        if self
            .filtered
            .last()
            .is_none_or(|(level, _)| *level != folded)
        {
            self.filtered.push((folded, found));
        }
        Some(is_match)
    }

    /// The school of an escalation as its card and row show it: only when the caseload spans
    /// several schools.
    pub fn school_of<'a>(&self, escalation: &'a Escalation) -> Option<&'a str> {
        escalation
            .school
            .as_deref()
            .filter(|_| self.schools.len() > 1)
    }

    /// The filter after `current` in the cycle the school key goes round: each school in turn,
    /// then none.
    pub fn next_school_filter(&self) -> String {
        let current = fold(self.filter.trim());
        let at = self
            .schools
            .iter()
            .position(|s| fold(&format!("school:{s}")) == current);
        match at.map_or(0, |i| i + 1) {
            next if next < self.schools.len() => format!("school:{}", self.schools[next]),
            _ => String::new(),
        }
    }

    /// The lane in focus.
    pub fn current_lane(&self) -> Option<&LaneView> {
        self.lanes.get(self.lane)
    }

    /// The position of the selected card in the focused lane.
    pub fn selected_position(&self, lane: usize) -> Option<usize> {
        let id = (*self.selected.get(lane)?)?;
        self.lanes
            .get(lane)?
            .cards
            .iter()
            .position(|&i| self.entries[i].escalation.id == id)
    }

    /// Selects an open escalation's card and focuses its lane (the detail view stays open).
    pub fn select(&mut self, id: i64) {
        let found = self.lanes.iter().enumerate().find_map(|(lane, view)| {
            view.cards
                .iter()
                .any(|&i| self.entries[i].escalation.id == id)
                .then_some(lane)
        });
        if let Some(lane) = found {
            self.lane = lane;
            self.selected[lane] = Some(id);
        }
    }

    pub fn entry(&self, id: i64) -> Option<&Entry> {
        self.entries
            .iter()
            .find(|e| e.escalation.id == id)
            .map(|e| &**e)
    }

    /// The welcome screen shows when the database holds nothing to show.
    pub fn is_empty(&self) -> bool {
        self.has_loaded && self.entries.is_empty()
    }

    /// Whether the terminal is too small to draw anything useful.
    pub fn is_too_small(&self) -> bool {
        self.width < 60 || self.height < 15
    }

    /// Below this width the lanes become tabs, one lane shown at a time.
    pub fn is_tabbed(&self) -> bool {
        self.width < 100
    }

    /// How many places focus moves between: the lanes, then the notifications owed (a panel
    /// along the bottom, or on a narrow screen a last tab).
    pub fn tab_count(&self) -> usize {
        self.lanes.len() + 1
    }

    /// Whether the notifications owed have the focus (their panel, or their tab).
    pub fn is_owed_focus(&self) -> bool {
        self.lane == self.lanes.len()
    }

    /// Whether the notifications tab is showing (on a narrow screen).
    pub fn is_owed_tab(&self) -> bool {
        self.is_tabbed() && self.is_owed_focus()
    }

    /// The notification selected on the notifications panel, when it has the focus, with the
    /// entry it belongs to.
    pub fn selected_notification(&self) -> Option<&crate::core::deadline::NotificationStatus> {
        if !self.is_owed_focus() {
            return None;
        }
        let row = self.notifications.get(self.owed_selected)?;
        self.entries[row.entry]
            .schedule
            .notifications
            .get(row.index)
    }

    /// The escalation the record keys act on: the selected card, or the escalation of the
    /// selected notification owed.
    pub fn selected_id(&self) -> Option<i64> {
        if self.is_owed_focus() {
            let row = self.notifications.get(self.owed_selected)?;
            return Some(self.entries[row.entry].escalation.id);
        }
        self.selected.get(self.lane).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fills `store` with the fictional caseload made at `at`: `(count, open share, seed)`.
    fn fill(
        store: &mut crate::storage::sqlite::SqliteStore,
        at: DateTime<Utc>,
        (count, open_share, seed): (usize, f64, u64),
    ) {
        let how = crate::demo::Generate {
            count,
            open_share,
            seed,
        };
        let config = crate::config::Config::default();
        crate::demo::generate(store, &ProcedureSet::builtin(), &config, "jo", at, how).unwrap();
    }

    /// The fold as first written, a character at a time: the fast one must agree with it.
    fn fold_by_chars(text: &str) -> String {
        let mut folded = String::new();
        for c in text.chars().flat_map(char::to_lowercase) {
            fold_char(c, &mut folded);
        }
        folded
    }

    #[test]
    fn the_ascii_fast_fold_agrees_with_folding_every_character() {
        for text in [
            "",
            "Plain ASCII, MIXED case: 123 #42",
            "Zoë Ångström",
            "ZOË\u{308} x İstanbul ǅ ΣΑΣ",
            "Œuvre Straße Łódź\n\tnotes",
            "محمد علي and Ω",
            "\u{1b}[31mred\u{7f}",
        ] {
            assert_eq!(fold(text), fold_by_chars(text), "{text:?}");
        }
    }

    #[test]
    fn dates_for_the_filter_read_as_the_screens_write_them() {
        use crate::core::calendar::{format_local, local_date};
        // Both sides of each clock change, midnight, and a year's every day at 23:30 UTC.
        let mut instants: Vec<DateTime<Utc>> = [
            "2026-03-29T00:59:00Z",
            "2026-03-29T01:00:00Z",
            "2026-10-25T00:59:00Z",
            "2026-10-25T01:00:00Z",
            "2026-11-23T00:00:00Z",
            "0999-01-02T03:04:05Z",
        ]
        .iter()
        .map(|t| t.parse().unwrap())
        .collect();
        let start: DateTime<Utc> = "2027-01-01T23:30:00Z".parse().unwrap();
        instants.extend((0..366).map(|d| start + chrono::Duration::days(d)));
        for at in instants {
            let day = local_date(at);
            let expected = format!("{day} {} {}", day.format("%d/%m/%Y"), format_local(at));
            assert_eq!(search_dates(at), expected, "{at}");
        }
    }

    /// The search text as first written: every part joined, made printable, then folded.
    fn search_text_joined(
        escalation: &Escalation,
        procedure: &crate::core::procedure::Procedure,
    ) -> String {
        use crate::core::calendar::{format_local, local_date};
        let dates = |at| {
            let day = local_date(at);
            format!("{day} {} {}", day.format("%d/%m/%Y"), format_local(at))
        };
        let mut parts: Vec<String> = vec![
            escalation.child.name.clone(),
            escalation.child.reference.clone().unwrap_or_default(),
            format!("#{}", escalation.id),
            escalation.raised_by.clone(),
            escalation.agency.clone(),
            escalation.raised_with.clone(),
            procedure.id.clone(),
            procedure.title.clone(),
            dates(escalation.raised_at),
        ];
        parts.extend(escalation.concern_at.map(dates));
        parts.extend(escalation.school.as_ref().map(|s| format!("school:{s}")));
        for discussion in &escalation.discussions {
            parts.push(discussion.participants.clone());
            parts.push(discussion.notes.clone());
            parts.extend(discussion.decisions.clone());
        }
        fold(&printable(&parts.join("\n"), true))
    }

    #[test]
    fn the_search_text_is_every_part_made_printable_and_folded() {
        let mut store = crate::storage::sqlite::SqliteStore::open_in_memory().unwrap();
        let procedures = ProcedureSet::builtin();
        fill(
            &mut store,
            "2026-11-23T10:00:00Z".parse().unwrap(),
            (300, 0.5, 3),
        );
        let mut escalations = crate::storage::Store::caseload(&store).unwrap();
        assert!(escalations.iter().any(|e| !e.discussions.is_empty()));
        // Text no demo writes: accents, escapes, a school, an empty name and reference.
        let odd = &mut escalations[0];
        odd.child.name = String::new();
        odd.child.reference = Some("R\u{1b}[2J-Ω".to_owned());
        odd.school = Some("St Zoë\u{7}s".to_owned());
        odd.raised_with = "ÆTHEL İNC\tLtd".to_owned();
        for escalation in &escalations {
            let procedure = procedures.get(&escalation.procedure).unwrap();
            assert_eq!(
                search_text(escalation, &procedure.title),
                search_text_joined(escalation, procedure),
                "escalation {}",
                escalation.id
            );
        }
    }

    /// A caseload read in parts, each prepared on the thread that read it at one moment
    /// and installed at another, is the caseload loaded and derived whole at the second: later
    /// (schedules moved on) and earlier (worked out again).
    #[test]
    fn a_caseload_prepared_where_it_was_read_is_the_caseload_derived_here() {
        use crate::storage::Store as _;
        let dir = tempfile::tempdir().unwrap();
        let mut store =
            crate::storage::sqlite::SqliteStore::open(&dir.path().join("c.db")).unwrap();
        let procedures = ProcedureSet::builtin();
        let config = crate::config::Config::default();
        let read_at: DateTime<Utc> = "2026-11-23T10:00:00Z".parse().unwrap();
        fill(&mut store, read_at, (3_000, 0.8, 5));
        let prepare = |part| {
            Prepared::new(
                part,
                &procedures,
                &config.calendar,
                &config.settings,
                read_at,
            )
        };
        let parts = store.caseload_with(&prepare).unwrap();
        assert!(parts.len() > 1, "a caseload this large is read in parts");
        let prepared = Prepared::merge(parts);
        for shown_at in [
            read_at,
            // Within the minute (only what turns over is worked out again), across it, days on.
            read_at + chrono::Duration::milliseconds(500),
            read_at + chrono::Duration::seconds(59),
            read_at + chrono::Duration::seconds(90),
            read_at + chrono::Duration::days(3),
            read_at - chrono::Duration::hours(5),
        ] {
            let state = |now| {
                State::new(
                    procedures.clone(),
                    config.calendar.clone(),
                    config.settings,
                    Vec::new(),
                    now,
                    (120, 40),
                )
            };
            let mut installed = state(shown_at);
            let settled_installed = installed.install(prepared.clone());
            let mut derived = state(shown_at);
            let settled_derived = derived.set_caseload(store.caseload().unwrap());
            assert_eq!(settled_installed, settled_derived, "at {shown_at}");
            assert!(
                installed.entries == derived.entries,
                "entries at {shown_at}"
            );
            assert_eq!(installed.lanes, derived.lanes, "at {shown_at}");
            assert_eq!(installed.totals, derived.totals, "at {shown_at}");
            assert_eq!(
                installed.notifications, derived.notifications,
                "at {shown_at}"
            );
            assert!(installed.totals.open > 1_000, "{:?}", installed.totals);
        }
    }

    /// [`most_urgent`] as first written, labelling every candidate.
    fn most_urgent_as_first_written(
        escalation: &Escalation,
        schedule: &Schedule,
        calendar: &Calendar,
        now: DateTime<Utc>,
    ) -> Option<Urgent> {
        let clocks = schedule
            .clocks
            .iter()
            .filter(|c| c.state.is_live())
            .filter_map(|c| {
                let state = if is_clock_overdue(escalation, schedule, c, now) {
                    ClockState::Overdue
                } else {
                    c.state
                };
                Some((
                    c.due_at?,
                    c.name.to_string(),
                    state,
                    Countdown::of_clock(calendar, c, now)?,
                ))
            });
        let notifications = schedule.outstanding_notifications().map(|n| {
            (
                n.due_at,
                format!("{} to send", n.id),
                n.state,
                Countdown::of_notification(calendar, n, now),
            )
        });
        let actions = escalation
            .actions
            .iter()
            .filter(|a| is_action_overdue(a, now))
            .map(|a| {
                (
                    action_due_at(a.due_on),
                    format!("action: {}", printable(&a.what, false)),
                    ClockState::Overdue,
                    Countdown::new(calendar, action_due_at(a.due_on), now, false),
                )
            });
        clocks
            .chain(notifications)
            .chain(actions)
            .min_by(|a, b| (a.0, &a.1).cmp(&(b.0, &b.1)))
            .map(|(due_at, clock, state, countdown)| Urgent {
                clock,
                state,
                due_at,
                countdown,
            })
    }

    #[test]
    fn the_most_urgent_deadline_is_the_one_labelling_every_candidate_gives() {
        let mut store = crate::storage::sqlite::SqliteStore::open_in_memory().unwrap();
        let procedures = ProcedureSet::builtin();
        let config = crate::config::Config::default();
        let made_at: DateTime<Utc> = "2026-11-23T10:00:00Z".parse().unwrap();
        fill(&mut store, made_at, (600, 0.7, 11));
        let caseload = crate::storage::Store::caseload(&store).unwrap();
        let mut compared = 0;
        for days in [0, 1, 4, 20] {
            let now = made_at + chrono::Duration::days(days);
            for escalation in &caseload {
                let procedure = procedures.get(&escalation.procedure).unwrap();
                let schedule = schedule(
                    procedure,
                    &config.calendar,
                    &config.settings,
                    &escalation.events(),
                    now,
                )
                .unwrap();
                let urgent = most_urgent(escalation, &schedule, &config.calendar, now);
                compared += usize::from(urgent.is_some());
                assert_eq!(
                    urgent,
                    most_urgent_as_first_written(escalation, &schedule, &config.calendar, now),
                    "escalation {} at {now}",
                    escalation.id
                );
            }
        }
        assert!(compared > 1_000, "{compared}");
    }

    /// The filter's text waits for the first frame, then is built for every entry at once;
    /// a filter typed before that builds what it needs and finds the same.
    #[test]
    fn the_search_text_is_built_after_the_caseload_and_found_either_way() {
        let mut store = crate::storage::sqlite::SqliteStore::open_in_memory().unwrap();
        let procedures = ProcedureSet::builtin();
        let config = crate::config::Config::default();
        let now: DateTime<Utc> = "2026-11-23T10:00:00Z".parse().unwrap();
        fill(&mut store, now, (2_500, 1.0, 2));
        let caseload = crate::storage::Store::caseload(&store).unwrap();
        let fresh = || {
            let mut state = State::new(
                procedures.clone(),
                config.calendar.clone(),
                config.settings,
                Vec::new(),
                now,
                (120, 40),
            );
            state.set_caseload(caseload.clone());
            state
        };
        let mut built = fresh();
        assert!(built.entries.iter().all(|e| e.search.get().is_none()));
        assert!(built.build_search(), "there was text to build");
        assert!(built.entries.iter().all(|e| e.search.get().is_some()));
        assert!(!built.build_search(), "built once");
        let mut lazy = fresh();
        let name = fold(built.entries[7].child.split_whitespace().next().unwrap());
        for state in [&mut built, &mut lazy] {
            state.filter = name.clone();
            state.arrange();
        }
        let cards = |s: &State| s.lanes.iter().map(|l| l.cards.clone()).collect::<Vec<_>>();
        assert_eq!(cards(&built), cards(&lazy));
        assert!(cards(&lazy).iter().any(|c| !c.is_empty()), "{name} matched");
    }
}
