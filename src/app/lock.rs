//! The dashboard's lock (issue 13, auto-lock): on `Ctrl-L`, or after some idle minutes in
//! privacy mode, the screen shows nothing about any child until the passphrase is typed again.
//!
//! Pure like the rest of `app`: idle time is measured from the `now` of the ticks `update` is
//! given, and the passphrase is checked against a [`Verifier`] handed in at start (a salted
//! SHA-256 of the database's passphrase, compared in constant time), never against the
//! passphrase itself, which the app does not hold. A plain database has no passphrase: its
//! lock hides the screen, and `Enter` alone opens it (the lock screen says why).

use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};

/// What the typed passphrase is checked against.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    salt: [u8; 16],
    digest: [u8; 32],
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Verifier(..)")
    }
}

fn digest(salt: &[u8; 16], passphrase: &str) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update(salt);
    hasher.update(passphrase.as_bytes());
    hasher.finalize().into()
}

impl Verifier {
    /// A verifier of `passphrase` under `salt` (random, chosen by the caller at open).
    pub fn new(passphrase: &str, salt: [u8; 16]) -> Self {
        Self {
            salt,
            digest: digest(&salt, passphrase),
        }
    }

    /// Whether `typed` is the passphrase, compared in constant time.
    pub fn matches(&self, typed: &str) -> bool {
        let other = digest(&self.salt, typed);
        self.digest
            .iter()
            .zip(other.iter())
            .fold(0_u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

/// The lock's state, inside [`super::State`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lock {
    pub is_locked: bool,
    /// What has been typed into the passphrase field (shown masked), wiped on every try.
    pub typed: zeroize::Zeroizing<String>,
    /// The last try was wrong (said on the lock screen until the next key).
    pub was_wrong: bool,
    /// The passphrase's verifier; `None` for a plain database, which has no passphrase.
    pub verifier: Option<Verifier>,
    /// Lock after this long without a key, in privacy mode (`None`: never by itself).
    pub after: Option<Duration>,
    /// When a key was last pressed (as of the tick before it).
    pub last_activity: Option<DateTime<Utc>>,
}

impl Default for Lock {
    fn default() -> Self {
        Self {
            is_locked: false,
            typed: zeroize::Zeroizing::new(String::new()),
            was_wrong: false,
            verifier: None,
            after: None,
            last_activity: None,
        }
    }
}

impl Lock {
    pub fn lock(&mut self) {
        self.is_locked = true;
        self.typed = zeroize::Zeroizing::new(String::new());
        self.was_wrong = false;
    }

    /// Tries what was typed; unlocks when it is the passphrase (or, for a plain database,
    /// on `Enter` alone). What was typed is wiped either way.
    pub fn try_unlock(&mut self, now: DateTime<Utc>) {
        let is_right = match &self.verifier {
            Some(verifier) => verifier.matches(&self.typed),
            None => true,
        };
        self.typed = zeroize::Zeroizing::new(String::new());
        if is_right {
            self.is_locked = false;
            self.was_wrong = false;
            self.last_activity = Some(now);
        } else {
            self.was_wrong = true;
        }
    }

    /// Whether it is time to lock by itself, at `now`.
    pub fn is_idle(&self, now: DateTime<Utc>) -> bool {
        match (self.after, self.last_activity) {
            (Some(after), Some(last)) => !self.is_locked && now - last >= after,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verifier_knows_the_passphrase_and_nothing_else() {
        let verifier = Verifier::new("correct horse", [7; 16]);
        assert!(verifier.matches("correct horse"));
        assert!(!verifier.matches("correct hors"));
        assert!(!verifier.matches(""));
        assert!(!verifier.matches("Correct horse"));
        // Another salt, another digest: the same passphrase is not recognisable across opens.
        assert_ne!(verifier, Verifier::new("correct horse", [8; 16]));
        assert_eq!(format!("{verifier:?}"), "Verifier(..)");
    }
}
