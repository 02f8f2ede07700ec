//! The commands that read and write escalations: each checks its input through the core's
//! rules, writes through the store in one transaction, and prints text or JSON.
//!
//! Input is checked before the database is opened where it can be, so that a typing mistake
//! cannot touch the file at all.

use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::json;

use super::args::{
    ActionArgs, ActionCommand, AdvanceArgs, AmendArgs, BackupArgs, CorrectArgs, CorrectCommand,
    DelayArgs, DiscussArgs, HistoryArgs, IdArgs, ListArgs, MetArgs, NewArgs, NotifyArgs,
    ResolveArgs, TightenArgs, VerifyArgs, WithdrawArgs,
};
use super::view;
use super::{CliError, Context};
use crate::core::audit::Head;
use crate::core::calendar::format_local;
use crate::core::change::{
    Correcting, DiscussionInput, Request, ResolutionInput, check_action_due, parse_yes_no,
};
use crate::core::deadline::{ClockState, Schedule, schedule};
use crate::core::procedure::Procedure;
use crate::core::record::{CorrectionKind, Escalation, NewEscalationInput, RecordError};
use crate::core::time::{Direction, parse_date, parse_day, parse_when};
use crate::service::{self, Applied, Rules, ServiceError, Subject, Written};
use crate::storage::{Filter, Store};

/// Reads an optional time option, naming the option in any error.
/// A time given on the command line, read as the dashboard reads one: a full time, or relative
/// to now (`16:30` today, `yesterday 14:30`, `mon 9:00`, `-2h`). `--due` looks forward; every
/// other time is of something that happened, and looks back (`mon` is the last Monday).
fn time_option(
    option: &str,
    value: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, CliError> {
    let direction = if option == "--due" {
        Direction::Future
    } else {
        Direction::Past
    };
    value
        .map(|text| {
            parse_when(text, now, direction).map_err(|e| CliError(format!("{option}: {e}")))
        })
        .transpose()
}

/// Shows how a date typed another way than `YYYY-MM-DD` was read (`12/03/2027` is 12 March),
/// after a command's text output, so a day-first slip is seen at once.
fn read_as(mut out: String, typed: &str, date: chrono::NaiveDate, is_json: bool) -> String {
    if !is_json && typed.trim() != date.to_string() {
        let _ = writeln!(
            out,
            "  Read \"{}\" as {}.",
            typed.trim(),
            date.format("%a %-d %b %Y")
        );
    }
    out
}

/// Reads an escalation id.
pub fn parse_id(text: &str) -> Result<i64, CliError> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            CliError(format!(
                "\"{}\" is not an escalation id; ids are whole numbers, see escalate list",
                text.escape_debug()
            ))
        })
}

/// The options whose names match a record field, so that an error can name the option.
const OPTIONS: &[&str] = &[
    "child",
    "dob",
    "child-ref",
    "raised-by",
    "agency",
    "raised-with",
    "partnership",
    "category",
    "summary",
    "outcome-sought",
    "concern-at",
    "raised-at",
    "reason",
    "with",
    "mode",
    "notes",
    "decisions",
    "at",
    "what",
    "owner",
    "due",
    "method",
    "reference",
    "how",
    "learning",
    "why-not",
    "why",
    "note",
    "parents-informed",
    "child-record-updated",
    "referrer-phone",
    "referrer-email",
    "referrer-manager",
    "child-address",
    "child-postcode",
    "need-level",
    "family-aware",
    "views-agreed",
    "meeting-chair",
    "meeting-attendees",
    "review-date",
    "attach",
];

fn refused(error: RecordError) -> CliError {
    if OPTIONS.contains(&error.field.as_str()) {
        CliError(format!("--{error}"))
    } else {
        CliError(error.message)
    }
}

/// The escalation's schedule as of now.
pub fn schedule_of(
    context: &mut Context,
    escalation: &Escalation,
    procedure: &Procedure,
) -> Result<Schedule, CliError> {
    let now = context.now;
    let config = context.config()?;
    schedule(
        procedure,
        &config.calendar,
        &config.settings,
        &escalation.events(),
        now,
    )
    .map_err(|e| CliError(format!("escalation {}: {e}", escalation.id)))
}

/// A value given on the command line or, to keep it out of the process list, by file (`-`:
/// standard input). Clap makes sure at most one of the two is given.
pub(super) fn given_or_read(
    given: Option<String>,
    file: Option<&std::path::Path>,
    option: &str,
) -> Result<Option<String>, CliError> {
    match file {
        Some(path) => super::files::read_value(path, option).map(Some),
        None => Ok(given),
    }
}

