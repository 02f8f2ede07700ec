//! `escalate import`, through the real binary, with the files a DSL's spreadsheet really makes:
//! a byte-order mark, Windows-1252, quotes and line breaks inside fields, missing columns, bad
//! dates, and ten thousand rows. An import is all or nothing, a dry run writes nothing, and no
//! error names a child.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

mod common;
mod support;

const NOW: &str = "2026-12-02 09:00";

const HEADER: &str = "child,dob,child_ref,procedure,partnership,raised_by,agency,raised_with,category,summary,outcome_sought,concern_at,raised_at,immediate_risk,stage,stage_reached_at,status,closed_at,outcome,learning";

struct Sandbox {
    dir: TempDir,
    db: PathBuf,
}

impl Sandbox {
    fn new() -> Self {
        let dir = TempDir::new().unwrap();
        let db = support::db::path(dir.path(), "escalate.db");
        Self { dir, db }
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_escalate"))
            .env("XDG_CONFIG_HOME", self.dir.path().join("config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .env("HOME", self.dir.path())
            .env(
                "ESCALATE_PASSPHRASE_FILE",
                common::write_passphrase_file(self.dir.path()),
            )
            .env("USER", "test-dsl")
            .env_remove("ESCALATE_NOW")
            .env_remove("ESCALATE_DB")
            .args(["--db", self.db.to_str().unwrap(), "--now", NOW])
            .args(args)
            .output()
            .unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// Runs a command that must fail; returns its standard error.
    fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
        String::from_utf8(out.stderr).unwrap()
    }

    fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn listed(&self) -> Vec<Value> {
        if !support::db::exists(&self.db) {
            return Vec::new();
        }
        let text = self.ok(&["list", "--all", "--json"]);
        serde_json::from_str::<Value>(&text)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// A good row for `child`, open at stage 1 under London's procedure.
fn row(child: &str) -> String {
    format!(
        "{child},14/02/2015,R-{len},london,,Sam Patel,Example School,Children's Services,thresholds,Referral declined,,,02/11/2026 10:00,no,,,,,,",
        len = child.len()
    )
}

#[test]
fn the_template_imports_as_it_stands() {
    let s = Sandbox::new();
    let template = s.ok(&["import", "--template"]);
    assert!(template.starts_with(HEADER), "{template}");
    let path = s.file("template.csv", template.as_bytes());
    let said = s.ok(&["import", arg(&path)]);
    assert!(said.starts_with("Imported 1 escalation (id 1)."), "{said}");
    let listed = s.listed();
    assert_eq!(listed[0]["stage"], 2);
    assert_eq!(listed[0]["child"]["reference"], "REF-0001");
    assert_eq!(listed[0]["partnership"]["id"], "luton");
    assert!(s.ok(&["verify"]).starts_with("OK"));
}

#[test]
fn quotes_line_breaks_a_byte_order_mark_and_windows_1252_all_read_right() {
    let s = Sandbox::new();
    // UTF-8 with the mark Excel puts first, a quoted comma, a doubled quote, a line break.
    let mut utf8 = b"\xef\xbb\xbf".to_vec();
    utf8.extend_from_slice(
        format!(
            "{HEADER}\n\"Zo\u{eb} \"\"Zee\"\" \u{c5}ngstr\u{f6}m\",,,london,,\"Patel, Sam\",School,Health,communication,\"First line\nsecond line\",,,01/11/2026 10:00,,,,,,,\n"
        )
        .as_bytes(),
    );
    let path = s.file("utf8.csv", &utf8);
    s.ok(&["import", arg(&path)]);
    // Windows-1252: é is 0xE9, the pound sign 0xA3, a curly apostrophe 0x92.
    let mut cp1252 = format!("{HEADER}\r\n").into_bytes();
    cp1252.extend_from_slice(
        b"Ren\xe9e O\x92Neil,,,london,,Jo,School,Health,other,Owed \xa320 for meals,,,01/11/2026 11:00,,,,,,,\r\n",
    );
    let path = s.file("cp1252.csv", &cp1252);
    s.ok(&["import", arg(&path)]);
    let listed = s.listed();
    let names: Vec<&str> = listed
        .iter()
        .map(|e| e["child"]["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Zoë \"Zee\" Ångström"), "{names:?}");
    assert!(names.contains(&"Renée O\u{2019}Neil"), "{names:?}");
    let zoe = listed
        .iter()
        .find(|e| e["child"]["name"] == "Zoë \"Zee\" Ångström")
        .unwrap();
    assert_eq!(zoe["summary"], "First line\nsecond line");
    assert_eq!(zoe["raised_by"], "Patel, Sam");
    let renee = listed
        .iter()
        .find(|e| e["child"]["name"] == "Renée O\u{2019}Neil")
        .unwrap();
    assert_eq!(renee["summary"], "Owed £20 for meals");
}

#[test]
fn a_header_without_a_required_column_or_with_an_unknown_one_is_refused() {
    let s = Sandbox::new();
    let path = s.file(
        "missing.csv",
        b"child,procedure,raised_by,agency,category,summary\nA B,london,Jo,School,other,x\n",
    );
    let error = s.fails(&["import", arg(&path)]);
    assert!(
        error.contains("lacks the required columns raised_with, raised_at"),
        "{error}"
    );
    let path = s.file("unknown.csv", format!("{HEADER},shoe size\n").as_bytes());
    let error = s.fails(&["import", arg(&path)]);
    assert!(
        error.contains("a column \"shoe size\" that escalate does not know"),
        "{error}"
    );
    assert!(s.listed().is_empty());
}

#[test]
fn one_bad_row_imports_nothing_and_the_refusals_give_lines_not_names() {
    let s = Sandbox::new();
    let csv = format!(
        "{HEADER}\n{}\n{}\nVictoria Secretname,,,london,,Jo,School,Health,thresholds,x,,,31/02/2026 10:00,,,,,,,\n{}\nWilhelmina Hiddenname,,,london,,Jo,School,Health,thresholds,x,,,01/11/2026 10:00,,7,,,,,\n",
        row("Anna One"),
        row("Bella Two"),
        row("Cara Three"),
    );
    let path = s.file("mixed.csv", csv.as_bytes());
    let error = s.fails(&["import", arg(&path)]);
    assert!(
        error.contains("nothing was imported: 2 of 5 rows were refused"),
        "{error}"
    );
    assert!(error.contains("line 4: raised_at:"), "{error}");
    assert!(
        error.contains("line 6: stage: \"7\" is not a stage of london"),
        "{error}"
    );
    for name in ["Victoria", "Secretname", "Wilhelmina", "Hiddenname"] {
        assert!(!error.contains(name), "{error}");
    }
    assert!(s.listed().is_empty(), "all or nothing");

    // A dry run says the same and writes nothing, not even a database.
    let before = support::db::state(&s.db);
    let said = s.ok(&["import", arg(&path), "--dry-run"]);
    assert!(
        said.starts_with("Dry run: nothing was written. 3 rows would be imported"),
        "{said}"
    );
    assert!(said.contains("line     4: refused: raised_at:"), "{said}");
    assert!(!said.contains("Secretname"), "{said}");
    assert_eq!(support::db::state(&s.db), before);

    // With --skip-invalid the good rows go in, and the others are listed.
    let said = s.ok(&["import", arg(&path), "--skip-invalid"]);
    assert!(
        said.starts_with("Imported 3 escalations (ids 1 to 3)."),
        "{said}"
    );
    assert!(said.contains("Skipped 2 refused rows"), "{said}");
    assert_eq!(s.listed().len(), 3);
}

#[test]
fn stages_and_outcomes_are_planned_by_the_procedure_rules() {
    let s = Sandbox::new();
    let csv = format!(
        "{HEADER}\n\
         Dan Four,,,barnet,,Jo,School,Police,communication,x,,,01/10/2026 10:00,,3,05/10/2026 10:00,resolved,20/10/2026 12:00,Agreed a plan,Share early\n\
         Eve Five,,,london,,Jo,School,Police,communication,x,,,01/10/2026 10:00,,,,withdrawn,02/10/2026 12:00,Raised in error,\n\
         Fay Six,,,london,,Jo,School,Police,communication,x,,,01/10/2026 10:00,,,,resolved,,,\n\
         Gus Seven,,,london,,Jo,School,Police,communication,x,,,01/10/2026 10:00,,2,30/09/2026 10:00,,,,\n"
    );
    let path = s.file("stages.csv", csv.as_bytes());
    let error = s.fails(&["import", arg(&path)]);
    assert!(error.contains("line 4: outcome: is empty"), "{error}");
    // Advancing before it was raised breaks the same rule escalate advance keeps.
    assert!(error.contains("line 5:"), "{error}");
    s.ok(&["import", arg(&path), "--skip-invalid"]);
    let listed = s.listed();
    let dan = listed.iter().find(|e| e["procedure"] == "barnet").unwrap();
    assert_eq!(dan["stage"], 3);
    assert_eq!(dan["outcome"]["kind"], "resolved");
    assert_eq!(dan["outcome"]["learning"], "Share early");
    let eve = listed.iter().find(|e| e["procedure"] == "london").unwrap();
    assert_eq!(eve["outcome"]["kind"], "withdrawn");
    // Closed and owing nothing, Eve's leaves the caseload the dashboard and review read; Dan's
    // still owes Barnet's learning note, so it stays.
    let attention = |id: i64| {
        support::db::text(
            &s.db,
            &format!(
                "SELECT CASE WHEN needs_attention THEN 'attention' ELSE 'settled' END
                 FROM escalation_state WHERE escalation_id = {id}"
            ),
        )
    };
    assert_eq!(
        (
            attention(dan["id"].as_i64().unwrap()),
            attention(eve["id"].as_i64().unwrap())
        ),
        ("attention".to_owned(), "settled".to_owned())
    );
    assert!(s.ok(&["verify"]).starts_with("OK"));
}

#[test]
fn ten_thousand_rows_import_in_one_go() {
    let s = Sandbox::new();
    let mut csv = format!("{HEADER}\n");
    for i in 0..10_000 {
        csv.push_str(&row(&format!("Child Number{i}")));
        csv.push('\n');
    }
    let path = s.file("big.csv", csv.as_bytes());
    let said = s.ok(&["import", arg(&path)]);
    assert!(
        said.starts_with("Imported 10000 escalations (ids 1 to 10000)."),
        "{said}"
    );
    assert_eq!(s.listed().len(), 10_000);
    let verified = s.ok(&["verify"]);
    assert!(verified.contains("all 10000 audit entries"), "{verified}");
}

#[test]
fn what_is_not_a_csv_file_is_refused() {
    let s = Sandbox::new();
    let error = s.fails(&["import", s.dir.path().to_str().unwrap()]);
    assert!(error.contains("is not a regular file"), "{error}");
    let error = s.fails(&["import", "/nonexistent/file.csv"]);
    assert!(
        error.contains("could not read /nonexistent/file.csv"),
        "{error}"
    );
    let path = s.file("empty.csv", format!("{HEADER}\n").as_bytes());
    let error = s.fails(&["import", arg(&path)]);
    assert!(error.contains("no rows"), "{error}");
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
