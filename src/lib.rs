//! `escalate`: track multi-agency safeguarding escalations and their deadlines.
//!
//! Crate map (dependencies point downwards only):
//! - [`cli`]: the command line; reads files and settings, prints text or JSON.
//! - [`config`]: the user's settings file, read into typed settings.
//! - [`files`]: writing the user's files privately (for the command line and the dashboard).
//! - [`service`]: the one way a record changes, shared by the command line and the dashboard.
//! - [`storage`]: the SQLite store; the only module that knows SQL.
//! - [`core`]: procedures, the working-day calendar and the deadline engine. No I/O, no clock.
//!
//! Only `main.rs` reads the system clock; everything below takes `now` as an argument.

pub mod app;
pub mod cli;
pub mod config;
pub mod core;
pub mod demo;
pub mod files;
pub mod keys;
pub mod service;
pub mod storage;
pub mod tui;
pub mod ui;
