//! Writing the user's files privately: the one writer under both the command line
//! (`cli::files`) and the dashboard (`tui`), so a form, a report, an export or a settings file
//! is written the same way wherever it is asked for. Uses nothing else of the crate.
//!
//! Every file is made readable only by its owner (0600, folders made on the way 0700), opened
//! with `O_NOFOLLOW` and created exclusively, so a link planted where it goes is never written
//! through. [`write_private`] and [`PrivateFile`] write beside the target and rename into place:
//! a crash leaves the old file or the new one, never half of either. [`write_new_in`] never
//! replaces anything.

use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

/// Makes `folder` (and any folder above it that is missing) private to the user.
fn make_folder(folder: &Path) -> std::io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(folder)
}

/// Creates `path` new, 0600, never through a link.
fn create_new(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
}

/// Writes `text` to `path` whole and privately, replacing what is there (a link there is
/// replaced, not followed).
pub fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut file = PrivateFile::create(path)?;
    file.write_all(text.as_bytes())?;
    file.finish(Replace::Yes)
}

/// Whether [`PrivateFile::finish`] may replace a file already at the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    Yes,
    /// Refused with [`std::io::ErrorKind::AlreadyExists`], even if the file appeared while
    /// this one was being written.
    No,
}

/// A private file written a piece at a time (an export too large to hold in memory), put in
/// place only by [`PrivateFile::finish`]; dropped unfinished, nothing is left behind.
pub struct PrivateFile {
    file: Option<std::io::BufWriter<std::fs::File>>,
    temporary: PathBuf,
    path: PathBuf,
}

impl PrivateFile {
    /// Starts writing `path`: a new 0600 file beside it, in a folder made 0700 if need be.
    pub fn create(path: &Path) -> std::io::Result<Self> {
        let folder = match path.parent() {
            Some(folder) if !folder.as_os_str().is_empty() => folder,
            _ => Path::new("."),
        };
        make_folder(folder)?;
        let name = path
            .file_name()
            .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
        let temporary = folder.join(format!(
            ".{name}.{}.{}.tmp",
            std::process::id(),
            fastrand::u32(..)
        ));
        let file = create_new(&temporary)?;
        Ok(Self {
            file: Some(std::io::BufWriter::new(file)),
            temporary,
            path: path.to_owned(),
        })
    }

    /// Syncs the file and puts it at its path.
    pub fn finish(mut self, replace: Replace) -> std::io::Result<()> {
        let Some(file) = self.file.take() else {
            return Err(std::io::Error::other("the file was already finished"));
        };
        let file = file.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        drop(file);
        match replace {
            Replace::Yes => std::fs::rename(&self.temporary, &self.path),
            // A hard link is made only if nothing is at the path: no window to overwrite in.
            Replace::No => std::fs::hard_link(&self.temporary, &self.path),
        }
    }
}

impl std::io::Write for PrivateFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Some(file) => file.write(buf),
            None => Err(std::io::Error::other("the file was already finished")),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(file) => file.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for PrivateFile {
    fn drop(&mut self) {
        // Finished with a rename, the temporary name is gone; with a link, it is removed here.
        let _ = std::fs::remove_file(&self.temporary);
    }
}

/// Writes `text` as a new file named `file_name` in `folder` (made 0700), never over another
/// file: `-2`, `-3` ... are added before the extension until the name is new. Returns where.
pub fn write_new_in(folder: &Path, file_name: &str, text: &str) -> std::io::Result<PathBuf> {
    make_folder(folder)?;
    let (stem, extension) = file_name.rsplit_once('.').unwrap_or((file_name, "html"));
    for n in 1..1000 {
        let name = if n == 1 {
            format!("{stem}.{extension}")
        } else {
            format!("{stem}-{n}.{extension}")
        };
        let path = folder.join(name);
        match create_new(&path) {
            Ok(mut file) => {
                let written = file
                    .write_all(text.as_bytes())
                    .and_then(|()| file.sync_all());
                if let Err(e) = written {
                    let _ = std::fs::remove_file(&path);
                    return Err(e);
                }
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        format!("{} holds too many copies of {file_name}", folder.display()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_streamed_file_is_private_and_replaces_only_when_asked() {
        let dir = tempfile::TempDir::new().unwrap();
        let path = dir.path().join("sub").join("export.json");
        let mut file = PrivateFile::create(&path).unwrap();
        file.write_all(b"first").unwrap();
        assert!(!path.exists(), "nothing at the path until it is finished");
        file.finish(Replace::No).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(mode(&dir.path().join("sub")), 0o700);

        let mut again = PrivateFile::create(&path).unwrap();
        again.write_all(b"second").unwrap();
        let refused = again.finish(Replace::No).unwrap_err();
        assert_eq!(refused.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "first");

        let mut forced = PrivateFile::create(&path).unwrap();
        forced.write_all(b"third").unwrap();
        forced.finish(Replace::Yes).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "third");

        // Dropped unfinished: nothing left behind.
        let mut dropped = PrivateFile::create(&dir.path().join("gone.json")).unwrap();
        dropped.write_all(b"x").unwrap();
        drop(dropped);
        let left: Vec<_> = std::fs::read_dir(dir.path().join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, vec![std::ffi::OsString::from("export.json")]);
        assert!(!dir.path().join("gone.json").exists());
    }

    #[test]
    fn a_link_is_replaced_never_followed() {
        let dir = tempfile::TempDir::new().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "keep").unwrap();
        let link = dir.path().join("out.json");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        write_private(&link, "new").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
        assert!(!std::fs::symlink_metadata(&link).unwrap().is_symlink());
        assert_eq!(std::fs::read_to_string(&link).unwrap(), "new");
    }

    #[test]
    fn a_new_file_in_a_folder_never_replaces_one() {
        let dir = tempfile::TempDir::new().unwrap();
        let folder = dir.path().join("forms");
        let first = write_new_in(&folder, "appendix-2.html", "a").unwrap();
        let second = write_new_in(&folder, "appendix-2.html", "b").unwrap();
        assert_eq!(first, folder.join("appendix-2.html"));
        assert_eq!(second, folder.join("appendix-2-2.html"));
        assert_eq!(std::fs::read_to_string(&first).unwrap(), "a");
        assert_eq!(mode(&second), 0o600);
        assert_eq!(mode(&folder), 0o700);
    }
}
