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
    match cli::run(cli, Paths::from_environment(), chrono::Utc::now()) {
        Ok(output) => {
            let mut stdout = std::io::stdout().lock();
            // A closed pipe (escalate ... | head) is not an error worth reporting.
            let _ = stdout.write_all(output.as_bytes());
            ExitCode::SUCCESS
        }
        Err(error) => {
            for line in error.to_string().lines() {
                eprintln!("escalate: {line}");
            }
            ExitCode::from(2)
        }
    }
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
    eprintln!(
        "escalate: {} (run escalate --help for usage)",
        one_line(&error.to_string())
    );
    ExitCode::from(2)
}

/// Clap's message on one line: the first line, with any indented lines after it (the names of
/// missing arguments, say) joined on; the usage block is left out.
fn one_line(rendered: &str) -> String {
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
