//! The `escalate` binary: parse the arguments, read the wall clock once, run the command.
//!
//! This is the only place that reads the system clock; everything below takes `now`.

use std::io::Write as _;
use std::process::ExitCode;

use clap::Parser as _;
use escalate::cli::{self, Cli, Paths};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => return clap_error(&error),
    };
    if cli.command.is_none() {
        return dashboard(cli);
    }
    let mut stdout = std::io::stdout().lock();
    match cli::run(
        cli,
        Paths::from_environment(),
        chrono::Utc::now(),
        &mut stdout,
    ) {
        Ok(finished) => {
            // A closed pipe (escalate ... | head) is not an error worth reporting.
            let _ = stdout.write_all(finished.output.as_bytes());
            let _ = stdout.flush();
            // 2: printed, but something could not be shown in full (escalate list).
            if !finished.warnings.is_empty() {
                return fail(&finished.warnings.join("\n"));
            }
            // 1: the report was printed, and something in it is overdue (escalate review).
            if finished.is_anything_overdue {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(error) => fail(&error.to_string()),
    }
}

/// Opens the full-screen dashboard. `--now` starts its clock at that time, moving on in real time.
fn dashboard(cli: Cli) -> ExitCode {
    use std::io::IsTerminal as _;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!(
            "escalate: the dashboard needs a terminal; run a command instead (escalate --help lists them)"
        );
        return ExitCode::from(2);
    }
    let start = match cli::resolve_now(cli.global.now.as_deref(), chrono::Utc::now()) {
        Ok(now) => now,
        Err(error) => return fail(&error.to_string()),
    };
    let clock: Box<dyn Fn() -> chrono::DateTime<chrono::Utc> + Send> = if cli.global.now.is_some() {
        let started = std::time::Instant::now();
        Box::new(move || start + chrono::Duration::from_std(started.elapsed()).unwrap_or_default())
    } else {
        Box::new(chrono::Utc::now)
    };
    let no_color = escalate::ui::theme::is_no_color(std::env::var("NO_COLOR").ok().as_deref());
    let wall_clock = Box::new(chrono::Utc::now);
    let options = match cli::dashboard(cli, Paths::from_environment(), clock, wall_clock, no_color)
    {
        Ok(options) => options,
        Err(error) => return fail(&error.to_string()),
    };
    match escalate::tui::run(options) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

/// Every error goes out through the CLI's one escaping rule: a message may quote a bad value
/// from the command line, a settings file or a procedure file, and an escape sequence in it must
/// not reach the terminal.
fn fail(message: &str) -> ExitCode {
    for line in message.lines() {
        eprintln!("escalate: {}", cli::terminal_safe(line, false));
    }
    ExitCode::from(2)
}

/// Help and version print as clap wrote them; a usage error becomes one line.
fn clap_error(error: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = error.print();
        return ExitCode::SUCCESS;
    }
    let mut message = one_line(&error.to_string());
    for name in cli::child_names(
        &std::env::args_os()
            .map(|a| a.to_string_lossy().into_owned())
            .collect::<Vec<_>>(),
    ) {
        message = cli::without_name(&message, &name);
    }
    eprintln!(
        "escalate: {} (run escalate --help for usage)",
        cli::terminal_safe(&message, false)
    );
    ExitCode::from(2)
}

/// Clap's message on one line: the first line, with any indented lines after it (the names of
/// missing arguments, say) joined on, then clap's tips (`escalate lst`: a similar subcommand
/// exists: 'list'); the usage block is left out.
fn one_line(rendered: &str) -> String {
    let tips: Vec<&str> = rendered
        .lines()
        .filter_map(|l| l.trim().strip_prefix("tip: "))
        .collect();
    let message = first_lines(rendered);
    if tips.is_empty() {
        message
    } else {
        format!("{message}; {}", tips.join("; "))
    }
}

fn first_lines(rendered: &str) -> String {
    let mut lines = rendered.lines();
    let first = lines.next().unwrap_or("invalid arguments");
    let first = first
        .strip_prefix("error: ")
        .unwrap_or(first)
        .trim_end_matches(':');
    let details: Vec<&str> = lines
        .take_while(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with(' '))
        .map(str::trim)
        .collect();
    if details.is_empty() {
        first.to_owned()
    } else {
        format!("{first}: {}", details.join(", "))
    }
}
