//! `escalate export` and the restore of its JSON with `escalate import`: the demo caseload goes
//! out and comes back into an empty database (SQLite and PostgreSQL) table for table, with the
//! same audit head; the CSV reads as the record does; a tampered, cut short or foreign file and
//! a database that already holds records are refused with nothing written.

mod common;
mod support;

use std::path::{Path, PathBuf};

use escalate::storage::copy::Rows;
use escalate::storage::postgres::PgStore;
use escalate::storage::sqlite::SqliteStore;
use support::db::rows;
use support::pg;

const NOW: [&str; 2] = ["--now", "2026-11-23 10:00"];

struct Sandbox {
    dir: tempfile::TempDir,
    passphrase: PathBuf,
}

impl Sandbox {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let passphrase = common::write_passphrase_file(dir.path());
        Self { dir, passphrase }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A database for the test's commands: the file `name` here, or on PostgreSQL a fresh
    /// database of its own.
    fn db(&self, name: &str) -> PathBuf {
        support::db::path(self.dir.path(), name)
    }

    fn run(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_escalate"))
            .args(NOW)
            .args(args)
            .env("XDG_CONFIG_HOME", self.path("config"))
            .env("XDG_DATA_HOME", self.path("data"))
            .env("USER", "test-dsl")
            .env("ESCALATE_PASSPHRASE_FILE", &self.passphrase)
            .env_remove("ESCALATE_DB")
            .env_remove("ESCALATE_NOW")
            .env_remove("PGPASSWORD")
            .stdin(std::process::Stdio::null())
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

    fn refused(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?} should be refused");
        String::from_utf8(out.stderr).unwrap()
    }

    /// The demo caseload, with a kept form and details, in a plain `source.db` (or a
    /// PostgreSQL database); and its export.
    fn demo_export(&self) -> (PathBuf, PathBuf) {
        self.demo_export_from(self.db("source.db"))
    }

    /// The demo caseload, with a kept form and details, in `source`; and its export.
    fn demo_export_from(&self, source: PathBuf) -> (PathBuf, PathBuf) {
        self.ok(&["--db", s(&source), "demo"]);
        self.ok(&[
            "--db",
            s(&source),
            "details",
            "1",
            "--referrer-phone",
            "01234 567890",
            "--child-postcode",
            "LU1 1AA",
        ]);
        let export = self.path("export.json");
        let out = self.ok(&[
            "--db",
            s(&source),
            "export",
            "--format",
            "json",
            "--out",
            s(&export),
        ]);
        assert!(out.contains("children's names included"), "{out}");
        (source, export)
    }
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// What `verify` prints as the head.
fn head_of(verify: &str) -> String {
    verify
        .lines()
        .find_map(|l| l.strip_prefix("Head: "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no head in {verify}"))
        .to_owned()
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_demo_caseload_round_trips_through_json_into_a_new_database() {
    let sandbox = Sandbox::new();
    let (source, export) = sandbox.demo_export();
    assert_eq!(mode(&export), 0o600);
    let source_head = head_of(&sandbox.ok(&["--db", s(&source), "verify"]));

    let document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
    assert_eq!(document["format"], "escalate-export");
    assert_eq!(document["format_version"], 1);
    assert_eq!(document["app_version"], env!("CARGO_PKG_VERSION"));
    let backend = if support::db::is_url(&source) {
        "postgres"
    } else {
        "sqlite"
    };
    assert_eq!(document["database"], backend);
    assert_eq!(document["head"], source_head.as_str());
    // --now changes nothing about when the file was really written.
    let written = document["written_at"].as_str().unwrap();
    assert!(!written.starts_with("2026-11-23T10:00"), "{written}");
    assert_eq!(document["tables"].as_array().unwrap().len(), 15);

    // A new database (encrypted, for a file), made by the import itself.
    let target = sandbox.db("restored.db");
    let out = sandbox.ok(&["--db", s(&target), "import", s(&export)]);
    assert!(out.contains(&source_head), "{out}");
    assert_eq!(
        head_of(&sandbox.ok(&["--db", s(&target), "verify"])),
        source_head
    );
    let original = rows(&source);
    assert!(original[0].rows.len() >= 10, "the demo caseload");
    assert_eq!(
        rows(&target),
        original,
        "every table, row and value identical"
    );
    // What a person reads is the same too.
    let list = |db: &Path| sandbox.ok(&["--db", s(db), "--json", "list", "--all"]);
    assert_eq!(list(&target), list(&source));

    // A restored database exports the same file, but for when it was written.
    let again = sandbox.path("again.json");
    sandbox.ok(&[
        "--db",
        s(&target),
        "export",
        "--format",
        "json",
        "--out",
        s(&again),
    ]);
    let mut second: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&again).unwrap()).unwrap();
    second["written_at"] = document["written_at"].clone();
    assert_eq!(second, document);
}

#[test]
fn the_json_goes_to_standard_output_only_when_it_is_not_a_terminal() {
    let sandbox = Sandbox::new();
    let (source, export) = sandbox.demo_export();
    let out = sandbox.run(&["--db", s(&source), "export", "--format", "json"]);
    assert!(out.status.success());
    // Byte for byte the file's, but for the time it was written.
    let piped: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut file: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&export).unwrap()).unwrap();
    file["written_at"] = piped["written_at"].clone();
    assert_eq!(piped, file);
    // An export already there is not replaced without --force.
    let before = std::fs::read(&export).unwrap();
    let error = sandbox.refused(&[
        "--db",
        s(&source),
        "export",
        "--format",
        "json",
        "--out",
        s(&export),
    ]);
    assert!(
        error.contains("already exists") && error.contains("--force"),
        "{error}"
    );
    assert_eq!(std::fs::read(&export).unwrap(), before);
    let error = sandbox.refused(&["--db", s(&source), "export", "--format", "xml"]);
    assert!(error.contains("json") && error.contains("csv"), "{error}");
}

