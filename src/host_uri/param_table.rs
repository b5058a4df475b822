//! libvirt's remote driver parameters: which transports use each one and what a lab file
//! may do with it (`Free`, `OptIn`, `Never`), from `doRemoteOpen` in libvirt's
//! src/remote/remote_driver.c and the ssh, libssh and libssh2 clients in src/rpc/.
//!
//! Only the table: splitting and decoding a query is `uri_params`'s job.

/// How libvirt will reach the daemon, as far as the parameters are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// No `+transport` and no server: the local daemon's UNIX socket (`qemu:///system`).
    Local,
    Unix,
    Ssh,
    Libssh,
    Libssh2,
    Tcp,
    /// `+tls`, and a URI with a server but no `+transport` (`qemu://box/system`).
    Tls,
}

impl Transport {
    pub fn label(self) -> &'static str {
        match self {
            Transport::Local => "local",
            Transport::Unix => "unix",
            Transport::Ssh => "ssh",
            Transport::Libssh => "libssh",
            Transport::Libssh2 => "libssh2",
            Transport::Tcp => "tcp",
            Transport::Tls => "tls",
        }
    }
}

/// What a lab file may do with a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// Harmless: picks among libvirt's own daemons or helpers.
    Free,
    /// Runs a program, reads a local file, or changes what is trusted: only with the host's
    /// `allow-uri-params` naming it. The text says what it does.
    OptIn(&'static str),
    /// Never from a lab file: runs a local program of the lab's choosing at plan time.
    Never(&'static str),
}

use Transport::{Libssh, Libssh2, Local, Ssh, Tcp, Tls, Unix};

const ALL: &[Transport] = &[Local, Unix, Ssh, Libssh, Libssh2, Tcp, Tls];
const SOCKETS: &[Transport] = &[Local, Unix, Ssh, Libssh, Libssh2];
const SSH_ALL: &[Transport] = &[Ssh, Libssh, Libssh2];
const LIBSSH: &[Transport] = &[Libssh, Libssh2];
const BOOL: Option<&[&str]> = Some(&["0", "1"]);

/// One parameter libvirt's remote driver takes.
pub struct ParamSpec {
    pub name: &'static str,
    pub(super) transports: &'static [Transport],
    pub rule: Rule,
    /// The values libvirt accepts, when it is a closed set.
    pub(super) values: Option<&'static [&'static str]>,
}

const fn param(
    name: &'static str,
    transports: &'static [Transport],
    rule: Rule,
    values: Option<&'static [&'static str]>,
) -> ParamSpec {
    ParamSpec {
        name,
        transports,
        rule,
        values,
    }
}

/// Every parameter of libvirt's remote driver (libvirt 9 and later).
pub const PARAMS: &[ParamSpec] = &[
    param(
        "mode",
        SOCKETS,
        Rule::Free,
        Some(&["auto", "legacy", "direct"]),
    ),
    param(
        "proxy",
        SSH_ALL,
        Rule::Free,
        Some(&["auto", "netcat", "native"]),
    ),
    param("no_tty", &[Ssh], Rule::Free, BOOL),
    param(
        "command",
        &[Ssh],
        Rule::Never("runs the given local program instead of `ssh`"),
        None,
    ),
    param(
        "netcat",
        SSH_ALL,
        Rule::OptIn("runs the given program on the remote host"),
        None,
    ),
    param(
        "socket",
        SOCKETS,
        Rule::OptIn("connects to another UNIX socket than libvirt's"),
        None,
    ),
    param(
        "keyfile",
        SSH_ALL,
        Rule::OptIn("logs in with the given private key file"),
        None,
    ),
    param(
        "no_verify",
        &[Ssh, Tls],
        Rule::OptIn("turns off the check of the host's key or certificate"),
        BOOL,
    ),
    param(
        "known_hosts",
        LIBSSH,
        Rule::OptIn("trusts the host keys of another known_hosts file"),
        None,
    ),
    param(
        "known_hosts_verify",
        LIBSSH,
        Rule::OptIn("changes or turns off the check of the host's key"),
        Some(&["normal", "auto", "ignore"]),
    ),
    param(
        "sshauth",
        LIBSSH,
        Rule::OptIn("chooses how vlab logs in (password, agent, key)"),
        None,
    ),
    param(
        "pkipath",
        &[Tls],
        Rule::OptIn("trusts the certificates of another directory"),
        None,
    ),
    param(
        "tls_priority",
        &[Tls],
        Rule::OptIn("changes which TLS versions and ciphers are accepted"),
        None,
    ),
    param(
        "no_sanity",
        &[Tls],
        Rule::OptIn("turns off the checks of vlab's own certificates"),
        BOOL,
    ),
    param(
        "auth",
        ALL,
        Rule::OptIn("chooses how vlab authenticates to the daemon"),
        None,
    ),
    param(
        "authfile",
        ALL,
        Rule::OptIn("reads credentials from the given local file"),
        None,
    ),
    param(
        "name",
        ALL,
        Rule::OptIn("makes the daemon open another URI than this one"),
        None,
    ),
];

pub fn spec(name: &str) -> Option<&'static ParamSpec> {
    PARAMS.iter().find(|p| p.name == name)
}

impl ParamSpec {
    /// The parameter called `name` (lowercase), if libvirt has one.
    pub fn find(name: &str) -> Option<&'static ParamSpec> {
        spec(name)
    }

    /// Every parameter a host may opt in to, in table order.
    pub fn opt_in_names() -> Vec<&'static str> {
        PARAMS
            .iter()
            .filter(|p| matches!(p.rule, Rule::OptIn(_)))
            .map(|p| p.name)
            .collect()
    }
}
