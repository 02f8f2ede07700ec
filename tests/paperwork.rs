//! Issue 15, the forms: every form filled from a fixed caseload in text, Markdown and HTML
//! (golden files), the HTML printed by a real browser (headless Chromium to PDF, read back with
//! `pdftotext`), the blanks asked for or left visible, `--out` files kept private, the details
//! the forms ask recorded once and amended after, and a form sent kept with the record and
//! covered by `verify`.
//!
//! They run on SQLite, and again on PostgreSQL ([`every_test_here_passes_on_postgresql_too`]).

mod sandbox;
mod support;

mod common;
use sandbox::Sandbox;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

impl Sandbox {
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn fails(&self, now: &str, args: &[&str]) -> String {
        let out = self.run(now, args);
        assert!(!out.status.success(), "{args:?} should have failed");
        String::from_utf8(out.stderr).unwrap()
    }

    fn add_procedure(&self, name: &str, text: &str) {
        let folder = self.dir.path().join("config/escalate/procedures");
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join(name), text).unwrap();
    }
}

/// When every form below is made.
const FORM_NOW: &str = "2026-11-26 10:00";

/// A fixed caseload: 1 Pan Bedfordshire, taken to stage 4 and resolved, with every detail the
/// forms ask; 2 Staffordshire, agreed and resolved; 3 Barnet, resolved with learning; 4 London,
/// open at stage 1.
fn caseload() -> Sandbox {
    let s = Sandbox::new();
    std::fs::write(s.path("address"), "12 Example Road\nLuton").unwrap();
    let common = |procedure: &'static str, child: &'static str| {
        vec![
            "new",
            "--procedure",
            procedure,
            "--child",
            child,
            "--dob",
            "2015-03-04",
            "--raised-by",
            "Jo Bloggs (DSL)",
            "--agency",
            "Oak Primary School",
            "--category",
            "thresholds",
            "--concern-at",
            "2026-11-16 08:30",
            "--raised-at",
            "2026-11-16 09:00",
        ]
    };
    let mut one = common("pan-bedfordshire", "Ava Sample");
    let address = s.path("address");
    one.extend([
        "--partnership",
        "luton",
        "--raised-with",
        "Luton MASH, duty team",
        "--summary",
        "Referral for early help refused without a home visit.",
        "--outcome-sought",
        "A home visit and the referral reconsidered.",
        "--referrer-phone",
        "01582 000000",
        "--referrer-email",
        "dsl@oak.example.org",
        "--referrer-manager",
        "Sam Head, Headteacher",
        "--child-address-file",
        address.to_str().unwrap(),
        "--child-postcode",
        "LU1 1AA",
        "--need-level",
        "targeted-support",
        "--family-aware",
        "yes",
        "--views-agreed",
        "no",
    ]);
    assert_eq!(s.ok("2026-11-16 09:00", &one).trim(), "1");
    let steps: &[(&str, &[&str])] = &[
        (
            "2026-11-16 11:00",
            &[
                "discuss",
                "1",
                "--with",
                "Duty social worker",
                "--mode",
                "phone",
                "--notes",
                "Practitioners discussed; no agreement.",
            ],
        ),
        (
            "2026-11-17 10:00",
            &[
                "advance",
                "1",
                "--reason",
                "Not resolved between practitioners",
            ],
        ),
        (
            "2026-11-19 10:00",
            &[
                "discuss",
                "1",
                "--with",
                "MASH team manager",
                "--mode",
                "video",
                "--notes",
                "Managers discussed; not agreed.",
            ],
        ),
        (
            "2026-11-20 10:00",
            &["advance", "1", "--reason", "Managers could not agree"],
        ),
        (
            "2026-11-23 10:00",
            &[
                "advance",
                "1",
                "--reason",
                "Senior managers could not agree",
            ],
        ),
        (
            "2026-11-24 10:00",
            &[
                "discuss",
                "1",
                "--with",
                "Partnership panel",
                "--mode",
                "meeting",
                "--notes",
                "Resolution meeting held; plan agreed.",
            ],
        ),
        (
            "2026-11-24 12:00",
            &[
                "meeting",
                "1",
                "--chair",
                "Head of Service, Luton Council",
                "--attendees",
                "Jo Bloggs, DSL, Oak Primary\nKim Lee, Team Manager, MASH",
                "--review-date",
                "2026-12-14",
            ],
        ),
        (
            "2026-11-24 12:00",
            &[
                "action",
                "add",
                "1",
                "--what",
                "Home visit",
                "--owner",
                "Kim Lee",
                "--due",
                "2026-11-27",
            ],
        ),
        (
            "2026-11-24 12:00",
            &[
                "action",
                "add",
                "1",
                "--what",
                "Review the referral",
                "--owner",
                "Jo Bloggs",
                "--due",
                "2026-12-01",
            ],
        ),
        (
            "2026-11-25 10:00",
            &[
                "resolve",
                "1",
                "--how",
                "Home visit agreed and referral reopened.",
                "--learning",
                "Ask for a visit sooner.",
                "--child-record-updated",
                "yes",
                "--parents-informed",
                "yes",
            ],
        ),
    ];
    for (now, args) in steps {
        s.ok(now, args);
    }

    let mut two = common("staffordshire", "Noah Fictional");
    two.extend([
        "--raised-with",
        "Children's Services, MASH",
        "--summary",
        "Strategy discussion not held.",
        "--outcome-sought",
        "A strategy discussion this week.",
        "--referrer-manager",
        "Sam Head, Headteacher",
    ]);
    assert_eq!(s.ok("2026-11-16 09:00", &two).trim(), "2");
    s.ok(
        "2026-11-17 10:00",
        &[
            "discuss",
            "2",
            "--with",
            "MASH social worker",
            "--mode",
            "phone",
            "--notes",
            "Strategy discussion booked for Thursday.",
            "--decisions",
            "Strategy discussion on Thursday 19 November.",
            "--agreed",
        ],
    );
    s.ok(
        "2026-11-17 12:00",
        &["resolve", "2", "--how", "Strategy discussion booked."],
    );

    let mut three = common("barnet", "Isla Model");
    three.extend([
        "--raised-with",
        "Barnet MASH",
        "--summary",
        "Information not shared before the conference.",
    ]);
    assert_eq!(s.ok("2026-11-16 09:00", &three).trim(), "3");
    s.ok(
        "2026-11-16 10:00",
        &[
            "resolve",
            "3",
            "--how",
            "Information shared the same day.",
            "--learning",
            "Share before conference invitations go out.",
        ],
    );

    let mut four = common("london", "Yusuf Démo");
    four.extend([
        "--raised-with",
        "Bromley Children's Social Care",
        "--summary",
        "Threshold disputed.",
    ]);
    assert_eq!(s.ok("2026-11-16 09:00", &four).trim(), "4");
    s.ok(
        "2026-11-16 11:00",
        &[
            "discuss",
            "4",
            "--with",
            "Duty team",
            "--mode",
            "phone",
            "--notes",
            "No agreement yet.",
        ],
    );
    s.ok(
        "2026-11-16 11:00",
        &[
            "action",
            "add",
            "4",
            "--what",
            "Send the chronology",
            "--owner",
            "Jo Bloggs",
            "--due",
            "2026-11-18",
        ],
    );
    s
}

