//! The commands themselves: each checks its input, calls the core, and returns text or JSON.

use std::fmt::Write as _;

use serde_json::json;

use super::args::{DueArgs, HolidaysArgs, ProceduresAction, ProceduresArgs};
use super::{CliError, Context};
use crate::core::calendar::{
    FIRST_RULE_YEAR, LAST_RULE_YEAR, bank_holidays, format_local, format_rfc3339, local_date,
};
use crate::core::procedure::{
    ClockRule, NotificationRule, Occurrence, Procedure, ProcedureSet, Recipient,
};
use crate::core::time::parse_instant;
use crate::core::timescale::Timescale;

pub fn welcome() -> String {
    "escalate: track safeguarding escalations and their deadlines.\n\
     \n\
     Try:\n  \
     escalate procedures                      the local procedures and their timescales\n  \
     escalate procedures show pan-bedfordshire\n  \
     escalate due \"5 working days\" --explain  when is that due, and why\n  \
     escalate holidays 2027                   bank holidays in England and Wales\n\
     \n\
     Run escalate --help for every command.\n"
        .to_owned()
}

fn to_json(value: &impl serde::Serialize) -> Result<String, CliError> {
    serde_json::to_string_pretty(value)
        .map(|s| s + "\n")
        .map_err(|e| CliError(format!("could not write JSON: {e}")))
}

pub fn procedures(context: &mut Context, args: ProceduresArgs) -> Result<String, CliError> {
    let set = context.procedures()?;
    let default_notification = context.config()?.settings.default_notification;
    match args.action {
        None if context.json => to_json(&set.iter().collect::<Vec<_>>()),
        None => {
            let mut out = String::new();
            for (i, procedure) in set.iter().enumerate() {
                if i > 0 {
                    out.push('\n');
                }
                describe(&mut out, procedure, default_notification, false);
            }
            let _ = writeln!(
                out,
                "\nFor one procedure in full: escalate procedures show ID"
            );
            Ok(out)
        }
        Some(ProceduresAction::Show { id }) => {
            let procedure = find_procedure(&set, &id)?;
            if context.json {
                return to_json(procedure);
            }
            let mut out = String::new();
            describe(&mut out, procedure, default_notification, true);
            if let Some(origin) = set.origin(&procedure.id) {
                let _ = writeln!(out, "\nDefined in: {origin}");
            }
            Ok(out)
        }
    }
}

/// Looks a procedure up by id, or says which ids there are.
pub fn find_procedure<'a>(set: &'a ProcedureSet, id: &str) -> Result<&'a Procedure, CliError> {
    set.get(id.trim()).ok_or_else(|| {
        CliError(format!(
            "unknown procedure \"{}\"; use one of: {} (see escalate procedures)",
            id.escape_debug(),
            set.ids().join(", ")
        ))
    })
}

fn describe_clock(
    out: &mut String,
    clock: &ClockRule,
    day_one: &Occurrence,
    indent: &str,
    full: bool,
) {
    let _ = write!(out, "{indent}clock   {}: ", clock.name);
    match clock.timescale {
        Timescale::ByDay(n) => {
            let _ = write!(
                out,
                "by close of business on day {n} (day 1 is the date of {}; a day that is not a working day keeps its date)",
                day_one.describe()
            );
        }
        Timescale::SameWorkingDayOrImmediately => {
            let _ = write!(
                out,
                "the same working day from {}; out of hours (after close of business, a weekend or a bank holiday) due at once",
                clock.from.describe()
            );
        }
        Timescale::Immediately => {
            let _ = write!(out, "immediately, from {}", clock.from.describe());
        }
        timescale => {
            let _ = write!(out, "{timescale} from {}", clock.from.describe());
            if let Some(provisional) = &clock.provisional_from {
                let _ = write!(out, " (from {} until then)", provisional.describe());
            }
        }
    }
    out.push('\n');
    if full {
        let met: Vec<String> = clock.met_by.iter().map(Occurrence::describe).collect();
        if !met.is_empty() {
            let _ = writeln!(out, "{indent}        met by {}", met.join(", "));
        }
        if clock.reason_if_late {
            let _ = writeln!(
                out,
                "{indent}        once missed, a reason for the delay must be recorded"
            );
        }
    }
}

