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
    #[arg(
        long,
        global = true,
        env = "ESCALATE_NOW",
        value_name = "TIME",
        allow_hyphen_values = true
    )]
    pub now: Option<String>,

    /// Print JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,

    /// The escalation database (default: $XDG_DATA_HOME/escalate/escalate.db)
    #[arg(long, global = true, env = "ESCALATE_DB", value_name = "PATH")]
    pub db: Option<std::path::PathBuf>,

    /// Your name for the audit trail (default: user in config.toml, else your login name)
    #[arg(long, global = true, env = "ESCALATE_ACTOR", value_name = "NAME")]
    pub actor: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the procedures, with their stages, clocks and notifications
    Procedures(ProceduresArgs),
    /// Work out when something is due: "5 working days", "48 hours", "same working day", "day 9"
    Due(DueArgs),
    /// List a year's bank holidays in England and Wales
    Holidays(HolidaysArgs),
    /// Record a new escalation; prints its id
    New(Box<NewArgs>),
    /// List escalations (open ones unless --all), most urgent first
    List(ListArgs),
    /// Show one escalation in full: clocks, notifications, discussions, actions, history
    Show(IdArgs),
    /// Move an escalation up to its next stage
    Advance(AdvanceArgs),
    /// Record a discussion (the contemporaneous record the procedures ask for)
    Discuss(DiscussArgs),
    /// Agree an action, or mark one done
    Action(ActionArgs),
    /// Record that a required notification was sent
    Notify(NotifyArgs),
    /// Record that a clock was met (e.g. the immediate-risk escalation was made)
    Met(MetArgs),
    /// Record the reason for a delay (Barnet asks for one past 5 working days)
    Delay(DelayArgs),
    /// Tighten a clock on one escalation to an earlier due time ("or a timescale that protects
    /// the child from harm, whichever is less"); never loosens one
    Tighten(TightenArgs),
    /// Record how an escalation was resolved
    Resolve(ResolveArgs),
    /// Withdraw an escalation, saying why
    Withdraw(WithdrawArgs),
    /// Correct a field; the original is kept, with who changed it, when and why
    Amend(AmendArgs),
    /// Correct something recorded: a discussion, an action, a notification, a stage move, a
    /// closure; the original is kept, with who corrected it, when and why
    Correct(CorrectArgs),
    /// Print an escalation's audit trail, or without an id the whole audit trail (reviews too)
    History(HistoryArgs),
    /// Check the database: SQLite integrity and the whole audit chain; prints the chain's head
    Verify(VerifyArgs),
    /// Write a consistent copy of the database, readable only by you
    Backup(BackupArgs),
    /// Create the database: encrypted (a passphrase asked twice, or ESCALATE_PASSPHRASE_FILE),
    /// or with --plaintext not encrypted
    Init(InitArgs),
    /// Change the database's passphrase (the old one asked first, or ESCALATE_PASSPHRASE_FILE)
    Rekey(RekeyArgs),
    /// Write a plain (unencrypted) copy of the database, readable only by you, for a subject
    /// access request
    Decrypt(DecryptArgs),
    /// Encrypt a plain database in place (a crash part-way leaves the plain one as it was)
    Encrypt,
    /// Fill a database of its own (escalate-demo.db beside the default one, or --db) with a
    /// fictional caseload, to try the app
    Demo(DemoArgs),
    /// The morning review: what is overdue, due today or soon, still owed or slipping; exits 1 if anything is overdue
    Review(ReviewArgs),
    /// Print a shell completion script: bash, zsh or fish (see the README for where to put it)
    Completions(CompletionsArgs),
    /// Print the manual page, in roff (escalate man > escalate.1; man ./escalate.1)
    Man,
    /// The escalation as a dated chronology for the child's file (text, markdown or html)
    Chronology(ChronologyArgs),
    /// Write every open deadline and owed notification as an iCalendar file, to subscribe to in
    /// Outlook or any calendar (a re-export updates the same events)
    Calendar(CalendarArgs),
    /// A team's PostgreSQL database: its roles, and who is on it (--db postgres://...)
    Team(TeamArgs),
    /// Copy a SQLite database into an empty team database (--to postgres://... --school S),
    /// or a school's PostgreSQL database into a new SQLite file (--to FILE --from-school S)
    Migrate(MigrateArgs),
    /// The outcomes report for the partnership and governors: opened, resolved, stages reached,
    /// by category and agency, time to resolve, clocks met on time, notifications late, learning
    Report(ReportArgs),
    /// Bring in the escalations kept in a spreadsheet (CSV; see --template for the columns), or
    /// restore an escalate export (JSON) into an empty database
    Import(ImportArgs),
    /// Write everything out: --format json is the whole record, to restore with escalate import
    /// (a school transfer, a subject access request); --format csv is a file a record kind, for
    /// reading in a spreadsheet, not for restoring. Both hold children's names
    Export(ExportArgs),
    /// Fill one of the procedure's forms from the record (Appendix 2, the escalation form, the
    /// action log entry...); --list shows which forms there are and which are owed
    Form(FormArgs),
    /// Record what the partnership forms ask beyond the escalation (the referrer's phone, the
    /// child's address, the level of need...); correct one already recorded with amend
    Details(DetailsArgs),
    /// Record the stage 4 meeting's chair, attendees and review date (Pan Bedfordshire
    /// Appendix 5); record the meeting itself with discuss --mode meeting
    Meeting(MeetingArgs),
}