/// Every form of the caseload: (escalation, form).
const FORMS: &[(&str, &str)] = &[
    ("1", "appendix-1"),
    ("1", "appendix-2"),
    ("1", "appendix-3"),
    ("1", "appendix-4"),
    ("1", "appendix-5"),
    ("1", "record"),
    ("2", "escalation-form"),
    ("2", "outcome-letter"),
    ("3", "action-log"),
    ("4", "record"),
];

#[test]
fn every_form_in_every_format_matches_its_golden_file() {
    let s = caseload();
    for (id, form) in FORMS {
        for (format, extension) in [("text", "txt"), ("markdown", "md"), ("html", "html")] {
            let out = s.ok(FORM_NOW, &["form", id, form, "--format", format]);
            insta::assert_snapshot!(format!("{id}-{form}.{extension}"), out);
        }
    }
}

/// A form as printed: its title, and each field's label with its values (a table's cells).
type Printed = (String, Vec<(String, Vec<String>)>);

/// What a form's fields read, from `escalate form --json`: (label, each value).
fn labels_and_values(s: &Sandbox, id: &str, form: Option<&str>) -> Vec<Printed> {
    let mut args = vec!["--json", "form", id];
    match form {
        Some(f) => args.push(f),
        None => args.push("--all"),
    }
    let forms: serde_json::Value = serde_json::from_str(&s.ok(FORM_NOW, &args)).unwrap();
    forms
        .as_array()
        .unwrap()
        .iter()
        .map(|form| {
            let fields = form["fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    let label = f["label"].as_str().unwrap().to_owned();
                    let values = match f["value"]["kind"].as_str().unwrap() {
                        "text" => vec![f["value"]["value"].as_str().unwrap().to_owned()],
                        "table" => f["value"]["value"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .flat_map(|row| row.as_array().unwrap().iter())
                            .map(|c| c.as_str().unwrap().to_owned())
                            .collect(),
                        _ => vec!["[not recorded — fill in by hand]".to_owned()],
                    };
                    (label, values)
                })
                .collect();
            (form["title"].as_str().unwrap().to_owned(), fields)
        })
        .collect()
}

