//! The case record: what an escalation holds, the rules every entry must pass, and the history
//! the deadline engine reads from it.
//!
//! The fields follow the source forms (Pan Bedfordshire Appendices 1 to 5, the Staffordshire
//! escalation form). Validation is pure and shared: the command line and the dashboard's forms
//! call the same functions, with `now` passed in, so they refuse the same things in the same
//! words. Nothing here stores anything; `storage` does that.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use super::calendar::local_date;
use super::deadline::{Event, EventKind};
use super::procedure::Procedure;

/// Why an entry was refused, worded for the person typing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct RecordError {
    pub field: String,
    pub message: String,
}

impl RecordError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The longest single-line entry (a name, an agency) and the longest multi-line one (notes).
pub const MAX_LINE_CHARS: usize = 200;
pub const MAX_TEXT_CHARS: usize = 20_000;

/// Checks and tidies typed text. Leading and trailing spaces are dropped and Windows line ends
/// become `\n`; control characters and escape sequences are refused (newlines and tabs are fine
/// in multi-line fields), and so are layout controls ([`is_layout_control`]: bidi overrides,
/// the byte order mark) and, in one-line fields, invisible characters ([`is_invisible`]). Everything else (accents, wide characters, combining marks,
/// right-to-left scripts) is kept exactly.
pub fn clean_text(field: &str, value: &str, is_multiline: bool) -> Result<String, RecordError> {
    let value = value.replace("\r\n", "\n");
    let value = value.trim();
    if let Some(c) = value
        .chars()
        .find(|&c| c.is_control() && !(is_multiline && (c == '\n' || c == '\t')))
    {
        let what = if c == '\u{1b}' {
            "an escape sequence".to_owned()
        } else if c == '\n' {
            "a line break".to_owned()
        } else {
            format!("a control character (U+{:04X})", u32::from(c))
        };
        let hint = if c == '\n' {
            "; keep it to one line"
        } else {
            "; remove it"
        };
        return Err(RecordError::new(field, format!("contains {what}{hint}")));
    }
    let chars: Vec<char> = value.chars().collect();
    let refused = chars.iter().enumerate().find_map(|(i, &c)| {
        let is_refused = is_layout_control(c)
            || (!is_multiline
                && is_invisible(c)
                && !is_script_joiner(c, i.checked_sub(1).map(|p| chars[p]), chars.get(i + 1)));
        is_refused.then_some(c)
    });
    if let Some(c) = refused {
        let what = if is_layout_control(c) {
            "a character that changes the direction or layout of text"
        } else {
            "an invisible character"
        };
        return Err(RecordError::new(
            field,
            format!(
                "contains {what} (U+{:04X}); remove it (retype the text rather than pasting it)",
                u32::from(c)
            ),
        ));
    }
    let limit = if is_multiline {
        MAX_TEXT_CHARS
    } else {
        MAX_LINE_CHARS
    };
    let count = value.chars().count();
    if count > limit {
        return Err(RecordError::new(
            field,
            format!("is {count} characters long; shorten it to {limit} or fewer"),
        ));
    }
    Ok(value.to_owned())
}

/// Like [`clean_text`], and the result must not be empty.
pub fn required_text(field: &str, value: &str, is_multiline: bool) -> Result<String, RecordError> {
    let cleaned = clean_text(field, value, is_multiline)?;
    if cleaned.is_empty() {
        return Err(RecordError::new(field, "is required; it cannot be empty"));
    }
    Ok(cleaned)
}

/// Like [`clean_text`], with empty meaning "not given".
pub fn optional_text(
    field: &str,
    value: Option<&str>,
    is_multiline: bool,
) -> Result<Option<String>, RecordError> {
    match value {
        None => Ok(None),
        Some(v) => Ok(Some(clean_text(field, v, is_multiline)?).filter(|s| !s.is_empty())),
    }
}

/// Characters that change how a terminal lays text out without showing themselves: the
/// bidirectional embeddings, overrides, isolates and marks (which can make `evil.toml` read as
/// `lmot.live`, or reorder a line of a report), the line and paragraph separators, and the byte
/// order mark. [`printable`] shows them escaped and [`clean_text`] refuses them.
pub fn is_layout_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{FEFF}'
    )
}

/// Characters that cannot be seen but make two names differ: zero-width space, non-joiner and
/// joiner, word joiner, soft hyphen. Refused in one-line fields (names, agencies, references),
/// where "Ava Sample" and "Ava\u{200B} Sample" would be two children; kept in notes and
/// summaries, where a joiner belongs to an emoji or a script.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}'
    )
}

/// A zero-width non-joiner or joiner between two letters of a script that writes with them
/// (Persian, Urdu, the Indic scripts: everything from Hebrew on): part of how a name is spelt,
/// as in a Persian name, not a way to make two names of one child differ. Between Latin,
/// Greek or Cyrillic letters, or next to a space, it is still refused.
fn is_script_joiner(c: char, before: Option<char>, after: Option<&char>) -> bool {
    let is_joining_letter = |c: char| c.is_alphabetic() && u32::from(c) >= 0x0590;
    matches!(c, '\u{200C}' | '\u{200D}')
        && before.is_some_and(is_joining_letter)
        && after.is_some_and(|&c| is_joining_letter(c))
}

