//! `DiagnosticCode`: the closed list of kinds a lab-file `Diagnostic` can have.
//!
//! The code is the stable, machine-readable part of a diagnostic: `vlab validate --json`
//! prints it as `code` and the human output as `vlab::<code>`; tests match on it rather than
//! on message text. Its string form (`as_str`) is part of vlab's interface: renaming one is a
//! breaking change. Every code is listed with its meaning in docs/lab-language.md
//! ("Diagnostic codes"), and a unit test here keeps that list complete.
//!
//! This module only names the kinds; which check raises which code is decided where the
//! diagnostic is built (the loader in `language/`, the resolver in `resolver/`).

use serde::{Serialize, Serializer};
use std::fmt;

/// Declares `DiagnosticCode` from one list, so the enum, `as_str` and `ALL` cannot drift apart:
/// a variant exists only with its string and its place in `ALL`.
macro_rules! diagnostic_codes {
    ($($(#[doc = $doc:literal])+ $variant:ident => $text:literal,)+) => {
        /// The kind of a lab-file diagnostic; see the module header.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum DiagnosticCode {
            $($(#[doc = $doc])+ $variant,)+
        }

        impl DiagnosticCode {
            /// Every code, in declaration order.
            pub const ALL: &'static [DiagnosticCode] = &[$(DiagnosticCode::$variant,)+];

            /// The stable string form, e.g. `unknown-reference`.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $(DiagnosticCode::$variant => $text,)+
                }
            }
        }
    };
}

diagnostic_codes! {
    // ---- the file and its syntax (loader) -----------------------------------------------
    /// The file is not valid KDL 2.0 (an unclosed block, an unquoted string, a stray brace).
    Syntax => "syntax",
    /// The KDL parser itself failed (panicked) on the file; points at its start.
    ParseFailed => "parse-failed",
    /// Blocks are nested more than 64 levels deep.
    TooDeep => "too-deep",
    // ---- structure (loader) -------------------------------------------------------------
    /// A top-level node that is not a lab construct (`lab`, `host`, `node`, ...).
    UnknownNode => "unknown-node",
    /// A block that may appear only once (`lab`, `defaults`, `seats`) appears again.
    DuplicateBlock => "duplicate-block",
    /// A setting (property or child node) that the block does not have.
    UnknownSetting => "unknown-setting",
    /// A setting given more than once, or both as a property and as a child node.
    DuplicateSetting => "duplicate-setting",
    /// A node lacks its argument (such as its name), or a variable has no value.
    MissingArgument => "missing-argument",
    /// A node or setting has an argument it does not take.
    UnexpectedArgument => "unexpected-argument",
    /// A setting that takes exactly one value has none, several, or children.
    WrongShape => "wrong-shape",
    // ---- types and values (loader) ------------------------------------------------------
    /// A value of the wrong type, e.g. a string where an integer is expected.
    WrongType => "wrong-type",
    /// A string value holds a control character (C0, DEL, C1) or U+FFFE/U+FFFF; free text
    /// (`description`) may hold tabs and line breaks.
    ControlCharacter => "control-character",
    /// A value outside its allowed set or range: a word not in its list, `count` out of
    /// range, an empty readiness marker, a malformed duration.
    InvalidValue => "invalid-value",
    // ---- names and references (resolver) ------------------------------------------------
    /// A name breaks the naming rules, a bridge name is not a Linux bridge name, or the
    /// `user` variable is not a Unix user name.
    InvalidName => "invalid-name",
    /// A name is declared twice in its scope (after `count` expansion): a resource, a disk
    /// or an interface of one node, a variable.
    DuplicateName => "duplicate-name",
    /// A reference to an image, network, host or node that the lab does not declare.
    UnknownReference => "unknown-reference",
    /// An `{index}` or `{seat}` placeholder is malformed, or used on a resource without
    /// `count` (outside `seats`).
    InvalidPlaceholder => "invalid-placeholder",
    /// An Ansible group in `groups` that has a node's name: Ansible cannot tell them apart.
    GroupConflict => "group-conflict",
    /// A name inside a `seats` block without `{seat}`: every seat's copy would have it.
    MissingSeatPlaceholder => "missing-seat-placeholder",
    /// A seat's node attached to another seat's network, or a link between a seat's node and
    /// a node outside that seat.
    SeatCrossing => "seat-crossing",
    // ---- settings in general (resolver) -------------------------------------------------
    /// A required setting is absent (a node's `image`, a host's `uri`, a network's `cidr`,
    /// an interface's `network`, a disk's `size`, ...).
    MissingSetting => "missing-setting",
    /// Two settings contradict each other (`checksum` with `checksums-url` or `unverified`,
    /// DHCP on a bridge network, `hypervisor` against the URI, ...).
    ConflictingSettings => "conflicting-settings",
    /// A number outside its bounds: `cpus`, the minimum of `memory` or a disk size, the
    /// number of extra disks.
    OutOfRange => "out-of-range",
    /// A size that does not parse, or `memory` that is not a whole number of KiB.
    InvalidSize => "invalid-size",
    // ---- hosts (resolver) ---------------------------------------------------------------
    /// A host `uri` that is not a valid libvirt URI.
    InvalidUri => "invalid-uri",
    /// A host URI parameter that libvirt's transport does not take, that is malformed or given
    /// twice, or that runs a program or changes what is trusted without the host's
    /// `allow-uri-params` (and `allow-uri-params` names that are not such parameters of the URI).
    UriParameter => "uri-parameter",
    /// A `test:///PATH` URI other than `test:///default`: libvirt's test driver would read the
    /// file at PATH (only vlab's own tests may, with `VLAB_TEST_DRIVER_FILES=1`).
    TestDriverFile => "test-driver-file",
    /// Two hosts with the same libvirt URI.
    DuplicateHost => "duplicate-host",
    /// A Xen host path (`hvmloader`, `device-model`, `pvgrub`, ...) that is not absolute.
    InvalidPath => "invalid-path",
    /// A Xen-only setting (`xen-boot`, Xen paths) on a KVM host or a node of one.
    NotForKvm => "not-for-kvm",
    /// A setting Xen does not support: `accel` on a Xen host, too many `cpus` for a Xen
    /// `hvm` or `pvh` guest.
    NotForXen => "not-for-xen",
    // ---- images (resolver) --------------------------------------------------------------
    /// An image, kernel or initrd URL that does not parse or has an unsupported scheme.
    InvalidUrl => "invalid-url",
    /// A checksum that is not `sha256:<64 hex digits>` (or the like).
    InvalidChecksum => "invalid-checksum",
    /// An image, kernel or initrd with no checksum that is not marked `unverified`.
    MissingChecksum => "missing-checksum",
    // ---- networks and addresses (resolver) ----------------------------------------------
    /// A `cidr` that is not an IPv4 network, has host bits set, or is too small for its use.
    InvalidCidr => "invalid-cidr",
    /// A DHCP range whose start is after its end.
    InvalidRange => "invalid-range",
    /// A `domain` that is not a DNS domain.
    InvalidDomain => "invalid-domain",
    /// A text that is not an IPv4 address, or a prefix length that is invalid or differs from
    /// the network's.
    InvalidAddress => "invalid-address",
    /// An address that is not a host address of its network.
    AddressOutside => "address-outside",
    /// An address taken twice: by the gateway, the DHCP range or another interface.
    AddressConflict => "address-conflict",
    /// Two networks or links whose CIDRs overlap.
    OverlappingNetworks => "overlapping-networks",
    /// A malformed, multicast or all-zero MAC address.
    InvalidMac => "invalid-mac",
    /// Two interfaces with the same MAC address.
    DuplicateMac => "duplicate-mac",
    // ---- links (resolver) ---------------------------------------------------------------
    /// A `link` endpoint that is malformed, repeated, on another host than its peer, or an
    /// interface the node already has.
    InvalidLink => "invalid-link",
}

impl fmt::Display for DiagnosticCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialized as its string form, as `vlab validate --json` has always printed it.
impl Serialize for DiagnosticCode {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::DiagnosticCode;
    use std::collections::HashSet;

    const LANGUAGE_DOC: &str = include_str!("../../docs/lab-language.md");

    #[test]
    fn every_code_is_documented_in_the_language_reference() {
        let section = LANGUAGE_DOC
            .split("\n## Diagnostic codes")
            .nth(1)
            .expect("docs/lab-language.md has a `## Diagnostic codes` section");
        let section = section.split("\n## ").next().unwrap_or(section);
        let missing: Vec<&str> = DiagnosticCode::ALL
            .iter()
            .map(|c| c.as_str())
            .filter(|code| !section.contains(&format!("| `{code}` |")))
            .collect();
        assert!(
            missing.is_empty(),
            "add these codes to the table in docs/lab-language.md: {missing:?}"
        );
    }

    #[test]
    fn codes_are_distinct_kebab_case() {
        let mut seen = HashSet::new();
        for code in DiagnosticCode::ALL {
            let text = code.as_str();
            assert!(seen.insert(text), "`{text}` is used twice");
            assert!(
                text.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "`{text}` is not kebab-case"
            );
        }
    }
}
