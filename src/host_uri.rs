//! `HostUri`: a libvirt connection URI and the hypervisor it implies.
//!
//! `qemu:///system`, `qemu+ssh://root@box/system`, `xen:///system`, `xen+ssh://...` and the
//! `test:///default` driver used by tests. Parsing only: connecting is the host backend's job.
//!
//! A lab file may come from a stranger, and libvirt acts on what its URI says while it
//! connects (at `vlab plan`): so the parse is strict. User and server names are plain (no
//! `-` up front that `ssh` could take for an option, no percent-escapes), the path is
//! `/system` or `/session`, there is no fragment, and the query is checked parameter by
//! parameter against an allow-list per transport (`uri_params`). Which parameters a host
//! has opted in to, and whether `test:///FILE` driver files are allowed, is decided by the
//! resolver with this type's answers.

mod authority;
mod param_table;
mod uri_params;

pub use crate::lab::choices::Hypervisor;
use authority::check_authority;
pub use param_table::{ParamSpec, Rule, Transport};
use serde::Serialize;
use std::fmt;
use std::ops::Range;
pub use uri_params::UriParam;

/// The libvirt driver named by a URI scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Driver {
    Qemu,
    Xen,
    /// libvirt's in-memory `test` driver: no hypervisor of its own.
    Test,
}

const TRANSPORTS: [&str; 6] = ["ssh", "tcp", "tls", "unix", "libssh", "libssh2"];

/// The test driver's built-in host; any other `test:///PATH` reads the file at PATH.
pub const TEST_DEFAULT: &str = "test:///default";

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostUri {
    pub raw: String,
    pub driver: Driver,
    /// `ssh`, `tcp`, ... or `None` for a local connection.
    pub transport: Option<String>,
    /// The remote server, `None` for a local URI like `qemu:///system`.
    pub server: Option<String>,
    /// `/system`, `/session`; for the test driver `/default` or a driver file.
    pub path: String,
    /// The query's parameters, checked against the transport's allow-list.
    pub params: Vec<UriParam>,
}

/// Why a URI was refused: a malformed URI, or a query parameter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UriError {
    pub kind: UriErrorKind,
    pub message: String,
    pub help: Option<String>,
    /// The part of the URI text at fault, when it is narrower than the whole.
    pub at: Option<Range<usize>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UriErrorKind {
    Invalid,
    Parameter,
}

fn invalid(message: impl Into<String>) -> UriError {
    UriError {
        kind: UriErrorKind::Invalid,
        message: message.into(),
        help: None,
        at: None,
    }
}

impl HostUri {
    pub fn parse(text: &str) -> Result<HostUri, UriError> {
        if text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid("a URI cannot contain spaces"));
        }
        if let Some(i) = text.find('#') {
            return Err(UriError {
                help: Some("remove the `#` and what follows; inside a value write `%23`".into()),
                at: Some(i..text.len()),
                ..invalid("a libvirt URI has no fragment (`#...`)")
            });
        }
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(invalid(
                "a libvirt URI looks like `qemu:///system` or `qemu+ssh://user@host/system`",
            ));
        };
        let (driver, driver_name, transport) = parse_scheme(scheme)?;
        let (before_query, query) = match rest.split_once('?') {
            Some((before, query)) => (before, Some(query)),
            None => (rest, None),
        };
        let (authority, path) = match before_query.find('/') {
            Some(i) => before_query.split_at(i),
            None => (before_query, ""),
        };
        if path.is_empty() || path == "/" {
            return Err(invalid(
                "the URI has no path; add `/system` (or `/session`)",
            ));
        }
        if authority.is_empty() && transport.is_some_and(|t| t != "unix") {
            return Err(invalid(format!(
                "a `{scheme}` URI needs a server, like `{scheme}://root@host/system`"
            )));
        }
        if !authority.is_empty() {
            check_authority(authority).map_err(|(message, help)| UriError {
                help: Some(help.into()),
                at: Some(scheme.len() + 3..scheme.len() + 3 + authority.len()),
                ..invalid(message)
            })?;
        }
        let transport_kind = transport_of(driver, transport, authority, query.is_some())?;
        let paths: &[&str] = match driver {
            Driver::Qemu => &["/system", "/session"],
            Driver::Xen => &["/system"],
            Driver::Test => &[],
        };
        if driver != Driver::Test && !paths.contains(&path) {
            return Err(UriError {
                help: Some(format!("use `{scheme}://{authority}{}`", paths[0])),
                at: Some(
                    text.len() - rest.len() + authority.len()
                        ..text.len() - rest.len() + before_query.len(),
                ),
                ..invalid(format!(
                    "the path of a `{driver_name}` URI is {}",
                    paths.join(" or ")
                ))
            });
        }
        let params = match query {
            Some(query) => uri_params::parse_query(query, text.len() - query.len(), transport_kind)
                .map_err(|e| UriError {
                    kind: UriErrorKind::Parameter,
                    message: e.message,
                    help: Some(e.help),
                    at: Some(e.at),
                })?,
            None => Vec::new(),
        };
        Ok(HostUri {
            raw: text.to_string(),
            driver,
            transport: transport.map(str::to_string),
            server: (!authority.is_empty()).then(|| authority.to_string()),
            path: path.to_string(),
            params,
        })
    }

    /// The hypervisor this URI implies, or `None` for the test driver.
    pub fn hypervisor(&self) -> Option<Hypervisor> {
        match self.driver {
            Driver::Qemu => Some(Hypervisor::Kvm),
            Driver::Xen => Some(Hypervisor::Xen),
            Driver::Test => None,
        }
    }

    /// The file a `test:///PATH` URI makes libvirt's test driver read, `None` for
    /// `test:///default` and every other driver.
    pub fn test_driver_file(&self) -> Option<&str> {
        (self.driver == Driver::Test && self.raw != TEST_DEFAULT).then_some(self.path.as_str())
    }
}