#[test]
fn the_demo_caseload_restores_into_postgresql() {
    let sandbox = Sandbox::new();
    let (source, export) = sandbox.demo_export_from(sandbox.path("source.db"));
    let source_head = head_of(&sandbox.ok(&["--db", s(&source), "verify"]));
    let url = pg::fresh_database();
    let out = sandbox.ok(&["--db", &url, "import", s(&export)]);
    assert!(out.contains(&source_head), "{out}");
    assert_eq!(head_of(&sandbox.ok(&["--db", &url, "verify"])), source_head);
    let all = escalate::storage::Filter {
        include_closed: true,
        stage: None,
    };
    use escalate::storage::Store as _;
    let original = SqliteStore::open(&source).unwrap();
    let team = PgStore::open(&url).unwrap();
    // The team database files every escalation under the school it went into; a database file
    // has no schools. Everything else is the same.
    let mut restored = team.escalations(all).unwrap();
    assert!(restored.iter().all(|e| e.school.as_deref() == Some("main")));
    restored.iter_mut().for_each(|e| e.school = None);
    assert_eq!(restored, original.escalations(all).unwrap());
    assert_eq!(
        team.audit_trail(None).unwrap(),
        original.audit_trail(None).unwrap()
    );
    // Every table, by column name, as the fingerprints hash it.
    let theirs = team.export_rows().unwrap();
    for ours in original.export_rows().unwrap() {
        let same = theirs.iter().find(|t| t.table == ours.table).unwrap();
        assert_eq!(same.rows.len(), ours.rows.len(), "{}", ours.table);
        for (column_index, column) in ours.columns.iter().enumerate() {
            let there = same.columns.iter().position(|c| c == column).unwrap();
            for (a, b) in ours.rows.iter().zip(&same.rows) {
                assert_eq!(a[column_index], b[there], "{}.{column}", ours.table);
            }
        }
    }
    // And out of PostgreSQL again, into a new SQLite file: the same head.
    let back = sandbox.path("back.json");
    sandbox.ok(&[
        "--db",
        &url,
        "export",
        "--format",
        "json",
        "--out",
        s(&back),
    ]);
    let returned = sandbox.path("returned.db");
    sandbox.ok(&["--db", s(&returned), "import", s(&back)]);
    assert_eq!(
        head_of(&sandbox.ok(&["--db", s(&returned), "verify"])),
        source_head
    );
}

