//! `SignalFlag`: SIGINT, SIGTERM and SIGHUP recorded instead of ending vlab, so that a
//! supervisor (`vlab run`) can pass them on to its child and still tear its lab down. The
//! handler only stores the signal's number (async-signal-safe); the supervisor polls it.

use std::sync::atomic::{AtomicI32, Ordering};

static RECEIVED: AtomicI32 = AtomicI32::new(0);

extern "C" fn record(signal: libc::c_int) {
    RECEIVED.store(signal, Ordering::SeqCst);
}

pub struct SignalFlag;

impl SignalFlag {
    /// From now on SIGINT, SIGTERM and SIGHUP are recorded, for the rest of the process.
    pub fn install() -> SignalFlag {
        for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
            // SAFETY: `record` is async-signal-safe (one atomic store); glibc's `signal`
            // installs it with BSD semantics (restartable, not reset).
            unsafe {
                libc::signal(
                    signal,
                    record as extern "C" fn(libc::c_int) as libc::sighandler_t,
                );
            }
        }
        SignalFlag
    }

    /// The last signal received since the last `take`, cleared.
    pub fn take(&self) -> Option<i32> {
        match RECEIVED.swap(0, Ordering::SeqCst) {
            0 => None,
            signal => Some(signal),
        }
    }
}

/// The usual name of `signal`, for messages.
pub fn name(signal: i32) -> &'static str {
    match signal {
        libc::SIGINT => "SIGINT",
        libc::SIGTERM => "SIGTERM",
        libc::SIGHUP => "SIGHUP",
        libc::SIGKILL => "SIGKILL",
        _ => "a signal",
    }
}
