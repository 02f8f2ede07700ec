//! The storage conformance suite: what every backend of the `Store` port must do, written once
//! against the trait. Each check is a generic function; `backends!` runs every check against
//! every backend: SQLite, and PostgreSQL on the tests' own throwaway cluster (`support/pg.rs`),
//! each test in a database of its own.
//!
//! SQL-specific checks (indexes, triggers, migrations, the file's permissions) stay beside the
//! SQLite backend in `src/storage/sqlite`.

mod support;

use chrono::{DateTime, Utc};
use escalate::core::change::{
    Change, DiscussionInput, ResolutionInput, as_stored, plan_action, plan_discussion, plan_resolve,
};
use escalate::core::draft::Draft;
use escalate::core::procedure::ProcedureSet;
use escalate::core::record::{Escalation, NewEscalation, NewEscalationInput, RecordError};
use escalate::core::review::{Horizon, ReviewSummary};
use escalate::storage::postgres::PgStore;
use escalate::storage::sqlite::SqliteStore;
use escalate::storage::{Filter, Store, StoreError};

fn t(text: &str) -> DateTime<Utc> {
    escalate::core::time::parse_instant(text).unwrap()
}

fn new_escalation(name: &str) -> NewEscalation {
    let procedures = ProcedureSet::builtin();
    NewEscalationInput {
        procedure: "london".into(),
        child_name: name.into(),
        raised_by: "A DSL".into(),
        agency: "School".into(),
        raised_with: "Social care".into(),
        category: "thresholds".into(),
        summary: "Referral refused.\nSecond line.".into(),
        raised_at: Some(t("2026-11-23 09:00")),
        ..Default::default()
    }
    .check(procedures.get("london").unwrap(), t("2026-11-23 10:00"))
    .unwrap()
}

fn discussion(e: &Escalation, now: DateTime<Utc>) -> Result<Change, RecordError> {
    plan_discussion(
        e,
        &DiscussionInput {
            participants: "Duty SW".into(),
            mode: "phone".into(),
            notes: "Talked it through.".into(),
            at: Some(t("2026-11-23 10:30")),
            ..Default::default()
        },
        now,
    )
}

/// An escalation as one DSL's database file holds it: a team's database (PostgreSQL) also
/// says its school, `main` for the administrator's own, which a file (one school's) does not.
fn in_a_file(mut escalation: Escalation) -> Escalation {
    assert!(matches!(escalation.school.as_deref(), None | Some("main")));
    escalation.school = None;
    escalation
}

fn a_new_escalation_reads_back_as_written<S: Store>(mut store: S) {
    let now = t("2026-11-23 10:00");
    let new = new_escalation("Ava Sample");
    let id = store.create(&new, "jo", now).unwrap();
    let read = store.escalation(id).unwrap();
    assert_eq!(
        in_a_file(read.clone()),
        escalate::core::change::as_written(id, new, "jo", now),
        "what is read back is what was written"
    );
    assert_eq!(
        store.escalations(Filter::default()).unwrap(),
        std::slice::from_ref(&read)
    );
    assert_eq!(store.caseload().unwrap(), [read]);
    let trail = store.audit_trail(Some(id)).unwrap();
    assert_eq!(trail.len(), 1);
    assert_eq!(trail[0].escalation_id, Some(id));
    assert_eq!(trail[0].actor, "jo");
    assert_eq!(store.verify().unwrap().problem, None);
}

fn times_are_kept_to_the_millisecond<S: Store>(mut store: S) {
    let now = t("2026-11-23 10:00");
    let mut new = new_escalation("Ava Sample");
    new.raised_at = t("2026-11-23T09:00:00.123456789Z");
    let id = store.create(&new, "jo", now).unwrap();
    let read = store.escalation(id).unwrap();
    assert_eq!(read.raised_at, as_stored(new.raised_at));
    assert_eq!(read.raised_at, t("2026-11-23T09:00:00.123Z"));
}

fn a_missing_escalation_is_not_found<S: Store>(mut store: S) {
    assert!(matches!(
        store.escalation(42),
        Err(StoreError::NotFound(42))
    ));
    let now = t("2026-11-23 10:00");
    let changed = store.change_all(42, "jo", now, |e| discussion(e, now).map(|c| vec![c]));
    assert!(
        matches!(changed, Err(StoreError::NotFound(42))),
        "{changed:?}"
    );
}

