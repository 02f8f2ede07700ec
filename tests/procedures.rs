//! The four built-in procedures, walked through every stage, with every due time checked against
//! a value worked out by hand from the source documents (`/work/shared/policies/`), the rules of
//! the issue and a calendar. Nothing here asks the engine or the calendar for an expected value.
//!
//! The rules (UK local time, close of business (COB) 17:00):
//! - `hours = N`: N real hours after the start (across a clock change too).
//! - `working_days = N`: COB on the Nth working day strictly after the start's local date.
//! - `same_working_day`: COB on the start's date if it is a working day and the start is before
//!   COB; otherwise COB on the next working day.
//! - `by_day = N`: COB on calendar day N, the raise date being day 1.
//! - A notification with no timescale in its document: 1 working day after its trigger.
//! - Immediate risk: an extra `immediate-risk` clock, same working day from being raised.
//!
//! Calendar crib (bank holidays in brackets):
//!
//! ```text
//!     October 2026            November 2026           December 2026            January 2027
//! Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su    Mo Tu We Th Fr Sa Su     Mo Tu We Th Fr Sa Su
//!           1  2  3  4                       1        1  2  3  4  5  6                 [1] 2  3
//!  5  6  7  8  9 10 11     2  3  4  5  6  7  8     7  8  9 10 11 12 13      4  5  6  7  8  9 10
//! 12 13 14 15 16 17 18     9 10 11 12 13 14 15    14 15 16 17 18 19 20     11 12 13 14 15 16 17
//! 19 20 21 22 23 24 25    16 17 18 19 20 21 22    21 22 23 24[25]26 27     18 19 20 21 22 23 24
//! 26 27 28 29 30 31       23 24 25 26 27 28 29   [28]29 30 31              25 26 27 28 29 30 31
//!                         30
//! ```
//!
//! British Summer Time ends at 02:00 BST (01:00 UTC) on Sunday 25 October 2026. Christmas Day
//! 2026 is a Friday; Boxing Day falls on the Saturday, so Monday 28 December is its substitute.
//! So the working days around the holidays run: Thu 24 Dec, Tue 29, Wed 30, Thu 31 Dec, Mon 4 Jan.

use chrono::{DateTime, Utc};
use escalate::core::calendar::{Calendar, format_local};
use escalate::core::deadline::{
    ClockState, ClockStatus, Event, EventKind, NotificationStatus, Schedule, Settings, Status,
    schedule,
};
use escalate::core::procedure::ProcedureSet;
use escalate::core::time::parse_instant;

use ClockState::{
    DueSoon, DueToday, LeftLate, MetLate, MetOnTime, Overdue, Pending, Running, Stopped,
};

// ---- Helpers ----

/// A UK local time ("2026-11-23 10:00") as an instant.
fn t(s: &str) -> DateTime<Utc> {
    parse_instant(s).unwrap_or_else(|e| panic!("bad time in the test: {s}: {e}"))
}

fn ev(at: &str, kind: EventKind) -> Event {
    Event { at: t(at), kind }
}

fn raise(
    at: &str,
    concern: Option<&str>,
    immediate_risk: bool,
    partnership: Option<&str>,
) -> Event {
    ev(
        at,
        EventKind::Raised {
            concern_at: concern.map(t),
            immediate_risk,
            partnership: partnership.map(str::to_owned),
        },
    )
}

fn advance(at: &str, to: u8) -> Event {
    ev(at, EventKind::Advanced { to })
}

fn sent(at: &str, id: &str) -> Event {
    ev(at, EventKind::NotificationSent { id: id.to_owned() })
}

fn clock_met(at: &str, key: &str) -> Event {
    ev(
        at,
        EventKind::ClockMet {
            key: key.to_owned(),
        },
    )
}

fn discussion(at: &str) -> Event {
    ev(at, EventKind::Discussion)
}

fn meeting(at: &str) -> Event {
    ev(at, EventKind::Meeting)
}

fn agreement(at: &str) -> Event {
    ev(at, EventKind::Agreement)
}

fn delay_reason(at: &str) -> Event {
    ev(at, EventKind::DelayReason)
}

fn resolved(at: &str) -> Event {
    ev(at, EventKind::Resolved)
}

fn withdrawn(at: &str) -> Event {
    ev(at, EventKind::Withdrawn)
}

/// The schedule of an escalation under a built-in procedure, as it stands at `now`.
fn run(procedure: &str, events: &[Event], now: &str) -> Schedule {
    let set = ProcedureSet::builtin();
    let procedure = set
        .get(procedure)
        .unwrap_or_else(|| panic!("no built-in procedure {procedure}"));
    schedule(
        procedure,
        &Calendar::default(),
        &Settings::default(),
        events,
        t(now),
    )
    .expect("the history starts with a raise")
}

fn show(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(|| "none".to_owned(), format_local)
}

fn clock<'a>(s: &'a Schedule, key: &str) -> &'a ClockStatus {
    s.clocks.iter().find(|c| *c.key == *key).unwrap_or_else(|| {
        let keys: Vec<&str> = s.clocks.iter().map(|c| &*c.key).collect();
        panic!("no clock {key}; the clocks are {keys:?}")
    })
}

fn note<'a>(s: &'a Schedule, id: &str) -> &'a NotificationStatus {
    s.notifications
        .iter()
        .find(|n| *n.id == *id)
        .unwrap_or_else(|| {
            let ids: Vec<&str> = s.notifications.iter().map(|n| &*n.id).collect();
            panic!("no notification {id}; the notifications are {ids:?}")
        })
}

/// A clock's due time; `due` of "-" means not started (no due time yet).
fn assert_due(s: &Schedule, key: &str, due: &str) {
    let c = clock(s, key);
    let want = (due != "-").then(|| t(due));
    assert_eq!(
        c.due_at,
        want,
        "clock {key}: due {} expected, the engine gave {}",
        show(want),
        show(c.due_at)
    );
}

fn assert_clock(s: &Schedule, key: &str, due: &str, state: ClockState) {
    assert_due(s, key, due);
    let c = clock(s, key);
    assert_eq!(
        c.state,
        state,
        "clock {key} (due {}): state {state:?} expected, the engine gave {:?}",
        show(c.due_at),
        c.state
    );
}

/// (key, due or "-", state)
type ClockWant<'a> = (&'a str, &'a str, ClockState);

/// Checks every clock: exactly these keys, each with its due time and state.
fn expect_clocks(s: &Schedule, want: &[ClockWant]) {
    let mut got: Vec<&str> = s.clocks.iter().map(|c| &*c.key).collect();
    let mut expected: Vec<&str> = want.iter().map(|w| w.0).collect();
    got.sort_unstable();
    expected.sort_unstable();
    assert_eq!(got, expected, "the set of clocks");
    for &(key, due, state) in want {
        assert_clock(s, key, due, state);
    }
}

/// (id, due, recipient, state)
type NoteWant<'a> = (&'a str, &'a str, &'a str, ClockState);

/// Checks every notification: exactly these ids, each with its due time, recipient and state.
fn expect_notes(s: &Schedule, want: &[NoteWant]) {
    let mut got: Vec<&str> = s.notifications.iter().map(|n| &*n.id).collect();
    let mut expected: Vec<&str> = want.iter().map(|w| w.0).collect();
    got.sort_unstable();
    expected.sort_unstable();
    assert_eq!(got, expected, "the set of notifications");
    for &(id, due, recipient, state) in want {
        let n = note(s, id);
        assert_eq!(
            n.due_at,
            t(due),
            "notification {id}: due {} expected, the engine gave {}",
            format_local(t(due)),
            format_local(n.due_at)
        );
        assert_eq!(n.recipient, recipient, "notification {id}: recipient");
        assert_eq!(
            n.state,
            state,
            "notification {id} (due {}): state {state:?} expected, the engine gave {:?}",
            format_local(n.due_at),
            n.state
        );
    }
}

fn assert_started(s: &Schedule, key: &str, at: &str, provisional: bool) {
    let c = clock(s, key);
    assert_eq!(
        c.started_at,
        Some(t(at)),
        "clock {key}: started {} expected, the engine gave {}",
        format_local(t(at)),
        show(c.started_at)
    );
    assert_eq!(c.is_provisional, provisional, "clock {key}: is_provisional");
}

fn assert_ended(s: &Schedule, key: &str, at: &str) {
    let c = clock(s, key);
    assert_eq!(
        c.ended_at,
        Some(t(at)),
        "clock {key}: ended {} expected, the engine gave {}",
        format_local(t(at)),
        show(c.ended_at)
    );
}

fn assert_reason_required(s: &Schedule, key: &str, required: bool) {
    assert_eq!(
        clock(s, key).is_reason_required,
        required,
        "clock {key}: is_reason_required"
    );
}

// ---- Pan Bedfordshire ----

const LUTON: &str = "Luton Safeguarding Children Partnership";
const BEDFORD: &str = "Bedford Borough Safeguarding Children Partnership";
const CENTRAL_BEDS: &str = "Central Bedfordshire Safeguarding Children Partnership";

