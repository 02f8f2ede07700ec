//! Forms for recording from the keyboard: fields typed into ratatui-textarea editors, checked
//! as they are typed by the same core rules the command line uses, and saved in one transaction
//! by the storage worker.
//!
//! The first form is "record a discussion" (`d` on a card). Each field says what is wrong with
//! it in plain words, and a when-field shows the time it was read as, so a DSL typing
//! `yesterday 14:30` sees `Sun 22 Nov 2026 14:30 GMT` before saving.

use chrono::{DateTime, Utc};
use ratatui_textarea::TextArea;

use crate::core::calendar::{LONDON, format_local};
use crate::core::change::{DiscussionInput, ResolutionInput};
use crate::core::record::{Mode, RecordError, clean_text, optional_text, required_text};
use crate::core::time::{Direction, parse_when};
use crate::storage::Draft;

/// What a field holds, which decides how keys edit it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// One line of text; Enter moves on.
    Line,
    /// Several lines; Enter starts a new one.
    Text,
    /// A time as people type it ("now", "yesterday 14:30").
    When,
    /// One of a fixed list, chosen with ← and →.
    Choice(&'static [&'static str]),
    /// Yes or no, switched with Space.
    Toggle,
}

/// One field of a form.
#[derive(Debug, Clone)]
pub struct Field {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: FieldKind,
    pub text: TextArea<'static>,
    /// The chosen item, for a choice; on or off, for a toggle.
    pub choice: usize,
    /// What is wrong with it, in plain words.
    pub error: Option<String>,
    /// What it was read as (a parsed time).
    pub hint: Option<String>,
}

impl Field {
    fn new(name: &'static str, label: &'static str, kind: FieldKind, initial: &str) -> Self {
        let mut text = TextArea::new(initial.lines().map(str::to_owned).collect());
        // Typing carries on from what is already there.
        text.move_cursor(ratatui_textarea::CursorMove::Bottom);
        text.move_cursor(ratatui_textarea::CursorMove::End);
        Self {
            name,
            label,
            kind,
            text,
            choice: 0,
            error: None,
            hint: None,
        }
    }

    /// The field's text, lines joined.
    pub fn value(&self) -> String {
        match self.kind {
            FieldKind::Choice(items) => items
                .get(self.choice)
                .copied()
                .unwrap_or_default()
                .to_owned(),
            FieldKind::Toggle => if self.choice == 1 { "yes" } else { "no" }.to_owned(),
            _ => self.text.lines().join("\n"),
        }
    }

    pub fn is_typed_into(&self) -> bool {
        matches!(
            self.kind,
            FieldKind::Line | FieldKind::Text | FieldKind::When
        )
    }
}

/// Which form, and what it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    Discuss {
        escalation: i64,
    },
    /// Advance the escalation to `to_stage`.
    Advance {
        escalation: i64,
        to_stage: u8,
    },
    Resolve {
        escalation: i64,
    },
    Withdraw {
        escalation: i64,
    },
}

impl FormKind {
    pub fn escalation(self) -> i64 {
        match self {
            Self::Discuss { escalation }
            | Self::Advance { escalation, .. }
            | Self::Resolve { escalation }
            | Self::Withdraw { escalation } => escalation,
        }
    }

    /// The name its drafts are kept under.
    pub fn draft_name(self) -> &'static str {
        match self {
            Self::Discuss { .. } => DISCUSS_DRAFT,
            Self::Advance { .. } => ADVANCE_DRAFT,
            Self::Resolve { .. } => RESOLVE_DRAFT,
            Self::Withdraw { .. } => WITHDRAW_DRAFT,
        }
    }
}

/// What a form gives when every field is good.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormOutput {
    Discuss(DiscussionInput),
    Advance { reason: String, at: DateTime<Utc> },
    Resolve(ResolutionInput),
    Withdraw { why: String, at: DateTime<Utc> },
}

/// A form on screen.
#[derive(Debug, Clone)]
pub struct Form {
    pub kind: FormKind,
    pub title: String,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// Esc was pressed with something typed: asking before throwing it away.
    pub is_confirming_discard: bool,
    /// Sent to be saved; waiting for the reply.
    pub is_saving: bool,
    /// Anything typed since the form opened.
    pub is_changed: bool,
    /// Save was tried: from then on an empty required field is marked too (before, a fresh
    /// form is not covered in marks).
    pub is_save_attempted: bool,
    /// When the form was last typed into without its draft being kept since: the next tick a
    /// second or more later keeps it, so a crash loses at most a couple of seconds of typing.
    pub unkept_since: Option<DateTime<Utc>>,
    /// What saving will do, shown above the fields (the advance form's next stage, clocks and
    /// notifications).
    pub preview: Vec<String>,
}

