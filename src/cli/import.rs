//! `escalate import FILE.csv`: the escalations a DSL kept in a spreadsheet, brought in.
//!
//! Every row is checked exactly as `escalate new` checks one, and the stage it reached and how
//! it ended are planned by the same core rules as `advance`, `resolve` and `withdraw`, on an
//! in-memory copy first ([`as_written`], [`remember`]): so `--dry-run` refuses precisely what the
//! import would, and an import writes nothing at all unless every row is good (or, with
//! `--skip-invalid`, every good row), in one transaction. Errors give the row's line in the
//! file and never the child's name (they may end up in a terminal's scrollback or a mail).
//!
//! The file may be UTF-8 (with or without the byte-order mark Excel writes) or Windows-1252
//! (what older Excel saves as "CSV"); fields may be quoted, with commas and line breaks inside.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::args::ImportArgs;
use super::{CliError, Context};
use crate::core::change::{
    Change, ResolutionInput, as_written, parse_yes_no, plan_advance, plan_resolve, plan_withdraw,
    remember,
};
use crate::core::procedure::{Procedure, ProcedureSet};
use crate::core::record::{Escalation, NewEscalation, NewEscalationInput, RecordError, initials};
use crate::core::time::{parse_date, parse_instant};
use crate::storage::Store;

/// The largest file imported: far more than 10,000 rows of a spreadsheet.
const MAX_IMPORT_BYTES: u64 = 64 * 1024 * 1024;

/// How many closed escalations are read at once to see which of those imported are settled.
const IMPORTED_PAGE: usize = 500;

/// The columns, in the template's order: (name, required, what goes in it).
pub const COLUMNS: &[(&str, bool, &str)] = &[
    ("child", true, "the child's full name"),
    ("dob", false, "date of birth, e.g. 14/02/2015"),
    ("child_ref", false, "the child's record reference"),
    ("procedure", true, "a procedure id: see escalate procedures"),
    (
        "partnership",
        false,
        "the partnership body, where the procedure has several",
    ),
    ("raised_by", true, "who raised it"),
    ("agency", true, "their agency"),
    ("raised_with", true, "the agency the disagreement is with"),
    (
        "category",
        true,
        "thresholds, roles-and-responsibilities, information-sharing, plan-progression, case-conference, communication or other",
    ),
    ("summary", true, "the circumstances"),
    ("outcome_sought", false, "what the escalation seeks"),
    (
        "concern_at",
        false,
        "when the concern arose, e.g. 02/11/2026 09:30",
    ),
    (
        "raised_at",
        true,
        "when it was raised, e.g. 02/11/2026 10:00",
    ),
    ("immediate_risk", false, "yes or no (blank: no)"),
    ("stage", false, "the stage it has reached (blank: 1)"),
    (
        "stage_reached_at",
        false,
        "when it reached that stage (blank: when raised)",
    ),
    ("status", false, "open, resolved or withdrawn (blank: open)"),
    ("closed_at", false, "when it was resolved or withdrawn"),
    (
        "outcome",
        false,
        "how it was resolved, or why it was withdrawn",
    ),
    ("learning", false, "learning recorded at the resolution"),
];

/// What a row asks for, once checked: the escalation and the changes that bring it to where
/// the spreadsheet says it is.
struct Row {
    line: u64,
    new: NewEscalation,
    changes: Vec<Change>,
    summary: String,
}

/// Why a row was refused.
struct Rejected {
    line: u64,
    reason: String,
}

