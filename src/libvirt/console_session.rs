//! `ConsoleSession`: an interactive session on a running guest's first console, through
//! libvirt's console stream (`virDomainOpenConsole`), so it works the same over every host
//! URI, local or `qemu+ssh://`. Bytes typed go to the guest; what the guest prints goes to
//! the output, unchanged.
//!
//! The stream is non-blocking; libvirt's event loop (`events`) wakes the session through a
//! pipe, which it polls together with the input, so one thread serves both directions and
//! the session never sleeps a fixed time (it reads the stream at least once a second in any
//! case, as `console_watch` does, for remote drivers whose wake-ups cannot be trusted alone).
//! Without `force`, a console someone else holds is refused (libvirt's own rule).
//!
//! A session ends when the detach key arrives from a terminal, when piped input ends (after
//! the console has been quiet for `DRAIN_QUIET`, so the guest's answer to the last line is
//! printed), or when the console closes: because the guest stopped, or because another
//! client took the console over (an error). Terminal modes are the caller's business
//! (`cli::raw_terminal`); this module only moves bytes.

use super::HostConnection;
use super::console_error::ConsoleError;
use super::domain_status::DomainStatus;
use std::io::Write;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::raw::{c_int, c_void};
use std::time::{Duration, Instant};
use virt::domain::Domain;
use virt::error::ErrorNumber;
use virt::stream::Stream;
use virt::sys;

/// The longest the session waits without reading the stream itself (see the header).
const POLL_INTERVAL: Duration = Duration::from_secs(1);
/// After piped input ended: how long the console must stay quiet before the session ends,
/// and the most it waits for that.
const DRAIN_QUIET: Duration = Duration::from_secs(1);
const DRAIN_MAX: Duration = Duration::from_secs(10);

/// Where the typed bytes come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// A terminal (in raw mode): this byte detaches, it is never sent to the guest.
    Terminal { detach: u8 },
    /// A pipe or file: every byte is sent; its end ends the session after a drain.
    Pipe,
}

/// How a session ended without an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    Detached,
    /// The input ended (piped input at its end, or the terminal went away).
    InputEnded,
    /// The console closed because the guest stopped.
    GuestStopped,
}

pub struct ConsoleSession {
    domain: Domain,
    name: String,
    stream: Stream,
    /// The read end of the pipe libvirt's event callback writes to.
    wake: OwnedFd,
    /// Whether the callback currently asks for WRITABLE too (only while input waits).
    writable: bool,
    open: bool,
}

const BASE_EVENTS: c_int = (sys::VIR_STREAM_EVENT_READABLE
    | sys::VIR_STREAM_EVENT_HANGUP
    | sys::VIR_STREAM_EVENT_ERROR) as c_int;

/// Called by libvirt's event loop thread: one byte into the wake pipe (a full pipe already
/// holds a wake-up, so a failed write loses nothing).
unsafe extern "C" fn on_stream_event(
    _stream: sys::virStreamPtr,
    _events: c_int,
    opaque: *mut c_void,
) {
    // SAFETY: `opaque` is the boxed write end registered in `attach`; libvirt keeps it
    // alive until it calls `free_waker`.
    let fd = unsafe { &*(opaque as *const OwnedFd) };
    // SAFETY: writing one byte from a valid buffer to an open descriptor.
    let _ = unsafe { libc::write(fd.as_raw_fd(), b"x".as_ptr().cast(), 1) };
}

unsafe extern "C" fn free_waker(opaque: *mut c_void) {
    // SAFETY: `opaque` came from `Box::into_raw` in `attach`; libvirt frees it once.
    drop(unsafe { Box::from_raw(opaque.cast::<OwnedFd>()) });
}

