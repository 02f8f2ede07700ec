//! The partnership forms on the command line (issue 15): `escalate form ID FORM` fills one from
//! the record (`core::form`), `--list` says which there are and which are owed; `escalate
//! details` and `escalate meeting` record what the forms ask beyond the escalation; `notify
//! --form` / `--attach` keep the form that was sent with the record.
//!
//! A field the record cannot fill takes `--set FIELD=VALUE`; on a terminal, the rest are asked
//! for one by one (an empty answer leaves it blank); otherwise they are left visibly blank. An
//! `--out` file is created readable only by its owner, and an existing one is never replaced
//! without `--force`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{BufRead as _, IsTerminal as _, Write as _};

use serde_json::json;

use super::args::{DetailArgs, DetailsArgs, FormArgs, MeetingArgs, NotifyArgs};
use super::records::{apply, given_or_read, load, one_stdin, parse_id, schedule_of};
use super::{CliError, Context};
use crate::core::calendar::local_date;
use crate::core::change::Request;
use crate::core::form::{self, FilledForm, Format};
use crate::core::record::{Redactor, check_detail, printable};

/// `--set FIELD=VALUE`, each once.
pub fn answers(set: &[String]) -> Result<BTreeMap<String, String>, CliError> {
    let mut answers = BTreeMap::new();
    for item in set {
        let Some((field, value)) = item.split_once('=') else {
            return Err(CliError(format!(
                "--set: \"{}\" is not FIELD=VALUE; e.g. --set completed-by=\"J Smith, DSL\"",
                item.escape_debug()
            )));
        };
        if answers
            .insert(field.trim().to_owned(), value.to_owned())
            .is_some()
        {
            return Err(CliError(format!(
                "--set: {} is given twice; give it once",
                field.trim().escape_debug()
            )));
        }
    }
    Ok(answers)
}

/// Fills `form_id` on escalation `id` from the record and `answers`, asking on a terminal for
/// what is still blank when `may_ask`.
fn filled(
    context: &mut Context,
    id: i64,
    form_id: &str,
    mut answers: BTreeMap<String, String>,
    is_privacy: bool,
    may_ask: bool,
) -> Result<FilledForm, CliError> {
    let (escalation, procedure) = load(context, id)?;
    let schedule = schedule_of(context, &escalation, &procedure)?;
    let Some(form) = form::find(&procedure, form_id.trim()) else {
        let ids: Vec<&str> = form::available(&procedure)
            .iter()
            .map(|f| f.id.as_str())
            .collect();
        return Err(CliError(format!(
            "{} has no form \"{}\"; use one of: {} (see escalate form {id} --list)",
            procedure.id,
            form_id.trim().escape_debug(),
            ids.join(", ")
        )));
    };
    if form.fields.is_empty() {
        return Err(CliError(format!(
            "form {} of {} names no fields; add its [[forms.fields]] to the procedure file (docs/PROCEDURES.md)",
            form.id, procedure.id
        )));
    }
    let today = local_date(context.now);
    let unfilled = form::unfilled(form, &escalation, &procedure, Some(&schedule), today);
    let stdin = std::io::stdin();
    if may_ask && !context.json && stdin.is_terminal() && std::io::stderr().is_terminal() {
        let mut stderr = std::io::stderr();
        let waiting: Vec<_> = unfilled
            .iter()
            .filter(|f| !answers.contains_key(&f.id))
            .collect();
        if !waiting.is_empty() {
            let _ = writeln!(
                stderr,
                "The record cannot fill {} field{} of {}; type each (Enter leaves it blank to fill in by hand):",
                waiting.len(),
                if waiting.len() == 1 { "" } else { "s" },
                form.id
            );
        }
        for field in waiting {
            let _ = write!(
                stderr,
                "{} [{}]: ",
                printable(&field.label, false),
                field.id
            );
            let _ = stderr.flush();
            let mut line = String::new();
            if stdin.lock().read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            let line = line.trim_end_matches(['\n', '\r']);
            if !line.trim().is_empty() {
                answers.insert(field.id.clone(), line.to_owned());
            }
        }
    }
    let redactor = is_privacy.then(|| Redactor::for_escalation(&escalation));
    form::fill(
        form,
        &escalation,
        &procedure,
        Some(&schedule),
        today,
        &answers,
        redactor.as_ref(),
    )
    .map_err(|e| CliError(format!("--{e}")))
}