fn describe_notification(
    out: &mut String,
    notification: &NotificationRule,
    default_notification: Timescale,
    indent: &str,
) {
    let when = match (&notification.on, notification.stages.as_slice()) {
        (Occurrence::StageEntered, [stage]) => format!("on entering stage {stage}"),
        (on, []) => format!("on {}", on.describe()),
        (on, [stage]) => format!("on {} at stage {stage}", on.describe()),
        (on, many) => {
            let stages: Vec<String> = many.iter().map(ToString::to_string).collect();
            format!("on {} at stage {}", on.describe(), stages.join(" or "))
        }
    };
    let timescale = match notification.timescale {
        Some(Timescale::Immediately) => "immediately".to_owned(),
        Some(t) => format!("within {t}"),
        None => format!("within {default_notification} (the document gives no timescale)"),
    };
    let recipient = notification
        .recipients
        .iter()
        .map(|r| match r {
            Recipient::Partnership => "the partnership",
            Recipient::Named(name) => &**name,
        })
        .collect::<Vec<_>>()
        .join(" and ");
    let counted = notification
        .from
        .as_ref()
        .map(|f| format!(" (counted from {})", f.describe()))
        .unwrap_or_default();
    let form = notification
        .form
        .as_deref()
        .map(|f| format!(" [form {f}]"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{indent}notify  {}{form}: {}, to {recipient}, {when}, {timescale}{counted}",
        notification.id, notification.name
    );
}

/// The immediate-risk clock in a DSL's words, saying where the rule is the app's default.
fn describe_immediate(out: &mut String, procedure: &Procedure) {
    let rule = &procedure.immediate;
    let _ = write!(out, "  Immediate-risk clock: ");
    let mut line = String::new();
    describe_clock(&mut line, &rule.clock, &procedure.day_one, "", false);
    let line = line.trim_start_matches("clock   ").trim_end();
    let _ = writeln!(out, "{line}");
    if rule.is_app_default {
        let _ = writeln!(
            out,
            "    (the app's default, not the document's: the procedure sets no timescale for immediate risk, so it is due at once)"
        );
    }
    if let Some(text) = &rule.out_of_hours {
        let _ = writeln!(out, "    Out of hours: {text}");
    }
    if let Some(stage) = rule.fast_track_stage {
        let _ = writeln!(
            out,
            "    Fast track: an immediate-risk escalation may go straight to stage {stage}; reaching it meets this clock"
        );
    }
    for notification in procedure
        .notifications
        .iter()
        .filter(|n| n.on == Occurrence::ImmediateRisk)
    {
        let _ = writeln!(
            out,
            "    Owed when flagged: {} ({})",
            notification.name, notification.id
        );
    }
}

fn describe(out: &mut String, procedure: &Procedure, default_notification: Timescale, full: bool) {
    let _ = writeln!(out, "{}  {}", procedure.id, procedure.title);
    let _ = writeln!(out, "  Source: {}", procedure.source);
    if full && let Some(summary) = &procedure.summary {
        let _ = writeln!(out, "  {summary}");
    }
    // Where one is chosen, each with the id `new --partnership` and config.toml take.
    let is_chosen = procedure.partnerships.len() > 1;
    let bodies: Vec<String> = procedure
        .partnerships
        .iter()
        .map(|p| match is_chosen {
            true => format!("{} ({})", p.id, p.name),
            false => p.name.to_string(),
        })
        .collect();
    let label = if is_chosen {
        "Partnerships (one is chosen)"
    } else {
        "Partnership"
    };
    let _ = writeln!(out, "  {label}: {}", bodies.join("; "));
    if full {
        let _ = writeln!(out, "  Immediate risk: {}", procedure.immediate_risk);
        describe_immediate(out, procedure);
        let is_day_numbered = procedure
            .clocks
            .iter()
            .chain(procedure.stages.iter().flat_map(|s| &s.clocks))
            .any(|c| c.timescale.is_day_numbered());
        if is_day_numbered {
            let _ = writeln!(
                out,
                "  Day numbering: day 1 is the date of {}",
                procedure.day_one.describe()
            );
        }
        for form in &procedure.forms {
            let _ = writeln!(out, "  Form {}: {}", form.id, form.title);
            // What the app understood of each field: its label, and where its value comes from.
            for field in form.fields.iter().filter(|_| full) {
                let _ = writeln!(
                    out,
                    "          {} <- {} ({})",
                    field.label,
                    field.source.word(),
                    field.id
                );
            }
        }
    }
    let is_single_stage = |n: &&NotificationRule| n.stages.len() == 1;
    for clock in &procedure.clocks {
        describe_clock(out, clock, &procedure.day_one, "  ", full);
    }
    for notification in procedure
        .notifications
        .iter()
        .filter(|n| !is_single_stage(n))
    {
        describe_notification(out, notification, default_notification, "  ");
    }
    for stage in &procedure.stages {
        let _ = writeln!(
            out,
            "  Stage {}: {} ({})",
            stage.number, stage.name, stage.who
        );
        if full && let Some(guidance) = &stage.guidance {
            let _ = writeln!(out, "    {guidance}");
        }
        if full && stage.may_skip_to {
            let _ = writeln!(
                out,
                "    urgent cases may go straight to this stage, skipping those before it (with a reason)"
            );
        }
        for clock in &stage.clocks {
            describe_clock(out, clock, &procedure.day_one, "    ", full);
        }
        for notification in procedure
            .notifications
            .iter()
            .filter(|n| is_single_stage(n) && n.stages[0] == stage.number)
        {
            describe_notification(out, notification, default_notification, "    ");
        }
    }
}

pub fn due(context: &mut Context, args: DueArgs) -> Result<String, CliError> {
    let text = args.timescale.join(" ");
    let timescale = Timescale::parse(&text)?;
    let from = match &args.from {
        Some(given) => parse_instant(given).map_err(|e| CliError(format!("--from: {e}")))?,
        None => context.now,
    };
    let json = context.json;
    let calendar = &context.config()?.calendar;
    let explanation = calendar.explain(timescale, from, local_date(from));
    if json {
        return to_json(&json!({
            "timescale": timescale.to_string(),
            "from": format_rfc3339(from),
            "due": format_rfc3339(explanation.due),
            "due_local": format_local(explanation.due),
            "explanation": if args.explain { Some(&explanation.lines) } else { None },
        }));
    }
    let mut out = format!(
        "{}  {}\n",
        format_rfc3339(explanation.due),
        format_local(explanation.due)
    );
    if args.explain {
        for line in &explanation.lines {
            let _ = writeln!(out, "{line}");
        }
    }
    Ok(out)
}

pub fn holidays(context: &Context, args: HolidaysArgs) -> Result<String, CliError> {
    let year = args
        .year
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (FIRST_RULE_YEAR..=LAST_RULE_YEAR).contains(y))
        .ok_or_else(|| {
            CliError(format!(
                "\"{}\" is not a year escalate knows; give a year from {FIRST_RULE_YEAR} (when the early May bank holiday began) to {LAST_RULE_YEAR}, e.g. 2027",
                args.year.escape_debug()
            ))
        })?;
    let days = bank_holidays(year);
    if context.json {
        let list: Vec<_> = days
            .iter()
            .map(|h| json!({ "date": h.date.to_string(), "name": h.name }))
            .collect();
        return to_json(&list);
    }
    Ok(days
        .iter()
        .map(|h| format!("{} {}\n", h.date, h.name))
        .collect())
}