fn words(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn tool(name: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Prints `html` to PDF with headless Chromium, and returns the PDF's text, page by page.
fn print_in_chromium(s: &Sandbox, html: &Path) -> Vec<String> {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| tool(b));
    let (Some(browser), true) = (browser, tool("pdftotext")) else {
        panic!(
            "this test prints the forms in a real browser: install Chromium and poppler-utils first (Debian: apt-get install -y chromium poppler-utils; .ci/run does it)"
        );
    };
    let pdf = s.path("forms.pdf");
    let profile = s.path("chromium-profile");
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-pdf-header-footer",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", html.display()))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        pdf.exists(),
        "Chromium made no PDF: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = Command::new("pdftotext")
        .args(["-enc", "UTF-8"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    assert!(text.status.success());
    let text = String::from_utf8(text.stdout).unwrap();
    // pdftotext ends each page with a form feed.
    let mut pages: Vec<String> = text.split('\u{0C}').map(str::to_owned).collect();
    if pages.last().is_some_and(|p| p.trim().is_empty()) {
        pages.pop();
    }
    pages
}

/// The HTML prints cleanly in a real browser: one form a page, every label and value on it.
#[test]
fn the_html_prints_one_form_a_page_in_a_real_browser() {
    let s = caseload();
    for id in ["1", "2", "3", "4"] {
        let html = s.path(&format!("forms-{id}.html"));
        s.ok(
            FORM_NOW,
            &[
                "form",
                id,
                "--all",
                "--format",
                "html",
                "--out",
                html.to_str().unwrap(),
            ],
        );
        let expected = labels_and_values(&s, id, None);
        let pages = print_in_chromium(&s, &html);
        assert_eq!(
            pages.len(),
            expected.len(),
            "escalation {id}: one page a form; got {} pages for {} forms",
            pages.len(),
            expected.len()
        );
        for ((title, fields), page) in expected.iter().zip(&pages) {
            let page = words(page);
            assert!(
                page.contains(&words(title)),
                "{title} not on its page:\n{page}"
            );
            for (label, values) in fields {
                assert!(
                    page.contains(&words(label)),
                    "{title}: label {label:?} not printed:\n{page}"
                );
                for value in values {
                    assert!(
                        page.contains(&words(value)),
                        "{title}: {label}: value {value:?} not printed:\n{page}"
                    );
                }
            }
        }
    }
}

#[test]
fn a_field_the_record_cannot_fill_is_set_or_left_visibly_blank() {
    let s = caseload();
    let blank = s.ok(FORM_NOW, &["form", "1", "appendix-2"]);
    assert!(
        blank.contains(
            "9. Name and Position of Person Completing Form\n    [not recorded — fill in by hand]"
        ),
        "{blank}"
    );
    let set = s.ok(
        FORM_NOW,
        &[
            "form",
            "1",
            "appendix-2",
            "--set",
            "completed-by=Jo Bloggs, DSL",
        ],
    );
    assert!(
        set.contains("9. Name and Position of Person Completing Form\n    Jo Bloggs, DSL"),
        "{set}"
    );
    assert!(!set.contains("fill in by hand"), "{set}");
    // What the record holds is never overridden on a form, and a field that is not there is named.
    let err = s.fails(
        FORM_NOW,
        &["form", "1", "appendix-2", "--set", "child=Someone Else"],
    );
    assert!(
        err.contains("child is filled from the record") && err.contains("escalate amend 1"),
        "{err}"
    );
    let err = s.fails(
        FORM_NOW,
        &["form", "1", "appendix-2", "--set", "shoe-size=4"],
    );
    assert!(
        err.contains("no field \"shoe-size\"") && err.contains("completed-by"),
        "{err}"
    );
    let err = s.fails(FORM_NOW, &["form", "1", "appendix-9"]);
    assert!(
        err.contains("no form \"appendix-9\"") && err.contains("appendix-2"),
        "{err}"
    );
}

#[test]
fn the_list_says_which_forms_there_are_and_which_are_owed() {
    let s = caseload();
    // Escalation 1 was resolved at stage 4: nothing is owed by a notification at stage 4.
    let list = s.ok(FORM_NOW, &["form", "4", "--list"]);
    assert!(
        list.contains("record") && list.contains("Record of escalation"),
        "{list}"
    );
    let s = Sandbox::new();
    s.ok(
        "2026-11-16 09:00",
        &[
            "new",
            "--procedure",
            "pan-bedfordshire",
            "--partnership",
            "luton",
            "--child",
            "Ava Sample",
            "--raised-by",
            "Jo",
            "--agency",
            "School",
            "--raised-with",
            "MASH",
            "--category",
            "thresholds",
            "--summary",
            "S",
        ],
    );
    s.ok(
        "2026-11-17 09:00",
        &["advance", "1", "--reason", "Not resolved"],
    );
    let list = s.ok("2026-11-17 10:00", &["form", "1", "--list"]);
    assert!(list.contains("* appendix-2"), "{list}");
    assert!(list.contains("owed: notification appendix-2"), "{list}");
    assert!(
        list.contains("not on the record: dob, completed-by"),
        "{list}"
    );
    assert!(list.contains("  appendix-3 "), "{list}");
    // What the app understood of each field, as procedures show says it.
    let shown = s.ok(
        "2026-11-17 10:00",
        &["procedures", "show", "pan-bedfordshire"],
    );
    assert!(
        shown.contains("8. Date Escalation moved to Stage 2 <- stage.2.entered_at (stage-2-date)"),
        "{shown}"
    );
}

#[test]
fn out_files_are_private_and_never_replaced_without_force() {
    use std::os::unix::fs::PermissionsExt as _;
    let s = caseload();
    let out = s.path("appendix-2.html");
    let said = s.ok(
        FORM_NOW,
        &["form", "1", "appendix-2", "--out", out.to_str().unwrap()],
    );
    assert!(
        said.contains("Left blank to fill in by hand: appendix-2.completed-by"),
        "{said}"
    );
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(
        written.starts_with("<!DOCTYPE html>"),
        "the extension chose HTML"
    );
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
    std::fs::write(&out, "kept").unwrap();
    let err = s.fails(
        FORM_NOW,
        &["form", "1", "appendix-2", "--out", out.to_str().unwrap()],
    );
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "kept");
    s.ok(
        FORM_NOW,
        &[
            "form",
            "1",
            "appendix-2",
            "--out",
            out.to_str().unwrap(),
            "--force",
        ],
    );
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("Ava Sample")
    );
    assert_eq!(
        std::fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

/// Nothing from the record reaches the HTML unescaped, and no resource is fetched from
/// anywhere.
#[test]
fn the_html_escapes_the_record_and_loads_nothing() {
    let s = Sandbox::new();
    s.ok(
        "2026-11-16 09:00",
        &[
            "new",
            "--procedure",
            "london",
            "--child",
            "Ava <b>Sample</b>",
            "--raised-by",
            "Jo & \"Co\"",
            "--agency",
            "School",
            "--raised-with",
            "<script>alert(1)</script>",
            "--category",
            "thresholds",
            "--summary",
            "<img src=x onerror=alert(1)>",
        ],
    );
    let html = s.ok(FORM_NOW, &["form", "1", "record", "--format", "html"]);
    assert!(
        !html.contains("<script>") && !html.contains("<img") && !html.contains("<b>"),
        "{html}"
    );
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
            && html.contains("Jo &amp; &quot;Co&quot;")
    );
    for external in ["http://", "https://", "src=", "@import", "url("] {
        assert!(
            !html.replace("&lt;img src=x", "").contains(external),
            "{external}"
        );
    }
    assert!(html.contains("@page") && html.contains("page-break-after"));
}

