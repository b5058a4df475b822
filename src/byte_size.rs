//! `ByteSize`: a size written in a lab file ("1GiB", "512MiB", "10G"), parsed to bytes.
//!
//! Binary units (KiB, MiB, GiB, TiB and the qemu-img style K, M, G, T) are powers of 1024;
//! decimal units (KB, MB, GB, TB) are powers of 1000. A bare number is refused: a size without
//! a unit is too easy to misread. This module parses and prints; range checks (a minimum
//! memory, say) belong to the resolver.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct ByteSize(pub u64);

const KIB: u64 = 1024;
const MIB: u64 = KIB * 1024;
const GIB: u64 = MIB * 1024;
const TIB: u64 = GIB * 1024;

impl ByteSize {
    pub fn bytes(self) -> u64 {
        self.0
    }

    pub fn mib(n: u64) -> Self {
        ByteSize(n * MIB)
    }

    pub fn gib(n: u64) -> Self {
        ByteSize(n * GIB)
    }

    /// Parses `"<number><unit>"`, e.g. `1GiB`, `1.5 GiB`, `512M`, `100GB`.
    pub fn parse(text: &str) -> Result<ByteSize, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let unit = unit.trim_start();
        if number.is_empty() {
            return Err(format!("`{text}` does not start with a number"));
        }
        let multiplier = match unit {
            "" => return Err(format!("`{text}` has no unit")),
            "B" => 1,
            "K" | "KiB" => KIB,
            "M" | "MiB" => MIB,
            "G" | "GiB" => GIB,
            "T" | "TiB" => TIB,
            "KB" | "kB" => 1000,
            "MB" => 1000 * 1000,
            "GB" => 1000 * 1000 * 1000,
            "TB" => 1000 * 1000 * 1000 * 1000,
            other => return Err(format!("unknown unit `{other}`")),
        };
        let bytes = if let Some((whole, fraction)) = number.split_once('.') {
            parse_decimal(whole, fraction, multiplier)
        } else {
            number
                .parse::<u64>()
                .ok()
                .and_then(|n| n.checked_mul(multiplier))
        };
        bytes
            .map(ByteSize)
            .ok_or_else(|| format!("`{text}` is not a valid size"))
    }
}

/// `whole.fraction * multiplier`, exact when the result is a whole number of bytes.
fn parse_decimal(whole: &str, fraction: &str, multiplier: u64) -> Option<u64> {
    if fraction.is_empty() || fraction.len() > 9 || fraction.contains('.') {
        return None;
    }
    let whole: u64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let scale = 10u64.pow(fraction.len() as u32);
    let fraction: u64 = fraction.parse().ok()?;
    let whole_bytes = whole.checked_mul(multiplier)?;
    let fraction_bytes = (u128::from(fraction) * u128::from(multiplier)) / u128::from(scale);
    whole_bytes.checked_add(u64::try_from(fraction_bytes).ok()?)
}

impl fmt::Display for ByteSize {
    /// Prints the largest binary unit that divides the size exactly.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        for (unit, size) in [("TiB", TIB), ("GiB", GIB), ("MiB", MIB), ("KiB", KIB)] {
            if n >= size && n.is_multiple_of(size) {
                return write!(f, "{}{unit}", n / size);
            }
        }
        write!(f, "{n}B")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        let cases = [
            ("1GiB", GIB),
            ("512MiB", 512 * MIB),
            ("10G", 10 * GIB),
            ("1.5GiB", GIB + GIB / 2),
            ("2 TiB", 2 * TIB),
            ("100GB", 100_000_000_000),
            ("4096B", 4096),
            ("0.5K", 512),
        ];
        for (text, bytes) in cases {
            assert_eq!(ByteSize::parse(text), Ok(ByteSize(bytes)), "{text}");
        }
    }

    #[test]
    fn rejects_bad_sizes() {
        for text in [
            "",
            "GiB",
            "12",
            "1.2.3G",
            "1 parsec",
            "99999999999999999999T",
            "1.G",
        ] {
            assert!(ByteSize::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn displays_exact_unit() {
        assert_eq!(ByteSize::gib(1).to_string(), "1GiB");
        assert_eq!(ByteSize(1536 * MIB).to_string(), "1536MiB");
        assert_eq!(ByteSize(1000).to_string(), "1000B");
    }
}
