//! The schema, as numbered migrations. A released migration is never edited: add a new one.
//!
//! Every table of the record is insert-only: triggers refuse UPDATE and DELETE, so a record is
//! never overwritten or lost, and a correction is a row in `amendments`. The one exception is
//! `escalation_state`, a cache of each escalation's stage and openness (both derivable from the
//! record) kept so that the dashboard can load what is open through an index.

/// The tables whose rows are the record, in the order `verify` checks them.
pub const RECORD_TABLES: &[&str] = &[
    "escalations",
    "stage_changes",
    "discussions",
    "actions",
    "action_completions",
    "notifications_sent",
    "notes",
    "outcomes",
    "amendments",
    "reviews",
    "corrections",
    "escalation_details",
    "attachments",
];

/// The record tables migration 1 made insert-only. Frozen: migration 1 is released, and must
/// build the same SQL for ever; later tables get their triggers in their own migration.
const MIGRATION_1_TABLES: &[&str] = &[
    "escalations",
    "stage_changes",
    "discussions",
    "actions",
    "action_completions",
    "notifications_sent",
    "notes",
    "outcomes",
    "amendments",
    "audit",
];

const MIGRATION_1: &str = r"
CREATE TABLE escalations (
    id INTEGER PRIMARY KEY,
    procedure TEXT NOT NULL,
    partnership TEXT,
    child_name TEXT NOT NULL,
    child_dob TEXT,
    child_ref TEXT,
    raised_by TEXT NOT NULL,
    agency TEXT NOT NULL,
    raised_with TEXT NOT NULL,
    category TEXT NOT NULL,
    summary TEXT NOT NULL,
    outcome_sought TEXT,
    concern_at TEXT,
    raised_at TEXT NOT NULL,
    immediate_risk INTEGER NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);

CREATE TABLE escalation_state (
    escalation_id INTEGER PRIMARY KEY REFERENCES escalations(id),
    is_open INTEGER NOT NULL,
    stage INTEGER NOT NULL
);
CREATE INDEX escalation_state_open ON escalation_state(is_open, stage);