/// Only one value can come from standard input.
pub(super) fn one_stdin(files: &[(&str, Option<&std::path::Path>)]) -> Result<(), CliError> {
    let from_stdin: Vec<&str> = files
        .iter()
        .filter(|(_, path)| *path == Some(std::path::Path::new("-")))
        .map(|(option, _)| *option)
        .collect();
    if from_stdin.len() > 1 {
        return Err(CliError(format!(
            "{} all read standard input; give - to one of them and a file to the others",
            from_stdin.join(" and ")
        )));
    }
    Ok(())
}

/// The error with the child's name taken out (see [`super::without_name`]).
fn without_name(error: CliError, name: &str) -> CliError {
    CliError(super::without_name(&error.0, name))
}

pub fn new(context: &mut Context, args: NewArgs) -> Result<String, CliError> {
    one_stdin(&[
        ("--child-file", args.child_file.as_deref()),
        ("--dob-file", args.dob_file.as_deref()),
        ("--summary-file", args.summary_file.as_deref()),
    ])?;
    let child = given_or_read(
        args.child.clone(),
        args.child_file.as_deref(),
        "--child-file",
    )?
    .unwrap_or_default();
    new_escalation(context, args, &child).map_err(|e| without_name(e, &child))
}

fn new_escalation(
    context: &mut Context,
    mut args: NewArgs,
    child: &str,
) -> Result<String, CliError> {
    let details = super::forms::detail_fields(std::mem::take(&mut args.details))?;
    let dob = given_or_read(args.dob, args.dob_file.as_deref(), "--dob-file")?;
    let summary = given_or_read(args.summary, args.summary_file.as_deref(), "--summary-file")?;
    let child_dob = dob
        .as_deref()
        .map(parse_date)
        .transpose()
        .map_err(|e| CliError(format!("--dob: {e}")))?;
    // What is not given comes from the settings, as the dashboard's New form fills it in.
    let config = context.config()?.clone();
    let missing = |option: &str, key: &str| {
        CliError(format!(
            "{option} is needed: give it, or set {key} = \"...\" in config.toml"
        ))
    };
    let procedure_id = args
        .procedure
        .or_else(|| config.procedure.clone())
        .ok_or_else(|| missing("--procedure", "procedure"))?;
    let raised_by = match args.raised_by {
        Some(given) => given,
        None => match (&context.actor, &config.user) {
            (Some(name), _) | (None, Some(name)) => name.clone(),
            (None, None) => return Err(missing("--raised-by", "user")),
        },
    };
    let agency = args
        .agency
        .or_else(|| config.organisation.clone())
        .ok_or_else(|| missing("--agency", "organisation"))?;
    let procedures = context.procedures()?;
    let procedure = super::commands::find_procedure(&procedures, &procedure_id)?;
    // The settings' partnership belongs to the settings' procedure.
    let partnership = args.partnership.or_else(|| {
        (config.procedure.as_deref() == Some(procedure.id.as_str()))
            .then(|| config.partnership.clone())
            .flatten()
    });
    let input = NewEscalationInput {
        procedure: procedure.id.clone(),
        partnership,
        child_name: child.to_owned(),
        child_dob,
        child_ref: args.child_ref,
        raised_by,
        agency,
        raised_with: args.raised_with,
        category: args.category,
        summary: summary.unwrap_or_default(),
        outcome_sought: args.outcome_sought,
        concern_at: time_option("--concern-at", args.concern_at.as_deref(), context.now)?,
        raised_at: time_option("--raised-at", args.raised_at.as_deref(), context.now)?,
        immediate_risk: args.immediate_risk,
    };
    let checked = input.check(procedure, context.now).map_err(refused)?;
    let actor = context.actor()?;
    let now = context.now;
    let store = context.store()?;
    if let Some(school) = &args.school {
        store
            .choose_school(school)
            .map_err(|e| CliError(e.to_string()))?;
    }
    let id = match service::create(store, &procedures, &actor, now, &input) {
        Ok(id) => id,
        Err(ServiceError::Refused(r)) => return Err(refused(r)),
        Err(other) => return Err(other.into()),
    };
    if !details.is_empty() {
        // Checked above, before anything was written; recorded with their own audit entries.
        apply(context, id, Request::Details { fields: details }).map_err(|e| {
            CliError(format!(
                "escalation {id} was recorded, but its details were not: {e}; record them with escalate details {id} ..."
            ))
        })?;
    }
    if context.json {
        return Ok(format!("{}\n", json!({ "id": id })));
    }
    let mut out = format!("{id}\n");
    if let (Some(typed), Some(date)) = (&dob, child_dob) {
        out = read_as(out, typed, date, false);
    }
    if checked.immediate_risk {
        let _ = writeln!(
            out,
            "Immediate risk: {} When it is done: escalate met {id} immediate-risk --note \"...\"",
            procedure.immediate_risk
        );
        // Say when it is due, and, recognised out of hours, what to do now.
        let (escalation, procedure) = load(context, id)?;
        let schedule = schedule_of(context, &escalation, &procedure)?;
        if let Some(clock) = schedule
            .clocks
            .iter()
            .find(|c| *c.key == *crate::core::deadline::IMMEDIATE_RISK_KEY)
        {
            let now = context.now;
            let summary = view::clock_summary(&context.config()?.calendar, clock, now);
            let _ = writeln!(out, "  {summary}");
            if let (true, Some(text)) = (
                clock.is_act_now && clock.state.is_live(),
                &procedure.immediate.out_of_hours,
            ) {
                let _ = writeln!(out, "  {text}");
            }
        }
    }
    Ok(out)
}

