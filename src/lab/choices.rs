//! The closed sets of words a lab file may use for modes and formats.
//!
//! Each enum parses from the exact lowercase word and prints it back; the loader turns a
//! wrong word into a diagnostic listing the valid ones.

use serde::Serialize;
use std::fmt;

/// A setting whose value is one word out of a fixed list.
pub trait Choice: Sized + Copy + 'static {
    /// Every value with the word that names it.
    const ALL: &'static [(&'static str, Self)];

    fn parse(word: &str) -> Option<Self> {
        Self::ALL.iter().find(|(w, _)| *w == word).map(|(_, v)| *v)
    }

    fn word(self) -> &'static str;

    fn words() -> String {
        let words: Vec<String> = Self::ALL.iter().map(|(w, _)| format!("`{w}`")).collect();
        words.join(", ")
    }
}

macro_rules! choice {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $word:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum $name {
            $(#[serde(rename = $word)] $variant),+
        }

        impl Choice for $name {
            const ALL: &'static [(&'static str, Self)] = &[$(($word, $name::$variant)),+];

            fn word(self) -> &'static str {
                match self {
                    $($name::$variant => $word),+
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.word())
            }
        }
    };
}

choice! {
    /// How QEMU guests on a host are accelerated: `auto` uses KVM only where it really works.
    Accel { Auto = "auto", Kvm = "kvm", Tcg = "tcg" }
}

choice! {
    /// How a libvirt network reaches the outside.
    NetworkMode { Nat = "nat", Isolated = "isolated", Route = "route", Bridge = "bridge" }
}

choice! {
    /// On-disk format of an image or a disk.
    DiskFormat { Qcow2 = "qcow2", Raw = "raw" }
}

choice! {
    /// How a Xen guest boots: paravirtualised, PVH, or fully virtualised.
    XenBoot { Pv = "pv", Pvh = "pvh", Hvm = "hvm" }
}

choice! {
    /// The hypervisor family a host runs; decides domain XML and which settings apply.
    Hypervisor { Kvm = "kvm", Xen = "xen" }
}

choice! {
    /// What tells vlab that a guest is up: cloud-init's final message on its console, a line
    /// of the image's own on its console, or nothing (apply does not wait).
    ReadyWhen { CloudInit = "cloud-init", Console = "console", None = "none" }
}
