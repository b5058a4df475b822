//! Parsing of SHA256SUMS / SHA512SUMS files, in GNU (`<hex>  <name>`) or BSD
//! (`SHA256 (<name>) = <hex>`) form, and finding the entry for an image's file name.
//!
//! Pure text handling; fetching the file is the fetcher's job.

use crate::checksum::{Checksum, HashAlgorithm};

/// The checksum listed for `file_name`, if the file lists it.
pub fn find(text: &str, file_name: &str) -> Option<Checksum> {
    text.lines().find_map(|line| {
        let (name, algorithm, hex) = parse_line(line.trim())?;
        (name == file_name).then(|| Checksum {
            algorithm,
            hex: hex.to_ascii_lowercase(),
        })
    })
}

/// `(name, algorithm, hex)` of one line, or `None` for a line that is not an entry.
fn parse_line(line: &str) -> Option<(&str, HashAlgorithm, &str)> {
    if let Some(rest) = line
        .strip_prefix("SHA256 (")
        .or_else(|| line.strip_prefix("SHA512 ("))
    {
        // BSD form: SHA256 (name) = hex
        let (name, hex) = rest.rsplit_once(") = ")?;
        let algorithm = algorithm_of(hex)?;
        let expected = if line.starts_with("SHA256") {
            HashAlgorithm::Sha256
        } else {
            HashAlgorithm::Sha512
        };
        return (algorithm == expected).then_some((strip_dot_slash(name), algorithm, hex));
    }
    // GNU form: hex, one space, then a space (text mode) or `*` (binary mode), then the name.
    let (hex, rest) = line.split_once(' ')?;
    let name = rest.strip_prefix(' ').or_else(|| rest.strip_prefix('*'))?;
    let algorithm = algorithm_of(hex)?;
    Some((strip_dot_slash(name), algorithm, hex))
}

fn algorithm_of(hex: &str) -> Option<HashAlgorithm> {
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    match hex.len() {
        64 => Some(HashAlgorithm::Sha256),
        128 => Some(HashAlgorithm::Sha512),
        _ => None,
    }
}

fn strip_dot_slash(name: &str) -> &str {
    name.strip_prefix("./").unwrap_or(name)
}

/// The last path segment of a URL, without query or fragment, percent-decoded.
pub fn file_name_of(url: &str) -> String {
    let path = url.split(['?', '#']).next().unwrap_or(url);
    let segment = path.rsplit('/').next().unwrap_or(path);
    percent_decode(segment)
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(byte) = text
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    const A256: &str = "9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c";

    #[test]
    fn gnu_and_bsd_forms() {
        let a512 = "ab".repeat(64);
        let text = format!(
            "# comment\n{A256}  other.qcow2\n{A256} *disk.qcow2\nSHA512 (./bsd.img) = {a512}\n{a512}  ./dot.raw\n"
        );
        assert_eq!(
            find(&text, "disk.qcow2").map(|c| c.hex),
            Some(A256.to_string())
        );
        let bsd = find(&text, "bsd.img").expect("bsd entry");
        assert_eq!(bsd.algorithm, HashAlgorithm::Sha512);
        assert_eq!(
            find(&text, "dot.raw").map(|c| c.algorithm),
            Some(HashAlgorithm::Sha512)
        );
        assert_eq!(find(&text, "missing.qcow2"), None);
        assert_eq!(find(&text, "disk"), None);
    }

    #[test]
    fn mismatched_bsd_algorithm_is_ignored() {
        let text = format!("SHA512 (x.img) = {A256}\n");
        assert_eq!(find(&text, "x.img"), None);
    }

    #[test]
    fn file_names_of_urls() {
        assert_eq!(file_name_of("https://h/a/b/disk.qcow2?x=1#f"), "disk.qcow2");
        assert_eq!(file_name_of("file:///srv/my%20disk.img"), "my disk.img");
        assert_eq!(file_name_of("https://h/bad%zz"), "bad%zz");
    }
}
