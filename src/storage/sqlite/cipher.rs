//! Encryption at rest, the SQLCipher side: changing the passphrase (`rekey`), a plain copy for
//! a subject access request (`decrypt`), and turning a plain database into an encrypted one in
//! place (`encrypt`), so that a crash at any moment leaves exactly one usable database.
//!
//! Keys are applied where every connection is opened ([`super::open_connection`]); this module
//! only moves a whole database from one key to another. Start at [`SqliteStore::encrypt_in_place`].

use std::path::{Path, PathBuf};

use zeroize::{Zeroize as _, Zeroizing};

use crate::storage::Passphrase;

use super::{
    APPLICATION_ID, Key, Result, SqliteStore, StoreError, create_private, folder_of, io,
    is_writable, not_writable, refuse_symlink, with_suffix,
};
use crate::core::record::RecordError;
use crate::storage::Store as _;

/// How a connection is keyed: not at all, or with a raw key derived once from the passphrase.
pub(super) enum Cipher {
    Plain,
    Raw {
        /// The value of `PRAGMA key`: `x'` + the key + the salt, in hex, + `'`.
        pragma: Zeroizing<String>,
        salt: [u8; 16],
    },
}

impl Cipher {
    pub(super) fn is_plaintext(&self) -> bool {
        matches!(self, Self::Plain)
    }
}

/// SQLCipher 4's key derivation, as it does it itself for `PRAGMA key = 'passphrase'`:
/// PBKDF2-HMAC-SHA512, 256,000 iterations, a 32-byte key, the file's 16-byte salt. escalate
/// derives the key once and hands SQLCipher the raw key with its salt, so that the second
/// connection of a large caseload and a backup's copy do not each pay for the derivation
/// again. The same passphrase opens the file in SQLCipher's own shell (`PRAGMA key`); a test
/// holds the two derivations equal.
pub(super) const KDF_ITERATIONS: u32 = 256_000;

/// PBKDF2-HMAC-SHA512 (RFC 8018) for a 32-byte key, by OpenSSL (fast even in a debug build).
fn pbkdf2_sha512(password: &[u8], salt: &[u8], iterations: u32) -> Result<Zeroizing<[u8; 32]>> {
    let mut key = Zeroizing::new([0_u8; 32]);
    openssl::pkcs5::pbkdf2_hmac(
        password,
        salt,
        usize::try_from(iterations).unwrap_or(usize::MAX),
        openssl::hash::MessageDigest::sha512(),
        &mut key[..],
    )
    .map_err(|e| StoreError::Backend(format!("cannot derive the key: {e}")))?;
    Ok(key)
}

