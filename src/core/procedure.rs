//! Procedures as data: a local escalation procedure read from TOML and checked into a typed
//! [`Procedure`].
//!
//! A procedure has stages (as many as its document has), each with the people involved and its
//! clocks; clocks and notifications may also belong to the whole escalation. The facts come from
//! the source documents, cited in the TOML beside the data. The four built-in procedures are the
//! files in the top-level `procedures/` folder, embedded at build time; users add or override
//! procedures with files of the same shape (the caller reads the files: this module does no I/O).
//!
//! Every problem in a file is reported, each as one line naming the file, the line and the field.
//! Start reading at [`parse_procedure`] and [`ProcedureSet::load`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::timescale::Timescale;

/// The built-in procedures: (file name, TOML text).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "pan-bedfordshire.toml",
        include_str!("../../procedures/pan-bedfordshire.toml"),
    ),
    (
        "staffordshire.toml",
        include_str!("../../procedures/staffordshire.toml"),
    ),
    ("london.toml", include_str!("../../procedures/london.toml")),
    ("barnet.toml", include_str!("../../procedures/barnet.toml")),
];

/// What the engine says to do when a child is at immediate risk and the procedure file does not
/// say it in its own words.
pub const DEFAULT_IMMEDIATE_RISK: &str = "Escalate through established safeguarding procedures the same working day: contact Children's Services, or the police on 999 if a child is in immediate danger.";

/// A local escalation procedure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Procedure {
    pub id: String,
    pub title: String,
    /// The document the procedure encodes.
    pub source: String,
    pub summary: Option<String>,
    /// What the procedure says to do at once when a child is at immediate risk of significant harm.
    pub immediate_risk: String,
    /// The clock (and fast track) an escalation flagged as an immediate risk gets.
    pub immediate: ImmediateRiskRule,
    /// Which date is day 1 of the escalation for "by day N" deadlines: the concern arising
    /// ([`Occurrence::ConcernArose`]) or the escalation being raised ([`Occurrence::Raised`]).
    pub day_one: Occurrence,
    /// The partnership or board bodies notified; an escalation chooses one when there are several.
    pub partnerships: Vec<Partnership>,
    pub forms: Vec<Form>,
    pub stages: Vec<Stage>,
    /// Clocks that run for the whole escalation rather than one stage.
    pub clocks: Vec<ClockRule>,
    /// Every notification the procedure can require, whichever stage triggers it.
    pub notifications: Vec<NotificationRule>,
}

/// What an escalation flagged as an immediate risk of significant harm must do, and by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImmediateRiskRule {
    /// The clock, keyed `immediate-risk`; it counts from the concern arising (the risk being
    /// recognised) unless the procedure says otherwise.
    pub clock: ClockRule,
    /// What to do when the clock falls due at once because the risk was recognised out of hours.
    pub out_of_hours: Option<String>,
    /// A fast track: a flagged escalation may go straight to this stage (skipping those before
    /// it), and the clock is met on reaching it.
    pub fast_track_stage: Option<u8>,
    /// True where the procedure's documents set no immediate-risk timescale and the app's
    /// default (`immediately`) protects the child instead.
    pub is_app_default: bool,
}

/// The immediate-risk clock's name where a procedure gives none.
pub const DEFAULT_IMMEDIATE_RISK_CLOCK: &str = "Act on the immediate risk now";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Partnership {
    pub id: String,
    pub name: Arc<str>,
    pub contact: Option<Arc<str>>,
}

/// A form the procedure's documents ask for, with its fields in the document's order and words
/// (see [`super::form`], which fills it from the record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Form {
    pub id: String,
    pub title: String,
    /// The document's words above the fields (what the form is for), where given.
    pub intro: Option<String>,
    /// The document's words below the fields (where to send it), where given.
    pub note: Option<String>,
    pub fields: Vec<FormField>,
}

/// One field of a form: its label exactly as the document words it, and where its value comes
/// from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FormField {
    /// Unique within the form: what `--set ID=VALUE` names.
    pub id: String,
    pub label: String,
    /// The document's heading the field sits under, where it has one.
    pub section: Option<String>,
    pub source: super::form::Source,
    /// A table's column headings (for a source that gives a table).
    pub columns: Vec<String>,
}

/// The generic record of escalation, for a procedure whose documents give no form of their own
/// (`procedures/forms/record.toml`, checked by the same rules as a procedure's forms).
pub fn generic_record() -> &'static Form {
    static GENERIC: std::sync::LazyLock<Form> = std::sync::LazyLock::new(|| {
        let origin = "built-in forms/record.toml";
        let text = include_str!("../../procedures/forms/record.toml");
        let mut checker = Checker {
            origin,
            text,
            errors: Vec::new(),
        };
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct RawForms {
            forms: Vec<RawForm>,
        }
        // The file is embedded and checked by the test suite; a failure is a build defect.
        let raw: RawForms = toml::from_str(text).expect("the generic record form is valid TOML");
        let forms = build_forms(&mut checker, raw.forms, MAX_STAGES);
        assert!(
            checker.errors.is_empty(),
            "the generic record form is valid: {:?}",
            checker.errors
        );
        forms
            .into_iter()
            .next()
            .expect("the generic record file holds one form")
    });
    &GENERIC
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Stage {
    /// 1 for the first stage.
    pub number: u8,
    pub name: String,
    /// Who is involved at this stage.
    pub who: String,
    pub guidance: Option<String>,
    /// Whether urgent cases may go straight to this stage, skipping those before it (recorded
    /// with a reason).
    pub may_skip_to: bool,
    pub clocks: Vec<ClockRule>,
}

