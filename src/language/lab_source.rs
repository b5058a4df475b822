//! `LabSource`: the text of a lab file, read with every way a file can be wrong turned into
//! a clear error (missing, a directory, too large, not UTF-8, binary).
//!
//! Reading only; nothing here parses KDL.

use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Lab files are hand-written: anything near this size is a mistake, not a lab.
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct LabSource {
    pub path: PathBuf,
    /// The path as the user wrote it, for messages.
    pub display: String,
    pub text: Arc<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("lab file `{path}` not found")]
    NotFound { path: String },
    #[error("`{path}` is a directory, not a lab file")]
    IsDirectory { path: String },
    #[error("lab file `{path}` is {size} bytes; the limit is {MAX_BYTES} bytes")]
    TooLarge { path: String, size: u64 },
    #[error("lab file `{path}` is not text (byte {offset} is not valid UTF-8)")]
    NotText { path: String, offset: usize },
    #[error("lab file `{path}` is binary (it contains a NUL byte at offset {offset})")]
    Binary { path: String, offset: usize },
    #[error("cannot read lab file `{path}`: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl SourceError {
    pub fn help(&self) -> Option<String> {
        match self {
            SourceError::NotFound { .. } => Some(
                "pass the lab with `-f FILE`, or run vlab where `lab.kdl` is; `ls labs/` shows the examples"
                    .into(),
            ),
            SourceError::IsDirectory { .. } => Some("pass the lab file itself, e.g. `-f labs/quickstart.kdl`".into()),
            _ => None,
        }
    }
}

impl LabSource {
    pub fn read(path: &Path) -> Result<LabSource, SourceError> {
        let display = path.display().to_string();
        let metadata = std::fs::metadata(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => SourceError::NotFound {
                path: display.clone(),
            },
            _ => SourceError::Io {
                path: display.clone(),
                source: e,
            },
        })?;
        if metadata.is_dir() {
            return Err(SourceError::IsDirectory { path: display });
        }
        if metadata.len() > MAX_BYTES {
            return Err(SourceError::TooLarge {
                path: display,
                size: metadata.len(),
            });
        }
        let bytes = read_limited(path).map_err(|e| SourceError::Io {
            path: display.clone(),
            source: e,
        })?;
        if bytes.len() as u64 > MAX_BYTES {
            return Err(SourceError::TooLarge {
                path: display,
                size: bytes.len() as u64,
            });
        }
        LabSource::from_bytes(path, bytes)
    }

    /// Checks bytes already in memory (used by `read` and by tests and the fuzzer).
    pub fn from_bytes(path: &Path, bytes: Vec<u8>) -> Result<LabSource, SourceError> {
        let display = path.display().to_string();
        if let Some(offset) = bytes.iter().position(|b| *b == 0) {
            return Err(SourceError::Binary {
                path: display,
                offset,
            });
        }
        let text = String::from_utf8(bytes).map_err(|e| SourceError::NotText {
            path: display.clone(),
            offset: e.utf8_error().valid_up_to(),
        })?;
        Ok(LabSource {
            path: path.to_path_buf(),
            display,
            text: Arc::new(text),
        })
    }

    /// The file name without extension, the lab's name when it declares none.
    pub fn stem(&self) -> String {
        self.path
            .file_stem()
            .map_or_else(|| "lab".into(), |s| s.to_string_lossy().into_owned())
    }

    /// The directory that relative paths in the lab are resolved against.
    pub fn base_dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        }
    }
}

/// Reads at most `MAX_BYTES + 1` bytes, so a file that grows (or a FIFO) cannot exhaust memory.
fn read_limited(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_BYTES + 1)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}
