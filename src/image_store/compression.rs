//! Compressed images (`.xz`, `.gz`, `.zst`): detection by file name and a streaming decoder.
//!
//! The decoder is a `Write` sink: compressed bytes go in as they arrive, decompressed bytes
//! come out into the writer it wraps. It holds a few buffers only, whatever the image size.

use std::io::{self, Write};

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    Xz,
    Gzip,
    Zstd,
}

impl Compression {
    /// The compression a file name implies, if any.
    pub fn from_file_name(name: &str) -> Option<Compression> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".xz") {
            Some(Compression::Xz)
        } else if lower.ends_with(".gz") {
            Some(Compression::Gzip)
        } else if lower.ends_with(".zst") || lower.ends_with(".zstd") {
            Some(Compression::Zstd)
        } else {
            None
        }
    }
}

/// Decompresses into `W` as compressed bytes are written.
pub enum Decoder<W: Write> {
    Xz(xz2::write::XzDecoder<W>),
    Gzip(flate2::write::GzDecoder<W>),
    Zstd(zstd::stream::write::Decoder<'static, W>),
}

impl<W: Write> Decoder<W> {
    pub fn new(compression: Compression, inner: W) -> io::Result<Decoder<W>> {
        Ok(match compression {
            Compression::Xz => Decoder::Xz(xz2::write::XzDecoder::new_multi_decoder(inner)),
            Compression::Gzip => Decoder::Gzip(flate2::write::GzDecoder::new(inner)),
            Compression::Zstd => Decoder::Zstd(zstd::stream::write::Decoder::new(inner)?),
        })
    }

    /// Flushes the last decompressed bytes and returns the inner writer.
    pub fn finish(self) -> io::Result<W> {
        match self {
            Decoder::Xz(mut d) => d.finish(),
            Decoder::Gzip(d) => d.finish(),
            Decoder::Zstd(mut d) => {
                d.flush()?;
                Ok(d.into_inner())
            }
        }
    }
}

impl<W: Write> Write for Decoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Decoder::Xz(d) => d.write(buf),
            Decoder::Gzip(d) => d.write(buf),
            Decoder::Zstd(d) => d.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Decoder::Xz(d) => d.flush(),
            Decoder::Gzip(d) => d.flush(),
            Decoder::Zstd(d) => d.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(compression: Compression, compressed: Vec<u8>, plain: &[u8]) {
        let mut decoder = Decoder::new(compression, Vec::new()).expect("decoder");
        for chunk in compressed.chunks(7) {
            decoder.write_all(chunk).expect("write");
        }
        assert_eq!(decoder.finish().expect("finish"), plain);
    }

    #[test]
    fn decodes_in_small_chunks() {
        let plain: Vec<u8> = (0..100_000u32).flat_map(u32::to_le_bytes).collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        gz.write_all(&plain).expect("gz");
        roundtrip(Compression::Gzip, gz.finish().expect("gz"), &plain);
        let mut xz = xz2::write::XzEncoder::new(Vec::new(), 1);
        xz.write_all(&plain).expect("xz");
        roundtrip(Compression::Xz, xz.finish().expect("xz"), &plain);
        roundtrip(
            Compression::Zstd,
            zstd::encode_all(&plain[..], 1).expect("zstd"),
            &plain,
        );
    }

    #[test]
    fn detects_by_name() {
        assert_eq!(
            Compression::from_file_name("a.qcow2.xz"),
            Some(Compression::Xz)
        );
        assert_eq!(
            Compression::from_file_name("a.raw.GZ"),
            Some(Compression::Gzip)
        );
        assert_eq!(
            Compression::from_file_name("a.img.zst"),
            Some(Compression::Zstd)
        );
        assert_eq!(Compression::from_file_name("a.qcow2"), None);
    }
}
