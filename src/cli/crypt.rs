//! The commands of encryption at rest: `init` (encrypted, or `--plaintext`), `rekey`,
//! `decrypt --out FILE` and `encrypt`. The passphrase comes from [`super::passphrase`]; the
//! database work is `storage::sqlite`'s.

use super::args::{DecryptArgs, InitArgs, RekeyArgs};
use super::passphrase::{self, Need};
use super::{CliError, Context};
use crate::storage::sqlite::{Probe, SqliteStore, probe};

/// Creates the database, encrypted unless `--plaintext`; an existing one is left alone.
pub fn init(context: &mut Context, args: &InitArgs) -> Result<String, CliError> {
    let path = context.db_path()?;
    match probe(&path)? {
        Probe::Missing | Probe::Empty => {}
        found => {
            let how = if found == Probe::Plaintext {
                "not encrypted"
            } else {
                "encrypted"
            };
            return Err(CliError(format!(
                "{} already exists ({how}); nothing was changed",
                path.display()
            )));
        }
    }
    context.creates_plaintext = args.plaintext;
    context.store()?;
    Ok(if args.plaintext {
        format!(
            "Created {}, NOT encrypted: anyone who can read the file can read every record. \
             escalate encrypt encrypts it later.\n",
            path.display()
        )
    } else {
        format!(
            "Created {}, encrypted. Keep the passphrase safe: without it nobody, you included, \
             can read the records.\n",
            path.display()
        )
    })
}

/// Changes the passphrase: the old one opens the database (its file, or asked once), the new
/// one comes from `--new-passphrase-file` or is asked twice.
pub fn rekey(context: &mut Context, args: &RekeyArgs) -> Result<String, CliError> {
    let path = context.db_path()?;
    if probe(&path)? == Probe::Plaintext {
        return Err(CliError(format!(
            "{} is not encrypted, so it has no passphrase to change; run escalate encrypt to \
             encrypt it",
            path.display()
        )));
    }
    let store = context.existing_store()?;
    let new = match &args.new_passphrase_file {
        Some(file) => passphrase::from_file(file, "--new-passphrase-file")?,
        None if passphrase::is_interactive() => {
            passphrase::read(None, Need::Create, "the database")?
        }
        None => {
            return Err(CliError(
                "there is no terminal to ask for the new passphrase: give it with \
                 --new-passphrase-file FILE (mode 0600)"
                    .to_owned(),
            ));
        }
    };
    sqlite_only(store, "rekey")?.rekey(&new)?;
    Ok(format!(
        "The passphrase of {} was changed. If a script or cron job reads ESCALATE_PASSPHRASE_FILE, \
         put the new one in its file.\n",
        path.display()
    ))
}

/// Writes a plain copy of the database to `--out`, 0600, refusing an existing file.
pub fn decrypt(context: &mut Context, args: &DecryptArgs) -> Result<String, CliError> {
    let store = context.existing_store()?;
    sqlite_only(store, "decrypt")?.export_plaintext(&args.out)?;
    Ok(format!(
        "Wrote a plain copy to {} (readable only by you). It is NOT encrypted: delete it once \
         it has been sent.\n",
        args.out.display()
    ))
}

/// Encrypts a plain database in place.
pub fn encrypt(context: &mut Context) -> Result<String, CliError> {
    let path = context.db_path()?;
    match probe(&path)? {
        Probe::Plaintext => {}
        Probe::Encrypted => {
            return Err(CliError(format!(
                "{} is already encrypted (escalate rekey changes its passphrase)",
                path.display()
            )));
        }
        Probe::Missing | Probe::Empty => {
            return Err(CliError(format!(
                "there is no escalation database at {} yet; escalate init creates one, encrypted",
                path.display()
            )));
        }
    }
    let passphrase = passphrase::read(
        context.paths.passphrase_file.as_deref(),
        Need::Create,
        &path.display().to_string(),
    )?;
    SqliteStore::encrypt_in_place(&path, &passphrase)?;
    Ok(format!("{} is now encrypted.\n", path.display()))
}

/// The SQLite file behind `store`: a passphrase and a plain copy are a file's; a team's
/// PostgreSQL database is guarded by the server's roles and backed up by its own tools.
fn sqlite_only<'a>(
    store: &'a mut crate::storage::any::AnyStore,
    command: &str,
) -> Result<&'a mut crate::storage::sqlite::SqliteStore, CliError> {
    match store {
        crate::storage::any::AnyStore::Sqlite(store) => Ok(store),
        crate::storage::any::AnyStore::Postgres(_) => Err(CliError(format!(
            "escalate {command} is for an encrypted database file; a PostgreSQL database is \
             protected by its server (its roles and its own encryption and backups)"
        ))),
    }
}
