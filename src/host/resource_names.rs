//! The names vlab gives to what it creates on a host. Ownership of volumes and networks is by
//! this naming convention alone (libvirt volumes and, before 9.7, networks carry no metadata);
//! domains also carry vlab metadata. Every name is a pure function of the lab, so any machine
//! can plan.
//!
//! The parts are joined with `_`, which lab, node, network and disk names cannot contain: so
//! lab `web`'s prefix `vlab_web_` never matches lab `web-2`'s resources, node `a`'s disk
//! `y-root` never meets node `a-disk-y`, and base images (`vlab-base-...`) belong to no lab.

use crate::checksum::{Checksum, hex, sha256_of_parts};
use crate::lab::Attachment;
use sha2::{Digest, Sha256};

/// The volume of an image's content on a host, named by its digest: the only name a base
/// image has there, shared by every lab that uses the same content.
pub fn base_volume(digest: &Checksum) -> String {
    format!("vlab-base-{}-{}", digest.algorithm.name(), digest.hex)
}

/// The zero-size companion volume that marks the upload of `volume` complete.
pub fn ready_marker(volume: &str) -> String {
    format!("{volume}{READY_SUFFIX}")
}

/// Whether `volume` is an upload's completion marker (see `ready_marker`).
pub fn is_ready_marker(volume: &str) -> bool {
    volume.ends_with(READY_SUFFIX)
}

const READY_SUFFIX: &str = ".ready";

/// Every volume, network and domain vlab owns starts with the lab's prefix.
pub fn prefix(lab: &str) -> String {
    format!("vlab_{lab}_")
}

/// The libvirt domain of a node: `<lab>_<node>`, short enough to read in `virsh list`.
pub fn domain(lab: &str, node: &str) -> String {
    format!("{lab}_{node}")
}

pub fn network(lab: &str, network: &str) -> String {
    format!("vlab_{lab}_{network}")
}

/// The private network that realises a link (one per link, no IP, no DHCP).
pub fn link_network(lab: &str, link: &str) -> String {
    format!("vlab_{lab}_link_{}", short_hash(&[lab, link], 8))
}

/// The libvirt network a node's interface is attached to: a lab network or a link's.
pub fn attachment_network(lab: &str, attachment: &Attachment) -> String {
    match attachment {
        Attachment::Network(network) => self::network(lab, network),
        Attachment::Link(link) => link_network(lab, link),
    }
}

/// A Linux bridge name (at most 15 bytes) unique to the lab and network.
pub fn bridge(lab: &str, network: &str) -> String {
    format!("vl{}", short_hash(&[lab, network], 10))
}

pub fn root_volume(lab: &str, node: &str) -> String {
    format!("vlab_{lab}_{node}_root.qcow2")
}

pub fn disk_volume(lab: &str, node: &str, disk: &str) -> String {
    format!("vlab_{lab}_{node}_disk_{disk}.qcow2")
}

/// The seed carries a digest of its content: a new seed is a new volume.
pub fn seed_volume(lab: &str, node: &str, seed: &[u8]) -> String {
    let digest = hex(&Sha256::digest(seed)[..6]);
    format!("vlab_{lab}_{node}_seed_{digest}.img")
}

/// The volume in vlab's pool where a node's serial console is logged (KVM/QEMU nodes: the
/// domain's `<log>`, written by virtlogd). In the pool, so it can be read through libvirt's
/// storage API over any host URI; libvirt's own directory (`/var/log/libvirt/qemu`) cannot.
pub fn console_log_volume(lab: &str, node: &str) -> String {
    format!("vlab_{lab}_{node}_console.log")
}

/// Whether `volume` is the console log of `node` or one of the older files virtlogd keeps
/// when it rotates the log (`.log.0`, `.log.1`, ...).
pub fn is_console_log_of(volume: &str, lab: &str, node: &str) -> bool {
    let Some(rest) = volume.strip_prefix(&console_log_volume(lab, node)) else {
        return false;
    };
    rest.is_empty()
        || rest
            .strip_prefix('.')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn short_hash(parts: &[&str], hex_len: usize) -> String {
    hex(&sha256_of_parts(parts))[..hex_len].to_string()
}

/// The internal snapshot apply takes of a node once it is first ready: what `vlab reset`
/// returns it to.
pub const BASELINE_SNAPSHOT: &str = "vlab-ready";

/// The internal snapshot that holds the user's snapshot `name` (`vlab snapshot save NAME`).
pub fn user_snapshot(name: &str) -> String {
    format!("vlab-user-{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_stable_and_bridges_fit_linux() {
        assert_eq!(domain("web", "web-1"), "web_web-1");
        assert_eq!(root_volume("web", "lb"), "vlab_web_lb_root.qcow2");
        assert!(
            !root_volume("web-2", "db").starts_with(&prefix("web")),
            "labs never share a prefix"
        );
        assert_ne!(
            disk_volume("lab", "a", "y-root"),
            disk_volume("lab", "a-disk-y", "root")
        );
        assert_eq!(bridge("web", "lan"), bridge("web", "lan"));
        assert_ne!(bridge("web", "lan"), bridge("web", "wan"));
        assert!(bridge(&"x".repeat(32), &"y".repeat(32)).len() <= 15);
        assert!(seed_volume("web", "lb", b"a").starts_with("vlab_web_lb_seed_"));
        assert_ne!(
            seed_volume("web", "lb", b"a"),
            seed_volume("web", "lb", b"b")
        );
        assert!(link_network("lab", "r1:eth1--r2:eth1").starts_with(&prefix("lab")));
    }

    #[test]
    fn console_logs_and_their_rotated_files_are_recognised() {
        let log = console_log_volume("web", "lb");
        assert_eq!(log, "vlab_web_lb_console.log");
        assert!(log.starts_with(&prefix("web")));
        assert!(is_console_log_of(&log, "web", "lb"));
        assert!(is_console_log_of("vlab_web_lb_console.log.0", "web", "lb"));
        assert!(is_console_log_of("vlab_web_lb_console.log.12", "web", "lb"));
        for other in [
            "vlab_web_lb_console.log.",
            "vlab_web_lb_console.log.0x",
            "vlab_web_lb_console.logs",
            "vlab_web_lb-2_console.log",
            "vlab_web_lb_root.qcow2",
        ] {
            assert!(!is_console_log_of(other, "web", "lb"), "{other}");
        }
        assert!(!is_console_log_of(&log, "web", "lb-2"));
    }
}
