//! Live updates on PostgreSQL: a thread of its own holds a LISTEN connection
//! ([`crate::storage::postgres::listen`]), re-reads each escalation announced as changed as
//! the person (row-level security decides what they see), and sends the event loop what it
//! read. It never blocks the loop: the loop only receives messages.
//!
//! When the connection is lost it says so, connects again with a growing wait (a quarter of a
//! second, doubling, to half a minute at most) and, since PostgreSQL never resends what was
//! announced meanwhile, has the whole caseload loaded again. The first connection also asks
//! for the first load, once it listens, so that nothing committed in between is missed.
//!
//! SQLite has no announcements: its dashboard keeps polling the database's data version.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedSender;

use crate::app::Msg;
use crate::storage::postgres::listen::{Announcements, Listener};

/// How long one wait for an announcement lasts (an announcement ends it at once): how soon
/// the thread notices the dashboard has closed. Each wait wakes the thread, so not shorter:
/// an idle dashboard should cost next to nothing.
const WAIT: Duration = Duration::from_secs(1);
/// How many quiet waits pass between two checks that the connection is still there.
const QUIET_WAITS_BETWEEN_CHECKS: u32 = 10;
/// The first and the longest pause before connecting again.
const FIRST_PAUSE: Duration = Duration::from_millis(250);
const LONGEST_PAUSE: Duration = Duration::from_secs(30);

/// The dashboard no longer wants live updates: it has closed, or moved to another database
/// (the demo's).
#[derive(Clone)]
pub struct Stop {
    flag: Arc<AtomicBool>,
    replies: UnboundedSender<Msg>,
}

impl Stop {
    pub fn stop(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }

    fn is_stopped(&self) -> bool {
        self.flag.load(Ordering::Relaxed) || self.replies.is_closed()
    }
}

/// Starts the listening thread; it ends soon after the dashboard closes or `Stop::stop`.
pub fn spawn(source: Announcements, replies: UnboundedSender<Msg>) -> Stop {
    let stop = Stop {
        flag: Arc::new(AtomicBool::new(false)),
        replies: replies.clone(),
    };
    let stopped = stop.clone();
    thread::spawn(move || run(&source, &replies, &stopped));
    stop
}

fn run(source: &Announcements, replies: &UnboundedSender<Msg>, stop: &Stop) {
    let mut has_listened = false;
    let mut pause = FIRST_PAUSE;
    let mut said_lost = false;
    while !stop.is_stopped() {
        match source.listen() {
            Ok(mut listener) => {
                pause = FIRST_PAUSE;
                if replies
                    .send(Msg::LiveListening {
                        again: has_listened,
                    })
                    .is_err()
                {
                    return;
                }
                has_listened = true;
                let why = listen(&mut listener, replies, stop);
                if stop.is_stopped() {
                    return;
                }
                let _ = replies.send(Msg::LiveLost(why));
                said_lost = true;
            }
            Err(e) => {
                if !said_lost {
                    let _ = replies.send(Msg::LiveLost(format!(
                        "no live connection to the database ({e})"
                    )));
                    said_lost = true;
                }
            }
        }
        sleep_unless_stopped(pause, stop);
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
}

/// Hears announcements until the connection is lost (returning why) or the dashboard closes.
fn listen(listener: &mut Listener, replies: &UnboundedSender<Msg>, stop: &Stop) -> String {
    let mut quiet = 0;
    loop {
        if stop.is_stopped() {
            return String::new();
        }
        let ids = match listener.wait(WAIT) {
            Ok(ids) => ids,
            Err(e) => return e.to_string(),
        };
        if ids.is_empty() {
            quiet += 1;
            if quiet >= QUIET_WAITS_BETWEEN_CHECKS {
                quiet = 0;
                if let Err(e) = listener.check() {
                    return e.to_string();
                }
            }
            continue;
        }
        quiet = 0;
        match listener.read(&ids) {
            // Nothing this person may read (another school's escalation): nothing to say.
            Ok(heard) if heard.escalations.is_empty() => {}
            Ok(heard) => {
                let msg = Msg::LiveChanged {
                    escalations: heard.escalations,
                    by_others: heard.by_others,
                };
                if replies.send(msg).is_err() {
                    return String::new();
                }
            }
            Err(e) => return e.to_string(),
        }
    }
}

/// Sleeps for `pause`, a little at a time, returning early once stopped.
fn sleep_unless_stopped(pause: Duration, stop: &Stop) {
    let step = Duration::from_millis(50);
    let mut slept = Duration::ZERO;
    while slept < pause && !stop.is_stopped() {
        thread::sleep(step);
        slept += step;
    }
}
