//! What the integration tests share: a sandbox's passphrase file, so that the real binary opens
//! its databases encrypted (the default) without a terminal to ask at.

use std::path::{Path, PathBuf};

/// Writes the sandbox's passphrase file (0600, as escalate insists) in `dir`; returns its path,
/// for `ESCALATE_PASSPHRASE_FILE`.
pub fn write_passphrase_file(dir: &Path) -> PathBuf {
    use std::os::unix::fs::OpenOptionsExt as _;
    let path = dir.join("passphrase");
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)
        .unwrap();
    std::io::Write::write_all(&mut file, b"test passphrase\n").unwrap();
    path
}