fn changes_are_planned_on_the_record_as_it_stands_and_written_together<S: Store>(mut store: S) {
    let now = t("2026-11-23 11:00");
    let id = store
        .create(&new_escalation("A"), "jo", t("2026-11-23 10:00"))
        .unwrap();
    let written = store
        .change_all(id, "sam", now, |e| {
            assert!(
                e.discussions.is_empty(),
                "the plan sees the record as it stands"
            );
            Ok(vec![
                discussion(e, now)?,
                plan_action(e, "Send the chronology", "DSL", "2026-11-25")?,
            ])
        })
        .unwrap();
    assert_eq!(written.len(), 2);
    let e = store.escalation(id).unwrap();
    assert_eq!(e.discussions.len(), 1);
    assert_eq!(e.discussions[0].id, written[0].1);
    assert_eq!(e.actions.len(), 1);
    assert_eq!(e.actions[0].id, written[1].1);
    assert_eq!(e.actions[0].recorded_by, "sam");
    let trail = store.audit_trail(Some(id)).unwrap();
    assert_eq!(trail.len(), 3, "one audit entry a change");
    assert_eq!(trail[1].summary, written[0].0.describe());
    assert_eq!(trail[2].summary, written[1].0.describe());
    assert_eq!(store.verify().unwrap().entries, 3);
    assert_eq!(store.verify().unwrap().problem, None);
    // A one-change plan goes the same way.
    let (change, _) = store
        .change(id, "sam", now, |e| discussion(e, now))
        .unwrap();
    assert_eq!(change.kind(), "discuss");
    assert_eq!(store.escalation(id).unwrap().discussions.len(), 2);
}

fn a_refused_plan_writes_nothing<S: Store>(mut store: S) {
    let now = t("2026-11-23 11:00");
    let id = store
        .create(&new_escalation("A"), "jo", t("2026-11-23 10:00"))
        .unwrap();
    let before = store.escalation(id).unwrap();
    let refused = store.change_all(id, "jo", now, |e| {
        // The first change is good; the second is refused: neither is written.
        Ok(vec![
            discussion(e, now)?,
            plan_discussion(e, &DiscussionInput::default(), now)?,
        ])
    });
    assert!(
        matches!(refused, Err(StoreError::Refused(_))),
        "{refused:?}"
    );
    assert_eq!(store.escalation(id).unwrap(), before);
    assert_eq!(store.audit_trail(None).unwrap().len(), 1);
    assert_eq!(store.verify().unwrap().problem, None);
}

fn an_import_writes_what_create_and_change_write<S: Store>(mut imported: S, mut one_by_one: S) {
    let now = t("2026-11-23 11:00");
    let plan = |e: &Escalation, step: usize| -> Result<Option<Change>, RecordError> {
        match step {
            0 => discussion(e, now).map(Some),
            1 => plan_action(e, "Send the chronology", "DSL", "2026-11-25").map(Some),
            _ => Ok(None),
        }
    };
    for name in ["A", "B"] {
        let id = one_by_one.create(&new_escalation(name), "jo", now).unwrap();
        for step in 0..2 {
            one_by_one
                .change(id, "jo", now, |e| plan(e, step).map(Option::unwrap))
                .unwrap();
        }
    }
    let items = ["A", "B"].map(|name| {
        let mut step = 0;
        Ok((new_escalation(name), move |e: &Escalation| {
            step += 1;
            plan(e, step - 1)
        }))
    });
    let ids = imported.import(items, "jo", now).unwrap();
    assert_eq!(ids.len(), 2);
    let all = Filter {
        include_closed: true,
        stage: None,
    };
    assert_eq!(
        imported.escalations(all).unwrap(),
        one_by_one.escalations(all).unwrap()
    );
    assert_eq!(
        imported.audit_trail(None).unwrap(),
        one_by_one.audit_trail(None).unwrap(),
        "the same audit entries, hash for hash"
    );
    assert_eq!(imported.verify().unwrap().problem, None);
}