/// Something that happens to an escalation, as a clock start, a clock's completion or a
/// notification's trigger.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Occurrence {
    /// The concern arising (the escalation's raise time when no concern time was recorded).
    ConcernArose,
    Raised,
    /// The stage being entered (the escalation raised, for stage 1).
    StageEntered,
    /// The stage being left by escalating to the next one.
    Advanced,
    Discussion,
    Meeting,
    Agreement,
    Resolved,
    NotificationSent(String),
    /// The escalation was flagged as an immediate risk (at the concern arising).
    ImmediateRisk,
    /// Stage N was entered (whichever stage the escalation came from).
    StageReached(u8),
    /// A clock (by id) passed its due time without being met.
    Missed(String),
}

impl Occurrence {
    fn parse(text: &str) -> Option<Self> {
        if let Some(id) = text.strip_prefix("missed:") {
            return Some(Self::Missed(id.to_owned()));
        }
        if let Some(n) = text.strip_prefix("stage:") {
            return n.parse().ok().map(Self::StageReached);
        }
        Some(match text {
            "immediate_risk" => Self::ImmediateRisk,
            "concern" => Self::ConcernArose,
            "raised" => Self::Raised,
            "stage_entered" => Self::StageEntered,
            "advanced" => Self::Advanced,
            "discussion" => Self::Discussion,
            "meeting" => Self::Meeting,
            "agreement" => Self::Agreement,
            "resolved" => Self::Resolved,
            _ => Self::NotificationSent(text.strip_prefix("notification:")?.to_owned()),
        })
    }
}

impl Occurrence {
    /// How a clock counting from this reads: "the concern arising", "entering the stage".
    pub fn describe(&self) -> String {
        match self {
            Self::ConcernArose => "the concern arising".to_owned(),
            Self::Raised => "the escalation being raised".to_owned(),
            Self::StageEntered => "entering the stage".to_owned(),
            Self::Advanced => "escalating to the next stage".to_owned(),
            Self::Discussion => "a discussion being recorded".to_owned(),
            Self::Meeting => "a meeting being held".to_owned(),
            Self::Agreement => "agreement being reached".to_owned(),
            Self::Resolved => "resolution".to_owned(),
            Self::NotificationSent(id) => format!("notification {id} being sent"),
            Self::ImmediateRisk => "the immediate risk being recognised".to_owned(),
            Self::StageReached(n) => format!("reaching stage {n}"),
            Self::Missed(id) => format!("clock {id} being missed"),
        }
    }
}

impl fmt::Display for Occurrence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ConcernArose => f.write_str("concern"),
            Self::Raised => f.write_str("raised"),
            Self::StageEntered => f.write_str("stage_entered"),
            Self::Advanced => f.write_str("advanced"),
            Self::Discussion => f.write_str("discussion"),
            Self::Meeting => f.write_str("meeting"),
            Self::Agreement => f.write_str("agreement"),
            Self::Resolved => f.write_str("resolved"),
            Self::NotificationSent(id) => write!(f, "notification:{id}"),
            Self::ImmediateRisk => f.write_str("immediate_risk"),
            Self::StageReached(n) => write!(f, "stage:{n}"),
            Self::Missed(id) => write!(f, "missed:{id}"),
        }
    }
}

impl Serialize for Occurrence {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A deadline the procedure sets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClockRule {
    pub id: Arc<str>,
    /// What a schedule calls the clock, unique within an escalation: `s2.resolve` for a
    /// stage's clock, the id for an escalation-wide one. Made once here and shared by every
    /// schedule, rather than written out again for each escalation.
    #[serde(skip)]
    pub key: Arc<str>,
    pub name: Arc<str>,
    /// What the clock counts from.
    pub from: Occurrence,
    /// What the clock counts from until `from` has happened (Pan Bedfordshire counts the
    /// partners' five working days from entering stage 4 until the Appendix 4 form is sent).
    pub provisional_from: Option<Occurrence>,
    pub timescale: Timescale,
    /// What meets the clock. A clock can also always be marked met by hand.
    pub met_by: Vec<Occurrence>,
    pub form: Option<Arc<str>>,
    /// Whether a reason for the delay must be recorded once the clock is missed.
    pub reason_if_late: bool,
    pub note: Option<String>,
}

/// Who a notification goes to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Recipient {
    /// The partnership or board body chosen for the escalation.
    Partnership,
    Named(Arc<str>),
}

/// A notification the procedure requires when something happens.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NotificationRule {
    pub id: Arc<str>,
    pub name: Arc<str>,
    pub form: Option<Arc<str>>,
    /// Everyone it goes to (at least one).
    pub recipients: Vec<Recipient>,
    pub on: Occurrence,
    /// What its timescale counts from, where that is not the trigger (Barnet's stage 4 referral
    /// is due the same working day as the escalation was raised, whenever stage 4 is reached).
    pub from: Option<Occurrence>,
    /// The stages at which `on` triggers it; empty for any stage.
    pub stages: Vec<u8>,
    /// `None` where the document gives no timescale: the engine's default then applies.
    pub timescale: Option<Timescale>,
    pub note: Option<String>,
}

impl Procedure {
    pub fn stage(&self, number: u8) -> Option<&Stage> {
        self.stages.get(usize::from(number).checked_sub(1)?)
    }

    pub fn last_stage(&self) -> u8 {
        // Validation guarantees between 1 and MAX_STAGES stages.
        u8::try_from(self.stages.len()).unwrap_or(u8::MAX)
    }

    pub fn form(&self, id: &str) -> Option<&Form> {
        self.forms.iter().find(|f| f.id == id)
    }

    pub fn notification(&self, id: &str) -> Option<&NotificationRule> {
        self.notifications.iter().find(|n| *n.id == *id)
    }

    /// The body an escalation notifies: the one it chose, or the procedure's only one.
    pub fn notified_body(&self, chosen: Option<&str>) -> Option<&Partnership> {
        chosen
            .and_then(|id| self.find_partnership(id))
            .or_else(|| (self.partnerships.len() == 1).then(|| &self.partnerships[0]))
    }

    /// Finds a partnership body by id or name, case-insensitively.
    pub fn find_partnership(&self, text: &str) -> Option<&Partnership> {
        let wanted = text.trim().to_lowercase();
        self.partnerships
            .iter()
            .find(|p| p.id.to_lowercase() == wanted || p.name.to_lowercase() == wanted)
    }
}