/// Concern Sun 13 Dec 2026, raised Mon 14 Dec. "Stage 1 (day 1-2) - Take action within 24hrs of
/// the concern arising": day 1 is the day the concern arose, Sun 13 Dec; so day 2 = Mon 14 Dec,
/// day 9 = Mon 21 Dec, day 16 = Mon 28 Dec (the Boxing Day bank holiday: the document's date is
/// kept) and day 23 = 13 + 22 = 35 Dec = Mon 4 Jan 2027. Stage 4 runs over the 1 January bank
/// holiday. A stage left after its day had passed shows its clock as left late.
#[test]
fn pan_bedfordshire_all_four_stages_over_christmas() {
    let p = "pan-bedfordshire";
    // Concern Sun 13 Dec 15:00; raised Mon 14 Dec 10:00 (19 hours later).
    let mut events = vec![raise(
        "2026-12-14 10:00",
        Some("2026-12-13 15:00"),
        false,
        Some("luton"),
    )];

    let s = run(p, &events, "2026-12-14 11:00");
    assert_eq!(s.status, Status::Open);
    assert_eq!(s.stage, 1);
    expect_clocks(
        &s,
        &[
            // Concern Sun 13 Dec 15:00 + 24h = Mon 14 Dec 15:00; raising it at 10:00 acts in time.
            ("s1.act", "2026-12-14 15:00", MetOnTime),
            // "Concerns should be raised by the practitioner with the other agency within one
            // working day": the first working day after Sun 13 Dec is Mon 14 Dec.
            ("s1.raise", "2026-12-14 17:00", MetOnTime),
            // Day 2 = Mon 14 Dec: due today.
            ("s1.resolve", "2026-12-14 17:00", DueToday),
        ],
    );
    assert_ended(&s, "s1.act", "2026-12-14 10:00");
    assert_started(&s, "s1.resolve", "2026-12-13 15:00", false);
    expect_notes(&s, &[]);

    // Stage 2 on Tue 15 Dec 16:00: Appendix 2 is due 1 working day later, Wed 16 Dec 17:00.
    events.push(advance("2026-12-15 16:00", 2));
    let s = run(p, &events, "2026-12-15 16:30");
    assert_eq!(s.stage, 2);
    expect_clocks(
        &s,
        &[
            ("s1.act", "2026-12-14 15:00", MetOnTime),
            ("s1.raise", "2026-12-14 17:00", MetOnTime),
            // Day 2 passed unresolved before the move to stage 2: left late.
            ("s1.resolve", "2026-12-14 17:00", LeftLate),
            // Day 9 = Mon 21 Dec.
            ("s2.resolve", "2026-12-21 17:00", Running),
        ],
    );
    assert_ended(&s, "s1.resolve", "2026-12-15 16:00");
    expect_notes(&s, &[("appendix-2", "2026-12-16 17:00", LUTON, DueSoon)]);
    assert_eq!(note(&s, "appendix-2").stage, 2);
    assert_eq!(note(&s, "appendix-2").form.as_deref(), Some("appendix-2"));

    events.push(sent("2026-12-16 11:00", "appendix-2"));
    let s = run(p, &events, "2026-12-21 09:00");
    expect_notes(&s, &[("appendix-2", "2026-12-16 17:00", LUTON, MetOnTime)]);
    // Mon 21 Dec is day 9.
    assert_clock(&s, "s2.resolve", "2026-12-21 17:00", DueToday);

    // Stage 3 on Tue 22 Dec 15:00: day 16 = Mon 28 Dec, a bank holiday, kept as the date.
    events.push(advance("2026-12-22 15:00", 3));
    let s = run(p, &events, "2026-12-24 12:00");
    expect_clocks(
        &s,
        &[
            ("s1.act", "2026-12-14 15:00", MetOnTime),
            ("s1.raise", "2026-12-14 17:00", MetOnTime),
            ("s1.resolve", "2026-12-14 17:00", LeftLate),
            ("s2.resolve", "2026-12-21 17:00", LeftLate),
            // Thu 24 Dec: the next working day is Tue 29 Dec, so day 16 (Mon 28 Dec) is due
            // soon; the last working day before it is today.
            ("s3.resolve", "2026-12-28 17:00", DueSoon),
        ],
    );
    assert_ended(&s, "s2.resolve", "2026-12-22 15:00");

    // Stage 4 on Tue 29 Dec 12:00: Appendix 4 due 1 working day later, Wed 30 Dec 17:00.
    events.push(advance("2026-12-29 12:00", 4));
    let s = run(p, &events, "2026-12-30 10:00");
    assert_eq!(s.stage, 4);
    expect_clocks(
        &s,
        &[
            ("s1.act", "2026-12-14 15:00", MetOnTime),
            ("s1.raise", "2026-12-14 17:00", MetOnTime),
            ("s1.resolve", "2026-12-14 17:00", LeftLate),
            ("s2.resolve", "2026-12-21 17:00", LeftLate),
            ("s3.resolve", "2026-12-28 17:00", LeftLate),
            // Day 23 = Mon 4 Jan 2027.
            ("s4.resolve", "2027-01-04 17:00", Running),
            // Provisionally from entering stage 4 (Tue 29 Dec): 30 Dec (1), 31 Dec (2),
            // [1 Jan bank holiday, 2-3 weekend], 4 Jan (3), 5 Jan (4), 6 Jan (5) → Wed 6 Jan.
            ("s4.recommendation", "2027-01-06 17:00", Running),
            // No meeting yet.
            ("s4.resolution-plan", "-", Pending),
        ],
    );
    assert_started(&s, "s4.recommendation", "2026-12-29 12:00", true);
    assert_eq!(clock(&s, "s4.resolution-plan").started_at, None);
    expect_notes(
        &s,
        &[
            ("appendix-2", "2026-12-16 17:00", LUTON, MetOnTime),
            ("appendix-4", "2026-12-30 17:00", LUTON, DueToday),
        ],
    );
    assert_eq!(note(&s, "appendix-4").stage, 4);

    // Appendix 4 goes late, Thu 31 Dec 09:30: the recommendation now counts from the send.
    events.push(sent("2026-12-31 09:30", "appendix-4"));
    let s = run(p, &events, "2026-12-31 10:00");
    expect_notes(
        &s,
        &[
            ("appendix-2", "2026-12-16 17:00", LUTON, MetOnTime),
            ("appendix-4", "2026-12-30 17:00", LUTON, MetLate),
        ],
    );
    // From Thu 31 Dec: [1 Jan bank holiday, 2-3 weekend], 4 (1), 5 (2), 6 (3), 7 (4), 8 (5)
    // → Fri 8 Jan 2027.
    assert_clock(&s, "s4.recommendation", "2027-01-08 17:00", Running);
    assert_started(&s, "s4.recommendation", "2026-12-31 09:30", false);
    // Thu 31 Dec: the next working day is Mon 4 Jan, which is day 23: due soon.
    assert_clock(&s, "s4.resolve", "2027-01-04 17:00", DueSoon);

    // A resolution meeting Mon 4 Jan 14:00: Appendix 5 within 5 working days,
    // 5, 6, 7, 8, 11 Jan → Mon 11 Jan.
    events.push(meeting("2027-01-04 14:00"));
    let s = run(p, &events, "2027-01-04 15:00");
    expect_clocks(
        &s,
        &[
            ("s1.act", "2026-12-14 15:00", MetOnTime),
            ("s1.raise", "2026-12-14 17:00", MetOnTime),
            ("s1.resolve", "2026-12-14 17:00", LeftLate),
            ("s2.resolve", "2026-12-21 17:00", LeftLate),
            ("s3.resolve", "2026-12-28 17:00", LeftLate),
            // Mon 4 Jan is day 23.
            ("s4.resolve", "2027-01-04 17:00", DueToday),
            ("s4.recommendation", "2027-01-08 17:00", Running),
            ("s4.resolution-plan", "2027-01-11 17:00", Running),
        ],
    );
    assert_started(&s, "s4.resolution-plan", "2027-01-04 14:00", false);
    assert_eq!(
        clock(&s, "s4.resolution-plan").form.as_deref(),
        Some("appendix-5")
    );

    // At exactly the due time it is due today, not yet overdue; a minute later it is overdue.
    let s = run(p, &events, "2027-01-04 17:00");
    assert_clock(&s, "s4.resolve", "2027-01-04 17:00", DueToday);
    let s = run(p, &events, "2027-01-04 17:01");
    assert_clock(&s, "s4.resolve", "2027-01-04 17:00", Overdue);

    // The partners recommend a way forward on Thu 7 Jan; it is resolved on Fri 8 Jan.
    events.push(agreement("2027-01-07 16:00"));
    events.push(resolved("2027-01-08 12:00"));
    let s = run(p, &events, "2027-01-08 13:00");
    assert_eq!(s.status, Status::Resolved);
    assert_eq!(s.stage, 4);
    assert_eq!(s.closed_at, Some(t("2027-01-08 12:00")));
    expect_clocks(
        &s,
        &[
            ("s1.act", "2026-12-14 15:00", MetOnTime),
            ("s1.raise", "2026-12-14 17:00", MetOnTime),
            ("s1.resolve", "2026-12-14 17:00", LeftLate),
            ("s2.resolve", "2026-12-21 17:00", LeftLate),
            ("s3.resolve", "2026-12-28 17:00", LeftLate),
            ("s4.resolve", "2027-01-04 17:00", MetLate),
            ("s4.recommendation", "2027-01-08 17:00", MetOnTime),
            ("s4.resolution-plan", "2027-01-11 17:00", MetOnTime),
        ],
    );
    assert_ended(&s, "s4.resolve", "2027-01-08 12:00");
    assert_ended(&s, "s4.recommendation", "2027-01-07 16:00");
    // Resolved at stage 4: Appendix 3 is for stages 2 and 3 only.
    expect_notes(
        &s,
        &[
            ("appendix-2", "2026-12-16 17:00", LUTON, MetOnTime),
            ("appendix-4", "2026-12-30 17:00", LUTON, MetLate),
        ],
    );
    let entered: Vec<(u8, DateTime<Utc>, Option<DateTime<Utc>>)> = s
        .stages
        .iter()
        .map(|p| (p.stage, p.entered_at, p.left_at))
        .collect();
    assert_eq!(
        entered,
        vec![
            (1, t("2026-12-14 10:00"), Some(t("2026-12-15 16:00"))),
            (2, t("2026-12-15 16:00"), Some(t("2026-12-22 15:00"))),
            (3, t("2026-12-22 15:00"), Some(t("2026-12-29 12:00"))),
            (4, t("2026-12-29 12:00"), Some(t("2027-01-08 12:00"))),
        ]
    );
}

/// Concern Wed 25 Nov 2026, raised late on Fri 27 Nov. Day 1 is the day the concern arose (Wed 25
/// Nov), so day 2 is Thu 26 Nov: a late raise does not push the deadline back.
#[test]
fn pan_bedfordshire_resolved_at_stage_1_needs_no_notification() {
    let p = "pan-bedfordshire";
    // Concern Wed 25 Nov 16:00 + 24h = Thu 26 Nov 16:00; raised Fri 27 Nov 09:00, late.
    let mut events = vec![raise(
        "2026-11-27 09:00",
        Some("2026-11-25 16:00"),
        false,
        Some("bedford-borough"),
    )];
    let s = run(p, &events, "2026-11-27 12:00");
    expect_clocks(
        &s,
        &[
            ("s1.act", "2026-11-26 16:00", MetLate),
            // One working day after Wed 25 Nov: Thu 26 Nov 17:00; raised Fri 27 Nov, late.
            ("s1.raise", "2026-11-26 17:00", MetLate),
            // Day 2 = Thu 26 Nov 17:00 (not Sat 28 Nov, as counting from the raise would say).
            ("s1.resolve", "2026-11-26 17:00", Overdue),
        ],
    );
    assert_eq!(
        clock(&s, "s1.act").form.as_deref(),
        Some("appendix-1"),
        "the 24-hour action records the escalation on Appendix 1"
    );
    assert_eq!(s.concern_at, t("2026-11-25 16:00"));

    events.push(resolved("2026-11-28 11:00"));
    let s = run(p, &events, "2026-11-30 09:00");
    assert_eq!(s.status, Status::Resolved);
    expect_clocks(
        &s,
        &[
            ("s1.act", "2026-11-26 16:00", MetLate),
            ("s1.raise", "2026-11-26 17:00", MetLate),
            ("s1.resolve", "2026-11-26 17:00", MetLate),
        ],
    );
    // "If resolution is reached at Stage 1 the Safeguarding Children Partnerships do not need to
    // be informed."
    expect_notes(&s, &[]);
}

