//! `LocalFile`: opening and reading a path a lab file names, bounded and regular files only.
//!
//! A lab may come from a stranger, and it names local paths: templates, `file://` images and
//! checksum lists. A device (`/dev/zero`), a FIFO or a directory there must be a clear error,
//! not a read that never ends or blocks forever, and a read must stop at a size limit. Every
//! read of a lab-named path goes through here. This module only opens and reads; it does not
//! decide which paths a lab may name.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// An open regular file.
#[derive(Debug)]
pub struct LocalFile {
    pub file: File,
    /// Its size when it was opened.
    pub len: u64,
}

impl LocalFile {
    /// Opens `path` for reading; anything but a regular file (after symlinks) is an
    /// `InvalidInput` error saying what it is. A FIFO is opened without blocking.
    pub fn open(path: &Path) -> io::Result<LocalFile> {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: opening a FIFO with no writer must not hang; it has no effect on the
        // regular files that are then read. O_NOCTTY: a terminal never becomes ours.
        const O_NONBLOCK: i32 = 0o4000;
        const O_NOCTTY: i32 = 0o400;
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(O_NONBLOCK | O_NOCTTY)
            .open(path)?;
        let metadata = file.metadata()?;
        if !metadata.is_file() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("it is {}, not a regular file", kind_of(&metadata)),
            ));
        }
        Ok(LocalFile {
            file,
            len: metadata.len(),
        })
    }

    /// Reads the whole file, refusing one of more than `limit` bytes (also when it grows
    /// while being read).
    pub fn read_bytes(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
        let local = LocalFile::open(path)?;
        if local.len > limit {
            return Err(too_large(local.len, limit));
        }
        let mut bytes = Vec::with_capacity(local.len as usize);
        local.file.take(limit + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > limit {
            return Err(too_large(bytes.len() as u64, limit));
        }
        Ok(bytes)
    }

    /// `read_bytes` as UTF-8 text.
    pub fn read_text(path: &Path, limit: u64) -> io::Result<String> {
        String::from_utf8(LocalFile::read_bytes(path, limit)?).map_err(|e| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "it is not text (byte {} is not valid UTF-8)",
                    e.utf8_error().valid_up_to()
                ),
            )
        })
    }
}

fn too_large(size: u64, limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("it is {size} bytes or more; the limit is {limit} bytes"),
    )
}

fn kind_of(metadata: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let kind = metadata.file_type();
    if kind.is_dir() {
        "a directory"
    } else if kind.is_char_device() {
        "a character device"
    } else if kind.is_block_device() {
        "a block device"
    } else if kind.is_fifo() {
        "a FIFO"
    } else if kind.is_socket() {
        "a socket"
    } else {
        "not a regular file"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_devices_directories_and_fifos() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        for (path, kind) in [
            (Path::new("/dev/zero"), "a character device"),
            (dir.path(), "a directory"),
            (fifo.as_path(), "a FIFO"),
        ] {
            let e = LocalFile::read_bytes(path, 1024).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{}", path.display());
            assert!(e.to_string().contains(kind), "{}: {e}", path.display());
        }
    }

    #[test]
    fn reads_up_to_the_limit_and_no_further() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, "12345").unwrap();
        assert_eq!(LocalFile::read_text(&path, 5).unwrap(), "12345");
        let e = LocalFile::read_text(&path, 4).unwrap_err();
        assert!(e.to_string().contains("limit"), "{e}");
        std::fs::write(&path, [0xff, 0xfe]).unwrap();
        assert!(LocalFile::read_text(&path, 5).is_err());
    }
}