/// The names drafts of each form are kept under.
pub const DISCUSS_DRAFT: &str = "discuss";
pub const ADVANCE_DRAFT: &str = "advance";
pub const RESOLVE_DRAFT: &str = "resolve";
pub const WITHDRAW_DRAFT: &str = "withdraw";

/// The answers to a yes-or-no question that may not have been asked yet.
pub const ANSWERS: &[&str] = &["not recorded", "yes", "no"];

/// The ways a discussion takes place, in the order the picker offers them.
pub const MODES: &[&str] = &[
    "phone",
    "face-to-face",
    "video",
    "email",
    "letter",
    "meeting",
];

impl Form {
    /// A form of `kind` with these fields, focused on the first.
    fn with_fields(kind: FormKind, title: String, fields: Vec<Field>) -> Self {
        Self {
            kind,
            title,
            fields,
            focus: 0,
            is_confirming_discard: false,
            is_saving: false,
            is_changed: false,
            is_save_attempted: false,
            unkept_since: None,
            preview: Vec::new(),
        }
    }

    /// "Record a discussion" on an escalation.
    pub fn discussion(escalation: i64, title: String) -> Self {
        Self::with_fields(
            FormKind::Discuss { escalation },
            title,
            vec![
                Field::new("at", "When", FieldKind::When, "now"),
                Field::new(
                    "with",
                    "Who took part (names, roles, agencies)",
                    FieldKind::Line,
                    "",
                ),
                Field::new("mode", "How", FieldKind::Choice(MODES), ""),
                Field::new("notes", "What was said", FieldKind::Text, ""),
                Field::new("decisions", "Decisions", FieldKind::Text, ""),
                Field::new("agreed", "Agreement reached", FieldKind::Toggle, ""),
            ],
        )
    }

    /// "Resolve": how, the learning, whether parents or carers were told (and why not), and
    /// whether the child's record was updated: what the Pan Bedfordshire Appendix 3 asks.
    pub fn resolve(escalation: i64, title: String) -> Self {
        Self::with_fields(
            FormKind::Resolve { escalation },
            title,
            vec![
                Field::new("at", "When", FieldKind::When, "now"),
                Field::new("how", "How it was resolved", FieldKind::Text, ""),
                Field::new("learning", "Learning points", FieldKind::Text, ""),
                Field::new(
                    "parents",
                    "Parents or carers informed",
                    FieldKind::Choice(ANSWERS),
                    "",
                ),
                Field::new("why_not", "If not, why not", FieldKind::Line, ""),
                Field::new(
                    "record",
                    "Child's record updated",
                    FieldKind::Choice(ANSWERS),
                    "",
                ),
            ],
        )
    }

    /// "Withdraw": when and why.
    pub fn withdraw(escalation: i64, title: String) -> Self {
        Self::with_fields(
            FormKind::Withdraw { escalation },
            title,
            vec![
                Field::new("at", "When", FieldKind::When, "now"),
                Field::new("why", "Why it is withdrawn", FieldKind::Text, ""),
            ],
        )
    }

    /// "Advance to the next stage": when, why, and a deliberate confirmation, under a preview
    /// of what the move sets off.
    pub fn advance(escalation: i64, to_stage: u8, title: String, preview: Vec<String>) -> Self {
        let mut form = Self::with_fields(
            FormKind::Advance {
                escalation,
                to_stage,
            },
            title,
            vec![
                Field::new("at", "When", FieldKind::When, "now"),
                Field::new("reason", "Why it is being escalated", FieldKind::Text, ""),
                Field::new(
                    "confirm",
                    "Move it on to the next stage",
                    FieldKind::Toggle,
                    "",
                ),
            ],
        );
        form.preview = preview;
        form
    }

    /// What has been typed, to keep as a draft. A time typed in words ("now", "9:30") is kept
    /// as the time it meant when typed, so that resuming later does not move it.
    pub fn to_draft(&self, now: DateTime<Utc>) -> Draft {
        let value = |f: &Field| match (f.kind, parse_when(&f.value(), now, Direction::Past)) {
            (FieldKind::When, Ok(at)) => at
                .with_timezone(&LONDON)
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            _ => f.value(),
        };
        Draft {
            id: None,
            form: self.kind.draft_name().to_owned(),
            escalation_id: Some(self.kind.escalation()),
            fields: self
                .fields
                .iter()
                .map(|f| (f.name.to_owned(), value(f)))
                .collect(),
            saved_at: None,
            saved_by: None,
        }
    }