/// The format asked for, or the one `--out`'s extension names, or text.
fn format_of(given: Option<&str>, out: Option<&std::path::Path>) -> Result<Format, CliError> {
    if let Some(text) = given {
        return Format::parse(text).ok_or_else(|| {
            CliError(format!(
                "--format: \"{}\" is not a format; use text, markdown or html",
                text.escape_debug()
            ))
        });
    }
    let extension = out
        .and_then(|p| p.extension())
        .and_then(|e| e.to_str())
        .unwrap_or("");
    Ok(match extension {
        "html" | "htm" => Format::Html,
        "md" | "markdown" => Format::Markdown,
        _ => Format::Text,
    })
}

/// `escalate form ID FORM` and `escalate form ID --list`.
pub fn run(context: &mut Context, args: FormArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    if args.list {
        return list(context, id);
    }
    let format = format_of(args.format.as_deref(), args.out.as_deref())?;
    let answers = answers(&args.set)?;
    if let Some(path) = &args.out
        && !args.force
        && std::fs::symlink_metadata(path).is_ok()
    {
        return Err(CliError(format!(
            "--out: {} already exists; choose another name, or add --force to replace it",
            path.display()
        )));
    }
    let forms = if args.all {
        let (_, procedure) = load(context, id)?;
        let ids: Vec<String> = form::available(&procedure)
            .iter()
            .filter(|f| !f.fields.is_empty())
            .map(|f| f.id.clone())
            .collect();
        ids.iter()
            .map(|f| filled(context, id, f, BTreeMap::new(), args.privacy, false))
            .collect::<Result<Vec<_>, _>>()?
    } else {
        let form_id = args.form.unwrap_or_default();
        vec![filled(context, id, &form_id, answers, args.privacy, true)?]
    };
    if context.json && args.out.is_none() {
        return Ok(serde_json::to_string_pretty(&forms).unwrap_or_default() + "\n");
    }
    let text = form::render(&forms, format);
    match &args.out {
        None => Ok(text),
        Some(path) => {
            write_private(path, &text, args.force)?;
            let blanks: Vec<String> = forms
                .iter()
                .flat_map(|f| f.blanks().into_iter().map(|b| format!("{}.{b}", f.id)))
                .collect();
            let names: Vec<&str> = forms.iter().map(|f| f.id.as_str()).collect();
            let mut out = format!(
                "Wrote form{} {} of escalation {id} to {}.\n",
                if names.len() == 1 { "" } else { "s" },
                names.join(", "),
                path.display()
            );
            if !blanks.is_empty() {
                let _ = writeln!(
                    out,
                    "  Left blank to fill in by hand: {} (or give them with --set FIELD=VALUE).",
                    blanks.join(", ")
                );
            }
            if context.json {
                return Ok(format!(
                    "{}\n",
                    json!({ "forms": names, "out": path.display().to_string(), "blank": blanks })
                ));
            }
            Ok(out)
        }
    }
}