/// One problem in a procedure file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureError {
    /// The file (or built-in name) the problem is in.
    pub origin: String,
    pub line: Option<usize>,
    pub field: String,
    pub message: String,
}

impl fmt::Display for ProcedureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(
                f,
                "{}:{}: {}: {}",
                self.origin, line, self.field, self.message
            ),
            None => write!(f, "{}: {}: {}", self.origin, self.field, self.message),
        }
    }
}

/// Every problem found in one or more procedure files, one a line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ProcedureErrors(pub Vec<ProcedureError>);

impl fmt::Display for ProcedureErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

/// The most stages a procedure may have; documents use three to five.
pub const MAX_STAGES: usize = 9;

// ---- The TOML shape ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProcedure {
    id: Spanned<String>,
    title: String,
    source: String,
    summary: Option<String>,
    day_one: Option<Spanned<String>>,
    immediate_risk: Option<RawImmediateRisk>,
    #[serde(default)]
    partnerships: Vec<RawPartnership>,
    #[serde(default)]
    forms: Vec<RawForm>,
    #[serde(default)]
    stages: Vec<RawStage>,
    #[serde(default)]
    clocks: Vec<RawClock>,
    #[serde(default)]
    notifications: Vec<RawNotification>,
}

/// `immediate_risk = "advice"`, or a table with the advice and the clock.
enum RawImmediateRisk {
    Advice(String),
    Rule(RawImmediateRiskRule),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawImmediateRiskRule {
    advice: Option<String>,
    name: Option<String>,
    from: Option<Spanned<String>>,
    timescale: Option<Spanned<Timescale>>,
    out_of_hours: Option<String>,
    stage: Option<Spanned<u32>>,
    #[serde(default)]
    met_by: Vec<Spanned<String>>,
}

impl<'de> Deserialize<'de> for RawImmediateRisk {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RiskVisitor;
        impl<'de> serde::de::Visitor<'de> for RiskVisitor {
            type Value = RawImmediateRisk;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("the advice as text, or a table: [immediate_risk] with advice, name, timescale, from, out_of_hours, stage, met_by")
            }
            fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(RawImmediateRisk::Advice(text.to_owned()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                // Reading the table through the same map keeps the line of every field.
                RawImmediateRiskRule::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RawImmediateRisk::Rule)
            }
        }
        deserializer.deserialize_any(RiskVisitor)
    }
}

