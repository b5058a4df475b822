//! `file://` sources: checksum lists read whole, images copied into the partial file.
//!
//! Both go through `LocalFile`, so a device (`file:///dev/zero`), a FIFO or a directory is a
//! clear error before anything is written, and both are bounded: a list by the same limit as
//! one fetched over HTTP, an image by the store's image size limit (checked against the size
//! up front, and again while copying, for a file that grows). The copy is created no wider
//! than its source (`cache_layout::copy_mode`). Verifying, unpacking and cleaning up after a
//! failure are the store's.

use super::download_sink::{DownloadSink, SinkResult, SinkSpec};
use super::pull_error::PullError;
use super::pull_reporter::PullReporter;
use crate::local_file::LocalFile;
use std::path::Path;

/// The text of the checksums file at `path`, at most `limit` bytes.
pub fn read_list(path: &Path, limit: u64) -> Result<String, PullError> {
    LocalFile::read_text(path, limit).map_err(|source| PullError::Source {
        path: path.display().to_string(),
        source,
    })
}

/// What to copy and where.
pub struct Import<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub path: &'a Path,
    /// The most bytes an image may have.
    pub limit: u64,
}

/// Copies the image at `import.path` into `spec.part`, hashing it on the way (`spec.mode` is
/// replaced by the mode derived from the source's).
pub async fn import(
    import: Import<'_>,
    mut spec: SinkSpec,
    cache_root: &Path,
    reporter: &dyn PullReporter,
) -> Result<SinkResult, PullError> {
    use std::os::unix::fs::PermissionsExt;
    use tokio::io::AsyncReadExt;
    let source_error = |e| PullError::Source {
        path: import.path.display().to_string(),
        source: e,
    };
    let cache_error = |e| PullError::Cache {
        path: cache_root.display().to_string(),
        source: e,
    };
    let too_large = || PullError::TooLarge {
        url: import.url.to_string(),
        what: "the file",
        limit: import.limit,
    };
    let local = LocalFile::open(import.path).map_err(source_error)?;
    if local.len > import.limit {
        return Err(too_large());
    }
    let source_mode = local
        .file
        .metadata()
        .map_err(source_error)?
        .permissions()
        .mode();
    spec.mode = super::cache_layout::copy_mode(source_mode);
    let total = local.len;
    let mut file = tokio::fs::File::from_std(local.file);
    let mut sink = DownloadSink::open(spec, false).await.map_err(cache_error)?;
    reporter.started(import.name, import.url, Some(total), 0);
    let mut copied = 0u64;
    loop {
        let mut buf = bytes::BytesMut::with_capacity(1024 * 1024);
        let n = file.read_buf(&mut buf).await.map_err(source_error)?;
        if n == 0 {
            break;
        }
        copied += n as u64;
        if copied > import.limit {
            return Err(too_large());
        }
        sink.write(buf.freeze()).await.map_err(cache_error)?;
        reporter.progress(import.name, n as u64);
    }
    sink.finish().await.map_err(cache_error)
}
