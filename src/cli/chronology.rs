//! `escalate chronology ID`: the escalation as a dated chronology for the child's file, in
//! text, Markdown or HTML (printable: no external resources, print styles).
//!
//! Every entry is the record's own words and times, oldest first: the concern, the raise, each
//! stage move, discussion, agreed action, notification sent, clock marked met, reason for delay,
//! amendment and the outcome. Nothing is invented; a field the record does not hold is left out.
//! `--privacy` hides every spelling of the child's name (as the dashboard's privacy mode does).

use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::records::{load, parse_id};
use super::{CliError, Context};
use crate::core::calendar::format_local;
use crate::core::record::{NoteKind, Outcome, Redactor, initials, printable};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Markdown,
    Html,
}

pub fn run(
    context: &mut Context,
    id: &str,
    format: &str,
    is_privacy: bool,
) -> Result<String, CliError> {
    let format = match format.trim() {
        "text" => Format::Text,
        "markdown" => Format::Markdown,
        "html" => Format::Html,
        other => {
            return Err(CliError(format!(
                "--format: \"{}\" is not a format; use text, markdown or html",
                other.escape_debug()
            )));
        }
    };
    let id = parse_id(id)?;
    let (escalation, procedure) = load(context, id)?;
    let redactor = Redactor::for_escalation(&escalation);
    // Free text as it may be shown: printable, and in privacy mode with the name hidden.
    let shown = |text: &str| {
        let text = if is_privacy {
            redactor.apply(text)
        } else {
            text.to_owned()
        };
        printable(&text, true)
    };
    let child = if is_privacy {
        initials(&escalation.child.name)
    } else {
        printable(&escalation.child.name, false)
    };
    let stage_name = |n: u8| {
        procedure
            .stage(n)
            .map_or_else(String::new, |s| format!(" ({})", s.name))
    };

    let mut entries: Vec<(DateTime<Utc>, String)> = Vec::new();
    if let Some(concern) = escalation.concern_at {
        entries.push((concern, "The concern arose.".to_owned()));
    }
    entries.push((
        escalation.raised_at,
        format!(
            "Escalation raised by {} ({}) with {} under {}, stage 1{}. Category: {}. Circumstances: {}{}{}",
            shown(&escalation.raised_by),
            shown(&escalation.agency),
            shown(&escalation.raised_with),
            procedure.title,
            stage_name(1),
            escalation.category,
            shown(&escalation.summary),
            escalation
                .outcome_sought
                .as_deref()
                .map(|o| format!(" Outcome sought: {}", shown(o)))
                .unwrap_or_default(),
            if escalation.immediate_risk {
                " Flagged as an immediate risk of significant harm."
            } else {
                ""
            }
        ),
    ));
    for change in &escalation.stage_changes {
        entries.push((
            change.at,
            format!(
                "Escalated to stage {}{} by {}: {}",
                change.to_stage,
                stage_name(change.to_stage),
                shown(&change.by),
                shown(&change.reason)
            ),
        ));
    }
    for d in &escalation.discussions {
        let mut text = format!(
            "Discussion ({}) at stage {} with {}: {}",
            d.mode,
            d.stage,
            shown(&d.participants),
            shown(&d.notes)
        );
        if let Some(decisions) = &d.decisions {
            let _ = write!(text, " Decisions: {}", shown(decisions));
        }
        if d.is_agreement {
            text.push_str(" Agreement was reached.");
        }
        let _ = write!(text, " (recorded by {})", shown(&d.recorded_by));
        entries.push((d.at, text));
    }
    for a in &escalation.actions {
        entries.push((
            a.recorded_at,
            format!(
                "Action agreed: {} (owner {}, due {}).",
                shown(&a.what),
                shown(&a.owner),
                crate::core::calendar::format_date(a.due_on)
            ),
        ));
        if let Some(done) = a.done_at {
            entries.push((done, format!("Action done: {}.", shown(&a.what))));
        }
    }
    for sent in &escalation.sent {
        let name = procedure
            .notification(&sent.notification)
            .map_or_else(|| sent.notification.clone(), |n| n.name.to_string());
        entries.push((
            sent.sent_at,
            format!(
                "Notification sent ({}): {} by {}{}.",
                sent.notification,
                name,
                sent.method,
                sent.reference
                    .as_deref()
                    .map(|r| format!(", reference {}", shown(r)))
                    .unwrap_or_default()
            ),
        ));
    }
    for note in &escalation.notes {
        match note.kind {
            NoteKind::ClockMet => entries.push((
                note.at,
                format!("Deadline {} met: {}", note.clock, shown(&note.text)),
            )),
            NoteKind::DelayReason => entries.push((
                note.at,
                format!("Reason for the delay: {}", shown(&note.text)),
            )),
            // Its time is the earlier due time it set, not when it was decided: said so.
            NoteKind::ClockTightened => entries.push((
                note.at,
                format!(
                    "Deadline {} brought forward to this time by {}: {}",
                    note.clock,
                    shown(&note.by),
                    shown(&note.text)
                ),
            )),
        }
    }
    for amendment in &escalation.amendments {
        let hide = is_privacy && matches!(amendment.field.as_str(), "child" | "dob");
        let value = |v: &Option<String>| {
            if hide {
                "(hidden)".to_owned()
            } else {
                shown(v.as_deref().unwrap_or(""))
            }
        };
        entries.push((
            amendment.at,
            format!(
                "Record corrected by {}: {} changed from \"{}\" to \"{}\": {}",
                shown(&amendment.by),
                amendment.field,
                value(&amendment.old_value),
                value(&amendment.new_value),
                shown(&amendment.why)
            ),
        ));
    }
    match escalation.outcome.as_deref() {
        Some(Outcome::Resolved {
            at,
            stage,
            how,
            learning,
            parents_informed,
            why_not,
            child_record_updated,
            by,
        }) => {
            let yes_no = |v: &Option<bool>| match v {
                Some(true) => "yes",
                Some(false) => "no",
                None => "not recorded",
            };
            let mut text = format!("Resolved at stage {stage} by {}: {}", shown(by), shown(how));
            if let Some(learning) = learning {
                let _ = write!(text, " Learning: {}", shown(learning));
            }
            let _ = write!(
                text,
                " Parents or carers informed: {}{}. Child's record updated: {}.",
                yes_no(parents_informed),
                why_not
                    .as_deref()
                    .map(|w| format!(" ({})", shown(w)))
                    .unwrap_or_default(),
                yes_no(child_record_updated)
            );
            entries.push((*at, text));
        }
        Some(Outcome::Withdrawn { at, stage, why, by }) => entries.push((
            *at,
            format!(
                "Withdrawn at stage {stage} by {}: {}",
                shown(by),
                shown(why)
            ),
        )),
        None => {}
    }
    entries.sort_by_key(|(at, _)| *at);

    let title = format!("Chronology of escalation {id}: {child}");
    Ok(match format {
        Format::Text => {
            let mut out = format!("{title}\n{}\n\n", procedure.title);
            for (at, text) in &entries {
                let _ = writeln!(out, "{}  {}", format_local(*at), indent(text));
            }
            out
        }
        Format::Markdown => {
            let mut out = format!(
                "# {}\n\n{}\n\n",
                markdown(&title),
                markdown(&procedure.title)
            );
            for (at, text) in &entries {
                let _ = writeln!(out, "- **{}**: {}", format_local(*at), markdown(text));
            }
            out
        }
        Format::Html => {
            let mut out = String::from(
                "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n",
            );
            let _ = writeln!(out, "<title>{}</title>", html(&title));
            out.push_str(
                "<style>\nbody { font-family: sans-serif; margin: 2em; }\ntable { border-collapse: collapse; width: 100%; }\ntd { border-bottom: 1px solid #999; padding: 0.3em; vertical-align: top; }\ntd.when { white-space: nowrap; }\n@media print { body { margin: 0; } tr { page-break-inside: avoid; } }\n</style>\n</head>\n<body>\n",
            );
            let _ = writeln!(out, "<h1>{}</h1>", html(&title));
            let _ = writeln!(out, "<p>{}</p>\n<table>", html(&procedure.title));
            for (at, text) in &entries {
                let _ = writeln!(
                    out,
                    "<tr><td class=\"when\">{}</td><td>{}</td></tr>",
                    html(&format_local(*at)),
                    html(text).replace('\n', "<br>")
                );
            }
            out.push_str("</table>\n</body>\n</html>\n");
            out
        }
    })
}

/// Continues a multi-line entry under its text, not under the date.
fn indent(text: &str) -> String {
    text.replace('\n', "\n                               ")
}

/// One Markdown line: escaped as the morning review escapes it, line breaks kept.
fn markdown(text: &str) -> String {
    super::review::markdown_escape(text).replace('\n', "  \n")
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
