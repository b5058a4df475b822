//! An image's `ready` and `shutdown-timeout` settings: the kind needs its marker (and only `console` has one), and the
//! timeout is a positive duration written as `90s`, `10m` or `1h`.

use super::Resolver;
use crate::lab::Readiness;
use crate::lab::choices::ReadyWhen;
use crate::lab::readiness::{DEFAULT_SHUTDOWN_TIMEOUT, DEFAULT_TIMEOUT};
use crate::language::diagnostic::Diagnostic;
use crate::language::diagnostic_code::DiagnosticCode;
use crate::language::spanned::Spanned;
use crate::language::spec::ReadySpec;
use std::time::Duration;

impl Resolver<'_> {
    /// The checked readiness; `None` after reporting a problem.
    pub(super) fn readiness(&mut self, spec: Option<&ReadySpec>) -> Option<Readiness> {
        let Some(spec) = spec else {
            return Some(Readiness::default());
        };
        let when = spec.when.as_ref()?.value;
        let marker = match (when, &spec.marker) {
            (ReadyWhen::Console, Some(m)) if !m.value.trim().is_empty() => Some(m.value.clone()),
            (ReadyWhen::Console, Some(m)) => {
                self.d.push(
                    Diagnostic::new(DiagnosticCode::InvalidValue, m.span, "the marker is empty")
                        .label("matches every line")
                        .help("give the text the guest prints when it is up"),
                );
                return None;
            }
            (ReadyWhen::Console, None) => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::MissingSetting,
                        spec.span,
                        "`ready \"console\"` needs a `marker`",
                    )
                    .label("marker missing")
                    .help("write `ready \"console\" marker=\"text the guest prints when up\"`"),
                );
                return None;
            }
            (ReadyWhen::CloudInit | ReadyWhen::None, Some(m)) => {
                self.d.push(
                    Diagnostic::new(
                        DiagnosticCode::ConflictingSettings,
                        m.span,
                        format!("`ready \"{when}\"` takes no `marker`"),
                    )
                    .label("only for `ready \"console\"`")
                    .help("use `ready \"console\" marker=\"...\"` to wait for a line of your own"),
                );
                return None;
            }
            (ReadyWhen::CloudInit | ReadyWhen::None, None) => None,
        };
        let timeout = match &spec.timeout {
            None => DEFAULT_TIMEOUT,
            Some(t) => {
                if let Some(d) = parse_duration(&t.value) {
                    d
                } else {
                    self.d.push(
                        Diagnostic::new(
                            DiagnosticCode::InvalidValue,
                            t.span,
                            format!("`{}` is not a duration", t.value),
                        )
                        .label("expected a number and s, m or h")
                        .help("write e.g. `timeout=\"90s\"`, `\"10m\"` or `\"1h\"`"),
                    );
                    return None;
                }
            }
        };
        Some(Readiness {
            when,
            marker,
            timeout,
        })
    }
}

impl Resolver<'_> {
    /// The image's `shutdown-timeout`: a duration as for `ready`, where `0s` means a hard stop.
    pub(super) fn shutdown_timeout(&mut self, spec: Option<&Spanned<String>>) -> Option<Duration> {
        let Some(text) = spec else {
            return Some(DEFAULT_SHUTDOWN_TIMEOUT);
        };
        if text.value == "0s" {
            return Some(Duration::ZERO);
        }
        let parsed = parse_duration(&text.value);
        if parsed.is_none() {
            self.d.push(
                Diagnostic::new(
                    DiagnosticCode::InvalidValue,
                    text.span,
                    format!("`{}` is not a duration", text.value),
                )
                .label("expected a number and s, m or h")
                .help("write e.g. `shutdown-timeout \"30s\"`, or `\"0s\"` to stop guests hard"),
            );
        }
        parsed
    }
}

/// `90s`, `10m`, `1h`: a positive whole number and a unit, at most a day.
pub(super) fn parse_duration(text: &str) -> Option<Duration> {
    let unit_at = text.find(|c: char| !c.is_ascii_digit())?;
    let (number, unit) = text.split_at(unit_at);
    let number: u64 = number.parse().ok()?;
    let seconds = match unit {
        "s" => number,
        "m" => number.checked_mul(60)?,
        "h" => number.checked_mul(3600)?,
        _ => return None,
    };
    (1..=86_400)
        .contains(&seconds)
        .then(|| Duration::from_secs(seconds))
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Some(Duration::from_secs(90)));
        assert_eq!(parse_duration("10m"), Some(Duration::from_mins(10)));
        assert_eq!(parse_duration("1h"), Some(Duration::from_hours(1)));
        for bad in [
            "",
            "10",
            "m",
            "0s",
            "1.5m",
            "-1m",
            "2d",
            "25h",
            "99999999999999999999h",
        ] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }
}