/// The one escaping rule for everything escalate prints, from storage, a procedure or settings
/// file, or the user's own mistyped input: control characters (which could move the cursor,
/// change colours, set the window title or write the clipboard) and layout controls
/// ([`is_layout_control`]) are shown escaped (`\u{1b}`), never sent raw. Newlines and tabs
/// survive when allowed. Escaping twice changes nothing more.
pub fn printable(text: &str, keep_newlines: bool) -> String {
    if is_plain_ascii(text, keep_newlines) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if (c.is_control() && !(keep_newlines && (c == '\n' || c == '\t'))) || is_layout_control(c)
        {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Whether `text` is printable ASCII throughout (newlines and tabs too, if `keep_newlines`):
/// nothing in it needs escaping, so it can be copied as it is. Most text is, and checking bytes
/// is far cheaper than looking at every character (issue 17: `list --all --json` spent an eighth
/// of its time escaping text that needed none).
pub fn is_plain_ascii(text: &str, keep_newlines: bool) -> bool {
    // Without a branch inside a chunk, so that the compiler checks many bytes at a time (a
    // byte-at-a-time test was a tenth of `list --all --json`, which checks all 400 MiB of it).
    text.as_bytes().chunks(256).all(|chunk| {
        chunk.iter().fold(true, |plain, &b| {
            let printable = (0x20..0x7f).contains(&b);
            let kept = keep_newlines & ((b == b'\n') | (b == b'\t'));
            plain & (printable | kept)
        })
    })
}

/// Hides a child's name in free text for privacy mode, on the dashboard and in every report.
///
/// It knows every spelling the record has held (the name as first recorded and each amended
/// value) and matches them case-insensitively, whole words only: each full spelling becomes the
/// initials (`A.S.`), and then each part of a name on its own (a first name, a surname, or the
/// parts in reverse order) becomes its initial (`S.`). A name part of a single letter is left,
/// since it could be anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redactor {
    /// (spelling in lower case, as chars; what it becomes), longest first.
    spellings: Vec<(Vec<char>, String)>,
}

impl Redactor {
    /// Every spelling of the child's name that `escalation` has held.
    pub fn for_escalation(escalation: &Escalation) -> Self {
        let mut names = vec![escalation.child.name.clone()];
        for amendment in escalation.amendments.iter().filter(|a| a.field == "child") {
            names.extend(amendment.old_value.clone());
            names.extend(amendment.new_value.clone());
        }
        let mut redactor = Self::new(names.iter().map(String::as_str));
        let mut places: Vec<String> = Vec::new();
        for field in ["child-address", "child-postcode"] {
            places.extend(escalation.details.get(field));
            for amendment in escalation.amendments.iter().filter(|a| a.field == field) {
                places.extend(amendment.old_value.clone());
                places.extend(amendment.new_value.clone());
            }
        }
        redactor.hide_places(places.iter().map(String::as_str));
        redactor
    }

    /// Hides each address or postcode whole (and each line of an address on its own) as
    /// `[address withheld]`: an address has no initials worth showing.
    pub fn hide_places<'a>(&mut self, places: impl IntoIterator<Item = &'a str>) {
        for place in places {
            let lines = std::iter::once(place.trim()).chain(place.lines().map(str::trim));
            for text in lines {
                let lower: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
                if lower.iter().filter(|c| c.is_alphanumeric()).count() >= 2
                    && !self.spellings.iter().any(|(s, _)| *s == lower)
                {
                    self.spellings
                        .push((lower, "[address withheld]".to_owned()));
                }
            }
        }
        self.spellings
            .sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
    }

    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let mut spellings: Vec<(Vec<char>, String)> = Vec::new();
        let mut add = |text: &str, shown: String| {
            let lower: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
            if lower.iter().filter(|c| c.is_alphanumeric()).count() >= 2
                && !spellings.iter().any(|(s, _)| *s == lower)
            {
                spellings.push((lower, shown));
            }
        };
        for name in names {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            add(name, initials(name));
            for part in name.split_whitespace() {
                add(
                    part.trim_matches(|c: char| !c.is_alphanumeric()),
                    initials(part),
                );
            }
        }
        spellings.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
        Self { spellings }
    }

    /// `text` with every spelling of the name replaced.
    pub fn apply(&self, text: &str) -> String {
        if self.spellings.is_empty() {
            return text.to_owned();
        }
        // Compare in lower case, char by char; a char whose lower case is longer than one char
        // (rare: İ) simply never matches, and is kept as it was.
        let original: Vec<char> = text.chars().collect();
        let lower: Vec<Option<char>> = original
            .iter()
            .map(|c| {
                let mut l = c.to_lowercase();
                match (l.next(), l.next()) {
                    (Some(one), None) => Some(one),
                    _ => None,
                }
            })
            .collect();
        let is_word = |i: usize| original.get(i).is_some_and(|c| c.is_alphanumeric());
        let mut out = String::with_capacity(text.len());
        let mut i = 0;
        'outer: while i < original.len() {
            if i == 0 || !is_word(i - 1) {
                for (spelling, shown) in &self.spellings {
                    let end = i + spelling.len();
                    if end <= original.len()
                        && lower[i..end]
                            .iter()
                            .zip(spelling)
                            .all(|(l, s)| *l == Some(*s))
                        && !is_word(end)
                    {
                        out.push_str(shown);
                        i = end;
                        continue 'outer;
                    }
                }
            }
            out.push(original[i]);
            i += 1;
        }
        out
    }
}

/// Initials for privacy mode (the dashboard's `p`, the reports' `--privacy`): the first letter
/// or digit of each part of the name, upper-cased, `A.S.`; `?` when there is none.
pub fn initials(name: &str) -> String {
    let letters: Vec<String> = name
        .split_whitespace()
        .filter_map(|word| word.chars().find(|c| c.is_alphanumeric()))
        .map(|c| c.to_uppercase().collect::<String>())
        .collect();
    if letters.is_empty() {
        "?".to_owned()
    } else {
        format!("{}.", letters.join("."))
    }
}

/// A time given for something that has happened may not be later than now.
pub fn not_in_future(
    field: &str,
    at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), RecordError> {
    if at > now {
        return Err(RecordError::new(
            field,
            "is later than now; a record is of something that has happened, so give a time no later than now",
        ));
    }
    Ok(())
}

