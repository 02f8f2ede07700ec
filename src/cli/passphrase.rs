//! Where the database passphrase comes from: the file `ESCALATE_PASSPHRASE_FILE` names (for
//! scripts, cron and tests), else the terminal, without echo (twice when a database is being
//! created). Never from an argument or the environment itself, never printed, never in an error.
//!
//! The passphrase goes on as a [`Passphrase`], wiped from memory when it is dropped, to the one
//! place that opens a database (`Context::store`, `storage::sqlite`).

use std::path::Path;

use super::CliError;
use crate::storage::Passphrase;

/// The environment variable naming the passphrase file.
pub const PASSPHRASE_FILE: &str = "ESCALATE_PASSPHRASE_FILE";

/// The largest passphrase file read.
const MAX_FILE_BYTES: u64 = 4096;

/// What the passphrase is wanted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// To open an encrypted database: asked once.
    Open,
    /// To encrypt a database (a new one, or a plain one converted): asked twice, and the two
    /// must match.
    Create,
}

/// What to do when there is no passphrase file and no terminal to ask on.
fn no_passphrase() -> CliError {
    CliError(format!(
        "the database is encrypted and there is no terminal to ask for its passphrase: set \
         {PASSPHRASE_FILE} to a file (mode 0600) holding it, or run escalate init --plaintext \
         for a database that is not encrypted"
    ))
}

/// The passphrase, from the file `file` when one is named, else from the terminal.
pub fn read(file: Option<&Path>, need: Need, what: &str) -> Result<Passphrase, CliError> {
    match file {
        Some(path) => from_file(path, PASSPHRASE_FILE),
        None => prompt(need, what),
    }
}

/// Reads a passphrase file: a regular file, readable by its owner only (0600 or stricter), at
/// most 4 KiB; one trailing line end is not part of the passphrase.
pub fn from_file(path: &Path, named_by: &str) -> Result<Passphrase, CliError> {
    let meta = std::fs::metadata(path).map_err(|e| {
        CliError(format!(
            "cannot read the passphrase file {} (named by {named_by}): {e}",
            path.display()
        ))
    })?;
    if !meta.is_file() {
        return Err(CliError(format!(
            "the passphrase file {} (named by {named_by}) is not a regular file",
            path.display()
        )));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(CliError(format!(
                "the passphrase file {} (named by {named_by}) can be read by others (mode \
                 {mode:04o}); make it private with chmod 600 {}",
                path.display(),
                path.display()
            )));
        }
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(CliError(format!(
            "the passphrase file {} (named by {named_by}) is larger than {MAX_FILE_BYTES} bytes; \
             it should hold the passphrase alone",
            path.display()
        )));
    }
    let bytes = zeroize::Zeroizing::new(std::fs::read(path).map_err(|e| {
        CliError(format!(
            "cannot read the passphrase file {}: {e}",
            path.display()
        ))
    })?);
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Err(CliError(format!(
            "the passphrase file {} is not UTF-8 text",
            path.display()
        )));
    };
    let text = text
        .strip_suffix('\n')
        .map_or(text, |t| t.strip_suffix('\r').unwrap_or(t));
    Passphrase::new(text.to_owned()).ok_or_else(|| {
        CliError(format!(
            "the passphrase file {} is empty; put the passphrase in it",
            path.display()
        ))
    })
}

/// Asks on the terminal, without echo (`what` names the database or the purpose).
fn prompt(need: Need, what: &str) -> Result<Passphrase, CliError> {
    use std::io::IsTerminal as _;
    // The prompt is written to, and read from, the terminal itself (/dev/tty); a command whose
    // standard error is not a terminal (a script, cron, a test) is not interactive.
    if !std::io::stderr().is_terminal() {
        return Err(no_passphrase());
    }
    let ask = |question: &str| -> Result<Passphrase, CliError> {
        let typed = rpassword::prompt_password(question).map_err(|_| no_passphrase())?;
        Passphrase::new(typed)
            .ok_or_else(|| CliError("no passphrase was typed; nothing was changed".to_owned()))
    };
    match need {
        Need::Open => ask(&format!("Passphrase for {what}: ")),
        Need::Create => {
            let first = ask(&format!("New passphrase for {what}: "))?;
            let second = ask("The same passphrase again: ")?;
            if first.expose() == second.expose() {
                Ok(first)
            } else {
                Err(CliError(
                    "the two passphrases did not match; nothing was changed".to_owned(),
                ))
            }
        }
    }
}

/// Whether escalate may ask a question on the terminal (to offer encryption, say).
pub fn is_interactive() -> bool {
    use std::io::IsTerminal as _;
    std::io::stderr().is_terminal() && std::io::stdin().is_terminal()
}
