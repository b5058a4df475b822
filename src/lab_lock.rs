//! `LabLock`: one apply or destroy of a lab at a time on this machine. The lock is an
//! advisory file lock in the cache directory; its file names the holder (process, machine,
//! command, time) so a second vlab can say whom it waits for. Released when dropped (or when
//! the process dies: the kernel drops the lock).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::time::Duration;

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("lab `{lab}` is locked by {holder}")]
    Held { lab: String, holder: String },
    #[error("lab `{lab}` is still locked by {holder} after {seconds}s")]
    StillHeld {
        lab: String,
        holder: String,
        seconds: u64,
    },
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

pub struct LabLock {
    _file: File,
}

impl LabLock {
    /// Takes the lock for `lab`, waiting for a holder at most `timeout` (`None`: as long as it
    /// takes); `waiting` is told who holds it before the wait starts.
    pub fn acquire(
        locks_dir: &Path,
        lab: &str,
        what: &str,
        timeout: Option<Duration>,
        waiting: &dyn Fn(&str),
    ) -> Result<LabLock, LockError> {
        let io = |what: &str, path: &Path| {
            let what = format!("{what} {}", path.display());
            move |source| LockError::Io { what, source }
        };
        std::fs::create_dir_all(locks_dir).map_err(io("cannot create", locks_dir))?;
        let path = locks_dir.join(format!("lab-{lab}.lock"));
        let open = || {
            OpenOptions::new()
                .create(true)
                .truncate(false)
                .read(true)
                .write(true)
                .open(&path)
        };
        let mut file = open().map_err(io("cannot open the lock", &path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = if holder.trim().is_empty() {
                    "another vlab process".to_string()
                } else {
                    holder.trim().to_string()
                };
                if timeout == Some(Duration::ZERO) {
                    return Err(LockError::Held {
                        lab: lab.to_string(),
                        holder,
                    });
                }
                waiting(&holder);
                let (tx, rx) = std::sync::mpsc::channel();
                let waiter = file.try_clone().map_err(io("cannot lock", &path))?;
                std::thread::spawn(move || {
                    let _ = tx.send(waiter.lock());
                });
                let result = match timeout {
                    Some(limit) => rx.recv_timeout(limit).map_err(|_| LockError::StillHeld {
                        lab: lab.to_string(),
                        holder,
                        seconds: limit.as_secs(),
                    })?,
                    None => rx.recv().map_err(|_| LockError::Io {
                        what: format!("cannot lock {}", path.display()),
                        source: std::io::Error::other("the waiting thread stopped"),
                    })?,
                };
                result.map_err(io("cannot lock", &path))?;
            }
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(io("cannot lock", &path)(e));
            }
        }
        let machine = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
        let since = crate::image_store::cache_layout::now();
        file.set_len(0)
            .map_err(io("cannot write the lock", &path))?;
        file.rewind().map_err(io("cannot write the lock", &path))?;
        let _ = write!(
            file,
            "`vlab {what}` (pid {} on {}, since {since})",
            std::process::id(),
            machine.trim()
        );
        Ok(LabLock { _file: file })
    }
}
