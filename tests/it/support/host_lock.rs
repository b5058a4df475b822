//! One lock for the tests that use the real libvirtd (`qemu:///system`).
//!
//! All integration tests share one process now, so tests from different files run in
//! parallel threads; when each file was its own binary, cargo ran them one file after
//! another. The guest tests boot QEMU guests under software emulation and wait for them
//! with timeouts: several at once on a small machine would slow each other past those
//! waits. Each such test holds this lock for its whole run (declare the guard first, so it
//! is dropped last, after the test's own cleanup).

use std::sync::{Mutex, MutexGuard, PoisonError};

static LIBVIRTD: Mutex<()> = Mutex::new(());

/// Waits until no other host test runs. A test that panicked while holding the lock does
/// not block the rest: its cleanup ran on unwinding, so the poison is ignored.
pub fn exclusive() -> MutexGuard<'static, ()> {
    LIBVIRTD.lock().unwrap_or_else(PoisonError::into_inner)
}
