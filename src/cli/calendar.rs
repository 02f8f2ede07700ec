//! `escalate calendar`: every open deadline and owed notification as an iCalendar (RFC 5545)
//! file, so that a DSL can subscribe to their deadlines in Outlook or any calendar.
//!
//! Each event's UID is stable (`escalate-ID-KEY@escalate`), so a re-export updates the events a
//! calendar already holds rather than adding copies. Titles name the escalation by its id, not
//! the child, unless `--names` is given: calendars are synced to phones and shared more widely
//! than a 0600 database. DTSTAMP is the time given by `--now` (the app reads no clock below
//! main). Text from the record or a procedure file is made printable first.

use std::fmt::Write as _;

use chrono::{DateTime, Duration, Utc};
use icalendar::{Alarm, Calendar, Component, Event, EventLike};

use super::args::CalendarArgs;
use super::records::schedule_of;
use super::{CliError, Context};
use crate::core::calendar::format_local;
use crate::core::record::printable;
use crate::storage::{Filter, Store};

/// One deadline to put in the calendar.
struct Entry {
    uid: String,
    title: String,
    description: String,
    due_at: DateTime<Utc>,
}

pub fn run(context: &mut Context, args: CalendarArgs) -> Result<String, CliError> {
    if args.reminder > 7 * 24 * 60 {
        return Err(CliError(format!(
            "--reminder: {} minutes is more than a week; give the minutes before each due time, e.g. 60",
            args.reminder
        )));
    }
    let escalations = if context.database_exists()? {
        context.store()?.escalations(Filter {
            include_closed: true,
            stage: None,
        })?
    } else {
        Vec::new()
    };
    let procedures = context.procedures()?;
    let mut entries = Vec::new();
    for escalation in &escalations {
        let Some(procedure) = procedures.get(&escalation.procedure) else {
            continue;
        };
        let schedule = schedule_of(context, escalation, procedure)?;
        let who = if args.names {
            format!(
                "Escalation {} ({})",
                escalation.id,
                printable(&escalation.child.name, false)
            )
        } else {
            format!("Escalation {}", escalation.id)
        };
        let about = format!(
            "{} stage {} of {}. See: escalate show {}.",
            procedure.id,
            schedule.stage,
            procedure.last_stage(),
            escalation.id
        );
        for clock in schedule.clocks.iter().filter(|c| c.state.is_live()) {
            let Some(due_at) = clock.due_at else { continue };
            entries.push(Entry {
                uid: format!("escalate-{}-{}@escalate", escalation.id, clock.key),
                title: format!("{who}: {}", printable(&clock.name, false)),
                description: format!("Clock {} ({}). {about}", clock.key, clock.timescale),
                due_at,
            });
        }
        for notification in schedule.outstanding_notifications() {
            entries.push(Entry {
                uid: format!(
                    "escalate-{}-notification-{}@escalate",
                    escalation.id, notification.id
                ),
                title: format!(
                    "{who}: send {}",
                    printable(
                        notification.form.as_deref().unwrap_or(&notification.id),
                        false
                    )
                ),
                description: format!(
                    "{} to {}. Record it with: escalate notify {} {}. {about}",
                    printable(&notification.name, false),
                    printable(&notification.recipient, false),
                    escalation.id,
                    notification.id
                ),
                due_at: notification.due_at,
            });
        }
    }
    entries.sort_by(|a, b| (a.due_at, &a.uid).cmp(&(b.due_at, &b.uid)));

    let stamp = context.now.format("%Y%m%dT%H%M%SZ").to_string();
    let mut calendar = Calendar::new();
    calendar.name("escalate deadlines");
    for entry in &entries {
        let event = Event::new()
            .uid(&entry.uid)
            .add_property("DTSTAMP", &stamp)
            .summary(&entry.title)
            .description(&format!(
                "{} Due {}.",
                entry.description,
                format_local(entry.due_at)
            ))
            .starts(entry.due_at)
            .ends(entry.due_at)
            .alarm(
                Alarm::display(&entry.title, -Duration::minutes(i64::from(args.reminder)))
                    // Fixed here so that the same caseload exports the same file: left out, the
                    // library would stamp the wall clock and a random UID.
                    .add_property("DTSTAMP", &stamp)
                    .add_property("UID", format!("alarm-{}", entry.uid))
                    .done(),
            )
            .done();
        calendar.push(event);
    }
    let text = calendar.done().to_string();
    match &args.out {
        None => Ok(text),
        Some(path) => {
            super::files::write_private(path, &text)?;
            let mut out = String::new();
            let _ = writeln!(
                out,
                "Wrote {} deadline{} to {}.",
                entries.len(),
                if entries.len() == 1 { "" } else { "s" },
                path.display()
            );
            Ok(out)
        }
    }
}