#[test]
fn privacy_hides_the_name_and_withholds_the_address() {
    let s = caseload();
    let form = s.ok(FORM_NOW, &["form", "1", "appendix-4", "--privacy"]);
    assert!(!form.contains("Ava") && !form.contains("Sample"), "{form}");
    assert!(
        !form.contains("Example Road") && !form.contains("LU1"),
        "{form}"
    );
    assert!(
        form.contains("[address withheld]") && form.contains("S."),
        "{form}"
    );
}

#[test]
fn details_are_recorded_once_and_corrected_by_an_amendment() {
    let s = caseload();
    let err = s.fails(FORM_NOW, &["details", "4", "--need-level", "urgent"]);
    assert!(
        err.contains("--need-level: \"urgent\" is not one of: early-help"),
        "{err}"
    );
    s.ok(
        FORM_NOW,
        &["details", "4", "--referrer-phone", "020 7946 0000"],
    );
    let err = s.fails(
        FORM_NOW,
        &["details", "4", "--referrer-phone", "020 7946 0001"],
    );
    assert!(
        err.contains("--referrer-phone: is already recorded")
            && err.contains("escalate amend 4 referrer-phone"),
        "{err}"
    );
    s.ok(
        FORM_NOW,
        &[
            "amend",
            "4",
            "referrer-phone",
            "020 7946 0001",
            "--why",
            "Wrong extension",
        ],
    );
    let json: serde_json::Value =
        serde_json::from_str(&s.ok(FORM_NOW, &["--json", "show", "4"])).unwrap();
    assert_eq!(json["details"]["referrer_phone"], "020 7946 0001");
    let show = s.ok(FORM_NOW, &["show", "4"]);
    assert!(
        show.contains("referrer-phone (the referrer's contact number): 020 7946 0001"),
        "{show}"
    );
    let history = s.ok(FORM_NOW, &["history", "4"]);
    assert!(
        history.contains("referrer-phone recorded: \"020 7946 0000\""),
        "{history}"
    );
    assert!(
        history.contains("amended referrer-phone from \"020 7946 0000\" to \"020 7946 0001\""),
        "{history}"
    );
    // The address is never written into the audit trail's words, recorded or amended.
    s.ok(FORM_NOW, &["details", "4", "--child-postcode", "BR1 1AA"]);
    s.ok(
        FORM_NOW,
        &["amend", "4", "child-postcode", "BR2 2BB", "--why", "Moved"],
    );
    let history = s.ok(FORM_NOW, &["history", "4"]);
    assert!(
        !history.contains("BR1") && !history.contains("BR2"),
        "{history}"
    );
    assert!(
        history.contains("amended child-postcode: Moved"),
        "{history}"
    );
    assert!(s.ok(FORM_NOW, &["verify"]).starts_with("OK"));
}