fn closed_escalations_leave_the_caseload_only_when_settled<S: Store>(mut store: S) {
    let now = t("2026-11-23 11:00");
    let open = store.create(&new_escalation("Open"), "jo", now).unwrap();
    let closed = store.create(&new_escalation("Closed"), "jo", now).unwrap();
    let input = ResolutionInput {
        how: "Agreed".into(),
        ..Default::default()
    };
    store
        .change(closed, "jo", now, |e| plan_resolve(e, &input, now))
        .unwrap();
    let ids = |store: &S| -> Vec<i64> { store.caseload().unwrap().iter().map(|e| e.id).collect() };
    assert_eq!(ids(&store), [open, closed]);
    store.settle(&[open, closed]).unwrap();
    assert_eq!(
        ids(&store),
        [open],
        "settling never drops an open escalation"
    );
    assert_eq!(
        store
            .escalations(Filter {
                include_closed: true,
                stage: None
            })
            .unwrap()
            .len(),
        2
    );
}

fn the_stage_filter_lists_only_that_stage<S: Store>(mut store: S) {
    let now = t("2026-11-23 11:00");
    let first = store.create(&new_escalation("A"), "jo", now).unwrap();
    let second = store.create(&new_escalation("B"), "jo", now).unwrap();
    store
        .change(second, "jo", now, |_| {
            Ok(Change::Advance {
                to_stage: 2,
                at: now,
                reason: "No reply.".into(),
            })
        })
        .unwrap();
    let at = |stage: u8, include_closed: bool| -> Vec<i64> {
        store
            .escalations(Filter {
                include_closed,
                stage: Some(stage),
            })
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect()
    };
    assert_eq!(at(1, false), [first]);
    assert_eq!(at(2, false), [second]);
    assert_eq!(at(2, true), [second]);
    assert!(at(3, true).is_empty());
}

fn drafts_are_kept_replaced_and_discarded<S: Store>(mut store: S) {
    let id = store
        .create(&new_escalation("A"), "jo", t("2026-11-23 10:00"))
        .unwrap();
    let mut draft = Draft {
        form: "discuss".into(),
        escalation_id: Some(id),
        ..Default::default()
    };
    draft
        .fields
        .insert("notes".into(), "محمد\nsecond line".into());
    let first = store
        .save_draft(&draft, "jo", t("2026-11-23 10:05"))
        .unwrap();
    draft.fields.insert("with".into(), "Duty SW".into());
    let second = store
        .save_draft(&draft, "jo", t("2026-11-23 10:06"))
        .unwrap();
    assert_eq!(first, second, "one draft per form and escalation");
    let new = Draft {
        form: "new".into(),
        ..Default::default()
    };
    store.save_draft(&new, "jo", t("2026-11-23 10:07")).unwrap();
    let drafts = store.drafts().unwrap();
    assert_eq!(drafts.len(), 2);
    assert_eq!(drafts[0].fields, draft.fields);
    assert_eq!(drafts[0].saved_at, Some(t("2026-11-23 10:06")));
    assert_eq!(drafts[0].saved_by.as_deref(), Some("jo"));
    store.discard_draft(second).unwrap();
    store.discard_draft_of("new", None).unwrap();
    assert!(store.drafts().unwrap().is_empty());
    // Drafts are not records: the audit trail is untouched by them.
    assert_eq!(store.audit_trail(None).unwrap().len(), 1);
}

fn a_review_is_recorded_with_its_audit_entry<S: Store>(mut store: S) {
    let summary = ReviewSummary::new(7, 3, 4, Horizon::DEFAULT).unwrap();
    let at = t("2026-11-24 08:40");
    let id = store.record_review(&summary, "Sam Patel", at).unwrap();
    let trail = store.audit_trail(None).unwrap();
    let entry = trail.last().unwrap();
    assert_eq!(entry.action, "review");
    assert_eq!(entry.escalation_id, None);
    assert_eq!(entry.at, at);
    assert_eq!(entry.record_id, id);
    assert_eq!(
        entry.summary,
        "reviewed by Sam Patel: 7 items, 3 acted on, 4 outstanding"
    );
    assert_eq!(store.verify().unwrap().problem, None);
}

