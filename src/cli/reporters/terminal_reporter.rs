//! `TerminalReporter`: progress bars (bytes, rate, ETA per image, and a total) when stderr
//! is a terminal; otherwise one plain line when each pull starts and ends, for logs and CI.

use super::human_bytes;
use crate::checksum::Checksum;
use crate::cli::output::Output;
use crate::image_store::pull_reporter::PullReporter;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

pub struct TerminalReporter {
    out: Output,
    bars: Option<MultiProgress>,
    state: Mutex<HashMap<String, Pull>>,
    /// A bar for all pulls together, shown once a second one starts.
    total: Mutex<Total>,
}

#[derive(Default)]
struct Total {
    bar: Option<ProgressBar>,
    started: usize,
    length: u64,
    position: u64,
}

struct Pull {
    bar: Option<ProgressBar>,
    started: Instant,
    bytes: u64,
}

impl TerminalReporter {
    pub fn new(out: &Output) -> TerminalReporter {
        let bars = std::io::stderr()
            .is_terminal()
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr_with_hz(10)));
        TerminalReporter {
            out: *out,
            bars,
            state: Mutex::new(HashMap::new()),
            total: Mutex::new(Total::default()),
        }
    }

    fn line(&self, text: String) {
        match &self.bars {
            Some(bars) => {
                let _ = bars.println(text);
            }
            None => eprintln!("{text}"),
        }
    }
}

impl TerminalReporter {
    fn add_to_total(&self, length: u64, position: u64) {
        let (Some(bars), Ok(mut total)) = (&self.bars, self.total.lock()) else {
            return;
        };
        total.started += 1;
        total.length += length;
        total.position += position;
        if total.bar.is_none() && total.started >= 2 {
            let bar = bars.add(ProgressBar::new(0));
            let template =
                "{prefix:>16} {bar:30} {bytes:>10}/{total_bytes:<10} {bytes_per_sec:>12} ETA {eta}";
            bar.set_style(
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_prefix("total");
            total.bar = Some(bar);
        }
        if let Some(bar) = &total.bar {
            bar.set_length(total.length);
            bar.set_position(total.position);
        }
    }
}

impl Drop for TerminalReporter {
    fn drop(&mut self) {
        if let Some(bar) = self.total.lock().ok().and_then(|mut t| t.bar.take()) {
            bar.finish_and_clear();
        }
    }
}

impl PullReporter for TerminalReporter {
    fn started(&self, name: &str, url: &str, total: Option<u64>, resumed_from: u64) {
        let bar = self.bars.as_ref().map(|bars| {
            let bar = bars.add(ProgressBar::new(total.unwrap_or(0)));
            let template = if total.is_some() {
                "{prefix:>16} {bar:30} {bytes:>10}/{total_bytes:<10} {bytes_per_sec:>12} ETA {eta}"
            } else {
                "{prefix:>16} {spinner} {bytes:>10} {bytes_per_sec:>12}"
            };
            bar.set_style(
                ProgressStyle::with_template(template)
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_prefix(name.to_string());
            bar.set_position(resumed_from);
            bar
        });
        if bar.is_none() {
            let size = total
                .map(|t| format!(" ({})", human_bytes(t)))
                .unwrap_or_default();
            let resume = if resumed_from > 0 {
                format!(", resuming at {}", human_bytes(resumed_from))
            } else {
                String::new()
            };
            self.line(format!("pulling {name} from {url}{size}{resume}"));
        }
        if let Ok(mut state) = self.state.lock() {
            state.insert(
                name.to_string(),
                Pull {
                    bar,
                    started: Instant::now(),
                    bytes: 0,
                },
            );
        }
        self.add_to_total(total.unwrap_or(0), resumed_from);
    }

    fn progress(&self, name: &str, bytes: u64) {
        if let Ok(mut state) = self.state.lock()
            && let Some(pull) = state.get_mut(name)
        {
            pull.bytes += bytes;
            if let Some(bar) = &pull.bar {
                bar.inc(bytes);
            }
        }
        if let Ok(mut total) = self.total.lock() {
            total.position += bytes;
            if let Some(bar) = &total.bar {
                bar.set_position(total.position);
            }
        }
    }

    fn retrying(&self, name: &str, attempt: u32, error: &str) {
        self.line(format!(
            "{}: {name}: {error}; retrying (attempt {})",
            self.out.warning_word(),
            attempt + 1
        ));
    }

    fn waiting_for_lock(&self, name: &str, url: &str) {
        self.line(format!(
            "{name}: another vlab is pulling {url}; waiting for it"
        ));
    }

    fn done(&self, name: &str, digest: &Checksum, path: &Path, from_cache: bool) {
        let pull = self.state.lock().ok().and_then(|mut s| s.remove(name));
        if let Some(bar) = pull.as_ref().and_then(|p| p.bar.as_ref()) {
            bar.finish_and_clear();
        }
        let short = &digest.hex[..12.min(digest.hex.len())];
        let how = match (&pull, from_cache) {
            (_, true) | (None, _) => "already present".to_string(),
            (Some(p), false) => {
                let seconds = p.started.elapsed().as_secs_f64().max(0.001);
                format!(
                    "{} in {seconds:.1}s, {}/s",
                    human_bytes(p.bytes),
                    human_bytes((p.bytes as f64 / seconds) as u64)
                )
            }
        };
        self.line(format!(
            "{} {name} {}:{short} {} ({how})",
            self.out.success("✓"),
            digest.algorithm.name(),
            path.display()
        ));
    }

    fn failed(&self, name: &str, error: &str) {
        if let Some(bar) = self
            .state
            .lock()
            .ok()
            .and_then(|mut s| s.remove(name))
            .and_then(|p| p.bar)
        {
            bar.abandon();
        }
        let _ = error;
    }
}
