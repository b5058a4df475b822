//! `ConsoleWatch`: reads a guest's console through libvirt and waits for the line that says
//! the guest is ready. It works the same on local and remote hosts, for QEMU and Xen
//! guests, and needs no guest agent: only the serial (or Xen) console.
//!
//! The domain is started paused and the watch attached before it runs, so no line printed
//! at boot is missed. Waiting is event-driven: libvirt's event loop (`events`)
//! signals the stream readable, and the waiter sleeps on that signal, reading the stream at
//! least once a second in any case (`POLL_INTERVAL`). A stream that ended or failed is
//! closed at once, so libvirt dispatches nothing more for it. A console that closes or
//! fails while the guest still runs (a Xen console can drop its reader during boot) is
//! attached again. It does not decide what ready means
//! (`Readiness` does) or what to do on a timeout (the applier reports it).

use super::LibvirtError;
use super::readiness_record::ReadinessRecord;
use crate::lab::Readiness;
use std::collections::VecDeque;
use std::os::raw::{c_int, c_void};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, sync_channel};
use std::time::{Duration, Instant};
use virt::connect::Connect;
use virt::domain::Domain;
use virt::stream::Stream;
use virt::sys;

/// How often a console that closes under a running guest is attached again, and the pause
/// between attempts after the first.
const MAX_REATTACH: u32 = 300;
const REATTACH_PAUSE: Duration = Duration::from_millis(200);

/// How long a guest whose console closed may be down before the watch takes it for stopped:
/// long enough for a reboot (libvirt stops and starts the domain again; on the emulated Xen
/// host that took 25-30 s for a 512 MiB PVH guest), short next to any readiness timeout.
const RESTART_GRACE: Duration = Duration::from_secs(90);

/// The longest the waiter sleeps without reading the stream itself. libvirt's remote driver
/// dispatches a stream's callback on every turn of its event loop, at full speed, for as
/// long as a stream that has ended (or holds unread data) still has the callback registered:
/// measured on a Xen host over `xen+ssh://`, libvirt's event thread took a whole core of a
/// two-core machine while the waiters slept. So a stream that ended or failed is closed at
/// once, and the waiter reads at least this often rather than trust a wake-up alone.
const POLL_INTERVAL: Duration = Duration::from_secs(1);

/// How many console lines an error message quotes.
const TAIL_LINES: usize = 15;

/// Why a wait ended without the ready line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WaitFailure {
    /// Nothing at all came out of the console within the silence limit.
    Silent,
    /// The guest stopped, the console failed, or the timeout passed; the message says which,
    /// with the last console lines.
    Failed(String),
}

pub struct ConsoleWatch {
    /// Set when the guest runs under KVM that `accel "auto"` has not seen working yet: a
    /// guest that prints nothing at all then points at KVM, not at the guest.
    pub unproven_kvm: bool,
    printed: bool,
    conn: Connect,
    domain: Domain,
    /// How often the console was attached again after it closed under a running guest.
    reattached: u32,
    stream: Stream,
    /// False once `stream` ended or failed and was closed (before a reattach replaces it).
    open: bool,
    wake: Receiver<()>,
    partial: Vec<u8>,
    tail: VecDeque<String>,
}

/// Called by libvirt's event loop thread when the stream has data, hung up or failed.
unsafe extern "C" fn on_stream_event(
    _stream: sys::virStreamPtr,
    _events: c_int,
    opaque: *mut c_void,
) {
    // SAFETY: `opaque` is the boxed sender registered below; libvirt keeps it alive until it
    // calls `free_sender`.
    let wake = unsafe { &*(opaque as *const SyncSender<()>) };
    let _ = wake.try_send(());
}

unsafe extern "C" fn free_sender(opaque: *mut c_void) {
    // SAFETY: `opaque` came from `Box::into_raw` in `open_console` and libvirt frees it once.
    drop(unsafe { Box::from_raw(opaque.cast::<SyncSender<()>>()) });
}

