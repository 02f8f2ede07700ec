//! What several test binaries share. Each binary that uses it says `mod support;`.

#![allow(dead_code, reason = "each test binary uses a different part")]

pub mod db;
pub mod pg;
