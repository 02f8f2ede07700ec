//! `escalate review`: the morning review as a report, as text, Markdown (to paste into an email
//! to a deputy DSL) or JSON, for a person or for cron.
//!
//! The list itself comes from [`crate::core::review::review`], which the dashboard's walk (`R`)
//! shares, so the two cannot disagree. This command only reads: it records no review (the
//! dashboard does, when a walk ends). It exits 1 when anything is overdue, still printing the
//! report, so that a cron job or login script can mail the DSL; errors exit 2 as everywhere.
//!
//! Every text from the database (names, actions) goes through [`printable`], and in Markdown is
//! also escaped, so that neither a terminal nor a mail reader is driven by what was stored. With
//! `--privacy`, the child's name is replaced by initials everywhere, the JSON included, and
//! wherever it appears in full in an action's wording.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde_json::{Value, json};

use super::args::ReviewArgs;
use super::view::symbol;
use super::{CliError, Context, Finished};
use crate::core::calendar::{format_date, format_local, format_rfc3339};
use crate::core::record::{Escalation, Outcome, Redactor, initials, printable};
use crate::core::review::{Group, Horizon, Review, ReviewItem, Subject, review};
use crate::storage::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Markdown,
}

fn parse_format(text: &str) -> Result<Format, CliError> {
    match text.trim().to_lowercase().as_str() {
        "text" => Ok(Format::Text),
        "markdown" | "md" => Ok(Format::Markdown),
        _ => Err(CliError(format!(
            "--format: \"{}\" is not a format; use text or markdown (or --json for JSON)",
            printable(text.trim(), false)
        ))),
    }
}

/// What the report says about each escalation, worked out once.
struct About {
    /// The child's name, or initials with `--privacy`; printable.
    child: String,
    /// Every spelling of the child's name the record has held, to hide in free text with
    /// `--privacy`.
    redactor: Option<Redactor>,
    /// For JSON, which carries stored text exactly (JSON escapes it): the name, or initials.
    json_child: String,
    procedure: String,
    last_stage: u8,
    closed: Option<&'static str>,
}

impl About {
    /// Free text from the record, printable, with the child's full name replaced by initials in
    /// privacy mode.
    fn text(&self, text: &str) -> String {
        let text = match &self.redactor {
            Some(redactor) => redactor.apply(text),
            None => text.to_owned(),
        };
        printable(&text, false)
    }
}

pub fn run(context: &mut Context, args: ReviewArgs) -> Result<Finished, CliError> {
    let horizon: Horizon = args
        .horizon
        .parse()
        .map_err(|e| CliError(format!("--{e}")))?;
    let format = parse_format(&args.format)?;
    if context.json && format == Format::Markdown {
        return Err(CliError(
            "--json and --format markdown cannot be combined; choose one".to_owned(),
        ));
    }
    let procedures = context.procedures()?;
    // A review of a database that is not there is an error, not an empty review: a mistyped
    // --db in a crontab must not mail "nothing needs attention".
    // Only what can need attention: every open escalation and every closed one not settled
    // (a settled one owes nothing and has no action left undone, so nothing of it can be listed);
    // the store keeps that set, and the closed history is never read (issue 17).
    let escalations = context.existing_store()?.caseload()?;
    let missing: Vec<String> = escalations
        .iter()
        .filter(|e| procedures.get(&e.procedure).is_none())
        .map(|e| format!("{} ({})", e.id, printable(&e.procedure, false)))
        .collect();
    if !missing.is_empty() {
        return Err(CliError(format!(
            "escalation(s) {} follow a procedure that is no longer defined, so their deadlines cannot be reviewed; restore its file in the procedures folder",
            missing.join(", ")
        )));
    }
    let mut schedules = Vec::with_capacity(escalations.len());
    let mut about = HashMap::new();
    for escalation in &escalations {
        let Some(procedure) = procedures.get(&escalation.procedure) else {
            continue;
        };
        schedules.push(super::records::schedule_of(context, escalation, procedure)?);
        about.insert(
            escalation.id,
            describe(escalation, procedure.last_stage(), args.privacy),
        );
    }
    // The audit chain's head as this review saw it: each day's mailed review is then an anchor
    // outside the file (escalate verify --expect HEAD).
    let head = context.existing_store()?.audit_head()?;
    let calendar = context.config()?.calendar.clone();
    let result = review(
        escalations.iter().zip(&schedules),
        &calendar,
        context.now,
        horizon,
    );
    let output = if context.json {
        let mut value = as_json(&result, &about);
        if let Some(object) = value.as_object_mut() {
            object.insert("audit_head".to_owned(), json!(head.to_string()));
        }
        serde_json::to_string_pretty(&value)
            .map_err(|e| CliError(format!("could not write JSON: {e}")))?
            + "\n"
    } else {
        let mut text = as_text(&result, &about, format);
        let _ = if format == Format::Markdown {
            writeln!(
                text,
                "\nAudit head: `{head}` (escalate verify --expect {head} checks a later database still holds it)"
            )
        } else {
            writeln!(
                text,
                "\nAudit head: {head} (escalate verify --expect {head} checks a later database still holds it)"
            )
        };
        text
    };
    Ok(Finished {
        output,
        is_anything_overdue: result.is_anything_overdue(),
        warnings: Vec::new(),
    })
}