#[derive(Debug, Args)]
pub struct TeamArgs {
    #[command(subcommand)]
    pub what: TeamCommand,
}

/// What `escalate team` does, on the PostgreSQL database --db names, as its administrator.
#[derive(Debug, Subcommand)]
pub enum TeamCommand {
    /// Make the database's application and report roles and their grants (safe to run again)
    Init,
    /// Add a person (a database role of their own) or change what they are
    Add {
        /// Their login: the database role they connect as, and their name in the audit trail
        user: String,
        /// dsl, deputy, trust-lead, governor or auditor
        #[arg(long)]
        role: String,
        /// A school they work for (repeat for several)
        #[arg(long, value_name = "CODE")]
        school: Vec<String>,
    },
    /// Everyone on the team, with their role and schools
    List,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// Where the copy goes: a postgres:// URL (an empty team database) or a new SQLite file
    #[arg(long, value_name = "URL|FILE")]
    pub to: std::path::PathBuf,
    /// The school the escalations belong to in the team database
    #[arg(long, value_name = "CODE")]
    pub school: Option<String>,
    /// The school leaving the team database
    #[arg(long, value_name = "CODE")]
    pub from_school: Option<String>,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// json (the whole record, to restore with escalate import) or csv (files to read in a
    /// spreadsheet; not read back)
    #[arg(long)]
    pub format: String,
    /// json: the file to write (without it, standard output, which must not be a terminal);
    /// csv: the folder to write the files into. Written readable only by you
    #[arg(long, value_name = "FILE|DIR")]
    pub out: Option<std::path::PathBuf>,
    /// Replace files already there
    #[arg(long, requires = "out")]
    pub force: bool,
    /// csv only: every spelling of each child's name as initials, addresses withheld
    #[arg(long)]
    pub privacy: bool,
}

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The CSV file (UTF-8 or Windows-1252, as Excel saves it), or a JSON export to restore
    /// into an empty database (told apart by what the file holds)
    #[arg(required_unless_present = "template")]
    pub file: Option<std::path::PathBuf>,
    /// Print the columns as a CSV header with one fictional row, to start a spreadsheet from
    #[arg(long, conflicts_with_all = ["dry_run", "skip_invalid"])]
    pub template: bool,
    /// Check every row and say what would be imported, writing nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Import the good rows even if some are refused (each refused row is listed)
    #[arg(long)]
    pub skip_invalid: bool,
}

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The first day of the period (default: 1 September of this school year); 2026-09-01,
    /// 01/09/2026 or 1 Sep 2026
    #[arg(long, value_name = "DATE")]
    pub from: Option<String>,
    /// The last day of the period (default: today)
    #[arg(long, value_name = "DATE")]
    pub to: Option<String>,
    /// Only escalations under this procedure (see escalate procedures)
    #[arg(long, value_name = "ID")]
    pub procedure: Option<String>,
    /// text, markdown, html (with charts; prints cleanly), csv or json
    #[arg(long, default_value = "text")]
    pub format: String,
    /// Write to FILE (readable only by you) instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct FormArgs {
    /// The escalation's id (see escalate list)
    pub id: String,
    /// The form's id, as escalate form ID --list shows it (e.g. appendix-2)
    #[arg(required_unless_present_any = ["list", "all"], conflicts_with = "all")]
    pub form: Option<String>,
    /// List the procedure's forms, and which are owed on this escalation
    #[arg(long, conflicts_with_all = ["format", "out", "set", "all"])]
    pub list: bool,
    /// Every form of the procedure, one after another (in HTML, one a page), to print as a pack
    #[arg(long, conflicts_with = "set")]
    pub all: bool,
    /// text, markdown or html (html prints one form a page)
    #[arg(long)]
    pub format: Option<String>,
    /// Write to FILE (readable only by you) instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// Replace FILE if it exists
    #[arg(long, requires = "out")]
    pub force: bool,
    /// Fill a field the record cannot fill (FIELD is its id, as the form shows it); repeat it
    /// for several. Fields still blank are asked for on a terminal, or left visibly blank
    #[arg(long, value_name = "FIELD=VALUE")]
    pub set: Vec<String>,
    /// Hide every spelling of the child's name (initials) and withhold the address
    #[arg(long)]
    pub privacy: bool,
}