fn a_backup_is_a_new_file_never_an_overwrite<S: Store>(mut store: S) {
    let id = store
        .create(&new_escalation("A"), "jo", t("2026-11-23 10:00"))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    store.backup(&copy).unwrap();
    let restored = SqliteStore::open(&copy).unwrap();
    assert_eq!(
        restored.escalation(id).unwrap(),
        in_a_file(store.escalation(id).unwrap())
    );
    assert_eq!(restored.verify().unwrap().problem, None);
    let again = store.backup(&copy);
    assert!(matches!(again, Err(StoreError::Refused(_))), "{again:?}");
}

/// Issue 15's record on every backend: the details the partnership forms ask for, and a form
/// kept with the notification it was sent with, read back exactly as written, each row with
/// its audit entry; the whole record verifies, and a backup carries them (and still verifies).
fn details_and_an_attached_form_read_back_as_written<S: Store>(mut store: S) {
    use escalate::core::change::{plan_attach, plan_details};
    let id = store
        .create(&new_escalation("A"), "jo", t("2026-11-23 10:00"))
        .unwrap();
    let now = t("2026-11-23T11:00:00.123456Z");
    let fields: Vec<(String, String)> = [
        ("referrer-phone", "01234 567890"),
        ("child-address", "1 High Street\nLuton"),
        ("need-level", "child-in-need"),
        ("family-aware", "yes"),
        ("meeting-chair", "Head of Service, CSC"),
        ("meeting-attendees", "Jo, DSL, School\nSam, SW, CSC"),
        ("review-date", "2026-12-14"),
    ]
    .into_iter()
    .map(|(f, v)| (f.to_owned(), v.to_owned()))
    .collect();
    store
        .change_all(id, "jo", now, |e| plan_details(e, &fields))
        .unwrap();
    let form = "Appendix 2\n\tChild: A\r\nZoë's school — sent whole\n";
    let written = store
        .change_all(id, "sam", now, |_| {
            Ok(vec![
                Change::NotificationSent {
                    notification: "partnership".into(),
                    at: t("2026-11-23 10:45"),
                    method: "email".parse()?,
                    reference: Some("REF-1".into()),
                },
                plan_attach("partnership", "appendix-2", form)?,
            ])
        })
        .unwrap();
    assert_eq!(written.len(), 2);
    let read = store.escalation(id).unwrap();
    let d = &read.details;
    assert_eq!(d.referrer_phone.as_deref(), Some("01234 567890"));
    assert_eq!(d.child_address.as_deref(), Some("1 High Street\nLuton"));
    assert_eq!(
        d.need_level,
        Some(escalate::core::record::NeedLevel::ChildInNeed)
    );
    assert_eq!(d.family_aware, Some(true));
    assert_eq!(d.views_agreed, None);
    assert_eq!(d.meeting_chair.as_deref(), Some("Head of Service, CSC"));
    assert_eq!(
        d.meeting_attendees.as_deref(),
        Some("Jo, DSL, School\nSam, SW, CSC")
    );
    assert_eq!(d.review_on, chrono::NaiveDate::from_ymd_opt(2026, 12, 14));
    assert_eq!(read.attachments.len(), 1);
    let attached = &read.attachments[0];
    assert_eq!(attached.notification, "partnership");
    assert_eq!(attached.name, "appendix-2");
    assert_eq!(attached.text, form, "the form is kept byte for byte");
    assert_eq!(attached.sha256, escalate::core::change::sha256_hex(form));
    assert_eq!(attached.recorded_by, "sam");
    assert_eq!(attached.recorded_at, as_stored(now));
    // What the store reads back is what the change said it wrote.
    let mut expected = store.escalation(id).unwrap();
    expected.details = escalate::core::record::Details::default();
    for (field, value) in &fields {
        expected.details.set(field, Some(value));
    }
    assert_eq!(expected.details, read.details);
    let trail = store.audit_trail(Some(id)).unwrap();
    assert_eq!(trail.len(), 1 + fields.len() + 2, "one audit entry a row");
    assert!(
        trail
            .iter()
            .any(|e| e.summary.contains(&attached.sha256) && e.actor == "sam"),
        "{trail:#?}"
    );
    assert_eq!(store.verify().unwrap().problem, None);
    // A detail recorded is not recorded again: it is amended.
    let again = vec![("referrer-phone".to_owned(), "07700 900000".to_owned())];
    let refused = store.change_all(id, "jo", now, |e| plan_details(e, &again));
    assert!(
        matches!(refused, Err(StoreError::Refused(_))),
        "{refused:?}"
    );
    // A backup (SQLite's own, or PostgreSQL's copy into SQLite) carries them whole.
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("copy.db");
    store.backup(&copy).unwrap();
    let restored = SqliteStore::open(&copy).unwrap();
    assert_eq!(restored.escalation(id).unwrap(), in_a_file(read));
    assert_eq!(restored.verify().unwrap().problem, None);
}

