//! Corrections, never erasures (issue 12): every kind of record can be corrected through the
//! binary, the original kept beside the correction with who, when and why, the derived due
//! times following the corrected history, and bad input refused with one line and the database
//! untouched. Also the audit chain's head kept outside the file (`verify --expect`).
//!
//! Time is always an input: every command is given `--now`. London procedure, raised 09:00 on
//! Mon 23 Nov 2026 (GMT).

mod common;
mod sandbox;
mod support;
use sandbox::{Sandbox, wal_path};

use std::path::PathBuf;

use serde_json::Value;

impl Sandbox {
    /// `new` with `--json`; returns the id.
    fn new_escalation(&self, now: &str, args: &[&str]) -> i64 {
        let mut full = vec!["new"];
        full.extend_from_slice(args);
        let value = self.json(now, &full);
        value["id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no id in {value}"))
    }
}

const NOW: &str = "2026-11-23 10:00";
const LATER: &str = "2026-11-23 11:00";

/// One London escalation with a discussion (1), an action (1), a move to stage 2 and its
/// notification to the referrer recorded as sent.
fn with_a_history() -> Sandbox {
    let s = Sandbox::new();
    let id = s.new_escalation(
        NOW,
        &[
            "--procedure",
            "london",
            "--child",
            "Hana Test",
            "--raised-by",
            "Sam Patel",
            "--agency",
            "Test School",
            "--raised-with",
            "Bromley CSC",
            "--category",
            "thresholds",
            "--summary",
            "Referral refused.",
            "--raised-at",
            "2026-11-23 09:00",
        ],
    );
    assert_eq!(id, 1);
    s.ok(
        NOW,
        &[
            "discuss",
            "1",
            "--with",
            "Duty SW",
            "--mode",
            "phone",
            "--notes",
            "Spoke to Jon.",
        ],
    );
    s.ok(
        NOW,
        &[
            "action",
            "add",
            "1",
            "--what",
            "Call back",
            "--owner",
            "Sam",
            "--due",
            "2026-11-30",
        ],
    );
    s.ok(NOW, &["advance", "1", "--reason", "No reply"]);
    s.ok(
        LATER,
        &["notify", "1", "inform-referrer", "--method", "email"],
    );
    s
}

fn correction(shown: &Value, index: usize) -> &Value {
    &shown["corrections"][index]
}

#[test]
fn a_discussion_is_reworded_and_the_original_kept() {
    let s = with_a_history();
    s.ok(
        LATER,
        &[
            "correct",
            "1",
            "discussion",
            "1",
            "--notes",
            "Spoke to John.",
            "--why",
            "Misheard the name",
        ],
    );
    let shown = s.show(LATER, 1);
    let c = correction(&shown, 0);
    assert_eq!(c["kind"], "discussion-notes");
    assert_eq!(c["old_value"], "Spoke to Jon.");
    assert_eq!(c["new_value"], "Spoke to John.");
    assert_eq!(c["why"], "Misheard the name");
    assert_eq!(c["by"], "test-dsl");
    assert_eq!(c["at"], "2026-11-23T11:00:00+00:00");
    let text = s.ok(LATER, &["show", "1"]);
    assert!(text.contains("Corrections (originals kept)"), "{text}");
    assert!(
        text.contains("discussion 1 notes corrected from \"Spoke to Jon.\" to \"Spoke to John.\": Misheard the name"),
        "{text}"
    );
    // The discussion row itself is as it was written.
    let notes = support::db::text(&s.db, "SELECT notes FROM discussions WHERE id = 1");
    assert_eq!(notes, "Spoke to Jon.");
    s.refused(
        LATER,
        &[
            "correct",
            "1",
            "discussion",
            "1",
            "--notes",
            "Spoke to John.",
            "--why",
            "again",
        ],
        &["already says that"],
    );
    s.refused(
        LATER,
        &[
            "correct",
            "1",
            "discussion",
            "7",
            "--notes",
            "x",
            "--why",
            "y",
        ],
        &["has no discussion 7", "its discussions are 1"],
    );
    s.refused(
        LATER,
        &[
            "correct",
            "1",
            "discussion",
            "1",
            "--notes",
            "x",
            "--why",
            " ",
        ],
        &["why"],
    );
    s.ok(LATER, &["verify"]);
}

