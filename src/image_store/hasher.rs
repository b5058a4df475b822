//! `Hasher`: SHA-256 or SHA-512 over a byte stream, and `HashingWriter`, which hashes what it
//! writes on the way to a file.

use crate::checksum::{Checksum, HashAlgorithm};
use sha2::Digest;
use std::io::{self, Write};

#[derive(Clone)]
pub enum Hasher {
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    pub fn new(algorithm: HashAlgorithm) -> Hasher {
        match algorithm {
            HashAlgorithm::Sha256 => Hasher::Sha256(sha2::Sha256::new()),
            HashAlgorithm::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    pub fn finish(self) -> Checksum {
        let (algorithm, bytes) = match self {
            Hasher::Sha256(h) => (HashAlgorithm::Sha256, h.finalize().to_vec()),
            Hasher::Sha512(h) => (HashAlgorithm::Sha512, h.finalize().to_vec()),
        };
        Checksum {
            algorithm,
            hex: crate::checksum::hex(&bytes),
        }
    }
}

/// Writes through to `inner`, hashing and counting every byte.
pub struct HashingWriter<W: Write> {
    pub inner: W,
    pub hasher: Hasher,
    pub written: u64,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W, algorithm: HashAlgorithm) -> Self {
        HashingWriter {
            inner,
            hasher: Hasher::new(algorithm),
            written: 0,
        }
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.written += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Hashes a whole file (for `vlab image verify` and resumed downloads).
pub fn hash_file(path: &std::path::Path, algorithm: HashAlgorithm) -> io::Result<(Checksum, u64)> {
    let mut writer = HashingWriter::new(io::sink(), algorithm);
    io::copy(&mut std::fs::File::open(path)?, &mut writer)?;
    Ok((writer.hasher.finish(), writer.written))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        let mut h = Hasher::new(HashAlgorithm::Sha256);
        h.update(b"abc");
        assert_eq!(
            h.finish().hex,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let mut h = Hasher::new(HashAlgorithm::Sha512);
        h.update(b"abc");
        assert!(h.finish().hex.starts_with("ddaf35a193617aba"));
    }
}