/// The details the partnership forms ask for, all optional (see `escalate details`).
#[derive(Debug, Args, Default)]
pub struct DetailArgs {
    /// The referrer's contact number (Appendix 4)
    #[arg(long, value_name = "PHONE")]
    pub referrer_phone: Option<String>,
    /// The referrer's email address (Appendix 4)
    #[arg(long, value_name = "EMAIL")]
    pub referrer_email: Option<String>,
    /// The referrer's manager (Appendix 4; Staffordshire's "To: (Manager)")
    #[arg(long, value_name = "NAME")]
    pub referrer_manager: Option<String>,
    /// The child's current address (visible in the process list: prefer --child-address-file)
    #[arg(long, value_name = "ADDRESS", conflicts_with = "child_address_file")]
    pub child_address: Option<String>,
    /// Read the child's address from this file, or from standard input with -
    #[arg(long, value_name = "PATH")]
    pub child_address_file: Option<std::path::PathBuf>,
    /// The child's postcode (prefer --child-postcode-file)
    #[arg(long, value_name = "POSTCODE", conflicts_with = "child_postcode_file")]
    pub child_postcode: Option<String>,
    /// Read the child's postcode from this file, or from standard input with -
    #[arg(long, value_name = "PATH")]
    pub child_postcode_file: Option<std::path::PathBuf>,
    /// The child's level of need: early-help, targeted-support, child-in-need or child-protection
    #[arg(long, value_name = "LEVEL")]
    pub need_level: Option<String>,
    /// Is the child/young person/parent/carer aware a meeting is taking place and information
    /// may be shared? yes or no (Appendix 4, item 11)
    #[arg(long, value_name = "yes|no")]
    pub family_aware: Option<String>,
    /// Have they agreed to be asked for their views? yes or no (Appendix 4, item 12)
    #[arg(long, value_name = "yes|no")]
    pub views_agreed: Option<String>,
}

#[derive(Debug, Args)]
pub struct DetailsArgs {
    pub id: String,
    #[command(flatten)]
    pub details: DetailArgs,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("meeting").required(true).multiple(true).args(["chair", "attendees", "attendees_file", "review_date"])))]
pub struct MeetingArgs {
    pub id: String,
    /// The meeting's chair: role and agency
    #[arg(long)]
    pub chair: Option<String>,
    /// The attendees, one a line: name, role and agency
    #[arg(long, conflicts_with = "attendees_file")]
    pub attendees: Option<String>,
    /// Read the attendees from this file, or from standard input with -
    #[arg(long, value_name = "PATH")]
    pub attendees_file: Option<std::path::PathBuf>,
    /// The review date, as appropriate (YYYY-MM-DD or DD/MM/YYYY)
    #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
    pub review_date: Option<String>,
}

#[derive(Debug, Args)]
pub struct ChronologyArgs {
    pub id: String,
    /// text, markdown or html (html prints cleanly, one escalation a document)
    #[arg(long, default_value = "text")]
    pub format: String,
    /// Hide every spelling of the child's name (initials instead)
    #[arg(long)]
    pub privacy: bool,
}

#[derive(Debug, Args)]
pub struct CalendarArgs {
    /// Write to FILE (readable only by you) instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<std::path::PathBuf>,
    /// Put the child's name in each event's title (by default only the escalation's id, so that
    /// a calendar shared or synced elsewhere names no child)
    #[arg(long)]
    pub names: bool,
    /// How long before each due time the reminder goes off, in minutes
    #[arg(long, value_name = "MINUTES", default_value_t = 60)]
    pub reminder: u32,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh or fish
    pub shell: String,
}

