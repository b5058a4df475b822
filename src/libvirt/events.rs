//! libvirt's default event loop, run on a thread of its own for the life of the process.
//!
//! Console streams need it: without a registered event loop, data sent by libvirtd on a
//! non-blocking stream is never read off the socket. It must be registered before the
//! connections that use it are opened, so `ensure` runs first thing in every connect that
//! the applier uses. It does nothing else: no domain events are subscribed here.

use std::sync::Once;

static START: Once = Once::new();

/// Registers and runs the event loop once; later calls do nothing. If registration fails,
/// console waits report that they cannot read the console (they never hang).
pub fn ensure() {
    START.call_once(|| {
        if virt::event::event_register_default_impl().is_err() {
            return;
        }
        let _ = std::thread::Builder::new()
            .name("libvirt-events".into())
            .spawn(|| while virt::event::event_run_default_impl().is_ok() {});
    });
}
