//! The user's files: reading settings, procedures, themes, and values given by file
//! (`--child-file`). Only regular files are read, and only up to [`MAX_FILE_BYTES`]: a FIFO or a
//! link to `/dev/zero` named `config.toml` would otherwise hang every command, or fill memory.
//! `-` as a value's file means standard input, read with the same limit. What escalate writes
//! (settings, a calendar, a report, a form) is written whole and readable only by the user
//! ([`write_private`]).
//!
//! Errors name the file and say how to fix it. Start at [`read_text`].

use std::io::Read as _;
use std::path::Path;

use super::CliError;

/// The largest file escalate reads: far more than any procedure or settings file needs.
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

/// Reads a text file the user keeps. `Ok(None)`: there is no such file. `what` names the kind
/// of file in errors ("settings file", "procedure file").
///
/// The path is checked before it is opened (a FIFO would block the open itself) and the open
/// file again after (in case the name was swapped between the two), and reading stops one byte
/// past the limit whatever the file claims its size is.
pub fn read_text(path: &Path, what: &str) -> Result<Option<String>, CliError> {
    let shown = path.display();
    let refuse = |why: String| CliError(format!("cannot read {what} {shown}: {why}"));
    let not_regular = || {
        refuse(
            "it is not a regular file (a FIFO, a device or a folder); escalate reads only ordinary files, so replace it with one"
                .to_owned(),
        )
    };
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(refuse(e.to_string())),
    };
    if !metadata.is_file() {
        return Err(not_regular());
    }
    let file = std::fs::File::open(path).map_err(|e| refuse(e.to_string()))?;
    if !file
        .metadata()
        .map_err(|e| refuse(e.to_string()))?
        .is_file()
    {
        return Err(not_regular());
    }
    read_limited(file, &refuse).map(Some)
}

/// Reads a value from a file, or from standard input when `path` is `-`. One final line end
/// is dropped, so that `echo NAME > file` gives `NAME`.
pub fn read_value(path: &Path, option: &str) -> Result<String, CliError> {
    let text = if path == Path::new("-") {
        let refuse = |why: String| CliError(format!("{option}: cannot read standard input: {why}"));
        read_limited(std::io::stdin().lock(), &refuse)?
    } else {
        read_text(path, &format!("the file given to {option},"))?.ok_or_else(|| {
            CliError(format!(
                "{option}: there is no file {}; give a file that holds the value, or - to read it from standard input",
                path.display()
            ))
        })?
    };
    let text = text
        .strip_suffix('\n')
        .map(|t| t.strip_suffix('\r').unwrap_or(t))
        .unwrap_or(&text);
    Ok(text.to_owned())
}

fn read_limited(
    source: impl std::io::Read,
    refuse: &dyn Fn(String) -> CliError,
) -> Result<String, CliError> {
    let mut bytes = Vec::new();
    source
        .take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| refuse(e.to_string()))?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(refuse(
            "it is larger than 1 MiB, the most escalate reads; check it is the right file"
                .to_owned(),
        ));
    }
    String::from_utf8(bytes)
        .map_err(|_| refuse("it is not UTF-8 text; save it as UTF-8".to_owned()))
}

/// Writes a settings file (or a calendar, a report, a form) the user keeps, privately and
/// whole, replacing what is there: [`crate::files::write_private`], worded for the command line.
pub fn write_private(path: &Path, text: &str) -> Result<(), CliError> {
    crate::files::write_private(path, text)
        .map_err(|why| CliError(format!("cannot write {}: {why}", path.display())))
}

/// Remembers the DSL's name in `config.toml` (`user = NAME`), keeping the rest of the file:
/// the dashboard asks for it on a first run, for the audit trail. Returns the file written.
pub fn remember_user(config_dir: &Path, name: &str) -> Result<std::path::PathBuf, CliError> {
    let path = config_dir.join("config.toml");
    let text = read_text(&path, "settings file")?.unwrap_or_default();
    // Refuse to rewrite a file that does not read: the user's mistake stays theirs to fix.
    crate::config::Config::parse(&path.display().to_string(), &text)?;
    write_private(&path, &crate::config::with_user(&text, name))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read() {
        let dir = tempfile::TempDir::new().unwrap();
        let fifo = dir.path().join("fifo.toml");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        let zero = dir.path().join("zero.toml");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        for path in [&fifo, &zero, &dir.path().to_path_buf()] {
            let error = read_text(path, "settings file").unwrap_err().to_string();
            assert!(error.contains("not a regular file"), "{error}");
            assert!(error.contains(&path.display().to_string()), "{error}");
        }
        let big = dir.path().join("big.toml");
        std::fs::write(&big, vec![b'#'; 1024 * 1024 + 1]).unwrap();
        let error = read_text(&big, "procedure file").unwrap_err().to_string();
        assert!(error.contains("larger than 1 MiB"), "{error}");
        let fine = dir.path().join("fine.toml");
        std::fs::write(&fine, "a = 1\n").unwrap();
        assert_eq!(read_text(&fine, "x").unwrap().as_deref(), Some("a = 1\n"));
        assert_eq!(read_text(&dir.path().join("none"), "x").unwrap(), None);
        assert_eq!(read_value(&fine, "--child-file").unwrap(), "a = 1");
    }

    #[test]
    fn a_remembered_name_is_written_privately_keeping_the_settings() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::TempDir::new().unwrap();
        let config_dir = dir.path().join("escalate");
        let path = remember_user(&config_dir, "Jo Bloggs").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&config_dir), 0o700);
        std::fs::write(&path, "privacy = true\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        remember_user(&config_dir, "Sam Lee").unwrap();
        assert_eq!(mode(&path), 0o600);
        let config =
            crate::config::Config::parse("c", &std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(config.user.as_deref(), Some("Sam Lee"));
        assert!(config.privacy);
        // A file that does not read is left as it is.
        std::fs::write(&path, "privacy = maybe\n").unwrap();
        assert!(remember_user(&config_dir, "X").is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "privacy = maybe\n");
        assert_eq!(
            std::fs::read_dir(&config_dir).unwrap().count(),
            1,
            "no temporary file left"
        );
    }
}
