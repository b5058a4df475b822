//! A real HTTP/1.1 server on 127.0.0.1 for image-download tests, able to misbehave on purpose.
//!
//! It serves one image at `/<name>` and a `SHA256SUMS` listing it, honours `Range` and
//! `If-Range` (by ETag) unless told not to, and injects faults: a truncated body, wrong
//! bytes, 404, 500s before success, a stalled body, a connection cut mid-stream, no Range
//! support, a slow trickle, a changed file. It records every request it received.

use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Debug, Clone, PartialEq)]
pub enum Fault {
    None,
    /// Every response announces the full length but closes after this many bytes.
    Truncate(usize),
    /// The body has its bytes altered (same length).
    WrongBytes,
    NotFound,
    /// The first N requests get a 500.
    ServerErrors(usize),
    /// The first response sends this many bytes, then stalls without closing.
    StallOnce(usize),
    /// The first response is cut (connection closed) after this many bytes.
    CutOnce(usize),
    /// Like CutOnce, and Range requests are answered with the whole file (200).
    CutOnceNoRange(usize),
    /// Sends the body in chunks of this size with a pause between them.
    Trickle(usize, Duration),
    /// The first response is cut after this many bytes; then the file changes (new ETag).
    CutThenChange(usize),
    /// A hostile mirror: no `Content-Length`, zeros until the client hangs up.
    Endless,
}

#[derive(Debug, Clone)]
pub struct Request {
    pub path: String,
    pub range: Option<String>,
    pub if_range: Option<String>,
}

struct State {
    fault: Fault,
    body: Vec<u8>,
    etag: String,
    requests: Vec<Request>,
    image_requests: usize,
}

pub struct FaultServer {
    pub base: String,
    pub name: String,
    state: Arc<Mutex<State>>,
}

pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl FaultServer {
    /// Serves `body` as `/<name>` with `fault`.
    pub fn start(name: &str, body: Vec<u8>, fault: Fault) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let etag = format!("\"{}\"", &sha256_hex(&body)[..16]);
        let state = Arc::new(Mutex::new(State {
            fault,
            body,
            etag,
            requests: Vec::new(),
            image_requests: 0,
        }));
        let shared = Arc::clone(&state);
        let served = name.to_string();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = Arc::clone(&shared);
                let served = served.clone();
                std::thread::spawn(move || {
                    let _ = handle(stream, &shared, &served);
                });
            }
        });
        FaultServer {
            base,
            name: name.to_string(),
            state,
        }
    }

    pub fn url(&self) -> String {
        format!("{}/{}", self.base, self.name)
    }

    pub fn sums_url(&self) -> String {
        format!("{}/SHA256SUMS", self.base)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().expect("state").requests.clone()
    }

    /// Requests for the image itself (not the checksums file).
    pub fn image_requests(&self) -> Vec<Request> {
        self.requests()
            .into_iter()
            .filter(|r| r.path != "/SHA256SUMS")
            .collect()
    }
}

fn handle(stream: TcpStream, state: &Mutex<State>, served: &str) -> std::io::Result<()> {
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let (mut range, mut if_range) = (None, None);
        loop {
            let mut header = String::new();
            reader.read_line(&mut header)?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                match name.to_ascii_lowercase().as_str() {
                    "range" => range = Some(value.trim().to_string()),
                    "if-range" => if_range = Some(value.trim().to_string()),
                    _ => {}
                }
            }
        }
        let keep_open = respond(
            &stream,
            state,
            served,
            Request {
                path,
                range,
                if_range,
            },
        )?;
        if !keep_open {
            return Ok(());
        }
    }
}

/// Writes one response; returns whether the connection may serve another request.
fn respond(
    mut stream: &TcpStream,
    state: &Mutex<State>,
    served: &str,
    request: Request,
) -> std::io::Result<bool> {
    let mut s = state.lock().expect("state");
    s.requests.push(request.clone());
    if request.path == "/SHA256SUMS" {
        let text = format!("{}  {served}\n", sha256_hex(&s.body));
        drop(s);
        write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n{text}",
            text.len()
        )?;
        return Ok(true);
    }
    if request.path != format!("/{served}") || s.fault == Fault::NotFound {
        drop(s);
        stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")?;
        return Ok(true);
    }
    s.image_requests += 1;
    let nth = s.image_requests;
    if let Fault::ServerErrors(n) = s.fault
        && nth <= n
    {
        drop(s);
        stream.write_all(b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n")?;
        return Ok(true);
    }
    if s.fault == Fault::Endless {
        drop(s);
        stream.write_all(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")?;
        let zeros = vec![0u8; 64 * 1024];
        loop {
            stream.write_all(&zeros)?;
        }
    }
    let honour_range = !matches!(s.fault, Fault::CutOnceNoRange(_));
    let start = match (&request.range, &request.if_range) {
        (Some(range), Some(validator)) if honour_range && *validator == s.etag => range
            .strip_prefix("bytes=")
            .and_then(|r| r.trim_end_matches('-').parse::<usize>().ok())
            .unwrap_or(0),
        _ => 0,
    };
    let mut body = s.body.clone();
    if s.fault == Fault::WrongBytes {
        for b in body.iter_mut().step_by(4096) {
            *b ^= 0xff;
        }
    }
    let total = body.len();
    let etag = s.etag.clone();
    let status = if start > 0 {
        format!(
            "206 Partial Content\r\nContent-Range: bytes {start}-{}/{total}",
            total - 1
        )
    } else {
        "200 OK".to_string()
    };
    let fault = s.fault.clone();
    if let Fault::CutThenChange(_) = fault
        && nth == 1
    {
        // After this response the file is replaced: the old ETag no longer matches.
        let changed: Vec<u8> = s.body.iter().map(|b| b.wrapping_add(1)).collect();
        s.etag = format!("\"{}\"", &sha256_hex(&changed)[..16]);
        s.body = changed;
    }
    drop(s);
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Length: {}\r\nETag: {etag}\r\nAccept-Ranges: bytes\r\n\r\n",
        total - start
    )?;
    let rest = &body[start..];
    match fault {
        Fault::Truncate(n) => stream.write_all(&rest[..n.min(rest.len())]).map(|_| false),
        Fault::CutOnce(n) | Fault::CutOnceNoRange(n) | Fault::CutThenChange(n) if nth == 1 => {
            stream.write_all(&rest[..n.min(rest.len())]).map(|_| false)
        }
        Fault::StallOnce(n) if nth == 1 => {
            stream.write_all(&rest[..n.min(rest.len())])?;
            stream.flush()?;
            std::thread::sleep(Duration::from_secs(5));
            Ok(false)
        }
        Fault::Trickle(size, pause) => {
            for chunk in rest.chunks(size) {
                stream.write_all(chunk)?;
                stream.flush()?;
                std::thread::sleep(pause);
            }
            Ok(true)
        }
        _ => stream.write_all(rest).map(|_| true),
    }
}
