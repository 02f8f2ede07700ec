//! The exact text of `list --json` and `show --json` (issue 17), pinned so that a change to how
//! it is written cannot change what it says: the shape README.md documents, every key in sorted
//! order (as serde_json's map gave it when the JSON was built as a `Value` tree), pretty-printed
//! with two spaces, text from the database made terminal-safe.
//!
//! One caseload touches every part of the shape: a Pan Bedfordshire escalation with every
//! detail, discussions, an action done and one overdue, a form kept with a notification then
//! corrected as not sent, an amendment, a correction and a resolution; a London one withdrawn;
//! a Barnet one open at immediate risk, whose child's name is not plain ASCII.

mod common;
mod sandbox;
mod support;
use sandbox::Sandbox;

/// When the listing and the records are read.
const NOW: &str = "2026-12-02 11:00";

fn caseload() -> Sandbox {
    let s = Sandbox::new();
    let steps: &[(&str, &[&str])] = &[
        (
            "2026-11-16 09:00",
            &[
                "new",
                "--procedure",
                "pan-bedfordshire",
                "--partnership",
                "luton",
                "--child",
                "Ava Sample",
                "--dob",
                "2015-03-04",
                "--child-ref",
                "C-1001",
                "--raised-by",
                "Jo Bloggs (DSL)",
                "--agency",
                "Oak Primary School",
                "--raised-with",
                "Luton MASH, duty team",
                "--category",
                "thresholds",
                "--summary",
                "Referral for early help refused\nwithout a home visit.",
                "--outcome-sought",
                "A home visit.",
                "--concern-at",
                "2026-11-16 08:30",
                "--raised-at",
                "2026-11-16 09:00",
                "--referrer-phone",
                "01582 000000",
                "--referrer-email",
                "dsl@oak.example.org",
                "--referrer-manager",
                "Sam Head, Headteacher",
                "--child-address",
                "12 Example Road, Luton",
                "--child-postcode",
                "LU1 1AA",
                "--need-level",
                "targeted-support",
                "--family-aware",
                "yes",
                "--views-agreed",
                "no",
            ],
        ),
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
                "Practitioners discussed; no agreemnt.",
            ],
        ),
        (
            "2026-11-17 10:00",
            &["advance", "1", "--reason", "Not resolved"],
        ),
        (
            "2026-11-17 11:00",
            &[
                "notify",
                "1",
                "appendix-2",
                "--method",
                "secure-email",
                "--form",
                "--reference",
                "REF-7",
            ],
        ),
        (
            "2026-11-17 12:00",
            &[
                "correct",
                "1",
                "notification",
                "appendix-2",
                "--not-sent",
                "--why",
                "Sent to the wrong address",
            ],
        ),
        (
            "2026-11-18 10:00",
            &[
                "correct",
                "1",
                "discussion",
                "1",
                "--notes",
                "Practitioners discussed; no agreement.",
                "--why",
                "Typing mistake",
            ],
        ),
        (
            "2026-11-18 11:00",
            &[
                "amend",
                "1",
                "raised-with",
                "Luton MASH, duty team manager",
                "--why",
                "Named the team wrongly",
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
                "meeting",
                "--notes",
                "Plan agreed.",
                "--decisions",
                "Home visit this week.",
                "--agreed",
            ],
        ),
        (
            "2026-11-19 12:00",
            &[
                "meeting",
                "1",
                "--chair",
                "Head of Service",
                "--attendees",
                "Jo Bloggs, DSL\nKim Lee, Team Manager",
                "--review-date",
                "2026-12-14",
            ],
        ),
        (
            "2026-11-19 12:00",
            &[
                "action",
                "add",
                "1",
                "--what",
                "Home visit",
                "--owner",
                "Kim Lee",
                "--due",
                "2026-11-20",
            ],
        ),
        (
            "2026-11-19 12:00",
            &[
                "action",
                "add",
                "1",
                "--what",
                "Review the referral",
                "--owner",
                "Jo Bloggs",
                "--due",
                "2026-11-27",
            ],
        ),
        ("2026-11-20 15:00", &["action", "done", "1", "1"]),
        (
            "2026-11-25 10:00",
            &[
                "resolve",
                "1",
                "--how",
                "Home visit agreed.",
                "--learning",
                "Ask for a visit sooner.",
                "--child-record-updated",
                "yes",
                "--parents-informed",
                "no",
                "--why-not",
                "Not safe to tell them yet",
            ],
        ),
        (
            "2026-11-23 09:00",
            &[
                "new",
                "--procedure",
                "london",
                "--child",
                "Noah Fictional",
                "--raised-by",
                "Jo Bloggs (DSL)",
                "--agency",
                "Oak Primary School",
                "--raised-with",
                "Bromley CSC",
                "--category",
                "communication",
                "--summary",
                "No reply to two emails.",
            ],
        ),
        (
            "2026-11-24 09:00",
            &["withdraw", "2", "--why", "They replied."],
        ),
        (
            "2026-12-01 09:00",
            &[
                "new",
                "--procedure",
                "barnet",
                "--child",
                "Yusuf Démo",
                "--raised-by",
                "Jo Bloggs (DSL)",
                "--agency",
                "Oak Primary School",
                "--raised-with",
                "Barnet MASH",
                "--category",
                "information-sharing",
                "--summary",
                "Information not shared.",
                "--immediate-risk",
            ],
        ),
    ];
    for (now, args) in steps {
        s.ok(now, args);
    }
    s
}