    /// Puts a kept draft's text back into the form's fields.
    pub fn restore(&mut self, draft: &Draft) {
        for field in &mut self.fields {
            let Some(value) = draft.fields.get(field.name) else {
                continue;
            };
            match field.kind {
                FieldKind::Choice(items) => {
                    field.choice = items.iter().position(|i| i == value).unwrap_or(0)
                }
                FieldKind::Toggle => field.choice = usize::from(value == "yes"),
                _ => {
                    let mut text = TextArea::new(value.lines().map(str::to_owned).collect());
                    text.move_cursor(ratatui_textarea::CursorMove::Bottom);
                    text.move_cursor(ratatui_textarea::CursorMove::End);
                    field.text = text;
                }
            }
        }
        self.is_changed = true;
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    fn value(&self, name: &str) -> String {
        self.field(name).map(Field::value).unwrap_or_default()
    }

    /// Checks every field as it stands, marking each with what is wrong (or what a time was
    /// read as). Returns what to save when every field is good.
    pub fn check(&mut self, now: DateTime<Utc>) -> Option<FormOutput> {
        let at = parse_when(&self.value("at"), now, Direction::Past);
        let mut results: Vec<(&str, Result<Option<String>, RecordError>)> = vec![(
            "at",
            match &at {
                Ok(t) if *t > now => Err(RecordError::new(
                    "at",
                    "is later than now; give a time that has passed",
                )),
                Ok(t) => Ok(Some(format_local(*t))),
                Err(e) => Err(RecordError::new("at", e.to_string())),
            },
        )];
        match self.kind {
            FormKind::Discuss { .. } => {
                results.push((
                    "with",
                    required_text("with", &self.value("with"), false).map(|_| None),
                ));
                results.push(("mode", self.value("mode").parse::<Mode>().map(|_| None)));
                results.push((
                    "notes",
                    required_text("notes", &self.value("notes"), true).map(|_| None),
                ));
                results.push((
                    "decisions",
                    optional_text("decisions", Some(&self.value("decisions")), true).map(|_| None),
                ));
            }
            FormKind::Resolve { .. } => {
                results.push((
                    "how",
                    required_text("how", &self.value("how"), true).map(|_| None),
                ));
                results.push((
                    "learning",
                    optional_text("learning", Some(&self.value("learning")), true).map(|_| None),
                ));
                let why_not = self.value("why_not");
                results.push((
                    "why_not",
                    if self.value("parents") == "no" && why_not.trim().is_empty() {
                        Err(RecordError::new(
                            "why_not",
                            "parents or carers were not informed, so say why (e.g. it would place the child at risk)",
                        ))
                    } else {
                        optional_text("why_not", Some(&why_not), false).map(|_| None)
                    },
                ));
            }
            FormKind::Withdraw { .. } => {
                results.push((
                    "why",
                    required_text("why", &self.value("why"), true).map(|_| None),
                ));
            }
            FormKind::Advance { to_stage, .. } => {
                results.push((
                    "reason",
                    required_text("reason", &self.value("reason"), true).map(|_| None),
                ));
                let confirmed = self.value("confirm") == "yes";
                results.push((
                    "confirm",
                    if confirmed {
                        Ok(None)
                    } else {
                        Err(RecordError::new(
                            "confirm",
                            format!("press Space to confirm the move to stage {to_stage}"),
                        ))
                    },
                ));
            }
        }
        let mut is_good = true;
        let show_empty = self.is_save_attempted;
        for (name, result) in results {
            let Some(field) = self.fields.iter_mut().find(|f| f.name == name) else {
                continue;
            };
            match result {
                Ok(hint) => {
                    field.error = None;
                    field.hint = hint;
                }
                Err(error) => {
                    let is_untouched = (field.is_typed_into() && field.value().trim().is_empty())
                        || field.kind == FieldKind::Toggle;
                    field.error = (show_empty || !is_untouched).then_some(error.message);
                    field.hint = None;
                    is_good = false;
                }
            }
        }
        let at = at.ok()?;
        if !is_good {
            return None;
        }
        Some(match self.kind {
            FormKind::Discuss { .. } => FormOutput::Discuss(DiscussionInput {
                participants: clean_text("with", &self.value("with"), false).unwrap_or_default(),
                mode: self.value("mode"),
                notes: self.value("notes"),
                decisions: Some(self.value("decisions")).filter(|d| !d.trim().is_empty()),
                is_agreement: self.value("agreed") == "yes",
                at: Some(at),
            }),
            FormKind::Advance { .. } => FormOutput::Advance {
                reason: self.value("reason"),
                at,
            },
            FormKind::Resolve { .. } => {
                let answer = |name: &str| match self.value(name).as_str() {
                    "yes" => Some(true),
                    "no" => Some(false),
                    _ => None,
                };
                let text = |name: &str| Some(self.value(name)).filter(|v| !v.trim().is_empty());
                FormOutput::Resolve(ResolutionInput {
                    how: self.value("how"),
                    learning: text("learning"),
                    parents_informed: answer("parents"),
                    why_not: text("why_not"),
                    child_record_updated: answer("record"),
                    at: Some(at),
                })
            }
            FormKind::Withdraw { .. } => FormOutput::Withdraw {
                why: self.value("why"),
                at,
            },
        })
    }
}
