//! `MacAddress`: a NIC's Ethernet address, parsed from the lab or derived for stability.
//!
//! Derivation hashes the lab, node and interface names, so a node that is replaced gets the
//! same MAC (and therefore the same DHCP lease) again. This module does no uniqueness checks;
//! the resolver does those across the whole lab.

use serde::{Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MacAddress(pub [u8; 6]);

impl MacAddress {
    /// Parses `aa:bb:cc:dd:ee:ff` (or with `-`); refuses multicast and all-zero addresses.
    pub fn parse(text: &str) -> Result<MacAddress, String> {
        let parts: Vec<&str> = text.split([':', '-']).collect();
        if parts.len() != 6 || parts.iter().any(|p| p.len() != 2) {
            return Err(
                "a MAC address is six two-digit hex groups, like `52:54:00:12:34:56`".into(),
            );
        }
        let mut bytes = [0u8; 6];
        for (byte, part) in bytes.iter_mut().zip(&parts) {
            *byte =
                u8::from_str_radix(part, 16).map_err(|_| format!("`{part}` is not a hex byte"))?;
        }
        if bytes[0] & 1 == 1 {
            return Err(
                "this is a multicast address; a NIC needs a unicast one (even first byte)".into(),
            );
        }
        if bytes == [0; 6] {
            return Err("the all-zero address cannot be used for a NIC".into());
        }
        Ok(MacAddress(bytes))
    }

    /// A stable address under `prefix` (an OUI) from the lab, node and interface names.
    pub fn derive(prefix: [u8; 3], lab: &str, node: &str, interface: &str) -> MacAddress {
        let digest = crate::checksum::sha256_of_parts(&[lab, node, interface]);
        MacAddress([
            prefix[0], prefix[1], prefix[2], digest[0], digest[1], digest[2],
        ])
    }
}

impl fmt::Display for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b = self.0;
        write!(
            f,
            "{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}",
            b[0], b[1], b[2], b[3], b[4], b[5]
        )
    }
}

impl Serialize for MacAddress {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints() {
        let mac = MacAddress::parse("52:54:00:AB:cd:01").unwrap();
        assert_eq!(mac.to_string(), "52:54:00:ab:cd:01");
        assert_eq!(MacAddress::parse("52-54-00-ab-cd-01"), Ok(mac));
    }

    #[test]
    fn rejects_bad() {
        for text in [
            "52:54:00:ab:cd",
            "01:00:5e:00:00:01",
            "00:00:00:00:00:00",
            "zz:54:00:ab:cd:01",
            "525:4:00:ab:cd:01",
        ] {
            assert!(MacAddress::parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn derivation_is_stable_and_distinct() {
        let a = MacAddress::derive([0x52, 0x54, 0x00], "lab", "web-1", "eth0");
        assert_eq!(
            a,
            MacAddress::derive([0x52, 0x54, 0x00], "lab", "web-1", "eth0")
        );
        assert_ne!(
            a,
            MacAddress::derive([0x52, 0x54, 0x00], "lab", "web-1", "eth1")
        );
        // The separator keeps ("ab", "c") and ("a", "bc") apart.
        assert_ne!(
            MacAddress::derive([0x52, 0x54, 0x00], "ab", "c", "eth0"),
            MacAddress::derive([0x52, 0x54, 0x00], "a", "bc", "eth0")
        );
        assert_eq!(&a.0[..3], &[0x52, 0x54, 0x00]);
    }
}
