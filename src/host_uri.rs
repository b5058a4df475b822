//! `HostUri`: a libvirt connection URI and the hypervisor it implies.
//!
//! `qemu:///system`, `qemu+ssh://root@box/system`, `xen:///system`, `xen+ssh://...` and the
//! `test:///default` driver used by tests. Parsing only: connecting is the host backend's job.

pub use crate::lab::choices::Hypervisor;
use serde::Serialize;
use std::fmt;

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

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HostUri {
    pub raw: String,
    pub driver: Driver,
    /// `ssh`, `tcp`, ... or `None` for a local connection.
    pub transport: Option<String>,
    /// The remote server, `None` for a local URI like `qemu:///system`.
    pub server: Option<String>,
}

impl HostUri {
    pub fn parse(text: &str) -> Result<HostUri, String> {
        let Some((scheme, rest)) = text.split_once("://") else {
            return Err(
                "a libvirt URI looks like `qemu:///system` or `qemu+ssh://user@host/system`".into(),
            );
        };
        let (driver_name, transport) = match scheme.split_once('+') {
            Some((driver, transport)) => (driver, Some(transport)),
            None => (scheme, None),
        };
        let driver = match driver_name {
            "qemu" => Driver::Qemu,
            "xen" => Driver::Xen,
            "test" => Driver::Test,
            other => {
                return Err(format!(
                    "unsupported libvirt driver `{other}`; vlab drives `qemu` and `xen` hosts (and `test` for tests)"
                ));
            }
        };
        if let Some(transport) = transport
            && !TRANSPORTS.contains(&transport)
        {
            return Err(format!(
                "unknown transport `{transport}`; use one of {}",
                TRANSPORTS.join(", ")
            ));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let path = path.split('?').next().unwrap_or_default();
        if path.is_empty() || path == "/" {
            return Err("the URI has no path; add `/system` (or `/session`)".into());
        }
        if authority.is_empty() && transport.is_some_and(|t| t != "unix") {
            return Err(format!(
                "a `{scheme}` URI needs a server, like `{scheme}://root@host/system`"
            ));
        }
        if authority.chars().any(char::is_whitespace) || path.chars().any(char::is_whitespace) {
            return Err("a URI cannot contain spaces".into());
        }
        Ok(HostUri {
            raw: text.to_string(),
            driver,
            transport: transport.map(str::to_string),
            server: (!authority.is_empty()).then(|| authority.to_string()),
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
}

impl fmt::Display for HostUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            ("test:///default", None, None),
        ];
        for (text, hypervisor, server) in cases {
            let uri = HostUri::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(uri.hypervisor(), hypervisor, "{text}");
            assert_eq!(uri.server.as_deref(), server, "{text}");
        }
    }

    #[test]
    fn rejects_others() {
        for text in [
            "",
            "qemu",
            "lxc:///system",
            "qemu+foo://h/system",
            "qemu://",
            "qemu+ssh:///system",
            "qemu:///sys tem",
        ] {
            assert!(HostUri::parse(text).is_err(), "{text}");
        }
    }
}