fn hex(bytes: &[u8], out: &mut String) {
    for b in bytes {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
}

/// The raw key of `passphrase` for a file with `salt`.
pub(super) fn derive(passphrase: &Passphrase, salt: [u8; 16]) -> Result<Cipher> {
    let key = pbkdf2_sha512(passphrase.expose().as_bytes(), &salt, KDF_ITERATIONS)?;
    let mut pragma = Zeroizing::new(String::with_capacity(100));
    pragma.push_str("x'");
    hex(&key[..], &mut pragma);
    hex(&salt, &mut pragma);
    pragma.push('\'');
    Ok(Cipher::Raw { pragma, salt })
}

/// The schema version and application id, which `sqlcipher_export` does not carry over.
fn stamp(conn: &rusqlite::Connection, schema: &str, version: i64) -> Result<()> {
    conn.execute_batch(&format!(
        "PRAGMA {schema}.user_version = {version}; PRAGMA {schema}.application_id = {APPLICATION_ID};"
    ))?;
    Ok(())
}

/// A path as an SQL string literal, quotes doubled.
fn literal(path: &Path) -> String {
    format!("'{}'", path.to_string_lossy().replace('\'', "''"))
}

/// A new private temporary file beside `path`, named for what it is for.
fn temporary_beside(path: &Path, purpose: &str) -> Result<(PathBuf, std::fs::File)> {
    let name = path.file_name().map_or_else(
        || "escalate.db".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let temporary = folder_of(path).join(format!(".{name}.{purpose}-{:016x}", fastrand::u64(..)));
    let file = create_private(&temporary).map_err(|e| {
        if is_writable(folder_of(path)) {
            io(format!("cannot create {}", temporary.display()))(e)
        } else {
            not_writable(folder_of(path))
        }
    })?;
    Ok((temporary, file))
}

fn remove_with_sidecars(path: &Path) {
    let _ = std::fs::remove_file(path);
    for suffix in super::SIDECARS {
        let _ = std::fs::remove_file(with_suffix(path, suffix));
    }
}

fn sync_folder(path: &Path) {
    if let Ok(folder) = std::fs::File::open(folder_of(path)) {
        let _ = folder.sync_all();
    }
}

/// Only one connection may be open for a database to change its key or leave WAL mode.
fn in_use(error: StoreError) -> StoreError {
    match error {
        StoreError::Busy(_) => StoreError::Busy(
            "another escalate (a dashboard or a command) has the database open; close it and \
             try again"
                .to_owned(),
        ),
        other => other,
    }
}

impl SqliteStore {
    fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |row| row.get(0))?)
    }

    /// Encrypts the database under a new passphrase (`PRAGMA rekey`). The database leaves WAL
    /// mode for the change (so no log holds pages under the old key) and returns to it; another
    /// connection open on it makes this fail, changing nothing.
    pub fn rekey(&mut self, new: &Passphrase) -> Result<()> {
        if self.key.is_plaintext() {
            return Err(StoreError::Refused(RecordError::new(
                "rekey",
                "this database is not encrypted: run escalate encrypt to encrypt it".to_owned(),
            )));
        }
        let delete: String = self
            .conn
            .pragma_update_and_check(None, "journal_mode", "DELETE", |row| row.get(0))
            .map_err(|e| in_use(e.into()))?;
        if !delete.eq_ignore_ascii_case("delete") {
            return Err(in_use(StoreError::Busy(String::new())));
        }
        let Cipher::Raw { salt, .. } = &self.key else {
            return Err(in_use(StoreError::Busy(String::new())));
        };
        let cipher = derive(new, *salt)?;
        let Cipher::Raw { pragma, .. } = &cipher else {
            return Err(in_use(StoreError::Busy(String::new())));
        };
        let rekeyed = self.conn.pragma_update(None, "rekey", pragma.as_str());
        let _wal: String =
            self.conn
                .pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        rekeyed?;
        self.key = cipher;
        Ok(())
    }

    /// Writes a plain (unencrypted) copy of the whole database to `destination`, which must
    /// not exist: 0600 from its first byte, written beside it under a temporary name and linked
    /// into place only when complete. For a subject access request.
    pub fn export_plaintext(&self, destination: &Path) -> Result<()> {
        if refuse_symlink(destination)?.is_some() {
            return Err(StoreError::Refused(RecordError::new(
                "out",
                format!(
                    "{} already exists; choose a new file name so that nothing is overwritten",
                    destination.display()
                ),
            )));
        }
        let version = self.schema_version()?;
        let (partial, file) = temporary_beside(destination, "partial")?;
        let written = (|| -> Result<()> {
            self.conn.execute_batch(&format!(
                "ATTACH DATABASE {} AS plaintext KEY ''",
                literal(&partial)
            ))?;
            let exported = self
                .conn
                .query_row("SELECT sqlcipher_export('plaintext')", [], |_| Ok(()))
                .map_err(StoreError::from)
                .and_then(|()| stamp(&self.conn, "plaintext", version));
            self.conn.execute_batch("DETACH DATABASE plaintext")?;
            exported?;
            file.sync_all()
                .map_err(io(format!("cannot write {}", partial.display())))?;
            std::fs::hard_link(&partial, destination)
                .map_err(io(format!("cannot create {}", destination.display())))?;
            Ok(())
        })();
        remove_with_sidecars(&partial);
        written?;
        sync_folder(destination);
        Ok(())
    }

    /// Encrypts the plain database at `path` in place, under `passphrase`, so that a crash or
    /// a kill at any moment leaves exactly one usable database there, the old plain one or the
    /// new encrypted one:
    ///
    /// 1. the plain database is opened (and checked to be escalate's), and leaves WAL mode, so
    ///    that everything is in the file itself and no log is left to be read against the new
    ///    one (this needs it to be open nowhere else);
    /// 2. it is exported with `sqlcipher_export` into a private temporary file beside it,
    ///    which is synced;
    /// 3. the copy is opened with the passphrase and verified (its audit chain, and as many
    ///    escalations as the original);
    /// 4. only then is it renamed over the original (atomic), and the folder synced.
    ///
    /// Before step 4 the original is untouched but for its journal mode (a kill leaves a
    /// temporary file, removed by the next conversion); after it, the encrypted file is there.
    pub fn encrypt_in_place(path: &Path, passphrase: &Passphrase) -> Result<Self> {
        let store = Self::open_file(path, false, Key::Plaintext)?;
        // Held until the copy is in place: another escalate starting meanwhile waits, rather
        // than judge a file about to be replaced.
        let guard =
            super::open_nofollow(path).map_err(io(format!("cannot open {}", path.display())))?;
        guard
            .lock()
            .map_err(io(format!("cannot lock {}", path.display())))?;
        for stale in stale_temporaries(path) {
            remove_with_sidecars(&stale);
        }
        let all = crate::storage::Filter {
            include_closed: true,
            stage: None,
        };
        let count = store.escalations(all)?.len();
        let version = store.schema_version()?;
        let delete: String = store
            .conn
            .pragma_update_and_check(None, "journal_mode", "DELETE", |row| row.get(0))
            .map_err(|e| in_use(e.into()))?;
        if !delete.eq_ignore_ascii_case("delete") {
            return Err(in_use(StoreError::Busy(String::new())));
        }
        let (temporary, file) = temporary_beside(path, "encrypting")?;
        let key = Key::Passphrase(passphrase.clone());
        let Cipher::Raw { pragma, .. } =
            derive(passphrase, std::array::from_fn(|_| fastrand::u8(..)))?
        else {
            return Err(StoreError::Backend("no key was derived".to_owned()));
        };
        let converted = (|| -> Result<()> {
            // The raw key as an SQL literal (its quotes doubled): it goes to SQLCipher, never
            // to a log.
            let mut attach = Zeroizing::new(format!(
                "ATTACH DATABASE {} AS encrypted KEY '",
                literal(&temporary)
            ));
            attach.push_str(&pragma.replace('\'', "''"));
            attach.push('\'');
            let attached = store.conn.execute_batch(&attach);
            attach.zeroize();
            attached?;
            let exported = store
                .conn
                .query_row("SELECT sqlcipher_export('encrypted')", [], |_| Ok(()))
                .map_err(StoreError::from)
                .and_then(|()| stamp(&store.conn, "encrypted", version));
            store.conn.execute_batch("DETACH DATABASE encrypted")?;
            exported?;
            file.sync_all()
                .map_err(io(format!("cannot write {}", temporary.display())))?;
            let copy = Self::open_file(&temporary, false, key.clone())?;
            let verification = copy.verify()?;
            let copied = copy.escalations(all)?.len();
            if verification.problem.is_some() || copied != count {
                return Err(StoreError::Corrupt(format!(
                    "the encrypted copy of {} did not verify ({copied} of {count} escalations); \
                     the plain database was left as it was",
                    path.display()
                )));
            }
            drop(copy);
            Ok(())
        })();
        if let Err(error) = converted {
            remove_with_sidecars(&temporary);
            let _ = store.conn.pragma_update(None, "journal_mode", "WAL");
            return Err(error);
        }
        drop(store);
        // The copy was opened (and put in WAL mode) once to verify it, and closed cleanly:
        // its log is gone, and no log of the plain database is left to be read against it.
        for suffix in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(with_suffix(path, suffix));
        }
        std::fs::rename(&temporary, path)
            .map_err(io(format!("cannot replace {}", path.display())))?;
        sync_folder(path);
        remove_with_sidecars(&temporary);
        drop(guard);
        Self::open_file(path, false, key)
    }
}