#[test]
fn an_action_is_reworded_reassigned_redated_and_cancelled() {
    let s = with_a_history();
    s.ok(
        LATER,
        &[
            "correct",
            "1",
            "action",
            "1",
            "--what",
            "Call the duty SW back",
            "--why",
            "Vague",
        ],
    );
    s.ok(
        LATER,
        &[
            "correct",
            "1",
            "action",
            "1",
            "--owner",
            "Jo Bloggs",
            "--why",
            "Sam is away",
        ],
    );
    s.ok(
        LATER,
        &[
            "correct",
            "1",
            "action",
            "1",
            "--due",
            "2026-11-25",
            "--why",
            "Agreed sooner",
        ],
    );
    let shown = s.show(LATER, 1);
    let action = &shown["actions"][0];
    assert_eq!(action["what"], "Call the duty SW back");
    assert_eq!(action["owner"], "Jo Bloggs");
    assert_eq!(action["due_on"], "2026-11-25");
    assert_eq!(correction(&shown, 0)["old_value"], "Call back");
    assert_eq!(correction(&shown, 1)["old_value"], "Sam");
    assert_eq!(correction(&shown, 2)["old_value"], "2026-11-30");
    // Overdue on the corrected date, not the original one.
    let list = s.json("2026-11-26 09:00", &["list", "--overdue"]);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    s.refused(
        LATER,
        &[
            "correct", "1", "action", "1", "--owner", "Jo", "--cancel", "--why", "x",
        ],
        &["cannot be used with"],
    );
    s.refused(
        LATER,
        &[
            "correct", "1", "action", "1", "--due", "someday", "--why", "x",
        ],
        &["--due"],
    );
    s.ok(
        LATER,
        &[
            "correct",
            "1",
            "action",
            "1",
            "--cancel",
            "--why",
            "Overtaken by the strategy meeting",
        ],
    );
    let shown = s.show(LATER, 1);
    assert_eq!(shown["actions"].as_array().unwrap().len(), 0, "{shown}");
    let c = correction(&shown, 3);
    assert_eq!(c["kind"], "action-cancelled");
    assert_eq!(
        c["old_value"],
        "Call the duty SW back (owner Jo Bloggs, due 2026-11-25)"
    );
    // No longer owed, so no longer overdue.
    let list = s.json("2026-11-26 09:00", &["list", "--overdue"]);
    assert_eq!(list.as_array().unwrap().len(), 0, "{list}");
    s.refused(
        LATER,
        &["correct", "1", "action", "1", "--cancel", "--why", "again"],
        &["has no action 1"],
    );
    s.ok(LATER, &["verify"]);
}