fn describe(escalation: &Escalation, last_stage: u8, is_privacy: bool) -> About {
    let name = printable(&escalation.child.name, false);
    let (child, redactor, json_child) = if is_privacy {
        let short = initials(&name);
        (
            short.clone(),
            Some(Redactor::for_escalation(escalation)),
            short,
        )
    } else {
        (name, None, escalation.child.name.clone())
    };
    About {
        child,
        redactor,
        json_child,
        procedure: printable(&escalation.procedure, false),
        last_stage,
        closed: match escalation.outcome.as_deref() {
            Some(Outcome::Resolved { .. }) => Some("resolved"),
            Some(Outcome::Withdrawn { .. }) => Some("withdrawn"),
            None => None,
        },
    }
}

/// The symbol for an item, as the dashboard and `show` use them: never urgency by colour alone.
fn item_symbol(item: &ReviewItem) -> &'static str {
    symbol(item.state()).trim_end()
}

/// What is due, in words; `clean` makes text safe for the output (and escapes it for Markdown).
fn what(item: &ReviewItem, about: &About, clean: &dyn Fn(String) -> String) -> String {
    let plain = |text: &str| clean(printable(text, false));
    match &item.subject {
        Subject::ImmediateRisk { name, .. } => format!("IMMEDIATE RISK: {}", plain(name)),
        Subject::Clock { name, .. } => plain(name),
        Subject::Notification {
            id,
            name,
            recipient,
            ..
        } if crate::core::review::names_its_recipient(name, recipient) => {
            format!("{}: {}", plain(id), plain(name))
        }
        Subject::Notification {
            id,
            name,
            recipient,
            ..
        } => format!("{}: {}, to {}", plain(id), plain(name), plain(recipient)),
        Subject::Action {
            id, what, owner, ..
        } => format!(
            "action {id}: {} (owner {})",
            clean(about.text(what)),
            plain(owner)
        ),
    }
}

fn when(item: &ReviewItem) -> String {
    match &item.subject {
        Subject::Action { due_on, .. } => format!("due {}", format_date(*due_on)),
        _ => match &item.day_note {
            Some(note) => format!("due {} ({note})", format_local(item.due_at)),
            None => format!("due {}", format_local(item.due_at)),
        },
    }
}

fn heading(group: Group, result: &Review) -> String {
    match group {
        Group::DueWithinHorizon => format!(
            "Due within the horizon, by {}",
            format_local(result.horizon_ends_at)
        ),
        Group::Outstanding => "Notifications outstanding, due after the horizon".to_owned(),
        other => other.heading().to_owned(),
    }
}

fn plural(n: usize, word: &str) -> String {
    format!("{n} {word}{}", if n == 1 { "" } else { "s" })
}