pub fn demo(context: &mut Context, args: super::args::DemoArgs) -> Result<String, CliError> {
    use crate::demo::{DEFAULT_OPEN_SHARE, Generate, MAX_COUNT};
    let seed: u64 = args.seed.trim().parse().map_err(|_| {
        CliError(format!(
            "--seed: \"{}\" is not a whole number",
            args.seed.escape_debug()
        ))
    })?;
    let count = args
        .count
        .as_deref()
        .map(|text| {
            text.trim()
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_COUNT).contains(n))
                .ok_or_else(|| {
                    CliError(format!(
                        "--count: \"{}\" is not a number of escalations; use a whole number from 1 to {MAX_COUNT}",
                        text.escape_debug()
                    ))
                })
        })
        .transpose()?;
    let open_share = args
        .open_share
        .as_deref()
        .map(|text| {
            text.trim()
                .parse::<f64>()
                .ok()
                .filter(|share| (0.0..=1.0).contains(share))
                .ok_or_else(|| {
                    CliError(format!(
                        "--open-share: \"{}\" is not a share; use a number from 0 to 1",
                        text.escape_debug()
                    ))
                })
        })
        .transpose()?;
    if open_share.is_some() && count.is_none() {
        return Err(CliError(
            "--open-share: applies only to a generated caseload; add --count N (e.g. --count 1000 --open-share 0.2)".to_owned(),
        ));
    }
    let procedures = context.procedures()?;
    let actor = context.actor()?;
    let config = context.config()?.clone();
    let now = context.now;
    let json = context.json;
    context.use_demo_database()?;
    let path = context.db_path()?;
    let store = context.store()?;
    let refused = |e: String| {
        if e.starts_with("the database already holds") {
            CliError(format!(
                "{}: {e}. Try: escalate demo --db /tmp/escalate-demo.db",
                crate::storage::any::shown(&path)
            ))
        } else {
            CliError(e)
        }
    };
    if let Some(count) = count {
        let how = Generate {
            count,
            open_share: open_share.unwrap_or(DEFAULT_OPEN_SHARE),
            seed,
        };
        let generated = crate::demo::generate(store, &procedures, &config, &actor, now, how)
            .map_err(refused)?;
        let (first, last) = (
            generated.ids.first().copied().unwrap_or(1),
            generated.ids.last().copied().unwrap_or(1),
        );
        if json {
            return Ok(format!(
                "{}\n",
                json!({
                    "count": generated.ids.len(),
                    "open": generated.open,
                    "first_id": first,
                    "last_id": last,
                    "seed": seed,
                })
            ));
        }
        return Ok(format!(
            "Added {} fictional escalations ({} open, ids {first} to {last}) to {} (seed {seed}).\nTry: escalate list, escalate list --overdue, escalate show {first}\n",
            generated.ids.len(),
            generated.open,
            path.display(),
        ));
    }
    let ids = crate::demo::fill(store, &procedures, &config, &actor, now, seed).map_err(refused)?;
    if json {
        return Ok(format!("{}\n", json!({ "ids": ids })));
    }
    let db = shell_word(&path.display().to_string());
    Ok(format!(
        "Added {} fictional escalations to {} (seed {seed}), a database of their own.\nTry: escalate --db {db} list, escalate --db {db} show {}; escalate --db {db} opens the dashboard on it\n",
        ids.len(),
        path.display(),
        ids.first().copied().unwrap_or(1)
    ))
}