/// Temporary files a conversion killed part-way left beside `path`.
fn stale_temporaries(path: &Path) -> Vec<PathBuf> {
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let prefix = format!(".{name}.encrypting-");
    std::fs::read_dir(folder_of(path))
        .map(|entries| {
            entries
                .filter_map(std::result::Result::ok)
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name().is_some_and(|n| {
                        let n = n.to_string_lossy();
                        n.starts_with(&prefix) && !n.ends_with("-wal") && !n.ends_with("-shm")
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbkdf2_sha512_matches_the_published_vector() {
        // PBKDF2-HMAC-SHA512("password", "salt", 1), the first 32 bytes.
        let key = pbkdf2_sha512(b"password", b"salt", 1).unwrap();
        let mut shown = String::new();
        hex(&key[..], &mut shown);
        assert_eq!(
            shown,
            "867f70cf1ade02cff3752599a3a53dc4af34c7a669815ae5d513554e1c8cf252"
        );
    }

    /// The raw key escalate derives opens a file keyed by SQLCipher's own derivation
    /// (`PRAGMA key = 'passphrase'`), and the wrong passphrase's does not.
    #[test]
    fn the_key_derived_once_is_sqlciphers_own() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("keyed.db");
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "key", "pass phrase").unwrap();
        conn.execute_batch("CREATE TABLE t(x); INSERT INTO t VALUES (42);")
            .unwrap();
        drop(conn);
        let bytes = std::fs::read(&path).unwrap();
        let salt: [u8; 16] = bytes[..16].try_into().unwrap();
        let read = |passphrase: &str| -> rusqlite::Result<i64> {
            let Cipher::Raw { pragma, .. } =
                derive(&Passphrase::new(passphrase.to_owned()).unwrap(), salt).unwrap()
            else {
                panic!("a passphrase gives a raw key");
            };
            let conn = rusqlite::Connection::open(&path)?;
            conn.pragma_update(None, "key", pragma.as_str())?;
            conn.query_row("SELECT x FROM t", [], |r| r.get(0))
        };
        assert_eq!(read("pass phrase").unwrap(), 42);
        assert!(read("pass phrasE").is_err());
    }
}
