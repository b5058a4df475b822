//! The query of a libvirt URI (`?keyfile=/k&no_verify=1`): split and percent-decoded the way
//! libvirt does it, and checked against an allow-list per transport.
//!
//! libvirt (`virURIParseParams` in src/util/viruri.c) splits the query on `&` (on `;` once no
//! `&` is left), percent-decodes names and values (`%63ommand` is `command`) and matches names
//! without regard to case (`COMMAND` is `command`). The remote driver (`doRemoteOpen` in
//! src/remote/remote_driver.c) then takes the parameters below; some of them run a program
//! or change what the client trusts. This module knows each parameter, which transports use
//! it and whether a lab may set it freely, only with the host's `allow-uri-params`, or never.
//! Whether a host opted in is the resolver's business, not this module's.

use super::param_table::{PARAMS, ParamSpec, Rule, Transport, spec};
use serde::Serialize;
use std::ops::Range;

/// One query parameter, decoded; `name` is lowercased, as libvirt compares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UriParam {
    pub name: String,
    pub value: String,
    /// Where `name=value` sits in the URI text, for diagnostics.
    #[serde(skip)]
    pub at: Range<usize>,
}

impl UriParam {
    pub fn spec(&self) -> &'static ParamSpec {
        spec(&self.name).expect("parsed parameters are known ones")
    }
}

/// A problem with the query, and where in the URI text it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryError {
    pub message: String,
    pub help: String,
    pub at: Range<usize>,
}

/// Splits and checks `query`, which starts at byte `offset` of the URI.
pub fn parse_query(
    query: &str,
    offset: usize,
    transport: Transport,
) -> Result<Vec<UriParam>, QueryError> {
    let mut params: Vec<UriParam> = Vec::new();
    let mut start = offset;
    for piece in query.split('&') {
        let at = start..start + piece.len();
        start = at.end + 1;
        let error = |message: String, help: &str| QueryError {
            message,
            help: help.to_string(),
            at: at.clone(),
        };
        if piece.contains(';') {
            return Err(error(
                "`;` in a URI query: libvirt splits parameters on it too".into(),
                "separate parameters with `&`; write a `;` inside a value as `%3B`",
            ));
        }
        let (raw_name, raw_value) = piece.split_once('=').unwrap_or((piece, ""));
        let name = decode(raw_name).map_err(|why| error(why, "write `%` as `%25`"))?;
        let value = decode(raw_value).map_err(|why| error(why, "write `%` as `%25`"))?;
        let name = name.to_ascii_lowercase();
        if name.is_empty() {
            return Err(error(
                "a URI parameter without a name".into(),
                "write parameters as `name=value`, separated by `&`",
            ));
        }
        let Some(spec) = spec(&name).filter(|s| s.transports.contains(&transport)) else {
            let used: Vec<&str> = PARAMS
                .iter()
                .filter(|p| p.transports.contains(&transport))
                .map(|p| p.name)
                .collect();
            return Err(error(
                format!(
                    "unknown URI parameter `{name}` for the {} transport",
                    transport.label()
                ),
                &format!(
                    "the {} transport takes: {}",
                    transport.label(),
                    used.join(", ")
                ),
            ));
        };
        if let Some(values) = spec.values.filter(|v| !v.contains(&value.as_str())) {
            return Err(error(
                format!("URI parameter `{name}` cannot be `{value}`"),
                &format!("use one of: {}", values.join(", ")),
            ));
        }
        if params.iter().any(|p| p.name == name) {
            return Err(error(
                format!("URI parameter `{name}` is given twice"),
                "keep one of them: libvirt would silently use the last",
            ));
        }
        if let Rule::Never(what) = spec.rule {
            return Err(error(
                format!("URI parameter `{name}` {what}, so a lab file may not set it"),
                "remove it: vlab runs the `ssh` on PATH; set up jump hosts or proxies in ~/.ssh/config on the machine that runs vlab",
            ));
        }
        params.push(UriParam { name, value, at });
    }
    Ok(params)
}

/// Percent-decodes like libvirt (through libxml2's `xmlURIUnescapeString`), refusing what
/// libvirt would misread: a `%` without two hex digits, `%00` (it ends a C string), control
/// characters and bytes that are not UTF-8.
fn decode(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            let Some(byte) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) else {
                return Err(format!(
                    "`{text}` has a `%` that is not followed by two hex digits"
                ));
            };
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let decoded =
        String::from_utf8(out).map_err(|_| format!("`{text}` does not decode to UTF-8 text"))?;
    if decoded.chars().any(char::is_control) {
        return Err(format!("`{text}` decodes to a control character"));
    }
    Ok(decoded)
}