#[derive(Debug, Args)]
pub struct IdArgs {
    /// The escalation's id (see escalate list)
    pub id: String,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The escalation's id (see escalate list); leave it out for every entry
    pub id: Option<String>,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// The procedure's id (see escalate procedures; default: procedure in config.toml)
    #[arg(long)]
    pub procedure: Option<String>,
    /// The child's name (visible to other users in the process list: prefer --child-file)
    #[arg(
        long,
        required_unless_present = "child_file",
        conflicts_with = "child_file"
    )]
    pub child: Option<String>,
    /// Read the child's name from this file, or from standard input with -
    #[arg(long, value_name = "PATH")]
    pub child_file: Option<std::path::PathBuf>,
    /// The child's date of birth, YYYY-MM-DD or DD/MM/YYYY
    #[arg(
        long,
        value_name = "DATE",
        allow_hyphen_values = true,
        conflicts_with = "dob_file"
    )]
    pub dob: Option<String>,
    /// Read the date of birth from this file, or from standard input with -
    #[arg(long, value_name = "PATH")]
    pub dob_file: Option<std::path::PathBuf>,
    /// The child's record reference in your system
    #[arg(long)]
    pub child_ref: Option<String>,
    /// The practitioner raising the escalation (default: you, as --actor or user in config.toml)
    #[arg(long)]
    pub raised_by: Option<String>,
    /// Their agency (default: organisation in config.toml)
    #[arg(long)]
    pub agency: Option<String>,
    /// The agency and team it is raised with
    #[arg(long)]
    pub raised_with: String,
    /// The partnership or board body, where the procedure has several (name or id; default:
    /// partnership in config.toml)
    #[arg(long)]
    pub partnership: Option<String>,
    /// thresholds, roles-and-responsibilities, information-sharing, plan-progression, case-conference, communication or other
    #[arg(long)]
    pub category: String,
    /// The circumstances: what the disagreement is about
    #[arg(
        long,
        required_unless_present = "summary_file",
        conflicts_with = "summary_file"
    )]
    pub summary: Option<String>,
    /// Read the summary from this file, or from standard input with -
    #[arg(long, value_name = "PATH")]
    pub summary_file: Option<std::path::PathBuf>,
    /// The outcome you are seeking
    #[arg(long)]
    pub outcome_sought: Option<String>,
    /// When the concern arose (default: when it was raised)
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub concern_at: Option<String>,
    /// When the escalation was raised (default: now)
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub raised_at: Option<String>,
    /// The child is at immediate risk of significant harm
    #[arg(long)]
    pub immediate_risk: bool,
    /// The school it belongs to, on a team's database where you record for several
    #[arg(long)]
    pub school: Option<String>,
    /// What the partnership forms ask beyond this (all optional)
    #[command(flatten)]
    pub details: DetailArgs,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Include resolved and withdrawn escalations
    #[arg(long)]
    pub all: bool,
    /// Only escalations at this stage
    #[arg(long, value_name = "N")]
    pub stage: Option<String>,
    /// Only escalations with something overdue
    #[arg(long)]
    pub overdue: bool,
}

