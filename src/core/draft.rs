//! Drafts: what has been typed into a dashboard form but not yet saved, kept so that a crash or
//! a closed terminal loses nothing typed. Not part of the record: a draft states no fact.

use chrono::{DateTime, Utc};

/// What has been typed into a form but not yet saved.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Draft {
    /// Set once stored.
    pub id: Option<i64>,
    /// Which form: `new`, `discuss`, `advance`, ...
    pub form: String,
    /// The escalation the form is about, if any.
    pub escalation_id: Option<i64>,
    /// Each field's text, by field name.
    pub fields: std::collections::BTreeMap<String, String>,
    pub saved_at: Option<DateTime<Utc>>,
    pub saved_by: Option<String>,
}
