//! The domain core: procedures as data, the working-day calendar, and the deadline engine.
//!
//! Pure Rust with no I/O: nothing here reads the clock, the file system, a database or a
//! terminal. Time comes in as an argument. Start at [`deadline::schedule`], which ties the other
//! modules together; [`review`] builds the morning review on top of it.

pub mod audit;
pub mod calendar;
pub mod change;
pub mod deadline;
pub mod draft;
pub mod form;
pub mod overdue;
pub mod procedure;
pub mod record;
pub mod report;
pub mod review;
pub mod team;
pub mod time;
pub mod timescale;