/// One CSV file: its header and rows, the byte-order mark checked and taken off.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).unwrap();
    let text = bytes
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or_else(|| panic!("{} has no byte-order mark", path.display()));
    let mut reader = csv::Reader::from_reader(text);
    let headers = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (headers, rows)
}

#[test]
fn the_csv_reads_as_the_record_does() {
    let sandbox = Sandbox::new();
    let (source, _) = sandbox.demo_export();
    // An accent and a would-be formula, as a DSL might type them.
    sandbox.ok(&[
        "--db",
        s(&source),
        "amend",
        "1",
        "summary",
        "=Zoë said so",
        "--why",
        "typo",
    ]);
    let folder = sandbox.path("csv");
    let out = sandbox.ok(&[
        "--db",
        s(&source),
        "export",
        "--format",
        "csv",
        "--out",
        s(&folder),
    ]);
    assert!(out.contains("for reading in a spreadsheet"), "{out}");
    assert_eq!(mode(&folder), 0o700);
    for name in [
        "escalations.csv",
        "discussions.csv",
        "actions.csv",
        "stage-changes.csv",
        "notifications.csv",
        "outcomes.csv",
        "corrections.csv",
        "audit-trail.csv",
    ] {
        assert_eq!(mode(&folder.join(name)), 0o600, "{name}");
        assert!(out.contains(name), "{out}");
    }
    let (headers, rows) = read_csv(&folder.join("escalations.csv"));
    for wanted in [
        "Escalation",
        "Procedure",
        "Child",
        "Child's date of birth",
        "Raised at",
        "Stage now",
        "Open",
    ] {
        assert!(headers.iter().any(|h| h == wanted), "{wanted}: {headers:?}");
    }
    let shown: serde_json::Value =
        serde_json::from_str(&sandbox.ok(&["--db", s(&source), "--json", "show", "2"])).unwrap();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let row = rows
        .iter()
        .find(|r| r[column("Escalation")] == "2")
        .unwrap();
    assert_eq!(
        row[column("Child")],
        shown["child"]["name"].as_str().unwrap()
    );
    assert_eq!(
        row[column("Child's date of birth")],
        shown["child"]["dob"].as_str().unwrap()
    );
    assert_eq!(
        row[column("Procedure")],
        shown["procedure"].as_str().unwrap()
    );
    assert_eq!(row[column("Stage now")], shown["stage"].to_string());
    assert_eq!(
        row[column("Open")],
        if shown["status"] == "open" {
            "yes"
        } else {
            "no"
        }
    );
    // The amendment reads with its accent, and its formula is shown, never run.
    let (headers, rows) = read_csv(&folder.join("amendments.csv"));
    let new_value = headers.iter().position(|h| h == "New value").unwrap();
    assert_eq!(rows[0][new_value], "'=Zoë said so");
    // The audit trail has every entry.
    let (_, trail) = read_csv(&folder.join("audit-trail.csv"));
    let head = head_of(&sandbox.ok(&["--db", s(&source), "verify"]));
    assert_eq!(trail.len().to_string(), head.split(':').next().unwrap());

    // Not over the files already there, unless --force.
    let error = sandbox.refused(&[
        "--db",
        s(&source),
        "export",
        "--format",
        "csv",
        "--out",
        s(&folder),
    ]);
    assert!(error.contains("already exists"), "{error}");
    sandbox.ok(&[
        "--db",
        s(&source),
        "export",
        "--format",
        "csv",
        "--out",
        s(&folder),
        "--force",
    ]);
}