/// The issue's own example: raised Mon 23 Nov 2026, day 9 = Tue 1 Dec 17:00.
#[test]
fn pan_bedfordshire_resolved_at_stage_2_makes_appendix_3_due() {
    let p = "pan-bedfordshire";
    // No concern time: the concern is taken to arise at the raise.
    let mut events = vec![
        raise(
            "2026-11-23 10:00",
            None,
            false,
            Some("central-bedfordshire"),
        ),
        advance("2026-11-23 16:00", 2),
    ];
    let s = run(p, &events, "2026-11-25 09:00");
    expect_clocks(
        &s,
        &[
            // Mon 23 Nov 10:00 + 24h = Tue 24 Nov 10:00, met by the raise itself.
            ("s1.act", "2026-11-24 10:00", MetOnTime),
            // One working day after Mon 23 Nov: Tue 24 Nov 17:00, met by the raise.
            ("s1.raise", "2026-11-24 17:00", MetOnTime),
            // Day 2 = Tue 24 Nov; stage 1 was left before it.
            ("s1.resolve", "2026-11-24 17:00", Stopped),
            // Day 9 = Tue 1 Dec.
            ("s2.resolve", "2026-12-01 17:00", Running),
        ],
    );
    // Stage 2 on Mon 23 Nov 16:00 + 1 working day = Tue 24 Nov 17:00; unsent on Wed 25 Nov.
    expect_notes(
        &s,
        &[("appendix-2", "2026-11-24 17:00", CENTRAL_BEDS, Overdue)],
    );

    events.push(sent("2026-11-25 10:00", "appendix-2"));
    let s = run(p, &events, "2026-12-01 09:00");
    assert_clock(&s, "s2.resolve", "2026-12-01 17:00", DueToday);
    expect_notes(
        &s,
        &[("appendix-2", "2026-11-24 17:00", CENTRAL_BEDS, MetLate)],
    );

    // Resolved Tue 1 Dec 16:59, at stage 2: Appendix 3 due Wed 2 Dec 17:00.
    events.push(resolved("2026-12-01 16:59"));
    let s = run(p, &events, "2026-12-02 09:00");
    assert_eq!(s.status, Status::Resolved);
    assert_eq!(s.stage, 2);
    expect_clocks(
        &s,
        &[
            ("s1.act", "2026-11-24 10:00", MetOnTime),
            ("s1.raise", "2026-11-24 17:00", MetOnTime),
            ("s1.resolve", "2026-11-24 17:00", Stopped),
            ("s2.resolve", "2026-12-01 17:00", MetOnTime),
        ],
    );
    expect_notes(
        &s,
        &[
            ("appendix-2", "2026-11-24 17:00", CENTRAL_BEDS, MetLate),
            ("appendix-3", "2026-12-02 17:00", CENTRAL_BEDS, DueToday),
        ],
    );
    assert_eq!(note(&s, "appendix-3").stage, 2);
    assert_eq!(note(&s, "appendix-3").triggered_at, t("2026-12-01 16:59"));

    events.push(sent("2026-12-02 10:00", "appendix-3"));
    let s = run(p, &events, "2026-12-02 11:00");
    assert_eq!(note(&s, "appendix-3").state, MetOnTime);
}

/// Raised Thu 17 Dec 2026: day 9 = Fri 25 Dec, day 16 = 17 + 15 = 32 Dec = Fri 1 Jan 2027.
/// Resolved at stage 3 after close of business on Christmas Eve.
#[test]
fn pan_bedfordshire_resolved_at_stage_3_after_cob_on_christmas_eve() {
    let p = "pan-bedfordshire";
    let mut events = vec![
        raise("2026-12-17 11:00", None, false, Some("bedford-borough")),
        // Fri 18 Dec 10:00 + 1 working day = Mon 21 Dec 17:00.
        advance("2026-12-18 10:00", 2),
        sent("2026-12-21 12:00", "appendix-2"),
        advance("2026-12-23 09:00", 3),
    ];
    let s = run(p, &events, "2026-12-23 10:00");
    expect_clocks(
        &s,
        &[
            ("s1.act", "2026-12-18 11:00", MetOnTime),
            ("s1.raise", "2026-12-18 17:00", MetOnTime),
            // Day 2 = Fri 18 Dec.
            ("s1.resolve", "2026-12-18 17:00", Stopped),
            // Day 9 = Fri 25 Dec (Christmas Day: calendar days count).
            ("s2.resolve", "2026-12-25 17:00", Stopped),
            // Day 16 = Fri 1 Jan 2027 (a bank holiday: calendar days count).
            ("s3.resolve", "2027-01-01 17:00", Running),
        ],
    );
    expect_notes(
        &s,
        &[("appendix-2", "2026-12-21 17:00", BEDFORD, MetOnTime)],
    );

    // Resolved Thu 24 Dec 18:30 at stage 3: 1 working day after Thu 24 Dec skips 25 Dec
    // (bank holiday), 26-27 (weekend) and 28 Dec (Boxing Day substitute) → Tue 29 Dec 17:00.
    events.push(resolved("2026-12-24 18:30"));
    let s = run(p, &events, "2026-12-28 10:00");
    assert_eq!(s.status, Status::Resolved);
    assert_clock(&s, "s3.resolve", "2027-01-01 17:00", MetOnTime);
    expect_notes(
        &s,
        &[
            ("appendix-2", "2026-12-21 17:00", BEDFORD, MetOnTime),
            // Mon 28 Dec (a bank holiday): the next working day is Tue 29 Dec, so due soon.
            ("appendix-3", "2026-12-29 17:00", BEDFORD, DueSoon),
        ],
    );
    assert_eq!(note(&s, "appendix-3").stage, 3);

    let s = run(p, &events, "2026-12-29 17:30");
    assert_eq!(note(&s, "appendix-3").state, Overdue);
}

/// The concern arose ten minutes after midnight in British Summer Time, when the UTC date is still
/// the day before: day 1 and "the start's date" are UK dates.
#[test]
fn pan_bedfordshire_days_are_uk_dates_just_after_midnight_in_bst() {
    let p = "pan-bedfordshire";
    // Concern Thu 22 Oct 2026 00:10 BST (Wed 21 Oct 23:10 UTC): day 1 is Thu 22 Oct.
    // Raised at 00:30 BST; concern + 24h = Fri 23 Oct 00:10 BST.
    let mut events = vec![
        raise(
            "2026-10-22 00:30",
            Some("2026-10-22 00:10"),
            false,
            Some("central-bedfordshire"),
        ),
        // Fri 23 Oct 00:15 BST (Thu 22 Oct 23:15 UTC): 1 working day after Fri 23 Oct is
        // Mon 26 Oct (now GMT).
        advance("2026-10-23 00:15", 2),
    ];
    let s = run(p, &events, "2026-10-23 09:00");
    expect_clocks(
        &s,
        &[
            ("s1.act", "2026-10-23 00:10", MetOnTime),
            // One working day after Thu 22 Oct (UK): Fri 23 Oct, 17:00 BST.
            ("s1.raise", "2026-10-23 17:00", MetOnTime),
            // Day 2 = Fri 23 Oct, 17:00 BST; left before it.
            ("s1.resolve", "2026-10-23 17:00", Stopped),
            // Day 9 = 22 + 8 = Fri 30 Oct, 17:00 GMT.
            ("s2.resolve", "2026-10-30 17:00", Running),
        ],
    );
    // Fri 23 Oct: Mon 26 Oct is the next working day.
    expect_notes(
        &s,
        &[("appendix-2", "2026-10-26 17:00", CENTRAL_BEDS, DueSoon)],
    );

    // Resolved after COB on day 9: late. Appendix 3 1 working day after Fri 30 Oct → Mon 2 Nov.
    events.push(resolved("2026-10-30 23:30"));
    let s = run(p, &events, "2026-10-31 10:00");
    assert_clock(&s, "s2.resolve", "2026-10-30 17:00", MetLate);
    expect_notes(
        &s,
        &[
            ("appendix-2", "2026-10-26 17:00", CENTRAL_BEDS, Overdue),
            ("appendix-3", "2026-11-02 17:00", CENTRAL_BEDS, DueSoon),
        ],
    );
}

/// Raised Mon 2 Nov 2026: day 9 = Tue 10 Nov, day 16 = Tue 17 Nov, day 23 = Tue 24 Nov.
/// Withdrawn at stage 4 before anything there was met.
#[test]
fn pan_bedfordshire_withdrawn_at_stage_4_stops_its_clocks() {
    let p = "pan-bedfordshire";
    let mut events = vec![
        raise("2026-11-02 09:00", None, false, Some("luton")),
        advance("2026-11-02 15:00", 2),
        sent("2026-11-02 16:00", "appendix-2"),
        advance("2026-11-09 10:00", 3),
        advance("2026-11-16 10:00", 4),
    ];
    let s = run(p, &events, "2026-11-17 09:00");
    // Provisionally from Mon 16 Nov: 17, 18, 19, 20, 23 Nov → Mon 23 Nov.
    assert_clock(&s, "s4.recommendation", "2026-11-23 17:00", Running);
    assert_started(&s, "s4.recommendation", "2026-11-16 10:00", true);
    assert_clock(&s, "s4.resolve", "2026-11-24 17:00", Running);

    events.push(withdrawn("2026-11-18 12:00"));
    let s = run(p, &events, "2026-11-30 09:00");
    assert_eq!(s.status, Status::Withdrawn);
    assert_eq!(s.closed_at, Some(t("2026-11-18 12:00")));
    assert_eq!(s.stage, 4);
    for key in ["s4.resolve", "s4.recommendation"] {
        assert_eq!(
            clock(&s, key).state,
            Stopped,
            "clock {key} after withdrawal"
        );
        assert_ended(&s, key, "2026-11-18 12:00");
    }
    assert_due(&s, "s4.resolve", "2026-11-24 17:00");
    assert_due(&s, "s4.recommendation", "2026-11-23 17:00");
    assert_clock(&s, "s1.resolve", "2026-11-03 17:00", Stopped);
    assert_clock(&s, "s2.resolve", "2026-11-10 17:00", Stopped);
    assert_clock(&s, "s3.resolve", "2026-11-17 17:00", Stopped);
    assert!(
        !clock(&s, "s4.resolution-plan").state.is_live(),
        "no meeting clock may run after withdrawal"
    );
    assert!(
        s.clocks.iter().all(|c| !c.state.is_live()),
        "no clock may be live after withdrawal: {:?}",
        s.clocks
            .iter()
            .map(|c| (&c.key, c.state))
            .collect::<Vec<_>>()
    );
    // A withdrawal is not a resolution: no Appendix 3.
    assert!(s.notifications.iter().all(|n| &*n.id != "appendix-3"));
    // Appendix 4 was triggered on entering stage 4 (Mon 16 Nov + 1 working day) and never sent.
    assert_eq!(note(&s, "appendix-4").due_at, t("2026-11-17 17:00"));
}

/// The flowchart reads "Stage 3 ... If unresolved (using the form at Appendix 4)": the form can go
/// in the same minute the escalation moves to stage 4. The partners' five working days then run
/// from the form being sent, not provisionally.
#[test]
fn pan_bedfordshire_recommendation_counts_from_appendix_4_sent_on_entering_stage_4() {
    let p = "pan-bedfordshire";
    let events = vec![
        raise("2026-11-02 09:00", None, false, Some("luton")),
        advance("2026-11-02 15:00", 2),
        advance("2026-11-09 10:00", 3),
        // Recorded in this order, at the same minute.
        sent("2026-11-13 11:00", "appendix-4"),
        advance("2026-11-13 11:00", 4),
    ];
    let s = run(p, &events, "2026-11-16 09:00");
    assert_eq!(note(&s, "appendix-4").state, MetOnTime);
    // Fri 13 Nov: 16, 17, 18, 19, 20 Nov → Fri 20 Nov.
    assert_clock(&s, "s4.recommendation", "2026-11-20 17:00", Running);
    assert_started(&s, "s4.recommendation", "2026-11-13 11:00", false);
}

// ---- Staffordshire ----

const STAFFS_BOARD: &str = "Staffordshire Safeguarding Children Board";
const RAISING_AGENCY: &str = "The agency that raised the disagreement";