/// `qemu+ssh`: the driver, its name and the transport, if any.
fn parse_scheme(scheme: &str) -> Result<(Driver, &str, Option<&str>), UriError> {
    let (driver_name, transport) = match scheme.split_once('+') {
        Some((driver, transport)) => (driver, Some(transport)),
        None => (scheme, None),
    };
    let driver = match driver_name {
        "qemu" => Driver::Qemu,
        "xen" => Driver::Xen,
        "test" => Driver::Test,
        other => {
            return Err(invalid(format!(
                "unsupported libvirt driver `{other}`; vlab drives `qemu` and `xen` hosts (and `test` for tests)"
            )));
        }
    };
    if let Some(transport) = transport
        && !TRANSPORTS.contains(&transport)
    {
        return Err(invalid(format!(
            "unknown transport `{transport}`; use one of {}",
            TRANSPORTS.join(", ")
        )));
    }
    Ok((driver, driver_name, transport))
}

/// The transport libvirt will use, as far as the parameters are concerned; a test URI must
/// be local and bare.
fn transport_of(
    driver: Driver,
    transport: Option<&str>,
    authority: &str,
    has_query: bool,
) -> Result<Transport, UriError> {
    Ok(match (driver, transport) {
        (Driver::Test, _) => {
            if transport.is_some() || !authority.is_empty() || has_query {
                return Err(UriError {
                    help: Some(format!("write `{TEST_DEFAULT}`")),
                    ..invalid("a test host is local and takes no parameters")
                });
            }
            Transport::Local
        }
        (_, None) if authority.is_empty() => Transport::Local,
        // libvirt reaches `qemu://box/system` over TLS.
        (_, None | Some("tls")) => Transport::Tls,
        (_, Some("unix")) => Transport::Unix,
        (_, Some("ssh")) => Transport::Ssh,
        (_, Some("libssh")) => Transport::Libssh,
        (_, Some("libssh2")) => Transport::Libssh2,
        (_, Some(_)) => Transport::Tcp,
    })
}

impl fmt::Display for HostUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> UriError {
        HostUri::parse(text).expect_err(text)
    }

    #[test]
    fn parses_supported_uris() {
        let cases = [
            ("qemu:///system", Some(Hypervisor::Kvm), None),
            ("qemu:///session", Some(Hypervisor::Kvm), None),
            (
                "qemu+ssh://root@box/system",
                Some(Hypervisor::Kvm),
                Some("root@box"),
            ),
            ("xen:///system", Some(Hypervisor::Xen), None),
            (
                "xen+ssh://root@xen1:2222/system?keyfile=/k",
                Some(Hypervisor::Xen),
                Some("root@xen1:2222"),
            ),
            (
                "qemu+tls://[2001:db8::1]:16514/system",
                Some(Hypervisor::Kvm),
                Some("[2001:db8::1]:16514"),
            ),
            (
                "qemu+tcp://kvm_2.example.net/system",
                Some(Hypervisor::Kvm),
                Some("kvm_2.example.net"),
            ),
            ("test:///default", None, None),
        ];
        for (text, hypervisor, server) in cases {
            let uri = HostUri::parse(text).unwrap_or_else(|e| panic!("{text}: {e:?}"));
            assert_eq!(uri.hypervisor(), hypervisor, "{text}");
            assert_eq!(uri.server.as_deref(), server, "{text}");
            assert_eq!(uri.test_driver_file(), None, "{text}");
        }
    }

    #[test]
    fn rejects_others() {
        for text in [
            "",
            "qemu",
            "lxc:///system",
            "qemu+foo://h/system",
            "qemu+ext:///system?command=/tmp/evil.sh",
            "qemu://",
            "qemu+ssh:///system",
            "qemu:///sys tem",
            "qemu:///embed?root=/tmp/x",
            "xen:///session",
            "qemu:///system#frag",
            "qemu:///system\n",
        ] {
            assert_eq!(error(text).kind, UriErrorKind::Invalid, "{text}");
        }
    }

    #[test]
    fn parameters_are_decoded_and_checked_for_the_transport() {
        let uri =
            HostUri::parse("qemu+ssh://root@127.0.0.1:2222/system?keyfile=/tmp/k%20ey&no_verify=1")
                .unwrap();
        let params: Vec<(&str, &str)> = uri
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.value.as_str()))
            .collect();
        assert_eq!(params, [("keyfile", "/tmp/k ey"), ("no_verify", "1")]);
        let e = error("qemu+ssh://root@127.0.0.1/system?%63ommand=/tmp/evil.sh");
        assert_eq!(e.kind, UriErrorKind::Parameter);
        assert_eq!(e.at, Some(33..55));
        assert!(e.message.contains("`command`"), "{e:?}");
        let e = error("qemu:///system?keyfile=/k");
        assert_eq!(
            e.message,
            "unknown URI parameter `keyfile` for the local transport"
        );
        let e = error("qemu://box/system?keyfile=/k");
        assert_eq!(
            e.message,
            "unknown URI parameter `keyfile` for the tls transport"
        );
        assert!(HostUri::parse("qemu://box/system?pkipath=/p").is_ok());
    }

    #[test]
    fn the_test_driver_is_default_unless_it_names_a_file() {
        let uri = HostUri::parse("test:///tmp/host.xml").unwrap();
        assert_eq!(uri.test_driver_file(), Some("/tmp/host.xml"));
        for text in [
            "test:///default?x=1",
            "test+ssh://box/default",
            "test://box/default",
        ] {
            assert_eq!(error(text).kind, UriErrorKind::Invalid, "{text}");
        }
    }
}
