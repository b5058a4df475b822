//! A pseudo-terminal for tests of interactive commands (`vlab console`): the child gets the
//! slave side as stdin, stdout and stderr; what it shows is collected from the master side
//! by a thread; the test types on the master and reads the slave's terminal mode.

use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, FromRawFd, OwnedFd};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};

/// A pseudo-terminal: the master side read into a buffer by a thread, the slave side for
/// the child's stdin, stdout and stderr.
pub struct Pty {
    master: OwnedFd,
    slave: OwnedFd,
    seen: Arc<Mutex<Vec<u8>>>,
}

impl Pty {
    pub fn open() -> Pty {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty writes two descriptors; null pointers: no name, default modes.
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
        // SAFETY: both were just opened and belong to nobody else.
        let (master, slave) =
            unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut reader = std::fs::File::from(master.try_clone().expect("dup"));
        let sink = seen.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            // Ends with EIO once every slave descriptor is closed.
            while let Ok(n) = reader.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                sink.lock().expect("buffer").extend_from_slice(&buffer[..n]);
            }
        });
        Pty {
            master,
            slave,
            seen,
        }
    }

    pub fn spawn(&self, mut command: Command) -> Child {
        let stdio = || Stdio::from(self.slave.try_clone().expect("dup"));
        command
            .stdin(stdio())
            .stdout(stdio())
            .stderr(stdio())
            .spawn()
            .expect("vlab runs")
    }

    pub fn type_in(&self, bytes: &[u8]) {
        let mut writer = std::fs::File::from(self.master.try_clone().expect("dup"));
        writer.write_all(bytes).expect("typed");
    }

    pub fn seen(&self) -> String {
        String::from_utf8_lossy(&self.seen.lock().expect("buffer")).into_owned()
    }

    /// The slave's terminal mode: (iflag, oflag, lflag).
    pub fn mode(&self) -> (libc::tcflag_t, libc::tcflag_t, libc::tcflag_t) {
        // SAFETY: termios is plain data that tcgetattr fills.
        let mut termios: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: the slave descriptor is open.
        let got = unsafe { libc::tcgetattr(self.slave.as_fd().as_raw_fd(), &raw mut termios) };
        assert_eq!(got, 0, "tcgetattr");
        (termios.c_iflag, termios.c_oflag, termios.c_lflag)
    }
}