macro_rules! word_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($variant:ident => $word:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($variant),+ }

        /// Serialised as its word, as typed and as stored.
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl $name {
            pub const ALL: &[Self] = &[$(Self::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $word),+ }
            }

            fn words() -> String {
                [$($word),+].join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        /// Reads the word, ignoring case and treating spaces and underscores as hyphens.
        impl FromStr for $name {
            type Err = RecordError;

            fn from_str(text: &str) -> Result<Self, RecordError> {
                let wanted = text.trim().to_lowercase().replace([' ', '_'], "-");
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == wanted)
                    .ok_or_else(|| RecordError::new($what, format!(
                        "\"{}\" is not one of: {}", printable(text.trim(), false), Self::words()
                    )))
            }
        }
    };
}

word_enum!(
    /// What the disagreement is about.
    Category, "category", {
        Thresholds => "thresholds",
        RolesAndResponsibilities => "roles-and-responsibilities",
        InformationSharing => "information-sharing",
        PlanProgression => "plan-progression",
        CaseConference => "case-conference",
        Communication => "communication",
        Other => "other",
    }
);

word_enum!(
    /// How a discussion took place.
    Mode, "mode", {
        FaceToFace => "face-to-face",
        Phone => "phone",
        Video => "video",
        Email => "email",
        Letter => "letter",
        Meeting => "meeting",
    }
);

word_enum!(
    /// How a notification was sent.
    Method, "method", {
        SecureEmail => "secure-email",
        Email => "email",
        OnlineForm => "online-form",
        Letter => "letter",
        Phone => "phone",
        InPerson => "in-person",
        Other => "other",
    }
);

word_enum!(
    /// The child's current level of need (Pan Bedfordshire Appendix 4, item 7).
    NeedLevel, "need-level", {
        EarlyHelp => "early-help",
        TargetedSupport => "targeted-support",
        ChildInNeed => "child-in-need",
        ChildProtection => "child-protection",
    }
);

impl NeedLevel {
    /// As Appendix 4 words it.
    pub fn label(self) -> &'static str {
        match self {
            Self::EarlyHelp => "Early Help",
            Self::TargetedSupport => "Targeted Support",
            Self::ChildInNeed => "CiN Plan",
            Self::ChildProtection => "Child Protection Plan",
        }
    }
}

/// What the partnership forms ask for beyond the escalation's header (issue 15), each optional:
/// no procedure's clocks depend on them. Appendix 4 asks for the referrer's contact details and
/// manager, the child's address, the level of need and two yes/no questions about the family;
/// Appendix 5 for the stage 4 meeting's chair, attendees and review date.
///
/// Recorded through [`crate::core::change::Request::Details`] (a field not yet recorded) or
/// corrected by an amendment (one already recorded), both insert-only and audited. The child's
/// address and postcode are as sensitive as the name: [`Redactor::for_escalation`] hides them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Details {
    pub referrer_phone: Option<String>,
    pub referrer_email: Option<String>,
    pub referrer_manager: Option<String>,
    pub child_address: Option<String>,
    pub child_postcode: Option<String>,
    pub need_level: Option<NeedLevel>,
    /// Appendix 4, item 11: the child/young person/parent/carer is aware a meeting is taking
    /// place and information may be shared.
    pub family_aware: Option<bool>,
    /// Appendix 4, item 12: they have agreed to be asked for their views.
    pub views_agreed: Option<bool>,
    /// Appendix 5: the stage 4 meeting's chair (role and agency).
    pub meeting_chair: Option<String>,
    /// Appendix 5: the attendees, one a line (name, role and agency).
    pub meeting_attendees: Option<String>,
    /// Appendix 5: the review date, as appropriate.
    pub review_on: Option<NaiveDate>,
}

/// The detail fields, as typed after `--` and stored, with what each holds. The same words name
/// them in `escalate details`, `escalate amend`, the stored rows and the audit trail.
pub const DETAIL_FIELDS: &[(&str, &str)] = &[
    ("referrer-phone", "the referrer's contact number"),
    ("referrer-email", "the referrer's email address"),
    ("referrer-manager", "the referrer's manager"),
    ("child-address", "the child's current address"),
    ("child-postcode", "the child's postcode"),
    (
        "need-level",
        "the child's level of need: early-help, targeted-support, child-in-need or child-protection",
    ),
    (
        "family-aware",
        "the child/young person/parent/carer is aware a meeting is taking place and information may be shared (yes or no)",
    ),
    (
        "views-agreed",
        "they have agreed to be asked for their views (yes or no)",
    ),
    (
        "meeting-chair",
        "the stage 4 meeting's chair (role and agency)",
    ),
    (
        "meeting-attendees",
        "the stage 4 meeting's attendees, one a line: name, role and agency",
    ),
    (
        "review-date",
        "the stage 4 meeting's review date (YYYY-MM-DD)",
    ),
];

/// Whether `field` is one of [`DETAIL_FIELDS`].
pub fn is_detail_field(field: &str) -> bool {
    DETAIL_FIELDS.iter().any(|(name, _)| *name == field)
}

/// Whether a detail field is as private as the child's name (hidden in privacy mode, read from a
/// file on the command line rather than typed where the process list shows it).
pub fn is_sensitive_detail(field: &str) -> bool {
    matches!(field, "child-address" | "child-postcode")
}