/// A non-blocking stream on the domain's first console, and the receiver its events wake.
fn open_console(conn: &Connect, domain: &Domain) -> Result<(Stream, Receiver<()>), LibvirtError> {
    let fail = |e: virt::error::Error| {
        LibvirtError::Console(format!("cannot read the console: {}", e.message()))
    };
    let stream = Stream::new(conn, sys::VIR_STREAM_NONBLOCK).map_err(fail)?;
    domain
        .open_console(None, &stream, sys::VIR_DOMAIN_CONSOLE_FORCE)
        .map_err(fail)?;
    let (sender, wake) = sync_channel(1);
    let opaque = Box::into_raw(Box::new(sender)).cast::<c_void>();
    let events =
        sys::VIR_STREAM_EVENT_READABLE | sys::VIR_STREAM_EVENT_HANGUP | sys::VIR_STREAM_EVENT_ERROR;
    // SAFETY: the stream is valid; libvirt owns `opaque` from here and frees it with
    // `free_sender` when the callback is removed.
    let added = unsafe {
        sys::virStreamEventAddCallback(
            stream.as_ptr(),
            events as c_int,
            Some(on_stream_event),
            opaque,
            Some(free_sender),
        )
    };
    if added < 0 {
        // SAFETY: libvirt did not take `opaque`; it is still ours to free.
        unsafe { free_sender(opaque) };
        return Err(LibvirtError::Console(format!(
            "cannot read the console: {}",
            virt::error::Error::last_error().message()
        )));
    }
    Ok((stream, wake))
}

/// Ends a console stream: its callback removed (libvirt frees the sender), the session
/// aborted. `Stream`'s own drop frees it afterwards.
fn close(stream: &Stream) {
    // SAFETY: the stream is valid until it is dropped, after this.
    unsafe {
        sys::virStreamEventRemoveCallback(stream.as_ptr());
        sys::virStreamAbort(stream.as_ptr());
    }
}

impl ConsoleWatch {
    /// Attaches to the first console of `domain` (taking it over from anyone else attached).
    pub fn attach(conn: &Connect, domain: &Domain) -> Result<ConsoleWatch, LibvirtError> {
        crate::libvirt::events::ensure();
        let (stream, wake) = open_console(conn, domain)?;
        Ok(ConsoleWatch {
            unproven_kvm: false,
            printed: false,
            conn: conn.clone(),
            domain: domain.clone(),
            reattached: 0,
            stream,
            open: true,
            wake,
            partial: Vec::new(),
            tail: VecDeque::new(),
        })
    }

    /// After the console closed: when the guest still runs (a Xen console can drop its
    /// reader, or not be there yet, while the guest boots), attaches again and returns true.
    /// A guest that is not running is given `RESTART_GRACE` to run again: a guest that
    /// reboots during its first boot (cloud-init may reboot it; Xen restarts a domain whose
    /// guest triple-faults, `on_reboot` restart) is down for a moment, not stopped.
    /// Attempts after the first are spaced by `REATTACH_PAUSE`, so a console that keeps
    /// closing costs at most `MAX_REATTACH` attempts over about a minute.
    fn reattach(&mut self) -> bool {
        let mut down_since: Option<Instant> = None;
        while self.reattached < MAX_REATTACH {
            if !self.domain.is_active().unwrap_or(false) {
                let since = *down_since.get_or_insert_with(Instant::now);
                if since.elapsed() >= RESTART_GRACE {
                    return false;
                }
                std::thread::sleep(REATTACH_PAUSE);
                continue;
            }
            if self.reattached > 0 {
                std::thread::sleep(REATTACH_PAUSE);
            }
            self.reattached += 1;
            if let Ok((stream, wake)) = open_console(&self.conn, &self.domain) {
                let old = std::mem::replace(&mut self.stream, stream);
                self.wake = wake;
                if self.open {
                    close(&old);
                }
                self.open = true;
                return true;
            }
        }
        false
    }

    /// Waits until a console line satisfies `readiness`, the console closes (the guest
    /// stopped), or `readiness.timeout` passes. With `silent_limit`, a console that prints
    /// nothing at all for that long ends the wait as `Silent`. Returns how long it waited.
    ///
    /// The guest's live metadata tells `vlab status` how the wait goes (`ReadinessRecord`):
    /// waiting from now, then ready or failed.
    pub fn wait(
        &mut self,
        readiness: &Readiness,
        silent_limit: Option<Duration>,
    ) -> Result<Duration, WaitFailure> {
        ReadinessRecord::waiting().write(&self.domain);
        let waited = self.watch(readiness, silent_limit);
        match &waited {
            Ok(after) => ReadinessRecord::ready(*after).write(&self.domain),
            Err(WaitFailure::Failed(why)) => ReadinessRecord::failed(why).write(&self.domain),
            // Apply decides what a silent console means (KVM fallback, or a failure).
            Err(WaitFailure::Silent) => {
                ReadinessRecord::failed("the guest printed nothing").write(&self.domain)
            }
        };
        waited
    }