/// `list --all` reads the closed history a page at a time: every closed escalation once, in
/// id order, none open, the stage filter applied.
fn the_closed_history_is_read_a_page_at_a_time<S: Store>(mut store: S) {
    let now = t("2026-11-23 11:00");
    let input = ResolutionInput {
        how: "Agreed".into(),
        ..Default::default()
    };
    let mut closed = Vec::new();
    for n in 0..5 {
        let id = store
            .create(&new_escalation(&format!("C{n}")), "jo", now)
            .unwrap();
        if n != 2 {
            store
                .change(id, "jo", now, |e| plan_resolve(e, &input, now))
                .unwrap();
            closed.push(id);
        }
    }
    let mut paged = Vec::new();
    let mut after = 0;
    loop {
        let page = store.closed_after(after, None, 2).unwrap();
        assert!(page.len() <= 2);
        let Some(last) = page.last() else { break };
        after = last.id;
        assert!(page.iter().all(|e| !e.is_open()));
        paged.extend(page.iter().map(|e| e.id));
    }
    assert_eq!(paged, closed);
    assert_eq!(store.closed_after(0, Some(1), 10).unwrap().len(), 4);
    assert!(store.closed_after(0, Some(2), 10).unwrap().is_empty());
}

/// Runs every check above against each backend.
macro_rules! backends {
    ($($backend:ident => $make:expr),* $(,)?) => {
        $(
            mod $backend {
                use super::*;

                #[test]
                fn a_new_escalation_reads_back_as_written() {
                    super::a_new_escalation_reads_back_as_written($make);
                }

                #[test]
                fn times_are_kept_to_the_millisecond() {
                    super::times_are_kept_to_the_millisecond($make);
                }

                #[test]
                fn a_missing_escalation_is_not_found() {
                    super::a_missing_escalation_is_not_found($make);
                }

                #[test]
                fn changes_are_planned_on_the_record_as_it_stands_and_written_together() {
                    super::changes_are_planned_on_the_record_as_it_stands_and_written_together(
                        $make,
                    );
                }

                #[test]
                fn a_refused_plan_writes_nothing() {
                    super::a_refused_plan_writes_nothing($make);
                }

                #[test]
                fn an_import_writes_what_create_and_change_write() {
                    super::an_import_writes_what_create_and_change_write($make, $make);
                }

                #[test]
                fn closed_escalations_leave_the_caseload_only_when_settled() {
                    super::closed_escalations_leave_the_caseload_only_when_settled($make);
                }

                #[test]
                fn the_stage_filter_lists_only_that_stage() {
                    super::the_stage_filter_lists_only_that_stage($make);
                }

                #[test]
                fn drafts_are_kept_replaced_and_discarded() {
                    super::drafts_are_kept_replaced_and_discarded($make);
                }

                #[test]
                fn a_review_is_recorded_with_its_audit_entry() {
                    super::a_review_is_recorded_with_its_audit_entry($make);
                }

                #[test]
                fn details_and_an_attached_form_read_back_as_written() {
                    super::details_and_an_attached_form_read_back_as_written($make);
                }

                #[test]
                fn the_closed_history_is_read_a_page_at_a_time() {
                    super::the_closed_history_is_read_a_page_at_a_time($make);
                }

                #[test]
                fn a_backup_is_a_new_file_never_an_overwrite() {
                    super::a_backup_is_a_new_file_never_an_overwrite($make);
                }
            }
        )*
    };
}

backends! {
    sqlite => SqliteStore::open_in_memory().unwrap(),
    postgres => PgStore::open(&support::pg::fresh_database()).unwrap(),
}
