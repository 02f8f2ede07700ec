//! The escalations a caseload query has read so far, found by id while their other tables'
//! rows are read in: both backends read the escalations in id order, then one query a table.

use crate::core::record::Escalation;

/// Escalations kept in id order in one `Vec`, found by binary search. (A `BTreeMap` did the
/// same, but moved each large `Escalation` about as its nodes filled: a twentieth of the first
/// frame at 100,000 escalations went on that.)
#[derive(Debug, Default)]
pub(crate) struct ById {
    ids: Vec<i64>,
    escalations: Vec<Escalation>,
}

impl ById {
    /// Adds `escalation`, which must come after every one added before: the queries read
    /// them `ORDER BY id`. Returns it back if it does not.
    pub fn push(&mut self, escalation: Escalation) -> Result<(), Box<Escalation>> {
        if self.ids.last().is_some_and(|&last| last >= escalation.id) {
            return Err(Box::new(escalation));
        }
        self.ids.push(escalation.id);
        self.escalations.push(escalation);
        Ok(())
    }

    pub fn get_mut(&mut self, id: i64) -> Option<&mut Escalation> {
        let at = self.ids.binary_search(&id).ok()?;
        self.escalations.get_mut(at)
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// The escalations, in id order, each holding no more room than its rows need.
    pub fn into_values(mut self) -> Vec<Escalation> {
        for escalation in &mut self.escalations {
            escalation.shrink_to_fit();
        }
        self.escalations
    }
}