/// The export, changed by `edit`, written beside it; the path.
fn tampered(
    sandbox: &Sandbox,
    export: &Path,
    name: &str,
    edit: impl FnOnce(&mut serde_json::Value),
) -> PathBuf {
    let mut document: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(export).unwrap()).unwrap();
    edit(&mut document);
    let path = sandbox.path(name);
    std::fs::write(&path, document.to_string()).unwrap();
    path
}

fn table<'a>(document: &'a mut serde_json::Value, name: &str) -> &'a mut serde_json::Value {
    document["tables"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|t| t["table"] == name)
        .unwrap()
}

#[test]
fn a_tampered_or_foreign_export_is_refused_with_nothing_written() {
    let sandbox = Sandbox::new();
    let (_, export) = sandbox.demo_export();
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            tampered(&sandbox, &export, "row.json", |d| {
                table(d, "escalations")["rows"][1][10] = "A different summary.".into();
            }),
            "has been changed since",
        ),
        (
            tampered(&sandbox, &export, "hash.json", |d| {
                let audit = table(d, "audit");
                let last = audit["rows"].as_array().unwrap().len() - 1;
                let hash = audit["columns"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .position(|c| c == "hash")
                    .unwrap();
                audit["rows"][last][hash] = "0".repeat(64).into();
            }),
            "content was changed",
        ),
        (
            tampered(&sandbox, &export, "state.json", |d| {
                table(d, "escalation_state")["rows"][0][2] = 4.into();
            }),
            "escalation_state",
        ),
        (
            tampered(&sandbox, &export, "missing.json", |d| {
                d["tables"]
                    .as_array_mut()
                    .unwrap()
                    .retain(|t| t["table"] != "outcomes");
            }),
            "outcomes nowhere",
        ),
        (
            tampered(&sandbox, &export, "version.json", |d| {
                d["format_version"] = 2.into();
            }),
            "format version 2",
        ),
        (
            tampered(&sandbox, &export, "head.json", |d| {
                d["head"] = format!("3:{}", "a".repeat(64)).into();
            }),
            "not the 3:",
        ),
        (
            tampered(&sandbox, &export, "foreign.json", |d| {
                d["format"] = "something-else".into();
            }),
            "not an escalate export",
        ),
        (
            tampered(&sandbox, &export, "dropped.json", |d| {
                // The last entry gone, and the head moved back to match: still refused, since
                // the row it recorded then has no entry.
                let audit = table(d, "audit");
                let rows = audit["rows"].as_array_mut().unwrap();
                rows.pop();
                let hash = rows.last().unwrap()[10].as_str().unwrap().to_owned();
                let count = rows.len();
                d["head"] = format!("{count}:{hash}").into();
            }),
            "has no audit entry",
        ),
    ];
    let text = std::fs::read_to_string(&export).unwrap();
    let truncated = sandbox.path("truncated.json");
    std::fs::write(&truncated, &text[..text.len() / 2]).unwrap();
    // Changed in place, the file as escalate wrote it otherwise (read a row at a time).
    let renamed = sandbox.path("renamed.json");
    assert!(text.contains("Leo Example"));
    std::fs::write(&renamed, text.replacen("Leo Example", "Leo Exampel", 1)).unwrap();
    let cases = cases.into_iter().chain([
        (truncated, "ends part-way through"),
        (renamed, "has been changed since"),
    ]);
    for (n, (file, why)) in cases.enumerate() {
        let target = sandbox.db(&format!("target-{n}.db"));
        sandbox.ok(&["--db", s(&target), "init", "--plaintext"]);
        let error = sandbox.refused(&["--db", s(&target), "import", s(&file)]);
        assert!(
            error.contains("nothing was written"),
            "{}: {error}",
            file.display()
        );
        assert!(
            error.contains(why),
            "{}: wanted {why:?} in {error}",
            file.display()
        );
        // No child's name in the refusal.
        for name in ["Ava Sample", "Leo Example"] {
            assert!(!error.contains(name), "{error}");
        }
        // Into a database the import would make: none is left behind.
        let new = sandbox.db(&format!("new-{n}.db"));
        sandbox.refused(&["--db", s(&new), "import", s(&file)]);
        if support::db::is_url(&new) {
            // A team's database gets escalate's tables on first use, as from any command
            // (`Context::database_exists`); not a row of the record.
            assert!(rows(&new).iter().all(|t| t.rows.is_empty()), "{n}");
        } else {
            assert!(!new.exists(), "{}", new.display());
        }
        let rows = rows(&target);
        assert!(
            rows.iter().all(|t| t.rows.is_empty()),
            "{}: something was written",
            file.display()
        );
    }
}