/// Which forms the procedure has, which are owed and what asks for each, and which fields each
/// would leave blank.
fn list(context: &mut Context, id: i64) -> Result<String, CliError> {
    let (escalation, procedure) = load(context, id)?;
    let schedule = schedule_of(context, &escalation, &procedure)?;
    let owed = form::owed(&schedule);
    let today = local_date(context.now);
    let forms = form::available(&procedure);
    if context.json {
        let list: Vec<_> = forms
            .iter()
            .map(|f| {
                let asked_by: Vec<&str> = owed
                    .iter()
                    .filter(|(form, _)| *form == f.id)
                    .map(|(_, by)| by.as_str())
                    .collect();
                let blank: Vec<&str> =
                    form::unfilled(f, &escalation, &procedure, Some(&schedule), today)
                        .iter()
                        .map(|x| x.id.as_str())
                        .collect();
                json!({ "id": f.id, "title": f.title, "is_owed": !asked_by.is_empty(), "owed_by": asked_by, "blank": blank })
            })
            .collect();
        return Ok(serde_json::to_string_pretty(&list).unwrap_or_default() + "\n");
    }
    let mut out = format!("Forms of {} for escalation {id}:\n", procedure.id);
    for f in forms {
        let asked_by: Vec<&str> = owed
            .iter()
            .filter(|(form, _)| *form == f.id)
            .map(|(_, by)| by.as_str())
            .collect();
        let mark = if asked_by.is_empty() { "  " } else { "* " };
        let _ = writeln!(out, "{mark}{:<16} {}", f.id, printable(&f.title, false));
        if !asked_by.is_empty() {
            let _ = writeln!(out, "{:18} owed: {}", "", asked_by.join(", "));
        }
        let blank: Vec<&str> = form::unfilled(f, &escalation, &procedure, Some(&schedule), today)
            .iter()
            .map(|x| x.id.as_str())
            .collect();
        if !blank.is_empty() {
            let _ = writeln!(out, "{:18} not on the record: {}", "", blank.join(", "));
        }
    }
    let _ = writeln!(
        out,
        "\n* owed now. Fill one with: escalate form {id} FORM [--format text|markdown|html] [--out FILE]"
    );
    Ok(out)
}

/// Writes `text` to `path` readable only by its owner ([`super::files::write_private`]); a file
/// already there is replaced only with `force`, so a form sent earlier is never overwritten by
/// mistake.
pub fn write_private(path: &std::path::Path, text: &str, force: bool) -> Result<(), CliError> {
    if !force && std::fs::symlink_metadata(path).is_ok() {
        return Err(CliError(format!(
            "--out: {} already exists; choose another name, or add --force to replace it",
            path.display()
        )));
    }
    super::files::write_private(path, text)
}

/// The details given as (field, value) pairs, sensitive ones read from their files.
pub fn detail_fields(details: DetailArgs) -> Result<Vec<(String, String)>, CliError> {
    one_stdin(&[
        (
            "--child-address-file",
            details.child_address_file.as_deref(),
        ),
        (
            "--child-postcode-file",
            details.child_postcode_file.as_deref(),
        ),
    ])?;
    let address = given_or_read(
        details.child_address,
        details.child_address_file.as_deref(),
        "--child-address-file",
    )?;
    let postcode = given_or_read(
        details.child_postcode,
        details.child_postcode_file.as_deref(),
        "--child-postcode-file",
    )?;
    let fields = [
        ("referrer-phone", details.referrer_phone),
        ("referrer-email", details.referrer_email),
        ("referrer-manager", details.referrer_manager),
        ("child-address", address),
        ("child-postcode", postcode),
        ("need-level", details.need_level),
        ("family-aware", details.family_aware),
        ("views-agreed", details.views_agreed),
    ];
    let fields: Vec<(String, String)> = fields
        .into_iter()
        .filter_map(|(f, v)| v.map(|v| (f.to_owned(), v)))
        .collect();
    // Checked before anything is written, so a typing mistake changes nothing.
    for (field, value) in &fields {
        check_detail(field, value).map_err(|e| CliError(format!("--{e}")))?;
    }
    Ok(fields)
}

