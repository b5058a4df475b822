//! `DownloadSink`: where downloaded bytes go, on a thread of its own.
//!
//! Each chunk is appended to the partial file and hashed in the same pass, so verification
//! never reads the download a second time. The bytes are kept as they came: a compressed
//! image is unpacked only once its digest has matched (`unpacker`), never here. The sink runs
//! on a dedicated thread fed through a small bounded channel: network and hashing overlap on
//! two cores, and memory stays at a few megabytes whatever the image size. On resume it first
//! replays the partial file through the hasher (the one re-read, done once per resume). It
//! does not bound the size (the caller counts `offset`) or decide when to delete the file.

use super::hasher::Hasher;
use crate::checksum::{Checksum, HashAlgorithm};
use bytes::Bytes;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use tokio::sync::{mpsc, oneshot};

const FILE_BUFFER: usize = 256 * 1024;
/// Chunks in flight between the network task and the sink thread.
const CHANNEL_DEPTH: usize = 4;

#[derive(Debug, Clone)]
pub struct SinkSpec {
    pub part: PathBuf,
    /// The algorithm of the checksum the download is verified against.
    pub algorithm: HashAlgorithm,
    /// The partial file's mode, set when it is created (a resumed file keeps its own).
    pub mode: u32,
}

/// What the sink saw once all bytes are in.
#[derive(Debug, Clone)]
pub struct SinkResult {
    /// Digest of the bytes as downloaded (what a checksum verifies).
    pub download_digest: Checksum,
    pub download_size: u64,
}

enum Command {
    Data(Bytes),
    Reset,
}

pub struct DownloadSink {
    tx: mpsc::Sender<Command>,
    done: oneshot::Receiver<io::Result<SinkResult>>,
    /// Bytes of the download already in the partial file.
    pub offset: u64,
}

impl DownloadSink {
    /// Starts the sink; with `resume`, keeps (and re-hashes) what the partial file holds.
    pub async fn open(spec: SinkSpec, resume: bool) -> io::Result<DownloadSink> {
        let (tx, mut rx) = mpsc::channel::<Command>(CHANNEL_DEPTH);
        let (ready_tx, ready_rx) = oneshot::channel::<io::Result<u64>>();
        let (done_tx, done_rx) = oneshot::channel();
        std::thread::Builder::new()
            .name("vlab-download-sink".into())
            .spawn(move || {
                let mut state = match State::open(&spec, resume) {
                    Ok(state) => state,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(state.written));
                let result = (|| {
                    while let Some(command) = rx.blocking_recv() {
                        match command {
                            Command::Data(bytes) => state.write(&bytes)?,
                            Command::Reset => {
                                // The old writer must flush (on drop) before the file is
                                // replaced, or its buffered bytes would land in the new one.
                                drop(state);
                                state = State::open(&spec, false)?;
                            }
                        }
                    }
                    state.finish()
                })();
                let _ = done_tx.send(result);
            })?;
        let offset = ready_rx
            .await
            .map_err(|_| io::Error::other("the download sink stopped"))??;
        Ok(DownloadSink {
            tx,
            done: done_rx,
            offset,
        })
    }

    pub async fn write(&mut self, bytes: Bytes) -> io::Result<()> {
        let len = bytes.len() as u64;
        if self.tx.send(Command::Data(bytes)).await.is_err() {
            return Err(self.failure().await);
        }
        self.offset += len;
        Ok(())
    }

    /// Drops everything written so far: the server sent the whole content again.
    pub async fn reset(&mut self) -> io::Result<()> {
        if self.tx.send(Command::Reset).await.is_err() {
            return Err(self.failure().await);
        }
        self.offset = 0;
        Ok(())
    }

    /// Flushes, syncs and returns the digests.
    pub async fn finish(self) -> io::Result<SinkResult> {
        drop(self.tx);
        self.done
            .await
            .map_err(|_| io::Error::other("the download sink stopped"))?
    }

    /// The error that stopped the sink thread.
    async fn failure(&mut self) -> io::Error {
        match (&mut self.done).await {
            Ok(Err(e)) => e,
            _ => io::Error::other("the download sink stopped"),
        }
    }
}

struct State {
    part: BufWriter<File>,
    hasher: Hasher,
    written: u64,
}

impl State {
    fn open(spec: &SinkSpec, resume: bool) -> io::Result<State> {
        let mut part = if resume {
            let part = OpenOptions::new()
                .read(true)
                .append(true)
                .open(&spec.part)?;
            // A partial file from an older vlab may be wider than files are created now.
            let mode = part.metadata()?.permissions().mode() & 0o7777;
            if mode & !spec.mode != 0 {
                part.set_permissions(std::fs::Permissions::from_mode(mode & spec.mode))?;
            }
            part
        } else {
            crate::private_file::create(&spec.part, spec.mode)?
        };
        let mut state = State {
            part: BufWriter::with_capacity(FILE_BUFFER, part.try_clone()?),
            hasher: Hasher::new(spec.algorithm),
            written: 0,
        };
        if resume {
            state.replay(&mut part)?;
        }
        Ok(state)
    }

    /// Feeds the bytes already in the partial file through the hasher.
    fn replay(&mut self, part: &mut File) -> io::Result<()> {
        let mut reader = io::BufReader::with_capacity(FILE_BUFFER, &*part);
        let mut buf = vec![0u8; FILE_BUFFER];
        loop {
            let n = reader.read(&mut buf)?;
            if n == 0 {
                return Ok(());
            }
            self.hasher.update(&buf[..n]);
            self.written += n as u64;
        }
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.part.write_all(bytes)?;
        self.hasher.update(bytes);
        self.written += bytes.len() as u64;
        Ok(())
    }

    fn finish(self) -> io::Result<SinkResult> {
        let part = self
            .part
            .into_inner()
            .map_err(std::io::IntoInnerError::into_error)?;
        part.sync_all()?;
        Ok(SinkResult {
            download_digest: self.hasher.finish(),
            download_size: self.written,
        })
    }
}