fn as_text(result: &Review, about: &HashMap<i64, About>, format: Format) -> String {
    let is_markdown = format == Format::Markdown;
    let clean = |text: String| {
        if is_markdown {
            markdown_escape(&text)
        } else {
            text
        }
    };
    let as_of = format_local(result.as_of);
    let reach = format!(
        "Looking ahead {} ({}), to {}.",
        plural(result.horizon.working_days() as usize, "working day"),
        result.horizon,
        format_local(result.horizon_ends_at)
    );
    let mut out = String::new();
    if result.items.is_empty() {
        let calm = format!(
            "Nothing needs attention as of {as_of}: nothing overdue, nothing due by {}, no notifications owed, no actions slipping.",
            format_local(result.horizon_ends_at)
        );
        if is_markdown {
            let _ = writeln!(
                out,
                "# Morning review as of {as_of}: nothing needs attention\n\n{calm}"
            );
        } else {
            let _ = writeln!(out, "{calm}");
        }
        return out;
    }
    let header = format!(
        "Morning review as of {as_of}: {}, {} overdue",
        plural(result.items.len(), "item"),
        result.overdue_count()
    );
    if is_markdown {
        let _ = writeln!(out, "# {header}\n\n{reach}");
    } else {
        let _ = writeln!(out, "{header}\n{reach}");
    }
    for (group, items) in result.groups() {
        let title = format!("{} ({})", heading(group, result), items.len());
        if is_markdown {
            let _ = writeln!(out, "\n## {title}\n");
        } else {
            let _ = writeln!(out, "\n{title}");
        }
        for item in items {
            let Some(about) = about.get(&item.escalation_id) else {
                continue;
            };
            let closed = about.closed.map(|c| format!(", {c}")).unwrap_or_default();
            let status = item.status();
            let status = if is_markdown && item.is_overdue {
                format!("**{status}**")
            } else {
                status
            };
            let line = format!(
                "{} (#{}, {} stage {} of {}{closed}): {}; {}; {status}",
                clean(about.child.clone()),
                item.escalation_id,
                clean(about.procedure.clone()),
                item.stage,
                about.last_stage,
                what(item, about, &clean),
                when(item),
            );
            if is_markdown {
                let _ = writeln!(out, "- {line}");
            } else {
                let _ = writeln!(out, "  {:<2} {line}", item_symbol(item));
            }
        }
    }
    out
}

/// Backslash-escapes what Markdown would read as emphasis, code, links, HTML or entities
/// within a line. (Every escaped text sits inside a bullet's line, never at its start, so the
/// characters that matter only there, `#`, `-`, `+`, are left alone and `pan-bedfordshire`
/// stays readable in a plain-text mail.)
pub(super) fn markdown_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn as_json(result: &Review, about: &HashMap<i64, About>) -> Value {
    let items: Vec<Value> = result
        .items
        .iter()
        .filter_map(|item| {
            let about = about.get(&item.escalation_id)?;
            let (key, name, form, recipient, owner, due_on) = match &item.subject {
                Subject::ImmediateRisk { name, .. } => (
                    crate::core::deadline::IMMEDIATE_RISK_KEY.to_owned(),
                    name.clone(),
                    None,
                    None,
                    None,
                    None,
                ),
                Subject::Clock {
                    key, name, form, ..
                } => (key.clone(), name.clone(), form.clone(), None, None, None),
                Subject::Notification {
                    id,
                    name,
                    form,
                    recipient,
                } => (
                    id.clone(),
                    name.clone(),
                    form.clone(),
                    Some(recipient.clone()),
                    None,
                    None,
                ),
                Subject::Action {
                    id,
                    what,
                    owner,
                    due_on,
                } => (
                    id.to_string(),
                    about
                        .redactor
                        .as_ref()
                        .map_or_else(|| what.clone(), |r| r.apply(what)),
                    None,
                    None,
                    Some(owner.clone()),
                    Some(due_on.to_string()),
                ),
            };
            Some(json!({
                "group": item.group,
                "escalation_id": item.escalation_id,
                "child": about.json_child,
                "procedure": about.procedure,
                "stage": item.stage,
                "status": about.closed.unwrap_or("open"),
                "kind": item.subject.kind(),
                "key": key,
                "what": name,
                "form": form,
                "recipient": recipient,
                "owner": owner,
                "due": format_rfc3339(item.due_at),
                "due_on": due_on,
                "is_overdue": item.is_overdue,
                "minutes": item.countdown.minutes,
                "countdown": item.status(),
            }))
        })
        .collect();
    json!({
        "as_of": format_rfc3339(result.as_of),
        "horizon": result.horizon,
        "horizon_ends_at": format_rfc3339(result.horizon_ends_at),
        "overdue_count": result.overdue_count(),
        "items": items,
    })
}
