//! `Fetcher`: HTTP(S) downloads with timeouts, retries and resumption.
//!
//! - a connect timeout, and a stall timeout on the response and on every body chunk;
//! - retries with exponential backoff on 5xx, connection errors, resets, stalls and
//!   truncated bodies; a 4xx fails at once with the URL and status;
//! - an interrupted download resumes with `Range` guarded by `If-Range` (a strong ETag or
//!   Last-Modified), so a changed file is never spliced onto an old prefix; a server that
//!   ignores `Range` (200 instead of 206) restarts the download cleanly;
//! - a download stops at a size limit: one announced larger fails at once, one that streams
//!   on (no `Content-Length`) fails when it reaches the limit, before writing past it.
//!
//! It moves bytes into a `DownloadSink`; it does not verify digests, touch the cache, or
//! decide which partial files to keep.

use super::cache_layout::{PartialRecord, write_json};
use super::download_sink::DownloadSink;
use super::pull_error::{PullError, masked_url};
use super::pull_reporter::PullReporter;
use futures_util::StreamExt;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_RANGE, ETAG, IF_RANGE, LAST_MODIFIED, RANGE};
use std::path::Path;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct FetchPolicy {
    pub connect_timeout: Duration,
    /// How long a response or the next body chunk may take before the attempt is abandoned.
    pub stall_timeout: Duration,
    /// Attempts per download, the first included.
    pub attempts: u32,
    /// Pause before the first retry; doubled for each further one.
    pub backoff: Duration,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            connect_timeout: Duration::from_secs(15),
            stall_timeout: Duration::from_secs(30),
            attempts: 6,
            backoff: Duration::from_millis(500),
        }
    }
}

/// What one download is: its name (for progress), URL, bound, and where its validators go.
pub struct Target<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub limit: u64,
    pub record_path: &'a Path,
}

/// How one attempt ended when it did not succeed.
enum Failure {
    /// Worth another attempt.
    Retry(String),
    Fatal(PullError),
}

pub struct Fetcher {
    client: reqwest::Client,
    pub policy: FetchPolicy,
}

impl Fetcher {
    pub fn new(policy: FetchPolicy) -> Result<Fetcher, PullError> {
        let client = reqwest::Client::builder()
            .connect_timeout(policy.connect_timeout)
            .user_agent(concat!("vlab/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| PullError::Invalid {
                url: String::new(),
                message: format!("cannot set up HTTP: {e}"),
            })?;
        Ok(Fetcher { client, policy })
    }

    /// A small text resource (a checksums file), with the same retries; at most `limit` bytes.
    pub async fn fetch_text(&self, url: &str, limit: usize) -> Result<String, PullError> {
        self.with_retries(url, &super::pull_reporter::QuietReporter, "", async || {
            let response = self.send(self.client.get(url)).await?;
            check_status(url, response.status())?;
            let mut body = Vec::new();
            let mut stream = response.bytes_stream();
            while let Some(chunk) = self.next_chunk(&mut stream).await? {
                body.extend_from_slice(&chunk);
                if body.len() > limit {
                    return Err(Failure::Fatal(PullError::Invalid {
                        url: url.to_string(),
                        message: format!("larger than {limit} bytes; not a checksums file"),
                    }));
                }
            }
            String::from_utf8(body).map_err(|_| {
                Failure::Fatal(PullError::Invalid {
                    url: url.to_string(),
                    message: "not a text file".into(),
                })
            })
        })
        .await
    }

    /// Downloads `url` into `sink`, resuming from `sink.offset` when `record` allows it; at
    /// most `limit` bytes.
    pub async fn download(
        &self,
        target: Target<'_>,
        sink: &mut DownloadSink,
        record: &mut PartialRecord,
        reporter: &dyn PullReporter,
    ) -> Result<(), PullError> {
        self.with_retries(target.url, reporter, target.name, async || {
            self.attempt(&target, sink, record, reporter).await
        })
        .await
    }

    async fn with_retries<T>(
        &self,
        url: &str,
        reporter: &dyn PullReporter,
        name: &str,
        mut attempt: impl AsyncFnMut() -> Result<T, Failure>,
    ) -> Result<T, PullError> {
        let mut n = 1;
        loop {
            match attempt().await {
                Ok(value) => return Ok(value),
                Err(Failure::Fatal(e)) => return Err(e),
                Err(Failure::Retry(message)) if n >= self.policy.attempts => {
                    return Err(PullError::Network {
                        url: url.to_string(),
                        message,
                        attempts: n,
                    });
                }
                Err(Failure::Retry(message)) => {
                    reporter.retrying(name, n, &message);
                    tokio::time::sleep(self.policy.backoff * 2u32.pow((n - 1).min(6))).await;
                    n += 1;
                }
            }
        }
    }