/// One recipient, or several.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawRecipients {
    One(String),
    Several(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPartnership {
    id: Spanned<String>,
    name: String,
    contact: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    id: Spanned<String>,
    title: String,
    intro: Option<String>,
    note: Option<String>,
    #[serde(default)]
    fields: Vec<RawField>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawField {
    id: Spanned<String>,
    label: Spanned<String>,
    source: Spanned<String>,
    section: Option<String>,
    columns: Option<Spanned<Vec<String>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStage {
    number: Option<Spanned<u32>>,
    name: String,
    who: String,
    guidance: Option<String>,
    #[serde(default)]
    may_skip_to: Option<Spanned<bool>>,
    #[serde(default)]
    clocks: Vec<RawClock>,
    #[serde(default)]
    notifications: Vec<RawNotification>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawClock {
    id: Spanned<String>,
    name: String,
    from: Spanned<String>,
    provisional_from: Option<Spanned<String>>,
    timescale: Spanned<Timescale>,
    #[serde(default)]
    met_by: Vec<Spanned<String>>,
    form: Option<Spanned<String>>,
    #[serde(default)]
    reason_if_late: bool,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNotification {
    id: Spanned<String>,
    name: String,
    form: Option<Spanned<String>>,
    recipient: Spanned<RawRecipients>,
    on: Spanned<String>,
    from: Option<Spanned<String>>,
    stages: Option<Spanned<Vec<u32>>>,
    timescale: Option<Spanned<Timescale>>,
    note: Option<String>,
}

/// Collects problems with the place they were found.
struct Checker<'a> {
    origin: &'a str,
    text: &'a str,
    errors: Vec<ProcedureError>,
}

impl Checker<'_> {
    fn line_of(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn at<T>(
        &mut self,
        spanned: &Spanned<T>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        let line = self.line_of(spanned.span().start);
        self.errors.push(ProcedureError {
            origin: self.origin.to_owned(),
            line: Some(line),
            field: field.into(),
            message: message.into(),
        });
    }

    fn nowhere(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(ProcedureError {
            origin: self.origin.to_owned(),
            line: None,
            field: field.into(),
            message: message.into(),
        });
    }

    fn check_id(&mut self, id: &Spanned<String>, field: &str) {
        let value = id.get_ref();
        let fine = !value.is_empty()
            && value.len() <= 64
            && value
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !value.starts_with('-');
        if !fine {
            self.at(
                id,
                field,
                format!("\"{}\" is not a usable id; use lower-case letters, digits and hyphens, e.g. \"appendix-2\"", printable(value)),
            );
        }
    }

    fn check_unique<'s>(
        &mut self,
        ids: impl IntoIterator<Item = &'s Spanned<String>>,
        field: &str,
        what: &str,
    ) {
        let mut seen = BTreeSet::new();
        for id in ids {
            if !seen.insert(id.get_ref().clone()) {
                self.at(
                    id,
                    field,
                    format!(
                        "duplicate {what} id \"{}\"; each must be unique",
                        printable(id.get_ref())
                    ),
                );
            }
        }
    }
}

/// Shows a value from a file safely in an error message (no control characters reach a terminal).
fn printable(text: &str) -> String {
    text.chars().flat_map(char::escape_debug).take(80).collect()
}

/// The field named on an error's line: the key before `=`, or the table header.
fn field_on_line(text: &str, line: usize) -> String {
    let Some(source) = text.lines().nth(line.saturating_sub(1)) else {
        return "file".to_owned();
    };
    let source = source.trim();
    if source.starts_with('[') {
        return source
            .trim_matches(|c| c == '[' || c == ']')
            .trim()
            .to_owned();
    }
    match source.split_once('=') {
        Some((key, _)) if !key.trim().is_empty() => printable(key.trim()),
        _ => "file".to_owned(),
    }
}

/// Reads and checks one procedure file. `origin` names it in errors (a path, or the built-in name).
pub fn parse_procedure(origin: &str, text: &str) -> Result<Procedure, ProcedureErrors> {
    let mut checker = Checker {
        origin,
        text,
        errors: Vec::new(),
    };
    let raw: RawProcedure = match toml::from_str(text) {
        Ok(raw) => raw,
        Err(error) => {
            let line = error.span().map(|span| checker.line_of(span.start));
            let field = line.map_or_else(|| "file".to_owned(), |l| field_on_line(text, l));
            let message = error.message().trim().replace('\n', "; ");
            return Err(ProcedureErrors(vec![ProcedureError {
                origin: origin.to_owned(),
                line,
                field,
                message,
            }]));
        }
    };
    let procedure = build(&mut checker, raw);
    if checker.errors.is_empty() {
        Ok(procedure)
    } else {
        Err(ProcedureErrors(checker.errors))
    }
}

fn non_empty(checker: &mut Checker<'_>, value: &str, field: &str) {
    if value.trim().is_empty() {
        checker.nowhere(field, "must not be empty");
    }
}

fn build(checker: &mut Checker<'_>, raw: RawProcedure) -> Procedure {
    checker.check_id(&raw.id, "id");
    non_empty(checker, &raw.title, "title");
    non_empty(checker, &raw.source, "source");

    // A procedure with no partnership to notify is valid: a notification may not then go to
    // "partnership" (checked with the notifications).
    let day_one = match &raw.day_one {
        None => Occurrence::ConcernArose,
        Some(text) => match text.get_ref().as_str() {
            "concern" => Occurrence::ConcernArose,
            "raised" => Occurrence::Raised,
            other => {
                checker.at(
                    text,
                    "day_one",
                    format!(
                        "\"{}\" is not a day 1; use \"concern\" (the date the concern arose) or \"raised\" (the date the escalation was raised)",
                        printable(other)
                    ),
                );
                Occurrence::ConcernArose
            }
        },
    };
    for p in &raw.partnerships {
        checker.check_id(&p.id, "partnerships.id");
    }
    checker.check_unique(
        raw.partnerships.iter().map(|p| &p.id),
        "partnerships.id",
        "partnership",
    );
    for f in &raw.forms {
        checker.check_id(&f.id, "forms.id");
    }
    checker.check_unique(raw.forms.iter().map(|f| &f.id), "forms.id", "form");
    let form_ids: BTreeSet<String> = raw.forms.iter().map(|f| f.id.get_ref().clone()).collect();

    if raw.stages.is_empty() || raw.stages.len() > MAX_STAGES {
        checker.nowhere(
            "stages",
            format!(
                "a procedure needs between 1 and {MAX_STAGES} stages, not {}",
                raw.stages.len()
            ),
        );
    }
    let stage_count = raw.stages.len().min(MAX_STAGES);

    // Notifications: stage-level ones belong to their stage; all ids are unique in the procedure.
    let mut raw_notifications: Vec<(Option<u8>, RawNotification)> =
        raw.notifications.into_iter().map(|n| (None, n)).collect();
    let mut raw_stages = Vec::with_capacity(raw.stages.len());
    for (index, mut stage) in raw.stages.into_iter().enumerate() {
        let number = u8::try_from(index + 1).unwrap_or(u8::MAX);
        raw_notifications.extend(stage.notifications.drain(..).map(|n| (Some(number), n)));
        raw_stages.push((number, stage));
    }
    checker.check_unique(
        raw_notifications.iter().map(|(_, n)| &n.id),
        "notifications.id",
        "notification",
    );
    let notification_ids: BTreeSet<String> = raw_notifications
        .iter()
        .map(|(_, n)| n.id.get_ref().clone())
        .collect();

    let clock_ids: BTreeSet<String> = raw_stages
        .iter()
        .flat_map(|(_, stage)| stage.clocks.iter())
        .chain(raw.clocks.iter())
        .map(|c| c.id.get_ref().clone())
        .collect();
    let context = RefContext {
        forms: &form_ids,
        notifications: &notification_ids,
        clocks: &clock_ids,
        day_one: &day_one,
        stage_count,
        has_partnership: !raw.partnerships.is_empty(),
    };

    let mut stages = Vec::with_capacity(raw_stages.len());
    for (number, stage) in raw_stages {
        let field = format!("stages[{}]", number - 1);
        if let Some(given) = &stage.number
            && *given.get_ref() != u32::from(number)
        {
            checker.at(
                given,
                format!("{field}.number"),
                format!(
                    "stage {} is listed in position {number}; stages are numbered in order from 1",
                    given.get_ref()
                ),
            );
        }
        non_empty(checker, &stage.name, &format!("{field}.name"));
        let may_skip_to = stage.may_skip_to.as_ref().is_some_and(|m| *m.get_ref());
        if let Some(flag) = &stage.may_skip_to
            && *flag.get_ref()
            && number == 1
        {
            checker.at(
                flag,
                format!("{field}.may_skip_to"),
                "every escalation starts at stage 1; may_skip_to belongs on a later stage",
            );
        }
        checker.check_unique(
            stage.clocks.iter().map(|c| &c.id),
            &format!("{field}.clocks.id"),
            "clock",
        );
        let clocks = stage
            .clocks
            .into_iter()
            .map(|c| {
                build_clock(
                    checker,
                    c,
                    &format!("{field}.clocks"),
                    Some(number),
                    &context,
                )
            })
            .collect();
        stages.push(Stage {
            number,
            name: stage.name,
            who: stage.who,
            guidance: stage.guidance,
            may_skip_to,
            clocks,
        });
    }

    checker.check_unique(raw.clocks.iter().map(|c| &c.id), "clocks.id", "clock");
    let clocks = raw
        .clocks
        .into_iter()
        .map(|c| build_clock(checker, c, "clocks", None, &context))
        .collect();

    let notifications = raw_notifications
        .into_iter()
        .map(|(stage, n)| build_notification(checker, n, stage, stage_count, &context))
        .collect();

    let (immediate_risk, immediate) = build_immediate(checker, raw.immediate_risk, &context);

    Procedure {
        id: raw.id.into_inner(),
        title: raw.title,
        source: raw.source,
        summary: raw.summary,
        immediate_risk,
        immediate,
        day_one,
        partnerships: raw
            .partnerships
            .into_iter()
            .map(|p| Partnership {
                id: p.id.into_inner(),
                name: p.name.into(),
                contact: p.contact.map(Into::into),
            })
            .collect(),
        forms: build_forms(checker, raw.forms, stage_count),
        stages,
        clocks,
        notifications,
    }
}

/// Checks each form's fields: a usable id unique in the form, a label, and a source from
/// [`super::form::SOURCES`] (a table's source with as many `columns` as it gives).
fn build_forms(checker: &mut Checker<'_>, raw: Vec<RawForm>, stage_count: usize) -> Vec<Form> {
    use super::form::Source;
    raw.into_iter()
        .map(|f| {
            let form_id = f.id.into_inner();
            let at = |field: &str| format!("forms[{form_id}].fields.{field}");
            checker.check_unique(f.fields.iter().map(|x| &x.id), &at("id"), "field");
            let fields = f
                .fields
                .into_iter()
                .filter_map(|x| {
                    checker.check_id(&x.id, &at("id"));
                    if x.label.get_ref().trim().is_empty() {
                        checker.at(&x.label, at("label"), "must not be empty; give the document's words");
                    }
                    let Some(source) = Source::parse(x.source.get_ref().trim(), stage_count) else {
                        checker.at(
                            &x.source,
                            at(&format!("{}.source", x.id.get_ref())),
                            format!(
                                "unknown source \"{}\"; use one of: {}",
                                printable(x.source.get_ref()),
                                Source::words()
                            ),
                        );
                        return None;
                    };
                    let columns = x.columns.as_ref().map(|c| c.get_ref().clone()).unwrap_or_default();
                    if !source.fits_columns(columns.len()) {
                        let message = if source.columns() == 0 {
                            "only a table's source (actions.plan, meeting.attendees) takes columns; remove them".to_owned()
                        } else {
                            format!("{} gives a table: name its {} columns, e.g. columns = [\"Action\", \"Person responsible\", \"Completion date\"]", x.source.get_ref(), source.columns())
                        };
                        match &x.columns {
                            Some(c) => checker.at(c, at(&format!("{}.columns", x.id.get_ref())), message),
                            None => checker.at(&x.source, at(&format!("{}.columns", x.id.get_ref())), message),
                        }
                    }
                    Some(FormField {
                        id: x.id.into_inner(),
                        label: x.label.into_inner(),
                        section: x.section,
                        source,
                        columns,
                    })
                })
                .collect();
            Form {
                id: form_id,
                title: f.title,
                intro: f.intro,
                note: f.note,
                fields,
            }
        })
        .collect()
}

struct RefContext<'a> {
    forms: &'a BTreeSet<String>,
    notifications: &'a BTreeSet<String>,
    /// Every clock id in the procedure, for `missed:ID`.
    clocks: &'a BTreeSet<String>,
    day_one: &'a Occurrence,
    stage_count: usize,
    has_partnership: bool,
}

const ANCHORS: &str = "concern, raised, stage_entered, discussion, meeting, agreement, immediate_risk or notification:ID";
const COMPLETIONS: &str =
    "raised, advanced, resolved, discussion, meeting, agreement, stage:N or notification:ID";
const TRIGGERS: &str = "stage_entered, stage:N, resolved, agreement, meeting, discussion, immediate_risk or missed:CLOCK";
const NOTIFICATION_ANCHORS: &str =
    "concern, raised, discussion, meeting, agreement, immediate_risk or notification:ID";

/// Reads the immediate-risk rule: the advice, the clock, and any fast track.
fn build_immediate(
    checker: &mut Checker<'_>,
    raw: Option<RawImmediateRisk>,
    context: &RefContext<'_>,
) -> (String, ImmediateRiskRule) {
    let rule = match raw {
        None => None,
        Some(RawImmediateRisk::Advice(advice)) => {
            return (advice, default_immediate_rule());
        }
        Some(RawImmediateRisk::Rule(rule)) => Some(rule),
    };
    let Some(rule) = rule else {
        return (DEFAULT_IMMEDIATE_RISK.to_owned(), default_immediate_rule());
    };
    let field = "immediate_risk";
    let from = rule.from.as_ref().map_or(Occurrence::ConcernArose, |from| {
        occurrence(
            checker,
            from,
            &format!("{field}.from"),
            |o| matches!(o, Occurrence::ConcernArose | Occurrence::Raised),
            "concern or raised",
            context,
        )
        .unwrap_or(Occurrence::ConcernArose)
    });
    let mut met_by: Vec<Occurrence> = rule
        .met_by
        .iter()
        .filter_map(|m| {
            occurrence(
                checker,
                m,
                &format!("{field}.met_by"),
                |o| {
                    !matches!(
                        o,
                        Occurrence::ConcernArose
                            | Occurrence::StageEntered
                            | Occurrence::Advanced
                            | Occurrence::ImmediateRisk
                            | Occurrence::Missed(_)
                    )
                },
                COMPLETIONS,
                context,
            )
        })
        .collect();
    let mut fast_track_stage = None;
    if let Some(stage) = &rule.stage {
        let n = *stage.get_ref();
        match u8::try_from(n) {
            Ok(n) if n >= 2 && usize::from(n) <= context.stage_count => {
                fast_track_stage = Some(n);
                met_by.push(Occurrence::StageReached(n));
            }
            _ => checker.at(
                stage,
                format!("{field}.stage"),
                format!(
                    "a fast track to stage {n}, but this procedure has stages 1 to {}; name a later stage that exists",
                    context.stage_count
                ),
            ),
        }
    }
    let (timescale, is_app_default) = match &rule.timescale {
        Some(t) => {
            check_day_numbering(checker, t, &from, &format!("{field}.timescale"), context);
            (*t.get_ref(), false)
        }
        None => (Timescale::Immediately, true),
    };
    let clock = ClockRule {
        id: crate::core::deadline::IMMEDIATE_RISK_KEY.into(),
        key: crate::core::deadline::IMMEDIATE_RISK_KEY.into(),
        name: rule
            .name
            .unwrap_or_else(|| DEFAULT_IMMEDIATE_RISK_CLOCK.to_owned())
            .into(),
        from,
        provisional_from: None,
        timescale,
        met_by,
        form: None,
        reason_if_late: false,
        note: None,
    };
    (
        rule.advice
            .unwrap_or_else(|| DEFAULT_IMMEDIATE_RISK.to_owned()),
        ImmediateRiskRule {
            clock,
            out_of_hours: rule.out_of_hours,
            fast_track_stage,
            is_app_default,
        },
    )
}

/// The immediate-risk rule of a procedure whose documents set none: due immediately, from the
/// concern arising. Nothing is later than now, so nothing can be later than a document allows.
fn default_immediate_rule() -> ImmediateRiskRule {
    ImmediateRiskRule {
        clock: ClockRule {
            id: crate::core::deadline::IMMEDIATE_RISK_KEY.into(),
            key: crate::core::deadline::IMMEDIATE_RISK_KEY.into(),
            name: DEFAULT_IMMEDIATE_RISK_CLOCK.into(),
            from: Occurrence::ConcernArose,
            provisional_from: None,
            timescale: Timescale::Immediately,
            met_by: Vec::new(),
            form: None,
            reason_if_late: false,
            note: None,
        },
        out_of_hours: None,
        fast_track_stage: None,
        is_app_default: true,
    }
}

/// A `by_day` timescale counts the escalation's numbered days, so it must count from the
/// procedure's day 1; from anything else it would silently miscount.
fn check_day_numbering(
    checker: &mut Checker<'_>,
    timescale: &Spanned<Timescale>,
    from: &Occurrence,
    field: &str,
    context: &RefContext<'_>,
) {
    if timescale.get_ref().is_day_numbered() && from != context.day_one {
        checker.at(
            timescale,
            field,
            format!(
                "\"{}\" counts the escalation's numbered days from day 1 ({}), but this counts from \"{from}\"; use {{ calendar_days = N }} to count days from {}, or from = \"{}\"{}",
                timescale.get_ref(),
                context.day_one.describe(),
                from.describe(),
                context.day_one,
                if *from == Occurrence::Raised {
                    " (or, if the document numbers its days from the raise, day_one = \"raised\")"
                } else {
                    ""
                }
            ),
        );
    }
}

fn occurrence(
    checker: &mut Checker<'_>,
    value: &Spanned<String>,
    field: &str,
    allowed: impl Fn(&Occurrence) -> bool,
    list: &str,
    context: &RefContext<'_>,
) -> Option<Occurrence> {
    match Occurrence::parse(value.get_ref()) {
        Some(Occurrence::StageReached(n)) if n < 1 || usize::from(n) > context.stage_count => {
            checker.at(
                value,
                field,
                format!(
                    "there is no stage {n}; this procedure has stages 1 to {}",
                    context.stage_count
                ),
            );
            None
        }
        Some(Occurrence::Missed(id)) if !context.clocks.contains(&id) => {
            checker.at(
                value,
                field,
                format!("no clock \"{}\" in this procedure", printable(&id)),
            );
            None
        }
        Some(Occurrence::NotificationSent(id)) if !context.notifications.contains(&id) => {
            checker.at(
                value,
                field,
                format!("no notification \"{}\" in this procedure", printable(&id)),
            );
            None
        }
        Some(o) if allowed(&o) => Some(o),
        _ => {
            checker.at(
                value,
                field,
                format!(
                    "\"{}\" is not allowed here; use {list}",
                    printable(value.get_ref())
                ),
            );
            None
        }
    }
}

fn check_form(
    checker: &mut Checker<'_>,
    form: &Option<Spanned<String>>,
    field: &str,
    context: &RefContext<'_>,
) {
    if let Some(form) = form
        && !context.forms.contains(form.get_ref())
    {
        checker.at(
            form,
            field,
            format!(
                "no form \"{}\" in this procedure; add it under [[forms]] or fix the id",
                printable(form.get_ref())
            ),
        );
    }
}

fn build_clock(
    checker: &mut Checker<'_>,
    raw: RawClock,
    field: &str,
    stage: Option<u8>,
    context: &RefContext<'_>,
) -> ClockRule {
    let in_stage = stage.is_some();
    checker.check_id(&raw.id, &format!("{field}.id"));
    let anchor_ok = |o: &Occurrence| {
        !matches!(
            o,
            Occurrence::Advanced
                | Occurrence::Resolved
                | Occurrence::StageReached(_)
                | Occurrence::Missed(_)
        ) && (in_stage || *o != Occurrence::StageEntered)
    };
    let from = occurrence(
        checker,
        &raw.from,
        &format!("{field}.from"),
        anchor_ok,
        ANCHORS,
        context,
    );
    let provisional_from = raw.provisional_from.as_ref().and_then(|p| {
        occurrence(
            checker,
            p,
            &format!("{field}.provisional_from"),
            anchor_ok,
            ANCHORS,
            context,
        )
    });
    let met_by = raw
        .met_by
        .iter()
        .filter_map(|m| {
            let ok = |o: &Occurrence| {
                !matches!(
                    o,
                    Occurrence::ConcernArose
                        | Occurrence::StageEntered
                        | Occurrence::ImmediateRisk
                        | Occurrence::Missed(_)
                ) && (in_stage || *o != Occurrence::Advanced)
            };
            occurrence(
                checker,
                m,
                &format!("{field}.met_by"),
                ok,
                COMPLETIONS,
                context,
            )
        })
        .collect();
    check_form(checker, &raw.form, &format!("{field}.form"), context);
    if let Some(from) = &from {
        check_day_numbering(
            checker,
            &raw.timescale,
            from,
            &format!("{field}.timescale"),
            context,
        );
    }
    if let Some(provisional) = &provisional_from
        && raw.timescale.get_ref().is_day_numbered()
    {
        check_day_numbering(
            checker,
            &raw.timescale,
            provisional,
            &format!("{field}.timescale"),
            context,
        );
    }
    let id = raw.id.into_inner();
    ClockRule {
        key: match stage {
            Some(stage) => format!("s{stage}.{id}").into(),
            None => id.as_str().into(),
        },
        id: id.into(),
        name: raw.name.into(),
        from: from.unwrap_or(Occurrence::Raised),
        provisional_from,
        timescale: raw.timescale.into_inner(),
        met_by,
        form: raw.form.map(|f| f.into_inner().into()),
        reason_if_late: raw.reason_if_late,
        note: raw.note,
    }
}

fn build_notification(
    checker: &mut Checker<'_>,
    raw: RawNotification,
    stage: Option<u8>,
    stage_count: usize,
    context: &RefContext<'_>,
) -> NotificationRule {
    let field = match stage {
        Some(n) => format!("stages[{}].notifications", n - 1),
        None => "notifications".to_owned(),
    };
    checker.check_id(&raw.id, &format!("{field}.id"));
    let trigger_ok = |o: &Occurrence| {
        matches!(
            o,
            Occurrence::StageEntered
                | Occurrence::StageReached(_)
                | Occurrence::Resolved
                | Occurrence::Agreement
                | Occurrence::Meeting
                | Occurrence::Discussion
                | Occurrence::ImmediateRisk
                | Occurrence::Missed(_)
        )
    };
    let on = occurrence(
        checker,
        &raw.on,
        &format!("{field}.on"),
        trigger_ok,
        TRIGGERS,
        context,
    );
    let from = raw.from.as_ref().and_then(|from| {
        occurrence(
            checker,
            from,
            &format!("{field}.from"),
            |o| {
                matches!(
                    o,
                    Occurrence::ConcernArose
                        | Occurrence::Raised
                        | Occurrence::Discussion
                        | Occurrence::Meeting
                        | Occurrence::Agreement
                        | Occurrence::ImmediateRisk
                        | Occurrence::NotificationSent(_)
                )
            },
            NOTIFICATION_ANCHORS,
            context,
        )
    });
    if let (Some(timescale), Some(anchor)) = (&raw.timescale, from.as_ref().or(on.as_ref())) {
        check_day_numbering(
            checker,
            timescale,
            anchor,
            &format!("{field}.timescale"),
            context,
        );
    }
    let mut stages = Vec::new();
    if let Some(listed) = &raw.stages {
        if stage.is_some() {
            checker.at(listed, format!("{field}.stages"), "a notification inside a stage belongs to that stage; move it to the top-level [[notifications]] to list stages");
        }
        for &n in listed.get_ref() {
            match u8::try_from(n) {
                Ok(n) if n >= 1 && usize::from(n) <= stage_count => stages.push(n),
                _ => checker.at(
                    listed,
                    format!("{field}.stages"),
                    format!("there is no stage {n}; this procedure has {stage_count}"),
                ),
            }
        }
    }
    stages.extend(stage);
    check_form(checker, &raw.form, &format!("{field}.form"), context);
    let names = match raw.recipient.get_ref() {
        RawRecipients::One(name) => vec![name.clone()],
        RawRecipients::Several(names) => names.clone(),
    };
    if names.is_empty() {
        checker.at(
            &raw.recipient,
            format!("{field}.recipient"),
            "name at least one recipient",
        );
    }
    let mut recipients = Vec::with_capacity(names.len());
    for name in names {
        if name.trim().is_empty() {
            checker.at(
                &raw.recipient,
                format!("{field}.recipient"),
                "a recipient must not be empty",
            );
        } else if name.trim() == "partnership" {
            if !context.has_partnership {
                checker.at(
                    &raw.recipient,
                    format!("{field}.recipient"),
                    "\"partnership\" names the partnership chosen for the escalation, but this procedure has no [[partnerships]]; add one or name the recipient",
                );
            }
            recipients.push(Recipient::Partnership);
        } else {
            recipients.push(Recipient::Named(name.into()));
        }
    }
    NotificationRule {
        id: raw.id.into_inner().into(),
        name: raw.name.into(),
        form: raw.form.map(|f| f.into_inner().into()),
        recipients,
        on: on.unwrap_or(Occurrence::StageEntered),
        from,
        stages,
        timescale: raw.timescale.map(Spanned::into_inner),
        note: raw.note,
    }
}

/// One procedure file to load: where it came from and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub origin: String,
    pub text: String,
}

/// The procedures in use: the built-ins, with user files adding to them or overriding them by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcedureSet {
    procedures: BTreeMap<String, (Procedure, String)>,
}