CREATE TABLE stage_changes (
    id INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalations(id),
    to_stage INTEGER NOT NULL,
    at TEXT NOT NULL,
    reason TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX stage_changes_escalation ON stage_changes(escalation_id);

CREATE TABLE discussions (
    id INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalations(id),
    at TEXT NOT NULL,
    participants TEXT NOT NULL,
    mode TEXT NOT NULL,
    notes TEXT NOT NULL,
    decisions TEXT,
    is_agreement INTEGER NOT NULL,
    stage INTEGER NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX discussions_escalation ON discussions(escalation_id);

CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalations(id),
    what TEXT NOT NULL,
    owner TEXT NOT NULL,
    due_on TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX actions_escalation ON actions(escalation_id);

CREATE TABLE action_completions (
    id INTEGER PRIMARY KEY,
    action_id INTEGER NOT NULL UNIQUE REFERENCES actions(id),
    escalation_id INTEGER NOT NULL REFERENCES escalations(id),
    at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX action_completions_escalation ON action_completions(escalation_id);

CREATE TABLE notifications_sent (
    id INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalations(id),
    notification TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    method TEXT NOT NULL,
    reference TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    UNIQUE (escalation_id, notification)
);

CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalations(id),
    kind TEXT NOT NULL,
    clock TEXT NOT NULL,
    at TEXT NOT NULL,
    text TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX notes_escalation ON notes(escalation_id);

CREATE TABLE outcomes (
    id INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL UNIQUE REFERENCES escalations(id),
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    stage INTEGER NOT NULL,
    how TEXT NOT NULL,
    learning TEXT,
    parents_informed INTEGER,
    why_not TEXT,
    child_record_updated INTEGER,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);

CREATE TABLE amendments (
    id INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalations(id),
    field TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    why TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX amendments_escalation ON amendments(escalation_id);

CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    escalation_id INTEGER,
    action TEXT NOT NULL,
    summary TEXT NOT NULL,
    record_table TEXT NOT NULL,
    record_id INTEGER NOT NULL,
    record_hash TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_escalation ON audit(escalation_id);
CREATE INDEX audit_record ON audit(record_table, record_id);
";

/// Triggers that make `tables` insert-only.
fn insert_only_triggers(tables: &[&str]) -> String {
    let mut sql = String::new();
    for table in tables {
        for operation in ["UPDATE", "DELETE"] {
            sql.push_str(&format!(
                "CREATE TRIGGER {table}_no_{op} BEFORE {operation} ON {table} \
                 BEGIN SELECT RAISE(ABORT, 'escalate records are never changed or deleted; record an amendment instead'); END;\n",
                op = operation.to_lowercase()
            ));
        }
    }
    sql
}

/// Whether an escalation may need the dashboard's attention: open, or closed but perhaps still
/// owing a notification. A cache like the rest of `escalation_state`: set on every change, and
/// cleared by the dashboard once a closed escalation is seen to owe nothing.
const MIGRATION_2: &str = r"
ALTER TABLE escalation_state ADD COLUMN needs_attention INTEGER NOT NULL DEFAULT 1;
CREATE INDEX escalation_state_attention ON escalation_state(needs_attention, escalation_id);
";

/// Drafts of forms being typed in the dashboard, so that a crash or a closed terminal loses
/// nothing typed. Not part of the record (nothing in them has been saved as fact), so they may
/// be replaced and deleted; one draft per form and escalation.
const MIGRATION_3: &str = r"
CREATE TABLE drafts (
    id INTEGER PRIMARY KEY,
    form TEXT NOT NULL,
    escalation_id INTEGER REFERENCES escalations(id),
    fields TEXT NOT NULL,
    saved_at TEXT NOT NULL,
    saved_by TEXT NOT NULL
);
CREATE UNIQUE INDEX drafts_form ON drafts(form, ifnull(escalation_id, 0));
";

/// The morning reviews walked through on the dashboard (issue 7): when, by whom, how far ahead
/// it looked, how many items it listed, how many were acted on and how many were still
/// outstanding at its end. Part of the record (a serious case review may ask when the caseload
/// was last reviewed), so insert-only like the rest, each row with its audit entry.
const MIGRATION_4: &str = r"
CREATE TABLE reviews (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    horizon_working_days INTEGER NOT NULL,
    items INTEGER NOT NULL,
    acted_on INTEGER NOT NULL,
    outstanding INTEGER NOT NULL,
    recorded_by TEXT NOT NULL
);
CREATE INDEX reviews_at ON reviews(at);
";

/// Closed escalations settled before an agreed action left undone counted as needing attention
/// (issue 12: one rule for "overdue", under which a closed escalation's slipping action is late):
/// look at every closed escalation again, and the dashboard settles those that owe nothing.
const MIGRATION_5: &str = r"
UPDATE escalation_state SET needs_attention = 1 WHERE is_open = 0;
";

/// When each audit entry was really written, by the wall clock, beside the time it states (which
/// `--now` may set): a serious case review can tell a backdated entry from a late one. Empty for
/// entries written before; hashed into the entry when present.
const MIGRATION_6: &str = r"
ALTER TABLE audit ADD COLUMN written_at TEXT;
";

/// escalate's `application_id` (see [`super::APPLICATION_ID`]) on every escalate database, new
/// or old, so that another application's SQLite file can be told apart and left alone (issue 13).
const MIGRATION_8: &str = "PRAGMA application_id = 1163084620;";

/// Corrections of what is recorded beyond an escalation's header (issue 12): a discussion
/// reworded, an action reworded or cancelled, a notification not sent or not needed, a stage
/// move reversed, an outcome reopened. Insert-only, each with its audit entry; the row corrected
/// stays as it was. A reopened escalation may be resolved again, and a notification recorded as
/// sent in error may be recorded again when it is really sent, so `outcomes` and
/// `notifications_sent` are rebuilt without their one-per-escalation constraints (same rows,
/// same ids, so every fingerprint and audit entry still matches).
const MIGRATION_7: &str = r"
CREATE TABLE corrections (
    id INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalations(id),
    kind TEXT NOT NULL,
    target_id INTEGER NOT NULL,
    target TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    why TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX corrections_escalation ON corrections(escalation_id);

CREATE TABLE outcomes_7 (
    id INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalations(id),
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    stage INTEGER NOT NULL,
    how TEXT NOT NULL,
    learning TEXT,
    parents_informed INTEGER,
    why_not TEXT,
    child_record_updated INTEGER,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
INSERT INTO outcomes_7 (id, escalation_id, kind, at, stage, how, learning, parents_informed, why_not, child_record_updated, recorded_by, recorded_at)
    SELECT id, escalation_id, kind, at, stage, how, learning, parents_informed, why_not, child_record_updated, recorded_by, recorded_at FROM outcomes;
DROP TABLE outcomes;
ALTER TABLE outcomes_7 RENAME TO outcomes;
CREATE INDEX outcomes_escalation ON outcomes(escalation_id);

CREATE TABLE notifications_sent_7 (
    id INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalations(id),
    notification TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    method TEXT NOT NULL,
    reference TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
INSERT INTO notifications_sent_7 (id, escalation_id, notification, sent_at, method, reference, recorded_by, recorded_at)
    SELECT id, escalation_id, notification, sent_at, method, reference, recorded_by, recorded_at FROM notifications_sent;
DROP TABLE notifications_sent;
ALTER TABLE notifications_sent_7 RENAME TO notifications_sent;
CREATE INDEX notifications_sent_escalation ON notifications_sent(escalation_id);
";

/// What the partnership forms ask beyond an escalation's header (issue 15): the referrer's
/// contact details and manager, the child's address, the level of need, the family's consent,
/// the stage 4 meeting's chair, attendees and review date. One row a detail recorded
/// (`core::record::DETAIL_FIELDS` names the fields); a detail recorded is corrected by an
/// `amendments` row like any header field. And the forms kept with the notifications they were
/// sent with: the text as sent and its SHA-256. Both insert-only, each row with its audit entry.
/// New tables, so every fingerprint made before stays as it was. Written to run twice safely (a
/// database whose version was set back, as a test of migration 8 does, runs it again).
const MIGRATION_9: &str = r"
CREATE TABLE IF NOT EXISTS escalation_details (
    id INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalations(id),
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS escalation_details_escalation ON escalation_details(escalation_id);

CREATE TABLE IF NOT EXISTS attachments (
    id INTEGER PRIMARY KEY,
    escalation_id INTEGER NOT NULL REFERENCES escalations(id),
    notification_sent_id INTEGER NOT NULL REFERENCES notifications_sent(id),
    notification TEXT NOT NULL,
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    text TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS attachments_escalation ON attachments(escalation_id);
";

/// The migrations, in order; migration N brings the schema to version N.
pub fn migrations() -> Vec<String> {
    vec![
        format!(
            "{MIGRATION_1}\n{}",
            insert_only_triggers(MIGRATION_1_TABLES)
        ),
        MIGRATION_2.to_owned(),
        MIGRATION_3.to_owned(),
        format!("{MIGRATION_4}\n{}", insert_only_triggers(&["reviews"])),
        MIGRATION_5.to_owned(),
        MIGRATION_6.to_owned(),
        format!(
            "{MIGRATION_7}\n{}",
            insert_only_triggers(&["corrections", "outcomes", "notifications_sent"])
        ),
        MIGRATION_8.to_owned(),
        format!(
            "{MIGRATION_9}\n{}",
            insert_only_triggers(&["escalation_details", "attachments"])
                .replace("CREATE TRIGGER ", "CREATE TRIGGER IF NOT EXISTS ")
        ),
    ]
}

/// The schema version this build writes.
pub fn current_version() -> i64 {
    i64::try_from(migrations().len()).unwrap_or(i64::MAX)
}