/// A non-blocking pipe: (read end, write end).
fn wake_pipe() -> std::io::Result<(OwnedFd, OwnedFd)> {
    let mut fds: [RawFd; 2] = [0; 2];
    // SAFETY: pipe2 writes two descriptors into `fds`.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_NONBLOCK | libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both were just opened and belong to nobody else.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

impl ConsoleSession {
    /// Attaches to the first console of the running `domain`; with `force`, takes it over
    /// from whoever holds it.
    pub fn attach(
        connection: &HostConnection,
        domain: &str,
        force: bool,
    ) -> Result<ConsoleSession, ConsoleError> {
        super::events::ensure();
        let host = || connection.host.clone();
        let found = match connection.conn().lookup_domain_by_name(domain) {
            Ok(found) => found,
            Err(e) if e.code().is(ErrorNumber::NoDomain) => {
                return Err(ConsoleError::Absent {
                    domain: domain.to_string(),
                    host: host(),
                });
            }
            Err(e) => return Err(ConsoleError::call(format!("domain `{domain}`"), &e)),
        };
        if !found.is_active().unwrap_or(false) {
            return Err(ConsoleError::NotRunning {
                domain: domain.to_string(),
                host: host(),
                state: DomainStatus::read(connection, domain).state,
            });
        }
        let what = || format!("the console of domain `{domain}`");
        let stream = Stream::new(connection.conn(), sys::VIR_STREAM_NONBLOCK)
            .map_err(|e| ConsoleError::call(what(), &e))?;
        let flags = if force {
            sys::VIR_DOMAIN_CONSOLE_FORCE
        } else {
            0
        };
        if let Err(e) = found.open_console(None, &stream, flags) {
            // libvirt's chardev code says exactly this when another stream holds the console.
            if e.message().contains("Active console session") {
                return Err(ConsoleError::Busy {
                    domain: domain.to_string(),
                    host: host(),
                });
            }
            return Err(ConsoleError::call(what(), &e));
        }
        let (wake, waker) = wake_pipe()?;
        let opaque = Box::into_raw(Box::new(waker)).cast::<c_void>();
        // SAFETY: the stream is valid; libvirt owns `opaque` from here and frees it with
        // `free_waker` when the callback is removed.
        let added = unsafe {
            sys::virStreamEventAddCallback(
                stream.as_ptr(),
                BASE_EVENTS,
                Some(on_stream_event),
                opaque,
                Some(free_waker),
            )
        };
        if added < 0 {
            // SAFETY: libvirt did not take `opaque`; it is still ours to free.
            unsafe { free_waker(opaque) };
            let _ = stream.abort();
            return Err(ConsoleError::call(
                what(),
                &virt::error::Error::last_error(),
            ));
        }
        Ok(ConsoleSession {
            domain: found,
            name: domain.to_string(),
            stream,
            wake,
            writable: false,
            open: true,
        })
    }

    /// Moves bytes both ways until the session ends (see the header).
    pub fn run(
        &mut self,
        input: BorrowedFd<'_>,
        output: &mut dyn Write,
        mode: Input,
    ) -> Result<SessionEnd, ConsoleError> {
        let mut from_guest = vec![0u8; 16 * 1024];
        let mut typed = vec![0u8; 4096];
        let mut pending: Vec<u8> = Vec::new();
        let mut input_ended: Option<Instant> = None;
        let mut last_output = Instant::now();
        loop {
            loop {
                match self.stream.recv(&mut from_guest) {
                    Ok(n) if n > 0 => {
                        output.write_all(&from_guest[..n as usize])?;
                        output.flush()?;
                        last_output = Instant::now();
                    }
                    Ok(0) | Err(_) => return self.closed(),
                    // -2: nothing to read now.
                    Ok(_) => break,
                }
            }
            if !self.send(&mut pending) {
                return self.closed();
            }
            self.want_writable(!pending.is_empty());
            let mut timeout = POLL_INTERVAL;
            if let Some(ended) = input_ended
                && pending.is_empty()
            {
                let quiet = last_output.max(ended).elapsed();
                if quiet >= DRAIN_QUIET || ended.elapsed() >= DRAIN_MAX {
                    return Ok(SessionEnd::InputEnded);
                }
                timeout = timeout.min(DRAIN_QUIET.saturating_sub(quiet));
            }
            // New input is taken only once the last is sent: the guest sets the pace.
            let read_input = input_ended.is_none() && pending.is_empty();
            let (woken, typed_ready) = self.wait(input, read_input, timeout)?;
            if woken {
                self.drain_wake();
            }
            if typed_ready {
                // SAFETY: reading into a valid buffer from an open descriptor.
                let n = unsafe {
                    libc::read(input.as_raw_fd(), typed.as_mut_ptr().cast(), typed.len())
                };
                if n <= 0 {
                    input_ended = Some(Instant::now());
                    continue;
                }
                let bytes = &typed[..n as usize];
                match mode {
                    Input::Terminal { detach } => {
                        if let Some(at) = bytes.iter().position(|b| *b == detach) {
                            pending.extend_from_slice(&bytes[..at]);
                            self.send(&mut pending);
                            return Ok(SessionEnd::Detached);
                        }
                        pending.extend_from_slice(bytes);
                    }
                    Input::Pipe => pending.extend_from_slice(bytes),
                }
            }
        }
    }

    /// Sends what it can of `pending`; false when the stream failed.
    fn send(&self, pending: &mut Vec<u8>) -> bool {
        while !pending.is_empty() {
            match self.stream.send(pending) {
                Ok(n) if n > 0 => {
                    pending.drain(..n as usize);
                }
                // -2 (or 0): the stream takes nothing more now; WRITABLE says when.
                Ok(_) => return true,
                Err(_) => return false,
            }
        }
        true
    }

    /// Polls the wake pipe (and the input when `read_input`); which of them is ready.
    fn wait(
        &self,
        input: BorrowedFd<'_>,
        read_input: bool,
        timeout: Duration,
    ) -> Result<(bool, bool), ConsoleError> {
        let mut fds = [
            libc::pollfd {
                fd: self.wake.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: if read_input { input.as_raw_fd() } else { -1 },
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        let millis = c_int::try_from(timeout.as_millis()).unwrap_or(c_int::MAX);
        // SAFETY: `fds` is a valid array of two pollfd; a negative fd is ignored by poll.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), 2, millis) };
        if ready < 0 {
            let error = std::io::Error::last_os_error();
            if error.kind() == std::io::ErrorKind::Interrupted {
                return Ok((false, false));
            }
            return Err(ConsoleError::Terminal(error));
        }
        let any = libc::POLLIN | libc::POLLHUP | libc::POLLERR;
        Ok((fds[0].revents & any != 0, fds[1].revents & any != 0))
    }

    fn drain_wake(&self) {
        let mut sink = [0u8; 64];
        // SAFETY: reading into a valid buffer from the (non-blocking) pipe we own.
        while unsafe { libc::read(self.wake.as_raw_fd(), sink.as_mut_ptr().cast(), sink.len()) } > 0
        {
        }
    }

    fn want_writable(&mut self, writable: bool) {
        if !self.open || self.writable == writable {
            return;
        }
        let events = if writable {
            BASE_EVENTS | sys::VIR_STREAM_EVENT_WRITABLE as c_int
        } else {
            BASE_EVENTS
        };
        // SAFETY: the stream is valid and has our callback registered.
        if unsafe { sys::virStreamEventUpdateCallback(self.stream.as_ptr(), events) } == 0 {
            self.writable = writable;
        }
    }

    /// The console closed or failed: the guest stopped, or someone took the console.
    fn closed(&mut self) -> Result<SessionEnd, ConsoleError> {
        self.close();
        if self.domain.is_active().unwrap_or(false) {
            return Err(ConsoleError::Lost {
                domain: self.name.clone(),
            });
        }
        Ok(SessionEnd::GuestStopped)
    }

    /// Removes the callback (libvirt frees the waker) and aborts the stream, once.
    fn close(&mut self) {
        if self.open {
            self.open = false;
            // SAFETY: the stream is valid until it is dropped, after this.
            unsafe {
                sys::virStreamEventRemoveCallback(self.stream.as_ptr());
                sys::virStreamAbort(self.stream.as_ptr());
            }
        }
    }
}

impl Drop for ConsoleSession {
    fn drop(&mut self) {
        self.close();
    }
}