impl ProcedureSet {
    /// The built-in procedures alone.
    pub fn builtin() -> Self {
        // The built-in files are checked by the test suite; a failure here is a build defect.
        Self::load(&[]).expect("the built-in procedures are valid")
    }

    /// The built-ins plus `user` files. A user file whose id matches a built-in replaces it; two
    /// user files with one id are refused, naming both. Every problem in every file is reported.
    pub fn load(user: &[Source]) -> Result<Self, ProcedureErrors> {
        let mut procedures = BTreeMap::new();
        let mut errors = Vec::new();
        for (name, text) in BUILTIN {
            let origin = format!("built-in {name}");
            match parse_procedure(&origin, text) {
                Ok(p) => {
                    procedures.insert(p.id.clone(), (p, origin));
                }
                Err(e) => errors.extend(e.0),
            }
        }
        let mut from_user: BTreeMap<String, String> = BTreeMap::new();
        for source in user {
            match parse_procedure(&source.origin, &source.text) {
                Ok(p) => {
                    if let Some(first) = from_user.get(&p.id) {
                        errors.push(ProcedureError {
                            origin: source.origin.clone(),
                            line: line_of_id(&source.text),
                            field: "id".to_owned(),
                            message: format!("duplicate procedure id \"{}\", already defined in {first}; rename one or remove it", p.id),
                        });
                        continue;
                    }
                    from_user.insert(p.id.clone(), source.origin.clone());
                    procedures.insert(p.id.clone(), (p, source.origin.clone()));
                }
                Err(e) => errors.extend(e.0),
            }
        }
        if errors.is_empty() {
            Ok(Self { procedures })
        } else {
            Err(ProcedureErrors(errors))
        }
    }