/// Checks a typed detail and returns it as stored (`None`: empty, clearing it).
pub fn check_detail(field: &str, value: &str) -> Result<Option<String>, RecordError> {
    match field {
        "referrer-phone" | "referrer-email" | "referrer-manager" | "child-postcode"
        | "meeting-chair" => {
            let text = optional_text(field, Some(value), false)?;
            if field == "referrer-email"
                && let Some(email) = &text
                && (!email.contains('@') || email.contains(char::is_whitespace))
            {
                return Err(RecordError::new(
                    field,
                    "is not an email address; give it as name@example.org",
                ));
            }
            if field == "referrer-phone"
                && let Some(phone) = &text
                && !phone
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +()-ext.".contains(c))
            {
                return Err(RecordError::new(
                    field,
                    "is not a telephone number; use digits, spaces, +, ( ) and -",
                ));
            }
            Ok(text)
        }
        "child-address" | "meeting-attendees" => optional_text(field, Some(value), true),
        "need-level" => match clean_text(field, value, false)?.as_str() {
            "" => Ok(None),
            text => Ok(Some(text.parse::<NeedLevel>()?.to_string())),
        },
        "family-aware" | "views-agreed" => match clean_text(field, value, false)?.as_str() {
            "" => Ok(None),
            text => Ok(Some(
                if super::change::parse_yes_no(field, text)? {
                    "yes"
                } else {
                    "no"
                }
                .to_owned(),
            )),
        },
        "review-date" => match clean_text(field, value, false)?.as_str() {
            "" => Ok(None),
            text => super::time::parse_date(text)
                .map(|d| Some(d.to_string()))
                .map_err(|e| RecordError::new(field, e.to_string())),
        },
        _ => {
            let names: Vec<&str> = DETAIL_FIELDS.iter().map(|(name, _)| *name).collect();
            Err(RecordError::new(
                "field",
                format!(
                    "\"{}\" is not a detail; choose one of: {}",
                    printable(field, false),
                    names.join(", ")
                ),
            ))
        }
    }
}

impl Details {
    /// A detail's value as text, as stored (`None` when not recorded).
    pub fn get(&self, field: &str) -> Option<String> {
        let yes_no = |b: bool| if b { "yes" } else { "no" }.to_owned();
        match field {
            "referrer-phone" => self.referrer_phone.clone(),
            "referrer-email" => self.referrer_email.clone(),
            "referrer-manager" => self.referrer_manager.clone(),
            "child-address" => self.child_address.clone(),
            "child-postcode" => self.child_postcode.clone(),
            "need-level" => self.need_level.map(|n| n.to_string()),
            "family-aware" => self.family_aware.map(yes_no),
            "views-agreed" => self.views_agreed.map(yes_no),
            "meeting-chair" => self.meeting_chair.clone(),
            "meeting-attendees" => self.meeting_attendees.clone(),
            "review-date" => self.review_on.map(|d| d.to_string()),
            _ => None,
        }
    }

    /// Sets a detail from its stored text; a value that no longer parses clears it.
    pub fn set(&mut self, field: &str, value: Option<&str>) {
        let text = value.map(str::to_owned);
        let yes_no = value.map(|v| v == "yes");
        match field {
            "referrer-phone" => self.referrer_phone = text,
            "referrer-email" => self.referrer_email = text,
            "referrer-manager" => self.referrer_manager = text,
            "child-address" => self.child_address = text,
            "child-postcode" => self.child_postcode = text,
            "need-level" => self.need_level = value.and_then(|v| v.parse().ok()),
            "family-aware" => self.family_aware = yes_no,
            "views-agreed" => self.views_agreed = yes_no,
            "meeting-chair" => self.meeting_chair = text,
            "meeting-attendees" => self.meeting_attendees = text,
            "review-date" => {
                self.review_on = value.and_then(|v| super::time::parse_date(v).ok());
            }
            _ => {}
        }
    }
}

/// A form kept with the notification it was sent with: its text as sent, and the SHA-256 of
/// that text (hashed into the audit trail, so `verify` covers it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// The notification it was sent with, e.g. `appendix-2`.
    pub notification: String,
    /// The form's id, or the file's name for a file attached as it was.
    pub name: String,
    pub sha256: String,
    pub text: String,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A new escalation as entered, before it is checked.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewEscalationInput {
    pub procedure: String,
    pub partnership: Option<String>,
    pub child_name: String,
    pub child_dob: Option<NaiveDate>,
    pub child_ref: Option<String>,
    pub raised_by: String,
    pub agency: String,
    pub raised_with: String,
    pub category: String,
    pub summary: String,
    pub outcome_sought: Option<String>,
    pub concern_at: Option<DateTime<Utc>>,
    pub raised_at: Option<DateTime<Utc>>,
    pub immediate_risk: bool,
}

/// A new escalation that passed every check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewEscalation {
    pub procedure: String,
    /// The chosen partnership body's id, where the procedure has several.
    pub partnership: Option<String>,
    pub child: Child,
    pub raised_by: String,
    pub agency: String,
    pub raised_with: String,
    pub category: Category,
    pub summary: String,
    pub outcome_sought: Option<String>,
    pub concern_at: Option<DateTime<Utc>>,
    pub raised_at: DateTime<Utc>,
    pub immediate_risk: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Child {
    pub name: String,
    pub dob: Option<NaiveDate>,
    /// The child's own record reference in the DSL's system.
    pub reference: Option<String>,
}

/// Checks a date of birth: not after today.
pub fn check_dob(dob: NaiveDate, now: DateTime<Utc>) -> Result<(), RecordError> {
    if dob > local_date(now) {
        return Err(RecordError::new(
            "dob",
            format!(
                "{dob} is in the future; give the child's date of birth as YYYY-MM-DD, no later than today"
            ),
        ));
    }
    Ok(())
}