/// Marking a notification sent keeps the form that was sent: its text with the record, its
/// SHA-256 in the audit trail, and `verify` covers both.
#[test]
fn a_form_sent_is_kept_with_the_record_and_verified() {
    let s = Sandbox::new();
    s.ok(
        "2026-11-16 09:00",
        &[
            "new",
            "--procedure",
            "pan-bedfordshire",
            "--partnership",
            "luton",
            "--child",
            "Ava Sample",
            "--raised-by",
            "Jo",
            "--agency",
            "School",
            "--raised-with",
            "MASH",
            "--category",
            "thresholds",
            "--summary",
            "S",
        ],
    );
    s.ok(
        "2026-11-17 09:00",
        &["advance", "1", "--reason", "Not resolved"],
    );
    let said = s.ok(
        "2026-11-17 10:00",
        &[
            "notify",
            "1",
            "appendix-2",
            "--method",
            "secure-email",
            "--form",
            "--set",
            "completed-by=Jo, DSL",
        ],
    );
    let expected = s.ok(
        "2026-11-17 10:00",
        &["form", "1", "appendix-2", "--set", "completed-by=Jo, DSL"],
    );
    let digest = sha256(&expected);
    assert!(
        said.contains(&format!(
            "form appendix-2 kept with notification appendix-2 (sha256 {digest})"
        )),
        "{said}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&s.ok("2026-11-17 10:00", &["--json", "show", "1"])).unwrap();
    assert_eq!(json["attachments"][0]["sha256"], digest.as_str());
    assert_eq!(
        json["attachments"][0]["text"],
        expected.as_str(),
        "the form is kept whole"
    );
    assert!(
        s.ok("2026-11-17 10:00", &["history", "1"])
            .contains(&digest)
    );
    assert!(s.ok("2026-11-17 10:00", &["verify"]).starts_with("OK"));

    // A file attached as it was sent.
    let s = caseload();
    let file = s.path("letter.txt");
    std::fs::write(&file, "Dear referrer,\nThe matter is being looked at.\n").unwrap();
    s.ok(
        "2026-11-17 10:00",
        &["advance", "4", "--reason", "Not resolved"],
    );
    let said = s.ok(
        "2026-11-17 11:00",
        &[
            "notify",
            "4",
            "inform-referrer",
            "--method",
            "letter",
            "--attach",
            file.to_str().unwrap(),
        ],
    );
    assert!(
        said.contains(&sha256("Dear referrer,\nThe matter is being looked at.\n")),
        "{said}"
    );
    let err = s.fails(
        "2026-11-17 11:00",
        &[
            "notify",
            "4",
            "inform-referrer",
            "--method",
            "letter",
            "--form",
        ],
    );
    assert!(
        err.contains("already recorded as sent") || err.contains("names no form"),
        "{err}"
    );
}

#[test]
fn a_kept_form_follows_its_notification_corrected_as_not_sent() {
    let s = caseload();
    s.ok(
        "2026-11-17 10:00",
        &["advance", "4", "--reason", "Not resolved"],
    );
    let file = s.path("letter.txt");
    std::fs::write(&file, "Dear referrer,\nFirst letter.\n").unwrap();
    let notify = |now: &str| {
        s.ok(
            now,
            &[
                "notify",
                "4",
                "inform-referrer",
                "--method",
                "letter",
                "--attach",
                file.to_str().unwrap(),
            ],
        )
    };
    notify("2026-11-17 11:00");
    s.ok(
        "2026-11-17 12:00",
        &[
            "correct",
            "4",
            "notification",
            "inform-referrer",
            "--not-sent",
            "--why",
            "Letter never posted",
        ],
    );
    let shown = s.ok("2026-11-17 12:00", &["show", "4"]);
    let kept: Vec<&str> = shown
        .lines()
        .filter(|l| l.starts_with("Form kept"))
        .collect();
    assert_eq!(kept.len(), 1, "the form is kept, never deleted: {shown}");
    assert!(
        kept[0].contains("withdrawn: the notification was corrected as not sent")
            && kept[0].contains("Letter never posted"),
        "{shown}"
    );
    // Sent again, with the letter as really posted: the new form stands, the old stays withdrawn.
    std::fs::write(&file, "Dear referrer,\nSecond letter.\n").unwrap();
    notify("2026-11-18 09:00");
    let json: serde_json::Value =
        serde_json::from_str(&s.ok("2026-11-18 09:00", &["--json", "show", "4"])).unwrap();
    let attachments = json["attachments"].as_array().unwrap();
    assert_eq!(attachments.len(), 2);
    assert_eq!(attachments[0]["withdrawn"]["why"], "Letter never posted");
    assert!(attachments[0]["withdrawn"]["correction"].as_i64().is_some());
    assert!(attachments[1]["withdrawn"].is_null(), "{json}");
    assert_eq!(attachments[1]["text"], "Dear referrer,\nSecond letter.\n");
    let shown = s.ok("2026-11-18 09:00", &["show", "4"]);
    let kept: Vec<&str> = shown
        .lines()
        .filter(|l| l.starts_with("Form kept"))
        .collect();
    assert_eq!(kept.len(), 2, "{shown}");
    assert!(
        kept[0].contains("withdrawn") && !kept[1].contains("withdrawn"),
        "{shown}"
    );
    assert!(s.ok("2026-11-18 09:00", &["verify"]).starts_with("OK"));
}

fn sha256(text: &str) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// An unknown source is refused with the file, the line and the field, and nothing of the file
/// is used.
#[test]
fn an_unknown_source_is_refused_naming_file_line_and_field() {
    let s = Sandbox::new();
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/procedures/invalid/unknown-form-source.toml"),
    )
    .unwrap();
    s.add_procedure("unknown-form-source.toml", &text);
    let out = s.run(FORM_NOW, &["procedures"]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("procedures/unknown-form-source.toml:21: forms[referral].fields.shoe.source: unknown source \"child.shoe_size\"; use one of: ask, child.name"),
        "{err}"
    );
    assert!(
        err.contains("procedures/unknown-form-source.toml:26: forms[referral].fields.plan.columns: actions.plan gives a table"),
        "{err}"
    );
}

