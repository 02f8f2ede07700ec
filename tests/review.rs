//! The morning review through the binary (`escalate review`, issue 7): fixed caseloads recorded
//! with `new`, `advance`, `action add`, `notify` and `resolve` at fixed `--now` values, reviewed
//! at fixed moments; exactly which items are listed, in which order, with which lateness.
//!
//! Every due time below is worked by hand from the procedures (procedures/*.toml) and the
//! calendar, in a comment next to it; none is copied from the program's output.
//!
//! Calendar facts used (checked against src/core/calendar.rs and the gov.uk list):
//! - 2027: Easter Sunday is 28 March, so Good Friday is Fri 26 Mar and Easter Monday Mon 29 Mar
//!   (bank holidays). British Summer Time begins on Sun 28 Mar 2027 at 01:00 GMT, so times up to
//!   Sat 27 Mar are GMT (+00:00) and from Sun 28 Mar BST (+01:00): 09:00 BST is 08:00Z, and
//!   17:00 BST is 16:00Z.
//! - The early May bank holiday 2027 is Mon 3 May.
//! - Hours are real elapsed hours: Thu 25 Mar 17:00 GMT to Tue 30 Mar 09:00 BST is 4 days and
//!   15 hours (the clock change takes an hour out of the night of 27 to 28 March).
//!
//! The horizon `1d` reaches close of business on the next working day after today.

mod common;
mod sandbox;
mod support;
use sandbox::Sandbox;

use serde_json::Value;

impl Sandbox {
    /// `new` with `--json`, on top of the usual required fields; returns the id.
    fn new_escalation(&self, now: &str, args: &[&str]) -> i64 {
        let mut full = vec![
            "new",
            "--raised-by",
            "Sam Patel (DSL)",
            "--agency",
            "Demo Primary",
            "--raised-with",
            "Children's social care, duty team",
            "--category",
            "thresholds",
            "--summary",
            "Referral not accepted.",
            "--json",
        ];
        full.extend_from_slice(args);
        let value: Value = serde_json::from_str(&self.ok(now, &full)).unwrap();
        value["id"].as_i64().unwrap()
    }

    /// The audit chain's head, as `verify --json` gives it.
    fn head(&self, now: &str) -> String {
        let value: Value = serde_json::from_str(&self.ok(now, &["verify", "--json"])).unwrap();
        value["head"].as_str().unwrap().to_owned()
    }

    /// A text review without its last line, which must give the chain's head as `verify` does:
    /// so each day's mailed review is an anchor outside the file (issue 12).
    fn without_head(&self, now: &str, text: &str) -> String {
        let head = self.head(now);
        let line = format!(
            "\nAudit head: {head} (escalate verify --expect {head} checks a later database still holds it)\n"
        );
        text.strip_suffix(&line)
            .unwrap_or_else(|| panic!("no {line:?} at the end of {text}"))
            .to_owned()
    }

    /// `review` with `args`: the exit status, standard output and standard error.
    fn review(&self, now: &str, args: &[&str]) -> (i32, String, String) {
        let mut full = vec!["review"];
        full.extend_from_slice(args);
        let out = self.run(now, &full);
        (
            out.status.code().unwrap(),
            String::from_utf8(out.stdout).unwrap(),
            String::from_utf8(out.stderr).unwrap(),
        )
    }

    /// `review --json` with `args`: the exit status and, one line an item,
    /// `group #escalation key due countdown` (`due` is the RFC 3339 due time, or for an action
    /// its due date).
    fn items(&self, now: &str, args: &[&str]) -> (i32, Vec<String>) {
        let mut full = vec!["--json"];
        full.extend_from_slice(args);
        let (code, stdout, stderr) = self.review(now, &full);
        assert!(stderr.is_empty(), "review at {now}: {stderr}");
        let value: Value =
            serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
        let lines = value["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                let due = if i["due_on"].is_null() {
                    i["due"].as_str().unwrap()
                } else {
                    i["due_on"].as_str().unwrap()
                };
                format!(
                    "{} #{} {} {due} {}",
                    i["group"].as_str().unwrap(),
                    i["escalation_id"],
                    i["key"].as_str().unwrap(),
                    i["countdown"].as_str().unwrap()
                )
            })
            .collect();
        (code, lines)
    }

    /// A review that must be refused: exit 2, nothing on standard output, one line on standard
    /// error containing each of `needles`, and the database as it was.
    fn review_refused(&self, now: &str, args: &[&str], needles: &[&str]) {
        let before = support::db::state(&self.db);
        let (code, stdout, stderr) = self.review(now, args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("escalate: "), "{stderr}");
        for needle in needles {
            assert!(stderr.contains(needle), "{args:?}: {needle:?} in {stderr}");
        }
        assert_eq!(
            support::db::state(&self.db),
            before,
            "{args:?} changed the database"
        );
    }
}

/// When the Easter caseload is recorded: Thu 25 Mar 2027, 16:00 GMT.
const EASTER_SETUP: &str = "2027-03-25 16:00";