    pub fn get(&self, id: &str) -> Option<&Procedure> {
        self.procedures.get(id).map(|(p, _)| p)
    }

    /// Where a procedure came from: `built-in NAME.toml` or a file path.
    pub fn origin(&self, id: &str) -> Option<&str> {
        self.procedures.get(id).map(|(_, o)| o.as_str())
    }

    /// Every procedure, ordered by id.
    pub fn iter(&self) -> impl Iterator<Item = &Procedure> {
        self.procedures.values().map(|(p, _)| p)
    }

    pub fn ids(&self) -> Vec<&str> {
        self.procedures.keys().map(String::as_str).collect()
    }
}

fn line_of_id(text: &str) -> Option<usize> {
    text.lines()
        .position(|l| l.trim_start().starts_with("id"))
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r#"
id = "tiny"
title = "Tiny"
source = "test"

[[partnerships]]
id = "p"
name = "P"

[[forms]]
id = "f"
title = "F"

[[stages]]
name = "One"
who = "practitioners"

[[stages.clocks]]
id = "resolve"
name = "Resolve"
from = "stage_entered"
timescale = { working_days = 5 }
met_by = ["resolved"]
"#;

    fn errors(text: &str) -> Vec<String> {
        parse_procedure("t.toml", text)
            .unwrap_err()
            .0
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn minimal_procedure_reads() {
        let p = parse_procedure("t.toml", MINIMAL).unwrap();
        assert_eq!(p.stages.len(), 1);
        assert_eq!(p.stages[0].clocks[0].timescale, Timescale::WorkingDays(5));
        assert_eq!(p.immediate_risk, DEFAULT_IMMEDIATE_RISK);
    }

    #[test]
    fn unknown_timescale_names_file_line_and_field() {
        let text = MINIMAL.replace("{ working_days = 5 }", "{ fortnights = 1 }");
        let errs = errors(&text);
        assert_eq!(errs.len(), 1);
        assert!(errs[0].starts_with("t.toml:22: timescale: "), "{}", errs[0]);
        assert!(
            errs[0].contains("unknown timescale \"fortnights\""),
            "{}",
            errs[0]
        );
    }

    #[test]
    fn missing_form_and_bad_reference_are_all_reported() {
        let text = MINIMAL.replace(
            "met_by = [\"resolved\"]",
            "met_by = [\"notification:nope\"]\nform = \"appendix-9\"",
        );
        let errs = errors(&text);
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(
            errs.iter()
                .any(|e| e.contains(":23: stages[0].clocks.met_by: no notification \"nope\"")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.contains(":24: stages[0].clocks.form: no form \"appendix-9\"")),
            "{errs:?}"
        );
    }

    #[test]
    fn duplicate_ids_are_refused() {
        let text = format!("{MINIMAL}\n[[forms]]\nid = \"f\"\ntitle = \"again\"\n");
        let errs = errors(&text);
        assert!(
            errs.iter().any(|e| e.contains("duplicate form id \"f\"")),
            "{errs:?}"
        );
    }

    #[test]
    fn unknown_field_is_named() {
        let text = MINIMAL.replace(
            "who = \"practitioners\"",
            "who = \"practitioners\"\nwhom = \"x\"",
        );
        let errs = errors(&text);
        assert!(
            errs[0].contains(":17: whom: unknown field `whom`"),
            "{errs:?}"
        );
    }

    #[test]
    fn stage_entered_is_refused_for_escalation_clocks() {
        let text = format!(
            "{MINIMAL}\n[[clocks]]\nid = \"x\"\nname = \"X\"\nfrom = \"stage_entered\"\ntimescale = \"1 hour\"\n"
        );
        let errs = errors(&text);
        assert!(
            errs.iter()
                .any(|e| e.contains("clocks.from: \"stage_entered\" is not allowed here")),
            "{errs:?}"
        );
    }

    #[test]
    fn user_files_override_builtins_but_not_each_other() {
        let copy = MINIMAL.replace("id = \"tiny\"", "id = \"barnet\"");
        let set = ProcedureSet::load(&[Source {
            origin: "mine.toml".into(),
            text: copy.clone(),
        }])
        .unwrap();
        assert_eq!(set.get("barnet").unwrap().title, "Tiny");
        assert_eq!(set.origin("barnet"), Some("mine.toml"));
        let twice = [
            Source {
                origin: "a.toml".into(),
                text: copy.clone(),
            },
            Source {
                origin: "b.toml".into(),
                text: copy,
            },
        ];
        let err = ProcedureSet::load(&twice).unwrap_err().to_string();
        assert!(
            err.contains("b.toml") && err.contains("already defined in a.toml"),
            "{err}"
        );
    }

    #[test]
    fn builtins_load() {
        let set = ProcedureSet::builtin();
        assert_eq!(
            set.ids(),
            ["barnet", "london", "pan-bedfordshire", "staffordshire"]
        );
    }
}