/// What depends on the wall clock (when each audit entry was really written, and so its hash),
/// replaced by a placeholder.
fn steady(json: &str) -> String {
    json.lines()
        .map(|line| {
            for key in ["hash", "written_at"] {
                let quoted = format!("\"{key}\": \"");
                if let Some(at) = line.find(&quoted) {
                    let comma = if line.ends_with(',') { "," } else { "" };
                    return format!("{}\"[{key}]\"{comma}", &line[..at + quoted.len() - 1]);
                }
            }
            line.to_owned()
        })
        .map(|line| line + "\n")
        .collect()
}

/// The output is exactly a `serde_json::Value` of itself pretty-printed (sorted keys, that
/// layout) and made terminal-safe: the property the typed writer has to keep.
fn assert_laid_out_as_a_value_tree(json: &str) {
    let value: serde_json::Value = serde_json::from_str(json).unwrap();
    let again = serde_json::to_string_pretty(&value).unwrap() + "\n";
    assert_eq!(
        json,
        escalate::cli::terminal_safe(&again, true),
        "keys out of order, or laid out differently"
    );
}

#[test]
fn list_and_show_json_keep_their_exact_text() {
    let s = caseload();
    let list = s.ok(NOW, &["list", "--all", "--json"]);
    assert_laid_out_as_a_value_tree(&list);
    assert!(list.contains("\"Yusuf Démo\""), "{list}");
    insta::assert_snapshot!("list_all_json", list);

    let shown = s.ok(NOW, &["show", "1", "--json"]);
    assert_laid_out_as_a_value_tree(&shown);
    insta::assert_snapshot!("show_1_json", steady(&shown));

    // The open listing is the same elements as the full one, in the same words.
    let open = s.ok(NOW, &["list", "--json"]);
    assert_laid_out_as_a_value_tree(&open);
    let all: serde_json::Value = serde_json::from_str(&list).unwrap();
    let open: serde_json::Value = serde_json::from_str(&open).unwrap();
    assert_eq!(open.as_array().unwrap().len(), 1);
    assert_eq!(open[0], all[0]);

    let history = s.ok(NOW, &["history", "2", "--json"]);
    assert_laid_out_as_a_value_tree(&history);
    insta::assert_snapshot!("history_2_json", steady(&history));
}
