//! `Reason`: why the planner lists a change, for people. Typed so tests and scripts can match
//! a case, not its wording; its `Display` is the text `plan` prints. The applier never
//! branches on it: what to do is the `Action` and the `Target`.

use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    PoolMissing,
    /// Pulled (its digest is known) but not uploaded, or its upload never finished.
    BaseImageMissing,
    ImageNotPulled,
    NewNetwork,
    /// Only the DHCP and DNS host entries of a running network differ.
    NetworkHostsChanged,
    NetworkDiffers {
        differences: Vec<NetworkPart>,
    },
    NetworkStopped,
    /// A network or domain the lab owns and no longer declares.
    NoLongerInLab,
    NewNode,
    SeedChanged,
    /// From the base volume the domain has to the one the lab wants.
    ImageChanged {
        from: String,
        to: String,
    },
    RootSizeChanged,
    RootVolumeMissing {
        volume: String,
    },
    /// Cpus, memory, interfaces or disks (the spec digest), or a missing extra volume.
    SettingsChanged,
    ShutOff,
    PausedOrStopped,
    /// `--replace`: rebuilt though nothing changed.
    ReplaceRequested,
    /// A volume of the lab's no declared node uses.
    VolumeUnused,
    /// `vlab destroy`.
    Destroy,
    /// `vlab destroy --purge-images`.
    PurgeImages,
}

/// A part of a network's definition that can differ from the lab's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NetworkPart {
    ForwardMode,
    Bridge,
    Domain,
    Address,
    DhcpRange,
    DhcpHosts,
    DnsHosts,
}

impl fmt::Display for NetworkPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NetworkPart::ForwardMode => "forward mode",
            NetworkPart::Bridge => "bridge",
            NetworkPart::Domain => "domain",
            NetworkPart::Address => "address",
            NetworkPart::DhcpRange => "DHCP range",
            NetworkPart::DhcpHosts => "DHCP hosts",
            NetworkPart::DnsHosts => "DNS hosts",
        })
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reason::PoolMissing => f.write_str("vlab's storage pool is missing or not running"),
            Reason::BaseImageMissing => f.write_str("the base image is not on the host"),
            Reason::ImageNotPulled => {
                f.write_str("the image is not pulled yet: apply pulls, verifies and uploads it")
            }
            Reason::NewNetwork => f.write_str("new network"),
            Reason::NetworkHostsChanged => f.write_str(
                "its DHCP and DNS host entries changed: updated in place, guests stay connected",
            ),
            Reason::NetworkDiffers { differences } => {
                let parts: Vec<String> = differences.iter().map(ToString::to_string).collect();
                write!(
                    f,
                    "its definition differs from the lab ({})",
                    parts.join(", ")
                )
            }
            Reason::NetworkStopped => f.write_str("the network is not running"),
            Reason::NoLongerInLab => f.write_str("no longer in the lab"),
            Reason::NewNode => f.write_str("new node"),
            Reason::SeedChanged => f.write_str(
                "its cloud-init data changed: it is rebuilt so cloud-init applies the new data to a fresh disk",
            ),
            Reason::ImageChanged { from, to } => write!(f, "its image changed ({from} -> {to})"),
            Reason::RootSizeChanged => f.write_str("its root disk size changed"),
            Reason::RootVolumeMissing { volume } => {
                write!(f, "its root volume {volume} is missing from the host")
            }
            Reason::SettingsChanged => f.write_str(
                "its cpus, memory, interfaces or disks changed: redefined and restarted in place",
            ),
            Reason::ShutOff => f.write_str("the guest is shut off"),
            Reason::PausedOrStopped => f.write_str("the guest is paused or stopped"),
            Reason::ReplaceRequested => f.write_str("replace requested (--replace)"),
            Reason::VolumeUnused => f.write_str("no node of the lab uses it"),
            Reason::Destroy => f.write_str("destroy"),
            Reason::PurgeImages => f.write_str("--purge-images"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{NetworkPart, Reason};

    #[test]
    fn reasons_print_the_text_plan_shows() {
        let cases = [
            (
                Reason::PoolMissing,
                "vlab's storage pool is missing or not running",
            ),
            (
                Reason::ImageChanged {
                    from: "a".into(),
                    to: "b".into(),
                },
                "its image changed (a -> b)",
            ),
            (
                Reason::NetworkDiffers {
                    differences: vec![NetworkPart::ForwardMode, NetworkPart::DnsHosts],
                },
                "its definition differs from the lab (forward mode, DNS hosts)",
            ),
            (
                Reason::RootVolumeMissing { volume: "v".into() },
                "its root volume v is missing from the host",
            ),
            (Reason::ReplaceRequested, "replace requested (--replace)"),
            (Reason::Destroy, "destroy"),
            (Reason::PurgeImages, "--purge-images"),
        ];
        for (reason, text) in cases {
            assert_eq!(reason.to_string(), text);
        }
    }
}