/// Stages 1 and 2 straddle the end of British Summer Time (Sun 25 Oct 2026, 02:00 BST → 01:00
/// GMT): 48 hours are 48 real hours, so the local clock time of the due moment is an hour earlier
/// than the start's. Flagged as an immediate risk, raised in BST.
#[test]
fn staffordshire_all_four_stages_across_the_october_clock_change() {
    let p = "staffordshire";
    // Concern Fri 23 Oct 09:00 BST (08:00 UTC); raised Fri 23 Oct 15:00 BST.
    let mut events = vec![raise(
        "2026-10-23 15:00",
        Some("2026-10-23 09:00"),
        true,
        None,
    )];
    let s = run(p, &events, "2026-10-23 15:30");
    expect_clocks(
        &s,
        &[
            // Paragraph 3: "If there is immediate danger to a child the police should be contacted
            // immediately": due when the danger was recognised, 09:00, and not yet done.
            ("immediate-risk", "2026-10-23 09:00", Overdue),
            // 08:00 UTC Fri + 48h = 08:00 UTC Sun 25 Oct = 08:00 GMT (not 09:00).
            ("s1.raise", "2026-10-25 08:00", MetOnTime),
            // Paragraph 9, a working week from the disagreement (Fri 23 Oct): 26, 27, 28, 29,
            // 30 Oct → Fri 30 Oct 17:00 GMT.
            ("s1.resolve", "2026-10-30 17:00", Running),
        ],
    );
    assert!(clock(&s, "immediate-risk").is_act_now);
    assert_eq!(
        t("2026-10-25 08:00") - t("2026-10-23 09:00"),
        chrono::Duration::hours(48),
        "test arithmetic: 48 real hours"
    );

    // The police were called at 16:00: seven hours after "immediately".
    events.push(clock_met("2026-10-23 16:00", "immediate-risk"));
    // Stage 2 on Sat 24 Oct 10:00 BST (09:00 UTC) + 48h = Mon 26 Oct 09:00 UTC = 09:00 GMT.
    events.push(advance("2026-10-24 10:00", 2));
    let s = run(p, &events, "2026-10-25 12:00");
    expect_clocks(
        &s,
        &[
            ("immediate-risk", "2026-10-23 09:00", MetLate),
            ("s1.raise", "2026-10-25 08:00", MetOnTime),
            ("s1.resolve", "2026-10-30 17:00", Stopped),
            // Sun 25 Oct: the next working day is Mon 26 Oct, so due soon.
            ("s2.resolve", "2026-10-26 09:00", DueSoon),
        ],
    );
    assert_ended(&s, "immediate-risk", "2026-10-23 16:00");
    let s = run(p, &events, "2026-10-26 08:30");
    assert_clock(&s, "s2.resolve", "2026-10-26 09:00", DueToday);
    let s = run(p, &events, "2026-10-26 09:30");
    assert_clock(&s, "s2.resolve", "2026-10-26 09:00", Overdue);

    // Stage 3 on Mon 26 Oct 11:00 GMT, two hours after stage 2's 48 hours: stage 2 was left
    // late. Referral and contact +48h = Wed 28 Oct 11:00; the meeting within 5 working days:
    // 27, 28, 29, 30 Oct, 2 Nov → Mon 2 Nov.
    events.push(advance("2026-10-26 11:00", 3));
    let s = run(p, &events, "2026-10-26 12:00");
    expect_clocks(
        &s,
        &[
            ("immediate-risk", "2026-10-23 09:00", MetLate),
            ("s1.raise", "2026-10-25 08:00", MetOnTime),
            ("s1.resolve", "2026-10-30 17:00", Stopped),
            ("s2.resolve", "2026-10-26 09:00", LeftLate),
            ("s3.referral", "2026-10-28 11:00", Running),
            ("s3.contact", "2026-10-28 11:00", Running),
            ("s3.meeting", "2026-11-02 17:00", Running),
        ],
    );
    assert_ended(&s, "s2.resolve", "2026-10-26 11:00");

    // A discussion at stage 3 is not the referral to the Head of Service (paragraph 20) nor the
    // Head of Service contacting their equivalent (paragraph 21): those are met by being recorded
    // as met, or by the Heads of Service meeting. The referral is marked met the same afternoon.
    events.push(discussion("2026-10-27 15:00"));
    events.push(clock_met("2026-10-27 15:30", "s3.referral"));
    let s = run(p, &events, "2026-11-02 09:00");
    assert_clock(&s, "s3.referral", "2026-10-28 11:00", MetOnTime);
    assert_clock(&s, "s3.contact", "2026-10-28 11:00", Overdue);
    assert_clock(&s, "s3.meeting", "2026-11-02 17:00", DueToday);

    // The Heads of Service meet a day late, Tue 3 Nov: that meets the contact too, late.
    events.push(meeting("2026-11-03 10:00"));
    // Stage 4 on Wed 4 Nov 09:00: Board alert 1 working day later, Thu 5 Nov 17:00; the
    // Assistant Directors meet within 5, 5, 6, 9, 10, 11 Nov → Wed 11 Nov.
    events.push(advance("2026-11-04 09:00", 4));
    let s = run(p, &events, "2026-11-05 09:00");
    expect_clocks(
        &s,
        &[
            ("immediate-risk", "2026-10-23 09:00", MetLate),
            ("s1.raise", "2026-10-25 08:00", MetOnTime),
            ("s1.resolve", "2026-10-30 17:00", Stopped),
            ("s2.resolve", "2026-10-26 09:00", LeftLate),
            ("s3.referral", "2026-10-28 11:00", MetOnTime),
            ("s3.contact", "2026-10-28 11:00", MetLate),
            ("s3.meeting", "2026-11-02 17:00", MetLate),
            ("s4.meeting", "2026-11-11 17:00", Running),
            // The stage 3 meeting does not start the stage 4 decision clock.
            ("s4.decision", "-", Pending),
        ],
    );
    expect_notes(
        &s,
        &[("board-alert", "2026-11-05 17:00", STAFFS_BOARD, DueToday)],
    );

    events.push(sent("2026-11-05 16:00", "board-alert"));
    // The Assistant Directors meet Tue 10 Nov 14:00: final decision +48h = Thu 12 Nov 14:00.
    events.push(meeting("2026-11-10 14:00"));
    let s = run(p, &events, "2026-11-11 10:00");
    assert_clock(&s, "s4.meeting", "2026-11-11 17:00", MetOnTime);
    // Wed 11 Nov: Thu 12 Nov is the next working day, so due soon.
    assert_clock(&s, "s4.decision", "2026-11-12 14:00", DueSoon);
    assert_started(&s, "s4.decision", "2026-11-10 14:00", false);

    // Agreed Thu 12 Nov 15:00 (an hour late): outcome advised +48h = Sat 14 Nov 15:00.
    events.push(agreement("2026-11-12 15:00"));
    events.push(resolved("2026-11-13 10:00"));
    let s = run(p, &events, "2026-11-14 16:00");
    assert_eq!(s.status, Status::Resolved);
    expect_clocks(
        &s,
        &[
            ("immediate-risk", "2026-10-23 09:00", MetLate),
            ("s1.raise", "2026-10-25 08:00", MetOnTime),
            ("s1.resolve", "2026-10-30 17:00", Stopped),
            ("s2.resolve", "2026-10-26 09:00", LeftLate),
            ("s3.referral", "2026-10-28 11:00", MetOnTime),
            ("s3.contact", "2026-10-28 11:00", MetLate),
            ("s3.meeting", "2026-11-02 17:00", MetLate),
            ("s4.meeting", "2026-11-11 17:00", MetOnTime),
            ("s4.decision", "2026-11-12 14:00", MetLate),
        ],
    );
    // Resolved at stage 4: no copy to the Board manager (that is stage 3's).
    expect_notes(
        &s,
        &[
            ("board-alert", "2026-11-05 17:00", STAFFS_BOARD, MetOnTime),
            (
                "outcome-letter",
                "2026-11-14 15:00",
                RAISING_AGENCY,
                Overdue,
            ),
        ],
    );
    assert_eq!(
        note(&s, "outcome-letter").triggered_at,
        t("2026-11-12 15:00")
    );

    events.push(sent("2026-11-16 09:00", "outcome-letter"));
    let s = run(p, &events, "2026-11-16 10:00");
    assert_eq!(note(&s, "outcome-letter").state, MetLate);
}

/// Raised Mon 21 Dec 2026, resolved at stage 3 after the Christmas and New Year holidays.
#[test]
fn staffordshire_resolved_at_stage_3_over_christmas() {
    let p = "staffordshire";
    // Concern Fri 18 Dec 08:00 + 48h = Sun 20 Dec 08:00; raised Mon 21 Dec 09:00: late.
    let mut events = vec![
        raise("2026-12-21 09:00", Some("2026-12-18 08:00"), false, None),
        // Stage 2 Tue 22 Dec 10:00 + 48h = Thu 24 Dec 10:00.
        advance("2026-12-22 10:00", 2),
    ];
    let s = run(p, &events, "2026-12-22 11:00");
    expect_clocks(
        &s,
        &[
            ("s1.raise", "2026-12-20 08:00", MetLate),
            // A working week from the disagreement (Fri 18 Dec): 21 (1), 22 (2), 23 (3), 24 (4),
            // [25, 26, 27, 28], 29 (5) → Tue 29 Dec; left for stage 2 before then.
            ("s1.resolve", "2026-12-29 17:00", Stopped),
            ("s2.resolve", "2026-12-24 10:00", Running),
        ],
    );

    // Stage 3 Thu 24 Dec 09:00: referral and contact +48h = Sat 26 Dec 09:00 (hours count over
    // the bank holiday); meeting within 5 working days: 29, 30, 31 Dec, [1 Jan], 4, 5 Jan →
    // Tue 5 Jan 2027.
    events.push(advance("2026-12-24 09:00", 3));
    let s = run(p, &events, "2026-12-24 12:00");
    expect_clocks(
        &s,
        &[
            ("s1.raise", "2026-12-20 08:00", MetLate),
            ("s1.resolve", "2026-12-29 17:00", Stopped),
            ("s2.resolve", "2026-12-24 10:00", Stopped),
            // Thu 24 Dec: the next working day is Tue 29 Dec, so Sat 26 Dec is due soon.
            ("s3.referral", "2026-12-26 09:00", DueSoon),
            ("s3.contact", "2026-12-26 09:00", DueSoon),
            ("s3.meeting", "2027-01-05 17:00", Running),
        ],
    );
    let s = run(p, &events, "2026-12-28 10:00");
    assert_clock(&s, "s3.referral", "2026-12-26 09:00", Overdue);
    assert_clock(&s, "s3.contact", "2026-12-26 09:00", Overdue);
    assert_clock(&s, "s3.meeting", "2027-01-05 17:00", Running);
    expect_notes(&s, &[]);

    // A discussion does not meet the referral or the contact; the meeting on Mon 4 Jan does.
    events.push(discussion("2026-12-29 11:00"));
    let s = run(p, &events, "2026-12-29 12:00");
    assert_clock(&s, "s3.referral", "2026-12-26 09:00", Overdue);
    events.push(meeting("2027-01-04 10:00"));
    // Resolved at stage 3, Mon 4 Jan 15:00, with no agreement recorded first: the outcome
    // (advised within 48 hours) and the copy to the Board manager (48 hours) are both due
    // Wed 6 Jan 15:00.
    events.push(resolved("2027-01-04 15:00"));
    events.push(sent("2027-01-05 12:00", "outcome-letter"));
    let s = run(p, &events, "2027-01-05 12:30");
    assert_eq!(s.status, Status::Resolved);
    expect_clocks(
        &s,
        &[
            ("s1.raise", "2026-12-20 08:00", MetLate),
            ("s1.resolve", "2026-12-29 17:00", Stopped),
            ("s2.resolve", "2026-12-24 10:00", Stopped),
            ("s3.referral", "2026-12-26 09:00", MetLate),
            ("s3.contact", "2026-12-26 09:00", MetLate),
            ("s3.meeting", "2027-01-05 17:00", MetOnTime),
        ],
    );
    expect_notes(
        &s,
        &[
            // Tue 5 Jan: Wed 6 Jan is the next working day.
            ("board-copy", "2027-01-06 15:00", STAFFS_BOARD, DueSoon),
            (
                "outcome-letter",
                "2027-01-06 15:00",
                RAISING_AGENCY,
                MetOnTime,
            ),
        ],
    );
    assert_eq!(note(&s, "board-copy").stage, 3);
    assert_eq!(note(&s, "outcome-letter").stage, 3);

    let s = run(p, &events, "2027-01-06 16:00");
    assert_eq!(note(&s, "board-copy").state, Overdue);
}