    async fn attempt(
        &self,
        target: &Target<'_>,
        sink: &mut DownloadSink,
        record: &mut PartialRecord,
        reporter: &dyn PullReporter,
    ) -> Result<(), Failure> {
        let Target {
            name,
            url,
            limit,
            record_path,
        } = *target;
        let too_large = || {
            Failure::Fatal(PullError::TooLarge {
                url: url.to_string(),
                what: "the download",
                limit,
            })
        };
        let cache_error = |e: std::io::Error| {
            Failure::Fatal(PullError::Cache {
                path: record_path.display().to_string(),
                source: e,
            })
        };
        let mut request = self.client.get(url).header(ACCEPT_ENCODING, "identity");
        if sink.offset > 0 {
            match record.if_range() {
                Some(validator) => {
                    request = request
                        .header(RANGE, format!("bytes={}-", sink.offset))
                        .header(IF_RANGE, validator);
                }
                None => sink.reset().await.map_err(cache_error)?,
            }
        }
        let response = self.send(request).await?;
        let status = response.status();
        match status {
            StatusCode::PARTIAL_CONTENT if range_start(&response) == Some(sink.offset) => {}
            StatusCode::PARTIAL_CONTENT | StatusCode::RANGE_NOT_SATISFIABLE => {
                sink.reset().await.map_err(cache_error)?;
                return Err(Failure::Retry(format!(
                    "unusable range response ({status}); starting over"
                )));
            }
            StatusCode::OK if sink.offset > 0 => sink.reset().await.map_err(cache_error)?,
            _ => check_status(url, status)?,
        }
        if status == StatusCode::OK {
            if response.content_length().is_some_and(|n| n > limit) {
                return Err(too_large());
            }
            *record = PartialRecord {
                url: url.to_string(),
                etag: header(&response, ETAG),
                last_modified: header(&response, LAST_MODIFIED),
                total: response.content_length(),
            };
            write_json(record_path, record).map_err(cache_error)?;
        }
        reporter.started(name, &masked_url(url), record.total, sink.offset);
        let mut stream = response.bytes_stream();
        while let Some(chunk) = self.next_chunk(&mut stream).await? {
            let len = chunk.len() as u64;
            if sink.offset + len > limit {
                return Err(too_large());
            }
            sink.write(chunk).await.map_err(cache_error)?;
            reporter.progress(name, len);
        }
        match record.total {
            Some(total) if sink.offset < total => Err(Failure::Retry(format!(
                "connection closed after {} of {total} bytes",
                sink.offset
            ))),
            Some(total) if sink.offset > total => Err(Failure::Fatal(PullError::Invalid {
                url: url.to_string(),
                message: format!(
                    "sent {} bytes, more than the {total} announced",
                    sink.offset
                ),
            })),
            _ => Ok(()),
        }
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> Result<reqwest::Response, Failure> {
        match tokio::time::timeout(self.policy.stall_timeout, request.send()).await {
            Err(_) => Err(Failure::Retry(format!(
                "no response within {}s",
                self.policy.stall_timeout.as_secs_f32()
            ))),
            // The URL is in the error already, and may hold credentials: not again, unmasked.
            Ok(Err(e)) => Err(Failure::Retry(describe(&e.without_url()))),
            Ok(Ok(response)) => Ok(response),
        }
    }

    async fn next_chunk(
        &self,
        stream: &mut (impl futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Unpin),
    ) -> Result<Option<bytes::Bytes>, Failure> {
        match tokio::time::timeout(self.policy.stall_timeout, stream.next()).await {
            Err(_) => Err(Failure::Retry(format!(
                "the download stalled: no data for {}s",
                self.policy.stall_timeout.as_secs_f32()
            ))),
            Ok(None) => Ok(None),
            Ok(Some(Err(e))) => Err(Failure::Retry(describe(&e.without_url()))),
            Ok(Some(Ok(chunk))) => Ok(Some(chunk)),
        }
    }
}

fn check_status(url: &str, status: StatusCode) -> Result<(), Failure> {
    if status.is_success() {
        Ok(())
    } else if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        Err(Failure::Retry(format!("the server answered {status}")))
    } else {
        Err(Failure::Fatal(PullError::Status {
            url: url.to_string(),
            status: status.as_u16(),
        }))
    }
}

/// The first byte of a `Content-Range: bytes <start>-<end>/<total>` header.
fn range_start(response: &reqwest::Response) -> Option<u64> {
    let value = header(response, CONTENT_RANGE)?;
    value
        .strip_prefix("bytes ")?
        .split('-')
        .next()?
        .parse()
        .ok()
}

fn header(response: &reqwest::Response, name: reqwest::header::HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)?
        .to_str()
        .ok()
        .map(str::to_string)
}

/// The error and its causes, e.g. "error sending request: connection refused".
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
