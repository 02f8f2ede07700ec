//! Recording escalations through the binary, as a DSL would: a full walk through every stage of
//! each built-in procedure with hand-worked deadlines, every kind of bad input refused with one
//! line and the database untouched, odd but valid text kept exactly, the list filters, the
//! insert-only record and its audit chain, the demo, and the global options.
//!
//! Time is always an input: every command is given `--now`, and backdated events `--at`.
//! Calendar facts used below (all in GMT, so every offset is +00:00): Mon 23 Nov 2026, Mon 30 Nov,
//! Mon 7 Dec, Mon 14 Dec, Mon 21 Dec, Thu 24 Dec; bank holidays Fri 25 Dec 2026, Mon 28 Dec 2026
//! (Boxing Day substitute) and Fri 1 Jan 2027; Mon 4 Jan 2027.
//!
//! They run on SQLite, and again on PostgreSQL ([`every_test_here_passes_on_postgresql_too`]).

mod sandbox;
mod support;

mod common;
use sandbox::Sandbox;

use std::process::Output;

use serde_json::Value;

impl Sandbox {
    /// Runs `args` exactly as given (the caller supplies `--db` and `--now`).
    fn raw(&self, args: &[&str]) -> Output {
        self.command().args(args).output().unwrap()
    }

    /// `new` with `--json`; returns the id.
    fn new_escalation(&self, now: &str, args: &[&str]) -> i64 {
        let mut full = vec!["new"];
        full.extend_from_slice(args);
        let value = self.json(now, &full);
        value["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no id in {value}"))
    }

    /// The database as it stands: the file's bytes, or on PostgreSQL every row of every table.
    fn bytes(&self) -> Vec<u8> {
        if support::pg::on_postgres() {
            return support::pg::snapshot(self.db_arg());
        }
        std::fs::read(&self.db).unwrap()
    }
}

/// The clock with `key` in a `show --json` value.
fn clock<'a>(shown: &'a Value, key: &str) -> &'a Value {
    shown["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key)
        .unwrap_or_else(|| panic!("no clock {key} in {:#}", shown["clocks"]))
}

fn clock_keys(shown: &Value) -> Vec<String> {
    shown["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap().to_owned())
        .collect()
}

/// The notification with `id` in a `show --json` value.
fn notification<'a>(shown: &'a Value, id: &str) -> &'a Value {
    shown["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == id)
        .unwrap_or_else(|| panic!("no notification {id} in {:#}", shown["notifications"]))
}