pub fn run(context: &mut Context, args: ImportArgs) -> Result<String, CliError> {
    if args.template {
        return template();
    }
    let Some(path) = args.file.as_deref() else {
        return Err(CliError(
            "give the CSV file to import (escalate import FILE.csv), or see the columns with escalate import --template".to_owned(),
        ));
    };
    if is_export(path)? {
        if args.skip_invalid {
            return Err(CliError(
                "--skip-invalid: an escalate export is restored whole or not at all; leave --skip-invalid out".to_owned(),
            ));
        }
        return super::export::restore(context, path, args.dry_run);
    }
    let text = read(path)?;
    let procedures = context.procedures()?;
    let actor = context.actor()?;
    let now = context.now;
    let (rows, rejected) = check(&text, &procedures, &actor, now)?;
    let mut out = String::new();
    if args.dry_run {
        let _ = writeln!(
            out,
            "Dry run: nothing was written. {} row{} would be imported{}:",
            rows.len(),
            plural(rows.len()),
            if rejected.is_empty() {
                String::new()
            } else {
                format!(
                    "{}, {} refused",
                    if args.skip_invalid {
                        " (with --skip-invalid)"
                    } else {
                        " once every refused row is fixed"
                    },
                    rejected.len()
                )
            }
        );
        for row in &rows {
            let _ = writeln!(out, "  line {:>5}: {}", row.line, row.summary);
        }
        refusals(&mut out, &rejected);
        return Ok(out);
    }
    if !rejected.is_empty() && !args.skip_invalid {
        let mut message = format!(
            "nothing was imported: {} of {} rows {} refused; fix {} (or import the rest with --skip-invalid):",
            rejected.len(),
            rejected.len() + rows.len(),
            if rejected.len() == 1 { "was" } else { "were" },
            if rejected.len() == 1 { "it" } else { "them" },
        );
        for r in rejected.iter().take(20) {
            let _ = write!(message, "\n  line {}: {}", r.line, r.reason);
        }
        if rejected.len() > 20 {
            let _ = write!(
                message,
                "\n  … and {} more (escalate import --dry-run lists every one)",
                rejected.len() - 20
            );
        }
        return Err(CliError(message));
    }
    if rows.is_empty() {
        return Err(CliError(
            "nothing to import: the file has a header but no rows".to_owned(),
        ));
    }
    let progress = progress_bar(rows.len());
    let count = rows.len();
    let items = rows.into_iter().map(|row| {
        progress.inc(1);
        let mut changes = row.changes.into_iter();
        Ok::<_, RecordError>((row.new, move |_: &Escalation| Ok(changes.next())))
    });
    let store = context.store()?;
    let ids = store.import(items, &actor, now)?;
    progress.finish_and_clear();
    // Those closed that owe nothing leave the dashboard's caseload, as after any closure. Only
    // the closed ones are read, a page at a time: read one by one, ten thousand rows cost
    // ten thousand reads, each a round of queries on PostgreSQL.
    let config = context.config()?.clone();
    let imported: std::collections::HashSet<i64> = ids.iter().copied().collect();
    let last = ids.iter().max().copied().unwrap_or_default();
    let mut after = ids.iter().min().map_or(last, |first| first - 1);
    let mut settled = Vec::new();
    while after < last {
        let page = context.store()?.closed_after(after, None, IMPORTED_PAGE)?;
        let Some(end) = page.last() else { break };
        after = end.id;
        for escalation in page {
            if !imported.contains(&escalation.id) {
                continue;
            }
            if let Some(procedure) = procedures.get(&escalation.procedure)
                && let Ok(schedule) = crate::core::deadline::schedule(
                    procedure,
                    &config.calendar,
                    &config.settings,
                    &escalation.events(),
                    now,
                )
                && crate::core::overdue::is_settled(&escalation, &schedule)
            {
                settled.push(escalation.id);
            }
        }
    }
    context.store()?.settle(&settled)?;
    let _ = writeln!(
        out,
        "Imported {count} escalation{}{}.",
        plural(count),
        match (ids.first(), ids.last()) {
            (Some(first), Some(last)) if first != last => format!(" (ids {first} to {last})"),
            (Some(only), _) => format!(" (id {only})"),
            _ => String::new(),
        }
    );
    if !rejected.is_empty() {
        let _ = writeln!(
            out,
            "Skipped {} refused row{}:",
            rejected.len(),
            plural(rejected.len())
        );
        refusals(&mut out, &rejected);
    }
    Ok(out)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn refusals(out: &mut String, rejected: &[Rejected]) {
    for r in rejected {
        let _ = writeln!(out, "  line {:>5}: refused: {}", r.line, r.reason);
    }
}

/// A progress bar on standard error for a large file, drawn only on a terminal.
fn progress_bar(rows: usize) -> indicatif::ProgressBar {
    use std::io::IsTerminal as _;
    if rows < 500 || !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(rows as u64);
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("importing {bar:40} {pos}/{len} rows ({eta} left)")
    {
        bar.set_style(style);
    }
    bar
}

/// The template: the header and one fictional row, for a spreadsheet to start from.
fn template() -> Result<String, CliError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| CliError(format!("could not write the template: {e}"));
    writer
        .write_record(COLUMNS.iter().map(|(name, _, _)| *name))
        .map_err(fail)?;
    writer
        .write_record([
            "Alex Example",
            "14/02/2015",
            "REF-0001",
            "pan-bedfordshire",
            "luton",
            "Sam Patel",
            "Example Primary School",
            "Children's Services, MASH",
            "thresholds",
            "Referral declined; school's concerns about neglect persist",
            "A strategy discussion",
            "02/11/2026 09:00",
            "02/11/2026 10:00",
            "no",
            "2",
            "03/11/2026 14:00",
            "open",
            "",
            "",
            "",
        ])
        .map_err(fail)?;
    let bytes = writer.into_inner().map_err(|e| CliError(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| CliError(e.to_string()))
}

/// Reads the file as text: a regular file only, of a sane size, in UTF-8 (a byte-order mark
/// dropped) or, failing that, Windows-1252.
fn read(path: &std::path::Path) -> Result<String, CliError> {
    use std::io::Read as _;
    let fail = |e: std::io::Error| CliError(format!("could not read {}: {e}", path.display()));
    let metadata = std::fs::metadata(path).map_err(fail)?;
    if !metadata.is_file() {
        return Err(CliError(format!(
            "{} is not a regular file; give the CSV file saved from the spreadsheet",
            path.display()
        )));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .map_err(fail)?
        .take(MAX_IMPORT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(fail)?;
    if bytes.len() as u64 > MAX_IMPORT_BYTES {
        return Err(CliError(format!(
            "{} is larger than {} MiB; split it into smaller files",
            path.display(),
            MAX_IMPORT_BYTES / 1024 / 1024
        )));
    }
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&bytes);
    Ok(match std::str::from_utf8(bytes) {
        Ok(text) => text.to_owned(),
        Err(_) => encoding_rs::WINDOWS_1252
            .decode_without_bom_handling(bytes)
            .0
            .into_owned(),
    })
}

/// Whether the file is an escalate export (JSON) rather than a spreadsheet: by what it holds,
/// whatever its name.
fn is_export(path: &std::path::Path) -> Result<bool, CliError> {
    use std::io::Read as _;
    let fail = |e: std::io::Error| CliError(format!("could not read {}: {e}", path.display()));
    let metadata = std::fs::metadata(path).map_err(fail)?;
    if !metadata.is_file() {
        return Err(CliError(format!(
            "{} is not a regular file; give the CSV file saved from the spreadsheet, or the JSON escalate export wrote",
            path.display()
        )));
    }
    let mut start = Vec::new();
    std::fs::File::open(path)
        .map_err(fail)?
        .take(4096)
        .read_to_end(&mut start)
        .map_err(fail)?;
    Ok(super::export::looks_like_json(&start))
}

/// Checks every row; returns those that would be imported and those refused, each with its line.
fn check(
    text: &str,
    procedures: &ProcedureSet,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(Vec<Row>, Vec<Rejected>), CliError> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| CliError(format!("could not read the header row: {e}")))?
        .clone();
    let mut index: BTreeMap<&'static str, usize> = BTreeMap::new();
    for (i, name) in header.iter().enumerate() {
        let wanted = name.trim().to_lowercase().replace([' ', '-'], "_");
        let Some((known, _, _)) = COLUMNS.iter().find(|(c, _, _)| *c == wanted) else {
            return Err(CliError(format!(
                "the header names a column \"{}\" that escalate does not know; the columns are: {} (escalate import --template prints them)",
                crate::core::record::printable(name, false),
                COLUMNS
                    .iter()
                    .map(|(c, _, _)| *c)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        };
        if index.insert(known, i).is_some() {
            return Err(CliError(format!(
                "the header names the column \"{known}\" twice; keep one"
            )));
        }
    }
    let missing: Vec<&str> = COLUMNS
        .iter()
        .filter(|(c, required, _)| *required && !index.contains_key(c))
        .map(|(c, _, _)| *c)
        .collect();
    if !missing.is_empty() {
        return Err(CliError(format!(
            "the header lacks the required column{} {}; escalate import --template prints every column",
            plural(missing.len()),
            missing.join(", ")
        )));
    }
    let (mut rows, mut rejected) = (Vec::new(), Vec::new());
    for (number, record) in reader.records().enumerate() {
        let line = record
            .as_ref()
            .ok()
            .and_then(|r| r.position())
            .map_or(number as u64 + 2, |p| p.line());
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                rejected.push(Rejected {
                    line,
                    reason: format!("not a well-formed CSV row ({e})"),
                });
                continue;
            }
        };
        // A row left blank in the spreadsheet is not a mistake.
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let field = |name: &str| -> &str {
            index
                .get(name)
                .and_then(|&i| record.get(i))
                .map(str::trim)
                .unwrap_or("")
        };
        let child = field("child").to_owned();
        match check_row(&field, procedures, actor, now) {
            Ok((new, changes, summary)) => rows.push(Row {
                line,
                new,
                changes,
                summary,
            }),
            Err(reason) => rejected.push(Rejected {
                line,
                reason: super::without_name(&reason, &child),
            }),
        }
    }
    Ok((rows, rejected))
}

fn optional(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_owned())
}

fn time(field: &str, text: &str) -> Result<Option<DateTime<Utc>>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    parse_instant(text)
        .map(Some)
        .map_err(|e| format!("{field}: {e}"))
}