#[test]
fn a_notification_sent_in_error_is_owed_again_and_one_not_needed_is_not() {
    let s = with_a_history();
    let before = s.show(LATER, 1);
    let sent = before["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "inform-referrer")
        .unwrap()
        .clone();
    assert!(!sent["sent_at"].is_null(), "{sent}");
    s.ok(
        LATER,
        &[
            "correct",
            "1",
            "notification",
            "inform-referrer",
            "--not-sent",
            "--why",
            "Only drafted",
        ],
    );
    let shown = s.show(LATER, 1);
    let owed = shown["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "inform-referrer")
        .unwrap();
    assert!(owed["sent_at"].is_null(), "{owed}");
    assert_eq!(correction(&shown, 0)["kind"], "notification-not-sent");
    assert!(
        correction(&shown, 0)["old_value"]
            .as_str()
            .unwrap()
            .contains("by email"),
        "{shown}"
    );
    // Due 17:00 on Tue 24 Nov: overdue the next morning, as if never sent.
    let list = s.json("2026-11-25 09:00", &["list", "--overdue"]);
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    // It may be recorded as really sent later.
    s.ok(
        LATER,
        &["notify", "1", "inform-referrer", "--method", "phone"],
    );
    s.ok(
        LATER,
        &[
            "correct",
            "1",
            "notification",
            "inform-referrer",
            "--not-sent",
            "--why",
            "Wrong again",
        ],
    );
    s.ok(
        LATER,
        &[
            "correct",
            "1",
            "notification",
            "inform-referrer",
            "--not-needed",
            "--why",
            "The referrer is the DSL",
        ],
    );
    let list = s.json("2026-11-25 09:00", &["list", "--overdue"]);
    assert_eq!(list.as_array().unwrap().len(), 0, "{list}");
    let shown = s.show(LATER, 1);
    let stopped = shown["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == "inform-referrer")
        .unwrap();
    assert_eq!(stopped["state"], "stopped", "{stopped}");
    s.refused(
        LATER,
        &[
            "correct",
            "1",
            "notification",
            "inform-referrer",
            "--not-needed",
            "--why",
            "again",
        ],
        &["does not owe a notification \"inform-referrer\""],
    );
    s.refused(
        LATER,
        &[
            "correct",
            "1",
            "notification",
            "inform-referrer",
            "--not-sent",
            "--why",
            "x",
        ],
        &["no notification \"inform-referrer\" recorded as sent"],
    );
    s.refused(
        LATER,
        &[
            "correct",
            "1",
            "notification",
            "inform-referrer",
            "--why",
            "x",
        ],
        &["--not-sent"],
    );
    s.ok(LATER, &["verify"]);
}

#[test]
fn a_stage_move_in_error_is_reversed_and_the_clocks_derived_again() {
    let s = with_a_history();
    let before = s.show(LATER, 1);
    assert_eq!(before["stage"], 2);
    s.ok(
        LATER,
        &[
            "correct",
            "1",
            "stage",
            "--undo-last",
            "--why",
            "Pressed advance by mistake",
        ],
    );
    let shown = s.show(LATER, 1);
    assert_eq!(shown["stage"], 1, "{shown}");
    assert_eq!(shown["stages"].as_array().unwrap().len(), 1, "{shown}");
    // Stage 1's clock runs again; stage 2's is gone, and so is the notification it set off.
    let keys: Vec<&str> = shown["clocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["s1.resolve"], "{shown}");
    assert_eq!(shown["clocks"][0]["state"], "running", "{shown}");
    let c = correction(&shown, 0);
    assert_eq!(c["kind"], "stage-undone");
    assert_eq!(c["target"], "2");
    assert!(c["old_value"].as_str().unwrap().contains("No reply"), "{c}");
    assert_eq!(
        s.json(LATER, &["list", "--stage", "1"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
    s.refused(
        LATER,
        &["correct", "1", "stage", "--undo-last", "--why", "again"],
        &["no stage move to reverse"],
    );
    s.refused(
        LATER,
        &["correct", "1", "stage", "--why", "x"],
        &["--undo-last"],
    );
    // The move can be made again, properly.
    s.ok(LATER, &["advance", "1", "--reason", "Still no reply"]);
    assert_eq!(s.show(LATER, 1)["stage"], 2);
    s.ok(LATER, &["verify"]);
}

#[test]
fn a_closure_in_error_is_reopened_and_may_be_closed_again() {
    let s = with_a_history();
    s.refused(
        LATER,
        &["correct", "1", "reopen", "--why", "x"],
        &["is open; there is nothing to reopen"],
    );
    s.ok(LATER, &["resolve", "1", "--how", "Agreed a plan"]);
    s.refused(
        LATER,
        &[
            "discuss", "1", "--with", "A", "--mode", "phone", "--notes", "x",
        ],
        &["escalate correct 1 reopen"],
    );
    s.refused(
        LATER,
        &["correct", "1", "stage", "--undo-last", "--why", "x"],
        &["reopen it first"],
    );
    s.ok(
        LATER,
        &[
            "correct",
            "1",
            "reopen",
            "--why",
            "The plan was not agreed after all",
        ],
    );
    let shown = s.show(LATER, 1);
    assert!(shown["outcome"].is_null(), "{shown}");
    assert_eq!(shown["status"], "open", "{shown}");
    let c = correction(&shown, 0);
    assert_eq!(c["kind"], "reopened");
    assert!(
        c["old_value"].as_str().unwrap().contains("Agreed a plan"),
        "{c}"
    );
    assert_eq!(s.json(LATER, &["list"]).as_array().unwrap().len(), 1);
    s.ok(
        LATER,
        &[
            "discuss",
            "1",
            "--with",
            "A",
            "--mode",
            "phone",
            "--notes",
            "Follow-up",
        ],
    );
    s.ok(LATER, &["withdraw", "1", "--why", "Moved out of area"]);
    let shown = s.show(LATER, 1);
    assert_eq!(shown["outcome"]["kind"], "withdrawn", "{shown}");
    s.ok(LATER, &["verify"]);
}

#[test]
fn a_correction_of_an_unknown_escalation_or_kind_is_refused() {
    let s = with_a_history();
    s.refused(
        LATER,
        &["correct", "9", "reopen", "--why", "x"],
        &["escalation 9 does not exist"],
    );
    s.refused(
        LATER,
        &["correct", "1", "action", "one", "--cancel", "--why", "x"],
        &["not a number"],
    );
    let out = s.run(LATER, &["correct", "1", "outcome", "--why", "x"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn a_follow_up_discussion_is_recorded_on_a_closed_escalation() {
    let s = with_a_history();
    let follow_up = [
        "discuss",
        "1",
        "--with",
        "Duty SW",
        "--mode",
        "phone",
        "--notes",
        "Checked the plan held.",
        "--follow-up",
    ];
    s.refused(
        LATER,
        &follow_up,
        &["is open; record the discussion without --follow-up"],
    );
    s.ok(LATER, &["resolve", "1", "--how", "Agreed a plan"]);
    s.refused(
        LATER,
        &[
            "discuss", "1", "--with", "A", "--mode", "phone", "--notes", "x",
        ],
        &["--follow-up"],
    );
    let mut before_closure = follow_up.to_vec();
    before_closure.extend(["--at", "2026-11-23 10:30"]);
    s.refused(LATER, &before_closure, &["before the escalation closed"]);
    s.ok("2026-11-24 09:00", &follow_up);
    let shown = s.show("2026-11-24 09:00", 1);
    assert_eq!(shown["status"], "resolved", "{shown}");
    let text = s.ok("2026-11-24 09:00", &["show", "1"]);
    assert!(text.contains("Checked the plan held."), "{text}");
    s.ok("2026-11-24 09:00", &["verify"]);
}

// ---------------------------------------------------------------------------------------------
// Anchors outside the file: verify prints the chain's head, and --expect proves a later chain
// still extends a head kept elsewhere.
// ---------------------------------------------------------------------------------------------

/// The head `verify` prints, checked against its JSON.
fn head(s: &Sandbox) -> String {
    let value = s.json(LATER, &["verify"]);
    assert_eq!(value["ok"], true, "{value}");
    let head = value["head"].as_str().unwrap().to_owned();
    let text = s.ok(LATER, &["verify"]);
    assert!(text.contains(&format!("Head: {head} ")), "{text}");
    head
}

/// `verify --expect HEAD` must fail with one line containing `needle`.
fn expect_fails(s: &Sandbox, head: &str, needle: &str) {
    let out = s.run(LATER, &["verify", "--expect", head]);
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(needle), "{needle:?} in {stderr}");
}

fn sha256(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn verify_prints_the_head_and_expect_accepts_a_chain_that_extends_it() {
    let s = with_a_history();
    let kept = head(&s);
    assert!(kept.starts_with("5:"), "{kept}");
    assert_eq!(kept.len(), 2 + 64);
    let out = s.ok(LATER, &["verify", "--expect", &kept]);
    assert!(out.contains("the chain extends the head kept"), "{out}");
    // A later change extends the chain, and the old head still holds.
    s.ok(
        LATER,
        &[
            "discuss", "1", "--with", "A", "--mode", "phone", "--notes", "More",
        ],
    );
    s.ok(LATER, &["verify", "--expect", &kept]);
    assert!(head(&s).starts_with("6:"));
    s.refused(
        LATER,
        &["verify", "--expect", "5:abc"],
        &["--expect", "COUNT:HASH"],
    );
    s.refused(LATER, &["verify", "--expect", "nonsense"], &["--expect"]);
}

#[test]
fn a_truncated_chain_is_caught_with_expect() {
    let s = with_a_history();
    let kept = head(&s);
    // The last change and its audit entry removed behind escalate's back: what is left still
    // chains, so verify alone cannot tell.
    support::db::behind_the_apps_back(
        &s.db,
        &format!(
            "{}{} DELETE FROM notifications_sent; DELETE FROM audit WHERE id = 5;",
            support::db::unguard(&s.db, "audit"),
            support::db::unguard(&s.db, "notifications_sent")
        ),
    );
    assert!(head(&s).starts_with("4:"));
    expect_fails(
        &s,
        &kept,
        "the audit trail has 4 entries, fewer than the 5 of the head kept",
    );
}

#[test]
fn a_reforged_chain_is_caught_with_expect() {
    let s = with_a_history();
    let kept = head(&s);
    // A discussion's notes edited, its fingerprint and every entry's hash computed again: the
    // chain verifies on its own, but no longer holds the head kept.
    support::db::behind_the_apps_back(
        &s.db,
        &format!(
            "{}{} UPDATE discussions SET notes = 'Nothing of concern.' WHERE id = 1;",
            support::db::unguard(&s.db, "discussions"),
            support::db::unguard(&s.db, "audit")
        ),
    );
    // The rows as the store holds them, each value in the one form both backends hash.
    let tables = support::db::rows(&s.db);
    let table = |name: &str| tables.iter().find(|t| t.table == name).unwrap();
    let column = |table: &escalate::storage::copy::TableRows, row: &[Value], name: &str| {
        let at = table.columns.iter().position(|c| c == name).unwrap();
        row[at].clone()
    };
    let discussions = table("discussions");
    let edited = discussions
        .rows
        .iter()
        .find(|r| column(discussions, r, "id") == 1)
        .unwrap();
    assert_eq!(column(discussions, edited, "notes"), "Nothing of concern.");
    let fields = [
        "id",
        "escalation_id",
        "at",
        "participants",
        "mode",
        "notes",
        "decisions",
        "is_agreement",
        "stage",
        "recorded_by",
        "recorded_at",
    ];
    let values: Vec<(String, Value)> = fields
        .iter()
        .map(|name| ((*name).to_owned(), column(discussions, edited, name)))
        .collect();
    let fingerprint = sha256(&serde_json::to_string(&values).unwrap());
    let mut forged = format!(
        "UPDATE audit SET record_hash = '{fingerprint}' WHERE record_table = 'discussions' AND record_id = 1;"
    );
    let audit = table("audit");
    let mut prev = "0".repeat(64);
    for row in &audit.rows {
        let field = |name: &str| column(audit, row, name);
        let record_hash = if field("record_table") == "discussions" && field("record_id") == 1 {
            Value::from(fingerprint.clone())
        } else {
            field("record_hash")
        };
        let mut canonical = serde_json::json!([
            prev,
            field("id"),
            field("at"),
            field("actor"),
            field("escalation_id"),
            field("action"),
            field("summary"),
            field("record_table"),
            field("record_id"),
            record_hash
        ]);
        let written_at = field("written_at");
        if !written_at.is_null() {
            canonical.as_array_mut().unwrap().push(written_at);
        }
        let hash = sha256(&canonical.to_string());
        forged.push_str(&format!(
            "UPDATE audit SET prev_hash = '{prev}', hash = '{hash}' WHERE id = {};",
            field("id")
        ));
        prev = hash;
    }
    support::db::behind_the_apps_back(&s.db, &forged);
    let forged = head(&s);
    assert!(forged.starts_with("5:") && forged != kept, "{forged}");
    expect_fails(&s, &kept, "audit entry 5 has the hash");
    expect_fails(&s, &kept, "the trail was rewritten");
}

#[test]
fn a_rolled_back_file_is_caught_with_expect() {
    let mut s = with_a_history();
    let older = s.dir.path().join("older.db");
    s.ok(LATER, &["backup", older.to_str().unwrap()]);
    s.ok(
        LATER,
        &[
            "correct",
            "1",
            "notification",
            "inform-referrer",
            "--not-sent",
            "--why",
            "Only drafted",
        ],
    );
    let kept = head(&s);
    // The older copy put back in place of the database: it verifies, but it is behind. (A
    // team's database is put back as its IT would from escalate's backup: into a new database.)
    if support::db::is_url(&s.db) {
        let restored = support::pg::fresh_database();
        let out = s
            .command()
            .args(["--db", older.to_str().unwrap(), "--now", LATER])
            .args(["migrate", "--to", &restored, "--school", "main"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        s.db = PathBuf::from(restored);
    } else {
        std::fs::copy(&older, &s.db).unwrap();
        let _ = std::fs::remove_file(wal_path(&s.db));
    }
    assert!(head(&s).starts_with("5:"));
    expect_fails(&s, &kept, "fewer than the 6 of the head kept");
    expect_fails(&s, &kept, "an older copy of the database");
    // And an older copy that has since been written to differently is caught too.
    s.ok(
        LATER,
        &[
            "discuss", "1", "--with", "A", "--mode", "phone", "--notes", "Other",
        ],
    );
    expect_fails(&s, &kept, "audit entry 6 has the hash");
}

/// An entry stated later than it was really written (recorded with --now ahead of the clock) is
/// named by verify, which still passes: the trail records both times honestly. Entries stated
/// earlier than written (backdated, the ordinary case) are not named.
#[test]
fn verify_names_entries_stated_later_than_they_were_written() {
    let s = with_a_history();
    let quiet = s.ok(LATER, &["verify"]);
    assert!(!quiet.contains("Note:"), "{quiet}");
    assert_eq!(
        s.json(LATER, &["verify"])["stated_after_written"],
        serde_json::json!([])
    );
    let ahead = "2199-01-01 10:00";
    s.ok(
        ahead,
        &[
            "discuss",
            "1",
            "--with",
            "A",
            "--mode",
            "phone",
            "--notes",
            "From the future",
        ],
    );
    let out = s.ok(ahead, &["verify"]);
    assert!(out.starts_with("OK"), "{out}");
    assert!(
        out.contains("Note: 1 audit entry states a time later than when it was written (entry 6 states Tue 1 Jan 2199 10:00 GMT but was written "),
        "{out}"
    );
    let value = s.json(ahead, &["verify"]);
    assert_eq!(value["ok"], true);
    assert_eq!(value["stated_after_written"], serde_json::json!([6]));
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