#[derive(Debug, Args)]
pub struct AdvanceArgs {
    pub id: String,
    /// Why it is being escalated
    #[arg(long)]
    pub reason: String,
    /// The stage to move to (default: the next); a later stage only where the procedure allows
    /// skipping to it, or as an immediate-risk fast track
    #[arg(long, value_name = "STAGE")]
    pub to: Option<u8>,
    /// When (default: now)
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct DiscussArgs {
    pub id: String,
    /// Who took part: names, roles, agencies
    #[arg(long = "with")]
    pub participants: String,
    /// face-to-face, phone, video, email, letter or meeting
    #[arg(long)]
    pub mode: String,
    /// What was said
    #[arg(long)]
    pub notes: String,
    /// Decisions made
    #[arg(long)]
    pub decisions: Option<String>,
    /// The parties reached agreement in this discussion
    #[arg(long)]
    pub agreed: bool,
    /// When it took place (default: now)
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub at: Option<String>,
    /// A follow-up on an escalation already resolved or withdrawn (it stays closed)
    #[arg(long)]
    pub follow_up: bool,
}

#[derive(Debug, Args)]
pub struct ActionArgs {
    #[command(subcommand)]
    pub action: ActionCommand,
}

#[derive(Debug, Subcommand)]
pub enum ActionCommand {
    /// Agree an action with an owner and a due date
    Add {
        id: String,
        /// What is to be done
        #[arg(long)]
        what: String,
        /// Who will do it
        #[arg(long)]
        owner: String,
        /// By when: YYYY-MM-DD, DD/MM/YYYY, 12 Mar, a weekday (fri) or +2w
        #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
        due: String,
        /// The due date has already passed, on purpose (an action agreed earlier, entered late)
        #[arg(long)]
        past_due: bool,
    },
    /// Mark an action done
    Done {
        id: String,
        action_id: String,
        /// When it was done (default: now)
        #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
        at: Option<String>,
    },
}

#[derive(Debug, Args)]
pub struct NotifyArgs {
    pub id: String,
    /// The notification's id, as escalate show lists it (e.g. appendix-2)
    pub notification: String,
    /// secure-email, email, online-form, letter, phone, in-person or other
    #[arg(long)]
    pub method: String,
    /// The reference you were given, if any
    #[arg(long)]
    pub reference: Option<String>,
    /// When it was sent (default: now)
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub at: Option<String>,
    /// Keep the form that was sent with the record (the notification's own form by default),
    /// filled from the record as escalate form makes it; its SHA-256 goes into the audit trail
    #[arg(long, value_name = "FORM", num_args = 0..=1, default_missing_value = "", conflicts_with = "attach")]
    pub form: Option<String>,
    /// Fill a field of --form the record cannot fill, as escalate form --set does
    #[arg(long, value_name = "FIELD=VALUE", requires = "form")]
    pub set: Vec<String>,
    /// Keep this file, as it was sent, with the record (text, Markdown or HTML, at most 1 MiB)
    #[arg(long, value_name = "FILE")]
    pub attach: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("by").required(true).args(["due", "within"])))]
pub struct TightenArgs {
    pub id: String,
    /// The clock's key, as escalate show lists it (e.g. s1.resolve)
    pub clock: String,
    /// The earlier due time (e.g. "fri 12:00", "2026-12-04 12:00")
    #[arg(long, value_name = "TIME")]
    pub due: Option<String>,
    /// A shorter timescale, counted from the clock's start (e.g. "24 hours", "2 working days")
    #[arg(long, value_name = "TIMESCALE")]
    pub within: Option<String>,
    /// Why the child needs it sooner
    #[arg(long)]
    pub reason: String,
}

