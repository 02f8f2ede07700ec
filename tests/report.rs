//! `escalate report`, through the real binary: its counts agree exactly with the records, which
//! the test recounts on its own from `list --all --json`; every format carries them; bad input
//! is refused with a clear message.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use tempfile::TempDir;

mod common;
mod support;

const NOW: &str = "2026-12-02 09:00";

struct Sandbox {
    dir: TempDir,
    db: PathBuf,
}

impl Sandbox {
    /// A database holding a generated caseload of `count` escalations.
    fn with_caseload(count: usize, seed: u32) -> Self {
        let dir = TempDir::new().unwrap();
        let db = support::db::path(dir.path(), "escalate.db");
        let sandbox = Self { dir, db };
        sandbox.ok(&[
            "demo",
            "--count",
            &count.to_string(),
            "--seed",
            &seed.to_string(),
            "--open-share",
            "0.2",
        ]);
        sandbox
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

    fn json(&self, args: &[&str]) -> Value {
        let text = self.ok(args);
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{args:?}: {e}: {text}"))
    }
}

fn instant(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

/// The UK date of an instant, worked out here rather than by the app.
fn uk_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&chrono_tz::Europe::London).date_naive()
}

fn tallies(report: &Value, key: &str) -> BTreeMap<String, u64> {
    report[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["label"].as_str().unwrap().to_owned(),
                t["count"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn the_report_counts_agree_exactly_with_the_records() {
    let s = Sandbox::with_caseload(700, 11);
    let (from, to) = (
        NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
    );
    let report = s.json(&[
        "report",
        "--from",
        "01/03/2026",
        "--to",
        "30 Nov 2026",
        "--format",
        "json",
    ]);
    assert_eq!(report["period"]["from"], "2026-03-01");
    assert_eq!(report["period"]["to"], "2026-11-30");
    let all = s.json(&["list", "--all", "--json"]);
    let all = all.as_array().unwrap();
    assert_eq!(all.len(), 700);

    let within = |at: DateTime<Utc>| (from..=to).contains(&uk_date(at));
    let (mut opened, mut resolved, mut withdrawn, mut active, mut open_at_end) = (0, 0, 0, 0, 0);
    let mut categories: BTreeMap<String, u64> = BTreeMap::new();
    let mut agencies: BTreeMap<String, u64> = BTreeMap::new();
    let mut closed_at_stage: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    let mut on_time_by_stage: BTreeMap<u64, u64> = BTreeMap::new();
    let mut notifications_on_time = 0;
    for e in all {
        let raised = instant(&e["raised_at"]);
        let closed = e["outcome"]["at"]
            .as_str()
            .map(|_| instant(&e["outcome"]["at"]));
        if within(raised) {
            opened += 1;
        }
        if let Some(at) = closed.filter(|&at| within(at)) {
            let stage = e["outcome"]["stage"].as_u64().unwrap();
            match e["outcome"]["kind"].as_str().unwrap() {
                "resolved" => {
                    resolved += 1;
                    closed_at_stage.entry(stage).or_default().0 += 1;
                }
                _ => {
                    withdrawn += 1;
                    closed_at_stage.entry(stage).or_default().1 += 1;
                }
            }
            assert!(within(at));
        }
        let is_active = uk_date(raised) <= to && closed.is_none_or(|at| uk_date(at) >= from);
        if is_active {
            active += 1;
            if closed.is_none_or(|at| uk_date(at) > to) {
                open_at_end += 1;
            }
            *categories
                .entry(e["category"].as_str().unwrap().to_owned())
                .or_default() += 1;
            *agencies
                .entry(e["raised_with"].as_str().unwrap().trim().to_owned())
                .or_default() += 1;
        }
        for clock in e["clocks"].as_array().unwrap() {
            if clock["state"] == "met_on_time"
                && clock["due"].is_string()
                && within(instant(&clock["due"]))
                && let Some(stage) = clock["stage"].as_u64()
            {
                *on_time_by_stage.entry(stage).or_default() += 1;
            }
        }
        for n in e["notifications"].as_array().unwrap() {
            if within(instant(&n["due"]))
                && n["sent_at"].is_string()
                && instant(&n["sent_at"]) <= instant(&n["due"])
            {
                notifications_on_time += 1;
            }
        }
    }
    assert!(
        opened > 50 && resolved > 20 && withdrawn > 0,
        "a caseload worth counting"
    );
    assert_eq!(report["opened"], opened);
    assert_eq!(report["resolved"], resolved);
    assert_eq!(report["withdrawn"], withdrawn);
    assert_eq!(report["active"], active);
    assert_eq!(report["open_at_end"], open_at_end);
    assert_eq!(tallies(&report, "by_category"), categories);
    assert_eq!(tallies(&report, "by_agency"), agencies);
    assert_eq!(
        tallies(&report, "opened_by_month").values().sum::<u64>(),
        opened
    );
    let outcomes: BTreeMap<u64, (u64, u64)> = report["outcomes_by_stage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["stage"].as_u64().unwrap(),
                (
                    o["resolved"].as_u64().unwrap(),
                    o["withdrawn"].as_u64().unwrap(),
                ),
            )
        })
        .collect();
    assert_eq!(outcomes, closed_at_stage);
    let on_time: BTreeMap<u64, u64> = report["clocks_by_stage"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|t| Some((t["stage"].as_u64()?, t["on_time"].as_u64().unwrap())))
        .filter(|(_, n)| *n > 0)
        .collect();
    assert_eq!(on_time, on_time_by_stage);
    assert_eq!(report["notifications_on_time"], notifications_on_time);
    let highest: u64 = tallies(&report, "highest_stage").values().sum();
    assert_eq!(highest, active);
}

#[test]
fn every_format_carries_the_same_figures_and_names_no_child() {
    let s = Sandbox::with_caseload(120, 5);
    let report = s.json(&["report", "--from", "2026-01-01", "--format", "json"]);
    let opened = report["opened"].as_u64().unwrap().to_string();
    let names: Vec<String> = s
        .json(&["list", "--all", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["child"]["name"].as_str().unwrap().to_owned())
        .collect();

    let text = s.ok(&["report", "--from", "2026-01-01"]);
    assert!(
        text.contains("Escalations report, 1 Jan 2026 to 2 Dec 2026"),
        "{text}"
    );
    assert!(
        text.lines()
            .any(|l| l.starts_with("  Opened in the period") && l.ends_with(&opened)),
        "{text}"
    );
    let markdown = s.ok(&["report", "--from", "2026-01-01", "--format", "markdown"]);
    assert!(markdown.contains(&format!("| Opened in the period | {opened} |")));
    let html = s.ok(&["report", "--from", "2026-01-01", "--format", "html"]);
    assert!(html.contains(&format!("<td>Opened in the period</td><td>{opened}</td>")));
    // Charts drawn inline, with nothing fetched from elsewhere.
    assert!(html.matches("<svg").count() >= 5, "{html}");
    assert!(!html.contains("src=") && !html.contains("<link") && !html.contains("@import"));
    let csv = s.ok(&["report", "--from", "2026-01-01", "--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert!(
        rows.iter()
            .any(|r| r[0] == *"totals" && r[1] == *"opened" && r[2] == opened)
    );
    for name in &names {
        for (format, out) in [
            ("text", &text),
            ("markdown", &markdown),
            ("html", &html),
            ("csv", &csv),
        ] {
            assert!(!out.contains(name.as_str()), "{format} names {name}");
        }
    }
    // Written to a file, readable only by its owner.
    let path = s.dir.path().join("report.html");
    let said = s.ok(&[
        "report",
        "--from",
        "2026-01-01",
        "--format",
        "html",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert!(said.starts_with("Wrote the report"), "{said}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), html);
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn bad_periods_formats_and_procedures_are_refused_clearly() {
    let s = Sandbox::with_caseload(10, 1);
    for (args, says) in [
        (
            &["report", "--from", "2026-12-01", "--to", "2026-11-01"][..],
            "--from 2026-12-01 is after --to 2026-11-01",
        ),
        (
            &["report", "--format", "pdf"],
            "use text, markdown, html, csv or json",
        ),
        (
            &["report", "--procedure", "narnia"],
            "there is no procedure \"narnia\"",
        ),
        (&["report", "--from", "31/02/2026"], "--from"),
    ] {
        let out = s.run(args);
        assert!(!out.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn a_report_on_one_procedure_counts_only_its_escalations() {
    let s = Sandbox::with_caseload(200, 9);
    let all = s.json(&["list", "--all", "--json"]);
    let report = s.json(&[
        "report",
        "--from",
        "2020-01-01",
        "--procedure",
        "barnet",
        "--format",
        "json",
    ]);
    let barnet = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["procedure"] == "barnet")
        .count();
    assert!(barnet > 0);
    assert_eq!(report["active"], barnet as u64);
    assert_eq!(report["procedure"], "barnet");
}

/// Golden files: the report in every format on the fixed hand-written demo caseload, at a fixed
/// time, so that any change to what the report says or how it lays it out is seen and reviewed.
#[test]
fn every_format_on_the_demo_caseload_as_golden_files() {
    let dir = TempDir::new().unwrap();
    let sandbox = Sandbox {
        db: support::db::path(dir.path(), "demo.db"),
        dir,
    };
    sandbox.ok(&["demo"]);
    for format in ["text", "markdown", "html", "csv", "json"] {
        let out = sandbox.ok(&["report", "--from", "2026-09-01", "--format", format]);
        insta::assert_snapshot!(format!("report_demo_{format}"), out);
    }
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
