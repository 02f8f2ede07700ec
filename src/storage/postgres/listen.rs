//! Live updates on PostgreSQL (issue 16): a connection of its own that LISTENs on
//! [`CHANGES_CHANNEL`], where every committed change announces its escalation's id (schema
//! migration 4), and re-reads what was announced as the person it connects as.
//!
//! A notification carries only an opaque id, and PostgreSQL shows it to every user of the
//! database: what the escalation is, and whether this person may see it at all, is learnt only
//! by reading it again under row-level security. An announcement about another school's
//! escalation re-reads as nothing.
//!
//! PostgreSQL never resends a notification missed while a connection was down: whoever uses a
//! [`Listener`] reloads everything after connecting again. Start at [`PgStore::announcements`].

use std::time::Duration;

use postgres::Client;
use postgres::fallible_iterator::FallibleIterator as _;

use super::schema::CHANGES_CHANNEL;
use super::{ATTENTION_IDS, PgStore, connect, load_many};
use crate::core::record::Escalation;
use crate::storage::{Result, StoreError};

/// How to open a [`Listener`] on the database a store is connected to, as the same person:
/// it can be moved to a thread of its own, and used again to reconnect.
#[derive(Clone)]
pub struct Announcements {
    config: postgres::Config,
    shown: String,
    /// Whom the dashboard records writes under where the login is not a listed person (the
    /// administrator): a change by them is one's own.
    actor: String,
}

impl std::fmt::Debug for Announcements {
    /// Where, never how (the configuration may hold a password).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Announcements({})", self.shown)
    }
}

impl PgStore {
    /// How to listen for the changes committed to this database, as this store's person.
    /// `actor` is the name the caller writes under (the store records a listed person under
    /// their login instead).
    pub fn announcements(&self, actor: &str) -> Announcements {
        Announcements {
            config: self.config.clone(),
            shown: self.shown.clone(),
            actor: self.actor(actor),
        }
    }
}

impl Announcements {
    /// Connects and starts listening: every change committed from now on is heard.
    pub fn listen(&self) -> Result<Listener> {
        let mut client = connect(&self.config, &self.shown)?;
        client.batch_execute(&format!("LISTEN {CHANGES_CHANNEL}"))?;
        Ok(Listener {
            client,
            me: self.actor.clone(),
        })
    }

    /// Where the database is, without its password.
    pub fn shown(&self) -> &str {
        &self.shown
    }
}

/// A connection listening for changes.
pub struct Listener {
    client: Client,
    me: String,
}

/// Escalations announced as changed, as the person listening reads them now.
#[derive(Debug, Clone, Default)]
pub struct Heard {
    /// Those the person may read (an announcement about any other reads as nothing).
    pub escalations: Vec<Escalation>,
    /// Of those, the ones whose latest change someone else made, with who (the audit
    /// trail's actor).
    pub by_others: Vec<(i64, String)>,
}

/// The connection was lost: nothing more will be heard on it.
fn lost() -> StoreError {
    StoreError::Backend(
        "the live connection to the PostgreSQL database was lost; reconnecting".to_owned(),
    )
}

impl Listener {
    /// Waits up to `timeout` for announcements, then takes every other one already arrived:
    /// the ids announced, each once, in order (none when nothing was). Fails when the
    /// connection is lost. A payload that is not an id (something else notifying on the
    /// channel) is ignored.
    pub fn wait(&mut self, timeout: Duration) -> Result<Vec<i64>> {
        let mut ids = Vec::new();
        let mut notifications = self.client.notifications();
        // Any error on the stream (the server ending the connection says why) leaves nothing
        // more to hear on it.
        let first = notifications
            .timeout_iter(timeout)
            .next()
            .map_err(|_| lost())?;
        if let Some(first) = first {
            ids.push(first);
            let mut more = notifications.iter();
            while let Some(next) = more.next().map_err(|_| lost())? {
                ids.push(next);
            }
        }
        drop(notifications);
        if ids.is_empty() && self.client.is_closed() {
            return Err(lost());
        }
        let mut ids: Vec<i64> = ids
            .iter()
            .filter(|n| n.channel() == CHANGES_CHANNEL)
            .filter_map(|n| n.payload().parse().ok())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// Asks the server something, to find a connection that went quietly away (a network
    /// dropped without a word) before a change is missed for long.
    pub fn check(&mut self) -> Result<()> {
        self.client.simple_query("SELECT 1").map_err(|_| lost())?;
        Ok(())
    }

    /// The escalations `ids` as this person reads them now (only those they may read), and
    /// which of them someone else changed last.
    pub fn read(&mut self, ids: &[i64]) -> Result<Heard> {
        let list = ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        if list.is_empty() {
            return Ok(Heard::default());
        }
        // The ids are numbers this process formatted, never text from the channel.
        let escalations = load_many(
            &mut self.client,
            &format!("SELECT escalation_id FROM escalation_state WHERE escalation_id IN ({list})"),
            &[],
        )?;
        let rows = self.client.query(
            "SELECT DISTINCT ON (escalation_id) escalation_id, actor FROM audit
             WHERE escalation_id = ANY($1) ORDER BY escalation_id, id DESC",
            &[&ids],
        )?;
        let by_others = rows
            .iter()
            .map(|r| (r.get::<_, i64>(0), r.get::<_, String>(1)))
            .filter(|(_, actor)| *actor != self.me)
            .collect();
        Ok(Heard {
            escalations,
            by_others,
        })
    }

    /// The whole caseload as this person reads it (after connecting again: whatever was
    /// announced meanwhile was not heard).
    pub fn caseload(&mut self) -> Result<Vec<Escalation>> {
        load_many(&mut self.client, ATTENTION_IDS, &[])
    }
}
