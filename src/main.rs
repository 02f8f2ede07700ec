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
    let rendered = error.to_string();
    let first = rendered.lines().next().unwrap_or("invalid arguments");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    eprintln!("escalate: {first} (run escalate --help for usage)");
    ExitCode::from(2)
}