#[test]
fn a_database_that_holds_records_is_refused_and_left_as_it_was() {
    let sandbox = Sandbox::new();
    let (source, export) = sandbox.demo_export();
    let before = rows(&source);
    let error = sandbox.refused(&["--db", s(&source), "import", s(&export)]);
    assert!(error.contains("empty database"), "{error}");
    assert!(error.contains("nothing was written"), "{error}");
    assert_eq!(rows(&source), before);
    // A dry run checks the whole file and writes nothing anywhere.
    let target = sandbox.db("dry.db");
    let before = support::db::state(&target);
    let out = sandbox.ok(&["--db", s(&target), "import", "--dry-run", s(&export)]);
    assert!(out.starts_with("Dry run: nothing was written."), "{out}");
    assert_eq!(support::db::state(&target), before);
    let error = sandbox.refused(&["--db", s(&target), "import", "--skip-invalid", s(&export)]);
    assert!(error.contains("whole or not at all"), "{error}");
}

#[test]
fn privacy_hides_every_childs_name_and_address_in_the_csv() {
    let sandbox = Sandbox::new();
    let (source, _) = sandbox.demo_export();
    sandbox.ok(&[
        "--db",
        s(&source),
        "amend",
        "2",
        "child",
        "Leo Exampel",
        "--why",
        "misspelt",
    ]);
    let names: Vec<String> = rows(&source)
        .into_iter()
        .find(|t| t.table == "escalations")
        .map(|t| {
            let at = t.columns.iter().position(|c| c == "child_name").unwrap();
            t.rows
                .iter()
                .map(|r| r[at].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap();
    assert!(names.len() >= 10);
    let folder = sandbox.path("private");
    let out = sandbox.ok(&[
        "--db",
        s(&source),
        "export",
        "--format",
        "csv",
        "--privacy",
        "--out",
        s(&folder),
    ]);
    assert!(out.contains("as initials"), "{out}");
    let mut all = String::new();
    for entry in std::fs::read_dir(&folder).unwrap() {
        all.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    for name in names
        .iter()
        .map(String::as_str)
        .chain(["Leo Exampel", "LU1 1AA"])
    {
        assert!(!all.contains(name), "{name} is in the private export");
    }
    let (headers, rows) = read_csv(&folder.join("escalations.csv"));
    let child = headers.iter().position(|h| h == "Child").unwrap();
    assert!(rows.iter().all(|r| r[child].ends_with('.')), "{rows:?}");
    let (_, details) = read_csv(&folder.join("details.csv"));
    assert!(
        details
            .iter()
            .any(|r| r.contains(&"[address withheld]".to_owned()))
    );
    // The JSON is the record exactly as kept: it has no private form.
    let error = sandbox.refused(&[
        "--db",
        s(&source),
        "export",
        "--format",
        "json",
        "--privacy",
    ]);
    assert!(error.contains("--format csv --privacy"), "{error}");
}

/// Runs this very binary again with `ESCALATE_TEST_BACKEND=postgres` (each sandbox's `--db` a
/// database of its own on the tests' cluster), so every test above passes on PostgreSQL too: a
/// parameter, not a copy.
#[test]
fn every_test_here_passes_on_postgresql_too() {
    if support::pg::on_postgres() {
        return;
    }
    support::pg::rerun_on_postgres(
        "every_test_here_passes_on_postgresql_too",
        &[
            // Already SQLite to PostgreSQL to SQLite on every run: the same test again.
            "the_demo_caseload_restores_into_postgresql",
        ],
    );
}