/// A refusal in the spreadsheet's words: its column, and the column where the command line's
/// message names an option.
fn refused(error: RecordError) -> String {
    let message = error
        .message
        .replace("with --partnership", "in the partnership column")
        .replace("--concern-at and --raised-at", "concern_at and raised_at");
    format!("{}: {message}", error.field)
}

/// One row checked and planned: the new escalation, the changes that take it to the stage and
/// state the spreadsheet gives, and a line saying what it would be.
fn check_row<'a>(
    field: &impl Fn(&str) -> &'a str,
    procedures: &ProcedureSet,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(NewEscalation, Vec<Change>, String), String> {
    let procedure: &Procedure = procedures.get(field("procedure")).ok_or_else(|| {
        format!(
            "procedure: there is no procedure \"{}\"; choose from {}",
            crate::core::record::printable(field("procedure"), false),
            procedures
                .iter()
                .map(|p| p.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let raised_at = time("raised_at", field("raised_at"))?.ok_or_else(|| {
        "raised_at: is empty; give when it was raised, e.g. 02/11/2026 10:00".to_owned()
    })?;
    let input = NewEscalationInput {
        procedure: procedure.id.clone(),
        partnership: optional(field("partnership")),
        child_name: field("child").to_owned(),
        child_dob: optional(field("dob"))
            .map(|d| parse_date(&d))
            .transpose()
            .map_err(|e| format!("dob: {e}"))?,
        child_ref: optional(field("child_ref")),
        raised_by: field("raised_by").to_owned(),
        agency: field("agency").to_owned(),
        raised_with: field("raised_with").to_owned(),
        category: field("category").to_owned(),
        summary: field("summary").to_owned(),
        outcome_sought: optional(field("outcome_sought")),
        concern_at: time("concern_at", field("concern_at"))?,
        raised_at: Some(raised_at),
        immediate_risk: match field("immediate_risk") {
            "" => false,
            text => parse_yes_no("immediate_risk", text).map_err(refused)?,
        },
    };
    let new = input.check(procedure, now).map_err(refused)?;
    let stage = match field("stage") {
        "" => 1,
        text => text
            .parse::<u8>()
            .ok()
            .filter(|s| (1..=procedure.last_stage()).contains(s))
            .ok_or_else(|| {
                format!(
                    "stage: \"{}\" is not a stage of {}; give 1 to {}",
                    crate::core::record::printable(text, false),
                    procedure.id,
                    procedure.last_stage()
                )
            })?,
    };
    let reached_at = time("stage_reached_at", field("stage_reached_at"))?;
    if reached_at.is_some() && stage == 1 {
        return Err(
            "stage_reached_at: is given for stage 1, which starts when it is raised; give the stage too, or leave it blank".to_owned(),
        );
    }
    let status = field("status").to_lowercase();
    let closed_at = time("closed_at", field("closed_at"))?;
    let outcome = field("outcome");
    // Planned on an in-memory copy, by the rules `advance`, `resolve` and `withdraw` follow.
    let mut escalation = as_written(0, new.clone(), actor, now);
    let mut changes = Vec::new();
    let mut apply = |escalation: &mut Escalation, change: Change| {
        changes.push(change.clone());
        remember(escalation, change, 0, actor, now);
    };
    for _ in 1..stage {
        let change = plan_advance(
            &escalation,
            procedure,
            "Imported from a spreadsheet: the escalation had reached this stage before it was recorded in escalate.",
            reached_at.unwrap_or(raised_at),
            now,
        )
        .map_err(refused)?;
        apply(&mut escalation, change);
    }
    let needs_closure = |what: &str| -> Result<DateTime<Utc>, String> {
        if outcome.is_empty() {
            return Err(format!(
                "outcome: is empty; a {what} escalation needs {}",
                if what == "resolved" {
                    "how it was resolved"
                } else {
                    "why it was withdrawn"
                }
            ));
        }
        closed_at.ok_or_else(|| format!("closed_at: is empty; give when it was {what}"))
    };
    let state = match status.as_str() {
        "" | "open" => {
            if closed_at.is_some() || !outcome.is_empty() {
                return Err("status: is open, but closed_at or outcome is given; say resolved or withdrawn, or clear them".to_owned());
            }
            "open"
        }
        "resolved" => {
            let at = needs_closure("resolved")?;
            let change = plan_resolve(
                &escalation,
                &ResolutionInput {
                    how: outcome.to_owned(),
                    learning: optional(field("learning")),
                    parents_informed: None,
                    why_not: None,
                    child_record_updated: None,
                    at: Some(at),
                },
                now,
            )
            .map_err(refused)?;
            apply(&mut escalation, change);
            "resolved"
        }
        "withdrawn" => {
            let at = needs_closure("withdrawn")?;
            let change = plan_withdraw(&escalation, outcome, at, now).map_err(refused)?;
            apply(&mut escalation, change);
            "withdrawn"
        }
        other => {
            return Err(format!(
                "status: \"{}\" is not open, resolved or withdrawn",
                crate::core::record::printable(other, false)
            ));
        }
    };
    let summary = format!(
        "{} ({}), {}, stage {stage}, {state}, raised {}",
        initials(&new.child.name),
        new.child.reference.as_deref().unwrap_or("no reference"),
        procedure.id,
        crate::core::calendar::format_local(new.raised_at)
    );
    Ok((new, changes, summary))
}
