//! `Readiness`: how apply tells that a guest booted from an image is up, and how long it
//! waits. Checked by the resolver; carried out by the applier's console watch.

use super::choices::ReadyWhen;
use serde::Serialize;
use std::time::Duration;

/// The line cloud-init prints on the console when it has finished (its default
/// `final_message`: "Cloud-init v. 22.4.2 finished at ...").
pub const CLOUD_INIT_FINISHED: [&str; 2] = ["Cloud-init v. ", " finished at "];

/// How long an update waits for a guest to shut down when the image does not say.
pub const DEFAULT_SHUTDOWN_TIMEOUT: Duration = Duration::from_mins(1);

/// How long apply waits for a guest when the image does not say.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_mins(10);

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Readiness {
    pub when: ReadyWhen,
    /// The text a console line must contain (`console` only).
    pub marker: Option<String>,
    #[serde(serialize_with = "seconds")]
    pub timeout: Duration,
}

impl Default for Readiness {
    fn default() -> Self {
        Readiness {
            when: ReadyWhen::CloudInit,
            marker: None,
            timeout: DEFAULT_TIMEOUT,
        }
    }
}

impl Readiness {
    /// True when `line` (one line of console output) says the guest is ready.
    pub fn matches(&self, line: &str) -> bool {
        match self.when {
            ReadyWhen::CloudInit => {
                let [prefix, finished] = CLOUD_INIT_FINISHED;
                line.find(prefix)
                    .is_some_and(|at| line[at..].contains(finished))
            }
            ReadyWhen::Console => self.marker.as_deref().is_some_and(|m| line.contains(m)),
            ReadyWhen::None => true,
        }
    }

    /// What apply waits for, in words.
    pub fn describe(&self) -> String {
        match self.when {
            ReadyWhen::CloudInit => "cloud-init's final message on the console".to_string(),
            ReadyWhen::Console => format!(
                "`{}` on the console",
                self.marker.as_deref().unwrap_or_default()
            ),
            ReadyWhen::None => "nothing".to_string(),
        }
    }
}

pub fn seconds<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloud_init_final_message_is_recognised() {
        let r = Readiness::default();
        assert!(r.matches(
            "[   39.1] cloud-init[512]: Cloud-init v. 22.4.2 finished at Tue, 24 Nov 2026 10:00:00 +0000. Datasource DataSourceNoCloud.  Up 39.17 seconds"
        ));
        assert!(!r.matches("Cloud-init v. 22.4.2 running 'modules:final' at Tue"));
        assert!(!r.matches("finished at 10:00 Cloud-init v. 22"));
    }

    #[test]
    fn console_marker_is_a_substring() {
        let r = Readiness {
            when: ReadyWhen::Console,
            marker: Some("vlab-tiny: ready".into()),
            timeout: DEFAULT_TIMEOUT,
        };
        assert!(r.matches("\u{1b}[0mvlab-tiny: ready\r"));
        assert!(!r.matches("vlab-tiny: eth0 10.0.0.2"));
    }
}