#[derive(Debug, Args)]
pub struct MetArgs {
    pub id: String,
    /// The clock's key, as escalate show lists it (e.g. immediate-risk, s3.referral)
    pub clock: String,
    /// What was done
    #[arg(long)]
    pub note: String,
    /// When (default: now)
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct DelayArgs {
    pub id: String,
    /// Why it is taking longer, and how the child is kept safe meanwhile
    #[arg(long)]
    pub reason: String,
    /// When (default: now)
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct ResolveArgs {
    pub id: String,
    /// How it was resolved
    #[arg(long)]
    pub how: String,
    /// Learning points
    #[arg(long)]
    pub learning: Option<String>,
    /// Were parents or carers informed? yes or no (no needs --why-not)
    #[arg(long, value_name = "yes|no")]
    pub parents_informed: Option<String>,
    /// Why parents or carers were not informed
    #[arg(long)]
    pub why_not: Option<String>,
    /// Has the child's record been updated? yes or no
    #[arg(long, value_name = "yes|no")]
    pub child_record_updated: Option<String>,
    /// When (default: now)
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct WithdrawArgs {
    pub id: String,
    /// Why it is withdrawn
    #[arg(long)]
    pub why: String,
    /// When (default: now)
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub at: Option<String>,
}

#[derive(Debug, Args)]
pub struct AmendArgs {
    pub id: String,
    /// The field: child, dob, child-ref, raised-by, agency, raised-with, partnership, category, summary, outcome-sought, concern-at, raised-at, immediate-risk, or a detail (escalate details --help): referrer-phone, referrer-email, referrer-manager, child-address, child-postcode, need-level, family-aware, views-agreed, meeting-chair, meeting-attendees, review-date
    pub field: String,
    /// The corrected value (empty to clear an optional field)
    #[arg(required_unless_present = "value_file", conflicts_with = "value_file")]
    pub value: Option<String>,
    /// Read the corrected value from this file, or from standard input with - (for a name,
    /// this keeps it out of the process list)
    #[arg(long, value_name = "PATH")]
    pub value_file: Option<std::path::PathBuf>,
    /// Why it is being corrected
    #[arg(long)]
    pub why: String,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A head kept elsewhere (COUNT:HASH, as verify or the morning review printed it): fail
    /// unless today's chain still holds that entry with that hash
    #[arg(long, value_name = "HEAD")]
    pub expect: Option<String>,
}

#[derive(Debug, Args)]
pub struct CorrectArgs {
    pub id: String,
    #[command(subcommand)]
    pub what: CorrectCommand,
}

/// What `escalate correct ID` corrects. Each keeps the original on the record and needs --why.
#[derive(Debug, Subcommand)]
pub enum CorrectCommand {
    /// A discussion's notes, reworded (its number as escalate show lists it)
    Discussion {
        discussion: String,
        /// What the notes should say
        #[arg(long)]
        notes: String,
        /// Why it is being corrected
        #[arg(long)]
        why: String,
    },
    /// An action's wording, owner or due date, or its cancellation (one at a time)
    #[command(group = clap::ArgGroup::new("correction").required(true).multiple(false).args(["what", "owner", "due", "cancel"]))]
    Action {
        action: String,
        /// What is to be done
        #[arg(long)]
        what: Option<String>,
        /// Who will do it
        #[arg(long)]
        owner: Option<String>,
        /// By when: YYYY-MM-DD, DD/MM/YYYY, 12 Mar, a weekday (fri) or +2w
        #[arg(long, value_name = "DATE", allow_hyphen_values = true)]
        due: Option<String>,
        /// The action is no longer owed (agreed in error, or overtaken)
        #[arg(long)]
        cancel: bool,
        /// Why it is being corrected
        #[arg(long)]
        why: String,
    },
    /// A notification recorded as sent in error, or one not needed (say why)
    #[command(group = clap::ArgGroup::new("correction").required(true).multiple(false).args(["not_sent", "not_needed"]))]
    Notification {
        notification: String,
        /// It was recorded as sent, but was not sent
        #[arg(long)]
        not_sent: bool,
        /// It was not needed
        #[arg(long)]
        not_needed: bool,
        /// Why
        #[arg(long)]
        why: String,
    },
    /// Reverse the latest stage move, made in error (the clocks are worked out again)
    Stage {
        /// The latest stage move is reversed
        #[arg(long, required = true)]
        undo_last: bool,
        /// Why it was made in error
        #[arg(long)]
        why: String,
    },
    /// Reopen an escalation resolved or withdrawn in error
    Reopen {
        /// Why it was closed in error
        #[arg(long)]
        why: String,
    },
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Do not encrypt the database (anyone who can read the file can read every record)
    #[arg(long)]
    pub plaintext: bool,
}

#[derive(Debug, Args)]
pub struct RekeyArgs {
    /// Read the new passphrase from this file (mode 0600) instead of asking for it twice
    #[arg(long, value_name = "FILE")]
    pub new_passphrase_file: Option<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct DecryptArgs {
    /// Where to write the plain copy (must not exist yet)
    #[arg(long, value_name = "FILE")]
    pub out: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// Where to write the copy (must not exist yet)
    pub file: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Vary the fictional caseload
    #[arg(long, default_value = "1")]
    pub seed: String,
    /// Generate this many fictional escalations (1 to 1000000) instead of the 13 hand-written ones
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub count: Option<String>,
    /// With --count: the share left open, from 0 to 1 (default 0.1); the rest were resolved or withdrawn in the past
    #[arg(long, value_name = "F", allow_hyphen_values = true)]
    pub open_share: Option<String>,
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// How far ahead to look, in working days: 1d (today and the next working day, to close of business), 0d (today only), up to 20d
    #[arg(
        long,
        default_value = "1d",
        value_name = "Nd",
        allow_hyphen_values = true
    )]
    pub horizon: String,
    /// text, or markdown (to paste into an email)
    #[arg(long, default_value = "text", value_name = "text|markdown")]
    pub format: String,
    /// Initials instead of children's names, everywhere in the report (JSON too)
    #[arg(long)]
    pub privacy: bool,
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
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
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
