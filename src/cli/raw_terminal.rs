//! `RawTerminal`: puts the terminal on a file descriptor in raw mode (no echo, no line
//! editing, no signals from Ctrl-C or Ctrl-Z, no output processing) for as long as the value
//! lives, so `vlab console` hands every key to the guest as it is typed.
//!
//! The mode the terminal had is restored when the value is dropped: on a normal end, on an
//! error returned through `?`, and while a panic unwinds. It does nothing when the descriptor
//! is not a terminal (`enter` returns `None`): piped input needs no mode. It reads no input
//! and writes no output itself.

use std::os::fd::{AsRawFd, BorrowedFd};

pub struct RawTerminal<'fd> {
    fd: BorrowedFd<'fd>,
    saved: libc::termios,
}

impl<'fd> RawTerminal<'fd> {
    /// Raw mode on `fd`'s terminal, or `None` when `fd` is not a terminal.
    pub fn enter(fd: BorrowedFd<'fd>) -> std::io::Result<Option<RawTerminal<'fd>>> {
        let Some(saved) = mode(fd) else {
            return Ok(None);
        };
        let mut raw = saved;
        // SAFETY: `raw` is a valid termios read from the terminal; cfmakeraw only edits it.
        unsafe { libc::cfmakeraw(&raw mut raw) };
        // One byte at a time, no timer: reads return as soon as a key is there.
        raw.c_cc[libc::VMIN] = 1;
        raw.c_cc[libc::VTIME] = 0;
        set_mode(fd, &raw)?;
        Ok(Some(RawTerminal { fd, saved }))
    }
}

impl Drop for RawTerminal<'_> {
    fn drop(&mut self) {
        // Nothing more can be done if this fails (the terminal went away).
        let _ = set_mode(self.fd, &self.saved);
    }
}

/// The terminal mode of `fd`, or `None` when it is not a terminal.
pub fn mode(fd: BorrowedFd<'_>) -> Option<libc::termios> {
    // SAFETY: termios is plain data; tcgetattr fills it or fails without touching memory
    // beyond it.
    let mut termios: libc::termios = unsafe { std::mem::zeroed() };
    // SAFETY: `fd` is a valid open descriptor for the borrow's lifetime.
    let got = unsafe { libc::tcgetattr(fd.as_raw_fd(), &raw mut termios) };
    (got == 0).then_some(termios)
}

fn set_mode(fd: BorrowedFd<'_>, termios: &libc::termios) -> std::io::Result<()> {
    // TCSAFLUSH: output written so far is sent first, and typed-ahead input is dropped,
    // so keys pressed before the switch are not taken in the wrong mode.
    // SAFETY: `fd` is a valid open descriptor; `termios` is a valid termios.
    let set = unsafe { libc::tcsetattr(fd.as_raw_fd(), libc::TCSAFLUSH, termios) };
    if set == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::{AsFd, FromRawFd, OwnedFd};

    fn pty() -> (OwnedFd, OwnedFd) {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty writes two descriptors; the null pointers ask for no name, default
        // mode and size.
        let opened = unsafe {
            libc::openpty(
                &raw mut master,
                &raw mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(opened, 0, "openpty");
        // SAFETY: both descriptors were just opened and are owned by nobody else.
        unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) }
    }

    #[test]
    fn raw_mode_lasts_while_the_value_lives_and_the_old_mode_comes_back() {
        let (_master, slave) = pty();
        let before = mode(slave.as_fd()).expect("a terminal");
        assert_ne!(before.c_lflag & libc::ECHO, 0, "a new pty echoes");
        {
            let raw = RawTerminal::enter(slave.as_fd()).expect("raw mode");
            assert!(raw.is_some());
            let now = mode(slave.as_fd()).expect("a terminal");
            assert_eq!(now.c_lflag & (libc::ECHO | libc::ICANON | libc::ISIG), 0);
        }
        let after = mode(slave.as_fd()).expect("a terminal");
        assert_eq!(
            (after.c_iflag, after.c_oflag, after.c_lflag, after.c_cflag),
            (
                before.c_iflag,
                before.c_oflag,
                before.c_lflag,
                before.c_cflag
            )
        );
    }

    #[test]
    fn the_mode_is_restored_when_a_panic_unwinds() {
        let (_master, slave) = pty();
        let before = mode(slave.as_fd()).expect("a terminal");
        let fd = slave.as_fd();
        let result = std::panic::catch_unwind(|| {
            let _raw = RawTerminal::enter(fd).expect("raw mode");
            panic!("while attached");
        });
        assert!(result.is_err());
        assert_eq!(mode(fd).expect("a terminal").c_lflag, before.c_lflag);
    }

    #[test]
    fn a_pipe_is_not_a_terminal() {
        let (reader, _writer) = std::io::pipe().expect("pipe");
        assert!(mode(reader.as_fd()).is_none());
        assert!(
            RawTerminal::enter(reader.as_fd())
                .expect("no error")
                .is_none()
        );
    }
}