/// Loads an escalation and its procedure.
pub fn load(context: &mut Context, id: i64) -> Result<(Escalation, Procedure), CliError> {
    let escalation = context.existing_store()?.escalation(id)?;
    let procedures = context.procedures()?;
    let procedure = procedures.get(&escalation.procedure).cloned().ok_or_else(|| {
        CliError(format!(
            "escalation {id} follows procedure \"{}\", which is no longer defined; restore its file in the procedures folder",
            escalation.procedure
        ))
    })?;
    Ok((escalation, procedure))
}

/// How many closed escalations `list --all` reads at a time: the history is streamed a page at a
/// time, so memory grows with the open caseload, not with years of closed records (issue 17).
const HISTORY_PAGE: usize = 500;

/// What `list` makes of one escalation it read.
enum Listed<'p> {
    /// A row to print, with its procedure and schedule.
    Row(Escalation, &'p Procedure, Schedule),
    /// One whose procedure is no longer defined: named at the end.
    Missing(Escalation),
    /// One the deadline engine could not work out: the listing stops with this.
    Failed(String),
}

/// Lists escalations, writing to `out` as it reads: open ones most urgent first, then (with
/// `--all`) the closed history a page at a time in id order, which is where the sort puts them
/// anyway (a closed escalation has no live deadline). One whose procedure file is gone is still
/// listed, marked, at the end, with a warning on standard error and exit status 2: leaving it
/// out would hide a child's case.
pub fn list(
    context: &mut Context,
    args: ListArgs,
    out: &mut dyn std::io::Write,
) -> Result<super::Finished, CliError> {
    let stage = args
        .stage
        .as_deref()
        .map(|s| {
            s.trim()
                .parse::<u8>()
                .ok()
                .filter(|n| (1..=9).contains(n))
                .ok_or_else(|| {
                    CliError(format!(
                        "--stage: \"{}\" is not a stage number; use 1 to 4",
                        s.escape_debug()
                    ))
                })
        })
        .transpose()?;
    // A database not yet created holds no escalations; listing does not create it.
    let exists = context.database_exists()?;
    let procedures = context.procedures()?;
    let (calendar, settings) = {
        let config = context.config()?;
        (config.calendar.clone(), config.settings)
    };
    let (now, is_overdue_only) = (context.now, args.overdue);
    // Each escalation's schedule, worked out where it was read (on the loading threads for
    // the caseload); those not overdue, when only the overdue are asked for, dropped there.
    let sift = |escalation: Escalation| -> Option<Listed> {
        let Some(procedure) = procedures.get(&escalation.procedure) else {
            return Some(Listed::Missing(escalation));
        };
        match schedule(procedure, &calendar, &settings, &escalation.events(), now) {
            Err(e) => Some(Listed::Failed(format!("escalation {}: {e}", escalation.id))),
            Ok(schedule)
                if is_overdue_only
                    && !crate::core::overdue::is_overdue(&escalation, &schedule, now) =>
            {
                None
            }
            Ok(schedule) => Some(Listed::Row(escalation, procedure, schedule)),
        }
    };
    let listed: Vec<Listed> = if !exists {
        Vec::new()
    } else if args.overdue {
        // Overdue includes closed escalations that still owe something: the set the store
        // keeps of what can need attention, never the settled history (issue 17). A settled
        // escalation owes nothing, so `--all` adds nothing here.
        let sift_part = |part: Vec<Escalation>| -> Vec<Listed> {
            part.into_iter()
                .filter(|e| stage.is_none_or(|s| e.stage() == s))
                .filter_map(sift)
                .collect()
        };
        let parts = context.store()?.caseload_with(&sift_part)?;
        parts.into_iter().flatten().collect()
    } else {
        context
            .store()?
            .escalations(Filter {
                include_closed: false,
                stage,
            })?
            .into_iter()
            .filter_map(sift)
            .collect()
    };
    let mut printer = ListPrinter::new(context, out, args.overdue, args.all)?;
    let mut rows = Vec::new();
    for listed in listed {
        match listed {
            Listed::Row(escalation, procedure, schedule) => {
                rows.push((escalation, procedure, schedule));
            }
            Listed::Missing(escalation) => printer.missing.push(escalation),
            Listed::Failed(why) => return Err(CliError(why)),
        }
    }
    // Most urgent first: immediate risk, then the soonest live deadline, then the rest by id.
    rows.sort_by_key(|(e, _, s)| {
        let next = s.most_urgent_clock().and_then(|c| c.due_at);
        (
            !e.is_open(),
            !(e.immediate_risk && e.is_open()),
            next.is_none(),
            next,
            e.id,
        )
    });
    for (escalation, procedure, schedule) in &rows {
        printer.row(escalation, procedure, schedule)?;
    }
    drop(rows);
    if exists && args.all && !args.overdue {
        let mut after = 0;
        loop {
            let page = context.store()?.closed_after(after, stage, HISTORY_PAGE)?;
            let Some(last) = page.last() else { break };
            after = last.id;
            for escalation in page {
                match procedures.get(&escalation.procedure) {
                    Some(procedure) => {
                        let schedule = schedule_of(context, &escalation, procedure)?;
                        printer.row(&escalation, procedure, &schedule)?;
                    }
                    None => printer.missing.push(escalation),
                }
            }
        }
    }
    printer.finish()
}