/// The caseload before Easter 2027. Ids are given in order, 1 to 6.
fn easter_caseload() -> Sandbox {
    let s = Sandbox::new();
    let at = EASTER_SETUP;
    // 1. Pan Bedfordshire, immediate risk, raised Thu 25 Mar 10:00 GMT.
    let ava = s.new_escalation(
        at,
        &[
            "--procedure",
            "pan-bedfordshire",
            "--partnership",
            "luton",
            "--child",
            "Ava Sample",
            "--raised-at",
            "2027-03-25 10:00",
            "--immediate-risk",
        ],
    );
    assert_eq!(ava, 1);
    // 2. London, raised Fri 19 Mar 10:00.
    s.new_escalation(
        at,
        &[
            "--procedure",
            "london",
            "--child",
            "Leo Example",
            "--raised-at",
            "2027-03-19 10:00",
        ],
    );
    // 3. Pan Bedfordshire, raised Mon 15 Mar 09:00, at stage 2 since Wed 17 Mar 11:00; the
    //    partnership not told. Three actions: 1 due Good Friday, 2 due Tue 30 Mar, 3 done.
    s.new_escalation(
        at,
        &[
            "--procedure",
            "pan-bedfordshire",
            "--partnership",
            "central-bedfordshire",
            "--child",
            "Noah Fictional",
            "--raised-at",
            "2027-03-15 09:00",
        ],
    );
    s.ok(
        at,
        &[
            "advance",
            "3",
            "--reason",
            "No reply from the duty team",
            "--at",
            "2027-03-17 11:00",
        ],
    );
    for (what, owner, due) in [
        (
            "Send the chronology for Noah Fictional to the team manager",
            "Sam Patel",
            "2027-03-26",
        ),
        (
            "Chase the strategy meeting minutes",
            "Jo Bloggs",
            "2027-03-30",
        ),
        ("Book the conference room", "Jo Bloggs", "2027-03-22"),
    ] {
        // Entered after the meeting that agreed them: the room was due on Monday, on purpose.
        s.ok(
            at,
            &[
                "action",
                "add",
                "3",
                "--what",
                what,
                "--owner",
                owner,
                "--due",
                due,
                "--past-due",
            ],
        );
    }
    s.ok(
        at,
        &["action", "done", "3", "3", "--at", "2027-03-22 12:00"],
    );
    // 4. Barnet, raised Thu 25 Mar 15:00 and resolved at 15:30: the learning note is owed.
    s.new_escalation(
        at,
        &[
            "--procedure",
            "barnet",
            "--child",
            "Mia Placeholder",
            "--raised-at",
            "2027-03-25 15:00",
        ],
    );
    s.ok(
        at,
        &[
            "resolve",
            "4",
            "--how",
            "Agreed a joint visit",
            "--at",
            "2027-03-25 15:30",
        ],
    );
    // 5. Staffordshire, raised Thu 25 Mar 15:00: nothing due soon.
    s.new_escalation(
        at,
        &[
            "--procedure",
            "staffordshire",
            "--child",
            "Zoë Ångström",
            "--raised-at",
            "2027-03-25 15:00",
        ],
    );
    // 6. London, raised Mon 22 Mar 10:00.
    s.new_escalation(
        at,
        &[
            "--procedure",
            "london",
            "--child",
            "Amara Exemplar",
            "--raised-at",
            "2027-03-22 10:00",
        ],
    );
    s
}