/// Paragraph 22: "If resolution is reached the manager will advise the agency of the outcome
/// within 48 hours, confirm in writing and send a copy to the Safeguarding Board manager." The 48
/// hours run from the agreement being reached (a recorded event), not from the case being closed
/// in the app days later: both the outcome letter and the Board manager's copy.
#[test]
fn staffordshire_outcome_counts_from_the_agreement_not_the_closing() {
    let p = "staffordshire";
    let events = vec![
        raise("2026-11-02 09:00", None, false, None),
        advance("2026-11-03 09:00", 2),
        advance("2026-11-05 10:00", 3),
        // The Heads of Service meet and agree on Mon 9 Nov 14:00 ...
        meeting("2026-11-09 14:00"),
        agreement("2026-11-09 14:30"),
        // ... and the DSL closes the case in the app on Thu 12 Nov.
        resolved("2026-11-12 16:00"),
    ];
    let s = run(p, &events, "2026-11-12 16:30");
    // Mon 9 Nov 14:30 + 48h = Wed 11 Nov 14:30, already past when the case was closed.
    expect_notes(
        &s,
        &[
            ("board-copy", "2026-11-11 14:30", STAFFS_BOARD, Overdue),
            (
                "outcome-letter",
                "2026-11-11 14:30",
                RAISING_AGENCY,
                Overdue,
            ),
        ],
    );
    assert_eq!(note(&s, "board-copy").counted_from, t("2026-11-09 14:30"));
    // The copy is owed because of the resolution at stage 3.
    assert_eq!(note(&s, "board-copy").triggered_at, t("2026-11-12 16:00"));
}

/// Raised on a Saturday; agreement reached at stage 1.
#[test]
fn staffordshire_agreed_at_stage_1_after_a_saturday_raise() {
    let p = "staffordshire";
    let mut events = vec![raise("2026-12-05 11:00", None, false, None)];
    let s = run(p, &events, "2026-12-05 12:00");
    expect_clocks(
        &s,
        &[
            // No concern time: from the raise, Sat 5 Dec 11:00 + 48h = Mon 7 Dec 11:00, met.
            ("s1.raise", "2026-12-07 11:00", MetOnTime),
            // From Sat 5 Dec: 7, 8, 9, 10, 11 Dec → Fri 11 Dec.
            ("s1.resolve", "2026-12-11 17:00", Running),
        ],
    );

    // Agreed Tue 8 Dec 10:00: the outcome is advised within 48 hours, Thu 10 Dec 10:00.
    events.push(agreement("2026-12-08 10:00"));
    events.push(resolved("2026-12-08 11:00"));
    let s = run(p, &events, "2026-12-09 09:00");
    expect_clocks(
        &s,
        &[
            ("s1.raise", "2026-12-07 11:00", MetOnTime),
            ("s1.resolve", "2026-12-11 17:00", MetOnTime),
        ],
    );
    assert_ended(&s, "s1.resolve", "2026-12-08 10:00");
    expect_notes(
        &s,
        &[(
            "outcome-letter",
            "2026-12-10 10:00",
            RAISING_AGENCY,
            DueSoon,
        )],
    );
    assert_eq!(note(&s, "outcome-letter").stage, 1);
    assert_eq!(
        note(&s, "outcome-letter").form.as_deref(),
        Some("outcome-letter")
    );
}

// ---- London (Bromley) ----

const BSCP: &str = "Bromley Safeguarding Children Partnership";
const REFERRER: &str = "The original referrer";

/// Raised Thu 17 Dec 2026; every stage has 5 working days from being entered.
#[test]
fn london_all_four_stages_over_christmas_and_new_year() {
    let p = "london";
    let mut events = vec![raise("2026-12-17 14:00", None, false, None)];
    let s = run(p, &events, "2026-12-17 15:00");
    // No concern time, so the concern arose at the raise. From Thu 17 Dec: 18 (1), 21 (2),
    // 22 (3), 23 (4), 24 (5) → Thu 24 Dec.
    expect_clocks(&s, &[("s1.resolve", "2026-12-24 17:00", Running)]);
    expect_notes(&s, &[]);

    // Stage 2 Thu 24 Dec 16:00: 5 working days skip 25, 28 Dec and 1 Jan: 29, 30, 31 Dec, 4, 5
    // Jan → Tue 5 Jan 2027. Inform the referrer 1 working day later: Tue 29 Dec.
    events.push(advance("2026-12-24 16:00", 2));
    let s = run(p, &events, "2026-12-24 16:30");
    expect_clocks(
        &s,
        &[
            ("s1.resolve", "2026-12-24 17:00", Stopped),
            ("s2.resolve", "2027-01-05 17:00", Running),
        ],
    );
    // Thu 24 Dec: the next working day is Tue 29 Dec.
    expect_notes(
        &s,
        &[("inform-referrer", "2026-12-29 17:00", REFERRER, DueSoon)],
    );
    let s = run(p, &events, "2026-12-29 09:00");
    expect_notes(
        &s,
        &[("inform-referrer", "2026-12-29 17:00", REFERRER, DueToday)],
    );

    events.push(sent("2026-12-29 10:00", "inform-referrer"));
    // Stage 3 Tue 5 Jan 16:00: 6, 7, 8, 11, 12 Jan → Tue 12 Jan.
    events.push(advance("2027-01-05 16:00", 3));
    let s = run(p, &events, "2027-01-05 16:30");
    expect_clocks(
        &s,
        &[
            ("s1.resolve", "2026-12-24 17:00", Stopped),
            ("s2.resolve", "2027-01-05 17:00", Stopped),
            ("s3.resolve", "2027-01-12 17:00", Running),
        ],
    );
    expect_notes(
        &s,
        &[("inform-referrer", "2026-12-29 17:00", REFERRER, MetOnTime)],
    );

    // Stage 4 Tue 12 Jan 17:30 (after COB: the date still counts as the start): 13, 14, 15, 18,
    // 19 Jan → Tue 19 Jan; the BSCP referral 1 working day later, Wed 13 Jan. Stage 3 was left
    // half an hour after its working week ended: left late.
    events.push(advance("2027-01-12 17:30", 4));
    let s = run(p, &events, "2027-01-14 09:00");
    expect_clocks(
        &s,
        &[
            ("s1.resolve", "2026-12-24 17:00", Stopped),
            ("s2.resolve", "2027-01-05 17:00", Stopped),
            ("s3.resolve", "2027-01-12 17:00", LeftLate),
            ("s4.resolve", "2027-01-19 17:00", Running),
        ],
    );
    expect_notes(
        &s,
        &[
            ("inform-referrer", "2026-12-29 17:00", REFERRER, MetOnTime),
            ("bscp-referral", "2027-01-13 17:00", BSCP, Overdue),
        ],
    );

    events.push(sent("2027-01-14 10:00", "bscp-referral"));
    let s = run(p, &events, "2027-01-18 09:00");
    // Mon 18 Jan: Tue 19 Jan is the next working day.
    assert_clock(&s, "s4.resolve", "2027-01-19 17:00", DueSoon);
    assert_eq!(note(&s, "bscp-referral").state, MetLate);

    // Resolved on the stroke of the deadline: on time.
    events.push(resolved("2027-01-19 17:00"));
    let s = run(p, &events, "2027-01-19 18:00");
    assert_eq!(s.status, Status::Resolved);
    assert_clock(&s, "s4.resolve", "2027-01-19 17:00", MetOnTime);
    // Resolved at stage 4: stage 3's "tell everyone the outcome" is not owed.
    expect_notes(
        &s,
        &[
            ("inform-referrer", "2026-12-29 17:00", REFERRER, MetOnTime),
            ("bscp-referral", "2027-01-13 17:00", BSCP, MetLate),
        ],
    );
}

/// Raised Wed 23 Dec 2026; resolved at stage 3, so the outcome goes to everyone involved.
#[test]
fn london_resolved_at_stage_3_tells_everyone_the_outcome() {
    let p = "london";
    let mut events = vec![
        raise("2026-12-23 10:00", None, false, None),
        advance("2026-12-23 15:00", 2),
    ];
    let s = run(p, &events, "2026-12-24 09:00");
    expect_clocks(
        &s,
        &[
            // From Wed 23 Dec: 24 (1), 29 (2), 30 (3), 31 (4), 4 Jan (5) → Mon 4 Jan 2027.
            ("s1.resolve", "2027-01-04 17:00", Stopped),
            ("s2.resolve", "2027-01-04 17:00", Running),
        ],
    );
    // Wed 23 Dec + 1 working day = Thu 24 Dec.
    expect_notes(
        &s,
        &[("inform-referrer", "2026-12-24 17:00", REFERRER, DueToday)],
    );
    let s = run(p, &events, "2026-12-29 09:00");
    expect_notes(
        &s,
        &[("inform-referrer", "2026-12-24 17:00", REFERRER, Overdue)],
    );

    // Stage 3 Mon 4 Jan 10:00: 5, 6, 7, 8, 11 Jan → Mon 11 Jan.
    events.push(advance("2027-01-04 10:00", 3));
    // Resolved Fri 8 Jan 16:00: the outcome is due 1 working day later, Mon 11 Jan.
    events.push(resolved("2027-01-08 16:00"));
    let s = run(p, &events, "2027-01-08 16:30");
    expect_clocks(
        &s,
        &[
            ("s1.resolve", "2027-01-04 17:00", Stopped),
            ("s2.resolve", "2027-01-04 17:00", Stopped),
            ("s3.resolve", "2027-01-11 17:00", MetOnTime),
        ],
    );
    expect_notes(
        &s,
        &[
            ("inform-referrer", "2026-12-24 17:00", REFERRER, Overdue),
            (
                "stage-3-outcome",
                "2027-01-11 17:00",
                "All relevant parties, including the practitioner who raised the concern",
                // Fri 8 Jan: Mon 11 Jan is the next working day.
                DueSoon,
            ),
        ],
    );
}

/// Withdrawn at stage 2: both stage clocks stop; stage 3 and 4 clocks never appear.
#[test]
fn london_withdrawn_at_stage_2_stops_its_clocks() {
    let p = "london";
    let events = vec![
        raise("2026-11-30 09:00", None, false, None),
        advance("2026-12-01 10:00", 2),
        withdrawn("2026-12-02 12:00"),
    ];
    let s = run(p, &events, "2026-12-02 13:00");
    assert_eq!(s.status, Status::Withdrawn);
    assert_eq!(s.stage, 2);
    assert_eq!(s.closed_at, Some(t("2026-12-02 12:00")));
    expect_clocks(
        &s,
        &[
            // From Mon 30 Nov: 1, 2, 3, 4, 7 Dec → Mon 7 Dec.
            ("s1.resolve", "2026-12-07 17:00", Stopped),
            // From Tue 1 Dec: 2, 3, 4, 7, 8 Dec → Tue 8 Dec.
            ("s2.resolve", "2026-12-08 17:00", Stopped),
        ],
    );
    assert_ended(&s, "s1.resolve", "2026-12-01 10:00");
    assert_ended(&s, "s2.resolve", "2026-12-02 12:00");
    // The referrer was owed word on entering stage 2 (Tue 1 Dec + 1 working day) and is still
    // owed it: a notification stays live until it is sent.
    expect_notes(
        &s,
        &[("inform-referrer", "2026-12-02 17:00", REFERRER, DueToday)],
    );
}