/// Chooses the partnership body: required (by id or name) where the procedure has several.
pub fn choose_partnership(
    procedure: &Procedure,
    given: Option<&str>,
) -> Result<Option<String>, RecordError> {
    let ids = || {
        procedure
            .partnerships
            .iter()
            .map(|p| p.id.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match given.map(str::trim).filter(|g| !g.is_empty()) {
        Some(text) => procedure
            .find_partnership(text)
            .map(|p| Some(p.id.clone()))
            .ok_or_else(|| {
                RecordError::new(
                    "partnership",
                    format!(
                        "\"{}\" is not a partnership of {}; use one of: {}",
                        printable(text, false),
                        procedure.id,
                        ids()
                    ),
                )
            }),
        None if procedure.partnerships.len() > 1 => Err(RecordError::new(
            "partnership",
            format!(
                "{} has several partnerships; choose one with --partnership: {}",
                procedure.id,
                ids()
            ),
        )),
        None => Ok(None),
    }
}

impl NewEscalationInput {
    /// Checks every field against the procedure and `now`. Returns the first problem found.
    pub fn check(
        &self,
        procedure: &Procedure,
        now: DateTime<Utc>,
    ) -> Result<NewEscalation, RecordError> {
        let child_name = required_text("child", &self.child_name, false)?;
        if let Some(dob) = self.child_dob {
            check_dob(dob, now)?;
        }
        let child_ref = optional_text("child-ref", self.child_ref.as_deref(), false)?;
        let raised_by = required_text("raised-by", &self.raised_by, false)?;
        let agency = required_text("agency", &self.agency, false)?;
        let raised_with = required_text("raised-with", &self.raised_with, false)?;
        let partnership = choose_partnership(procedure, self.partnership.as_deref())?;
        let category: Category = self.category.parse()?;
        let summary = required_text("summary", &self.summary, true)?;
        let outcome_sought = optional_text("outcome-sought", self.outcome_sought.as_deref(), true)?;
        let raised_at = self.raised_at.unwrap_or(now);
        not_in_future("raised-at", raised_at, now)?;
        if let Some(concern_at) = self.concern_at {
            not_in_future("concern-at", concern_at, now)?;
            if raised_at < concern_at {
                return Err(RecordError::new(
                    "raised-at",
                    "is before the concern arose; an escalation is raised at or after the concern (check --concern-at and --raised-at)",
                ));
            }
        }
        Ok(NewEscalation {
            procedure: procedure.id.clone(),
            partnership,
            child: Child {
                name: child_name,
                dob: self.child_dob,
                reference: child_ref,
            },
            raised_by,
            agency,
            raised_with,
            category,
            summary,
            outcome_sought,
            concern_at: self.concern_at,
            raised_at,
            immediate_risk: self.immediate_risk,
        })
    }
}

/// A move to the next stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StageChange {
    pub to_stage: u8,
    pub at: DateTime<Utc>,
    pub by: String,
    pub reason: String,
}

/// A contemporaneous record of a discussion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Discussion {
    pub id: i64,
    pub at: DateTime<Utc>,
    /// Who took part: names, roles, agencies.
    pub participants: String,
    pub mode: Mode,
    pub notes: String,
    pub decisions: Option<String>,
    /// Whether the parties reached agreement in it.
    pub is_agreement: bool,
    pub stage: u8,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// An agreed action, with an owner and a due date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgreedAction {
    pub id: i64,
    pub what: String,
    pub owner: String,
    pub due_on: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
    pub done_by: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// A required notification, recorded as sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SentNotification {
    /// The procedure's notification id, e.g. `appendix-2`.
    pub notification: String,
    pub sent_at: DateTime<Utc>,
    pub method: Method,
    pub reference: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

/// How an escalation ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Outcome {
    Resolved {
        at: DateTime<Utc>,
        stage: u8,
        how: String,
        learning: Option<String>,
        /// `Some(true)` informed; `Some(false)` not, with `why_not`; `None` not recorded.
        parents_informed: Option<bool>,
        why_not: Option<String>,
        child_record_updated: Option<bool>,
        by: String,
    },
    Withdrawn {
        at: DateTime<Utc>,
        stage: u8,
        why: String,
        by: String,
    },
}

impl Outcome {
    pub fn at(&self) -> DateTime<Utc> {
        match self {
            Self::Resolved { at, .. } | Self::Withdrawn { at, .. } => *at,
        }
    }
}

/// A correction: the original is kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Amendment {
    pub field: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub why: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// What a [`Correction`] corrects. The original row is kept; the correction says what it
/// should have said (or that it should not have been recorded), who said so, when and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionKind {
    /// A discussion's notes, reworded.
    DiscussionNotes,
    /// An agreed action's wording.
    ActionWhat,
    ActionOwner,
    ActionDue,
    /// An action that is no longer owed (agreed in error, or overtaken).
    ActionCancelled,
    /// A notification recorded as sent in error: it was not sent.
    NotificationNotSent,
    /// A notification the procedure asked for that was not needed, with the reason.
    NotificationNotNeeded,
    /// A stage move made in error, reversed.
    StageUndone,
    /// A resolution or withdrawal made in error: the escalation is open again.
    Reopened,
}

impl CorrectionKind {
    pub const ALL: [Self; 9] = [
        Self::DiscussionNotes,
        Self::ActionWhat,
        Self::ActionOwner,
        Self::ActionDue,
        Self::ActionCancelled,
        Self::NotificationNotSent,
        Self::NotificationNotNeeded,
        Self::StageUndone,
        Self::Reopened,
    ];

    /// The word stored and printed: `discussion-notes`, `stage-undone`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DiscussionNotes => "discussion-notes",
            Self::ActionWhat => "action-what",
            Self::ActionOwner => "action-owner",
            Self::ActionDue => "action-due",
            Self::ActionCancelled => "action-cancelled",
            Self::NotificationNotSent => "notification-not-sent",
            Self::NotificationNotNeeded => "notification-not-needed",
            Self::StageUndone => "stage-undone",
            Self::Reopened => "reopened",
        }
    }

    /// Whether the correction takes a row out of the record as it now reads (the row itself is
    /// kept, and shown with the correction): a cancelled action, a notification not sent, a
    /// stage move reversed, an outcome reopened.
    pub fn is_removal(self) -> bool {
        matches!(
            self,
            Self::ActionCancelled | Self::NotificationNotSent | Self::StageUndone | Self::Reopened
        )
    }
}

impl std::str::FromStr for CorrectionKind {
    type Err = RecordError;