/// Writes `list`'s rows as they come, in the one escaping rule, and remembers what it needs for
/// the end: whether anything was written, and the escalations whose procedure is gone.
struct ListPrinter<'a> {
    /// Buffered: a line-buffered standard output would take a system call a line.
    out: std::io::BufWriter<&'a mut dyn std::io::Write>,
    json: bool,
    /// The JSON of the element being written, kept to be written into again.
    element: Vec<u8>,
    now: DateTime<Utc>,
    calendar: crate::core::calendar::Calendar,
    is_overdue: bool,
    is_all: bool,
    written: usize,
    missing: Vec<Escalation>,
}

impl<'a> ListPrinter<'a> {
    fn new(
        context: &mut Context,
        out: &'a mut dyn std::io::Write,
        is_overdue: bool,
        is_all: bool,
    ) -> Result<Self, CliError> {
        Ok(Self {
            out: std::io::BufWriter::with_capacity(1 << 16, out),
            json: context.json,
            element: Vec::new(),
            now: context.now,
            calendar: context.config()?.calendar.clone(),
            is_overdue,
            is_all,
            written: 0,
            missing: Vec::new(),
        })
    }

    /// Writes one piece of output, made terminal-safe (see [`written`] for a closed pipe).
    fn write(&mut self, text: &str) -> Result<(), CliError> {
        let safe;
        let text = if crate::core::record::is_plain_ascii(text, true) {
            text // nothing in it to escape, in text or in JSON
        } else {
            safe = super::terminal_safe(text, self.json);
            &safe
        };
        written(std::io::Write::write_all(&mut self.out, text.as_bytes()))
    }

    fn heading(&mut self) -> Result<(), CliError> {
        if self.written > 0 {
            return Ok(());
        }
        let heading = if self.json {
            "[\n".to_owned()
        } else {
            format!(
                "{:>4}  {:<5}  {:<37}  {:<16}  CHILD / RAISED WITH\n",
                "ID", "STAGE", "NEXT DEADLINE", "PROCEDURE"
            )
        };
        self.write(&heading)
    }

    fn row(
        &mut self,
        escalation: &Escalation,
        procedure: &Procedure,
        schedule: &Schedule,
    ) -> Result<(), CliError> {
        if self.json {
            let value = view::escalation_json(escalation, procedure, schedule, self.now, None);
            return self.json_item(&value);
        }
        let text = view::list_line(&self.calendar, escalation, procedure, schedule, self.now);
        self.item(&text)
    }