fn notification_ids(shown: &Value) -> Vec<String> {
    shown["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Asserts a clock's due time and state.
fn assert_clock(shown: &Value, key: &str, due: &str, state: &str) {
    let c = clock(shown, key);
    assert_eq!(c["due"], due, "due of {key}: {c:#}");
    assert_eq!(c["state"], state, "state of {key}: {c:#}");
}

/// Asserts a notification's due time and when it was sent (`None`: not yet).
fn assert_notification(shown: &Value, id: &str, due: &str, sent_at: Option<&str>) {
    let n = notification(shown, id);
    assert_eq!(n["due"], due, "due of {id}: {n:#}");
    match sent_at {
        Some(sent) => assert_eq!(n["sent_at"], sent, "sent_at of {id}: {n:#}"),
        None => assert!(n["sent_at"].is_null(), "{id} should not be sent: {n:#}"),
    }
}

/// Follows one escalation through a walk, checking after every change that the history grew by
/// exactly one entry, recorded by the sandbox user with the expected action.
struct Walk<'a> {
    s: &'a Sandbox,
    id: i64,
    entries: usize,
}

impl<'a> Walk<'a> {
    fn start(s: &'a Sandbox, now: &str, args: &[&str]) -> Self {
        let id = s.new_escalation(now, args);
        let walk = Self { s, id, entries: 1 };
        let shown = walk.show(now);
        walk.check_history(&shown, "raised");
        walk
    }

    fn id(&self) -> String {
        self.id.to_string()
    }

    fn show(&self, now: &str) -> Value {
        self.s.show(now, self.id)
    }

    fn check_history(&self, shown: &Value, action: &str) {
        let history = shown["history"].as_array().unwrap();
        assert_eq!(
            history.len(),
            self.entries,
            "history should have {} entries: {history:#?}",
            self.entries
        );
        let last = history.last().unwrap();
        assert_eq!(last["action"], action, "{last:#}");
        assert_eq!(last["by"], "test-dsl", "{last:#}");
    }

    /// Runs a change (the id is put after the subcommand words), then shows the escalation.
    fn change(&mut self, now: &str, words: &[&str], rest: &[&str], action: &str) -> Value {
        let id = self.id();
        let mut args: Vec<&str> = words.to_vec();
        args.push(&id);
        args.extend_from_slice(rest);
        self.s.ok(now, &args);
        self.entries += 1;
        let shown = self.show(now);
        self.check_history(&shown, action);
        shown
    }

    fn advance(&mut self, now: &str, at: &str, reason: &str) -> Value {
        self.change(
            now,
            &["advance"],
            &["--reason", reason, "--at", at],
            "advanced",
        )
    }

    fn discuss(&mut self, now: &str, at: &str, mode: &str, extra: &[&str]) -> Value {
        let mut rest = vec![
            "--with",
            "Jo Smith, social worker, Children's Services",
            "--mode",
            mode,
            "--notes",
            "Went through the referral.\nThey will look again.",
            "--at",
            at,
        ];
        rest.extend_from_slice(extra);
        self.change(now, &["discuss"], &rest, "discussion")
    }

    fn notify(&mut self, now: &str, notification: &str, method: &str, at: &str) -> Value {
        self.change(
            now,
            &["notify"],
            &[notification, "--method", method, "--at", at],
            "notification sent",
        )
    }

    /// Agrees an action (its id is read from the JSON the command prints), then marks it done.
    fn action_add_and_done(&mut self, now: &str, due: &str, done_at: &str) -> Value {
        let id = self.id();
        let added = self.s.json(
            now,
            &[
                "action",
                "add",
                &id,
                "--what",
                "Send the strategy meeting minutes",
                "--owner",
                "Team manager",
                "--due",
                due,
            ],
        );
        let action_id = added["row"].as_i64().unwrap();
        self.entries += 1;
        let shown = self.show(now);
        self.check_history(&shown, "action agreed");
        let action = shown["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == action_id)
            .unwrap_or_else(|| panic!("no action {action_id}: {shown:#}"));
        assert_eq!(action["due_on"], due);
        assert_eq!(action["owner"], "Team manager");
        assert!(action["done_at"].is_null(), "{action:#}");

        let shown = self.change(
            now,
            &["action", "done"],
            &[&action_id.to_string(), "--at", done_at],
            "action done",
        );
        let action = shown["actions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == action_id)
            .unwrap();
        assert!(!action["done_at"].is_null(), "{action:#}");
        assert_eq!(action["done_by"], "test-dsl");
        assert_eq!(action["is_overdue"], false);
        shown
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Full walks through each built-in procedure
// ---------------------------------------------------------------------------------------------

#[test]
fn pan_bedfordshire_walk_through_all_four_stages_to_resolution() {
    let s = Sandbox::new();
    // The concern arose Mon 14 Dec 2026 08:30; raised 09:00 the same day. The partnership is
    // given by its full name in odd case: names are matched case-insensitively.
    let now = "2026-12-14 09:00";
    let mut w = Walk::start(
        &s,
        now,
        &[
            "--procedure",
            "pan-bedfordshire",
            "--partnership",
            "central BEDFORDSHIRE safeguarding children PARTNERSHIP",
            "--child",
            "Ava Test",
            "--dob",
            "2016-05-04",
            "--child-ref",
            "CR-1001",
            "--raised-by",
            "Sam Patel (DSL)",
            "--agency",
            "Test Primary School",
            "--raised-with",
            "Central Bedfordshire IFD",
            "--category",
            "thresholds",
            "--summary",
            "Referral judged below threshold.",
            "--outcome-sought",
            "A strategy discussion",
            "--concern-at",
            "2026-12-14 08:30",
            "--raised-at",
            "2026-12-14 09:00",
        ],
    );
    let shown = w.show(now);
    assert_eq!(shown["id"], w.id);
    assert_eq!(shown["procedure"], "pan-bedfordshire");
    assert_eq!(shown["partnership"]["id"], "central-bedfordshire");
    assert_eq!(shown["stage"], 1);
    assert_eq!(shown["status"], "open");
    assert_eq!(shown["child"]["name"], "Ava Test");
    assert_eq!(shown["child"]["dob"], "2016-05-04");
    assert_eq!(shown["raised_at"], "2026-12-14T09:00:00+00:00");
    assert_eq!(shown["concern_at"], "2026-12-14T08:30:00+00:00");
    // s1.act: 24 real hours from the concern, 14 Dec 08:30 + 24h = 15 Dec 08:30; met by raising.
    assert_clock(&shown, "s1.act", "2026-12-15T08:30:00+00:00", "met_on_time");
    // s1.resolve: by day 2, day 1 being the concern's date 14 Dec, so 15 Dec 17:00.
    assert_clock(
        &shown,
        "s1.resolve",
        "2026-12-15T17:00:00+00:00",
        "due_soon",
    );
    // s1.raise: "raised ... with the other agency within one working day" of the concern:
    // Tue 15 Dec 17:00, met by raising it.
    assert_clock(
        &shown,
        "s1.raise",
        "2026-12-15T17:00:00+00:00",
        "met_on_time",
    );
    assert_eq!(clock_keys(&shown), ["s1.act", "s1.raise", "s1.resolve"]);
    // No notification is owed at stage 1.
    assert!(notification_ids(&shown).is_empty(), "{shown:#}");

    let shown = w.discuss("2026-12-14 11:00", "2026-12-14 11:00", "phone", &[]);
    assert_eq!(shown["discussions"][0]["stage"], 1);
    assert_eq!(shown["discussions"][0]["mode"], "phone");
    assert_eq!(shown["stage"], 1);

    // Stage 2 on Tue 15 Dec 10:00.
    let now = "2026-12-15 10:00";
    let shown = w.advance(now, now, "Not resolved practitioner to practitioner");
    assert_eq!(shown["stage"], 2);
    assert_eq!(shown["status"], "open");
    // Leaving stage 1 stops its resolve clock.
    assert_eq!(clock(&shown, "s1.resolve")["state"], "stopped");
    // s2.resolve: by day 9, 14 Dec + 8 days = Tue 22 Dec 17:00.
    assert_clock(&shown, "s2.resolve", "2026-12-22T17:00:00+00:00", "running");
    // Appendix 2 is owed on entering stage 2, 1 working day later: Wed 16 Dec 17:00.
    assert_eq!(notification_ids(&shown), ["appendix-2"]);
    assert_notification(&shown, "appendix-2", "2026-12-16T17:00:00+00:00", None);
    let n = notification(&shown, "appendix-2");
    assert_eq!(n["form"], "appendix-2");
    assert_eq!(
        n["recipient"],
        "Central Bedfordshire Safeguarding Children Partnership"
    );

    let shown = w.notify(now, "appendix-2", "secure-email", "2026-12-15 10:00");
    assert_notification(
        &shown,
        "appendix-2",
        "2026-12-16T17:00:00+00:00",
        Some("2026-12-15T10:00:00+00:00"),
    );
    assert_eq!(notification(&shown, "appendix-2")["method"], "secure-email");
    assert_eq!(notification(&shown, "appendix-2")["state"], "met_on_time");

    // Stage 3 on Tue 22 Dec 16:00, an hour before stage 2's deadline.
    let now = "2026-12-22 16:00";
    let shown = w.advance(now, now, "Managers could not agree");
    assert_eq!(shown["stage"], 3);
    assert_eq!(clock(&shown, "s2.resolve")["state"], "stopped");
    // s3.resolve: by day 16, 14 Dec + 15 days = Tue 29 Dec 17:00 (calendar days: the bank
    // holidays do not move a numbered day).
    assert_clock(&shown, "s3.resolve", "2026-12-29T17:00:00+00:00", "running");
    // No new notification at stage 3.
    assert_eq!(notification_ids(&shown), ["appendix-2"]);

    w.action_add_and_done("2026-12-23 12:00", "2026-12-23", "2026-12-23 11:30");

    // Stage 4 on Tue 29 Dec 10:00.
    let now = "2026-12-29 10:00";
    let shown = w.advance(now, now, "Senior managers could not agree");
    assert_eq!(shown["stage"], 4);
    // s4.resolve: by day 23, 14 Dec + 22 days = Tue 5 Jan 2027 17:00.
    assert_clock(&shown, "s4.resolve", "2027-01-05T17:00:00+00:00", "running");
    // Appendix 4 owed on entering stage 4, 1 working day later: Wed 30 Dec 17:00.
    assert_eq!(notification_ids(&shown), ["appendix-2", "appendix-4"]);
    assert_notification(&shown, "appendix-4", "2026-12-30T17:00:00+00:00", None);
    assert_eq!(notification(&shown, "appendix-4")["state"], "due_soon");
    // The recommendation clock counts from Appendix 4 being sent; until then, provisionally from
    // entering stage 4 (Tue 29 Dec): 5 working days are Wed 30, Thu 31 Dec, (Fri 1 Jan bank
    // holiday, weekend) Mon 4, Tue 5, Wed 6 Jan 17:00.
    let rec = clock(&shown, "s4.recommendation");
    assert_eq!(rec["due"], "2027-01-06T17:00:00+00:00", "{rec:#}");
    assert_eq!(rec["is_provisional"], true, "{rec:#}");
    // The resolution plan counts from a meeting, which has not happened.
    let plan = clock(&shown, "s4.resolution-plan");
    assert!(plan["due"].is_null(), "{plan:#}");
    assert_eq!(plan["state"], "pending");

    // Seen on Thu 31 Dec 09:00, Appendix 4 is overdue.
    let now = "2026-12-31 09:00";
    let shown = w.show(now);
    assert_eq!(notification(&shown, "appendix-4")["state"], "overdue");
    assert_eq!(shown["is_overdue"], true);
    // Sent then, late: the recommendation clock now counts from it: Mon 4, Tue 5, Wed 6, Thu 7,
    // Fri 8 Jan 17:00.
    let shown = w.notify(now, "appendix-4", "online-form", now);
    assert_notification(
        &shown,
        "appendix-4",
        "2026-12-30T17:00:00+00:00",
        Some("2026-12-31T09:00:00+00:00"),
    );
    assert_eq!(notification(&shown, "appendix-4")["state"], "met_late");
    let rec = clock(&shown, "s4.recommendation");
    assert_eq!(rec["due"], "2027-01-08T17:00:00+00:00", "{rec:#}");
    assert_eq!(rec["is_provisional"], false, "{rec:#}");

    // The resolution meeting, Mon 4 Jan 2027 14:00: the plan is due 5 working days later, Tue 5,
    // Wed 6, Thu 7, Fri 8, Mon 11 Jan 17:00.
    let now = "2027-01-04 14:00";
    let shown = w.discuss(now, now, "meeting", &["--decisions", "Strategy meeting"]);
    assert_clock(
        &shown,
        "s4.resolution-plan",
        "2027-01-11T17:00:00+00:00",
        "running",
    );
    assert_eq!(shown["discussions"].as_array().unwrap().len(), 2);

    // Resolved Tue 5 Jan 12:00, before day 23's close of business.
    let now = "2027-01-05 12:00";
    let shown = w.change(
        now,
        &["resolve"],
        &[
            "--how",
            "Strategy discussion held",
            "--learning",
            "Earlier contact with IFD",
            "--parents-informed",
            "no",
            "--why-not",
            "Informing them would place the child at risk",
            "--at",
            now,
        ],
        "resolved",
    );
    assert_eq!(shown["status"], "resolved");
    assert_eq!(shown["stage"], 4);
    assert_eq!(shown["outcome"]["kind"], "resolved");
    assert_eq!(shown["outcome"]["stage"], 4);
    assert_eq!(shown["outcome"]["parents_informed"], false);
    assert_eq!(
        shown["outcome"]["why_not"],
        "Informing them would place the child at risk"
    );
    assert_clock(
        &shown,
        "s4.resolve",
        "2027-01-05T17:00:00+00:00",
        "met_on_time",
    );
    // Resolving meets the partners' recommendation and the resolution plan too.
    assert_clock(
        &shown,
        "s4.recommendation",
        "2027-01-08T17:00:00+00:00",
        "met_on_time",
    );
    assert_clock(
        &shown,
        "s4.resolution-plan",
        "2027-01-11T17:00:00+00:00",
        "met_on_time",
    );
    assert_eq!(clock(&shown, "s4.resolve")["stage"], 4);
    // Appendix 3 is for a resolution at stage 2 or 3 only, so none is owed at stage 4.
    assert_eq!(notification_ids(&shown), ["appendix-2", "appendix-4"]);
    assert_eq!(shown["is_overdue"], false);

    // Nothing more can be done to a resolved escalation.
    s.refused(
        "2027-01-06 09:00",
        &["advance", &w.id(), "--reason", "again"],
        &["resolved"],
    );

    // The text history lists every entry, one a line.
    let history = s.ok("2027-01-06 09:00", &["history", &w.id()]);
    assert_eq!(history.lines().count(), w.entries, "{history}");
    assert_eq!(w.entries, 11);
    assert!(history.contains("test-dsl"), "{history}");
    assert!(history.contains("advanced to stage 4"), "{history}");
}

#[test]
fn pan_bedfordshire_resolution_at_stage_2_owes_appendix_3_but_not_at_stage_1() {
    let s = Sandbox::new();
    let base = [
        "--procedure",
        "pan-bedfordshire",
        "--child",
        "Ben Test",
        "--raised-by",
        "Sam Patel",
        "--agency",
        "Test School",
        "--raised-with",
        "Luton MASH",
        "--category",
        "information-sharing",
        "--summary",
        "Information not shared.",
    ];
    // By short id, in capitals.
    let mut args = base.to_vec();
    args.extend(["--partnership", "LUTON"]);
    let now = "2026-11-23 10:00";
    let mut w = Walk::start(&s, now, &args);
    assert_eq!(
        w.show(now)["partnership"]["name"],
        "Luton Safeguarding Children Partnership"
    );
    w.advance("2026-11-24 10:00", "2026-11-24 10:00", "Not resolved");
    let now = "2026-11-25 09:00";
    let shown = w.change(
        now,
        &["resolve"],
        &["--how", "Agreed", "--at", now],
        "resolved",
    );
    // Appendix 3: triggered by the resolution (Wed 25 Nov 09:00), due 1 working day later,
    // Thu 26 Nov 17:00, to the chosen partnership.
    assert_eq!(notification_ids(&shown), ["appendix-2", "appendix-3"]);
    assert_notification(&shown, "appendix-3", "2026-11-26T17:00:00+00:00", None);
    assert_eq!(
        notification(&shown, "appendix-3")["recipient"],
        "Luton Safeguarding Children Partnership"
    );
    // A notification owed after resolution can still be recorded as sent.
    let shown = w.notify(now, "appendix-3", "email", now);
    assert_notification(
        &shown,
        "appendix-3",
        "2026-11-26T17:00:00+00:00",
        Some("2026-11-25T09:00:00+00:00"),
    );

    // Resolved at stage 1: no notification at all.
    let mut args = base.to_vec();
    args.extend(["--partnership", "bedford-borough"]);
    let mut w = Walk::start(&s, "2026-11-23 10:00", &args);
    let now = "2026-11-23 15:00";
    let shown = w.change(
        now,
        &["resolve"],
        &["--how", "Sorted", "--at", now],
        "resolved",
    );
    assert!(notification_ids(&shown).is_empty(), "{shown:#}");
    assert_clock(
        &shown,
        "s1.resolve",
        "2026-11-24T17:00:00+00:00",
        "met_on_time",
    );
}

#[test]
fn staffordshire_walk_through_all_four_stages_to_resolution() {
    let s = Sandbox::new();
    // Disagreement Mon 23 Nov 2026 09:00, raised 14:00. One partnership: none need be given.
    let now = "2026-11-23 14:00";
    let mut w = Walk::start(
        &s,
        now,
        &[
            "--procedure",
            "staffordshire",
            "--child",
            "Cara Test",
            "--raised-by",
            "Sam Patel",
            "--agency",
            "Test Academy",
            "--raised-with",
            "Staffordshire police, public protection unit",
            "--category",
            "roles-and-responsibilities",
            "--summary",
            "Disagreement over who leads.",
            "--concern-at",
            "2026-11-23 09:00",
        ],
    );
    let shown = w.show(now);
    assert_eq!(shown["stage"], 1);
    assert_eq!(shown["raised_at"], "2026-11-23T14:00:00+00:00");
    assert_eq!(shown["partnership"]["id"], "staffordshire-scb");
    // s1.raise: 48 real hours from the disagreement, Wed 25 Nov 09:00; met by raising it.
    assert_clock(
        &shown,
        "s1.raise",
        "2026-11-25T09:00:00+00:00",
        "met_on_time",
    );
    // s1.resolve: a working week from the disagreement (paragraph 9), 5 working days after
    // Mon 23 Nov: Tue 24 .. Fri 27, Mon 30 Nov 17:00.
    assert_clock(&shown, "s1.resolve", "2026-11-30T17:00:00+00:00", "running");
    assert!(notification_ids(&shown).is_empty());

    w.discuss("2026-11-24 10:00", "2026-11-24 10:00", "phone", &[]);

    // Stage 2 on Thu 26 Nov 11:00: line managers have 48 real hours, to Sat 28 Nov 11:00.
    let now = "2026-11-26 11:00";
    let shown = w.advance(now, now, "Not resolved");
    assert_eq!(shown["stage"], 2);
    assert_eq!(clock(&shown, "s1.resolve")["state"], "stopped");
    assert_clock(&shown, "s2.resolve", "2026-11-28T11:00:00+00:00", "running");
    // Seen on Mon 30 Nov 08:00 it is overdue.
    let shown = w.show("2026-11-30 08:00");
    assert_eq!(clock(&shown, "s2.resolve")["state"], "overdue");
    assert_eq!(shown["is_overdue"], true);

    // Stage 3 on Mon 30 Nov 09:00: referral and contact within 48 hours (Wed 2 Dec 09:00);
    // the Heads of Service meet within 5 working days (Tue 1 .. Fri 4, Mon 7 Dec 17:00).
    let now = "2026-11-30 09:00";
    let shown = w.advance(now, now, "Line managers could not agree");
    assert_eq!(shown["stage"], 3);
    // Stage 2's 48 hours ended on Saturday: the record shows it was left late.
    assert_eq!(clock(&shown, "s2.resolve")["state"], "left_late");
    assert_clock(
        &shown,
        "s3.referral",
        "2026-12-02T09:00:00+00:00",
        "running",
    );
    assert_clock(&shown, "s3.contact", "2026-12-02T09:00:00+00:00", "running");
    assert_clock(&shown, "s3.meeting", "2026-12-07T17:00:00+00:00", "running");

    // A discussion by email the same afternoon is not, by itself, the referral to the Head of
    // Service (paragraph 20) or their contacting their equivalent (paragraph 21).
    let now = "2026-11-30 15:00";
    let shown = w.discuss(now, now, "email", &[]);
    assert_eq!(clock(&shown, "s3.referral")["state"], "running");
    assert_eq!(clock(&shown, "s3.contact")["state"], "running");
    assert_eq!(shown["discussions"][0]["stage"], 3, "latest first");
    // Each is met by being recorded as met.
    let shown = w.change(
        now,
        &["met"],
        &[
            "s3.referral",
            "--note",
            "Referred to the Head of Service by email",
        ],
        "note",
    );
    assert_eq!(clock(&shown, "s3.referral")["state"], "met_on_time");
    assert_eq!(clock(&shown, "s3.contact")["state"], "running");
    let now = "2026-12-01 11:00";
    let shown = w.change(
        now,
        &["met"],
        &[
            "s3.contact",
            "--note",
            "Head of Service rang their equivalent",
        ],
        "note",
    );
    assert_eq!(clock(&shown, "s3.contact")["state"], "met_on_time");
    assert_eq!(clock(&shown, "s3.meeting")["state"], "running");

    // Stage 4 on Fri 4 Dec 10:00 before the Heads of Service met.
    let now = "2026-12-04 10:00";
    let shown = w.advance(now, now, "Heads of Service could not meet");
    assert_eq!(shown["stage"], 4);
    assert_eq!(clock(&shown, "s3.meeting")["state"], "stopped");
    // Assistant Directors meet within 5 working days: Mon 7 .. Fri 11 Dec 17:00.
    assert_clock(&shown, "s4.meeting", "2026-12-11T17:00:00+00:00", "running");
    let decision = clock(&shown, "s4.decision");
    assert!(decision["due"].is_null(), "{decision:#}");
    assert_eq!(decision["state"], "pending");
    // The Board representatives are alerted, 1 working day after Fri 4 Dec: Mon 7 Dec 17:00.
    assert_eq!(notification_ids(&shown), ["board-alert"]);
    assert_notification(&shown, "board-alert", "2026-12-07T17:00:00+00:00", None);
    assert_eq!(
        notification(&shown, "board-alert")["recipient"],
        "Staffordshire Safeguarding Children Board"
    );
    let shown = w.notify(
        "2026-12-04 12:00",
        "board-alert",
        "email",
        "2026-12-04 12:00",
    );
    assert_notification(
        &shown,
        "board-alert",
        "2026-12-07T17:00:00+00:00",
        Some("2026-12-04T12:00:00+00:00"),
    );

    // The Assistant Directors meet Wed 9 Dec 10:00; the decision is due 48 hours later.
    let now = "2026-12-09 10:00";
    let shown = w.discuss(now, now, "meeting", &[]);
    assert_eq!(clock(&shown, "s4.meeting")["state"], "met_on_time");
    assert_clock(
        &shown,
        "s4.decision",
        "2026-12-11T10:00:00+00:00",
        "running",
    );

    w.action_add_and_done("2026-12-10 09:00", "2026-12-11", "2026-12-10 09:00");

    // Agreement Thu 10 Dec 16:00: the outcome letter is owed within 48 hours (Sat 12 Dec 16:00).
    let now = "2026-12-10 16:00";
    let shown = w.discuss(now, now, "letter", &["--agreed", "--decisions", "Agreed"]);
    assert_eq!(clock(&shown, "s4.decision")["state"], "met_on_time");
    assert_eq!(notification_ids(&shown), ["board-alert", "outcome-letter"]);
    assert_notification(&shown, "outcome-letter", "2026-12-12T16:00:00+00:00", None);
    assert_eq!(shown["discussions"][0]["agreed"], true);
    let now = "2026-12-11 09:00";
    let shown = w.notify(now, "outcome-letter", "letter", now);
    assert_notification(
        &shown,
        "outcome-letter",
        "2026-12-12T16:00:00+00:00",
        Some("2026-12-11T09:00:00+00:00"),
    );

    let now = "2026-12-11 10:00";
    let shown = w.change(
        now,
        &["resolve"],
        &[
            "--how",
            "Final decision written",
            "--parents-informed",
            "yes",
            "--child-record-updated",
            "yes",
            "--at",
            now,
        ],
        "resolved",
    );
    assert_eq!(shown["status"], "resolved");
    assert_eq!(shown["stage"], 4);
    assert_eq!(shown["outcome"]["parents_informed"], true);
    assert_eq!(shown["outcome"]["child_record_updated"], true);
    // The board copy is a stage 3 notification: not owed for a resolution at stage 4.
    assert_eq!(notification_ids(&shown), ["board-alert", "outcome-letter"]);
    assert_eq!(w.entries, 15);
}

#[test]
fn london_walk_through_all_four_stages_across_christmas() {
    let s = Sandbox::new();
    // Raised Thu 17 Dec 2026 10:00.
    let now = "2026-12-17 10:00";
    let mut w = Walk::start(
        &s,
        now,
        &[
            "--procedure",
            "london",
            "--partnership",
            "bscp",
            "--child",
            "Dan Test",
            "--raised-by",
            "Sam Patel",
            "--agency",
            "Test Nursery",
            "--raised-with",
            "Bromley Children's Social Care",
            "--category",
            "plan-progression",
            "--summary",
            "The child in need plan has stalled.",
        ],
    );
    let shown = w.show(now);
    assert_eq!(shown["raised_at"], "2026-12-17T10:00:00+00:00");
    // s1.resolve: 5 working days after Thu 17 Dec: Fri 18, Mon 21, Tue 22, Wed 23, Thu 24 Dec.
    assert_clock(&shown, "s1.resolve", "2026-12-24T17:00:00+00:00", "running");
    assert_eq!(clock_keys(&shown), ["s1.resolve"]);

    w.discuss("2026-12-17 15:00", "2026-12-17 15:00", "video", &[]);

    // Stage 2 Fri 18 Dec 11:00: 5 working days are Mon 21, Tue 22, Wed 23, Thu 24, (Fri 25 and
    // Mon 28 bank holidays, weekend) Tue 29 Dec 17:00.
    let now = "2026-12-18 11:00";
    let shown = w.advance(now, now, "Not resolved");
    assert_eq!(shown["stage"], 2);
    assert_clock(&shown, "s2.resolve", "2026-12-29T17:00:00+00:00", "running");
    // Inform the original referrer, 1 working day after Fri 18 Dec: Mon 21 Dec 17:00.
    assert_eq!(notification_ids(&shown), ["inform-referrer"]);
    assert_notification(&shown, "inform-referrer", "2026-12-21T17:00:00+00:00", None);
    assert_eq!(
        notification(&shown, "inform-referrer")["recipient"],
        "The original referrer"
    );
    let shown = w.notify(now, "inform-referrer", "phone", "2026-12-18 11:00");
    assert_eq!(
        notification(&shown, "inform-referrer")["state"],
        "met_on_time"
    );

    // Stage 3 Thu 24 Dec 09:00: Tue 29, Wed 30, Thu 31 Dec, (Fri 1 Jan bank holiday, weekend)
    // Mon 4, Tue 5 Jan 17:00.
    let now = "2026-12-24 09:00";
    let shown = w.advance(now, now, "Managers could not agree");
    assert_eq!(shown["stage"], 3);
    assert_eq!(clock(&shown, "s2.resolve")["state"], "stopped");
    assert_clock(&shown, "s3.resolve", "2027-01-05T17:00:00+00:00", "running");
    assert_eq!(notification_ids(&shown), ["inform-referrer"]);

    // Stage 4 Tue 5 Jan 2027 16:00: Wed 6, Thu 7, Fri 8, Mon 11, Tue 12 Jan 17:00.
    let now = "2027-01-05 16:00";
    let shown = w.advance(now, now, "Senior managers could not agree");
    assert_eq!(shown["stage"], 4);
    assert_clock(&shown, "s4.resolve", "2027-01-12T17:00:00+00:00", "running");
    // The BSCP referral: 1 working day, Wed 6 Jan 17:00, to the partnership.
    assert_eq!(
        notification_ids(&shown),
        ["inform-referrer", "bscp-referral"]
    );
    assert_notification(&shown, "bscp-referral", "2027-01-06T17:00:00+00:00", None);
    assert_eq!(
        notification(&shown, "bscp-referral")["recipient"],
        "Bromley Safeguarding Children Partnership"
    );

    w.action_add_and_done("2027-01-06 09:00", "2027-01-08", "2027-01-06 09:00");

    // Wed 6 Jan 18:00: the referral is an hour overdue.
    let shown = w.show("2027-01-06 18:00");
    assert_eq!(notification(&shown, "bscp-referral")["state"], "overdue");
    assert_eq!(shown["is_overdue"], true);
    let now = "2027-01-07 09:00";
    let shown = w.notify(now, "bscp-referral", "online-form", now);
    assert_notification(
        &shown,
        "bscp-referral",
        "2027-01-06T17:00:00+00:00",
        Some("2027-01-07T09:00:00+00:00"),
    );
    assert_eq!(notification(&shown, "bscp-referral")["state"], "met_late");
    assert_eq!(shown["is_overdue"], false);

    let now = "2027-01-08 12:00";
    let shown = w.change(
        now,
        &["resolve"],
        &["--how", "Resolution panel agreed a plan", "--at", now],
        "resolved",
    );
    assert_eq!(shown["status"], "resolved");
    assert_eq!(shown["stage"], 4);
    assert_clock(
        &shown,
        "s4.resolve",
        "2027-01-12T17:00:00+00:00",
        "met_on_time",
    );
    // The stage 3 outcome notice is only for a resolution at stage 3.
    assert_eq!(
        notification_ids(&shown),
        ["inform-referrer", "bscp-referral"]
    );
    assert_eq!(w.entries, 10);
}

#[test]
fn london_resolution_at_stage_3_owes_the_outcome_notice() {
    let s = Sandbox::new();
    let mut w = Walk::start(
        &s,
        "2026-11-23 10:00",
        &[
            "--procedure",
            "london",
            "--child",
            "Eve Test",
            "--raised-by",
            "Sam Patel",
            "--agency",
            "Test Nursery",
            "--raised-with",
            "Bromley CSC",
            "--category",
            "communication",
            "--summary",
            "No reply to calls.",
        ],
    );
    w.advance("2026-11-24 10:00", "2026-11-24 10:00", "Not resolved");
    w.advance("2026-11-25 10:00", "2026-11-25 10:00", "Not resolved");
    // Resolved Fri 27 Nov 16:00: the outcome is due 1 working day later, Mon 30 Nov 17:00.
    let now = "2026-11-27 16:00";
    let shown = w.change(
        now,
        &["resolve"],
        &["--how", "Agreed", "--at", now],
        "resolved",
    );
    assert_eq!(
        notification_ids(&shown),
        ["inform-referrer", "stage-3-outcome"]
    );
    assert_notification(&shown, "stage-3-outcome", "2026-11-30T17:00:00+00:00", None);
    assert_notification(&shown, "inform-referrer", "2026-11-25T17:00:00+00:00", None);
}

#[test]
fn barnet_walk_through_all_four_stages_then_withdrawn() {
    let s = Sandbox::new();
    // Raised Fri 18 Dec 2026 16:30 with an immediate risk.
    let now = "2026-12-18 16:30";
    let mut w = Walk::start(
        &s,
        now,
        &[
            "--procedure",
            "barnet",
            "--child",
            "Finn Test",
            "--raised-by",
            "Sam Patel",
            "--agency",
            "Test High School",
            "--raised-with",
            "Barnet MASH",
            "--category",
            "case-conference",
            "--summary",
            "Conference decision disputed.",
            "--immediate-risk",
        ],
    );
    let shown = w.show(now);
    assert_eq!(shown["immediate_risk"], true);
    // Escalation-wide: resolve within 5 working days of Fri 18 Dec: Mon 21, Tue 22, Wed 23,
    // Thu 24, (Fri 25 and Mon 28 bank holidays, weekend) Tue 29 Dec 17:00.
    assert_clock(&shown, "resolve", "2026-12-29T17:00:00+00:00", "running");
    // "The designated safeguarding lead ... must be informed immediately": the DSL raising it
    // at 16:30 is the DSL being informed, then.
    assert_clock(
        &shown,
        "immediate-risk",
        "2026-12-18T16:30:00+00:00",
        "met_on_time",
    );
    // "The designated safeguarding lead will inform the Head of Safeguarding and Quality
    // Assurance": owed at once.
    assert_notification(
        &shown,
        "head-of-safeguarding",
        "2026-12-18T16:30:00+00:00",
        None,
    );
    assert_eq!(
        notification(&shown, "head-of-safeguarding")["act_now"],
        true
    );
    // The whole process the same working day as it was raised: Fri 18 Dec 17:00.
    assert_clock(
        &shown,
        "s1.escalate-or-resolve",
        "2026-12-18T17:00:00+00:00",
        "due_today",
    );
    assert!(clock(&shown, "resolve")["stage"].is_null());

    // The Head of Safeguarding is told at 16:45: a quarter of an hour after "immediately".
    let shown = w.notify(
        "2026-12-18 16:50",
        "head-of-safeguarding",
        "phone",
        "2026-12-18 16:45",
    );
    assert_eq!(
        notification(&shown, "head-of-safeguarding")["state"],
        "met_late"
    );

    // Stage 2 at 17:30, after close of business: stage 1's clock was met late, and stage 2's
    // clock counts from the raise too ("this process should still be completed and resolved the
    // same working day"): Fri 18 Dec 17:00, already overdue.
    let now = "2026-12-18 17:30";
    let shown = w.advance(now, now, "Not resolved");
    assert_eq!(shown["stage"], 2);
    assert_eq!(clock(&shown, "s1.escalate-or-resolve")["state"], "met_late");
    assert_clock(
        &shown,
        "s2.escalate-or-resolve",
        "2026-12-18T17:00:00+00:00",
        "overdue",
    );

    w.discuss("2026-12-21 10:00", "2026-12-21 10:00", "face-to-face", &[]);

    // Stage 3 Thu 24 Dec 10:00: due the same working day as the raise, long past.
    let now = "2026-12-24 10:00";
    let shown = w.advance(now, now, "Managers could not agree");
    assert_eq!(shown["stage"], 3);
    assert_eq!(clock(&shown, "s2.escalate-or-resolve")["state"], "met_late");
    assert_clock(
        &shown,
        "s3.escalate-or-resolve",
        "2026-12-18T17:00:00+00:00",
        "overdue",
    );

    // Stage 4 Thu 24 Dec 18:00: resolved the same working day as raised, Fri 18 Dec 17:00.
    let now = "2026-12-24 18:00";
    let shown = w.advance(now, now, "Representatives could not agree");
    assert_eq!(shown["stage"], 4);
    assert_clock(&shown, "s4.resolve", "2026-12-18T17:00:00+00:00", "overdue");
    // The referral to the Board Manager and the Head of Safeguarding is part of the same working
    // day: due Fri 18 Dec 17:00, never after the stage's own deadline.
    assert_eq!(
        notification_ids(&shown),
        ["head-of-safeguarding", "board-referral"]
    );
    assert_notification(&shown, "board-referral", "2026-12-18T17:00:00+00:00", None);
    let shown = w.notify(
        "2026-12-29 09:00",
        "board-referral",
        "secure-email",
        "2026-12-29 09:00",
    );
    assert_eq!(notification(&shown, "board-referral")["state"], "met_late");

    // Wed 30 Dec: past 5 working days, so a reason for the delay is required.
    let now = "2026-12-30 10:00";
    let shown = w.show(now);
    let resolve = clock(&shown, "resolve");
    assert_eq!(resolve["state"], "overdue", "{resolve:#}");
    assert_eq!(resolve["reason_required"], true, "{resolve:#}");
    let shown = w.change(
        now,
        &["delay"],
        &[
            "--reason",
            "Board manager on leave; child seen daily at school",
        ],
        "note",
    );
    assert_eq!(clock(&shown, "resolve")["reason_required"], false);

    w.action_add_and_done(now, "2026-12-31", now);

    let now = "2026-12-30 11:00";
    let shown = w.change(
        now,
        &["withdraw"],
        &["--why", "The family moved out of the area", "--at", now],
        "withdrawn",
    );
    assert_eq!(shown["status"], "withdrawn");
    assert_eq!(shown["stage"], 4);
    assert_eq!(shown["outcome"]["kind"], "withdrawn");
    assert_eq!(shown["outcome"]["why"], "The family moved out of the area");
    // Withdrawal ends the clocks, both after they were due: the record shows they were left
    // late. No learning note (that is owed on resolution).
    assert_eq!(clock(&shown, "s4.resolve")["state"], "left_late");
    assert_eq!(clock(&shown, "resolve")["state"], "left_late");
    assert_eq!(
        notification_ids(&shown),
        ["head-of-safeguarding", "board-referral"]
    );
    assert_eq!(w.entries, 11);

    // Withdrawn is closed: no advance, no second withdrawal, no resolution.
    let id = w.id();
    s.refused(
        "2026-12-31 09:00",
        &["advance", &id, "--reason", "x"],
        &["withdrawn"],
    );
    s.refused(
        "2026-12-31 09:00",
        &["withdraw", &id, "--why", "x"],
        &["withdrawn"],
    );
    s.refused(
        "2026-12-31 09:00",
        &["resolve", &id, "--how", "x"],
        &["withdrawn"],
    );
    // A withdrawn escalation is listed with --all only.
    let open = s.json("2026-12-31 09:00", &["list"]);
    assert_eq!(open.as_array().unwrap().len(), 0, "{open:#}");
    let all = s.json("2026-12-31 09:00", &["list", "--all"]);
    assert_eq!(all[0]["status"], "withdrawn");
}

#[test]
fn barnet_resolution_owes_the_learning_note() {
    let s = Sandbox::new();
    let mut w = Walk::start(
        &s,
        "2026-11-23 10:00",
        &[
            "--procedure",
            "barnet",
            "--child",
            "Gus Test",
            "--raised-by",
            "Sam Patel",
            "--agency",
            "Test School",
            "--raised-with",
            "Barnet MASH",
            "--category",
            "other",
            "--summary",
            "Something else.",
        ],
    );
    let now = "2026-11-23 12:00";
    let shown = w.change(
        now,
        &["resolve"],
        &["--how", "Agreed", "--at", now],
        "resolved",
    );
    // 1 working day after Mon 23 Nov 12:00: Tue 24 Nov 17:00.
    assert_eq!(notification_ids(&shown), ["learning-note"]);
    assert_notification(&shown, "learning-note", "2026-11-24T17:00:00+00:00", None);
    assert_eq!(notification(&shown, "learning-note")["form"], "action-log");
    assert_clock(
        &shown,
        "resolve",
        "2026-11-30T17:00:00+00:00",
        "met_on_time",
    );
    assert_clock(
        &shown,
        "s1.escalate-or-resolve",
        "2026-11-23T17:00:00+00:00",
        "met_on_time",
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Bad input: one line, exit 2, the database untouched
// ---------------------------------------------------------------------------------------------

const NOW: &str = "2026-11-23 10:00";

/// A sandbox holding one open escalation (id 1), raised Mon 23 Nov 2026 09:00 under London.
fn with_one_escalation() -> Sandbox {
    let s = Sandbox::new();
    let id = s.new_escalation(NOW, &new_args(&[]));
    assert_eq!(id, 1);
    s
}

/// Valid `new` arguments (London, raised 09:00 on 23 Nov 2026), with `overrides` replacing an
/// option's value or adding options.
fn new_args<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<&'a str> {
    let mut options: Vec<(&str, &str)> = vec![
        ("--procedure", "london"),
        ("--child", "Hana Test"),
        ("--dob", "2018-02-03"),
        ("--raised-by", "Sam Patel"),
        ("--agency", "Test School"),
        ("--raised-with", "Bromley CSC"),
        ("--category", "thresholds"),
        ("--summary", "Referral refused."),
        ("--concern-at", "2026-11-23 08:00"),
        ("--raised-at", "2026-11-23 09:00"),
    ];
    for (name, value) in overrides {
        match options.iter_mut().find(|(n, _)| n == name) {
            Some(option) => option.1 = value,
            None => options.push((name, value)),
        }
    }
    let mut args = Vec::new();
    for (name, value) in options {
        args.push(name);
        args.push(value);
    }
    args
}

fn new_with<'a>(overrides: &[(&'a str, &'a str)]) -> Vec<&'a str> {
    let mut args = vec!["new"];
    args.extend(new_args(overrides));
    args
}

#[test]
fn unknown_ids_are_refused() {
    let s = with_one_escalation();
    s.refused(NOW, &["show", "99"], &["escalation 99 does not exist"]);
    s.refused(NOW, &["history", "99"], &["escalation 99"]);
    s.refused(NOW, &["advance", "99", "--reason", "x"], &["escalation 99"]);
    s.refused(
        NOW,
        &[
            "discuss", "99", "--with", "A", "--mode", "phone", "--notes", "n",
        ],
        &["escalation 99"],
    );
    s.refused(NOW, &["withdraw", "99", "--why", "x"], &["escalation 99"]);
    s.refused(NOW, &["show", "abc"], &["\"abc\" is not an escalation id"]);
    s.refused(NOW, &["show", "0"], &["not an escalation id"]);
    s.refused(NOW, &["action", "done", "1", "7"], &["no action 7"]);
    // The byte comparison is meaningful: a change that is accepted does alter the file once
    // the command has exited.
    let before = s.bytes();
    s.ok(
        NOW,
        &[
            "discuss", "1", "--with", "A", "--mode", "phone", "--notes", "n",
        ],
    );
    assert!(
        s.bytes() != before,
        "an accepted change left the file as it was"
    );
}

#[test]
fn advancing_a_resolved_escalation_or_past_the_last_stage_is_refused() {
    let s = with_one_escalation();
    for at in ["2026-11-23 09:10", "2026-11-23 09:20", "2026-11-23 09:30"] {
        s.ok(
            NOW,
            &["advance", "1", "--reason", "Not resolved", "--at", at],
        );
    }
    assert_eq!(s.show(NOW, 1)["stage"], 4);
    s.refused(
        NOW,
        &["advance", "1", "--reason", "further"],
        &["last stage", "resolve or withdraw"],
    );
    s.ok(NOW, &["resolve", "1", "--how", "Agreed"]);
    s.refused(
        NOW,
        &["advance", "1", "--reason", "again"],
        // It points to the correction that reopens it (issue 12), not to amending a field.
        &[
            "escalation 1 is resolved",
            "escalate correct 1 reopen --why",
        ],
    );
    s.refused(NOW, &["resolve", "1", "--how", "again"], &["resolved"]);
    s.refused(
        NOW,
        &[
            "discuss", "1", "--with", "A", "--mode", "phone", "--notes", "n",
        ],
        &["resolved"],
    );
    s.refused(
        NOW,
        &[
            "action",
            "add",
            "1",
            "--what",
            "w",
            "--owner",
            "o",
            "--due",
            "2026-11-30",
        ],
        &["resolved"],
    );
    assert_eq!(s.show(NOW, 1)["history"].as_array().unwrap().len(), 5);
    // A closed escalation can still be corrected.
    s.ok(
        NOW,
        &[
            "amend",
            "1",
            "agency",
            "Test Primary School",
            "--why",
            "Full name",
        ],
    );
    let shown = s.show(NOW, 1);
    assert_eq!(shown["agency"], "Test Primary School");
    assert_eq!(shown["status"], "resolved");
    assert_eq!(shown["history"].as_array().unwrap().len(), 6);
}

#[test]
fn a_date_of_birth_in_the_future_is_refused() {
    let s = with_one_escalation();
    // Today (in UK time) is allowed; tomorrow is not.
    s.refused(
        NOW,
        &new_with(&[("--dob", "2026-11-24")]),
        &["--dob", "in the future", "YYYY-MM-DD"],
    );
    // Day first with slashes is read since issue 14; dots are not a date.
    s.refused(NOW, &new_with(&[("--dob", "24.11.2016")]), &["--dob"]);
    s.refused(
        NOW,
        &["amend", "1", "dob", "2027-01-01", "--why", "typo"],
        &["dob", "in the future"],
    );
    s.ok(NOW, &new_with(&[("--dob", "2026-11-23")]));
}

#[test]
fn a_raise_before_the_concern_is_refused() {
    let s = with_one_escalation();
    s.refused(
        NOW,
        &new_with(&[
            ("--concern-at", "2026-11-23 09:30"),
            ("--raised-at", "2026-11-23 09:00"),
        ]),
        &["--raised-at", "before the concern"],
    );
    s.refused(
        NOW,
        &[
            "amend",
            "1",
            "concern-at",
            "2026-11-23 09:30",
            "--why",
            "typo",
        ],
        &["concern"],
    );
}

#[test]
fn times_later_than_now_are_refused() {
    let s = with_one_escalation();
    s.refused(
        NOW,
        &new_with(&[("--raised-at", "2026-11-23 10:01")]),
        &["--raised-at", "later than now"],
    );
    s.refused(
        NOW,
        &new_with(&[("--concern-at", "2026-11-23 11:00")]),
        &["--concern-at", "later than now"],
    );
    s.refused(
        NOW,
        &["advance", "1", "--reason", "x", "--at", "2026-11-23 10:30"],
        &["--at", "later than now"],
    );
    s.refused(
        NOW,
        &[
            "discuss",
            "1",
            "--with",
            "A",
            "--mode",
            "phone",
            "--notes",
            "n",
            "--at",
            "2026-11-24 09:00",
        ],
        &["--at", "later than now"],
    );
    s.refused(
        NOW,
        &["resolve", "1", "--how", "x", "--at", "2026-11-23T10:00:01Z"],
        &["--at", "later than now"],
    );
    s.refused(
        NOW,
        &["withdraw", "1", "--why", "x", "--at", "2026-11-23 12:00"],
        &["--at", "later than now"],
    );
    s.refused(
        NOW,
        &[
            "met",
            "1",
            "s1.resolve",
            "--note",
            "n",
            "--at",
            "2026-11-23 10:05",
        ],
        &["--at", "later than now"],
    );
    s.refused(
        NOW,
        &["delay", "1", "--reason", "r", "--at", "2026-11-23 10:05"],
        &["--at", "later than now"],
    );
    // Before the escalation entered its stage is refused too.
    s.refused(
        NOW,
        &["advance", "1", "--reason", "x", "--at", "2026-11-23 08:59"],
        &["--at", "before"],
    );
    s.refused(
        NOW,
        &new_with(&[("--raised-at", "tomorrow")]),
        // Read as the dashboard reads it (tomorrow at this time), and refused as later.
        &["--raised-at", "later than now"],
    );
    s.refused(
        NOW,
        &new_with(&[("--raised-at", "someday")]),
        &["--raised-at", "YYYY-MM-DD HH:MM"],
    );
}

#[test]
fn empty_required_fields_are_refused() {
    let s = with_one_escalation();
    for (option, value) in [
        ("--child", ""),
        ("--child", "   "),
        ("--raised-by", ""),
        ("--agency", " "),
        ("--raised-with", ""),
        ("--summary", "\n\t "),
    ] {
        let err = s.refused(NOW, &new_with(&[(option, value)]), &[option]);
        assert!(err.contains("required"), "{option}: {err}");
    }
    s.refused(
        NOW,
        &[
            "discuss", "1", "--with", "A", "--mode", "phone", "--notes", " ",
        ],
        &["--notes", "required"],
    );
    s.refused(
        NOW,
        &["advance", "1", "--reason", ""],
        &["--reason", "required"],
    );
    s.refused(NOW, &["resolve", "1", "--how", ""], &["--how", "required"]);
    s.refused(NOW, &["withdraw", "1", "--why", ""], &["--why", "required"]);
    s.refused(
        NOW,
        &["amend", "1", "child", "", "--why", "typo"],
        &["child", "required"],
    );
}

#[test]
fn a_missing_required_option_is_named() {
    let s = with_one_escalation();
    // Left out altogether, a required option is a usage error: still one line, and it must say
    // which option is missing, or the user cannot tell what to fix.
    s.refused(
        NOW,
        &["new", "--procedure", "london", "--child", "X"],
        // (--raised-by and --agency may come from config.toml; --raised-with never does.)
        &["--raised-with", "--help"],
    );
    s.refused(NOW, &["advance", "1"], &["--reason"]);
}

#[test]
fn unknown_words_are_refused_with_the_choices() {
    let s = with_one_escalation();
    s.refused(
        NOW,
        &new_with(&[("--category", "vibes")]),
        &["category", "\"vibes\" is not one of", "thresholds"],
    );
    s.refused(
        NOW,
        &new_with(&[
            ("--procedure", "pan-bedfordshire"),
            ("--partnership", "Milton Keynes"),
        ]),
        &[
            "--partnership",
            "Milton Keynes",
            "bedford-borough, central-bedfordshire, luton",
        ],
    );
    // Pan Bedfordshire has several partnerships, so one must be chosen.
    s.refused(
        NOW,
        &new_with(&[("--procedure", "pan-bedfordshire")]),
        &["--partnership", "several", "luton"],
    );
    s.refused(NOW, &new_with(&[("--procedure", "narnia")]), &["narnia"]);
    s.refused(
        NOW,
        &[
            "discuss",
            "1",
            "--with",
            "A",
            "--mode",
            "telepathy",
            "--notes",
            "n",
        ],
        &["mode", "telepathy", "phone"],
    );
    s.refused(
        NOW,
        &["notify", "1", "appendix-2", "--method", "email"],
        &["appendix-2"],
    );
    s.refused(
        NOW,
        &["met", "1", "s9.nothing", "--note", "n"],
        &["s9.nothing", "s1.resolve"],
    );
    s.refused(
        NOW,
        &["amend", "1", "colour", "blue", "--why", "x"],
        &["colour", "cannot be amended"],
    );
    s.refused(
        NOW,
        &["resolve", "1", "--how", "x", "--parents-informed", "maybe"],
        &["parents-informed", "yes or no"],
    );
    s.refused(
        NOW,
        &["resolve", "1", "--how", "x", "--parents-informed", "no"],
        &["--why-not"],
    );
    s.refused(NOW, &["list", "--stage", "x"], &["--stage"]);
    s.refused(
        NOW,
        &["amend", "1", "category", "vibes", "--why", "x"],
        &["category", "vibes"],
    );
}

#[test]
fn control_characters_and_escape_sequences_are_refused() {
    let s = with_one_escalation();
    s.refused(
        NOW,
        &new_with(&[("--child", "Bob\u{1b}[31m Red")]),
        &["--child", "escape sequence"],
    );
    s.refused(
        NOW,
        &new_with(&[("--summary", "Ring\u{7} the bell")]),
        &["--summary", "U+0007"],
    );
    s.refused(
        NOW,
        &new_with(&[("--agency", "Tab\tSchool")]),
        &["--agency", "U+0009"],
    );
    s.refused(
        NOW,
        &new_with(&[("--child-ref", "CR\u{1}1")]),
        &["--child-ref", "U+0001"],
    );
    s.refused(
        NOW,
        &new_with(&[("--outcome-sought", "\u{1b}]0;title\u{7}")]),
        &["--outcome-sought"],
    );
    s.refused(
        NOW,
        &[
            "discuss",
            "1",
            "--with",
            "A",
            "--mode",
            "phone",
            "--notes",
            "a\u{1b}[2Jb",
        ],
        &["--notes", "escape sequence"],
    );
    s.refused(
        NOW,
        &[
            "discuss", "1", "--with", "A\u{8}B", "--mode", "phone", "--notes", "n",
        ],
        &["--with", "U+0008"],
    );
    s.refused(
        NOW,
        &["amend", "1", "raised-with", "X\u{9b}Y", "--why", "typo"],
        &["raised-with", "U+009B"],
    );
    // A newline is a line break in a one-line field.
    s.refused(
        NOW,
        &new_with(&[("--child", "Line\nBreak")]),
        &["--child", "line break", "one line"],
    );
}

#[test]
fn a_newline_is_allowed_in_the_summary_but_not_in_the_child_name() {
    let s = with_one_escalation();
    let id = s.new_escalation(
        NOW,
        &new_args(&[("--summary", "First line\nSecond line\n\tindented")]),
    );
    assert_eq!(
        s.show(NOW, id)["summary"],
        "First line\nSecond line\n\tindented"
    );
    // Windows line ends become \n.
    let id = s.new_escalation(NOW, &new_args(&[("--summary", "One\r\nTwo")]));
    assert_eq!(s.show(NOW, id)["summary"], "One\nTwo");
    s.refused(NOW, &new_with(&[("--child", "Two\nLines")]), &["--child"]);
    s.refused(
        NOW,
        &["amend", "1", "child", "Two\nLines", "--why", "typo"],
        &["child", "line break"],
    );
    // In the text view the summary keeps its lines.
    let text = s.ok(NOW, &["show", &id.to_string()]);
    assert!(text.contains("  One\n  Two\n"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// 3. Odd but valid text
// ---------------------------------------------------------------------------------------------

#[test]
fn unicode_is_stored_and_shown_exactly() {
    let s = Sandbox::new();
    let child = "李小龍";
    let raised_by = "Zoë Ångström";
    let agency = "e\u{301}cole Sainte-Marie"; // a combining acute accent, not "é"
    let raised_with = "محمد علي";
    let child_ref = "Ṩ-👧🏽-42";
    let summary = "Première ligne\n第二行\tavec tab\nمرحبا";
    let id = s.new_escalation(
        NOW,
        &new_args(&[
            ("--child", child),
            ("--raised-by", raised_by),
            ("--agency", agency),
            ("--raised-with", raised_with),
            ("--child-ref", child_ref),
            ("--summary", summary),
            ("--outcome-sought", "Ünïcödé outcome"),
        ]),
    );
    let notes = "Spoke with محمد\nAgreed: 会议 next week";
    s.ok(
        NOW,
        &[
            "discuss",
            "1",
            "--with",
            "Ms Nguyễn Thị",
            "--mode",
            "phone",
            "--notes",
            notes,
        ],
    );
    let shown = s.show(NOW, id);
    assert_eq!(shown["child"]["name"], child);
    assert_eq!(shown["child"]["reference"], child_ref);
    assert_eq!(shown["raised_by"], raised_by);
    assert_eq!(shown["agency"], agency);
    assert_ne!(shown["agency"], "\u{e9}cole Sainte-Marie", "not normalised");
    assert_eq!(shown["raised_with"], raised_with);
    assert_eq!(shown["summary"], summary);
    assert_eq!(shown["outcome_sought"], "Ünïcödé outcome");
    assert_eq!(shown["discussions"][0]["notes"], notes);
    assert_eq!(shown["discussions"][0]["with"], "Ms Nguyễn Thị");
    // The list and the text view show them too.
    let listed = s.json(NOW, &["list"]);
    assert_eq!(listed[0]["child"]["name"], child);
    let text = s.ok(NOW, &["show", "1"]);
    assert!(text.contains(child), "{text}");
    assert!(text.contains(raised_with), "{text}");
    assert!(text.contains(agency), "{text}");
    let list_text = s.ok(NOW, &["list"]);
    assert!(list_text.contains(child), "{list_text}");
    // An amendment keeps them exactly as well.
    s.ok(
        NOW,
        &[
            "amend",
            "1",
            "child",
            "Nguyễn Văn A\u{300}",
            "--why",
            "Spelling",
        ],
    );
    let shown = s.show(NOW, id);
    assert_eq!(shown["child"]["name"], "Nguyễn Văn A\u{300}");
    assert_eq!(shown["amendments"][0]["old_value"], child);
}

// ---------------------------------------------------------------------------------------------
// 4. Amendments keep the original
// ---------------------------------------------------------------------------------------------

#[test]
fn amend_keeps_the_original_and_the_record_row() {
    let s = with_one_escalation();
    s.ok(
        NOW,
        &["amend", "1", "child", "Hannah Test", "--why", "Misspelt"],
    );
    s.ok(
        NOW,
        &[
            "amend",
            "1",
            "summary",
            "Referral refused twice.",
            "--why",
            "Detail",
        ],
    );
    s.ok(
        NOW,
        &["amend", "1", "dob", "", "--why", "Not known after all"],
    );
    let shown = s.show(NOW, 1);
    assert_eq!(shown["child"]["name"], "Hannah Test");
    assert_eq!(shown["summary"], "Referral refused twice.");
    assert!(shown["child"]["dob"].is_null());
    let amendments = shown["amendments"].as_array().unwrap();
    assert_eq!(amendments.len(), 3);
    assert_eq!(amendments[0]["field"], "child");
    assert_eq!(amendments[0]["old_value"], "Hana Test");
    assert_eq!(amendments[0]["new_value"], "Hannah Test");
    assert_eq!(amendments[0]["why"], "Misspelt");
    assert_eq!(amendments[0]["by"], "test-dsl");
    assert_eq!(amendments[0]["at"], "2026-11-23T10:00:00+00:00");
    assert_eq!(amendments[1]["old_value"], "Referral refused.");
    assert_eq!(amendments[2]["old_value"], "2018-02-03");
    assert!(amendments[2]["new_value"].is_null());
    let history = shown["history"].as_array().unwrap();
    assert_eq!(history.len(), 4);
    assert!(history.iter().skip(1).all(|h| h["action"] == "amended"));
    // The original row is untouched.
    let name = support::db::text(&s.db, "SELECT child_name FROM escalations WHERE id = 1");
    let summary = support::db::text(&s.db, "SELECT summary FROM escalations WHERE id = 1");
    assert_eq!(name, "Hana Test");
    assert_eq!(summary, "Referral refused.");
    // Amending to the same value is refused; so is an amendment with no reason.
    s.refused(
        NOW,
        &["amend", "1", "child", "Hannah Test", "--why", "again"],
        &["already has that value"],
    );
    s.refused(
        NOW,
        &["amend", "1", "child", "Hanna", "--why", " "],
        &["--why"],
    );
    s.ok(NOW, &["verify"]);
}

// ---------------------------------------------------------------------------------------------
// 5. list filters
// ---------------------------------------------------------------------------------------------

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect()
}

#[test]
fn list_filters_all_stage_and_overdue() {
    let s = Sandbox::new();
    let now = "2026-11-23 12:00";
    // 1: London at stage 1, resolve due Mon 30 Nov 17:00.
    let a = s.new_escalation(now, &new_args(&[]));
    // 2: Barnet, at stage 2 from 11:00: due the same working day, Mon 23 Nov 17:00.
    let b = s.new_escalation(
        now,
        &new_args(&[("--procedure", "barnet"), ("--child", "Iris Test")]),
    );
    s.ok(
        now,
        &[
            "advance",
            &b.to_string(),
            "--reason",
            "Not resolved",
            "--at",
            "2026-11-23 11:00",
        ],
    );
    // 3: Staffordshire, resolved.
    let c = s.new_escalation(
        now,
        &new_args(&[("--procedure", "staffordshire"), ("--child", "Jack Test")]),
    );
    s.ok(now, &["resolve", &c.to_string(), "--how", "Agreed"]);

    let open = s.json(now, &["list"]);
    // Most urgent first: Barnet's 17:00 today before London's Monday.
    assert_eq!(ids(&open), [b, a]);
    let mut all = ids(&s.json(now, &["list", "--all"]));
    assert_eq!(all.len(), 3);
    all.sort_unstable();
    assert_eq!(all, [a, b, c]);
    assert_eq!(ids(&s.json(now, &["list", "--stage", "2"])), [b]);
    assert_eq!(ids(&s.json(now, &["list", "--stage", "1"])), [a]);
    assert_eq!(
        ids(&s.json(now, &["list", "--stage", "1", "--all"])).len(),
        2
    );
    assert!(ids(&s.json(now, &["list", "--stage", "3"])).is_empty());

    // At noon nothing is overdue; the next morning Barnet's stage 2 is.
    assert!(ids(&s.json(now, &["list", "--overdue"])).is_empty());
    let text = s.ok(now, &["list", "--overdue"]);
    assert!(text.contains("Nothing is overdue"), "{text}");
    let later = "2026-11-24 09:00";
    let overdue = s.json(later, &["list", "--overdue"]);
    assert_eq!(ids(&overdue), [b]);
    assert_eq!(overdue[0]["is_overdue"], true);
    assert_eq!(
        clock(&overdue[0], "s2.escalate-or-resolve")["state"],
        "overdue"
    );
    let listed = s.json(later, &["list"]);
    let london = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == a)
        .unwrap();
    assert_eq!(london["is_overdue"], false);
    // An agreed action past its due date makes London overdue too (recorded late, on purpose:
    // a new action due in the past is otherwise questioned).
    s.ok(
        later,
        &[
            "action",
            "add",
            &a.to_string(),
            "--what",
            "Call back",
            "--owner",
            "DSL",
            "--due",
            "2026-11-23",
            "--past-due",
        ],
    );
    let mut overdue = ids(&s.json(later, &["list", "--overdue"]));
    overdue.sort_unstable();
    assert_eq!(overdue, [a, b]);

    // The list's objects carry the same fields as show, without discussions and history.
    for entry in s.json(later, &["list", "--all"]).as_array().unwrap() {
        let object = entry.as_object().unwrap();
        assert!(!object.contains_key("discussions"), "{entry:#}");
        assert!(!object.contains_key("history"), "{entry:#}");
        for key in [
            "id",
            "procedure",
            "stage",
            "status",
            "child",
            "raised_at",
            "clocks",
            "notifications",
            "actions",
        ] {
            assert!(object.contains_key(key), "{key} missing: {entry:#}");
        }
    }
    let shown = s.show(later, a);
    assert!(shown.get("discussions").is_some() && shown.get("history").is_some());
    // The text list has a header and one line per escalation.
    let text = s.ok(later, &["list", "--all"]);
    assert_eq!(text.lines().count(), 4, "{text}");
}

// ---------------------------------------------------------------------------------------------
// 6. The insert-only record and verify
// ---------------------------------------------------------------------------------------------

/// A database with an escalation, a discussion and an advance: audit entries 1, 2 and 3.
fn with_three_entries() -> Sandbox {
    let s = with_one_escalation();
    s.ok(
        NOW,
        &[
            "discuss",
            "1",
            "--with",
            "A",
            "--mode",
            "phone",
            "--notes",
            "Original notes",
        ],
    );
    s.ok(NOW, &["advance", "1", "--reason", "Not resolved"]);
    let out = s.ok(NOW, &["verify"]);
    assert!(out.starts_with("OK"), "{out}");
    assert!(out.contains("all 3 audit entries"), "{out}");
    s
}

/// Runs `verify`, which must fail with one line; returns it.
fn verify_fails(s: &Sandbox) -> String {
    let out = s.run(NOW, &["verify"]);
    assert_eq!(out.status.code(), Some(2), "verify should fail");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("audit entry"), "{stderr}");
    stderr
}

#[test]
fn verify_passes_on_an_untouched_database() {
    let s = with_three_entries();
    let value = s.json(NOW, &["verify"]);
    assert_eq!(value["ok"], true);
    assert_eq!(value["entries"], 3);
}

#[test]
fn the_record_tables_refuse_update_and_delete() {
    let s = with_three_entries();
    for sql in [
        "UPDATE discussions SET notes = 'changed' WHERE id = 1",
        "DELETE FROM discussions WHERE id = 1",
        "UPDATE escalations SET child_name = 'Someone else' WHERE id = 1",
        "DELETE FROM audit WHERE id = 3",
        "UPDATE audit SET summary = 'nothing happened' WHERE id = 2",
        "UPDATE stage_changes SET reason = 'x' WHERE id = 1",
    ] {
        // Even as PostgreSQL's superuser, whom row-level security and grants let through.
        let err = support::db::try_execute(&s.db, sql).unwrap_err();
        assert!(err.contains("never changed or deleted"), "{sql}: {err}");
    }
    s.ok(NOW, &["verify"]);
    assert_eq!(s.show(NOW, 1)["discussions"][0]["notes"], "Original notes");
}

#[test]
fn verify_names_the_entry_of_a_row_edited_behind_the_apps_back() {
    let s = with_three_entries();
    support::db::behind_the_apps_back(
        &s.db,
        &format!(
            "{} UPDATE discussions SET notes = 'changed' WHERE id = 1;",
            support::db::unguard(&s.db, "discussions")
        ),
    );
    let err = verify_fails(&s);
    // The discussion was written by entry 2.
    assert!(err.contains("audit entry 2"), "{err}");
    assert!(err.contains("discussions row 1"), "{err}");
    assert!(err.contains("changed"), "{err}");
    let out = s.run(NOW, &["verify", "--json"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn verify_names_the_entry_after_a_deleted_audit_row() {
    let s = with_three_entries();
    support::db::behind_the_apps_back(
        &s.db,
        &format!(
            "{} DELETE FROM audit WHERE id = 2;",
            support::db::unguard(&s.db, "audit")
        ),
    );
    let err = verify_fails(&s);
    assert!(err.contains("audit entry 3"), "{err}");
    assert!(err.contains("entry 2 is missing"), "{err}");
}

#[test]
fn verify_names_the_entry_of_a_deleted_record_row() {
    let s = with_three_entries();
    support::db::behind_the_apps_back(
        &s.db,
        &format!(
            "{} DELETE FROM stage_changes WHERE id = 1;",
            support::db::unguard(&s.db, "stage_changes")
        ),
    );
    let err = verify_fails(&s);
    assert!(err.contains("audit entry 3"), "{err}");
    assert!(err.contains("deleted"), "{err}");
}

#[test]
fn verify_notices_an_edited_audit_entry() {
    let s = with_three_entries();
    support::db::behind_the_apps_back(
        &s.db,
        &format!(
            "{} UPDATE audit SET summary = 'nothing to see' WHERE id = 2;",
            support::db::unguard(&s.db, "audit")
        ),
    );
    let err = verify_fails(&s);
    assert!(err.contains("audit entry 2"), "{err}");
}

#[test]
fn backup_writes_a_private_verifiable_copy_and_never_overwrites() {
    let s = with_three_entries();
    let copy = s.dir.path().join("copy.db");
    let copy_arg = copy.to_str().unwrap();
    s.ok(NOW, &["backup", copy_arg]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&copy).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
    let out = s.raw(&["--db", copy_arg, "--now", NOW, "verify"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = s.raw(&["--db", copy_arg, "--now", NOW, "show", "1", "--json"]);
    let shown: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["stage"], 2);
    let before = std::fs::read(&copy).unwrap();
    s.refused(NOW, &["backup", copy_arg], &["already exists"]);
    assert_eq!(std::fs::read(&copy).unwrap(), before);
}

// ---------------------------------------------------------------------------------------------
// 7. demo
// ---------------------------------------------------------------------------------------------

#[test]
fn demo_fills_an_empty_database_once() {
    let s = Sandbox::new();
    s.ok(NOW, &["demo"]);
    let all = s.json(NOW, &["list", "--all"]);
    let entries = all.as_array().unwrap();
    assert!(entries.len() >= 4, "{all:#}");
    let mut procedures: Vec<&str> = entries
        .iter()
        .map(|e| e["procedure"].as_str().unwrap())
        .collect();
    procedures.sort_unstable();
    procedures.dedup();
    assert_eq!(
        procedures,
        ["barnet", "london", "pan-bedfordshire", "staffordshire"]
    );
    let statuses: Vec<&str> = entries
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    for status in ["open", "resolved", "withdrawn"] {
        assert!(statuses.contains(&status), "{status} missing: {statuses:?}");
    }
    let open = s.json(NOW, &["list"]);
    assert!(
        open.as_array()
            .unwrap()
            .iter()
            .all(|e| e["status"] == "open")
    );
    let first = entries[0]["id"].as_i64().unwrap();
    let shown = s.show(NOW, first);
    assert_eq!(shown["id"], first);
    assert!(!shown["history"].as_array().unwrap().is_empty());
    let text = s.ok(NOW, &["list"]);
    assert!(text.lines().count() > 1, "{text}");
    s.ok(NOW, &["verify"]);
    // A second demo is refused, leaving the database as it was: one line says why, after the
    // line every opening of a plain database gets (the demo's file is not encrypted; a
    // PostgreSQL database is guarded by its server, and gets no such line).
    let notices_expected = usize::from(!support::pg::on_postgres());
    for args in [&["demo"][..], &["demo", "--seed", "2"]] {
        let before = s.bytes();
        let out = s.run(NOW, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8(out.stderr).unwrap();
        let (notices, errors): (Vec<&str>, Vec<&str>) =
            stderr.lines().partition(|l| l.contains("is not encrypted"));
        assert_eq!(
            (notices.len(), errors.len()),
            (notices_expected, 1),
            "{stderr}"
        );
        assert!(s.bytes() == before, "{args:?} changed the database");
    }
}

#[test]
fn demo_refuses_a_database_with_real_escalations() {
    let s = with_one_escalation();
    s.refused(NOW, &["demo"], &[]);
    assert_eq!(ids(&s.json(NOW, &["list", "--all"])), [1]);
}

// ---------------------------------------------------------------------------------------------
// 8. Global options before or after the subcommand
// ---------------------------------------------------------------------------------------------

#[test]
fn global_options_go_before_or_after_the_subcommand() {
    let s = with_one_escalation();
    let db = s.db_arg();
    let before = s.raw(&["--json", "--db", db, "--now", NOW, "show", "1"]);
    let after = s.raw(&["show", "1", "--json", "--db", db, "--now", NOW]);
    let mixed = s.raw(&["--db", db, "show", "--now", NOW, "1", "--json"]);
    for out in [&before, &after, &mixed] {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(before.stdout, after.stdout);
    assert_eq!(before.stdout, mixed.stdout);
    let shown: Value = serde_json::from_slice(&after.stdout).unwrap();
    assert_eq!(shown["id"], 1);

    // Writes too, and after a nested subcommand: the change is in the sandbox database.
    let out = s.raw(&[
        "action",
        "add",
        "1",
        "--what",
        "Ring back",
        "--owner",
        "DSL",
        "--due",
        "2026-11-24",
        "--db",
        db,
        "--now",
        NOW,
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let added: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(added["id"], 1);
    let out = s.raw(&[
        "new",
        "--procedure",
        "barnet",
        "--child",
        "Kim Test",
        "--raised-by",
        "Sam",
        "--agency",
        "School",
        "--raised-with",
        "MASH",
        "--category",
        "other",
        "--summary",
        "s",
        "--json",
        "--now",
        NOW,
        "--db",
        db,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(created["id"], 2);
    // --now after the subcommand is the time used: raised at it.
    assert_eq!(s.show(NOW, 2)["raised_at"], "2026-11-23T10:00:00+00:00");
    assert_eq!(s.show(NOW, 1)["actions"][0]["what"], "Ring back");
    // Nothing was written to the default database in the sandbox's data folder.
    assert!(!s.dir.path().join("data/escalate/escalate.db").exists());
    // Text output without --json: new prints the bare id.
    let out = s.ok(NOW, &new_with(&[("--child", "Lee Test")]));
    assert_eq!(out, "3\n");
}

// ---------------------------------------------------------------------------------------------
// 9. More edges: summer time, the local date, repeated entries, rows added behind the app's back
// ---------------------------------------------------------------------------------------------

#[test]
fn summer_deadlines_carry_the_bst_offset() {
    let s = Sandbox::new();
    // Raised Fri 5 Jun 2026 10:00 BST (09:00 UTC).
    let now = "2026-06-05 10:00";
    let id = s.new_escalation(
        now,
        &new_args(&[
            ("--dob", "2019-01-01"),
            ("--concern-at", "2026-06-05 09:00"),
            ("--raised-at", now),
        ]),
    );
    let shown = s.show(now, id);
    assert_eq!(shown["raised_at"], "2026-06-05T10:00:00+01:00");
    // 5 working days after Fri 5 Jun: Mon 8 .. Fri 12 Jun, 17:00 BST.
    assert_clock(&shown, "s1.resolve", "2026-06-12T17:00:00+01:00", "running");
    // RFC 3339 input is read as the instant it names.
    let now = "2026-06-05 11:00";
    s.ok(
        now,
        &[
            "advance",
            &id.to_string(),
            "--reason",
            "x",
            "--at",
            "2026-06-05T09:30:00Z",
        ],
    );
    let shown = s.show(now, id);
    assert_eq!(
        shown["stages"][1]["entered_at"],
        "2026-06-05T10:30:00+01:00"
    );
    assert_notification(&shown, "inform-referrer", "2026-06-08T17:00:00+01:00", None);

    // Staffordshire's 48 real hours across the autumn clock change: Sat 24 Oct 2026 12:00 BST
    // + 48h = Mon 26 Oct 11:00 GMT.
    let now = "2026-10-24 12:00";
    let id = s.new_escalation(
        now,
        &new_args(&[
            ("--procedure", "staffordshire"),
            ("--concern-at", now),
            ("--raised-at", now),
        ]),
    );
    assert_clock(
        &s.show(now, id),
        "s1.raise",
        "2026-10-26T11:00:00+00:00",
        "met_on_time",
    );
}

#[test]
fn a_local_time_that_does_not_exist_is_refused() {
    let s = with_one_escalation();
    // 01:30 on Sun 29 Mar 2026 never happened in the UK.
    s.refused(
        "2026-03-30 10:00",
        &new_with(&[
            ("--concern-at", "2026-03-29 01:30"),
            ("--raised-at", "2026-03-29 09:00"),
        ]),
        &["--concern-at", "clocks went forward"],
    );
}

#[test]
fn the_date_of_birth_is_checked_against_the_uk_date() {
    let s = with_one_escalation();
    // 23:30 UTC on 5 Jun is 00:30 on 6 Jun in the UK: born "today" is fine, tomorrow is not.
    let now = "2026-06-05T23:30:00Z";
    let args = new_args(&[
        ("--dob", "2026-06-06"),
        ("--concern-at", "2026-06-05 08:00"),
        ("--raised-at", "2026-06-05 09:00"),
    ]);
    let id = s.new_escalation(now, &args);
    assert_eq!(s.show(now, id)["child"]["dob"], "2026-06-06");
    s.refused(
        now,
        &new_with(&[
            ("--dob", "2026-06-07"),
            ("--concern-at", "2026-06-05 08:00"),
            ("--raised-at", "2026-06-05 09:00"),
        ]),
        &["--dob", "in the future"],
    );
}

#[test]
fn entries_cannot_be_repeated_or_backdated_before_what_caused_them() {
    let s = with_one_escalation();
    s.ok(
        NOW,
        &[
            "advance",
            "1",
            "--reason",
            "Not resolved",
            "--at",
            "2026-11-23 09:30",
        ],
    );
    // The referrer notice was triggered at 09:30: it cannot have been sent before.
    s.refused(
        NOW,
        &[
            "notify",
            "1",
            "inform-referrer",
            "--method",
            "phone",
            "--at",
            "2026-11-23 09:15",
        ],
        &["--at", "before"],
    );
    s.refused(
        NOW,
        &["notify", "1", "inform-referrer", "--method", "pigeon"],
        &["method", "pigeon", "secure-email"],
    );
    s.ok(
        NOW,
        &["notify", "1", "inform-referrer", "--method", "phone"],
    );
    s.refused(
        NOW,
        &["notify", "1", "inform-referrer", "--method", "phone"],
        &["already recorded as sent"],
    );
    let added = s.json(
        NOW,
        &[
            "action",
            "add",
            "1",
            "--what",
            "Call",
            "--owner",
            "DSL",
            "--due",
            "2026-11-25",
        ],
    );
    let action = added["row"].as_i64().unwrap().to_string();
    s.refused(
        NOW,
        &[
            "action",
            "add",
            "1",
            "--what",
            "Call",
            "--owner",
            "DSL",
            "--due",
            "25.11.2026", // day first with slashes is a date since issue 14
        ],
        &["--due"],
    );
    s.refused(
        NOW,
        &["action", "done", "1", &action, "--at", "2026-11-23 08:00"],
        &["--at", "before"],
    );
    s.ok(NOW, &["action", "done", "1", &action]);
    s.refused(
        NOW,
        &["action", "done", "1", &action],
        &["already marked done"],
    );
    s.refused(
        NOW,
        &[
            "discuss",
            "1",
            "--with",
            "A",
            "--mode",
            "phone",
            "--notes",
            "n",
            "--at",
            "2026-11-22 09:00",
        ],
        &["--at", "before the concern"],
    );
    // Unknown escalations for the other writing commands.
    for args in [
        &["notify", "42", "inform-referrer", "--method", "phone"][..],
        &["met", "42", "s1.resolve", "--note", "n"],
        &["delay", "42", "--reason", "r"],
        &["resolve", "42", "--how", "h"],
        &["amend", "42", "child", "X", "--why", "w"],
        &[
            "action",
            "add",
            "42",
            "--what",
            "w",
            "--owner",
            "o",
            "--due",
            "2026-11-30",
        ],
    ] {
        s.refused(NOW, args, &["escalation 42 does not exist"]);
    }
    assert_eq!(s.show(NOW, 1)["history"].as_array().unwrap().len(), 5);
}

#[test]
fn amendments_re_derive_the_deadlines() {
    let s = Sandbox::new();
    let id = s.new_escalation(
        NOW,
        &new_args(&[
            ("--procedure", "pan-bedfordshire"),
            ("--partnership", "luton"),
        ]),
    );
    let sid = id.to_string();
    s.ok(
        NOW,
        &["advance", &sid, "--reason", "x", "--at", "2026-11-23 09:30"],
    );
    // Moving the raise earlier than the concern is refused.
    s.refused(
        NOW,
        &["amend", &sid, "raised-at", "2026-11-20 09:00", "--why", "w"],
        &["concern"],
    );
    s.ok(
        NOW,
        &[
            "amend",
            &sid,
            "concern-at",
            "2026-11-20 08:00",
            "--why",
            "Earlier",
        ],
    );
    s.ok(
        NOW,
        &[
            "amend",
            &sid,
            "raised-at",
            "2026-11-20 09:00",
            "--why",
            "Earlier",
        ],
    );
    let shown = s.show(NOW, id);
    assert_eq!(shown["raised_at"], "2026-11-20T09:00:00+00:00");
    // Day 9 now counts from Fri 20 Nov: Sat 28 Nov 17:00.
    assert_clock(&shown, "s2.resolve", "2026-11-28T17:00:00+00:00", "running");
    // The partnership, by name, changes the recipient.
    s.ok(
        NOW,
        &[
            "amend",
            &sid,
            "partnership",
            "Bedford Borough Safeguarding Children Partnership",
            "--why",
            "Wrong area",
        ],
    );
    let shown = s.show(NOW, id);
    assert_eq!(shown["partnership"]["id"], "bedford-borough");
    assert_eq!(
        notification(&shown, "appendix-2")["recipient"],
        "Bedford Borough Safeguarding Children Partnership"
    );
    let last = shown["amendments"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["old_value"], "luton");
    assert_eq!(last["new_value"], "bedford-borough");
    // Flagging an immediate risk adds its clock, counted from the concern arising: Fri 20 Nov
    // 08:00, before working hours begin (09:00), so out of hours: due at once, and unmet.
    s.ok(
        NOW,
        &[
            "amend",
            &sid,
            "immediate-risk",
            "yes",
            "--why",
            "Disclosure",
        ],
    );
    let shown = s.show(NOW, id);
    assert_clock(
        &shown,
        "immediate-risk",
        "2026-11-20T08:00:00+00:00",
        "overdue",
    );
    assert_eq!(clock(&shown, "immediate-risk")["act_now"], true);
    // A raise after the stage change already recorded is refused.
    s.refused(
        NOW,
        &["amend", &sid, "raised-at", "2026-11-23 09:45", "--why", "w"],
        &["raised-at"],
    );
    assert_eq!(shown["history"].as_array().unwrap().len(), 6);
    s.ok(NOW, &["verify"]);
}

#[test]
fn a_row_added_behind_the_apps_back_is_caught_and_printed_safely() {
    let s = with_one_escalation();
    support::db::behind_the_apps_back(
        &s.db,
        "INSERT INTO escalations (procedure, child_name, raised_by, agency, raised_with, category, summary,
            raised_at, immediate_risk, recorded_by, recorded_at)
         VALUES ('london', 'Evil\u{1b}[2J\u{1b}]0;pwned\u{7}', 'x', 'x', 'x', 'other', 'x',
            '2026-11-23T09:00:00.000Z', false, 'x', '2026-11-23T09:00:00.000Z');
         INSERT INTO escalation_state (escalation_id, is_open, stage) VALUES (2, true, 1);",
    );
    let out = s.run(NOW, &["verify"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("escalations row 2 has no audit entry"),
        "{err}"
    );
    // Shown as text, the escape sequences are escaped, never sent to the terminal.
    for args in [&["show", "2"][..], &["list"]] {
        let text = s.ok(NOW, args);
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{args:?}: {text:?}"
        );
        assert!(text.contains("Evil"), "{text}");
    }
    // JSON carries the stored text exactly (escaped by JSON itself).
    assert_eq!(
        s.show(NOW, 2)["child"]["name"],
        "Evil\u{1b}[2J\u{1b}]0;pwned\u{7}"
    );
}

#[test]
fn history_as_json_and_text_lists_every_change_of_one_escalation() {
    let s = with_one_escalation();
    let other = s.new_escalation(NOW, &new_args(&[("--child", "Other Test")]));
    s.ok(NOW, &["advance", "1", "--reason", "Not resolved"]);
    s.ok(
        NOW,
        &["delay", "1", "--reason", "Waiting for\nthe conference"],
    );
    let history = s.json(NOW, &["history", "1"]);
    let entries = history.as_array().unwrap();
    let actions: Vec<&str> = entries
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["raised", "advanced", "note"]);
    assert!(
        entries
            .iter()
            .all(|e| e["by"] == "test-dsl" && e["at"] == "2026-11-23T10:00:00+00:00")
    );
    // Entry ids are global: escalation 2's raise is entry 2.
    let ids: Vec<i64> = entries.iter().map(|e| e["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [1, 3, 4]);
    let text = s.ok(NOW, &["history", "1"]);
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(text.contains("advanced to stage 2: Not resolved"), "{text}");
    let text = s.ok(NOW, &["history", &other.to_string()]);
    assert_eq!(text.lines().count(), 1, "{text}");
}

#[test]
fn a_refused_command_creates_no_database() {
    let s = Sandbox::new();
    // A mistake in a new escalation is caught before the database is opened.
    s.refused_without_db(NOW, &new_with(&[("--dob", "2030-01-01")]));
    s.refused_without_db(NOW, &new_with(&[("--category", "vibes")]));
    // Asking for an escalation that does not exist, with no database at all, is refused
    // without leaving an empty database behind (a mistyped --db must not create files).
    s.refused_without_db(NOW, &["show", "1"]);
    s.refused_without_db(NOW, &["advance", "1", "--reason", "r"]);
}

impl Sandbox {
    /// A command refused with one line and exit 2 on a sandbox with no database, which must
    /// still have none afterwards.
    fn refused_without_db(&self, now: &str, args: &[&str]) {
        assert!(!self.db.exists());
        let out = self.run(now, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
        assert!(
            !self.db.exists(),
            "{args:?} was refused but created the database file {}",
            self.db.display()
        );
    }
}

#[test]
fn staffordshire_resolution_without_a_recorded_agreement_owes_the_outcome_letter() {
    let s = Sandbox::new();
    let mut w = Walk::start(&s, NOW, &new_args(&[("--procedure", "staffordshire")]));
    // Agreement is reached on resolving, Mon 23 Nov 10:00: the letter is due 48 hours later.
    let shown = w.change(
        NOW,
        &["resolve"],
        &["--how", "Agreed on the phone"],
        "resolved",
    );
    assert_eq!(notification_ids(&shown), ["outcome-letter"]);
    assert_notification(&shown, "outcome-letter", "2026-11-25T10:00:00+00:00", None);
    assert_clock(
        &shown,
        "s1.resolve",
        "2026-11-30T17:00:00+00:00",
        "met_on_time",
    );
    // Still owed after resolution; overdue on Thu 26 Nov.
    let shown = w.show("2026-11-26 09:00");
    assert_eq!(notification(&shown, "outcome-letter")["state"], "overdue");
    let listed = s.json("2026-11-26 09:00", &["list", "--all"]);
    assert_eq!(listed[0]["status"], "resolved");
}

#[test]
fn the_immediate_risk_clock_and_marking_clocks_met() {
    let s = Sandbox::new();
    // London's policy sets no immediate-risk timescale, so the app's default protects the child:
    // due immediately, from the concern arising (Sat 21 Nov 2026 10:00), not from the raise an
    // hour later, and shown as ACT NOW until it is recorded as met.
    let now = "2026-11-21 11:00";
    let mut args = new_with(&[("--concern-at", "2026-11-21 10:00"), ("--raised-at", now)]);
    args.push("--immediate-risk");
    let out = s.ok(now, &args);
    let mut lines = out.lines();
    assert_eq!(lines.next(), Some("1"));
    assert!(out.contains("escalate met 1 immediate-risk"), "{out}");
    let shown = s.show(now, 1);
    assert_clock(
        &shown,
        "immediate-risk",
        "2026-11-21T10:00:00+00:00",
        "overdue",
    );
    assert_eq!(clock(&shown, "immediate-risk")["act_now"], true);
    assert_eq!(clock(&shown, "immediate-risk")["timescale"], "immediately");
    let text = s.ok(now, &["show", "1"]);
    assert!(text.contains("IMMEDIATE RISK"), "{text}");
    assert!(text.contains("ACT NOW"), "{text}");
    let list = s.ok(now, &["list", "--overdue"]);
    assert!(list.contains("ACT NOW"), "{list}");
    s.ok(
        now,
        &["met", "1", "immediate-risk", "--note", "Rang the police"],
    );
    // Met an hour after "immediately": the record says so.
    assert_eq!(
        clock(&s.show(now, 1), "immediate-risk")["state"],
        "met_late"
    );
    s.refused(
        now,
        &["met", "1", "immediate-risk", "--note", "again"],
        &["immediate-risk", "nothing to mark"],
    );
    s.refused(
        now,
        &["met", "1", "immediate-risk", "--note", ""],
        &["required"],
    );
}

#[test]
fn pan_bedfordshire_a_late_raise_misses_the_24_hours_and_day_numbers_count_from_the_concern() {
    let s = Sandbox::new();
    // The concern arose Fri 20 Nov 09:00 but was raised only on Mon 23 Nov 10:00.
    let id = s.new_escalation(
        NOW,
        &new_args(&[
            ("--procedure", "pan-bedfordshire"),
            ("--partnership", "Luton Safeguarding Children Partnership"),
            ("--concern-at", "2026-11-20 09:00"),
            ("--raised-at", "2026-11-23 10:00"),
        ]),
    );
    let shown = s.show(NOW, id);
    // 24 hours from the concern: Sat 21 Nov 09:00, met late by the raise.
    assert_clock(&shown, "s1.act", "2026-11-21T09:00:00+00:00", "met_late");
    // "Within one working day" of the concern: Mon 23 Nov 17:00, met by the raise at 10:00.
    assert_clock(
        &shown,
        "s1.raise",
        "2026-11-23T17:00:00+00:00",
        "met_on_time",
    );
    // "Stage 1 (day 1-2) - Take action within 24hrs of the concern arising": day 1 is the
    // concern's date, Fri 20 Nov, so day 2 is Sat 21 Nov 17:00, already past. The late raise
    // does not push it back to Tue 24 Nov.
    assert_clock(&shown, "s1.resolve", "2026-11-21T17:00:00+00:00", "overdue");
    assert_eq!(shown["partnership"]["id"], "luton");
}

#[test]
fn every_text_option_refuses_escape_sequences_and_long_lines_are_counted_in_characters() {
    let s = with_one_escalation();
    s.ok(
        NOW,
        &[
            "advance",
            "1",
            "--reason",
            "Not resolved",
            "--at",
            "2026-11-23 09:30",
        ],
    );
    let esc = "x\u{1b}[31my";
    s.refused(
        NOW,
        &[
            "notify",
            "1",
            "inform-referrer",
            "--method",
            "phone",
            "--reference",
            esc,
        ],
        &["--reference", "escape sequence"],
    );
    s.refused(
        NOW,
        &["advance", "1", "--reason", esc],
        &["--reason", "escape sequence"],
    );
    s.refused(
        NOW,
        &[
            "discuss",
            "1",
            "--with",
            "A",
            "--mode",
            "phone",
            "--notes",
            "n",
            "--decisions",
            esc,
        ],
        &["--decisions", "escape sequence"],
    );
    s.refused(
        NOW,
        &[
            "action",
            "add",
            "1",
            "--what",
            esc,
            "--owner",
            "o",
            "--due",
            "2026-11-30",
        ],
        &["--what", "escape sequence"],
    );
    s.refused(
        NOW,
        &[
            "action",
            "add",
            "1",
            "--what",
            "w",
            "--owner",
            esc,
            "--due",
            "2026-11-30",
        ],
        &["--owner", "escape sequence"],
    );
    s.refused(
        NOW,
        &["resolve", "1", "--how", "h", "--learning", esc],
        &["--learning", "escape sequence"],
    );
    s.refused(
        NOW,
        &[
            "resolve",
            "1",
            "--how",
            "h",
            "--parents-informed",
            "no",
            "--why-not",
            esc,
        ],
        &["--why-not", "escape sequence"],
    );
    s.refused(
        NOW,
        &["withdraw", "1", "--why", esc],
        &["--why", "escape sequence"],
    );
    s.refused(NOW, &["delay", "1", "--reason", esc], &["escape sequence"]);
    s.refused(
        NOW,
        &["met", "1", "s2.resolve", "--note", esc],
        &["escape sequence"],
    );
    s.refused(
        NOW,
        &["amend", "1", "summary", "ok", "--why", esc],
        &["--why", "escape sequence"],
    );
    // 200 characters is the most for a one-line field, however many bytes they take.
    let wide = "李".repeat(200);
    let id = s.new_escalation(NOW, &new_args(&[("--child", &wide)]));
    assert_eq!(s.show(NOW, id)["child"]["name"], wide.as_str());
    let too_long = "李".repeat(201);
    s.refused(
        NOW,
        &new_with(&[("--child", &too_long)]),
        &["--child", "201 characters"],
    );
}

/// Issue 11, item 8: "within a working week or a timescale that protects the child from harm
/// (whichever is less)" (Staffordshire paragraph 9): a DSL can tighten a clock on one escalation,
/// with a reason; it is audited and shown, and never loosened.
#[test]
fn a_clock_can_be_tightened_with_a_reason_but_never_loosened() {
    let s = Sandbox::new();
    let id = s.new_escalation(NOW, &new_args(&[("--procedure", "staffordshire")]));
    let id_text = id.to_string();
    // A working week from Mon 23 Nov: Mon 30 Nov 17:00.
    assert_clock(
        &s.show(NOW, id),
        "s1.resolve",
        "2026-11-30T17:00:00+00:00",
        "running",
    );
    // Two working days from the clock's start (Mon 23 Nov): Wed 25 Nov 17:00.
    let out = s.ok(
        NOW,
        &[
            "tighten",
            &id_text,
            "s1.resolve",
            "--within",
            "2 working days",
            "--reason",
            "The child goes home on Thursday",
        ],
    );
    assert!(
        out.contains("tightened to Wed 25 Nov 2026 17:00 GMT"),
        "{out}"
    );
    let shown = s.show(NOW, id);
    assert_clock(&shown, "s1.resolve", "2026-11-25T17:00:00+00:00", "running");
    assert_eq!(
        clock(&shown, "s1.resolve")["tightened_from"],
        "2026-11-30T17:00:00+00:00"
    );
    let text = s.ok(NOW, &["show", &id_text]);
    assert!(
        text.contains(
            "(tightened from Mon 30 Nov 2026 17:00 GMT by the DSL: The child goes home on Thursday)"
        ),
        "{text}"
    );
    let history = s.ok(NOW, &["history", &id_text]);
    assert!(
        history.contains("clock s1.resolve tightened to"),
        "{history}"
    );

    // Later than the tightened time: refused, nothing written.
    s.refused(
        NOW,
        &[
            "tighten",
            &id_text,
            "s1.resolve",
            "--due",
            "2026-11-27 12:00",
            "--reason",
            "x",
        ],
        &["never loosened"],
    );
    // Before the clock started; no reason; no such clock; neither --due nor --within.
    s.refused(
        NOW,
        &[
            "tighten",
            &id_text,
            "s1.resolve",
            "--due",
            "2026-11-20 12:00",
            "--reason",
            "x",
        ],
        &["before the clock started"],
    );
    s.refused(
        NOW,
        &[
            "tighten",
            &id_text,
            "s1.resolve",
            "--due",
            "2026-11-24 12:00",
            "--reason",
            "",
        ],
        &["required"],
    );
    s.refused(
        NOW,
        &[
            "tighten",
            &id_text,
            "s9.nope",
            "--due",
            "2026-11-24 12:00",
            "--reason",
            "x",
        ],
        &["no clock", "s1.resolve"],
    );
    // Earlier still is fine: the earliest governs.
    s.ok(
        NOW,
        &[
            "tighten",
            &id_text,
            "s1.resolve",
            "--due",
            "2026-11-24 12:00",
            "--reason",
            "Strategy meeting brought forward",
        ],
    );
    // Due before close of business tomorrow: due soon.
    assert_clock(
        &s.show(NOW, id),
        "s1.resolve",
        "2026-11-24T12:00:00+00:00",
        "due_soon",
    );
}

/// Issue 11: skipping to a later stage only where a procedure allows it, with a reason.
#[test]
fn a_stage_can_be_skipped_only_where_the_procedure_allows_it() {
    let s = Sandbox::new();
    let id = s.new_escalation(NOW, &new_args(&[]));
    let id_text = id.to_string();
    s.refused(
        NOW,
        &["advance", &id_text, "--to", "3", "--reason", "Urgent"],
        &["does not allow skipping to stage 3", "to stage 2"],
    );
    s.refused(
        NOW,
        &["advance", &id_text, "--to", "1", "--reason", "Back"],
        &["from 2 to 4, not 1"],
    );
    // Lincolnshire (a user procedure) lets urgent cases go straight to step 4.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/procedures/valid/lincolnshire.toml"),
    )
    .unwrap();
    let folder = s.dir.path().join("config/escalate/procedures");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("lincolnshire.toml"), text).unwrap();
    let id = s.new_escalation(NOW, &new_args(&[("--procedure", "lincolnshire")]));
    let id_text = id.to_string();
    s.ok(
        NOW,
        &[
            "advance",
            &id_text,
            "--to",
            "4",
            "--reason",
            "Urgent: straight to the chaired meeting",
        ],
    );
    let shown = s.show(NOW, id);
    assert_eq!(shown["stage"], 4);
}

/// Issue 14, item 12: an escalation recorded at 14:00 with no concern time, and a call at 10:00
/// that morning recorded after it: the same day's discussions may be backdated; before the day
/// was raised, the concern time must be given first, and the refusal says how.
#[test]
fn a_discussion_earlier_the_same_day_can_be_recorded_after_the_escalation() {
    let s = Sandbox::new();
    let now = "2026-11-23 14:00";
    let id = s.new_escalation(now, &new_args(&[("--raised-at", now)]));
    let id_text = id.to_string();
    let discuss = |at: &str| -> Vec<String> {
        [
            "discuss",
            &id_text,
            "--with",
            "Jo Smith, duty social worker",
            "--mode",
            "phone",
            "--notes",
            "Called about the referral.",
            "--at",
            at,
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .collect()
    };
    let args = discuss("2026-11-23 10:00");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    s.ok(now, &args);
    assert_eq!(
        s.show(now, id)["discussions"][0]["at"],
        "2026-11-23T10:00:00+00:00"
    );
    let args = discuss("2026-11-20 10:00");
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    s.refused(now, &args, &["concern-at"]);
}

/// Every audit entry records when it was really written, by the wall clock `main` reads,
/// whatever `--now` says; `history` shows both where they differ.
#[test]
fn each_audit_entry_records_when_it_was_really_written_whatever_now_says() {
    let s = Sandbox::new();
    let before = chrono::Utc::now() - chrono::Duration::seconds(1);
    let id = s.new_escalation(NOW, &new_args(&[]));
    s.ok(NOW, &["advance", &id.to_string(), "--reason", "No reply."]);
    let after = chrono::Utc::now() + chrono::Duration::seconds(1);
    let history = s.json(NOW, &["history", &id.to_string()]);
    let entries = history.as_array().unwrap();
    assert_eq!(entries.len(), 2);
    for entry in entries {
        assert_eq!(entry["at"], "2026-11-23T10:00:00+00:00", "{entry}");
        let written = entry["written_at"].as_str().unwrap();
        let written = escalate::core::time::parse_instant(written).unwrap();
        assert!(
            before <= written && written <= after,
            "written at {written}, between {before} and {after}: {entry}"
        );
    }
    let text = s.ok(NOW, &["history", &id.to_string()]);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(
        text.lines()
            .all(|l| l.contains("Mon 23 Nov 2026 10:00 GMT") && l.contains("(written ")),
        "{text}"
    );
    assert!(s.ok(NOW, &["verify"]).starts_with("OK"));
}

/// Issue 15: `escalate calendar` writes every open deadline and owed notification as iCalendar,
/// read back here by a parser: stable UIDs (a re-export updates, never duplicates), the
/// escalation's id rather than the child's name unless asked, a reminder before each, and a file
/// readable only by its owner.
#[test]
fn the_calendar_export_reads_back_with_stable_ids_and_no_names() {
    use icalendar::Component;
    let s = Sandbox::new();
    let id = s.new_escalation(NOW, &new_args(&[]));
    let text = s.ok(NOW, &["calendar"]);
    assert!(text.contains("\r\n"), "iCalendar lines end in CR LF");
    let parsed: icalendar::Calendar = text.parse().unwrap();
    let events: Vec<&icalendar::Event> = parsed
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .collect();
    assert_eq!(events.len(), 1, "{text}");
    let event = events[0];
    assert_eq!(
        event.get_uid(),
        Some(format!("escalate-{id}-s1.resolve@escalate").as_str())
    );
    // London, raised Mon 23 Nov 09:00: a working week, Mon 30 Nov 17:00 GMT.
    assert!(text.contains("DTSTART:20261130T170000Z"), "{text}");
    let summary = event.get_summary().unwrap();
    assert!(
        summary.starts_with(&format!("Escalation {id}: ")),
        "{summary}"
    );
    assert!(
        !text.contains("Hana Test"),
        "no child's name unless asked:\n{text}"
    );
    assert!(text.contains("TRIGGER:-PT3600S"), "{text}");
    // The same caseload exports the same file.
    assert_eq!(s.ok(NOW, &["calendar"]), text);
    let named = s.ok(NOW, &["calendar", "--names", "--reminder", "30"]);
    assert!(named.contains("Hana Test"), "{named}");
    assert!(named.contains("TRIGGER:-PT1800S"), "{named}");

    // After an advance, the stage 1 clock has gone and stage 2's and the notification owed
    // appear, each under its own stable id.
    s.ok(
        NOW,
        &["advance", &id.to_string(), "--reason", "Not resolved"],
    );
    let after: icalendar::Calendar = s.ok(NOW, &["calendar"]).parse().unwrap();
    let mut uids: Vec<String> = after
        .components
        .iter()
        .filter_map(|c| c.as_event())
        .filter_map(|e| e.get_uid().map(str::to_owned))
        .collect();
    uids.sort();
    assert_eq!(
        uids,
        [
            format!("escalate-{id}-notification-inform-referrer@escalate"),
            format!("escalate-{id}-s2.resolve@escalate"),
        ]
    );

    let file = s.dir.path().join("deadlines.ics");
    let out = s.ok(NOW, &["calendar", "--out", file.to_str().unwrap()]);
    assert!(out.contains("Wrote 2 deadlines"), "{out}");
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    s.refused(
        NOW,
        &["calendar", "--reminder", "20000"],
        &["more than a week"],
    );
}

/// Issue 15: `escalate chronology` writes the escalation as a dated chronology for the child's
/// file, oldest first, in text, Markdown and HTML; HTML is escaped and self-contained, and
/// `--privacy` hides the child's name in every spelling.
#[test]
fn a_chronology_for_the_childs_file_in_three_formats() {
    let s = Sandbox::new();
    let id = s.new_escalation(NOW, &new_args(&[]));
    let id_text = id.to_string();
    s.ok(
        NOW,
        &[
            "discuss",
            &id_text,
            "--with",
            "Jo <Smith> & co",
            "--mode",
            "phone",
            "--notes",
            "Hana Test's referral to be reviewed.",
            "--at",
            "2026-11-23 09:30",
        ],
    );
    s.ok(
        NOW,
        &[
            "advance",
            &id_text,
            "--reason",
            "Not resolved",
            "--at",
            "2026-11-23 09:45",
        ],
    );
    let text = s.ok(NOW, &["chronology", &id_text]);
    let raised = text.find("Escalation raised").unwrap();
    let discussed = text.find("Discussion (phone)").unwrap();
    let moved = text.find("Escalated to stage 2").unwrap();
    assert!(
        raised < discussed && discussed < moved,
        "oldest first:\n{text}"
    );
    assert!(text.contains("Mon 23 Nov 2026 09:30 GMT"), "{text}");
    let html = s.ok(NOW, &["chronology", &id_text, "--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("Jo &lt;Smith&gt; &amp; co"), "{html}");
    assert!(!html.contains("<Smith>"), "{html}");
    assert!(!html.contains("http"), "no external resources:\n{html}");
    assert!(html.contains("@media print"), "{html}");
    let private = s.ok(
        NOW,
        &["chronology", &id_text, "--privacy", "--format", "markdown"],
    );
    assert!(!private.to_lowercase().contains("hana"), "{private}");
    assert!(private.contains("H.T."), "{private}");
    s.refused(
        NOW,
        &["chronology", &id_text, "--format", "pdf"],
        &["text, markdown or html"],
    );
}

/// Issue 14, item 14: the partnership's contact (from the procedure file) is shown wherever a
/// notification to it is owed: in `show`, its JSON, and what a change says it set off.
#[test]
fn the_partnerships_contact_is_shown_where_a_notification_is_owed() {
    let s = Sandbox::new();
    let id = s.new_escalation(
        NOW,
        &new_args(&[
            ("--procedure", "pan-bedfordshire"),
            ("--partnership", "luton"),
        ]),
    );
    let out = s.ok(
        NOW,
        &["advance", &id.to_string(), "--reason", "Not resolved"],
    );
    assert!(
        out.contains("to Luton Safeguarding Children Partnership (Lutonlscb@luton.gov.uk)"),
        "{out}"
    );
    let shown = s.show(NOW, id);
    assert_eq!(
        notification(&shown, "appendix-2")["contact"],
        "Lutonlscb@luton.gov.uk"
    );
    let text = s.ok(NOW, &["show", &id.to_string()]);
    assert!(text.contains("(Lutonlscb@luton.gov.uk)"), "{text}");
}

/// Issue 17: `list --all` streams the closed history a page at a time. What it prints must be
/// exactly what a list built whole would be: open escalations most urgent first, then every
/// closed one in id order, one JSON array laid out as a pretty-printed array is, across many
/// pages.
#[test]
fn list_all_streams_the_history_in_pages_with_nothing_lost_or_reordered() {
    let s = Sandbox::new();
    let now = "2026-11-30 09:00";
    s.ok(now, &["demo", "--count", "1300", "--open-share", "0.05"]);
    let text = s.ok(now, &["list", "--all", "--json"]);
    let all: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        text,
        serde_json::to_string_pretty(&all).unwrap() + "\n",
        "the streamed array is laid out as a whole one"
    );
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 1300);
    let open = s.json(now, &["list"]);
    let open: Vec<&Value> = open.as_array().unwrap().iter().collect();
    assert!(!open.is_empty() && open.len() < 200, "{}", open.len());
    // The open ones first, in the order `list` gives them...
    let first: Vec<&Value> = all.iter().take(open.len()).collect();
    assert_eq!(first, open);
    // ...then the closed ones, every one, in id order.
    let closed: Vec<i64> = all[open.len()..]
        .iter()
        .map(|e| {
            assert_ne!(e["status"], "open", "{e:#}");
            e["id"].as_i64().unwrap()
        })
        .collect();
    assert!(closed.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(closed.len(), 1300 - open.len());
    // The table says the same, a line each under one heading.
    let table = s.ok(now, &["list", "--all"]);
    assert_eq!(table.lines().count(), 1301);
    assert_eq!(table.matches("CHILD / RAISED WITH").count(), 1);
}

/// Issue 14: `--actor` (or `ESCALATE_ACTOR`) names who records a change, before the settings'
/// `user` and the login name; a name that cannot be recorded is refused, nothing written.
#[test]
fn the_actor_given_is_recorded_in_the_audit_trail() {
    let s = Sandbox::new();
    let mut args = new_args(&[]);
    args.extend(["--actor", "Jo Bloggs, DSL"]);
    let id = s.new_escalation(NOW, &args);
    let shown = s.show(NOW, id);
    let history = shown["history"].as_array().unwrap();
    assert_eq!(history.last().unwrap()["by"], "Jo Bloggs, DSL", "{shown:#}");
    s.refused(
        NOW,
        &[
            "discuss",
            &id.to_string(),
            "--with",
            "x",
            "--mode",
            "phone",
            "--notes",
            "y",
            "--actor",
            "Jo\u{202e}",
        ],
        &["--actor"],
    );
}

/// Issue 14 (found in the simulated week): the command line reads a time as the dashboard
/// does, so a call earlier today is `--at 9:30`, not a full date; `--due` looks forward.
#[test]
fn times_on_the_command_line_are_read_relative_to_now_as_on_the_dashboard() {
    let s = with_one_escalation();
    s.ok(
        NOW,
        &[
            "discuss", "1", "--with", "A", "--mode", "phone", "--notes", "n", "--at", "9:30",
        ],
    );
    let shown = s.show(NOW, 1);
    assert_eq!(
        shown["discussions"][0]["at"], "2026-11-23T09:30:00+00:00",
        "{shown:#}"
    );
    s.refused(
        NOW,
        &[
            "discuss", "1", "--with", "A", "--mode", "phone", "--notes", "n", "--at", "25:99",
        ],
        &["--at", "25:99"],
    );
    // The partnership ids config.toml and --partnership take are listed where one is chosen.
    let listed = s.ok(NOW, &["procedures"]);
    assert!(
        listed.contains("luton (Luton Safeguarding Children Partnership)"),
        "{listed}"
    );
}

/// Issue 14 (found in the simulated week): `new` takes the procedure, partnership, "raised by"
/// and agency from config.toml when they are not given, as the dashboard's New form does; and
/// says which option or setting is missing when neither gives one.
#[test]
fn new_takes_what_is_not_given_from_the_settings() {
    let s = Sandbox::new();
    let bare = [
        "new",
        "--child",
        "Hana Test",
        "--raised-with",
        "Luton CSC",
        "--category",
        "thresholds",
        "--summary",
        "Referral refused.",
    ];
    let out = s.run(NOW, &bare);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--procedure is needed") && stderr.contains("procedure = "),
        "{stderr}"
    );
    assert!(!s.db.exists(), "nothing written");
    let config = s.dir.path().join("config").join("escalate");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        "user = \"Jo Bloggs, DSL\"\norganisation = \"Hilltop Primary School\"\nprocedure = \"pan-bedfordshire\"\npartnership = \"luton\"\n",
    )
    .unwrap();
    let with_json = bare.to_vec();
    let id = s.json(NOW, &with_json)["id"].as_i64().unwrap();
    let shown = s.show(NOW, id);
    assert_eq!(shown["procedure"], "pan-bedfordshire", "{shown:#}");
    assert_eq!(shown["raised_by"], "Jo Bloggs, DSL", "{shown:#}");
    assert_eq!(shown["agency"], "Hilltop Primary School", "{shown:#}");
    assert_eq!(shown["partnership"]["id"], "luton", "{shown:#}");
    // Given on the line, an option wins over the settings.
    let mut london = with_json.clone();
    london.extend(["--procedure", "london", "--agency", "Another School"]);
    let id = s.json(NOW, &london)["id"].as_i64().unwrap();
    let shown = s.show(NOW, id);
    assert_eq!(shown["procedure"], "london");
    assert_eq!(shown["agency"], "Another School");
}

/// Runs this very binary again with `ESCALATE_TEST_BACKEND=postgres` (each sandbox's `--db` a
/// database of its own on the tests' cluster), so the tests above pass on PostgreSQL too: a
/// parameter, not a copy. Rows tampered with behind the app's back are tampered with there as
/// the cluster's superuser (`support::db`), through PostgreSQL's own insert-only triggers.
#[test]
fn every_test_here_passes_on_postgresql_too() {
    if support::pg::on_postgres() {
        return;
    }
    support::pg::rerun_on_postgres("every_test_here_passes_on_postgresql_too", &[]);
}

/// `verify` names SQLite's integrity check only where it ran: on PostgreSQL the server keeps
/// its own, and saying "SQLite" there would be untrue.
#[test]
fn verify_names_the_integrity_check_that_ran() {
    let s = with_one_escalation();
    let said = s.ok(NOW, &["verify"]);
    assert!(said.starts_with("OK: "), "{said}");
    assert_eq!(
        said.contains("SQLite integrity check passed"),
        !support::pg::on_postgres(),
        "{said}"
    );
    assert!(
        said.contains("audit entries chain and match their records"),
        "{said}"
    );
}