    fn from_str(text: &str) -> Result<Self, RecordError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == text)
            .ok_or_else(|| {
                RecordError::new(
                    "correction",
                    format!("\"{}\" is not a kind of correction", printable(text, false)),
                )
            })
    }
}

/// A correction of something recorded on an escalation (beyond its header fields, which are
/// [`Amendment`]s). Insert-only like the rest: the original stays on the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Correction {
    pub id: i64,
    pub kind: CorrectionKind,
    /// The discussion's or action's id; for the rest, the row the store found to correct
    /// (a stage move, a notification sent, an outcome), or 0.
    pub target_id: i64,
    /// The notification's id, or the stage the move reversed went to; empty otherwise.
    pub target: String,
    /// What the record said before, in words (kept with the correction for reading).
    pub old_value: Option<String>,
    /// What it says now (for a reworded discussion or action); `None` for a removal.
    pub new_value: Option<String>,
    pub why: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

impl Correction {
    /// One line saying what was corrected.
    pub fn describe(&self) -> String {
        let old = self.old_value.as_deref().unwrap_or("");
        let new = self.new_value.as_deref().unwrap_or("");
        let what = match self.kind {
            CorrectionKind::DiscussionNotes => {
                format!(
                    "discussion {} notes corrected from \"{old}\" to \"{new}\"",
                    self.target_id
                )
            }
            CorrectionKind::ActionWhat => {
                format!(
                    "action {} wording corrected from \"{old}\" to \"{new}\"",
                    self.target_id
                )
            }
            CorrectionKind::ActionOwner => {
                format!(
                    "action {} owner corrected from \"{old}\" to \"{new}\"",
                    self.target_id
                )
            }
            CorrectionKind::ActionDue => {
                format!(
                    "action {} due date corrected from {old} to {new}",
                    self.target_id
                )
            }
            CorrectionKind::ActionCancelled => {
                format!("action {} cancelled (was: {old})", self.target_id)
            }
            CorrectionKind::NotificationNotSent => format!(
                "notification {} was not sent; recorded as sent in error (was: {old})",
                self.target
            ),
            CorrectionKind::NotificationNotNeeded => {
                format!("notification {} not needed", self.target)
            }
            CorrectionKind::StageUndone => format!(
                "move to stage {} reversed, made in error (was: {old})",
                self.target
            ),
            CorrectionKind::Reopened => format!("reopened; closed in error (was: {old})"),
        };
        format!("{what}: {}", self.why)
    }
}

/// Applies a correction's new value to the record as loaded: a reworded discussion or action.
/// Removals are not applied here (a store leaves the corrected row out as it reads; see
/// [`apply_correction`] for the in-memory copy).
pub fn apply_corrected_value(escalation: &mut Escalation, correction: &Correction) {
    let value = correction.new_value.clone().unwrap_or_default();
    match correction.kind {
        CorrectionKind::DiscussionNotes => {
            if let Some(d) = escalation
                .discussions
                .iter_mut()
                .find(|d| d.id == correction.target_id)
            {
                d.notes = value;
            }
        }
        CorrectionKind::ActionWhat | CorrectionKind::ActionOwner | CorrectionKind::ActionDue => {
            if let Some(a) = escalation
                .actions
                .iter_mut()
                .find(|a| a.id == correction.target_id)
            {
                match correction.kind {
                    CorrectionKind::ActionWhat => a.what = value,
                    CorrectionKind::ActionOwner => a.owner = value,
                    _ => {
                        if let Ok(due) = super::time::parse_date(&value) {
                            a.due_on = due;
                        }
                    }
                }
            }
        }
        _ => {}
    }
}

/// Applies a correction just written to the in-memory copy of its escalation, as a store reads
/// it back: the new value, or the corrected row left out (the latest of its kind, which is the
/// one a removal always corrects).
pub fn apply_correction(escalation: &mut Escalation, correction: &Correction) {
    apply_corrected_value(escalation, correction);
    match correction.kind {
        CorrectionKind::ActionCancelled => {
            escalation.actions.retain(|a| a.id != correction.target_id);
        }
        CorrectionKind::NotificationNotSent => {
            escalation
                .sent
                .retain(|s| s.notification != correction.target);
        }
        CorrectionKind::StageUndone => {
            escalation.stage_changes.pop();
        }
        CorrectionKind::Reopened => escalation.outcome = None,
        _ => {}
    }
}

/// A clock marked met by hand, a reason recorded for a delay, or a clock tightened.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Note {
    pub kind: NoteKind,
    /// When it happened; for a tightened clock, the earlier due time it was tightened to.
    pub at: DateTime<Utc>,
    /// The clock's key for a mark or a tightening; empty for a delay reason.
    pub clock: String,
    pub text: String,
    pub by: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NoteKind {
    ClockMet,
    DelayReason,
    /// A clock given an earlier due time than its procedure's on this escalation, with the
    /// reason ("or a timescale that protects the child from harm, whichever is less").
    ClockTightened,
}

/// An escalation as stored, with amendments applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Escalation {
    pub id: i64,
    pub procedure: String,
    pub partnership: Option<String>,
    pub child: Child,
    pub raised_by: String,
    pub agency: String,
    pub raised_with: String,
    pub category: Category,
    pub summary: String,
    pub outcome_sought: Option<String>,
    pub concern_at: Option<DateTime<Utc>>,
    pub raised_at: DateTime<Utc>,
    pub immediate_risk: bool,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub stage_changes: Vec<StageChange>,
    pub discussions: Vec<Discussion>,
    pub actions: Vec<AgreedAction>,
    pub sent: Vec<SentNotification>,
    pub notes: Vec<Note>,
    /// Boxed: most escalations loaded are open, and an outcome inline would add its 112 bytes
    /// to every one of them.
    pub outcome: Option<Box<Outcome>>,
    pub amendments: Vec<Amendment>,
    /// Corrections of what is recorded beyond the header, in the order made, already applied.
    pub corrections: Vec<Correction>,
    /// What the partnership forms ask beyond the header (issue 15), amendments applied.
    pub details: Details,
    /// Forms kept with the notifications they were sent with, in the order recorded.
    pub attachments: Vec<Attachment>,
    /// The school it belongs to, on a team's database (PostgreSQL); `None` in one DSL's own
    /// database file, which is one school's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub school: Option<String>,
}