#[cfg(test)]
mod tests {
    use super::Transport::{Libssh, Libssh2, Local, Ssh, Tcp, Tls};
    use super::*;

    fn names(query: &str, transport: Transport) -> Result<Vec<String>, String> {
        parse_query(query, 0, transport)
            .map(|ps| {
                ps.into_iter()
                    .map(|p| format!("{}={}", p.name, p.value))
                    .collect()
            })
            .map_err(|e| e.message)
    }

    #[test]
    fn decodes_names_and_values_like_libvirt() {
        assert_eq!(
            names("keyfile=/a%20b&No_Verify=1&%6Dode=direct", Ssh).unwrap(),
            ["keyfile=/a b", "no_verify=1", "mode=direct"]
        );
        assert_eq!(
            names("no_tty", Ssh).unwrap_err(),
            "URI parameter `no_tty` cannot be ``"
        );
    }

    #[test]
    fn command_is_refused_however_it_is_spelt() {
        for query in [
            "command=/tmp/evil.sh",
            "%63ommand=/tmp/evil.sh",
            "COMMAND=/x",
            "CoMmAnD",
        ] {
            let error = names(query, Ssh).unwrap_err();
            assert!(
                error.contains("`command` runs the given local program"),
                "{query}: {error}"
            );
        }
    }

    #[test]
    fn each_parameter_is_known_only_for_the_transports_that_use_it() {
        let cases = [
            ("known_hosts=/k", Ssh),
            ("no_verify=1", Libssh),
            ("keyfile=/k", Tcp),
            ("socket=/s", Tls),
            ("pkipath=/p", Ssh),
            ("mode=auto", Tcp),
            ("no_tty=1", Local),
            ("root=/var/lib/x", Local),
            ("virt=1", Ssh),
        ];
        for (query, transport) in cases {
            let error = names(query, transport).unwrap_err();
            assert!(
                error.starts_with("unknown URI parameter"),
                "{query}: {error}"
            );
            assert!(
                error.ends_with(&format!("for the {} transport", transport.label())),
                "{error}"
            );
        }
        assert!(names("known_hosts=/k&known_hosts_verify=ignore", Libssh2).is_ok());
        assert!(
            names(
                "pkipath=/p&tls_priority=NORMAL&no_sanity=1&no_verify=1",
                Tls
            )
            .is_ok()
        );
        assert!(names("socket=/run/s&mode=legacy", Local).is_ok());
    }

    #[test]
    fn the_dangerous_parameters_need_the_opt_in_and_the_rest_do_not() {
        let free = ["mode", "proxy", "no_tty"];
        for p in PARAMS {
            match p.rule {
                Rule::Free => assert!(free.contains(&p.name), "{}", p.name),
                Rule::OptIn(_) => assert!(!free.contains(&p.name), "{}", p.name),
                Rule::Never(_) => assert_eq!(p.name, "command"),
            }
        }
        for name in [
            "netcat",
            "socket",
            "keyfile",
            "no_verify",
            "known_hosts",
            "known_hosts_verify",
            "sshauth",
            "pkipath",
            "tls_priority",
            "no_sanity",
            "auth",
            "authfile",
            "name",
        ] {
            assert!(
                matches!(spec(name).map(|s| s.rule), Some(Rule::OptIn(_))),
                "{name}"
            );
        }
    }

    #[test]
    fn rejects_malformed_queries() {
        let cases = [
            ("keyfile=/k&keyfile=/j", "given twice"),
            ("KEYFILE=/k&keyfile=/j", "given twice"),
            ("mode=auto&&no_tty=1", "without a name"),
            ("=x", "without a name"),
            ("mode=auto;command=/x", "`;`"),
            ("keyfile=/k%", "two hex digits"),
            ("keyfile=/k%zz", "two hex digits"),
            ("command%00=/x", "control character"),
            ("keyfile=%ff", "UTF-8"),
            ("mode=sideways", "cannot be `sideways`"),
            ("no_verify=yes", "cannot be `yes`"),
            ("proxy=ssh", "cannot be `ssh`"),
        ];
        for (query, expected) in cases {
            let error = names(query, Ssh).unwrap_err();
            assert!(error.contains(expected), "{query}: {error}");
        }
    }

    #[test]
    fn errors_point_at_the_parameter() {
        let error = parse_query("mode=auto&netcat=/bin/nc&no_tty=2", 10, Ssh).unwrap_err();
        assert_eq!(error.at, 35..43, "{error:?}");
    }
}