// ---- Barnet ----

const BARNET_REFERRAL: &str =
    "Barnet Safeguarding Children Board Manager; the Head of Safeguarding in Barnet";
const BARNET_HEAD_OF_SAFEGUARDING: &str = "Barnet's Head of Safeguarding and Quality Assurance";
const BARNET_LOG: &str = "Barnet Safeguarding Children Board Manager (BSCB action log)";

/// Raised after close of business on Fri 18 Dec 2026, through all four stages over Christmas,
/// resolved late with a reason recorded.
///
/// Barnet, section 3: "In most cases it is expected that the matter will be resolved by partners
/// escalating the matter with managers or supervisors the same working day. If the matter is
/// escalated to the BSCB representative and finally to the BSCB Board Manager this process should
/// still be completed and resolved the same working day." One working day for the whole process:
/// every stage's clock, and the stage 4 referral, count from the escalation being raised.
/// Section 1: "If a child is believed to be at risk of immediate harm, the designated safeguarding
/// lead in your agency must be informed immediately. The designated safeguarding lead will inform
/// the Head of Safeguarding and Quality Assurance in Barnet."
#[test]
fn barnet_all_four_stages_after_cob_raise_over_christmas() {
    let p = "barnet";
    // Raised Fri 18 Dec 17:30, after COB, flagged as an immediate risk (no earlier concern time:
    // the risk was recognised as it was raised).
    let mut events = vec![raise("2026-12-18 17:30", None, true, None)];
    let s = run(p, &events, "2026-12-19 10:00");
    expect_clocks(
        &s,
        &[
            // The DSL informed immediately: due at 17:30, met by the DSL raising it then.
            ("immediate-risk", "2026-12-18 17:30", MetOnTime),
            // After COB on Fri 18 Dec there is no working day left: Mon 21 Dec; on Sat 19 Dec that
            // is the next working day, so due soon.
            ("s1.escalate-or-resolve", "2026-12-21 17:00", DueSoon),
            // From Fri 18 Dec: 21 (1), 22 (2), 23 (3), 24 (4), [25-28], 29 (5) → Tue 29 Dec.
            ("resolve", "2026-12-29 17:00", Running),
        ],
    );
    assert_reason_required(&s, "resolve", false);
    // The Head of Safeguarding is owed the news at once: since Fri 17:30.
    expect_notes(
        &s,
        &[(
            "head-of-safeguarding",
            "2026-12-18 17:30",
            BARNET_HEAD_OF_SAFEGUARDING,
            Overdue,
        )],
    );
    assert!(note(&s, "head-of-safeguarding").is_act_now);

    // Stage 2 Mon 21 Dec 16:00, stage 3 at 17:00 exactly: both on the stroke of the one working
    // day (Mon 21 Dec 17:00). Stage 4 on Thu 24 Dec 10:00: stage 3 was left three days late.
    events.push(advance("2026-12-21 16:00", 2));
    events.push(advance("2026-12-21 17:00", 3));
    events.push(advance("2026-12-24 10:00", 4));
    let s = run(p, &events, "2026-12-24 11:00");
    expect_clocks(
        &s,
        &[
            ("immediate-risk", "2026-12-18 17:30", MetOnTime),
            ("s1.escalate-or-resolve", "2026-12-21 17:00", MetOnTime),
            ("s2.escalate-or-resolve", "2026-12-21 17:00", MetOnTime),
            ("s3.escalate-or-resolve", "2026-12-21 17:00", MetLate),
            // Resolved the same working day as raised: Mon 21 Dec 17:00, long past.
            ("s4.resolve", "2026-12-21 17:00", Overdue),
            // Thu 24 Dec: the next working day is Tue 29 Dec.
            ("resolve", "2026-12-29 17:00", DueSoon),
        ],
    );
    assert_ended(&s, "s1.escalate-or-resolve", "2026-12-21 16:00");
    assert_ended(&s, "s2.escalate-or-resolve", "2026-12-21 17:00");
    assert_ended(&s, "s3.escalate-or-resolve", "2026-12-24 10:00");
    // The referral to the Board Manager and the Head of Safeguarding is part of the same working
    // day: due Mon 21 Dec 17:00, never after the stage's own deadline.
    expect_notes(
        &s,
        &[
            (
                "head-of-safeguarding",
                "2026-12-18 17:30",
                BARNET_HEAD_OF_SAFEGUARDING,
                Overdue,
            ),
            (
                "board-referral",
                "2026-12-21 17:00",
                BARNET_REFERRAL,
                Overdue,
            ),
        ],
    );
    assert_eq!(
        note(&s, "board-referral")
            .recipients
            .iter()
            .map(|r| &**r)
            .collect::<Vec<_>>(),
        [
            "Barnet Safeguarding Children Board Manager",
            "the Head of Safeguarding in Barnet"
        ]
    );

    let s = run(p, &events, "2026-12-28 12:00");
    assert_clock(&s, "s4.resolve", "2026-12-21 17:00", Overdue);
    // Mon 28 Dec is a bank holiday; Tue 29 Dec is the next working day.
    assert_clock(&s, "resolve", "2026-12-29 17:00", DueSoon);
    assert_reason_required(&s, "resolve", false);

    events.push(sent("2026-12-18 17:45", "head-of-safeguarding"));
    events.push(sent("2026-12-29 15:00", "board-referral"));
    // Past five working days: a reason for the delay must be recorded.
    let s = run(p, &events, "2026-12-30 09:00");
    assert_clock(&s, "resolve", "2026-12-29 17:00", Overdue);
    assert_reason_required(&s, "resolve", true);
    assert_eq!(note(&s, "board-referral").state, MetLate);
    // Told a quarter of an hour after the risk was recognised: "immediately" was 17:30.
    assert_eq!(note(&s, "head-of-safeguarding").state, MetLate);

    events.push(delay_reason("2026-12-30 10:00"));
    let s = run(p, &events, "2026-12-30 10:30");
    assert_clock(&s, "resolve", "2026-12-29 17:00", Overdue);
    assert_reason_required(&s, "resolve", false);

    // Resolved Thu 31 Dec 11:00: the learning note 1 working day later skips 1 Jan (bank holiday)
    // and the weekend → Mon 4 Jan 2027.
    events.push(resolved("2026-12-31 11:00"));
    let s = run(p, &events, "2026-12-31 12:00");
    assert_eq!(s.status, Status::Resolved);
    expect_clocks(
        &s,
        &[
            ("immediate-risk", "2026-12-18 17:30", MetOnTime),
            ("s1.escalate-or-resolve", "2026-12-21 17:00", MetOnTime),
            ("s2.escalate-or-resolve", "2026-12-21 17:00", MetOnTime),
            ("s3.escalate-or-resolve", "2026-12-21 17:00", MetLate),
            ("s4.resolve", "2026-12-21 17:00", MetLate),
            ("resolve", "2026-12-29 17:00", MetLate),
        ],
    );
    assert_reason_required(&s, "resolve", false);
    expect_notes(
        &s,
        &[
            (
                "head-of-safeguarding",
                "2026-12-18 17:30",
                BARNET_HEAD_OF_SAFEGUARDING,
                MetLate,
            ),
            (
                "board-referral",
                "2026-12-21 17:00",
                BARNET_REFERRAL,
                MetLate,
            ),
            // Thu 31 Dec: Mon 4 Jan is the next working day.
            ("learning-note", "2027-01-04 17:00", BARNET_LOG, DueSoon),
        ],
    );
    assert_eq!(
        note(&s, "learning-note").form.as_deref(),
        Some("action-log")
    );
}

/// A risk recognised on a Saturday morning and raised an hour later; resolved at stage 1 on the
/// Monday. The DSL was informed an hour after the risk arose: "immediately" was then.
#[test]
fn barnet_saturday_raise_with_immediate_risk() {
    let p = "barnet";
    let mut events = vec![raise(
        "2026-11-28 10:00",
        Some("2026-11-28 09:00"),
        true,
        None,
    )];
    let s = run(p, &events, "2026-11-28 10:05");
    expect_clocks(
        &s,
        &[
            // Due at the concern (09:00), met by the raise at 10:00.
            ("immediate-risk", "2026-11-28 09:00", MetLate),
            // Sat 28 Nov is not a working day: due Mon 30 Nov, the next working day (due soon).
            ("s1.escalate-or-resolve", "2026-11-30 17:00", DueSoon),
            // From Sat 28 Nov: 30 Nov, 1, 2, 3, 4 Dec → Fri 4 Dec.
            ("resolve", "2026-12-04 17:00", Running),
        ],
    );
    assert_started(&s, "immediate-risk", "2026-11-28 09:00", false);
    // The Head of Safeguarding: owed at once, from the risk being recognised at 09:00.
    expect_notes(
        &s,
        &[(
            "head-of-safeguarding",
            "2026-11-28 09:00",
            BARNET_HEAD_OF_SAFEGUARDING,
            Overdue,
        )],
    );

    events.push(sent("2026-11-28 10:20", "head-of-safeguarding"));
    events.push(resolved("2026-11-30 11:00"));
    let s = run(p, &events, "2026-11-30 12:00");
    expect_clocks(
        &s,
        &[
            ("immediate-risk", "2026-11-28 09:00", MetLate),
            ("s1.escalate-or-resolve", "2026-11-30 17:00", MetOnTime),
            ("resolve", "2026-12-04 17:00", MetOnTime),
        ],
    );
    assert_reason_required(&s, "resolve", false);
    // Mon 30 Nov + 1 working day = Tue 1 Dec.
    expect_notes(
        &s,
        &[
            (
                "head-of-safeguarding",
                "2026-11-28 09:00",
                BARNET_HEAD_OF_SAFEGUARDING,
                MetLate,
            ),
            ("learning-note", "2026-12-01 17:00", BARNET_LOG, DueSoon),
        ],
    );
}

/// Resolved past five working days with no reason recorded; a reason recorded afterwards clears
/// the flag.
#[test]
fn barnet_late_resolution_needs_a_reason() {
    let p = "barnet";
    let mut events = vec![raise("2027-01-04 09:00", None, false, None)];
    let s = run(p, &events, "2027-01-11 17:00");
    expect_clocks(
        &s,
        &[
            ("s1.escalate-or-resolve", "2027-01-04 17:00", Overdue),
            // From Mon 4 Jan: 5, 6, 7, 8, 11 Jan → Mon 11 Jan; at 17:00 exactly, not yet late.
            ("resolve", "2027-01-11 17:00", DueToday),
        ],
    );
    assert_reason_required(&s, "resolve", false);

    events.push(resolved("2027-01-12 10:00"));
    let s = run(p, &events, "2027-01-12 11:00");
    expect_clocks(
        &s,
        &[
            ("s1.escalate-or-resolve", "2027-01-04 17:00", MetLate),
            ("resolve", "2027-01-11 17:00", MetLate),
        ],
    );
    assert_reason_required(&s, "resolve", true);
    // Tue 12 Jan + 1 working day = Wed 13 Jan.
    expect_notes(
        &s,
        &[("learning-note", "2027-01-13 17:00", BARNET_LOG, DueSoon)],
    );

    events.push(delay_reason("2027-01-13 09:00"));
    let s = run(p, &events, "2027-01-13 10:00");
    assert_reason_required(&s, "resolve", false);
    assert_eq!(clock(&s, "resolve").state, MetLate);
}