/// Records the details on escalation `id`.
fn record(
    context: &mut Context,
    id: i64,
    fields: Vec<(String, String)>,
) -> Result<String, CliError> {
    let count = fields.len();
    let out = apply(context, id, Request::Details { fields })?;
    if context.json {
        return Ok(out);
    }
    Ok(format!(
        "Escalation {id}: {count} detail{} recorded.\n{}",
        if count == 1 { "" } else { "s" },
        out.lines()
            .skip(1)
            .map(|l| format!("{l}\n"))
            .collect::<String>()
    ))
}

/// `escalate details ID --referrer-phone ...`.
pub fn details(context: &mut Context, args: DetailsArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let fields = detail_fields(args.details)?;
    if fields.is_empty() {
        return Err(CliError(
            "give at least one detail to record (see escalate details --help)".to_owned(),
        ));
    }
    record(context, id, fields)
}

/// `escalate meeting ID --chair ... --attendees ... --review-date ...`.
pub fn meeting(context: &mut Context, args: MeetingArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let attendees = given_or_read(
        args.attendees,
        args.attendees_file.as_deref(),
        "--attendees-file",
    )?;
    let fields: Vec<(String, String)> = [
        ("meeting-chair", args.chair),
        ("meeting-attendees", attendees),
        ("review-date", args.review_date),
    ]
    .into_iter()
    .filter_map(|(f, v)| v.map(|v| (f.to_owned(), v)))
    .collect();
    for (field, value) in &fields {
        check_detail(field, value).map_err(|e| CliError(format!("--{e}")))?;
    }
    record(context, id, fields)
}

/// `escalate notify ... --form [FORM]` or `--attach FILE`: the request that records the
/// notification sent with what was sent kept beside it, or `None` for neither.
pub fn attachment(
    context: &mut Context,
    id: i64,
    args: &NotifyArgs,
) -> Result<Option<(String, String)>, CliError> {
    if let Some(path) = &args.attach {
        let text =
            super::files::read_text(path, "the file given to --attach,")?.ok_or_else(|| {
                CliError(format!(
                    "--attach: there is no file {}; give the form as it was sent",
                    path.display()
                ))
            })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "attachment".to_owned());
        return Ok(Some((name, text)));
    }
    let Some(form_id) = &args.form else {
        return Ok(None);
    };
    let form_id = if form_id.trim().is_empty() {
        let (escalation, procedure) = load(context, id)?;
        let schedule = schedule_of(context, &escalation, &procedure)?;
        schedule
            .notifications
            .iter()
            .find(|n| *n.id == *args.notification.trim())
            .and_then(|n| n.form.as_deref().map(str::to_owned))
            .ok_or_else(|| {
                CliError(format!(
                    "--form: notification {} names no form; name one (see escalate form {id} --list) or use --attach FILE",
                    args.notification.trim().escape_debug()
                ))
            })?
    } else {
        form_id.trim().to_owned()
    };
    let filled = filled(context, id, &form_id, answers(&args.set)?, false, false)?;
    Ok(Some((
        filled.id.clone(),
        form::render(std::slice::from_ref(&filled), Format::Text),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_reads_field_equals_value_once_each() {
        let got = answers(&["a=1".to_owned(), "b=x=y".to_owned()]).unwrap();
        assert_eq!(got.get("b").map(String::as_str), Some("x=y"));
        assert!(
            answers(&["a".to_owned()])
                .unwrap_err()
                .0
                .contains("FIELD=VALUE")
        );
        assert!(
            answers(&["a=1".to_owned(), "a=2".to_owned()])
                .unwrap_err()
                .0
                .contains("twice")
        );
    }

    #[test]
    fn the_format_follows_the_out_files_extension_unless_given() {
        let p = std::path::Path::new("x.html");
        assert_eq!(format_of(None, Some(p)).unwrap(), Format::Html);
        assert_eq!(
            format_of(Some("markdown"), Some(p)).unwrap(),
            Format::Markdown
        );
        assert_eq!(format_of(None, None).unwrap(), Format::Text);
        assert!(format_of(Some("pdf"), None).is_err());
    }
}