    fn watch(
        &mut self,
        readiness: &Readiness,
        silent_limit: Option<Duration>,
    ) -> Result<Duration, WaitFailure> {
        let started = Instant::now();
        let deadline = started + readiness.timeout;
        let silent_deadline = silent_limit.map(|limit| started + limit);
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            loop {
                match self.stream.recv(&mut buffer) {
                    Ok(n) if n > 0 => {
                        self.printed = true;
                        if self.feed(&buffer[..n as usize], readiness) {
                            return Ok(started.elapsed());
                        }
                    }
                    Ok(0) => {
                        self.close_stream();
                        if self.reattach() {
                            break;
                        }
                        return Err(self.failure(
                            "the console closed (the guest stopped) before it was ready",
                        ));
                    }
                    // -2: nothing to read yet (a non-blocking stream).
                    Ok(_) => break,
                    Err(e) => {
                        // A console that failed under a running guest is attached again,
                        // like one that closed.
                        self.close_stream();
                        if self.reattach() {
                            break;
                        }
                        return Err(
                            self.failure(&format!("reading the console failed: {}", e.message()))
                        );
                    }
                }
            }
            let now = Instant::now();
            if silent_deadline.is_some_and(|silent| !self.printed && now >= silent) {
                return Err(WaitFailure::Silent);
            }
            if now >= deadline {
                return Err(self.failure(&format!(
                    "not ready after {} s: no {}",
                    readiness.timeout.as_secs(),
                    readiness.describe()
                )));
            }
            let next = match silent_deadline.filter(|_| !self.printed) {
                Some(silent) => silent.min(deadline),
                None => deadline,
            };
            let sleep = next.saturating_duration_since(now).min(POLL_INTERVAL);
            match self.wake.recv_timeout(sleep) {
                Ok(()) | Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(self.failure("the console stream went away"));
                }
            }
        }
    }

    /// Waits until the console closes (the guest stopped) or `limit` passes; true when it
    /// closed. What the guest prints meanwhile is only read and dropped.
    pub fn wait_closed(&mut self, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        let mut buffer = vec![0u8; 16 * 1024];
        loop {
            loop {
                match self.stream.recv(&mut buffer) {
                    Ok(n) if n > 0 => {}
                    Ok(0) | Err(_) => {
                        self.close_stream();
                        return true;
                    }
                    Ok(_) => break,
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            if let Err(RecvTimeoutError::Disconnected) =
                self.wake.recv_timeout(left.min(POLL_INTERVAL))
            {
                return false;
            }
        }
    }

    /// Closes the current stream once: its callback removed, so libvirt dispatches nothing
    /// more for it.
    fn close_stream(&mut self) {
        if self.open {
            close(&self.stream);
            self.open = false;
        }
    }

    /// Splits new output into lines; true when one of them is the ready line.
    fn feed(&mut self, bytes: &[u8], readiness: &Readiness) -> bool {
        self.partial.extend_from_slice(bytes);
        let mut ready = false;
        while let Some(end) = self.partial.iter().position(|b| *b == b'\n') {
            let line: Vec<u8> = self.partial.drain(..=end).collect();
            let line = String::from_utf8_lossy(&line).trim_end().to_string();
            ready |= readiness.matches(&line);
            self.remember(line);
        }
        // A ready line the guest has not ended yet (a prompt-like marker) counts too.
        ready || readiness.matches(&String::from_utf8_lossy(&self.partial))
    }

    fn remember(&mut self, line: String) {
        if line.trim().is_empty() {
            return;
        }
        if self.tail.len() == TAIL_LINES {
            self.tail.pop_front();
        }
        self.tail.push_back(line);
    }

    /// `what`, with the last console lines so the reader sees how far the guest got.
    fn failure(&self, what: &str) -> WaitFailure {
        if self.tail.is_empty() {
            return WaitFailure::Failed(format!("{what}; the console printed nothing"));
        }
        let lines: Vec<String> = self.tail.iter().map(|l| format!("    | {l}")).collect();
        WaitFailure::Failed(format!(
            "{what}; the console's last lines:\n{}",
            lines.join("\n")
        ))
    }
}

impl Drop for ConsoleWatch {
    fn drop(&mut self) {
        self.close_stream();
    }
}