/// Raised on a bank holiday (Mon 28 Dec 2026, the Boxing Day substitute) and escalated on
/// another (Fri 1 Jan 2027): "the same working day" is then the next working day, Tue 29 Dec, for
/// every stage, since the one working day counts from the raise.
#[test]
fn barnet_bank_holiday_starts_roll_to_the_next_working_day() {
    let p = "barnet";
    let mut events = vec![raise("2026-12-28 09:00", None, false, None)];
    let s = run(p, &events, "2026-12-28 09:30");
    expect_clocks(
        &s,
        &[
            // 28 Dec is not a working day: Tue 29 Dec, the next working day (due soon).
            ("s1.escalate-or-resolve", "2026-12-29 17:00", DueSoon),
            // From Mon 28 Dec: 29, 30, 31 Dec, [1 Jan], 4, 5 Jan → Tue 5 Jan 2027.
            ("resolve", "2027-01-05 17:00", Running),
        ],
    );

    // Stage 2 on Fri 1 Jan 10:00 (bank holiday): stage 1 was met late; stage 2 was due the same
    // working day as the raise too, Tue 29 Dec, so it is already overdue.
    events.push(advance("2027-01-01 10:00", 2));
    let s = run(p, &events, "2027-01-02 12:00");
    expect_clocks(
        &s,
        &[
            ("s1.escalate-or-resolve", "2026-12-29 17:00", MetLate),
            ("s2.escalate-or-resolve", "2026-12-29 17:00", Overdue),
            ("resolve", "2027-01-05 17:00", Running),
        ],
    );

    events.push(resolved("2027-01-04 16:00"));
    let s = run(p, &events, "2027-01-04 16:30");
    expect_clocks(
        &s,
        &[
            ("s1.escalate-or-resolve", "2026-12-29 17:00", MetLate),
            ("s2.escalate-or-resolve", "2026-12-29 17:00", MetLate),
            ("resolve", "2027-01-05 17:00", MetOnTime),
        ],
    );
    assert_reason_required(&s, "resolve", false);
    // Mon 4 Jan + 1 working day = Tue 5 Jan.
    expect_notes(
        &s,
        &[("learning-note", "2027-01-05 17:00", BARNET_LOG, DueSoon)],
    );
}

// ---- Other partnerships' procedures (tests/fixtures/procedures/valid), issue 11 ----
//
// Each fixture encodes a partnership's rules as summarised in shared/policies/other-partnerships.md
// with the grammar's newer forms; each walk works its due times by hand.

fn fixture(name: &str) -> escalate::core::procedure::Procedure {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/procedures/valid")
        .join(format!("{name}.toml"));
    let text = std::fs::read_to_string(&path).unwrap();
    escalate::core::procedure::parse_procedure(&path.display().to_string(), &text)
        .unwrap_or_else(|e| panic!("{name} must load as written:\n{e}"))
}

fn run_fixture(name: &str, events: &[Event], now: &str) -> Schedule {
    schedule(
        &fixture(name),
        &Calendar::default(),
        &Settings::default(),
        events,
        t(now),
    )
    .expect("the history starts with a raise")
}

/// Sefton: a clock from the disagreement, "within a further 5 working days" of the failed
/// discussion inside stage 2, and one notification to two recipients.
#[test]
fn sefton_counts_from_the_failed_discussion_and_copies_the_business_manager() {
    let p = "sefton";
    // Disagreement Mon 7 Dec 2026 09:00; raised Wed 9 Dec 10:00.
    let mut events = vec![raise(
        "2026-12-09 10:00",
        Some("2026-12-07 09:00"),
        false,
        None,
    )];
    let s = run_fixture(p, &events, "2026-12-09 11:00");
    expect_clocks(
        &s,
        &[
            // 2 working days after Mon 7 Dec: Wed 9 Dec 17:00; raised at 10:00, in time.
            ("s1.raise", "2026-12-09 17:00", MetOnTime),
            // 3 working days after Wed 9 Dec: 10, 11, 14 → Mon 14 Dec 17:00.
            ("s1.receiving-contact", "2026-12-14 17:00", Running),
        ],
    );
    events.push(discussion("2026-12-11 10:00"));
    events.push(advance("2026-12-14 09:00", 2));
    // The service managers' discussion on Wed 16 Dec fails: the meeting is due within a further
    // 5 working days of it: 17, 18, 21, 22, 23 → Wed 23 Dec 17:00.
    events.push(discussion("2026-12-16 15:00"));
    let s = run_fixture(p, &events, "2026-12-17 09:00");
    expect_clocks(
        &s,
        &[
            ("s1.raise", "2026-12-09 17:00", MetOnTime),
            ("s1.receiving-contact", "2026-12-14 17:00", MetOnTime),
            // 2 working days after Mon 14 Dec: Wed 16 Dec 17:00, not agreed.
            ("s2.agree", "2026-12-16 17:00", Overdue),
            ("s2.meeting", "2026-12-23 17:00", Running),
        ],
    );
    assert_started(&s, "s2.meeting", "2026-12-16 15:00", false);
    // Invoked at stage 2: the Business Manager told on the Notification form, 1 working day
    // after Mon 14 Dec (the document gives no timescale): Tue 15 Dec 17:00.
    let sefton = "Sefton Safeguarding Children Partnership (Business Manager)";
    expect_notes(&s, &[("invoked", "2026-12-15 17:00", sefton, Overdue)]);

    events.push(meeting("2026-12-22 10:00"));
    events.push(resolved("2026-12-22 16:00"));
    let s = run_fixture(p, &events, "2026-12-23 09:00");
    assert_clock(&s, "s2.meeting", "2026-12-23 17:00", MetOnTime);
    assert_clock(&s, "s2.agree", "2026-12-16 17:00", MetLate);
    // Resolved after the meeting: the outcome by letter within 48 hours, Thu 24 Dec 16:00, to
    // the raising agency with a copy to the Business Manager. Stage 1's letter is not owed.
    let both = format!("The raising agency; {sefton}");
    expect_notes(
        &s,
        &[
            ("invoked", "2026-12-15 17:00", sefton, Overdue),
            ("stage-2-outcome", "2026-12-24 16:00", &both, DueSoon),
        ],
    );
    assert_eq!(note(&s, "stage-2-outcome").recipients.len(), 2);
}

/// Lincolnshire: the urgent branch goes straight to step 4 (a fast track that skips steps 2 and
/// 3), meeting the immediate-risk clock on arrival.
#[test]
fn lincolnshire_urgent_cases_go_straight_to_the_chaired_meeting() {
    let p = "lincolnshire";
    let mut events = vec![raise("2026-12-07 10:00", None, true, None)];
    let s = run_fixture(p, &events, "2026-12-07 10:05");
    expect_clocks(
        &s,
        &[
            // Due at once, from the concern (here the raise).
            ("immediate-risk", "2026-12-07 10:00", Overdue),
            // "an acknowledgement immediately"
            ("s1.acknowledge", "2026-12-07 10:00", Overdue),
            // No initial discussion yet: the action plan's 48 hours have not started.
            ("s1.action-plan", "-", Pending),
        ],
    );
    assert!(clock(&s, "immediate-risk").is_act_now);
    assert_eq!(fixture(p).immediate.fast_track_stage, Some(4));

    // Straight to step 4 at 10:05.
    events.push(advance("2026-12-07 10:05", 4));
    let s = run_fixture(p, &events, "2026-12-07 10:30");
    assert_eq!(s.stage, 4);
    assert_eq!(s.stages.iter().map(|p| p.stage).collect::<Vec<_>>(), [1, 4]);
    // Reached five minutes after "immediately".
    assert_clock(&s, "immediate-risk", "2026-12-07 10:00", MetLate);
    assert_clock(&s, "s1.acknowledge", "2026-12-07 10:00", LeftLate);
    // The referral to the partnership: 1 working day after Mon 7 Dec, Tue 8 Dec 17:00.
    expect_notes(
        &s,
        &[(
            "chair-referral",
            "2026-12-08 17:00",
            "Lincolnshire Safeguarding Children Partnership",
            DueSoon,
        )],
    );
}

/// Coventry: "immediate action" where a child is at risk; frontline staff within 1 working day,
/// then line managers within a further 1, over Christmas.
#[test]
fn coventry_one_working_day_then_a_further_one_over_christmas() {
    let s = run_fixture(
        "coventry",
        &[raise(
            "2026-12-24 11:00",
            Some("2026-12-24 09:00"),
            true,
            None,
        )],
        "2026-12-24 11:30",
    );
    expect_clocks(
        &s,
        &[
            // Immediate action: due when the risk was recognised, 09:00.
            ("immediate-risk", "2026-12-24 09:00", Overdue),
            // 1 working day after Thu 24 Dec: [25, 26, 27, 28] → Tue 29 Dec.
            ("s1.frontline", "2026-12-29 17:00", DueSoon),
            // A further 1: Wed 30 Dec.
            ("s1.line-managers", "2026-12-30 17:00", Running),
        ],
    );
}

/// West Yorkshire: the Immediate / 24 hour escalation, and steps 1 to 5 sharing one budget of 5
/// working days that reaching step 6 ends; step 6 then has 14 working days.
#[test]
fn west_yorkshire_one_budget_for_five_steps_and_a_24_hour_fast_track() {
    let p = "west-yorkshire";
    let mut events = vec![raise("2026-11-30 09:00", None, true, None)];
    let s = run_fixture(p, &events, "2026-11-30 10:00");
    expect_clocks(
        &s,
        &[
            // 24 hours from Mon 30 Nov 09:00.
            ("immediate-risk", "2026-12-01 09:00", DueSoon),
            // 5 working days after Mon 30 Nov: 1, 2, 3, 4, 7 Dec → Mon 7 Dec.
            ("budget", "2026-12-07 17:00", Running),
        ],
    );
    for (at, to) in [
        ("2026-12-01 10:00", 2),
        ("2026-12-02 10:00", 3),
        ("2026-12-03 10:00", 4),
        ("2026-12-03 15:00", 5),
        ("2026-12-04 12:00", 6),
    ] {
        events.push(advance(at, to));
    }
    let s = run_fixture(p, &events, "2026-12-04 13:00");
    assert_eq!(s.stage, 6);
    // Reaching step 6 meets the steps' shared budget.
    assert_clock(&s, "budget", "2026-12-07 17:00", MetOnTime);
    assert_ended(&s, "budget", "2026-12-04 12:00");
    // 14 working days after Fri 4 Dec: 7-11 (5), 14-18 (10), 21, 22, 23, 24 (14) → Thu 24 Dec.
    assert_clock(&s, "s6.resolve", "2026-12-24 17:00", Running);
    assert_clock(&s, "immediate-risk", "2026-12-01 09:00", Overdue);
}