/// On a terminal, `escalate form` asks for each field the record cannot fill (a real
/// pseudo-terminal, through tmux, which the CI image has; without it this fails, never skips).
#[test]
fn on_a_terminal_the_fields_the_record_cannot_fill_are_asked_for() {
    use std::time::{Duration, Instant};
    assert!(
        tool("tmux"),
        "this test needs tmux (Debian: apt-get install -y tmux)"
    );
    let s = caseload();
    let socket = s.path("tmux.sock");
    let out = s.path("asked.txt");
    let command = format!(
        "env XDG_CONFIG_HOME={} XDG_DATA_HOME={} HOME={} ESCALATE_PASSPHRASE_FILE={} {} --db {} --now '{FORM_NOW}' form 1 appendix-2 --out {}",
        s.path("config").display(),
        s.path("data").display(),
        s.dir.path().display(),
        s.path("passphrase").display(),
        env!("CARGO_BIN_EXE_escalate"),
        s.db.display(),
        out.display()
    );
    let tmux = |args: &[&str]| {
        Command::new("tmux")
            .arg("-S")
            .arg(&socket)
            .args(args)
            .output()
            .unwrap()
    };
    struct Server<'a>(&'a Path);
    impl Drop for Server<'_> {
        fn drop(&mut self) {
            let _ = Command::new("tmux")
                .arg("-S")
                .arg(self.0)
                .arg("kill-server")
                .output();
        }
    }
    let started = tmux(&["new-session", "-d", "-x", "150", "-y", "20", &command]);
    assert!(started.status.success(), "{started:?}");
    let _server = Server(&socket);
    let wait_for = |what: &dyn Fn() -> bool, waiting: &str| {
        let start = Instant::now();
        while !what() {
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "gave up waiting for {waiting}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    let screen = || String::from_utf8_lossy(&tmux(&["capture-pane", "-p"]).stdout).into_owned();
    wait_for(
        &|| screen().contains("9. Name and Position of Person Completing Form [completed-by]:"),
        "the question",
    );
    assert!(screen().contains("The record cannot fill 1 field of appendix-2"));
    tmux(&["send-keys", "Jo Bloggs, DSL", "Enter"]);
    wait_for(
        &|| std::fs::read_to_string(&out).is_ok_and(|t| t.contains("Escalation 1 under")),
        "the form to be written",
    );
    let written = std::fs::read_to_string(&out).unwrap();
    assert!(
        written.contains("9. Name and Position of Person Completing Form\n    Jo Bloggs, DSL"),
        "{written}"
    );
    assert!(!written.contains("fill in by hand"), "{written}");
}

/// Runs this very binary again with `ESCALATE_TEST_BACKEND=postgres` (each sandbox's `--db` a
/// database of its own on the tests' cluster), so the forms, the details and the kept forms
/// are checked on PostgreSQL too: a parameter, not a copy.
#[test]
fn every_test_here_passes_on_postgresql_too() {
    if support::pg::on_postgres() {
        return;
    }
    support::pg::rerun_on_postgres("every_test_here_passes_on_postgresql_too", &[]);
}
