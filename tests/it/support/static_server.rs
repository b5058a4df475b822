//! A plain HTTP/1.1 file server on 127.0.0.1 for tests that pull real images over `http://`:
//! it serves the files of one directory (GET and HEAD, `200` with `Content-Length`, `404`
//! for anything else), streaming them from disk, one thread per connection.
//!
//! It does not do ranges, keep-alive or directory listings; tests that need faults use
//! `fault_server`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub struct StaticServer {
    pub base: String,
    served: Arc<Mutex<Vec<String>>>,
}

impl StaticServer {
    /// Serves the files directly inside `dir` at `/<file name>`.
    pub fn start(dir: &Path) -> StaticServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let served = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&served);
        let dir = dir.to_path_buf();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let dir = dir.clone();
                let log = Arc::clone(&log);
                std::thread::spawn(move || {
                    let _ = handle(stream, &dir, &log);
                });
            }
        });
        StaticServer { base, served }
    }

    pub fn url(&self, file: &str) -> String {
        format!("{}/{file}", self.base)
    }

    /// The paths answered with 200, in order.
    pub fn served(&self) -> Vec<String> {
        self.served.lock().expect("log").clone()
    }
}

fn handle(stream: TcpStream, dir: &Path, log: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request = String::new();
    reader.read_line(&mut request)?;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
            break;
        }
    }
    let mut parts = request.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut out = stream;
    let file = file_for(dir, &path);
    let Some((file, length)) = file.and_then(|f| {
        let length = std::fs::metadata(&f).ok()?.len();
        Some((f, length))
    }) else {
        return out.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
    };
    out.write_all(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {length}\r\nContent-Type: application/octet-stream\r\nConnection: close\r\n\r\n"
        )
        .as_bytes(),
    )?;
    if method == "GET" {
        std::io::copy(&mut std::fs::File::open(&file)?, &mut out)?;
        log.lock().expect("log").push(path);
    }
    out.flush()
}

/// The file a request path names: one plain file name inside `dir`, nothing above it.
fn file_for(dir: &Path, path: &str) -> Option<PathBuf> {
    let name = path.strip_prefix('/')?;
    let plain = !name.is_empty() && !name.contains('/') && !name.contains("..");
    let file = dir.join(name);
    (plain && file.is_file()).then_some(file)
}
