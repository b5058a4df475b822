//! `Checksum`: an expected image digest written `sha256:<hex>` or `sha512:<hex>`.
//!
//! Parsing only: hashing a download against it is the image store's job.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum HashAlgorithm {
    Sha256,
    Sha512,
}

impl HashAlgorithm {
    pub fn name(self) -> &'static str {
        match self {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sha512 => "sha512",
        }
    }

    fn hex_len(self) -> usize {
        match self {
            HashAlgorithm::Sha256 => 64,
            HashAlgorithm::Sha512 => 128,
        }
    }
}

/// An algorithm and the lowercase hex digest expected from it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Checksum {
    pub algorithm: HashAlgorithm,
    pub hex: String,
}

impl Checksum {
    pub fn parse(text: &str) -> Result<Checksum, String> {
        let Some((algo, hex)) = text.split_once(':') else {
            return Err("a checksum is written `sha256:<hex>` or `sha512:<hex>`".into());
        };
        let algorithm = match algo.to_ascii_lowercase().as_str() {
            "sha256" => HashAlgorithm::Sha256,
            "sha512" => HashAlgorithm::Sha512,
            other => return Err(format!("unsupported checksum algorithm `{other}`")),
        };
        if hex.len() != algorithm.hex_len() {
            return Err(format!(
                "a {} digest has {} hex digits, this one has {}",
                algorithm.name(),
                algorithm.hex_len(),
                hex.len()
            ));
        }
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err("the digest contains characters that are not hex digits".into());
        }
        Ok(Checksum {
            algorithm,
            hex: hex.to_ascii_lowercase(),
        })
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm.name(), self.hex)
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// SHA-256 over `parts`, each followed by a NUL byte, so that ("ab", "c") and ("a", "bc")
/// differ: the digest behind vlab's stable names and keys.
pub fn sha256_of_parts(parts: &[&str]) -> [u8; 32] {
    use sha2::Digest;
    let mut hasher = sha2::Sha256::new();
    for part in parts {
        hasher.update(part.as_bytes());
        hasher.update([0u8]);
    }
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_algorithms() {
        let c = Checksum::parse(&format!("sha256:{}", "AB".repeat(32))).unwrap();
        assert_eq!(c.algorithm, HashAlgorithm::Sha256);
        assert_eq!(c.hex, "ab".repeat(32));
        let c = Checksum::parse(&format!("SHA512:{}", "0".repeat(128))).unwrap();
        assert_eq!(c.algorithm, HashAlgorithm::Sha512);
    }

    #[test]
    fn rejects_malformed() {
        let cases = [
            "abc".to_string(),
            format!("md5:{}", "0".repeat(32)),
            format!("sha256:{}", "0".repeat(63)),
            format!("sha256:{}", "g".repeat(64)),
        ];
        for text in cases {
            assert!(Checksum::parse(&text).is_err(), "{text}");
        }
    }
}
