//! `JsonReporter`: one JSON object per line on stdout for every pull event (`--json`).
//! Progress events are not emitted per chunk, only when a pull starts and ends.

use crate::checksum::Checksum;
use crate::image_store::pull_reporter::PullReporter;
use serde_json::json;
use std::path::Path;

pub struct JsonReporter;

fn emit(value: serde_json::Value) {
    crate::outln!("{value}");
}

impl PullReporter for JsonReporter {
    fn started(&self, name: &str, url: &str, total: Option<u64>, resumed_from: u64) {
        emit(
            json!({"event": "started", "image": name, "url": url, "total": total, "resumed_from": resumed_from}),
        );
    }

    fn retrying(&self, name: &str, attempt: u32, error: &str) {
        emit(json!({"event": "retrying", "image": name, "attempt": attempt, "error": error}));
    }

    fn waiting_for_lock(&self, name: &str, url: &str) {
        emit(json!({"event": "waiting", "image": name, "url": url}));
    }

    fn done(&self, name: &str, digest: &Checksum, path: &Path, from_cache: bool) {
        emit(
            json!({"event": "done", "image": name, "digest": digest.to_string(), "path": path, "from_cache": from_cache}),
        );
    }

    fn failed(&self, name: &str, error: &str) {
        emit(json!({"event": "failed", "image": name, "error": error}));
    }
}