/// Due times of the Easter caseload, worked by hand:
///
/// - #1 immediate risk: "escalated on the same working day" (the Pan Beds briefing), counted from
///   the concern arising (here the raise, Thu 25 Mar 10:00, a working day, before close of
///   business): Thu 25 Mar 17:00 GMT.
/// - #1 `s1.resolve`, "by day 2" (calendar days, the concern's date day 1): Fri 26 Mar 17:00 GMT.
///   Good Friday counts, as calendar days do. (`s1.act`, 24 hours from the concern, is met by the
///   raise itself.)
/// - #2 `s1.resolve`, 5 working days from Fri 19 Mar: Mon 22 (1), Tue 23 (2), Wed 24 (3), Thu 25
///   (4), passing Good Friday, the weekend and Easter Monday, Tue 30 (5): Tue 30 Mar 17:00 BST.
/// - #3 `s2.resolve`, "by day 9" from Mon 15 Mar: Tue 23 Mar 17:00 GMT. `appendix-2`, 1 working
///   day after entering stage 2 on Wed 17 Mar: Thu 18 Mar 17:00 GMT. Action 1 is due Fri 26 Mar,
///   late from Sat 27 Mar 00:00 GMT; action 2 is due Tue 30 Mar; action 3 is done.
/// - #4 `learning-note`, 1 working day after the resolution on Thu 25 Mar: Tue 30 Mar 17:00 BST
///   (Good Friday, the weekend and Easter Monday passed over). Its clocks were met by resolving.
/// - #5 `s1.resolve`, 5 working days from Thu 25 Mar: Tue 30, Wed 31, Thu 1, Fri 2, Mon 5 Apr:
///   beyond every horizon used here.
/// - #6 `s1.resolve`, 5 working days from Mon 22 Mar: Tue 23, Wed 24, Thu 25, Tue 30, Wed 31:
///   Wed 31 Mar 17:00 BST.
#[test]
fn the_tuesday_after_easter_lists_the_long_weekend_in_order() {
    let s = easter_caseload();
    // Tue 30 Mar 09:00 BST = 08:00Z; the horizon reaches Wed 31 Mar 17:00 BST.
    let (code, items) = s.items("2027-03-30 09:00", &[]);
    assert_eq!(
        items,
        [
            // Thu 25 17:00Z to Tue 30 08:00Z: 4 days to Mon 17:00Z, then 15 hours.
            "immediate_risk #1 immediate-risk 2027-03-25T17:00:00+00:00 OVERDUE 4d 15h",
            // Tue 23 17:00Z to Tue 30 08:00Z: 6d 15h.
            "overdue_clock #3 s2.resolve 2027-03-23T17:00:00+00:00 OVERDUE 6d 15h",
            // Fri 26 17:00Z to Tue 30 08:00Z: 3d 15h.
            "overdue_clock #1 s1.resolve 2027-03-26T17:00:00+00:00 OVERDUE 3d 15h",
            // Thu 18 17:00Z to Tue 30 08:00Z: 11d 15h.
            "overdue_notification #3 appendix-2 2027-03-18T17:00:00+00:00 OVERDUE 11d 15h",
            // Sat 27 00:00Z to Tue 30 08:00Z: 3d 8h.
            "slipping_action #3 1 2027-03-26 OVERDUE 3d 8h",
            // Due today, by due time then id: #2 and #4 both at 17:00 BST, then the action (the
            // end of its date, midnight).
            "due_today #2 s1.resolve 2027-03-30T17:00:00+01:00 due 17:00 today",
            "due_today #4 learning-note 2027-03-30T17:00:00+01:00 due 17:00 today",
            "due_today #3 2 2027-03-30 due today",
            // Wed 31 16:00Z less Tue 30 08:00Z: 1d 8h; one working day (Wed) to go.
            "due_within_horizon #6 s1.resolve 2027-03-31T17:00:00+01:00 1d 8h left (1 working day)",
        ]
    );
    assert_eq!(code, 1, "something is overdue");

    // The same as text: every line whole, grouped under headings.
    let (code, text, _) = s.review("2027-03-30 09:00", &[]);
    assert_eq!(code, 1);
    let text = s.without_head("2027-03-30 09:00", &text);
    assert_eq!(
        text,
        "\
Morning review as of Tue 30 Mar 2027 09:00 BST: 9 items, 5 overdue
Looking ahead 1 working day (1d), to Wed 31 Mar 2027 17:00 BST.

Immediate risk (1)
  !! Ava Sample (#1, pan-bedfordshire stage 1 of 4): IMMEDIATE RISK: Escalate the immediate risk the same working day (out of hours: now); due Thu 25 Mar 2027 17:00 GMT; OVERDUE 4d 15h

Overdue (2)
  !! Noah Fictional (#3, pan-bedfordshire stage 2 of 4): Resolved by day 9; due Tue 23 Mar 2027 17:00 GMT; OVERDUE 6d 15h
  !! Ava Sample (#1, pan-bedfordshire stage 1 of 4): Resolved by day 2; due Fri 26 Mar 2027 17:00 GMT (Fri 26 Mar 2027 is not a working day; the last working day before it is Thu 25 Mar 2027); OVERDUE 3d 15h

Notifications overdue (1)
  !! Noah Fictional (#3, pan-bedfordshire stage 2 of 4): appendix-2: Tell the partnership the escalation procedure was triggered, to Central Bedfordshire Safeguarding Children Partnership; due Thu 18 Mar 2027 17:00 GMT; OVERDUE 11d 15h

Actions slipping (1)
  !! Noah Fictional (#3, pan-bedfordshire stage 2 of 4): action 1: Send the chronology for Noah Fictional to the team manager (owner Sam Patel); due Fri 26 Mar 2027; OVERDUE 3d 8h

Due today (3)
  !  Leo Example (#2, london stage 1 of 4): Resolve within 5 working days of the concern; due Tue 30 Mar 2027 17:00 BST; due 17:00 today
  !  Mia Placeholder (#4, barnet stage 1 of 4, resolved): learning-note: Refer the issue, learning and outcome to the BSCB action log, to Barnet Safeguarding Children Board Manager (BSCB action log); due Tue 30 Mar 2027 17:00 BST; due 17:00 today
  !  Noah Fictional (#3, pan-bedfordshire stage 2 of 4): action 2: Chase the strategy meeting minutes (owner Jo Bloggs); due Tue 30 Mar 2027; due today

Due within the horizon, by Wed 31 Mar 2027 17:00 BST (1)
  ~  Amara Exemplar (#6, london stage 1 of 4): Resolve within 5 working days of the concern; due Wed 31 Mar 2027 17:00 BST; 1d 8h left (1 working day)
"
    );
}

#[test]
fn on_easter_monday_the_horizon_reaches_tuesday() {
    let s = easter_caseload();
    // Mon 29 Mar 09:00 BST = 08:00Z, a bank holiday: the next working day is Tue 30 Mar, so the
    // horizon ends Tue 30 Mar 17:00 BST. Nothing is due today.
    let (code, items) = s.items("2027-03-29 09:00", &[]);
    assert_eq!(
        items,
        [
            // Thu 25 17:00Z to Mon 29 08:00Z: 3d 15h.
            "immediate_risk #1 immediate-risk 2027-03-25T17:00:00+00:00 OVERDUE 3d 15h",
            "overdue_clock #3 s2.resolve 2027-03-23T17:00:00+00:00 OVERDUE 5d 15h",
            "overdue_clock #1 s1.resolve 2027-03-26T17:00:00+00:00 OVERDUE 2d 15h",
            "overdue_notification #3 appendix-2 2027-03-18T17:00:00+00:00 OVERDUE 10d 15h",
            // Sat 27 00:00Z to Mon 29 08:00Z: 2d 8h.
            "slipping_action #3 1 2027-03-26 OVERDUE 2d 8h",
            // Tue 30 16:00Z less Mon 29 08:00Z: 1d 8h; one working day (Tue) to go.
            "due_within_horizon #2 s1.resolve 2027-03-30T17:00:00+01:00 1d 8h left (1 working day)",
            "due_within_horizon #4 learning-note 2027-03-30T17:00:00+01:00 1d 8h left (1 working day)",
            // Action 2 is due by the end of Tue 30 Mar: Wed 31 00:00 BST = Tue 30 23:00Z, 1d 15h on.
            "due_within_horizon #3 2 2027-03-30 1d 15h left",
            // #6 (Wed 31 Mar) is beyond the horizon: not listed.
        ]
    );
    assert_eq!(code, 1);

    // Today only (0d): the horizon ends at close of business on Easter Monday itself. The clock
    // and the action due Tuesday drop out; the notification, still owed, stays, last.
    let (code, items) = s.items("2027-03-29 09:00", &["--horizon", "0d"]);
    assert_eq!(
        items[5..],
        ["outstanding #4 learning-note 2027-03-30T17:00:00+01:00 1d 8h left (1 working day)"]
    );
    assert_eq!(items.len(), 6);
    assert_eq!(code, 1);
}

#[test]
fn a_friday_afternoon_looks_over_the_weekend_to_monday() {
    let s = Sandbox::new();
    let at = "2027-04-09 14:00";
    // 1. Staffordshire, raised Wed 7 Apr 09:00, at stage 2 since Thu 8 Apr 18:00 BST: line
    //    managers resolve within 48 real hours, by Sat 10 Apr 18:00 BST (weekends count in hours).
    s.new_escalation(
        at,
        &[
            "--procedure",
            "staffordshire",
            "--child",
            "Isla Model",
            "--raised-at",
            "2027-04-07 09:00",
        ],
    );
    s.ok(
        at,
        &[
            "advance",
            "1",
            "--reason",
            "Not resolved",
            "--at",
            "2027-04-08 18:00",
        ],
    );
    // 2. Barnet, raised Fri 9 Apr 10:00: escalate or resolve the same working day, Fri 9 Apr
    //    17:00 BST. (The 5-working-day clock runs to Fri 16 Apr: not listed.)
    s.new_escalation(
        at,
        &[
            "--procedure",
            "barnet",
            "--child",
            "Oliver Specimen",
            "--raised-at",
            "2027-04-09 10:00",
        ],
    );
    // 3. London, raised Thu 1 Apr 11:00, at stage 2 since Thu 8 Apr 09:30: the referrer is told
    //    within 1 working day, by Fri 9 Apr 17:00 BST. (Stage 2 resolves by Thu 15 Apr.)
    s.new_escalation(
        at,
        &[
            "--procedure",
            "london",
            "--child",
            "Amara Exemplar",
            "--raised-at",
            "2027-04-01 11:00",
        ],
    );
    s.ok(
        at,
        &[
            "advance",
            "3",
            "--reason",
            "No agreement",
            "--at",
            "2027-04-08 09:30",
        ],
    );
    // 4. Pan Bedfordshire, raised Wed 7 Apr 10:00: resolved by day 2, Thu 8 Apr 17:00 BST, missed.
    //    Action 1 due Mon 12 Apr (within the horizon); action 2 due Tue 13 Apr (beyond it).
    s.new_escalation(
        at,
        &[
            "--procedure",
            "pan-bedfordshire",
            "--partnership",
            "bedford-borough",
            "--child",
            "Yusuf Démo",
            "--raised-at",
            "2027-04-07 10:00",
        ],
    );
    for (what, due) in [
        ("Share the health visitor's notes", "2027-04-12"),
        ("Ask for the strategy discussion", "2027-04-13"),
    ] {
        s.ok(
            at,
            &[
                "action",
                "add",
                "4",
                "--what",
                what,
                "--owner",
                "Sam Patel",
                "--due",
                due,
            ],
        );
    }

    // Fri 9 Apr 15:00 BST = 14:00Z. The next working day is Mon 12 Apr: the horizon ends Mon 12
    // Apr 17:00 BST.
    let (code, items) = s.items("2027-04-09 15:00", &[]);
    assert_eq!(
        items,
        [
            // Thu 8 16:00Z to Fri 9 14:00Z: 22 hours.
            "overdue_clock #4 s1.resolve 2027-04-08T17:00:00+01:00 OVERDUE 22h 0m",
            // Both at 17:00 BST today: by escalation id.
            "due_today #2 s1.escalate-or-resolve 2027-04-09T17:00:00+01:00 due 17:00 today",
            "due_today #3 inform-referrer 2027-04-09T17:00:00+01:00 due 17:00 today",
            // Sat 10 17:00Z less Fri 9 14:00Z: 1d 3h (hours, so no working days are counted).
            "due_within_horizon #1 s2.resolve 2027-04-10T18:00:00+01:00 1d 3h left",
            // The end of Mon 12 Apr: Tue 13 00:00 BST = Mon 12 23:00Z, 3d 9h on.
            "due_within_horizon #4 1 2027-04-12 3d 9h left",
        ]
    );
    assert_eq!(code, 1);
}

#[test]
fn the_day_a_stage_4_recommendation_falls_due() {
    let s = Sandbox::new();
    // Pan Bedfordshire, raised Mon 12 Apr 2027 09:00 BST; stage 2 on Tue 13 Apr (Appendix 2 sent
    // that day), stage 3 on Mon 19 Apr, stage 4 on Wed 21 Apr 16:00, Appendix 4 sent Thu 22 Apr
    // 10:00. The partners' recommendation is due 5 working days after the Appendix 4 referral
    // (procedure: "within 5 working days of the issue being brought to their attention"): Fri 23
    // (1), Mon 26 (2), Tue 27 (3), Wed 28 (4), Thu 29 (5): Thu 29 Apr 17:00 BST. (Counted from
    // entering stage 4 it would be Wed 28: the referral, not the stage move, starts the clock.)
    // Stage 4's "resolved by day 23": Mon 12 Apr is day 1, day 23 is Tue 4 May, 17:00 BST.
    let at = "2027-04-22 12:00";
    s.new_escalation(
        at,
        &[
            "--procedure",
            "pan-bedfordshire",
            "--partnership",
            "luton",
            "--child",
            "Zoë Ångström",
            "--raised-at",
            "2027-04-12 09:00",
        ],
    );
    for (step, when) in [
        ("advance", "2027-04-13 10:00"),
        ("appendix-2", "2027-04-13 11:00"),
        ("advance", "2027-04-19 10:00"),
        ("advance", "2027-04-21 16:00"),
        ("appendix-4", "2027-04-22 10:00"),
    ] {
        if step == "advance" {
            s.ok(
                at,
                &["advance", "1", "--reason", "Unresolved", "--at", when],
            );
        } else {
            s.ok(
                at,
                &[
                    "notify",
                    "1",
                    step,
                    "--method",
                    "secure-email",
                    "--at",
                    when,
                ],
            );
        }
    }

    // The day before, Wed 28 Apr 09:00 BST: the recommendation is within the horizon (Thu 29 Apr
    // 17:00), and nothing is overdue: exit 0, with the report printed.
    let (code, items) = s.items("2027-04-28 09:00", &[]);
    assert_eq!(
        items,
        // Thu 29 16:00Z less Wed 28 08:00Z: 1d 8h; one working day (Thu).
        [
            "due_within_horizon #1 s4.recommendation 2027-04-29T17:00:00+01:00 1d 8h left (1 working day)"
        ]
    );
    assert_eq!(code, 0);

    // 2. Barnet, raised Thu 29 Apr 08:00 and taken to stage 4 by 08:30 (each stage's
    //    same-working-day clock met by the move): stage 4 resolves the same working day as it
    //    was raised, Thu 29 Apr 17:00 BST; the referral to the Board Manager is part of that same
    //    working day ("this process should still be completed and resolved the same working
    //    day"), Thu 29 Apr 17:00 BST too. (The 5-working-day clock from Thu 29 Apr passes the
    //    early May bank holiday: Fri 30, Tue 4, Wed 5, Thu 6, Fri 7 May; not listed.)
    let early = "2027-04-29 08:30";
    s.new_escalation(
        early,
        &[
            "--procedure",
            "barnet",
            "--child",
            "Li Wei",
            "--raised-at",
            "2027-04-29 08:00",
        ],
    );
    for when in ["2027-04-29 08:10", "2027-04-29 08:20", "2027-04-29 08:30"] {
        s.ok(
            early,
            &["advance", "2", "--reason", "Not resolved", "--at", when],
        );
    }

    // The day itself, Thu 29 Apr 09:00 BST: the horizon ends Fri 30 Apr 17:00 BST.
    let (code, items) = s.items("2027-04-29 09:00", &[]);
    assert_eq!(
        items,
        [
            "due_today #1 s4.recommendation 2027-04-29T17:00:00+01:00 due 17:00 today",
            "due_today #2 s4.resolve 2027-04-29T17:00:00+01:00 due 17:00 today",
            "due_today #2 board-referral 2027-04-29T17:00:00+01:00 due 17:00 today",
        ]
    );
    assert_eq!(code, 0);

    // The day after, Fri 30 Apr 09:00 BST: both of yesterday's clocks and the board referral are 16 hours late. The
    // next working day is Tue 4 May (Mon 3 May is a bank holiday), so the horizon now reaches
    // stage 4's day 23, Tue 4 May 17:00 BST: 4d 8h away, in real days (day N is not a
    // working-day count).
    let (code, items) = s.items("2027-04-30 09:00", &[]);
    assert_eq!(
        items,
        [
            "overdue_clock #1 s4.recommendation 2027-04-29T17:00:00+01:00 OVERDUE 16h 0m",
            "overdue_clock #2 s4.resolve 2027-04-29T17:00:00+01:00 OVERDUE 16h 0m",
            "overdue_notification #2 board-referral 2027-04-29T17:00:00+01:00 OVERDUE 16h 0m",
            "due_within_horizon #1 s4.resolve 2027-05-04T17:00:00+01:00 4d 8h left",
        ]
    );
    assert_eq!(code, 1);
}

#[test]
fn an_empty_review_is_calm_and_exits_0() {
    let s = Sandbox::new();
    // London, raised Mon 5 Apr 2027 10:00: due Mon 12 Apr, beyond Tuesday's horizon.
    s.new_escalation(
        "2027-04-05 10:00",
        &["--procedure", "london", "--child", "Ava Sample"],
    );
    let (code, text, stderr) = s.review("2027-04-06 09:00", &[]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let text = s.without_head("2027-04-06 09:00", &text);
    assert_eq!(
        text,
        "Nothing needs attention as of Tue 6 Apr 2027 09:00 BST: nothing overdue, nothing due by Wed 7 Apr 2027 17:00 BST, no notifications owed, no actions slipping.\n"
    );
    let (code, markdown, _) = s.review("2027-04-06 09:00", &["--format", "markdown"]);
    assert_eq!(code, 0);
    assert!(
        markdown.starts_with(
            "# Morning review as of Tue 6 Apr 2027 09:00 BST: nothing needs attention\n\n"
        ),
        "{markdown}"
    );
    let head = s.head("2027-04-06 09:00");
    assert!(
        markdown.ends_with(&format!(
            "\nAudit head: `{head}` (escalate verify --expect {head} checks a later database still holds it)\n"
        )),
        "{markdown}"
    );
    let value: Value = serde_json::from_str(&s.review("2027-04-06 09:00", &["--json"]).1).unwrap();
    assert_eq!(value["audit_head"], head.as_str());
    let (code, items) = s.items("2027-04-06 09:00", &[]);
    assert_eq!((code, items.len()), (0, 0));
}

#[test]
fn privacy_shows_initials_everywhere_in_every_format() {
    let s = easter_caseload();
    let names = [
        "Ava Sample",
        "Leo Example",
        "Noah Fictional",
        "Mia Placeholder",
        "Amara Exemplar",
    ];
    let now = "2027-03-30 09:00";
    for format in [
        &["--privacy"][..],
        &["--privacy", "--format", "markdown"],
        &["--privacy", "--json"],
    ] {
        let (code, out, stderr) = s.review(now, format);
        assert_eq!(code, 1, "{format:?}: {stderr}");
        for name in names {
            assert!(!out.contains(name), "{format:?} shows {name}:\n{out}");
        }
        for short in ["A.S.", "L.E.", "N.F.", "M.P.", "A.E."] {
            assert!(out.contains(short), "{format:?} lacks {short}:\n{out}");
        }
        // The child's name inside an action's wording is replaced too.
        assert!(
            out.contains("Send the chronology for N.F. to the team manager"),
            "{format:?}:\n{out}"
        );
    }
    let (_, text, _) = s.review(now, &["--privacy"]);
    assert!(
        text.contains("  !! A.S. (#1, pan-bedfordshire stage 1 of 4): IMMEDIATE RISK: "),
        "{text}"
    );
    let value: Value = serde_json::from_str(&s.review(now, &["--privacy", "--json"]).1).unwrap();
    assert_eq!(value["items"][0]["child"], "A.S.");
    // Without --privacy the names are there.
    let (_, plain, _) = s.review(now, &[]);
    assert!(names.iter().all(|n| plain.contains(n)), "{plain}");
}

#[test]
fn markdown_is_headed_grouped_and_bulleted_for_an_email() {
    let s = easter_caseload();
    let (code, markdown, _) = s.review("2027-03-30 09:00", &["--format", "markdown"]);
    assert_eq!(code, 1);
    let lines: Vec<&str> = markdown.lines().collect();
    assert_eq!(
        lines[0],
        "# Morning review as of Tue 30 Mar 2027 09:00 BST: 9 items, 5 overdue"
    );
    let headings: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("## "))
        .copied()
        .collect();
    assert_eq!(
        headings,
        [
            "## Immediate risk (1)",
            "## Overdue (2)",
            "## Notifications overdue (1)",
            "## Actions slipping (1)",
            "## Due today (3)",
            "## Due within the horizon, by Wed 31 Mar 2027 17:00 BST (1)",
        ]
    );
    let bullets: Vec<&str> = lines
        .iter()
        .filter(|l| l.starts_with("- "))
        .copied()
        .collect();
    assert_eq!(bullets.len(), 9);
    assert_eq!(
        bullets[0],
        "- Ava Sample (#1, pan-bedfordshire stage 1 of 4): IMMEDIATE RISK: Escalate the immediate risk the same working day (out of hours: now); due Thu 25 Mar 2027 17:00 GMT; **OVERDUE 4d 15h**"
    );
    // Only what is late is in bold.
    assert_eq!(
        bullets.iter().filter(|b| b.contains("**OVERDUE")).count(),
        5
    );
    assert!(
        bullets[8].ends_with("; 1d 8h left (1 working day)"),
        "{}",
        bullets[8]
    );
    // Every other line is blank, or the line saying how far ahead it looks, or the last, which
    // gives the audit chain's head.
    let head = s.head("2027-03-30 09:00");
    assert_eq!(
        lines.last().copied(),
        Some(
            format!(
                "Audit head: `{head}` (escalate verify --expect {head} checks a later database still holds it)"
            )
            .as_str()
        )
    );
    for line in &lines[1..lines.len() - 1] {
        assert!(
            line.is_empty()
                || line.starts_with("## ")
                || line.starts_with("- ")
                || *line == "Looking ahead 1 working day (1d), to Wed 31 Mar 2027 17:00 BST.",
            "{line}"
        );
    }
}

#[test]
fn json_carries_the_documented_fields() {
    let s = easter_caseload();
    let (code, out, _) = s.review("2027-03-30 09:00", &["--json"]);
    assert_eq!(code, 1);
    let value: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(value["as_of"], "2027-03-30T09:00:00+01:00");
    assert_eq!(value["horizon"], "1d");
    assert_eq!(value["horizon_ends_at"], "2027-03-31T17:00:00+01:00");
    assert_eq!(value["overdue_count"], 5);
    let items = value["items"].as_array().unwrap();
    assert_eq!(items.len(), 9);
    let mut keys: Vec<&str> = items[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "child",
            "countdown",
            "due",
            "due_on",
            "escalation_id",
            "form",
            "group",
            "is_overdue",
            "key",
            "kind",
            "minutes",
            "owner",
            "procedure",
            "recipient",
            "stage",
            "status",
            "what",
        ]
    );
    let notification = &items[3];
    assert_eq!(notification["kind"], "notification");
    assert_eq!(notification["form"], "appendix-2");
    assert_eq!(
        notification["recipient"],
        "Central Bedfordshire Safeguarding Children Partnership"
    );
    // Thu 18 17:00Z to Tue 30 08:00Z: 11 days and 15 hours, in minutes.
    assert_eq!(notification["minutes"], (11 * 24 + 15) * 60);
    assert_eq!(notification["is_overdue"], true);
    let action = &items[4];
    assert_eq!(action["kind"], "action");
    assert_eq!(action["owner"], "Sam Patel");
    assert_eq!(action["due_on"], "2027-03-26");
    assert_eq!(action["due"], "2027-03-27T00:00:00+00:00");
    let closed = &items[6];
    assert_eq!(
        (closed["escalation_id"].as_i64(), closed["status"].as_str()),
        (Some(4), Some("resolved"))
    );
    let ahead = &items[8];
    assert_eq!(ahead["is_overdue"], false);
    assert_eq!(ahead["minutes"], (24 + 8) * 60);
    assert_eq!(ahead["stage"], 1);
    assert_eq!(ahead["procedure"], "london");
}

#[test]
fn bad_options_are_refused_with_one_line_and_exit_2() {
    let s = easter_caseload();
    let now = "2027-03-30 09:00";
    for bad in ["2w", "tomorrow", "-1d", "1.5d", "21d", ""] {
        s.review_refused(now, &["--horizon", bad], &["--horizon"]);
    }
    s.review_refused(
        now,
        &["--horizon", "2w"],
        &["\"2w\" is not a horizon", "1d", "0d"],
    );
    s.review_refused(
        now,
        &["--format", "html"],
        &["--format", "text or markdown"],
    );
    s.review_refused(
        now,
        &["--format", "markdown", "--json"],
        &["cannot be combined"],
    );
    s.review_refused("next tuesday", &[], &["--now"]);
    // A database that is not there is an error, never an empty (calm) review; and it is not
    // created.
    let missing = s.dir.path().join("elsewhere.db");
    let out = s
        .command()
        .args(["--db", missing.to_str().unwrap(), "--now", now, "review"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no escalation database"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!missing.exists());
}

#[test]
fn odd_text_is_shown_safely() {
    let s = Sandbox::new();
    // Valid but unusual names are kept exactly (Unicode, right-to-left, Markdown characters).
    let at = "2027-04-06 09:00";
    for child in [
        "محمد علي",
        "李小龍",
        "Ṩophie 👧🏽",
        "Ben *Star* [link](x) <b>",
    ] {
        s.new_escalation(
            at,
            &[
                "--procedure",
                "london",
                "--child",
                child,
                "--immediate-risk",
            ],
        );
    }
    // And a row written behind the app's back, with escape sequences and a bell in the name.
    support::db::behind_the_apps_back(
        &s.db,
        "INSERT INTO escalations (procedure, child_name, raised_by, agency, raised_with, category, summary,
            raised_at, immediate_risk, recorded_by, recorded_at)
         VALUES ('london', 'Evil\u{1b}[2J\u{1b}]0;pwned\u{7}', 'x', 'x', 'x', 'other', 'x',
            '2027-04-06T08:00:00.000Z', true, 'x', '2027-04-06T08:00:00.000Z');
         INSERT INTO escalation_state (escalation_id, is_open, stage) VALUES (5, true, 1);",
    );
    let now = "2027-04-06 10:00";
    let (code, text, stderr) = s.review(now, &[]);
    // London sets no immediate-risk timescale: the app's default (immediately) applies, so each
    // flagged escalation needs action now and the review exits 1.
    assert_eq!((code, stderr.as_str()), (1, ""), "{text}");
    assert!(text.contains("ACT NOW"), "{text}");
    for name in [
        "محمد علي",
        "李小龍",
        "Ṩophie 👧🏽",
        "Ben *Star* [link](x) <b>",
    ] {
        assert!(text.contains(name), "{name} in {text}");
    }
    let (_, markdown, _) = s.review(now, &["--format", "markdown"]);
    assert!(
        markdown.contains("- Ben \\*Star\\* \\[link\\](x) \\<b\\> (#4, london stage 1 of 4)"),
        "{markdown}"
    );
    for out in [&text, &markdown] {
        assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
        assert!(out.contains("Evil"), "{out}");
    }
    assert!(
        text.contains("Evil\\u{1b}[2J\\u{1b}]0;pwned\\u{7} (#5"),
        "{text}"
    );
    // JSON carries the stored text exactly, escaped by JSON itself.
    let (_, json, _) = s.review(now, &["--json"]);
    assert!(!json.contains('\u{1b}'), "{json:?}");
    let value: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        value["items"][4]["child"],
        "Evil\u{1b}[2J\u{1b}]0;pwned\u{7}"
    );
    // With --privacy, initials of what can be shown.
    let (_, private, _) = s.review(now, &["--privacy"]);
    assert!(
        !private.contains("Evil") && !private.contains("李小龍"),
        "{private}"
    );
}

/// Issue 11: an immediate risk recognised at 17:20 on the Thursday before Easter 2027 (Thu 25 Mar,
/// after close of business). The Pan Beds briefing says it is escalated "on the same working
/// day"; out of hours there is no same working day to wait for (Good Friday, the weekend and
/// Easter Monday follow), so it is due at once and the out-of-hours services are to be used now.
/// The Good Friday morning report must say so and exit 1, so the cron mail is sent.
#[test]
fn an_immediate_risk_recognised_after_hours_before_easter_is_due_at_once() {
    let s = Sandbox::new();
    s.new_escalation(
        "2027-03-25 17:30",
        &[
            "--procedure",
            "pan-bedfordshire",
            "--partnership",
            "luton",
            "--child",
            "Ava Sample",
            "--concern-at",
            "2027-03-25 17:20",
            "--raised-at",
            "2027-03-25 17:25",
            "--immediate-risk",
        ],
    );
    // Good Friday, Fri 26 Mar 2027 08:00 GMT.
    let (code, items) = s.items("2027-03-26 08:00", &[]);
    assert_eq!(code, 1, "an unmet immediate risk makes the review exit 1");
    assert_eq!(
        items[0],
        "immediate_risk #1 immediate-risk 2027-03-25T17:20:00+00:00 ACT NOW"
    );
    let (code, text, _) = s.review("2027-03-26 08:00", &[]);
    assert_eq!(code, 1);
    assert!(text.contains("!! Ava Sample"), "{text}");
    assert!(text.contains("ACT NOW"), "{text}");
    // The explanation says why, in the DSL's words.
    let shown: Value =
        serde_json::from_str(&s.ok("2027-03-26 08:00", &["show", "1", "--json"])).unwrap();
    let clock = shown["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == "immediate-risk")
        .unwrap()
        .clone();
    assert_eq!(clock["due"], "2027-03-25T17:20:00+00:00", "{clock:#}");
    assert_eq!(clock["act_now"], true, "{clock:#}");
    let explained = s.ok(
        "2027-03-26 08:00",
        &[
            "due",
            "same working day or immediately",
            "--from",
            "2027-03-25 17:20",
            "--explain",
        ],
    );
    assert!(
        explained.starts_with("2027-03-25T17:20:00+00:00"),
        "{explained}"
    );
    assert!(explained.contains("out of hours"), "{explained}");
    assert!(
        explained.contains("Use the out-of-hours services now"),
        "{explained}"
    );
}

/// Issue 13, finding 5: `review --privacy`, mailed from cron, hid only exact matches of the
/// current name. Every spelling the record has held is hidden, in any case and either order, in
/// every format.
#[test]
fn privacy_hides_every_spelling_the_name_has_held() {
    let s = Sandbox::new();
    let at = "2027-04-06 09:00";
    s.new_escalation(
        at,
        &[
            "--procedure",
            "london",
            "--child",
            "Eva Sampel",
            "--raised-at",
            at,
        ],
    );
    s.ok(
        at,
        &[
            "amend",
            "1",
            "child",
            "Ava Sample",
            "--why",
            "Misspelt at first",
        ],
    );
    for what in [
        "Ring AVA SAMPLE's mother",
        "Chase the sample, ava file",
        "Ask about Eva Sampel at school",
        "Send Ava the leaflet",
    ] {
        s.ok(
            at,
            &[
                "action",
                "add",
                "1",
                "--what",
                what,
                "--owner",
                "Jo Bloggs",
                "--due",
                "2027-04-06",
            ],
        );
    }
    for format in [
        &["--privacy"][..],
        &["--privacy", "--format", "markdown"],
        &["--privacy", "--json"],
    ] {
        let (_, out, stderr) = s.review("2027-04-06 10:00", format);
        assert!(stderr.is_empty(), "{stderr}");
        let lower = out.to_lowercase();
        for part in ["ava", "sample", "eva", "sampel"] {
            assert!(!lower.contains(part), "{format:?} shows {part:?}:\n{out}");
        }
        assert!(out.contains("A.S."), "{format:?}:\n{out}");
    }
}

/// One rule for "overdue": on a generated caseload, the dashboard (header, lanes, cards),
/// `list --overdue`, the morning review and the JSON agree escalation for escalation, on the
/// day it was generated and a day later, when agreed actions have slipped.
#[test]
fn the_dashboard_list_overdue_review_and_json_agree_on_what_is_overdue() {
    use std::collections::BTreeSet;

    use escalate::app::{Input, Msg, State, update};
    use escalate::config::Config;
    use escalate::core::procedure::ProcedureSet;
    use escalate::storage::Store;
    use escalate::storage::any::AnyStore;

    let sandbox = Sandbox::new();
    let generated_at = escalate::core::time::parse_instant("2026-11-23T10:00:00Z").unwrap();
    {
        let mut store = AnyStore::open(&sandbox.db, None).unwrap();
        let how = escalate::demo::Generate {
            count: 150,
            open_share: 0.6,
            seed: 12,
        };
        escalate::demo::generate(
            &mut store,
            &ProcedureSet::builtin(),
            &Config::default(),
            "Test DSL",
            generated_at,
            how,
        )
        .unwrap();
    }
    let mut slipping_actions_seen = false;
    for now in ["2026-11-23T10:00:00Z", "2026-11-24T10:00:00Z"] {
        let at = escalate::core::time::parse_instant(now).unwrap();
        let store = AnyStore::open(&sandbox.db, None).unwrap();
        let config = Config::default();
        let mut state = State::new(
            ProcedureSet::builtin(),
            config.calendar,
            config.settings,
            vec!["default".into()],
            at,
            (120, 40),
        );
        update(
            &mut state,
            Input::Msg(Msg::CaseloadLoaded(Ok(store.caseload().unwrap()))),
        );
        let dashboard: BTreeSet<i64> = state
            .entries
            .iter()
            .filter(|e| e.is_overdue())
            .map(|e| e.escalation.id)
            .collect();
        let open_overdue = state
            .entries
            .iter()
            .filter(|e| e.is_open() && e.is_overdue())
            .count();
        assert_eq!(state.totals.overdue, open_overdue, "the header, at {now}");
        let in_lanes: usize = state.lanes.iter().map(|l| l.overdue).sum();
        assert_eq!(in_lanes, open_overdue, "the lane headings, at {now}");
        for entry in state.entries.iter().filter(|e| e.is_open()) {
            let card_says_overdue = entry
                .urgent
                .as_ref()
                .is_some_and(|u| u.state == escalate::core::deadline::ClockState::Overdue);
            assert_eq!(
                card_says_overdue,
                entry.is_overdue(),
                "the card of escalation {} at {now}: {:?}",
                entry.escalation.id,
                entry.urgent
            );
        }
        slipping_actions_seen |= state.entries.iter().any(|e| {
            e.escalation
                .actions
                .iter()
                .any(|a| escalate::core::overdue::is_action_overdue(a, at))
        });

        let listed: Value =
            serde_json::from_str(&sandbox.ok(now, &["list", "--overdue", "--json"])).unwrap();
        let listed: BTreeSet<i64> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                assert_eq!(e["is_overdue"], true, "{e}");
                e["id"].as_i64().unwrap()
            })
            .collect();
        assert_eq!(
            listed, dashboard,
            "list --overdue against the dashboard, at {now}"
        );

        let all: Value =
            serde_json::from_str(&sandbox.ok(now, &["list", "--all", "--json"])).unwrap();
        let in_json: BTreeSet<i64> = all
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["is_overdue"] == true)
            .map(|e| e["id"].as_i64().unwrap())
            .collect();
        assert_eq!(in_json, dashboard, "the JSON's is_overdue, at {now}");

        let out = sandbox.run(now, &["review", "--json"]);
        let review: Value = serde_json::from_slice(&out.stdout).unwrap();
        let reviewed: BTreeSet<i64> = review["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|i| i["is_overdue"] == true)
            .map(|i| i["escalation_id"].as_i64().unwrap())
            .collect();
        assert_eq!(reviewed, dashboard, "the morning review, at {now}");
        assert_eq!(out.status.code(), Some(i32::from(!dashboard.is_empty())));
    }
    assert!(
        slipping_actions_seen,
        "the caseload must have a slipping action"
    );
}

/// Issue 17: `review` and `list --overdue` read only what can need attention (every open
/// escalation and every closed one not yet settled), never the settled history. A settled,
/// closed row whose procedure no longer exists would stop a command that read it; these two
/// never see it, while `list --all`, which reads the history, does.
#[test]
fn the_review_and_list_overdue_never_read_the_settled_history() {
    let s = Sandbox::new();
    let at = "2027-04-06 09:00";
    s.new_escalation(at, &["--procedure", "london", "--child", "Ava Sample"]);
    // A closed escalation, settled, under a procedure that has since gone.
    support::db::behind_the_apps_back(
        &s.db,
        "INSERT INTO escalations (procedure, child_name, raised_by, agency, raised_with, category, summary,
            raised_at, immediate_risk, recorded_by, recorded_at)
         VALUES ('gone', 'Old Case', 'x', 'x', 'x', 'other', 'x',
            '2020-01-06T09:00:00.000Z', false, 'x', '2020-01-06T09:00:00.000Z');
         INSERT INTO escalation_state (escalation_id, is_open, stage, needs_attention)
         VALUES (2, false, 1, false);",
    );
    let (code, _, stderr) = s.review("2027-04-06 10:00", &[]);
    assert_eq!((code, stderr.as_str()), (0, ""));
    let overdue = s.run("2027-04-06 10:00", &["list", "--overdue"]);
    assert!(
        overdue.status.success(),
        "{}",
        String::from_utf8_lossy(&overdue.stderr)
    );
    let all = s.run("2027-04-06 10:00", &["list", "--all"]);
    assert!(
        String::from_utf8_lossy(&all.stderr).contains("gone"),
        "list --all reads the history and names the missing procedure"
    );
}

/// Issue 11, item 9: "by day N" on a weekend keeps the document's date, and says so wherever the
/// due time is shown, so that a Monday report calling it overdue is understood: here in the
/// review and in `show`.
#[test]
fn a_numbered_day_on_a_weekend_says_which_working_day_comes_before_it() {
    let s = Sandbox::new();
    // Pan Bedfordshire, concern and raise Fri 4 Dec 2026: day 2 is Sat 5 Dec.
    s.new_escalation(
        "2026-12-04 10:00",
        &[
            "--procedure",
            "pan-bedfordshire",
            "--partnership",
            "luton",
            "--child",
            "Ava Sample",
            "--raised-at",
            "2026-12-04 10:00",
        ],
    );
    let (code, text, _) = s.review("2026-12-07 08:00", &[]);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("due Sat 5 Dec 2026 17:00 GMT (Sat 5 Dec 2026 is not a working day; the last working day before it is Fri 4 Dec 2026)"),
        "{text}"
    );
    let shown = s.ok("2026-12-04 11:00", &["show", "1"]);
    assert!(
        shown.contains("(Sat 5 Dec 2026 is not a working day; the last working day before it is Fri 4 Dec 2026)"),
        "{shown}"
    );
}

/// "Inform the original referrer" names its recipient already: the review says so once, in
/// every format, and still names a recipient its notification's name does not.
#[test]
fn a_notification_that_names_its_recipient_is_not_sent_to_it_twice() {
    let s = Sandbox::new();
    let now = "2026-11-23 11:00";
    s.ok(now, &["demo"]);
    for format in ["text", "markdown"] {
        let (_, text, _) = s.review(now, &["--format", format]);
        assert!(
            text.contains("inform-referrer: Inform the original referrer"),
            "{text}"
        );
        assert!(
            !text.contains("referrer, to The original referrer"),
            "{text}"
        );
        assert!(
            text.contains(", to Central Bedfordshire Safeguarding Children Partnership"),
            "{text}"
        );
    }
}

/// The same after a change: what the change left owed names each recipient once.
#[test]
fn what_a_change_leaves_owed_names_each_recipient_once() {
    let s = Sandbox::new();
    let now = "2026-11-23 11:00";
    s.ok(now, &["demo"]);
    let out = s.ok(
        "2026-11-23 11:30",
        &[
            "advance",
            "7",
            "--reason",
            "No call back from the front door.",
        ],
    );
    assert!(
        out.contains("Owed: inform-referrer (Inform the original referrer), due"),
        "{out}"
    );
    assert!(!out.contains("to The original referrer"), "{out}");
}

/// Runs this very binary again with `ESCALATE_TEST_BACKEND=postgres` (each sandbox's `--db` a
/// database of its own on the tests' cluster), so every test above passes on PostgreSQL too: a
/// parameter, not a copy.
#[test]
fn every_test_here_passes_on_postgresql_too() {
    if support::pg::on_postgres() {
        return;
    }
    support::pg::rerun_on_postgres("every_test_here_passes_on_postgresql_too", &[]);
}
