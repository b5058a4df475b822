//! `unpack`: a verified compressed download into the file the cache will hold, bounded.
//!
//! Runs only after the download's digest has matched the lab's checksum (the checksum is of
//! the file as published, compressed), so a hostile mirror cannot make vlab unpack anything.
//! A verified archive can still be a bomb (a lab may pin one), so the unpacked size is capped:
//! the output stops at `limit` bytes and the caller is told, never a byte more is written.
//! The output is hashed (SHA-256) as it is written. It does not choose the cap, the paths or
//! the file mode, and it leaves removing files on failure to the caller.

use super::compression::{Compression, Decoder};
use super::hasher::HashingWriter;
use super::pull_error::PullError;
use crate::checksum::{Checksum, HashAlgorithm};
use std::cell::RefCell;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::rc::Rc;

const FILE_BUFFER: usize = 256 * 1024;

#[derive(Debug)]
pub enum UnpackError {
    /// The content is larger than the cap.
    TooLarge,
    /// The compressed data is not valid.
    Corrupt(io::Error),
    /// Reading the download or writing the output failed.
    Io(io::Error),
}

/// Unpacks the verified download at `from` into `to` (no wider than `from`), at most
/// `limit` bytes, on a blocking thread; failures as the store reports them.
pub async fn unpack_verified(
    compression: Compression,
    from: PathBuf,
    to: PathBuf,
    url: &str,
    limit: u64,
) -> Result<(Checksum, u64), PullError> {
    use std::os::unix::fs::PermissionsExt;
    let cache_error = |path: &Path, source| PullError::Cache {
        path: path.display().to_string(),
        source,
    };
    let mode = std::fs::metadata(&from)
        .map_err(|e| cache_error(&from, e))?
        .permissions()
        .mode();
    let result = tokio::task::spawn_blocking({
        let to = to.clone();
        move || unpack(compression, &from, &to, mode & 0o777, limit)
    })
    .await
    .unwrap_or_else(|e| Err(UnpackError::Io(io::Error::other(e))));
    result.map_err(|e| match e {
        UnpackError::TooLarge => PullError::TooLarge {
            url: url.to_string(),
            what: "the unpacked image",
            limit,
        },
        UnpackError::Corrupt(e) => PullError::Invalid {
            url: url.to_string(),
            message: format!("cannot unpack it: {e}"),
        },
        UnpackError::Io(e) => cache_error(&to, e),
    })
}

/// Decompresses `from` into a new file at `to` (created with `mode`), at most `limit` bytes;
/// returns the digest and size of what was written.
pub fn unpack(
    compression: Compression,
    from: &Path,
    to: &Path,
    mode: u32,
    limit: u64,
) -> Result<(Checksum, u64), UnpackError> {
    let source = File::open(from).map_err(UnpackError::Io)?;
    let mut input = BufReader::with_capacity(FILE_BUFFER, source);
    let file = crate::private_file::create(to, mode).map_err(UnpackError::Io)?;
    let failure = Rc::new(RefCell::new(None));
    let bounded = Bounded {
        inner: BufWriter::with_capacity(FILE_BUFFER, file),
        left: limit,
        failure: Rc::clone(&failure),
    };
    let output = HashingWriter::new(bounded, HashAlgorithm::Sha256);
    let decoded = Decoder::new(compression, output).and_then(|mut decoder| {
        io::copy(&mut input, &mut decoder)?;
        decoder.finish()
    });
    // The decoder may wrap the output's errors; the output says itself whether it failed.
    let writer = match (decoded, failure.take()) {
        (_, Some(Failure::TooLarge)) => return Err(UnpackError::TooLarge),
        (_, Some(Failure::Write(e))) => return Err(UnpackError::Io(e)),
        (Err(e), None) => return Err(UnpackError::Corrupt(e)),
        (Ok(writer), None) => writer,
    };
    let file = writer
        .inner
        .inner
        .into_inner()
        .map_err(|e| UnpackError::Io(e.into_error()))?;
    file.sync_all().map_err(UnpackError::Io)?;
    Ok((writer.hasher.finish(), writer.written))
}

/// Why the output stopped.
enum Failure {
    TooLarge,
    Write(io::Error),
}

/// Writes through to `inner` until `left` bytes are used up; the write that would pass the
/// cap fails and writes nothing.
struct Bounded<W: Write> {
    inner: W,
    left: u64,
    failure: Rc<RefCell<Option<Failure>>>,
}

impl<W: Write> Bounded<W> {
    fn fail(&self, failure: Failure, error: io::Error) -> io::Error {
        *self.failure.borrow_mut() = Some(failure);
        error
    }
}

impl<W: Write> Write for Bounded<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() as u64 > self.left {
            let error = io::Error::other("the unpacked image is larger than the limit");
            return Err(self.fail(Failure::TooLarge, error));
        }
        match self.inner.write(buf) {
            Ok(n) => {
                self.left -= n as u64;
                Ok(n)
            }
            Err(e) => {
                let copy = io::Error::new(e.kind(), e.to_string());
                Err(self.fail(Failure::Write(e), copy))
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush().map_err(|e| {
            let copy = io::Error::new(e.kind(), e.to_string());
            self.fail(Failure::Write(e), copy)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(data).expect("gz");
        gz.finish().expect("gz")
    }

    #[test]
    fn unpacks_and_hashes_within_the_cap() {
        let dir = tempfile::tempdir().expect("tempdir");
        let plain = vec![7u8; 100_000];
        std::fs::write(dir.path().join("a.gz"), gzip(&plain)).expect("write");
        let out = dir.path().join("a");
        let (digest, size) = unpack(
            Compression::Gzip,
            &dir.path().join("a.gz"),
            &out,
            0o600,
            100_000,
        )
        .expect("unpack");
        assert_eq!(size, 100_000);
        let mut hasher = crate::image_store::hasher::Hasher::new(HashAlgorithm::Sha256);
        hasher.update(&plain);
        assert_eq!(digest, hasher.finish());
        assert_eq!(std::fs::read(&out).expect("read"), plain);
    }

    #[test]
    fn stops_at_the_cap_without_passing_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a.gz"), gzip(&vec![0u8; 4 * 1024 * 1024])).expect("w");
        let out = dir.path().join("a");
        let result = unpack(
            Compression::Gzip,
            &dir.path().join("a.gz"),
            &out,
            0o600,
            1024 * 1024,
        );
        assert!(matches!(result, Err(UnpackError::TooLarge)), "{result:?}");
        let written = std::fs::metadata(&out).expect("out").len();
        assert!(written <= 1024 * 1024, "{written} bytes written");
    }

    #[test]
    fn corrupt_input_is_told_apart_from_output_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("a.xz"), b"this is not xz at all").expect("write");
        let result = unpack(
            Compression::Xz,
            &dir.path().join("a.xz"),
            &dir.path().join("a"),
            0o600,
            1024,
        );
        assert!(matches!(result, Err(UnpackError::Corrupt(_))), "{result:?}");
    }
}