impl Escalation {
    /// The stage the escalation is at (or ended at).
    pub fn stage(&self) -> u8 {
        self.stage_changes.last().map_or(1, |c| c.to_stage)
    }

    pub fn is_open(&self) -> bool {
        self.outcome.is_none()
    }

    /// Gives back the room its lists hold beyond their items. A list read in a row at a time
    /// holds room for four at least: for a caseload of thousands, that was a tenth of the
    /// dashboard's memory.
    pub fn shrink_to_fit(&mut self) {
        self.stage_changes.shrink_to_fit();
        self.discussions.shrink_to_fit();
        self.actions.shrink_to_fit();
        self.sent.shrink_to_fit();
        self.notes.shrink_to_fit();
        self.amendments.shrink_to_fit();
        self.corrections.shrink_to_fit();
        self.attachments.shrink_to_fit();
    }

    /// The history the deadline engine reads.
    pub fn events(&self) -> Vec<Event> {
        let mut events = vec![Event {
            at: self.raised_at,
            kind: EventKind::Raised {
                concern_at: self.concern_at,
                immediate_risk: self.immediate_risk,
                partnership: self.partnership.clone(),
            },
        }];
        for change in &self.stage_changes {
            events.push(Event {
                at: change.at,
                kind: EventKind::Advanced {
                    to: change.to_stage,
                },
            });
        }
        for d in &self.discussions {
            events.push(Event {
                at: d.at,
                kind: EventKind::Discussion,
            });
            if d.mode == Mode::Meeting {
                events.push(Event {
                    at: d.at,
                    kind: EventKind::Meeting,
                });
            }
            if d.is_agreement {
                events.push(Event {
                    at: d.at,
                    kind: EventKind::Agreement,
                });
            }
        }
        for s in &self.sent {
            events.push(Event {
                at: s.sent_at,
                kind: EventKind::NotificationSent {
                    id: s.notification.clone(),
                },
            });
        }
        for n in &self.notes {
            let kind = match n.kind {
                NoteKind::ClockMet => EventKind::ClockMet {
                    key: n.clock.clone(),
                },
                NoteKind::DelayReason => EventKind::DelayReason,
                NoteKind::ClockTightened => EventKind::ClockTightened {
                    key: n.clock.clone(),
                    due_at: n.at,
                },
            };
            events.push(Event { at: n.at, kind });
        }
        for c in &self.corrections {
            if c.kind == CorrectionKind::NotificationNotNeeded {
                events.push(Event {
                    at: c.at,
                    kind: EventKind::NotificationNotNeeded {
                        id: c.target.clone(),
                    },
                });
            }
        }
        match self.outcome.as_deref() {
            Some(Outcome::Resolved { at, .. }) => events.push(Event {
                at: *at,
                kind: EventKind::Resolved,
            }),
            Some(Outcome::Withdrawn { at, .. }) => events.push(Event {
                at: *at,
                kind: EventKind::Withdrawn,
            }),
            None => {}
        }
        events
    }

    /// The latest time anything was recorded as happening: a backdated entry may not precede
    /// the raise, and a stage move may not precede the last one.
    pub fn last_stage_change_at(&self) -> DateTime<Utc> {
        self.stage_changes.last().map_or(self.raised_at, |c| c.at)
    }
}