    /// An element of the JSON array, as `serde_json::to_string_pretty` lays out an array, so
    /// the output is the same whether or not it streamed.
    fn json_item<T: serde::Serialize>(&mut self, value: &T) -> Result<(), CliError> {
        let mut element = std::mem::take(&mut self.element);
        element.clear();
        let result = view::write_json_element(&mut element, value)
            .map_err(|e| CliError(format!("could not write the list as JSON: {e}")))
            .and_then(|()| {
                std::str::from_utf8(&element)
                    .map_err(|e| CliError(format!("could not write the list as JSON: {e}")))
            })
            .and_then(|text| self.item(text));
        self.element = element;
        result
    }

    /// One element: a line of the table, or an element of the JSON array.
    fn item(&mut self, text: &str) -> Result<(), CliError> {
        self.heading()?;
        if self.json && self.written > 0 {
            self.write(",\n")?;
        }
        self.written += 1;
        self.write(text)?;
        if !self.json {
            self.write("\n")?;
        }
        Ok(())
    }

    fn finish(mut self) -> Result<super::Finished, CliError> {
        let missing = std::mem::take(&mut self.missing);
        for escalation in &missing {
            if self.json {
                self.json_item(&view::missing_procedure_json(escalation))?;
            } else {
                self.item(&view::missing_procedure_line(escalation))?;
            }
        }
        let ending = match (self.written, self.json) {
            (0, true) => "[]\n",
            (_, true) => "\n]\n",
            (0, false) => match (self.is_overdue, self.is_all) {
                (true, _) => "Nothing is overdue.\n",
                (false, true) => {
                    "No escalations yet. Record one with escalate new, or try escalate demo on a new database.\n"
                }
                (false, false) => {
                    "No open escalations. Record one with escalate new; escalate list --all shows closed ones.\n"
                }
            },
            (_, false) => "",
        };
        self.write(ending)?;
        written(std::io::Write::flush(&mut self.out))?;
        let warnings = if missing.is_empty() {
            Vec::new()
        } else {
            vec![view::missing_procedures_warning(
                &missing.iter().collect::<Vec<_>>(),
            )]
        };
        Ok(super::Finished {
            output: String::new(),
            is_anything_overdue: false,
            warnings,
        })
    }
}

/// What writing the list came to. A closed pipe (`escalate list | head`) ends the listing
/// quietly, as it would have before anything streamed.
fn written(result: std::io::Result<()>) -> Result<(), CliError> {
    match result {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| CliError(format!("could not write the list: {e}"))),
    }
}

pub fn show(context: &mut Context, args: IdArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let (escalation, procedure) = load(context, id)?;
    let schedule = schedule_of(context, &escalation, &procedure)?;
    let trail = context.existing_store()?.audit_trail(Some(id))?;
    if context.json {
        let value = view::escalation_json(
            &escalation,
            &procedure,
            &schedule,
            context.now,
            Some(&trail),
        );
        return Ok(serde_json::to_string_pretty(&value).unwrap_or_default() + "\n");
    }
    let calendar = context.config()?.calendar.clone();
    Ok(view::escalation_text(
        &calendar,
        &escalation,
        &procedure,
        &schedule,
        context.now,
        &trail,
    ))
}

pub fn history(context: &mut Context, args: HistoryArgs) -> Result<String, CliError> {
    let id = args.id.as_deref().map(parse_id).transpose()?;
    let store = context.existing_store()?;
    if let Some(id) = id {
        store.escalation(id)?;
    }
    let trail = store.audit_trail(id)?;
    if context.json {
        return Ok(
            serde_json::to_string_pretty(&view::audit_json(&trail)).unwrap_or_default() + "\n",
        );
    }
    Ok(view::audit_text(&trail))
}

