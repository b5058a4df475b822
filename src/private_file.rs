//! Files created with their mode from the first byte, never written through a file or link
//! that was there before: `write` for what may hold secrets (rendered cloud-init data,
//! seeds: 0600, whatever the umask), `create` for the image cache's files, whose mode the
//! cache decides (0600, or no wider than a `file://` source), and `replace` for a report
//! that readers must see whole or not at all (`vlab test --junit`).
//!
//! Only creates and writes; where such files go is the callers' business (`vlab render
//! --out`, the applier's staging directory, the image cache).

use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

/// The mode of every file written here.
pub const MODE: u32 = 0o600;

/// Writes `data` to a new file at `path` with mode 0600. Whatever was at `path` (an older
/// file, whose mode may be wider, or a symlink) is removed first rather than written through.
pub fn write(path: &Path, data: &[u8]) -> io::Result<()> {
    let mut file = create(path, MODE)?;
    file.write_all(data)?;
    file.sync_all()
}

/// Creates `path` anew, open for reading and writing, with `mode` (under the umask) from
/// its first byte: whatever was at `path` is removed first, so neither an older file's
/// wider mode nor a symlink carries over.
pub fn create(path: &Path, mode: u32) -> io::Result<std::fs::File> {
    match std::fs::remove_file(path) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
}

/// Replaces `path` with `data` at once: written (with `mode`) to a new file beside it,
/// synced, then renamed over it, so a reader sees the old file or the new one, never a part.
pub fn replace(path: &Path, data: &[u8], mode: u32) -> io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "no file name"))?;
    let mut staged = std::ffi::OsString::from(".");
    staged.push(name);
    staged.push(format!(".{}.tmp", std::process::id()));
    let staged = path.with_file_name(staged);
    let written = create(&staged, mode)
        .and_then(|mut file| file.write_all(data).and_then(|()| file.sync_all()))
        .and_then(|()| std::fs::rename(&staged, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&staged);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .expect("metadata")
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn new_and_replaced_files_are_0600_and_links_are_not_followed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("seed.img");
        write(&path, b"one").expect("write");
        assert_eq!(mode(&path), 0o600);
        // An older, world-readable file is replaced, not reused with its mode.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        write(&path, b"two").expect("rewrite");
        assert_eq!(mode(&path), 0o600);
        assert_eq!(std::fs::read(&path).expect("read"), b"two");
        // A symlink planted at the path is replaced; its target is untouched.
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, b"keep").expect("target");
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        write(&link, b"secret").expect("write over the link");
        assert_eq!(std::fs::read(&target).expect("target"), b"keep");
        assert_eq!(mode(&link), 0o600);
    }

    #[test]
    fn a_replaced_file_is_whole_and_leaves_nothing_beside_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("report.xml");
        std::fs::write(&path, b"old").expect("old");
        replace(&path, b"new", 0o644).expect("replace");
        assert_eq!(std::fs::read(&path).expect("read"), b"new");
        assert_eq!(mode(&path), 0o644);
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, ["report.xml"]);
        let missing = dir.path().join("no-such-dir/report.xml");
        assert!(replace(&missing, b"x", 0o644).is_err());
    }
}