/// The fields `amend` can correct, with whether each is multi-line text.
pub const AMENDABLE: &[(&str, &str)] = &[
    ("child", "the child's name"),
    (
        "dob",
        "the child's date of birth (YYYY-MM-DD, or empty to clear)",
    ),
    ("child-ref", "the child's record reference"),
    ("raised-by", "who raised it"),
    ("agency", "their agency"),
    ("raised-with", "the agency and team it was raised with"),
    ("partnership", "the partnership body"),
    ("category", "the category"),
    ("summary", "the circumstances"),
    ("outcome-sought", "the outcome sought"),
    ("concern-at", "when the concern arose"),
    ("raised-at", "when it was raised"),
    ("immediate-risk", "the immediate-risk flag (yes or no)"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// The chunked check says what a look at each byte says, for every byte, wherever it falls.
    #[test]
    fn plain_ascii_is_each_byte_printable_ascii_or_a_kept_newline_or_tab() {
        for byte in 0u8..=0x7f {
            for at in [0, 1, 255, 256, 257, 600] {
                let mut text = vec![b'a'; 700];
                text[at] = byte;
                let text = String::from_utf8(text).unwrap();
                for keep in [false, true] {
                    let expected = text
                        .bytes()
                        .all(|b| (0x20..0x7f).contains(&b) || (keep && (b == b'\n' || b == b'\t')));
                    assert_eq!(is_plain_ascii(&text, keep), expected, "{byte:#x} at {at}");
                }
            }
        }
        assert!(!is_plain_ascii(&format!("{}é", "a".repeat(300)), true));
        assert!(is_plain_ascii("", false));
    }

    #[test]
    fn text_keeps_unicode_and_refuses_controls() {
        for name in [
            "Zoë Ångström",
            "李小龍",
            "e\u{301}mile",
            "محمد علي",
            "Ṩophie 👧🏽",
        ] {
            assert_eq!(clean_text("child", name, false).unwrap(), name);
        }
        let err = clean_text("child", "Bob\u{1b}[31m", false).unwrap_err();
        assert_eq!(
            err.to_string(),
            "child: contains an escape sequence; remove it"
        );
        assert!(
            clean_text("child", "a\nb", false)
                .unwrap_err()
                .message
                .contains("line break")
        );
        assert_eq!(clean_text("notes", "a\r\nb\tc", true).unwrap(), "a\nb\tc");
        assert!(
            clean_text("notes", "a\u{7}b", true)
                .unwrap_err()
                .message
                .contains("U+0007")
        );
        assert!(
            required_text("child", "   ", false)
                .unwrap_err()
                .message
                .contains("required")
        );
    }

    /// Issue 13, finding 5: privacy mode hid only exact matches of the current name. Every
    /// spelling the record has held is hidden, in any case, in either order, and on its own.
    #[test]
    fn the_redactor_hides_every_spelling_of_the_name() {
        let redactor = Redactor::new(["Ava Sample", "Eva Sampel"]);
        let cases = [
            ("Spoke to Ava Sample's mother.", "Spoke to A.S.'s mother."),
            ("AVA SAMPLE was seen", "A.S. was seen"),
            ("sample, ava: home visit", "S., A.: home visit"),
            ("Eva Sampel (the old spelling)", "E.S. (the old spelling)"),
            ("Ava said", "A. said"),
            (
                "Avalon and Samples are other words",
                "Avalon and Samples are other words",
            ),
            ("Zoë", "Zoë"),
        ];
        for (text, want) in cases {
            assert_eq!(redactor.apply(text), want, "{text}");
        }
        let accents = Redactor::new(["Zoë Ångström"]);
        assert_eq!(accents.apply("zoë ÅNGSTRÖM rang"), "Z.Å. rang");
        // A one-letter part is not a name on its own.
        assert_eq!(Redactor::new(["J Smith"]).apply("J said"), "J said");
    }

    /// Issue 13: a name could carry a right-to-left override or a zero-width space, so that it
    /// reads differently from what is stored, or two records of one child look like two
    /// children.
    #[test]
    fn names_refuse_bidi_controls_and_invisible_characters() {
        for c in [
            '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2066}', '\u{2067}',
            '\u{2068}', '\u{2069}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}',
            '\u{2028}', '\u{2029}', '\u{FEFF}', '\u{00AD}',
        ] {
            let name = format!("Ava{c} Sample");
            let error = clean_text("child", &name, false).unwrap_err();
            assert_eq!(error.field, "child");
            assert!(
                error.message.contains(&format!("U+{:04X}", u32::from(c))),
                "{c:?}: {error}"
            );
            assert!(!error.message.contains('\u{202E}') && !error.message.contains("Ava"));
        }
        // A non-joiner inside a Persian name is spelling, and kept.
        assert_eq!(
            clean_text("child", "مهدی\u{200C}زاده", false).unwrap(),
            "مهدی\u{200C}زاده"
        );
        assert!(clean_text("child", "Ava\u{200C}Sample", false).is_err());
        // Free text keeps joiners (emoji, scripts) but never a direction override.
        assert_eq!(
            clean_text("notes", "👨\u{200D}👩\u{200D}👧 family", true).unwrap(),
            "👨\u{200D}👩\u{200D}👧 family"
        );
        assert!(clean_text("notes", "a\u{202E}b", true).is_err());
    }

    #[test]
    fn printable_escapes_layout_controls_too() {
        assert_eq!(
            printable("a\u{202E}b\u{FEFF}", false),
            "a\\u{202e}b\\u{feff}"
        );
        assert_eq!(printable("a\r\u{0}b", true), "a\\r\\u{0}b");
        let once = printable("x\u{1b}]52;c;aGk=\u{7}", false);
        assert_eq!(printable(&once, false), once);
        assert!(!once.contains('\u{1b}') && !once.contains('\u{7}'));
    }

    /// The shortcut for plain ASCII gives what looking at every character gives, for every
    /// ASCII character, alone and amid other text, either way round for newlines.
    #[test]
    fn the_plain_ascii_shortcut_agrees_with_the_character_walk() {
        let walk = |text: &str, keep: bool| -> String {
            text.chars()
                .flat_map(|c| {
                    if (c.is_control() && !(keep && (c == '\n' || c == '\t')))
                        || is_layout_control(c)
                    {
                        c.escape_default().collect::<Vec<_>>()
                    } else {
                        vec![c]
                    }
                })
                .collect()
        };
        for byte in 0u8..128 {
            let c = char::from(byte);
            for text in [c.to_string(), format!("ab{c}cd"), format!("Zoë{c}")] {
                for keep in [false, true] {
                    assert_eq!(printable(&text, keep), walk(&text, keep), "{text:?} {keep}");
                }
            }
        }
    }

    #[test]
    fn printable_escapes_what_would_drive_a_terminal() {
        assert_eq!(printable("a\u{1b}[2Jb", false), "a\\u{1b}[2Jb");
        assert_eq!(printable("x\ny", true), "x\ny");
        assert_eq!(printable("x\ny", false), "x\\ny");
    }

    #[test]
    fn initials_take_the_first_letter_of_each_name() {
        assert_eq!(initials("Ava Sample"), "A.S.");
        assert_eq!(initials("  zoë   ångström "), "Z.Å.");
        assert_eq!(initials("محمد علي"), "م.ع.");
        assert_eq!(initials("(demo) 李小龍"), "D.李.");
        assert_eq!(initials(" -- "), "?");
    }

    #[test]
    fn words_are_read_loosely() {
        assert_eq!(
            "Information sharing".parse::<Category>().unwrap(),
            Category::InformationSharing
        );
        assert_eq!("face_to_face".parse::<Mode>().unwrap(), Mode::FaceToFace);
        let err = "telepathy".parse::<Mode>().unwrap_err().to_string();
        assert!(
            err.starts_with("mode: \"telepathy\" is not one of: face-to-face, phone"),
            "{err}"
        );
    }
}