/// Writes a requested change through the service and reports it.
pub(super) fn apply(context: &mut Context, id: i64, request: Request) -> Result<String, CliError> {
    let procedures = context.procedures()?;
    let actor = context.actor()?;
    let now = context.now;
    let config = context.config()?.clone();
    let json = context.json;
    let rules = Rules {
        procedures: &procedures,
        calendar: &config.calendar,
        settings: &config.settings,
    };
    let store = context.existing_store()?;
    let subject = Subject::Escalation { id, seen: None };
    let applied = service::apply(store, &rules, &actor, now, subject, &request);
    let written = match applied {
        Ok(Applied::Changed { written, .. }) => written,
        Ok(Applied::Created { .. }) => Vec::new(),
        Err(ServiceError::Refused(r)) => return Err(refused(r)),
        Err(other) => return Err(other.into()),
    };
    let Some(Written { change, row }) = written.into_iter().next_back() else {
        return Err(CliError(format!("escalation {id}: nothing was written")));
    };
    if json {
        return Ok(format!(
            "{}\n",
            json!({ "id": id, "change": change.kind(), "summary": change.describe(), "row": row })
        ));
    }
    let mut out = format!(
        "Escalation {id}: {}\n",
        crate::core::record::printable(&change.describe(), false)
    );
    if let crate::core::change::Change::AddAction { .. } = change {
        let _ = writeln!(
            out,
            "Action id {row}; mark it done with: escalate action done {id} {row}"
        );
    }
    // Say what the change set off: new clocks and notifications now owed.
    let (escalation, procedure) = load(context, id)?;
    let schedule = schedule_of(context, &escalation, &procedure)?;
    for n in schedule.outstanding_notifications() {
        // "Inform the original referrer" is not sent "to The original referrer" again.
        let to = if crate::core::review::names_its_recipient(&n.name, &n.recipient) {
            String::new()
        } else {
            format!(
                " to {}",
                crate::core::record::printable(&n.recipient, false)
            )
        };
        let _ = writeln!(
            out,
            "  Owed: {} ({}){to}{}, due {}{}",
            n.id,
            n.name,
            n.contact
                .as_deref()
                .map(|c| format!(" ({})", crate::core::record::printable(c, false)))
                .unwrap_or_default(),
            format_local(n.due_at),
            if n.state == ClockState::Overdue {
                " OVERDUE"
            } else {
                ""
            }
        );
    }
    if let Some(clock) = schedule.most_urgent_clock() {
        let _ = writeln!(
            out,
            "  Next deadline: {}",
            view::clock_summary(&config.calendar, clock, context.now)
        );
    }
    Ok(out)
}

pub fn advance(context: &mut Context, args: AdvanceArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let at = time_option("--at", args.at.as_deref(), context.now)?.unwrap_or(context.now);
    let request = Request::Advance {
        to: args.to,
        reason: args.reason,
        at,
    };
    apply(context, id, request)
}

pub fn discuss(context: &mut Context, args: DiscussArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let input = DiscussionInput {
        participants: args.participants,
        mode: args.mode,
        notes: args.notes,
        decisions: args.decisions,
        is_agreement: args.agreed,
        at: time_option("--at", args.at.as_deref(), context.now)?,
    };
    let request = if args.follow_up {
        Request::FollowUp(input)
    } else {
        Request::Discuss {
            input,
            actions: Vec::new(),
        }
    };
    apply(context, id, request)
}

pub fn action(context: &mut Context, args: ActionArgs) -> Result<String, CliError> {
    let now = context.now;
    match args.action {
        ActionCommand::Add {
            id,
            what,
            owner,
            due,
            past_due,
        } => {
            let id = parse_id(&id)?;
            let today = crate::core::calendar::local_date(now);
            let due_on = parse_day(&due, today, Direction::Future)
                .map_err(|e| CliError(format!("--due: {e}")))?;
            if !past_due {
                check_action_due(due_on, today).map_err(refused)?;
            }
            let request = Request::AddAction {
                what,
                owner,
                due_on: due_on.to_string(),
            };
            let out = apply(context, id, request)?;
            Ok(read_as(out, &due, due_on, context.json))
        }
        ActionCommand::Done { id, action_id, at } => {
            let id = parse_id(&id)?;
            let action_id = action_id.trim().parse::<i64>().map_err(|_| {
                CliError(format!(
                    "\"{}\" is not an action id; see escalate show {id}",
                    action_id.escape_debug()
                ))
            })?;
            let at = time_option("--at", at.as_deref(), now)?.unwrap_or(now);
            apply(context, id, Request::ActionDone { action_id, at })
        }
    }
}

pub fn notify(context: &mut Context, args: NotifyArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let at = time_option("--at", args.at.as_deref(), context.now)?.unwrap_or(context.now);
    let request = match super::forms::attachment(context, id, &args)? {
        Some((name, text)) => Request::SentWithForm {
            notification: args.notification,
            method: args.method,
            reference: args.reference,
            at,
            name,
            text,
        },
        None => Request::NotificationSent {
            notification: args.notification,
            method: args.method,
            reference: args.reference,
            at,
        },
    };
    apply(context, id, request)
}

pub fn met(context: &mut Context, args: MetArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let at = time_option("--at", args.at.as_deref(), context.now)?.unwrap_or(context.now);
    let request = Request::ClockMet {
        clock: args.clock,
        note: args.note,
        at,
    };
    apply(context, id, request)
}

