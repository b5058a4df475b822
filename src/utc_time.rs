//! `UtcTime`: a moment as seconds since the Unix epoch, printed in UTC (RFC 3339 for
//! machines, `HH:MM:SS` for tables). Formatting only: no time zones, no parsing, no clock
//! reading beyond `now`.

use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct UtcTime(pub u64);

impl UtcTime {
    pub fn now() -> UtcTime {
        UtcTime(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        )
    }

    /// `2026-12-01T21:03:44Z`.
    pub fn rfc3339(self) -> String {
        let (year, month, day) = civil_from_days(self.0 / 86_400);
        format!("{year:04}-{month:02}-{day:02}T{}Z", self.clock())
    }

    /// `21:03:44` (UTC).
    pub fn clock(self) -> String {
        let seconds = self.0 % 86_400;
        format!(
            "{:02}:{:02}:{:02}",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        )
    }
}

/// The proleptic Gregorian date of a day count since 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::UtcTime;

    #[test]
    fn prints_known_moments() {
        assert_eq!(UtcTime(0).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(UtcTime(951_782_400).rfc3339(), "2000-02-29T00:00:00Z");
        assert_eq!(UtcTime(1_796_159_024).rfc3339(), "2026-12-01T21:03:44Z");
        assert_eq!(UtcTime(1_796_159_024).clock(), "21:03:44");
        assert_eq!(UtcTime(4_107_542_399).rfc3339(), "2100-02-28T23:59:59Z");
    }
}
