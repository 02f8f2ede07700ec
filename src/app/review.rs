//! The morning review on the dashboard (`R`): a walk, one item at a time, through everything
//! the core's [`review`](crate::core::review::review) lists as needing attention now, with the
//! keys to act on each there and then. Items acted on are ticked off; the walk ends with a
//! summary, which is written to the audit trail ("reviewed by X") when the DSL walked through
//! every item or says to record it. Only the items actually shown count as reviewed: a review
//! left after one item of sixteen is not recorded as sixteen reviewed.

use chrono::{DateTime, Utc};

use crate::core::calendar::Calendar;
use crate::core::review::{Horizon, Review, ReviewItem, ReviewSummary, Subject, review};

use super::state::Entry;

/// A review being walked through.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewWalk {
    /// The items as they stood when the review started: the walk does not reshuffle under the
    /// DSL's hands as things are acted on.
    pub review: Review,
    /// The item on screen.
    pub position: usize,
    /// Which items something was recorded on during the walk.
    pub acted: Vec<bool>,
    /// Which items were shown during the walk: those are what the review went through.
    pub seen: Vec<bool>,
    /// At the end: how many of the items still need attention, with the outstanding ones.
    pub summary: Option<Outstanding>,
}

/// What is still outstanding when the walk ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Outstanding {
    /// Indexes into the walk's items, of those walked through that the caseload still lists.
    pub items: Vec<usize>,
}

/// What an item is about, to match it with the same item in a later review.
fn identity(item: &ReviewItem) -> (i64, String) {
    let key = match &item.subject {
        Subject::ImmediateRisk { .. } => "immediate-risk".to_owned(),
        Subject::Clock { key, .. } => format!("clock {key}"),
        Subject::Notification { id, .. } => format!("notification {id}"),
        Subject::Action { id, .. } => format!("action {id}"),
    };
    (item.escalation_id, key)
}

/// The review of the caseload as the dashboard has it now.
pub fn review_of(
    entries: &[Box<Entry>],
    calendar: &Calendar,
    now: DateTime<Utc>,
    horizon: Horizon,
) -> Review {
    review(
        entries.iter().map(|e| (&e.escalation, &e.schedule)),
        calendar,
        now,
        horizon,
    )
}

impl ReviewWalk {
    pub fn new(review: Review) -> Self {
        let count = review.items.len();
        let mut seen = vec![false; count];
        if let Some(first) = seen.first_mut() {
            *first = true;
        }
        Self {
            review,
            position: 0,
            acted: vec![false; count],
            seen,
            summary: None,
        }
    }

    /// Shows the item at `position` (kept within the walk), which counts it as reviewed.
    pub fn go_to(&mut self, position: usize) {
        let last = self.review.items.len().saturating_sub(1);
        self.position = position.min(last);
        if let Some(seen) = self.seen.get_mut(self.position) {
            *seen = true;
        }
    }

    /// How many items were shown during the walk.
    pub fn walked(&self) -> usize {
        self.seen.iter().filter(|s| **s).count()
    }

    /// Whether every item was shown: the walk was finished, not left part-way.
    pub fn is_walked_through(&self) -> bool {
        self.seen.iter().all(|s| *s)
    }

    /// The item on screen (none once the summary shows).
    pub fn current(&self) -> Option<&ReviewItem> {
        if self.summary.is_some() {
            return None;
        }
        self.review.items.get(self.position)
    }

    pub fn acted_on(&self) -> usize {
        self.acted.iter().filter(|a| **a).count()
    }

    /// Ends the walk against `now_review` (the caseload's review at its end): each item is
    /// outstanding while the caseload still lists it as needing something done (a met
    /// immediate-risk clock is listed, done).
    pub fn finish(&mut self, now_review: &Review) {
        // An immediate risk recorded as escalated stays listed (the review says so), but
        // nothing about it is outstanding.
        let still: Vec<(i64, String)> = now_review
            .items
            .iter()
            .filter(|item| {
                !matches!(&item.subject,
                    Subject::ImmediateRisk { state, .. } if !state.is_live())
            })
            .map(identity)
            .collect();
        let items = self
            .review
            .items
            .iter()
            .enumerate()
            .filter(|(index, _)| self.seen.get(*index).copied().unwrap_or(false))
            .filter(|(_, item)| still.contains(&identity(item)))
            .map(|(index, _)| index)
            .collect();
        self.summary = Some(Outstanding { items });
    }

    /// The summary to write to the audit trail (once the summary shows): the items walked
    /// through, how many of those were acted on, and how many of those are still outstanding.
    pub fn record(&self) -> Option<ReviewSummary> {
        let outstanding = self.summary.as_ref()?.items.len();
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let acted_on = self
            .acted
            .iter()
            .zip(&self.seen)
            .filter(|(acted, seen)| **acted && **seen)
            .count();
        ReviewSummary::new(
            count(self.walked()),
            count(acted_on),
            count(outstanding),
            self.review.horizon,
        )
        .ok()
    }
}