pub fn tighten(context: &mut Context, args: TightenArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let due = time_option("--due", args.due.as_deref(), context.now)?;
    let within = args
        .within
        .as_deref()
        .map(|text| {
            crate::core::timescale::Timescale::parse(text)
                .map_err(|e| CliError(format!("--within: {e}")))
        })
        .transpose()?;
    let due_at = match (due, within) {
        (Some(due), _) => due,
        (None, Some(timescale)) => {
            // A shorter timescale counts from the clock's start, which a running clock keeps.
            let (escalation, procedure) = load(context, id)?;
            let schedule = schedule_of(context, &escalation, &procedure)?;
            let calendar = &context.config()?.calendar;
            crate::core::change::due_within(&schedule, calendar, &args.clock, timescale).map_err(
                |e| match e.field.as_str() {
                    "clock" => CliError(format!(
                        "escalation {id}: {}; see escalate show {id}",
                        e.message
                    )),
                    _ => CliError(format!("--within: {}", e.message)),
                },
            )?
        }
        (None, None) => {
            return Err(CliError(
                "give the earlier due time with --due, or a shorter timescale with --within"
                    .to_owned(),
            ));
        }
    };
    let request = Request::Tighten {
        clock: args.clock,
        due_at,
        reason: args.reason,
    };
    apply(context, id, request)
}

pub fn delay(context: &mut Context, args: DelayArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let at = time_option("--at", args.at.as_deref(), context.now)?.unwrap_or(context.now);
    let request = Request::DelayReason {
        late: String::new(),
        reason: args.reason,
        at,
    };
    apply(context, id, request)
}

pub fn resolve(context: &mut Context, args: ResolveArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let yes_no = |field: &str, value: Option<&str>| {
        value
            .map(|v| parse_yes_no(field, v))
            .transpose()
            .map_err(refused)
    };
    let input = ResolutionInput {
        how: args.how,
        learning: args.learning,
        parents_informed: yes_no("parents-informed", args.parents_informed.as_deref())?,
        why_not: args.why_not,
        child_record_updated: yes_no("child-record-updated", args.child_record_updated.as_deref())?,
        at: time_option("--at", args.at.as_deref(), context.now)?,
    };
    apply(context, id, Request::Resolve(input))
}

pub fn withdraw(context: &mut Context, args: WithdrawArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let at = time_option("--at", args.at.as_deref(), context.now)?.unwrap_or(context.now);
    let request = Request::Withdraw { why: args.why, at };
    apply(context, id, request)
}

pub fn amend(context: &mut Context, args: AmendArgs) -> Result<String, CliError> {
    let value =
        given_or_read(args.value, args.value_file.as_deref(), "--value-file")?.unwrap_or_default();
    // A new name is never repeated in an error, whichever part of the command is wrong.
    let is_name = args.field.trim().eq_ignore_ascii_case("child");
    let hide_value = |error: CliError| {
        if is_name {
            without_name(error, &value)
        } else {
            error
        }
    };
    let id = parse_id(&args.id).map_err(hide_value)?;
    let request = Request::Amend {
        field: args.field,
        value: value.clone(),
        why: args.why,
    };
    apply(context, id, request).map_err(|error| {
        // Nor is the recorded name, which a wrong value may have been typed in place of.
        let recorded = context
            .existing_store()
            .ok()
            .and_then(|store| store.escalation(id).ok())
            .map(|e| e.child.name)
            .unwrap_or_default();
        hide_value(without_name(error, &recorded))
    })
}

/// `escalate correct ID ...`: one correction, the original kept (see [`CorrectCommand`]).
pub fn correct(context: &mut Context, args: CorrectArgs) -> Result<String, CliError> {
    let id = parse_id(&args.id)?;
    let number = |text: &str, what: &str| {
        text.trim().parse::<i64>().map_err(|_| {
            CliError(format!(
                "{what}: \"{}\" is not a number; see escalate show {id} for the numbers",
                crate::core::record::printable(text, false)
            ))
        })
    };
    let (correcting, why) = match args.what {
        CorrectCommand::Discussion {
            discussion,
            notes,
            why,
        } => (
            Correcting::DiscussionNotes {
                discussion: number(&discussion, "discussion")?,
                notes,
            },
            why,
        ),
        CorrectCommand::Action {
            action,
            what,
            owner,
            due,
            cancel,
            why,
        } => {
            let action = number(&action, "action")?;
            let correcting = match (what, owner, due, cancel) {
                (Some(value), ..) => Correcting::Action {
                    action,
                    kind: CorrectionKind::ActionWhat,
                    value,
                },
                (_, Some(value), ..) => Correcting::Action {
                    action,
                    kind: CorrectionKind::ActionOwner,
                    value,
                },
                (_, _, Some(value), _) => {
                    let today = crate::core::calendar::local_date(context.now);
                    let due_on = parse_day(&value, today, Direction::Future)
                        .map_err(|e| CliError(format!("--due: {e}")))?;
                    Correcting::Action {
                        action,
                        kind: CorrectionKind::ActionDue,
                        value: due_on.to_string(),
                    }
                }
                _ => Correcting::CancelAction { action },
            };
            (correcting, why)
        }
        CorrectCommand::Notification {
            notification,
            not_sent,
            why,
            ..
        } => (
            if not_sent {
                Correcting::NotSent { notification }
            } else {
                Correcting::NotNeeded { notification }
            },
            why,
        ),
        CorrectCommand::Stage { why, .. } => (Correcting::UndoLastStage, why),
        CorrectCommand::Reopen { why } => (Correcting::Reopen, why),
    };
    let request = Request::Correct {
        corrections: vec![correcting],
        why,
    };
    apply(context, id, request)
}