/// `word` quoted for a shell where it needs it.
fn shell_word(word: &str) -> String {
    if word
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/._-+".contains(c))
    {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A completion script for `shell`, generated from the same clap definitions that parse the
/// arguments, so it cannot fall behind the commands.
pub fn completions(args: &super::args::CompletionsArgs) -> Result<String, CliError> {
    use clap::CommandFactory as _;
    use clap_complete::Shell;
    let shell = match args.shell.trim().to_lowercase().as_str() {
        "bash" => Shell::Bash,
        "zsh" => Shell::Zsh,
        "fish" => Shell::Fish,
        _ => {
            return Err(CliError(format!(
                "\"{}\" is not a shell escalate writes completions for; use bash, zsh or fish",
                args.shell.escape_debug()
            )));
        }
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut super::Cli::command(), "escalate", &mut script);
    String::from_utf8(script).map_err(|e| CliError(format!("could not write the completions: {e}")))
}

/// The manual page, in roff, from the clap definitions: the top page, then one section per
/// command with its options, as `escalate COMMAND --help` describes them.
pub fn man() -> Result<String, CliError> {
    use clap::CommandFactory as _;
    let command = super::Cli::command();
    let failed = |e: std::io::Error| CliError(format!("could not write the manual page: {e}"));
    let mut page = Vec::new();
    let man = clap_mangen::Man::new(command.clone());
    man.render_title(&mut page).map_err(failed)?;
    man.render_name_section(&mut page).map_err(failed)?;
    man.render_synopsis_section(&mut page).map_err(failed)?;
    man.render_description_section(&mut page).map_err(failed)?;
    man.render_options_section(&mut page).map_err(failed)?;
    man.render_subcommands_section(&mut page).map_err(failed)?;
    for sub in command.get_subcommands() {
        man_section(&mut page, "escalate", sub);
    }
    man.render_version_section(&mut page).map_err(failed)?;
    String::from_utf8(page).map_err(|e| CliError(format!("could not write the manual page: {e}")))
}

/// One command's section of the manual page: its description and its arguments, then its own
/// commands (`escalate action add`) the same way.
fn man_section(page: &mut Vec<u8>, parent: &str, command: &clap::Command) {
    let name = format!("{parent} {}", command.get_name());
    page.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
    if let Some(about) = command.get_long_about().or(command.get_about()) {
        page.extend_from_slice(format!("{}\n", roff_text(&about.to_string())).as_bytes());
    }
    for arg in command
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_global_set())
    {
        let flag = match (arg.get_long(), arg.get_value_names()) {
            (Some(long), Some(names)) if arg.get_action().takes_values() => {
                format!("\\-\\-{} {}", long.replace('-', "\\-"), names.join(" "))
            }
            (Some(long), _) => format!("\\-\\-{}", long.replace('-', "\\-")),
            (None, Some(names)) => names.join(" "),
            (None, None) => arg.get_id().to_string().to_uppercase(),
        };
        page.extend_from_slice(format!(".TP\n{flag}\n").as_bytes());
        if let Some(help) = arg.get_help() {
            page.extend_from_slice(format!("{}\n", roff_text(&help.to_string())).as_bytes());
        }
    }
    for sub in command.get_subcommands().filter(|s| s.get_name() != "help") {
        man_section(page, &name, sub);
    }
}

/// Text safe in a roff paragraph: a backslash is escaped, a hyphen is a minus (so that
/// `--child-file` copies out of the page as typed), and a line may not start with a dot or an
/// apostrophe (roff would read it as a request).
fn roff_text(text: &str) -> String {
    text.replace('\\', "\\e")
        .replace('-', "\\-")
        .lines()
        .map(|line| match line.chars().next() {
            Some('.' | '\'') => format!("\\&{line}"),
            _ => line.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}