/// St Helens: "within 1 day" as calendar days, never more than 24 real hours (across the end of
/// British Summer Time the same clock time is 25 hours on), and an Escalation Notice owed at once
/// to two recipients.
#[test]
fn st_helens_counts_calendar_days_and_sends_the_escalation_notice_at_once() {
    let p = "st-helens";
    // Concern Sat 24 Oct 2026 10:00 BST (09:00Z); the same clock time a day later, Sun 25 Oct
    // 10:00 GMT, is 25 hours on, so the day ends after 24 hours: Sun 25 Oct 09:00 GMT.
    let mut events = vec![raise(
        "2026-10-24 15:00",
        Some("2026-10-24 10:00"),
        false,
        None,
    )];
    let s = run_fixture(p, &events, "2026-10-24 16:00");
    assert_clock(&s, "s1.line-manager", "2026-10-25 09:00", MetOnTime);
    // Manager to manager from Mon 26 Oct 11:00: Tue 27 Oct 11:00.
    events.push(advance("2026-10-26 11:00", 2));
    events.push(advance("2026-10-27 10:00", 3));
    let s = run_fixture(p, &events, "2026-10-27 10:30");
    assert_clock(&s, "s2.resolve", "2026-10-27 11:00", Stopped);
    // 5 working days after Tue 27 Oct: 28, 29, 30 Oct, 2, 3 Nov → Tue 3 Nov.
    assert_clock(&s, "s3.resolve", "2026-11-03 17:00", Running);
    expect_notes(
        &s,
        &[(
            "escalation-notice",
            "2026-10-27 10:00",
            "The other agency's service manager; St Helens Safeguarding Children Partnership (Business Manager)",
            Overdue,
        )],
    );
    assert!(note(&s, "escalation-notice").is_act_now);
}

/// Manchester: no partnership to notify is a valid procedure; minutes within 15 working days of
/// the meeting, over Christmas and New Year.
#[test]
fn manchester_has_no_partnership_and_counts_minutes_from_the_meeting() {
    let p = "manchester";
    assert!(fixture(p).partnerships.is_empty());
    let events = vec![
        raise("2026-12-07 10:00", None, false, None),
        advance("2026-12-08 10:00", 2),
        meeting("2026-12-14 14:00"),
    ];
    let s = run_fixture(p, &events, "2026-12-14 15:00");
    // 5 working days after Tue 8 Dec: 9, 10, 11, 14, 15 → Tue 15 Dec; met on Mon 14 Dec.
    assert_clock(&s, "s2.meeting", "2026-12-15 17:00", MetOnTime);
    // 15 working days after Mon 14 Dec: 15-18 (4), 21-24 (8), [25, 28], 29-31 (11), [1 Jan],
    // 4-7 Jan (15) → Thu 7 Jan 2027.
    assert_clock(&s, "s2.minutes", "2027-01-07 17:00", Running);
    expect_notes(
        &s,
        &[(
            "minutes",
            "2027-01-07 17:00",
            "Everyone at the meeting",
            Running,
        )],
    );
}

/// "If not resolved in 5 working days, notify the Business Manager": owed from the moment the
/// clock is missed, not before; a ticking dashboard finds it by refreshing, as a fresh schedule
/// does. A calendar-day clock counts from a meeting, not from day 1.
#[test]
fn a_missed_clock_makes_a_notification_owed_when_it_is_missed() {
    let p = "missed-clock";
    let events = vec![
        raise("2026-12-07 10:00", None, false, None),
        meeting("2026-12-09 14:00"),
    ];
    let calendar = Calendar::default();
    let settings = Settings::default();
    let procedure = fixture(p);
    // Mon 14 Dec 12:00: 5 working days after Mon 7 Dec end at 17:00 today; nothing owed yet.
    let mut ticking = schedule(
        &procedure,
        &calendar,
        &settings,
        &events,
        t("2026-12-14 12:00"),
    )
    .unwrap();
    assert_clock(&ticking, "s1.resolve", "2026-12-14 17:00", DueToday);
    // 7 calendar days from the meeting, Wed 9 Dec 14:00: Wed 16 Dec 14:00.
    assert_clock(&ticking, "s1.minutes", "2026-12-16 14:00", Running);
    expect_notes(&ticking, &[]);
    // A minute after the deadline it is missed: the Business Manager is owed notice within 1
    // working day of that, Tue 15 Dec 17:00.
    let later = t("2026-12-14 17:01");
    ticking.refresh(&calendar, &settings, later);
    let fresh = schedule(&procedure, &calendar, &settings, &events, later).unwrap();
    assert_eq!(ticking, fresh, "a refreshed schedule is a fresh one");
    expect_notes(
        &fresh,
        &[(
            "business-manager",
            "2026-12-15 17:00",
            "Test Safeguarding Children Partnership",
            DueSoon,
        )],
    );
    assert_eq!(
        note(&fresh, "business-manager").triggered_at,
        t("2026-12-14 17:00")
    );

    // Resolved in time, nothing is owed, ever.
    let mut in_time = events.clone();
    in_time.push(resolved("2026-12-14 16:00"));
    let s = run_fixture(p, &in_time, "2026-12-20 09:00");
    expect_notes(&s, &[]);
    // Resolved late, the notice is still owed.
    let mut late = events;
    late.push(resolved("2026-12-15 10:00"));
    let s = run_fixture(p, &late, "2026-12-15 11:00");
    assert_eq!(note(&s, "business-manager").state, DueToday);
}

// ---- Immediate risk, closures and numbered days (issue 11) ----

/// Pan Beds briefing: "must ensure their concerns are escalated on the same working day using
/// established safeguarding procedures". In hours, by close of business that day; recognised out
/// of hours (an evening, a weekend, a bank holiday) there is no same working day to wait for, so
/// it is due at once. Counted from the concern arising, not from the escalation being typed in.
#[test]
fn pan_bedfordshire_immediate_risk_is_the_same_working_day_or_at_once_out_of_hours() {
    let p = "pan-bedfordshire";
    let cases = [
        // (concern, raised, due, why)
        (
            "2026-12-01 10:00",
            "2026-12-01 11:00",
            "2026-12-01 17:00",
            "Tuesday in hours",
        ),
        (
            "2026-12-01 09:00",
            "2026-12-01 09:10",
            "2026-12-01 17:00",
            "as working hours begin (09:00)",
        ),
        (
            "2026-12-01 08:30",
            "2026-12-01 08:40",
            "2026-12-01 08:30",
            "before working hours",
        ),
        (
            "2026-12-01 03:00",
            "2026-12-01 08:00",
            "2026-12-01 03:00",
            "in the night",
        ),
        (
            "2026-12-01 16:59",
            "2026-12-01 17:10",
            "2026-12-01 17:00",
            "a minute before COB",
        ),
        (
            "2026-12-01 17:00",
            "2026-12-01 17:10",
            "2026-12-01 17:00",
            "at COB: out of hours",
        ),
        (
            "2026-12-04 19:30",
            "2026-12-05 09:00",
            "2026-12-04 19:30",
            "a Friday evening",
        ),
        (
            "2026-12-05 11:00",
            "2026-12-05 11:30",
            "2026-12-05 11:00",
            "a Saturday",
        ),
        (
            "2026-12-25 08:00",
            "2026-12-25 09:00",
            "2026-12-25 08:00",
            "Christmas Day",
        ),
        (
            "2027-03-25 17:20",
            "2027-03-25 17:25",
            "2027-03-25 17:20",
            "Thursday before Easter",
        ),
        // The spring clock change: 01:30 GMT on Sun 28 Mar 2027 is a Sunday, out of hours.
        (
            "2027-03-28 00:30",
            "2027-03-28 03:00",
            "2027-03-28 00:30",
            "the night BST begins",
        ),
    ];
    for (concern, raised, due, why) in cases {
        let s = run(
            p,
            &[raise(raised, Some(concern), true, Some("luton"))],
            raised,
        );
        let c = clock(&s, "immediate-risk");
        assert_eq!(c.due_at, Some(t(due)), "{why}");
        assert_eq!(
            c.started_at,
            Some(t(concern)),
            "{why}: counts from the concern"
        );
        assert_eq!(c.is_act_now, due == concern, "{why}: act now");
    }
    let procedure = ProcedureSet::builtin();
    let rule = &procedure.get(p).unwrap().immediate;
    assert!(!rule.is_app_default);
    assert!(
        rule.out_of_hours
            .as_deref()
            .is_some_and(|t| t.contains("out-of-hours services")),
        "{rule:?}"
    );
}

/// Staffordshire paragraph 3: "the police should be contacted immediately". London's policy has
/// no immediate-risk rule: the app's default protects the child (immediately), and says it is
/// the app's.
#[test]
fn staffordshire_and_london_immediate_risk_is_due_at_once() {
    for (p, app_default) in [("staffordshire", false), ("london", true)] {
        let s = run(
            p,
            &[raise(
                "2026-12-01 10:30",
                Some("2026-12-01 10:00"),
                true,
                None,
            )],
            "2026-12-01 10:31",
        );
        assert_clock(&s, "immediate-risk", "2026-12-01 10:00", Overdue);
        assert!(clock(&s, "immediate-risk").is_act_now, "{p}");
        let set = ProcedureSet::builtin();
        assert_eq!(
            set.get(p).unwrap().immediate.is_app_default,
            app_default,
            "{p}"
        );
    }
    // Not flagged: no immediate-risk clock at all.
    let s = run(
        "staffordshire",
        &[raise("2026-12-01 10:30", None, false, None)],
        "2026-12-01 10:31",
    );
    assert!(s.clocks.iter().all(|c| &*c.key != "immediate-risk"));
}

/// Closures in config.toml are the DSL's own organisation's: the other agencies work through
/// them. Two INSET days must not stretch Barnet's five working days at the maximum.
#[test]
fn closures_never_stretch_a_multi_agency_deadline() {
    let procedures = ProcedureSet::builtin();
    let calendar = Calendar::default().with_closures([
        (t("2026-12-03 12:00").date_naive(), "INSET day".to_owned()),
        (t("2026-12-04 12:00").date_naive(), "INSET day".to_owned()),
    ]);
    let s = schedule(
        procedures.get("barnet").unwrap(),
        &calendar,
        &Settings::default(),
        &[raise("2026-11-30 10:00", None, false, None)],
        t("2026-11-30 11:00"),
    )
    .unwrap();
    // From Mon 30 Nov: 1, 2, 3 (INSET), 4 (INSET), 7 Dec → Mon 7 Dec, not Wed 9 Dec.
    assert_clock(&s, "resolve", "2026-12-07 17:00", Running);
}

/// "Resolved by day 2" where day 2 is a Saturday keeps the document's date, and the explanation
/// says which working day comes before it, so that a Monday report calling it overdue is
/// understood.
#[test]
fn a_numbered_day_on_a_weekend_keeps_its_date_and_says_so() {
    let s = run(
        "pan-bedfordshire",
        &[raise("2026-12-04 10:00", None, false, Some("luton"))],
        "2026-12-04 11:00",
    );
    // Day 1 Fri 4 Dec, day 2 Sat 5 Dec.
    assert_clock(&s, "s1.resolve", "2026-12-05 17:00", DueSoon);
    assert_eq!(
        Calendar::default()
            .numbered_day_note(
                escalate::core::timescale::Timescale::ByDay(2),
                t("2026-12-05 17:00")
            )
            .as_deref(),
        Some(
            "Sat 5 Dec 2026 is not a working day; the last working day before it is Fri 4 Dec 2026"
        )
    );
    let calendar = Calendar::default();
    let day_one = t("2026-12-04 10:00").date_naive();
    let explanation = calendar.explain(
        escalate::core::timescale::Timescale::ByDay(2),
        t("2026-12-04 10:00"),
        day_one,
    );
    assert!(
        explanation.lines.iter().any(|l| l.contains(
            "Day 2 is Sat 5 Dec 2026, not a working day (weekend); the procedure's date is kept, so the last working day before it is Fri 4 Dec 2026"
        )),
        "{:#?}",
        explanation.lines
    );
}