pub fn verify(context: &mut Context, args: VerifyArgs) -> Result<String, CliError> {
    let json = context.json;
    // A mistyped head is refused before the database is opened.
    let expected: Option<Head> = args
        .expect
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: String| CliError(format!("--expect: {e}")))?;
    // SQLite's own integrity check runs first on a file; a PostgreSQL server keeps its own.
    let engine_check = if crate::storage::any::is_postgres(&context.db_path()?) {
        ""
    } else {
        "SQLite integrity check passed; "
    };
    let store = context.existing_store()?;
    let report = store.verify()?;
    let mut problem = report.problem;
    let mut head = None;
    let mut postdated: Vec<(i64, String, String)> = Vec::new();
    if problem.is_none() {
        // The walk found what the note below needs; the head and the entry a kept head names
        // are read on their own, never the whole trail (issue 17).
        postdated = report
            .stated_after_written
            .iter()
            .map(|e| (e.id, format_local(e.at), format_local(e.written_at)))
            .collect();
        let now_head = store.audit_head()?;
        if let Some(expected) = &expected {
            let there = match i64::try_from(expected.entries) {
                Ok(id) if expected.entries <= now_head.entries => store.audit_hash(id)?,
                _ => None,
            };
            if let Err(why) = expected.is_extended_to(now_head.entries, there.as_deref()) {
                problem = Some(why);
            }
        }
        head = Some(now_head);
    }
    if json {
        let text = json!({
            "ok": problem.is_none(),
            "entries": report.entries,
            "problem": problem,
            "head": head.as_ref().map(ToString::to_string),
            "expected": expected.as_ref().map(ToString::to_string),
            "stated_after_written": postdated.iter().map(|(id, _, _)| id).collect::<Vec<_>>(),
        });
        return match problem {
            None => Ok(format!("{text}\n")),
            Some(_) => Err(CliError(text.to_string())),
        };
    }
    // Not a failure: a clock set ahead with --now (tests, a demonstration) writes such entries
    // honestly, and the trail records both times. A reader should know which they are.
    let note = match postdated.as_slice() {
        [] => String::new(),
        [(id, at, written)] => format!(
            "Note: 1 audit entry states a time later than when it was written (entry {id} states {at} but was written {written}): recorded with --now ahead of the clock; see escalate history.\n"
        ),
        [(id, at, written), rest @ ..] => format!(
            "Note: {} audit entries state a time later than when they were written (the first, entry {id}, states {at} but was written {written}): recorded with --now ahead of the clock; see escalate history.\n",
            rest.len() + 1
        ),
    };
    match (problem, head) {
        (None, Some(head)) => Ok(format!(
            "OK: {engine_check}all {} audit entries chain and match their records{}.\nHead: {head} (keep it elsewhere; escalate verify --expect {head} proves a later chain still extends it)\n",
            report.entries,
            expected
                .map(|e| format!(", and the chain extends the head kept ({e})"))
                .unwrap_or_default()
        ) + &note),
        (Some(problem), _) => Err(CliError(format!("verification failed: {problem}"))),
        (None, None) => Err(CliError("verification failed: no head".to_owned())),
    }
}

pub fn backup(context: &mut Context, args: BackupArgs) -> Result<String, CliError> {
    let store = context.existing_store()?;
    store.backup(&args.file).map_err(|e| match e {
        crate::storage::StoreError::Refused(r) => CliError(r.message),
        other => other.into(),
    })?;
    Ok(format!(
        "Backed up to {} (readable only by you).\n",
        args.file.display()
    ))
}
