//! The command line's shape, with clap.
//!
//! Values that need checking (times, timescales, years) are taken as text and checked by the
//! commands, so that every mistake gets the same one-line error with the fix in it.

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "escalate",
    version,
    about = "Track multi-agency safeguarding escalations and their deadlines",
    long_about = "Track multi-agency safeguarding escalations (professional disagreements) through the stages of your local procedure, with every deadline worked out in working days, bank holidays and UK time."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// Options accepted before or after the subcommand.
#[derive(Debug, Args)]
pub struct Global {
    /// Fix the clock: act as if it were this time (YYYY-MM-DD HH:MM in UK time, or RFC 3339)
    #[arg(long, global = true, env = "ESCALATE_NOW", value_name = "TIME")]
    pub now: Option<String>,

    /// Print JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the procedures, with their stages, clocks and notifications
    Procedures(ProceduresArgs),
    /// Work out when something is due: "5 working days", "48 hours", "same working day", "day 9"
    Due(DueArgs),
    /// List a year's bank holidays in England and Wales
    Holidays(HolidaysArgs),
}

#[derive(Debug, Args)]
pub struct ProceduresArgs {
    #[command(subcommand)]
    pub action: Option<ProceduresAction>,
}

#[derive(Debug, Subcommand)]
pub enum ProceduresAction {
    /// Show one procedure in full
    Show {
        /// The procedure's id, e.g. pan-bedfordshire
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct DueArgs {
    /// The timescale, e.g. "5 working days", "1 working day", "48 hours", "same working day", "day 9"
    #[arg(required = true, num_args = 1.., value_name = "TIMESCALE")]
    pub timescale: Vec<String>,

    /// When the clock starts (default: now); for "day N", this date is day 1
    #[arg(long, value_name = "TIME")]
    pub from: Option<String>,

    /// Also say how the due time was reached
    #[arg(long)]
    pub explain: bool,
}

#[derive(Debug, Args)]
pub struct HolidaysArgs {
    /// The year, e.g. 2027
    pub year: String,
}
