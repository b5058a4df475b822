//! Table-driven tests of the resolver: one case per kind of name, reference, address and
//! value error, plus tests of the resolved model (count expansion, defaults, derived hosts,
//! MACs, address plans, link addressing, network placement).
//!
//! Each error case is a small lab text, which loads cleanly so that the resolver runs, and
//! the full list of diagnostics it must produce, as (code, line, column, message substring).
//! Lines and columns are 1-based; columns count characters. Extra or missing diagnostics fail
//! the case. All cases run in one test that reports every failing case at once.

use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use vlab::byte_size::ByteSize;
use vlab::lab::choices::{Accel, DiskFormat, Hypervisor, XenBoot};
use vlab::lab::{Attachment, Interface, Lab, Node, Variable, Verification, XenPaths};
use vlab::language::lab_source::LabSource;

use crate::support::diagnostic_cases::{Case, case, run_case};
use vlab::language::diagnostic_code::DiagnosticCode::*;

/// Line 1 of most cases: the lab's only image, so nodes need not name one.
macro_rules! img {
    () => {
        "image \"img\" url=\"https://x.test/i.qcow2\" unverified=#true\n"
    };
}

/// A well-formed sha256 digest.
macro_rules! sha {
    () => {
        "sha256:0000000000000000000000000000000000000000000000000000000000000000"
    };
}

const CASES: &[Case] = &[
    // ---- invalid-name -------------------------------------------------------------------
    case(
        "invalid-name: lab",
        r#"lab "Bad_Lab""#,
        &[(
            InvalidName,
            1,
            5,
            "invalid lab name: `Bad_Lab` must start with a lowercase letter",
        )],
    )
    .help(&["names use lowercase letters"]),
    case(
        "invalid-name: lab too long",
        r#"lab "abcdefghijabcdefghijabcdefghijabc""#,
        &[(
            InvalidName,
            1,
            5,
            "is 33 characters long; the limit is 32",
        )],
    ),
    case(
        "invalid-name: node",
        concat!(img!(), r#"node "Web""#),
        &[(InvalidName, 2, 6, "invalid node name: `Web`")],
    ),
    case(
        "invalid-name: node after expansion",
        concat!(img!(), r#"node "{index}-web" count=2"#),
        &[
            (
                InvalidName,
                2,
                6,
                "`1-web` must start with a lowercase letter",
            ),
            (
                InvalidName,
                2,
                6,
                "`2-web` must start with a lowercase letter",
            ),
        ],
    ),
    case(
        "invalid-name: node ends with dash",
        concat!(img!(), r#"node "web-""#),
        &[(InvalidName, 2, 6, "`web-` must not end with `-`")],
    ),
    case(
        "invalid-name: network",
        r#"network "Lan" mode="isolated""#,
        &[(InvalidName, 1, 9, "invalid network name: `Lan`")],
    ),
    case(
        "invalid-name: host",
        r#"host "Local" uri="qemu:///system""#,
        &[(InvalidName, 1, 6, "invalid host name: `Local`")],
    ),
    case(
        "invalid-name: image",
        r#"image "deb_12" url="https://x.test/i.qcow2" unverified=#true"#,
        &[(
            InvalidName,
            1,
            7,
            "invalid image name: `deb_12` contains `_`",
        )],
    ),
    case(
        "invalid-name: disk",
        concat!(img!(), r#"node "a" { disk "Data" size="1GiB"; }"#),
        &[(InvalidName, 2, 17, "invalid disk name: `Data`")],
    ),
    case(
        "invalid-name: interface",
        concat!(
            img!(),
            r#"network "lan" mode="isolated"
node "a" { interface "Eth0" network="lan"; }"#
        ),
        &[(InvalidName, 3, 22, "invalid interface name: `Eth0`")],
    ),
    case(
        "invalid-name: interface too long",
        concat!(
            img!(),
            r#"network "lan" mode="isolated"
node "a" { interface "abcdefghijklmnop" network="lan"; }"#
        ),
        &[(InvalidName, 3, 22, "the limit is 15")],
    ),
    case(
        "invalid-name: link interface",
        concat!(
            img!(),
            r#"node "a"
node "b"
link "a:Eth1" "b:e1""#
        ),
        &[(InvalidName, 4, 6, "invalid interface name: `Eth1`")],
    ),
    case(
        "invalid-name: bridge",
        r#"network "n" mode="bridge" bridge="br0 with spaces""#,
        &[(
            InvalidName,
            1,
            34,
            "`br0 with spaces` is not a Linux bridge name",
        )],
    ),
    case(
        "invalid-name: pool",
        r#"host "h" uri="qemu:///system" pool="Fast""#,
        &[(InvalidName, 1, 36, "invalid pool name: `Fast`")],
    ),
    // ---- duplicate-name -----------------------------------------------------------------
    case(
        "duplicate-name: count without {index}",
        concat!(img!(), r#"node "web" count=2"#),
        &[(
            DuplicateName,
            2,
            6,
            "node `web` is declared more than once",
        )],
    )
    .help(&["put `{index}` in the name"]),
    case(
        "duplicate-name: nodes after count expansion",
        concat!(
            img!(),
            r#"node "web-{index}" count=2
node "web-2""#
        ),
        &[(
            DuplicateName,
            3,
            6,
            "node `web-2` is declared more than once",
        )],
    )
    .help(&["names must be unique after `count` expansion"]),
    case(
        "duplicate-name: networks",
        r#"network "lan" mode="isolated"
network "lan" mode="isolated""#,
        &[(
            DuplicateName,
            2,
            9,
            "network `lan` is declared more than once",
        )],
    ),
    case(
        "duplicate-name: networks after count expansion",
        r#"network "seat-{index}" count=3 mode="isolated"
network "seat-3" mode="isolated""#,
        &[(
            DuplicateName,
            2,
            9,
            "network `seat-3` is declared more than once",
        )],
    ),
    case(
        "duplicate-name: hosts",
        r#"host "h" uri="qemu:///system"
host "h" uri="qemu:///system""#,
        &[(
            DuplicateName,
            2,
            6,
            "host `h` is declared more than once",
        )],
    ),
    case(
        "duplicate-name: images",
        r#"image "img" url="https://x.test/a.qcow2" unverified=#true
image "img" url="https://x.test/b.qcow2" unverified=#true"#,
        &[(
            DuplicateName,
            2,
            7,
            "image `img` is declared more than once",
        )],
    ),
    case(
        "duplicate-name: disks",
        concat!(
            img!(),
            r#"node "a" { disk "d" size="1GiB"; disk "d" size="2GiB"; }"#
        ),
        &[(
            DuplicateName,
            2,
            39,
            "disk `d` is declared twice on this node",
        )],
    ),
    case(
        "duplicate-name: interfaces",
        concat!(
            img!(),
            r#"network "lan" mode="isolated"
node "a" { interface "eth0" network="lan"; interface "eth0" network="lan"; }"#
        ),
        &[(
            DuplicateName,
            3,
            54,
            "interface `eth0` is declared twice on node `a`",
        )],
    ),
    case(
        "duplicate-name: unnamed interface after eth0",
        concat!(
            img!(),
            r#"network "lan" mode="isolated"
node "a" { interface network="lan"; interface "eth0" network="lan"; }"#
        ),
        &[(
            DuplicateName,
            3,
            47,
            "interface `eth0` is declared twice on node `a`",
        )],
    ),
    // ---- invalid-placeholder ------------------------------------------------------------
    case(
        "invalid-placeholder: {index} without count",
        concat!(img!(), r#"node "web-{index}""#),
        &[(
            InvalidPlaceholder,
            2,
            6,
            "`{index}` is only allowed in a resource with `count`",
        )],
    )
    .help(&["add `count=N` to the resource"]),
    case(
        "invalid-placeholder: {index+x}",
        concat!(img!(), r#"node "web-{index+x}" count=2"#),
        &[(InvalidPlaceholder, 2, 6, "`x` is not a number")],
    )
    .help(&["write `{index}`, `{index+N}`"]),
    case(
        "invalid-placeholder: unclosed",
        concat!(img!(), r#"node "web-{index" count=2"#),
        &[(
            InvalidPlaceholder,
            2,
            6,
            "`{index` is not closed with `}`",
        )],
    ),
    case(
        "invalid-placeholder: negative",
        concat!(img!(), r#"node "web-{index-2}" count=3"#),
        &[(
            InvalidPlaceholder,
            2,
            6,
            "`{index-2}` is negative for index 1",
        )],
    ),
    case(
        "invalid-placeholder: bad pad width",
        concat!(img!(), r#"node "web-{index:x}" count=2"#),
        &[(InvalidPlaceholder, 2, 6, "`x` is not a pad width")],
    ),
    case(
        "invalid-placeholder: not a placeholder",
        concat!(img!(), r#"node "web-{indexes}" count=2"#),
        &[(InvalidPlaceholder, 2, 6, "is not a placeholder")],
    ),
    case(
        "invalid-placeholder: network cidr without count",
        r#"network "n" cidr="10.{index}.0.0/16""#,
        &[(
            InvalidPlaceholder,
            1,
            18,
            "only allowed in a resource with `count`",
        )],
    ),
    case(
        "invalid-placeholder: in a variable without count",
        concat!(
            img!(),
            r#"node "a" { cloud-init { vars { label "seat {index}"; }; }; }"#
        ),
        &[(
            InvalidPlaceholder,
            2,
            38,
            "only allowed in a resource with `count`",
        )],
    ),
    // ---- missing-setting ----------------------------------------------------------------
    case(
        "missing-setting: host without uri",
        r#"host "h""#,
        &[(MissingSetting, 1, 6, "host `h` has no `uri`")],
    )
    .help(&["host \"h\" uri=\"qemu:///system\""]),
    case(
        "missing-setting: test host without hypervisor",
        r#"host "t" uri="test:///default""#,
        &[(
            MissingSetting,
            1,
            14,
            "a `test:///` host needs `hypervisor`",
        )],
    ),
    case(
        "missing-setting: image without url",
        r#"image "img" unverified=#true"#,
        &[(MissingSetting, 1, 7, "image `img` has no `url`")],
    ),
    case(
        "missing-setting: nat network without cidr",
        r#"network "n""#,
        &[(MissingSetting, 1, 9, "a `nat` network needs a `cidr`")],
    ),
    case(
        "missing-setting: route network without cidr",
        r#"network "n" mode="route""#,
        &[(MissingSetting, 1, 9, "a `route` network needs a `cidr`")],
    ),
    case(
        "missing-setting: bridge network without bridge",
        r#"network "n" mode="bridge""#,
        &[(
            MissingSetting,
            1,
            9,
            "a `bridge` network needs the host bridge's name",
        )],
    ),
    case(
        "missing-setting: gateway without cidr",
        r#"network "n" mode="isolated" gateway="10.0.0.1""#,
        &[(
            MissingSetting,
            1,
            37,
            "`gateway` needs the network's `cidr`",
        )],
    ),
    case(
        "missing-setting: dhcp without cidr",
        r#"network "n" mode="isolated" {
    dhcp start="10.0.0.10" end="10.0.0.20"
}"#,
        &[(MissingSetting, 2, 5, "`dhcp` needs the network's `cidr`")],
    ),
    case(
        "missing-setting: node without host among several",
        concat!(
            img!(),
            r#"host "a" uri="qemu:///system"
host "b" uri="qemu+ssh://root@b.test/system"
node "n""#
        ),
        &[(
            MissingSetting,
            4,
            6,
            "node `n` has no host, and the lab declares several",
        )],
    )
    .help(&["add `host \"a\"`"]),
    case(
        "missing-setting: node without image among several",
        r#"image "a" url="https://x.test/a.qcow2" unverified=#true
image "b" url="https://x.test/b.qcow2" unverified=#true
node "n""#,
        &[(MissingSetting, 3, 6, "node `n` has no image")],
    )
    .help(&["add `image \"name\"` to the node or to `defaults`"]),
    case(
        "missing-setting: node without image, none declared",
        r#"node "n""#,
        &[(MissingSetting, 1, 6, "node `n` has no image")],
    )
    .help(&["declare an `image`"]),
    case(
        "missing-setting: disk without size",
        concat!(img!(), r#"node "a" { disk "d"; }"#),
        &[(MissingSetting, 2, 12, "disk `d` has no `size`")],
    ),
    case(
        "missing-setting: interface without network",
        concat!(img!(), r#"node "a" { interface "eth0"; }"#),
        &[(
            MissingSetting,
            2,
            12,
            "interface `eth0` has no `network`",
        )],
    ),
    case(
        "missing-setting: static address without cidr",
        concat!(
            img!(),
            r#"network "lan" mode="isolated"
node "a" { interface "eth0" network="lan" address="10.0.0.5"; }"#
        ),
        &[(
            MissingSetting,
            3,
            51,
            "network `lan` has no `cidr`, so it has no addresses to give",
        )],
    ),
    case(
        "missing-setting: initrd and cmdline without kernel",
        r#"image "i" url="https://x.test/i.img" unverified=#true {
    initrd "https://x.test/initrd"
    cmdline "console=ttyS0"
}"#,
        &[
            (MissingSetting, 2, 12, "`initrd` needs a `kernel`"),
            (MissingSetting, 3, 13, "`cmdline` needs a `kernel`"),
        ],
    ),
    // ---- hosts --------------------------------------------------------------------------
    case(
        "invalid-uri: unknown transport",
        r#"host "h" uri="qemu+foo://x/system""#,
        &[(InvalidUri, 1, 14, "unknown transport `foo`")],
    ),
    case(
        "invalid-uri: unsupported driver",
        r#"host "h" uri="lxc:///system""#,
        &[(InvalidUri, 1, 14, "unsupported libvirt driver `lxc`")],
    ),
    case(
        "invalid-uri: remote transport without server",
        r#"host "h" uri="qemu+ssh:///system""#,
        &[(InvalidUri, 1, 14, "needs a server")],
    ),
    case(
        "invalid-uri: unquoted in KDL",
        r#"host "h" uri=qemu:///system"#,
        &[(InvalidUri, 1, 14, "a libvirt URI looks like")],
    ),
    case(
        "uri-parameter: command runs a local program, opt-in or not",
        r#"host "h" uri="qemu+ssh://root@127.0.0.1/system?command=/tmp/evil.sh""#,
        &[(
            UriParameter,
            1,
            48,
            "URI parameter `command` runs the given local program instead of `ssh`",
        )],
    )
    .help(&["~/.ssh/config"]),
    case(
        "uri-parameter: keyfile and no_verify need the host's opt-in",
        r#"host "h" uri="qemu+ssh://root@box/system?keyfile=/k&no_verify=1""#,
        &[
            (UriParameter, 1, 42, "URI parameter `keyfile` logs in with"),
            (UriParameter, 1, 53, "URI parameter `no_verify` turns off the check"),
        ],
    )
    .help(&["allow-uri-params \"keyfile\"", "allow-uri-params \"no_verify\""]),
    case(
        "uri-parameter: allow-uri-params names only opt-in parameters of the URI",
        r#"host "h" uri="qemu+ssh://root@box/system?keyfile=/k" { allow-uri-params "keyfile" "socket" "mode"; }"#,
        &[
            (UriParameter, 1, 83, "`socket` is allowed, but the URI of host `h` does not have it"),
            (UriParameter, 1, 92, "`mode` is not a URI parameter that needs `allow-uri-params`"),
        ],
    ),
    case(
        "uri-parameter: unknown for the local transport",
        r#"host "h" uri="qemu:///system?socket=/tmp/s&keyfile=/k""#,
        &[(
            UriParameter,
            1,
            44,
            "unknown URI parameter `keyfile` for the local transport",
        )],
    )
    .help(&["the local transport takes: mode, socket, auth, authfile, name"]),
    case(
        "invalid-uri: a server name ssh would read as an option",
        r#"host "h" uri="qemu+ssh://-oProxyCommand=x/system""#,
        &[(InvalidUri, 1, 26, "`-oProxyCommand=x` is not a plain host name")],
    ),
    case(
        "test-driver-file: test:///PATH reads a local file",
        r#"host "t" uri="test:///etc/passwd" hypervisor="kvm""#,
        &[(
            TestDriverFile,
            1,
            14,
            "`test:///etc/passwd` would make libvirt's test driver read `/etc/passwd`",
        )],
    )
    .help(&["a test host is `test:///default`", "VLAB_TEST_DRIVER_FILES=1"]),
    case(
        "conflicting-settings: hypervisor contradicts URI",
        r#"host "h" uri="qemu:///system" hypervisor="xen""#,
        &[(
            ConflictingSettings,
            1,
            42,
            "`hypervisor \"xen\"` contradicts the URI, which is a kvm host",
        )],
    ),
    case(
        "not-for-xen: accel on a Xen host",
        r#"host "x" uri="xen:///system" accel="kvm""#,
        &[(
            NotForXen,
            1,
            36,
            "`accel` applies to QEMU hosts, not to Xen hosts",
        )],
    ),
    case(
        "not-for-xen: accel on a test Xen host",
        r#"host "x" uri="test:///default" hypervisor="xen" accel="tcg""#,
        &[(NotForXen, 1, 55, "`accel` applies to QEMU hosts")],
    ),
    case(
        "not-for-kvm: xen-boot on a KVM node",
        concat!(img!(), r#"node "a" xen-boot="pv""#),
        &[(
            NotForKvm,
            2,
            19,
            "`xen-boot` applies to Xen hosts; node `a` is on a KVM host",
        )],
    ),
    case(
        "not-for-kvm: xen-boot from defaults is not an error",
        concat!(
            img!(),
            r#"defaults xen-boot="pv"
node "a""#
        ),
        &[],
    ),
    case(
        "not-for-kvm: Xen firmware paths on a KVM host",
        r#"host "k" uri="qemu:///system" hvmloader="/usr/lib/xen/boot/hvmloader" pvgrub="/g""#,
        &[
            (
                NotForKvm,
                1,
                41,
                "`hvmloader` applies to Xen hosts; host `k` is a KVM host",
            ),
            (
                NotForKvm,
                1,
                78,
                "`pvgrub` applies to Xen hosts; host `k` is a KVM host",
            ),
        ],
    )
    .help(&["remove `hvmloader`"]),
    case(
        "invalid-path: relative Xen paths",
        r#"host "x" uri="xen:///system" device-model="qemu" pvgrub-pvh="grub.bin""#,
        &[
            (
                InvalidPath,
                1,
                43,
                "`device-model` must be an absolute path on the Xen host",
            ),
            (
                InvalidPath,
                1,
                61,
                "`pvgrub-pvh` must be an absolute path on the Xen host",
            ),
        ],
    ),
    case(
        "invalid-path: template paths outside the lab's folder",
        concat!(
            img!(),
            r#"defaults { cloud-init { network-config "/etc/passwd"; }; }
node "a" { cloud-init { user-data "../../home/ci/.aws/credentials"; meta-data "ok/../x"; vendor-data "t/v.tera"; }; }"#
        ),
        &[
            (
                InvalidPath,
                2,
                40,
                "template path `/etc/passwd` leads outside the lab file's folder",
            ),
            (
                InvalidPath,
                3,
                35,
                "template path `../../home/ci/.aws/credentials` leads outside",
            ),
            (InvalidPath, 3, 79, "template path `ok/../x` leads outside"),
        ],
    ),
    case(
        "not-for-xen: more vCPUs than Xen gives an HVM guest",
        concat!(
            img!(),
            r#"host "x" uri="xen:///system"
node "a" cpus=200
node "b" cpus=129 xen-boot="pvh"
node "c" cpus=200 xen-boot="pv""#
        ),
        &[
            (
                NotForXen,
                3,
                15,
                "Xen runs HVM guests with at most 128 vCPUs",
            ),
            (
                NotForXen,
                4,
                15,
                "Xen runs PVH guests with at most 128 vCPUs",
            ),
        ],
    )
    .help(&["or `xen-boot \"pv\"`"]),
    // ---- images -------------------------------------------------------------------------
    case(
        "conflicting-settings: checksum and checksums-url",
        concat!(
            r#"image "img" url="https://x.test/i.qcow2" checksums-url="https://x.test/SUMS" checksum=""#,
            sha!(),
            r#"""#
        ),
        &[(
            ConflictingSettings,
            1,
            56,
            "give either `checksum` or `checksums-url`, not both",
        )],
    ),
    case(
        "conflicting-settings: unverified with checksum",
        concat!(
            r#"image "img" url="https://x.test/i.qcow2" unverified=#true checksum=""#,
            sha!(),
            r#"""#
        ),
        &[(
            ConflictingSettings,
            1,
            68,
            "an image with a checksum cannot be `unverified`",
        )],
    ),
    case(
        "conflicting-settings: unverified with checksums-url",
        r#"image "img" url="https://x.test/i.qcow2" checksums-url="https://x.test/SUMS" unverified=#true"#,
        &[(
            ConflictingSettings,
            1,
            56,
            "an image with a checksum cannot be `unverified`",
        )],
    ),
    case(
        "missing-checksum: image",
        r#"image "img" url="https://x.test/i.qcow2""#,
        &[(MissingChecksum, 1, 7, "image `img` has no checksum")],
    )
    .help(&["only if neither exists, `unverified #true`"]),
    case(
        "missing-checksum: kernel",
        concat!(
            r#"image "img" url="https://x.test/i.qcow2" checksum=""#,
            sha!(),
            r#"" {
    kernel "https://x.test/vmlinuz"
}"#
        ),
        &[(MissingChecksum, 2, 12, "the kernel has no checksum")],
    ),
    case(
        "missing-checksum: initrd of an image with an inline checksum",
        concat!(
            r#"image "img" url="https://x.test/i.qcow2" checksum=""#,
            sha!(),
            r#"" {
    kernel "https://x.test/vmlinuz" checksum=""#,
            sha!(),
            r#""
    initrd "https://x.test/initrd"
}"#
        ),
        &[(MissingChecksum, 3, 12, "the initrd has no checksum")],
    ),
    case(
        "a kernel and initrd without checksums are verified through the image's checksums file",
        r#"image "img" url="https://x.test/i.qcow2" checksums-url="https://x.test/SUMS" {
    kernel "https://x.test/vmlinuz"
    initrd "https://x.test/initrd"
}"#,
        &[],
    ),
    case(
        "missing-checksum: unverified image needs none for its kernel",
        r#"image "img" url="https://x.test/i.qcow2" unverified=#true {
    kernel "https://x.test/vmlinuz"
    initrd "https://x.test/initrd"
}"#,
        &[],
    ),
    case(
        "invalid-checksum: unknown algorithm",
        r#"image "img" url="https://x.test/i.qcow2" checksum="md5:d41d8cd98f00b204e9800998ecf8427e""#,
        &[(
            InvalidChecksum,
            1,
            51,
            "unsupported checksum algorithm `md5`",
        )],
    ),
    case(
        "invalid-checksum: short digest",
        r#"image "img" url="https://x.test/i.qcow2" checksum="sha256:abc""#,
        &[(
            InvalidChecksum,
            1,
            51,
            "a sha256 digest has 64 hex digits, this one has 3",
        )],
    ),
    case(
        "invalid-checksum: no algorithm",
        r#"image "img" url="https://x.test/i.qcow2" checksum="abc""#,
        &[(
            InvalidChecksum,
            1,
            51,
            "a checksum is written `sha256:<hex>`",
        )],
    ),
    case(
        "invalid-checksum: kernel",
        r#"image "img" url="https://x.test/i.qcow2" unverified=#true {
    kernel "https://x.test/vmlinuz" checksum="sha512:00"
}"#,
        &[(
            InvalidChecksum,
            2,
            46,
            "a sha512 digest has 128 hex digits, this one has 2",
        )],
    ),
    case(
        "invalid-url: scheme",
        r#"image "img" url="ftp://x.test/i.qcow2" unverified=#true"#,
        &[(InvalidUrl, 1, 17, "invalid URL `ftp://x.test/i.qcow2`")],
    )
    .help(&["https, http or file"]),
    case(
        "invalid-url: nothing after the scheme",
        r#"image "img" url="https://" unverified=#true"#,
        &[(InvalidUrl, 1, 17, "invalid URL `https://`")],
    )
    .help(&["nothing after the scheme"]),
    case(
        "invalid-url: space",
        r#"image "img" url="https://x.test/my image.qcow2" unverified=#true"#,
        &[(InvalidUrl, 1, 17, "invalid URL")],
    )
    .help(&["%20"]),
    case(
        "invalid-url: checksums-url",
        r#"image "img" url="https://x.test/i.qcow2" checksums-url="x.test/SUMS""#,
        &[(InvalidUrl, 1, 56, "invalid URL `x.test/SUMS`")],
    ),
    case(
        "invalid-url: kernel",
        r#"image "img" url="https://x.test/i.qcow2" unverified=#true {
    kernel "tftp://x.test/vmlinuz"
}"#,
        &[(InvalidUrl, 2, 12, "invalid URL `tftp://x.test/vmlinuz`")],
    ),
    // ---- networks -----------------------------------------------------------------------
    case(
        "conflicting-settings: dhcp on a bridge network",
        r#"network "office" mode="bridge" bridge="br0" cidr="192.168.1.0/24" {
    dhcp start="192.168.1.100" end="192.168.1.200"
}"#,
        &[(
            ConflictingSettings,
            2,
            5,
            "vlab does not serve DHCP on a host bridge",
        )],
    ),
    case(
        "conflicting-settings: bridge on a nat network",
        r#"network "n" mode="nat" bridge="br0" cidr="10.0.0.0/24""#,
        &[(
            ConflictingSettings,
            1,
            31,
            "`bridge` applies to `mode \"bridge\"` networks, not `nat`",
        )],
    ),
    case(
        "invalid-cidr: not a CIDR",
        r#"network "n" cidr="10.0.0/24""#,
        &[(InvalidCidr, 1, 18, "`10.0.0/24` is not an IPv4 CIDR")],
    ),
    case(
        "invalid-cidr: IPv6",
        r#"network "n" cidr="fd00::/64""#,
        &[(InvalidCidr, 1, 18, "`fd00::/64` is not an IPv4 CIDR")],
    ),
    case(
        "invalid-cidr: host bits set",
        r#"network "n" cidr="10.0.0.5/24""#,
        &[(InvalidCidr, 1, 18, "`10.0.0.5/24` has host bits set")],
    )
    .help(&["did you mean `10.0.0.0/24`?"]),
    case(
        "invalid-cidr: /31 network",
        r#"network "n" cidr="10.0.0.0/31""#,
        &[(
            InvalidCidr,
            1,
            18,
            "`10.0.0.0/31` is too small for a network",
        )],
    ),
    case(
        "invalid-cidr: link /32",
        concat!(
            img!(),
            r#"node "a"
node "b"
link "a:e1" "b:e1" cidr="10.0.0.0/32""#
        ),
        &[(
            InvalidCidr,
            4,
            25,
            "`10.0.0.0/32` has room for one address; a link needs two",
        )],
    ),
    case(
        "invalid-cidr: link host bits",
        concat!(
            img!(),
            r#"node "a"
node "b"
link "a:e1" "b:e1" cidr="10.0.0.1/30""#
        ),
        &[(InvalidCidr, 4, 25, "`10.0.0.1/30` has host bits set")],
    )
    .help(&["did you mean `10.0.0.0/30`?"]),
    case(
        "invalid-address: gateway",
        r#"network "n" cidr="10.0.0.0/24" gateway="10.0.0""#,
        &[(InvalidAddress, 1, 40, "`10.0.0` is not an IPv4 address")],
    ),
    case(
        "invalid-address: interface",
        concat!(
            img!(),
            r#"network "n" cidr="10.0.0.0/24"
node "a" { interface network="n" address="10.0.0.300"; }"#
        ),
        &[(
            InvalidAddress,
            3,
            42,
            "`10.0.0.300` is not an IPv4 address",
        )],
    ),
    case(
        "invalid-address: prefix differs from the network's",
        concat!(
            img!(),
            r#"network "n" cidr="10.0.0.0/24"
node "a" { interface network="n" address="10.0.0.5/16"; }"#
        ),
        &[(
            InvalidAddress,
            3,
            42,
            "prefix /16 differs from the network's 10.0.0.0/24",
        )],
    )
    .help(&["write `10.0.0.5` or `10.0.0.5/24`"]),
    case(
        "address-outside: gateway",
        r#"network "n" cidr="10.0.0.0/24" gateway="10.0.1.1""#,
        &[(
            AddressOutside,
            1,
            40,
            "the gateway 10.0.1.1 is outside 10.0.0.0/24",
        )],
    )
    .help(&["use an address from 10.0.0.1 to 10.0.0.254"]),
    case(
        "address-outside: gateway is the broadcast address",
        r#"network "n" cidr="10.0.0.0/24" gateway="10.0.0.255""#,
        &[(
            AddressOutside,
            1,
            40,
            "10.0.0.255 is the network or broadcast address of 10.0.0.0/24",
        )],
    ),
    case(
        "address-outside: interface",
        concat!(
            img!(),
            r#"network "n" cidr="10.0.0.0/24"
node "a" { interface network="n" address="10.0.1.5"; }"#
        ),
        &[(
            AddressOutside,
            3,
            42,
            "the address 10.0.1.5 is outside 10.0.0.0/24",
        )],
    ),
    case(
        "address-outside: interface on the network address",
        concat!(
            img!(),
            r#"network "n" cidr="10.0.0.0/24"
node "a" { interface network="n" address="10.0.0.0"; }"#
        ),
        &[(
            AddressOutside,
            3,
            42,
            "is the network or broadcast address",
        )],
    ),
    case(
        "address-outside: dhcp start",
        r#"network "n" cidr="10.0.0.0/24" {
    dhcp start="10.0.1.10" end="10.0.0.20"
}"#,
        &[(
            AddressOutside,
            2,
            16,
            "a DHCP address 10.0.1.10 is outside 10.0.0.0/24",
        )],
    ),
    case(
        "address-conflict: the gateway",
        concat!(
            img!(),
            r#"network "n" cidr="10.0.0.0/24"
node "a" { interface network="n" address="10.0.0.1"; }"#
        ),
        &[(
            AddressConflict,
            3,
            42,
            "10.0.0.1 is the gateway of network `n`",
        )],
    ),
    case(
        "address-conflict: inside the default DHCP range",
        concat!(
            img!(),
            r#"network "n" cidr="10.0.0.0/24"
node "a" { interface network="n" address="10.0.0.200"; }"#
        ),
        &[(
            AddressConflict,
            3,
            42,
            "10.0.0.200 is inside the DHCP range 10.0.0.128-10.0.0.254 of network `n`",
        )],
    ),
    case(
        "address-conflict: inside a given DHCP range",
        concat!(
            img!(),
            r#"network "n" cidr="10.0.0.0/24" {
    dhcp start="10.0.0.10" end="10.0.0.20"
}
node "a" { interface network="n" address="10.0.0.15/24"; }"#
        ),
        &[(
            AddressConflict,
            5,
            42,
            "10.0.0.15 is inside the DHCP range 10.0.0.10-10.0.0.20",
        )],
    ),
    case(
        "address-conflict: used twice",
        concat!(
            img!(),
            r#"network "n" cidr="10.0.0.0/24"
node "a" { interface network="n" address="10.0.0.5"; }
node "b" { interface network="n" address="10.0.0.5"; }"#
        ),
        &[(
            AddressConflict,
            4,
            42,
            "10.0.0.5 is already used by `a:eth0` on network `n`",
        )],
    ),
    case(
        "address-conflict: count without {index} in the address",
        concat!(
            img!(),
            r#"network "n" cidr="10.0.0.0/24"
node "web-{index}" count=2 { interface network="n" address="10.0.0.5"; }"#
        ),
        &[(
            AddressConflict,
            3,
            60,
            "10.0.0.5 is already used by `web-1:eth0`",
        )],
    ),
    case(
        "address-conflict: DHCP range contains the gateway",
        r#"network "n" cidr="10.0.0.0/24" gateway="10.0.0.150" {
    dhcp start="10.0.0.100" end="10.0.0.200"
}"#,
        &[(
            AddressConflict,
            2,
            5,
            "the DHCP range 10.0.0.100-10.0.0.200 contains the gateway 10.0.0.150",
        )],
    ),
    case(
        "address-conflict: default DHCP range contains the gateway, shown at the gateway",
        r#"network "n" cidr="10.0.0.0/24" gateway="10.0.0.150""#,
        &[(
            AddressConflict,
            1,
            40,
            "the DHCP range 10.0.0.128-10.0.0.254 contains the gateway 10.0.0.150",
        )],
    ),
    case(
        "conflicting-settings: a DHCP range with DHCP off",
        r#"network "n" cidr="10.0.0.0/24" {
    dhcp #false start="10.0.0.100"
}"#,
        &[(
            ConflictingSettings,
            2,
            23,
            "a DHCP range is given, but DHCP is off",
        )],
    ),
    case(
        "conflicting-settings: DHCP on a bridge without cidr names the real problem",
        r#"network "n" mode="bridge" bridge="br0" {
    dhcp start="10.0.0.100" end="10.0.0.150"
}"#,
        &[(
            ConflictingSettings,
            2,
            5,
            "vlab does not serve DHCP on a host bridge",
        )],
    ),
    case(
        "overlapping-networks: every overlap with a wide network is found",
        r#"network "a" cidr="10.0.0.0/24"
network "b" cidr="10.0.0.0/16"
network "c" cidr="10.0.5.0/24""#,
        &[
            (
                OverlappingNetworks,
                2,
                18,
                "network `b` (10.0.0.0/16) overlaps network `a`",
            ),
            (
                OverlappingNetworks,
                3,
                18,
                "network `c` (10.0.5.0/24) overlaps network `b`",
            ),
        ],
    ),
    case(
        "invalid-name: no follow-on unknown-reference for an invalid network or node name",
        concat!(
            img!(),
            r#"network "Lan" mode="isolated"
node "R1" { interface network="Lan"; }
node "b"
link "R1:e1" "b:e1""#
        ),
        &[
            (InvalidName, 2, 9, "invalid network name"),
            (InvalidName, 3, 6, "invalid node name"),
        ],
    ),
    case(
        "one pass: an unknown host does not hide an unknown network",
        concat!(
            img!(),
            r#"node "a" host="nope" { interface network="nonet"; }"#
        ),
        &[
            (UnknownReference, 2, 15, "unknown host `nope`"),
            (UnknownReference, 2, 42, "unknown network `nonet`"),
        ],
    ),
    case(
        "one pass: a bad image checksum does not hide an unchecked kernel",
        r#"image "i" url="https://x/i.qcow2" checksum="sha256:00" {
    kernel "https://x/vmlinuz"
}"#,
        &[
            (
                InvalidChecksum,
                1,
                44,
                "a sha256 digest has 64 hex digits",
            ),
            (MissingChecksum, 2, 12, "the kernel has no checksum"),
        ],
    ),
    case(
        "missing-setting: several hosts declared, one broken, still asks which host",
        concat!(
            img!(),
            r#"host "h1" uri="qemu:///system"
host "h2" uri="bogus"
node "a""#
        ),
        &[
            (InvalidUri, 3, 15, "invalid libvirt URI"),
            (
                MissingSetting,
                4,
                6,
                "node `a` has no host, and the lab declares several",
            ),
        ],
    ),
    case(
        "duplicate-host: two hosts on one libvirt",
        concat!(
            img!(),
            r#"host "a" uri="qemu:///system"
host "b" uri="qemu:///system"
node "n" host="a""#
        ),
        &[(
            DuplicateHost,
            3,
            14,
            "host `b` has the same URI as host `a`",
        )],
    ),
    case(
        "invalid-placeholder: in a lab variable",
        r#"lab "x" { vars { a "seat-{index}"; }; }"#,
        &[(
            InvalidPlaceholder,
            1,
            20,
            "only allowed in a resource with `count`",
        )],
    ),
    case(
        "not-for-kvm names the expanded node",
        concat!(img!(), r#"node "web-{index}" count=1 xen-boot="pv""#),
        &[(NotForKvm, 2, 37, "node `web-1` is on a KVM host")],
    ),
    case(
        "invalid-address: a prefix that is not a number",
        concat!(
            img!(),
            r#"network "n" cidr="10.0.0.0/24"
node "a" { interface network="n" address="10.0.0.5/abc"; }"#
        ),
        &[(InvalidAddress, 3, 42, "`/abc` is not a prefix length")],
    ),
    case(
        "duplicate-name: an unnamed interface whose position name is taken",
        concat!(
            img!(),
            r#"network "n" mode="isolated"
node "a" {
    interface "eth1" network="n"
    interface network="n"
}"#
        ),
        &[(
            DuplicateName,
            5,
            5,
            "this interface is named `eth1` by its position",
        )],
    ),
    case(
        "invalid-range: dhcp start after end",
        r#"network "n" cidr="10.0.0.0/24" {
    dhcp start="10.0.0.200" end="10.0.0.100"
}"#,
        &[(
            InvalidRange,
            2,
            5,
            "the DHCP range starts at 10.0.0.200, after its end 10.0.0.100",
        )],
    ),
    case(
        "invalid-range: end below the default start",
        r#"network "n" cidr="10.0.0.0/24" { dhcp end="10.0.0.50"; }"#,
        &[(
            InvalidRange,
            1,
            34,
            "starts at 10.0.0.128, after its end 10.0.0.50",
        )],
    ),
    case(
        "overlapping-networks: two networks",
        r#"network "n" cidr="10.0.0.0/24"
network "m" cidr="10.0.0.0/16""#,
        &[(
            OverlappingNetworks,
            2,
            18,
            "network `m` (10.0.0.0/16) overlaps network `n` (10.0.0.0/24)",
        )],
    ),
    case(
        "overlapping-networks: counted networks without {index} in the cidr",
        r#"network "n-{index}" count=2 cidr="10.0.0.0/24""#,
        &[(
            OverlappingNetworks,
            1,
            34,
            "network `n-2` (10.0.0.0/24) overlaps network `n-1` (10.0.0.0/24)",
        )],
    ),
    case(
        "overlapping-networks: network and link",
        concat!(
            img!(),
            r#"network "n" cidr="10.0.0.0/24"
node "a"
node "b"
link "a:e1" "b:e1" cidr="10.0.0.4/30""#
        ),
        &[(
            OverlappingNetworks,
            5,
            25,
            "link `a:e1--b:e1` (10.0.0.4/30) overlaps network `n` (10.0.0.0/24)",
        )],
    ),
    case(
        "invalid-domain",
        r#"network "n" cidr="10.0.0.0/24" domain="bad_domain""#,
        &[(InvalidDomain, 1, 39, "`bad_domain` is not a DNS domain")],
    ),
    case(
        "invalid-domain: empty label",
        r#"network "n" cidr="10.0.0.0/24" domain="lab..test""#,
        &[(InvalidDomain, 1, 39, "`lab..test` is not a DNS domain")],
    ),
    // ---- references ---------------------------------------------------------------------
    case(
        "unknown-reference: image",
        concat!(img!(), r#"node "a" image="imgg""#),
        &[(UnknownReference, 2, 16, "unknown image `imgg`")],
    )
    .help(&["did you mean `img`?"]),
    case(
        "unknown-reference: image from defaults",
        r#"image "debian-12" url="https://x.test/d.qcow2" unverified=#true
image "alpine" url="https://x.test/a.qcow2" unverified=#true
defaults image="debain-12"
node "a""#,
        &[(UnknownReference, 3, 16, "unknown image `debain-12`")],
    )
    .help(&["did you mean `debian-12`?"]),
    case(
        "unknown-reference: network",
        concat!(
            img!(),
            r#"network "lan" cidr="10.0.0.0/24"
node "a" { interface network="lna"; }"#
        ),
        &[(UnknownReference, 3, 30, "unknown network `lna`")],
    )
    .help(&["did you mean `lan`?"]),
    case(
        "unknown-reference: network, none declared",
        concat!(img!(), r#"node "a" { interface network="lan"; }"#),
        &[(UnknownReference, 2, 30, "unknown network `lan`")],
    )
    .help(&["the lab declares no network"]),
    case(
        "unknown-reference: host",
        concat!(
            img!(),
            r#"host "local" uri="qemu:///system"
node "a" host="locl""#
        ),
        &[(UnknownReference, 3, 15, "unknown host `locl`")],
    )
    .help(&["did you mean `local`?"]),
    case(
        "unknown-reference: link endpoint node",
        concat!(
            img!(),
            r#"node "router"
node "b"
link "ruoter:e1" "b:e1""#
        ),
        &[(UnknownReference, 4, 6, "unknown node `ruoter`")],
    )
    .help(&["did you mean `router`?"]),
    // ---- links --------------------------------------------------------------------------
    case(
        "invalid-link: endpoint without colon",
        concat!(
            img!(),
            r#"node "a"
node "b"
link "a" "b:e1""#
        ),
        &[(InvalidLink, 4, 6, "`a` is not a link endpoint")],
    )
    .help(&["node:interface"]),
    case(
        "invalid-link: same endpoint twice",
        concat!(
            img!(),
            r#"node "a"
link "a:e1" "a:e1""#
        ),
        &[(
            InvalidLink,
            3,
            13,
            "a link needs two different endpoints",
        )],
    ),
    case(
        "invalid-link: interface already declared on the node",
        concat!(
            img!(),
            r#"network "n" cidr="10.0.0.0/24"
node "a" { interface "e1" network="n"; }
node "b"
link "a:e1" "b:e1""#
        ),
        &[(
            InvalidLink,
            5,
            6,
            "`a` already has interface `e1` (on network `n`)",
        )],
    ),
    case(
        "invalid-link: interface declared through defaults",
        concat!(
            img!(),
            r#"network "lan" mode="isolated"
defaults { interface "eth1" network="lan"; }
node "a"
node "b" { interface network="lan"; }
link "a:eth1" "b:eth1""#
        ),
        &[(
            InvalidLink,
            6,
            6,
            "`a` already has interface `eth1` (on network `lan`)",
        )],
    ),
    case(
        "invalid-link: nodes on different hosts",
        concat!(
            img!(),
            r#"host "h1" uri="qemu:///system"
host "h2" uri="qemu+ssh://root@h2.test/system"
node "a" host="h1"
node "b" host="h2"
link "a:e1" "b:e1""#
        ),
        &[(
            InvalidLink,
            6,
            13,
            "`a` is on host `h1` but `b` is on host `h2`",
        )],
    ),
    case(
        "invalid-link: endpoint used by two links",
        concat!(
            img!(),
            r#"node "a"
node "b"
node "c"
link "a:e1" "b:e1"
link "a:e1" "c:e1""#
        ),
        &[(
            InvalidLink,
            6,
            6,
            "`a:e1` is already wired by link `a:e1--b:e1`",
        )],
    ),
    // ---- MACs ---------------------------------------------------------------------------
    case(
        "invalid-mac: multicast",
        concat!(
            img!(),
            r#"network "n" mode="isolated"
node "a" { interface network="n" mac="01:00:5e:00:00:01"; }"#
        ),
        &[(InvalidMac, 3, 38, "this is a multicast address")],
    ),
    case(
        "invalid-mac: malformed",
        concat!(
            img!(),
            r#"network "n" mode="isolated"
node "a" { interface network="n" mac="52:54:00:12:34"; }"#
        ),
        &[(InvalidMac, 3, 38, "six two-digit hex groups")],
    ),
    case(
        "invalid-mac: all zeros",
        concat!(
            img!(),
            r#"network "n" mode="isolated"
node "a" { interface network="n" mac="00:00:00:00:00:00"; }"#
        ),
        &[(InvalidMac, 3, 38, "the all-zero address")],
    ),
    case(
        "duplicate-mac",
        concat!(
            img!(),
            r#"network "n" mode="isolated"
node "a" { interface network="n" mac="52:54:00:00:00:01"; }
node "b" { interface network="n" mac="52:54:00:00:00:01"; }"#
        ),
        &[(
            DuplicateMac,
            4,
            38,
            "MAC 52:54:00:00:00:01 is already used by `a:eth0`",
        )],
    ),
    case(
        "duplicate-mac: different spelling",
        concat!(
            img!(),
            r#"network "n" mode="isolated"
node "a" { interface network="n" mac="52:54:00:AB:00:01"; interface network="n" mac="52-54-00-ab-00-01"; }"#
        ),
        &[(
            DuplicateMac,
            3,
            85,
            "MAC 52:54:00:ab:00:01 is already used by `a:eth0`",
        )],
    ),
    // ---- ranges and sizes ---------------------------------------------------------------
    case(
        "out-of-range: cpus 0",
        concat!(img!(), r#"node "a" cpus=0"#),
        &[(OutOfRange, 2, 15, "cpus must be between 1 and 512")],
    ),
    case(
        "out-of-range: cpus 513",
        concat!(img!(), r#"node "a" { cpus 513; }"#),
        &[(OutOfRange, 2, 17, "cpus must be between 1 and 512")],
    ),
    case(
        "out-of-range: memory below the minimum",
        concat!(img!(), r#"node "a" memory="16MiB""#),
        &[(
            OutOfRange,
            2,
            17,
            "memory 16MiB is below the minimum of",
        )],
    ),
    case(
        "out-of-range: memory minimum is 64MiB",
        concat!(img!(), r#"node "a" memory="48MiB""#),
        &[(
            OutOfRange,
            2,
            17,
            "memory 48MiB is below the minimum of 64MiB",
        )],
    ),
    case(
        "out-of-range: disk size",
        concat!(img!(), r#"node "a" disk-size="0GiB""#),
        &[(
            OutOfRange,
            2,
            20,
            "disk-size 0B is below the minimum of 1MiB",
        )],
    ),
    case(
        "invalid-size: no unit",
        concat!(img!(), r#"node "a" memory="1024""#),
        &[(InvalidSize, 2, 17, "invalid memory: `1024` has no unit")],
    )
    .help(&["write a number and a unit"]),
    case(
        "invalid-size: unknown unit",
        concat!(img!(), r#"node "a" memory="1 parsec""#),
        &[(
            InvalidSize,
            2,
            17,
            "invalid memory: unknown unit `parsec`",
        )],
    ),
    case(
        "invalid-size: memory not a whole number of KiB",
        concat!(img!(), r#"node "a" memory="100000KB""#),
        &[(
            InvalidSize,
            2,
            17,
            "memory must be a whole number of KiB",
        )],
    ),
    case(
        "invalid-size: disk",
        concat!(img!(), r#"node "a" { disk "data" size="ten gigs"; }"#),
        &[(
            InvalidSize,
            2,
            29,
            "invalid disk size: `ten gigs` does not start with a number",
        )],
    ),
    // ---- many problems in one pass ------------------------------------------------------
    case(
        "several problems, reported together in file order",
        concat!(
            img!(),
            r#"host "h" uri="qemu:///system" hypervisor="xen"
network "lan" cidr="10.0.0.5/24"
node "a" cpus=0 memory="12"
node "b" image="nope""#
        ),
        &[
            (ConflictingSettings, 2, 42, "contradicts the URI"),
            (InvalidCidr, 3, 20, "has host bits set"),
            (OutOfRange, 4, 15, "cpus must be between 1 and 512"),
            (InvalidSize, 4, 24, "has no unit"),
            (UnknownReference, 5, 16, "unknown image `nope`"),
        ],
    ),
    // ---- ready ----------------------------------------------------------------------------
    case(
        "missing-setting: ready console without marker",
        r#"image "img" url="https://x.test/i.qcow2" unverified=#true { ready "console"; }"#,
        &[(
            MissingSetting,
            1,
            61,
            "`ready \"console\"` needs a `marker`",
        )],
    )
    .help(&["marker=\"text the guest prints when up\""]),
    case(
        "conflicting-settings: marker on ready cloud-init",
        r#"image "img" url="https://x.test/i.qcow2" unverified=#true { ready "cloud-init" marker="up"; }"#,
        &[(
            ConflictingSettings,
            1,
            87,
            "`ready \"cloud-init\"` takes no `marker`",
        )],
    ),
    case(
        "invalid-value: ready timeout",
        r#"image "img" url="https://x.test/i.qcow2" unverified=#true { ready "none" timeout="soon"; }"#,
        &[(InvalidValue, 1, 82, "`soon` is not a duration")],
    )
    .help(&["timeout=\"90s\""]),
    case(
        "invalid-value: empty ready marker",
        r#"image "img" url="https://x.test/i.qcow2" unverified=#true { ready "console" marker=" "; }"#,
        &[(InvalidValue, 1, 84, "the marker is empty")],
    ),
    case(
        "invalid-value: shutdown-timeout",
        r#"image "img" url="https://x.test/i.qcow2" unverified=#true { shutdown-timeout "-1s"; }"#,
        &[(InvalidValue, 1, 78, "`-1s` is not a duration")],
    )
    .help(&["`\"0s\"` to stop guests hard"]),
    // ---- test blocks ------------------------------------------------------------------
    case(
        "unknown-reference: a test's node",
        concat!(img!(), "node \"web\"\nnode \"db\"\ntest \"t\" { node \"wbe\"; command \"true\"; }"),
        &[(UnknownReference, 4, 17, "unknown node `wbe`")],
    )
    .help(&["did you mean `web`?"]),
    case(
        "unknown-reference: reach and port targets",
        concat!(img!(), "node \"web\"\nnode \"db\"\ntest \"r\" { reach from=\"web\" to=\"dv\"; }\ntest \"p\" { port from=\"weeb\" to=\"db\" port=22; }"),
        &[
            (UnknownReference, 4, 32, "unknown node `dv`"),
            (UnknownReference, 5, 22, "unknown node `weeb`"),
        ],
    )
    .help(&["did you mean `db`?", "did you mean `web`?"]),
    case(
        "missing-setting: a test with nothing to run",
        concat!(img!(), "node \"web\"\ntest \"t\" retries=2"),
        &[(MissingSetting, 3, 6, "test `t` has nothing to run")],
    )
    .help(&["give it a `command` and the `node` it runs on, or a built-in"]),
    case(
        "missing-setting: a command without its node",
        concat!(img!(), "node \"web\"\ntest \"t\" command=\"true\""),
        &[(MissingSetting, 3, 6, "test `t` runs a command but names no `node`")],
    )
    .help(&["write the node it runs on"]),
    case(
        "invalid-value: an empty command",
        concat!(img!(), "node \"web\"\ntest \"t\" node=\"web\" command=\" \""),
        &[(InvalidValue, 3, 29, "the command is empty")],
    ),
    case(
        "conflicting-settings: a command and a built-in",
        concat!(img!(), "node \"web\"\nnode \"db\"\ntest \"t\" { node \"web\"; command \"true\"; reach from=\"web\" to=\"db\"; }"),
        &[(ConflictingSettings, 4, 40, "a test runs one thing: `reach` and `command` are both given")],
    )
    .help(&["split them into two `test` blocks"]),
    case(
        "conflicting-settings: expectations and a node with a built-in",
        concat!(img!(), "node \"web\"\nnode \"db\"\ntest \"t\" { port to=\"db\" port=22; node \"web\"; stdout-contains \"x\"; }"),
        &[
            (ConflictingSettings, 4, 39, "`node` is for a test with a `command`, not with `port`"),
            (ConflictingSettings, 4, 62, "`stdout-contains` is for a test with a `command`"),
        ],
    )
    .help(&["`port` runs on its `from` node", "expectations go with a `command`"]),
    case(
        "invalid-value: test durations",
        concat!(img!(), "node \"web\"\ntest \"t\" { node \"web\"; command \"true\"; delay \"2x\"; timeout \"0s\"; }"),
        &[
            (InvalidValue, 3, 46, "`2x` is not a duration"),
            (InvalidValue, 3, 60, "`0s` is not a duration"),
        ],
    )
    .help(&["e.g. `delay \"2s\"`", "e.g. `timeout \"2s\"`"]),
    case(
        "out-of-range: retries, exit-code and port",
        concat!(img!(), "node \"web\"\ntest \"a\" node=\"web\" command=\"true\" retries=101 exit-code=256\ntest \"b\" { port to=\"web\" port=0; }"),
        &[
            (OutOfRange, 3, 44, "`retries` must be between 0 and 100"),
            (OutOfRange, 3, 58, "`exit-code` must be between 0 and 255"),
            (OutOfRange, 4, 31, "a TCP port is between 1 and 65535"),
        ],
    ),
    case(
        "invalid-value: a pattern that is no regular expression",
        concat!(img!(), "node \"web\"\ntest \"t\" { node \"web\"; command \"true\"; stdout-matches \"(up\"; }"),
        &[(InvalidValue, 3, 55, "`stdout-matches` is not a regular expression: unclosed group")],
    )
    .help(&["raw string"]),
    case(
        "missing-setting: what the built-ins need",
        concat!(img!(), "node \"web\"\nnode \"db\"\ntest \"a\" { reach to=\"db\"; }\ntest \"b\" { port from=\"web\"; }\ntest \"c\" { port to=\"db\"; }"),
        &[
            (MissingSetting, 4, 12, "`reach` needs the node it runs on, `from`"),
            (MissingSetting, 5, 12, "`port` needs the node it tries, `to`"),
            (MissingSetting, 6, 12, "`port` needs the TCP port, `port=N`"),
        ],
    ),
    case(
        "invalid-value: a node reaching itself",
        concat!(img!(), "node \"web\"\ntest \"t\" { reach from=\"web\" to=\"web\"; }"),
        &[(InvalidValue, 3, 32, "`web` would reach itself")],
    ),
    case(
        "names: a test name breaks the rule and another is taken twice",
        concat!(img!(), "node \"web\"\ntest \"Up\" node=\"web\" command=\"true\"\ntest \"up\" node=\"web\" command=\"true\"\ntest \"up\" node=\"web\" command=\"true\""),
        &[
            (InvalidName, 3, 6, "invalid test name"),
            (DuplicateName, 5, 6, "test `up` is declared more than once"),
        ],
    ),
    case(
        "invalid-placeholder: {seat} in a shared test",
        concat!(img!(), "node \"web\"\ntest \"t-{seat}\" node=\"web\" command=\"true\""),
        &[(InvalidPlaceholder, 3, 6, "`{seat}` is only allowed inside a `seats` block")],
    )
    .help(&["declare the test inside `seats N { ... }`"]),
    case(
        "unknown-reference: a seat's test names a node no seat has",
        concat!(img!(), "seats 2 {\n    node \"pc-{seat}\"\n    test \"pc-{seat}-next\" { reach from=\"pc-{seat}\" to=\"pc-{seat+1}\"; }\n}"),
        &[(UnknownReference, 4, 55, "unknown node `pc-3`")],
    ),
];

#[test]
fn resolver_cases() {
    let failures: Vec<String> = CASES
        .iter()
        .filter_map(|c| run_case(c.name, c.kdl, c.expect, c.help).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} resolver cases failed:\n\n{}",
        failures.len(),
        CASES.len(),
        failures.join("\n\n")
    );
}

// ---- the resolved model ---------------------------------------------------------------------

/// Resolves a lab that must be valid; panics with every diagnostic otherwise.
fn resolve(kdl: &str) -> Lab {
    let source = LabSource::from_bytes(Path::new("lab.kdl"), kdl.as_bytes().to_vec())
        .expect("source accepted");
    match vlab::check(&source) {
        Ok(lab) => lab,
        Err(d) => {
            let list: Vec<String> = d
                .iter()
                .map(|d| {
                    let l = d.locate("lab.kdl", kdl);
                    format!("{}:{} {}: {}", l.line, l.column, l.code, l.message)
                })
                .collect();
            panic!("lab should resolve, got:\n{}", list.join("\n"));
        }
    }
}

fn node<'a>(lab: &'a Lab, name: &str) -> &'a Node {
    lab.node(name).unwrap_or_else(|| panic!("no node `{name}`"))
}

fn interface<'a>(node: &'a Node, name: &str) -> &'a Interface {
    node.interfaces
        .iter()
        .find(|i| i.name == name)
        .unwrap_or_else(|| panic!("node `{}` has no interface `{name}`", node.name))
}

fn ip(text: &str) -> Ipv4Addr {
    text.parse().expect("test address")
}

fn var(vars: &BTreeMap<String, Variable>, key: &str) -> serde_json::Value {
    vars.get(key)
        .unwrap_or_else(|| panic!("no variable `{key}`"))
        .value
        .clone()
}

#[test]
fn count_expands_names_addresses_networks_and_vars() {
    let lab = resolve(concat!(
        img!(),
        r#"network "seat-{index}" count=3 mode="isolated" cidr="10.10.{index}.0/24"
network "lan" cidr="10.0.0.0/24"
node "web-{index:02}" count=3 {
    interface network="lan" address="10.0.0.{index+10}"
    interface network="seat-{index}" address="10.10.{index}.5"
    cloud-init { vars { label "Seat {index+10:03}"; n 7; }; }
}
node "instructor" { interface network="seat-3" address="10.10.3.6"; }"#
    ));
    let names: Vec<&str> = lab.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["web-01", "web-02", "web-03", "instructor"]);
    let networks: Vec<(&str, Option<u32>, String)> = lab
        .networks
        .iter()
        .map(|n| {
            let cidr = n.ipv4.as_ref().map(|p| p.cidr.to_string());
            (n.name.as_str(), n.index, cidr.unwrap_or_default())
        })
        .collect();
    assert_eq!(
        networks,
        [
            ("seat-1", Some(1), "10.10.1.0/24".to_string()),
            ("seat-2", Some(2), "10.10.2.0/24".to_string()),
            ("seat-3", Some(3), "10.10.3.0/24".to_string()),
            ("lan", None, "10.0.0.0/24".to_string()),
        ]
    );
    for i in 1..=3u32 {
        let n = node(&lab, &format!("web-{i:02}"));
        assert_eq!(n.index, Some(i));
        let eth0 = interface(n, "eth0");
        assert_eq!(eth0.attachment, Attachment::Network("lan".into()));
        assert_eq!(eth0.address, Some(ip(&format!("10.0.0.{}", i + 10))));
        assert_eq!(eth0.prefix, Some(24));
        let eth1 = interface(n, "eth1");
        assert_eq!(eth1.attachment, Attachment::Network(format!("seat-{i}")));
        assert_eq!(eth1.address, Some(ip(&format!("10.10.{i}.5"))));
        assert_eq!(
            var(&n.cloud_init.vars, "label"),
            serde_json::json!(format!("Seat {:03}", i + 10))
        );
        assert_eq!(var(&n.cloud_init.vars, "n"), serde_json::json!(7));
    }
    assert_eq!(node(&lab, "instructor").index, None);
}

#[test]
fn defaults_are_merged_into_nodes() {
    let lab = resolve(
        r#"image "deb" url="https://x.test/deb.qcow2" unverified=#true
image "alpine" url="https://x.test/alpine.qcow2" unverified=#true
network "lan" cidr="10.0.0.0/24"
network "back" mode="isolated"
defaults {
    image "deb"
    cpus 2
    memory "512MiB"
    disk "scratch" size="1GiB"
    interface network="lan"
    cloud-init {
        user-data "u.yaml"
        network-config "n.yaml"
        vars { tz "UTC"; role "base"; }
    }
}
node "client"
node "server" {
    image "alpine"
    memory "2GiB"
    disk "data" size="10GiB" format="raw"
    interface network="back"
    cloud-init {
        user-data "s.yaml"
        vars { role "server"; }
    }
}"#,
    );
    let client = node(&lab, "client");
    assert_eq!(client.image, "deb");
    assert_eq!(client.cpus, 2);
    assert_eq!(client.memory, ByteSize::mib(512));
    let disks: Vec<(&str, ByteSize)> = client
        .disks
        .iter()
        .map(|d| (d.name.as_str(), d.size))
        .collect();
    assert_eq!(disks, [("scratch", ByteSize::gib(1))]);
    assert_eq!(client.interfaces.len(), 1);
    assert_eq!(
        client.interfaces[0].attachment,
        Attachment::Network("lan".into())
    );
    assert_eq!(client.cloud_init.user_data, Some(PathBuf::from("./u.yaml")));
    assert_eq!(
        client.cloud_init.network_config,
        Some(PathBuf::from("./n.yaml"))
    );
    assert_eq!(var(&client.cloud_init.vars, "role"), "base");
    assert_eq!(var(&client.cloud_init.vars, "tz"), "UTC");

    let server = node(&lab, "server");
    assert_eq!(server.image, "alpine", "the node's own setting wins");
    assert_eq!(server.cpus, 2, "unset on the node: from defaults");
    assert_eq!(server.memory, ByteSize::gib(2));
    let disks: Vec<(&str, DiskFormat)> = server
        .disks
        .iter()
        .map(|d| (d.name.as_str(), d.format))
        .collect();
    assert_eq!(disks, [("data", DiskFormat::Raw)], "disk list replaced");
    let interfaces: Vec<(&str, &Attachment)> = server
        .interfaces
        .iter()
        .map(|i| (i.name.as_str(), &i.attachment))
        .collect();
    assert_eq!(
        interfaces,
        [("eth0", &Attachment::Network("back".into()))],
        "interface list replaced"
    );
    assert_eq!(
        server.cloud_init.user_data,
        Some(PathBuf::from("./s.yaml")),
        "template paths per file: the node's own"
    );
    assert_eq!(
        server.cloud_init.network_config,
        Some(PathBuf::from("./n.yaml")),
        "template paths per file: the default's"
    );
    let keys: Vec<&str> = server.cloud_init.vars.keys().map(String::as_str).collect();
    assert_eq!(keys, ["role", "tz"]);
    assert_eq!(var(&server.cloud_init.vars, "role"), "server", "node wins");
    assert_eq!(
        var(&server.cloud_init.vars, "tz"),
        "UTC",
        "merged key by key"
    );
}

#[test]
fn default_host_is_local_qemu_system() {
    let lab = resolve(concat!(img!(), r#"node "a""#));
    assert_eq!(lab.hosts.len(), 1);
    let host = &lab.hosts[0];
    assert_eq!(host.name, "local");
    assert_eq!(host.uri.raw, "qemu:///system");
    assert_eq!(host.hypervisor, Hypervisor::Kvm);
    assert_eq!(host.accel, Some(Accel::Auto));
    assert_eq!(host.pool, "vlab");
    assert!(host.implicit);
    assert_eq!(node(&lab, "a").host, "local");
    assert_eq!(node(&lab, "a").hypervisor, Hypervisor::Kvm);
    assert_eq!(lab.name, "lab", "named after the file stem");
}

#[test]
fn a_single_declared_host_and_image_are_the_defaults() {
    let lab = resolve(
        r#"host "kvm1" uri="qemu+ssh://root@kvm1.test/system" accel="tcg" pool="fast"
image "deb" url="https://x.test/deb.qcow2" unverified=#true
node "a""#,
    );
    assert_eq!(
        lab.hosts.len(),
        1,
        "no implicit `local` next to a declared host"
    );
    let host = &lab.hosts[0];
    assert_eq!(host.name, "kvm1");
    assert!(!host.implicit);
    assert_eq!(host.accel, Some(Accel::Tcg));
    assert_eq!(host.pool, "fast");
    let a = node(&lab, "a");
    assert_eq!(a.host, "kvm1");
    assert_eq!(a.image, "deb");
    assert_eq!(a.cpus, 1);
    assert_eq!(a.memory, ByteSize::gib(1));
}

const MAC_LAB: &str = r#"lab "macs"
host "kvm" uri="qemu:///system"
host "xen" uri="xen+ssh://root@xen1.test/system"
image "img" url="https://x.test/i.qcow2" unverified=#true
network "lan" mode="isolated"
network "san" mode="isolated"
node "k-{index}" count=3 host="kvm" {
    interface network="lan"
    interface network="san"
}
node "x-{index}" count=3 host="xen" {
    interface network="lan"
    interface network="san"
}
node "fixed" host="kvm" { interface network="lan" mac="52:54:00:aa:bb:cc"; }
link "k-1:p2p" "k-2:p2p"
link "x-1:p2p" "x-2:p2p""#;

fn macs(lab: &Lab) -> Vec<(String, String, String, bool)> {
    lab.nodes
        .iter()
        .flat_map(|n| {
            n.interfaces.iter().map(|i| {
                (
                    n.name.clone(),
                    i.name.clone(),
                    i.mac.to_string(),
                    i.mac_derived,
                )
            })
        })
        .collect()
}

#[test]
fn derived_macs_are_stable_unique_and_use_the_hypervisor_prefix() {
    let first = macs(&resolve(MAC_LAB));
    let second = macs(&resolve(MAC_LAB));
    assert_eq!(first, second, "same lab text, same MACs");
    assert_eq!(first.len(), 3 * 2 + 3 * 2 + 1 + 4);

    let unique: BTreeSet<&str> = first.iter().map(|(_, _, mac, _)| mac.as_str()).collect();
    assert_eq!(unique.len(), first.len(), "MACs are unique: {first:?}");

    for (node, interface, mac, derived) in &first {
        if node == "fixed" {
            assert_eq!((mac.as_str(), *derived), ("52:54:00:aa:bb:cc", false));
            continue;
        }
        let expected = if node.starts_with("k-") {
            "52:54:00:"
        } else {
            "00:16:3e:"
        };
        assert!(derived, "{node}:{interface}");
        assert!(
            mac.starts_with(expected),
            "{node}:{interface} has {mac}, expected prefix {expected}"
        );
    }

    // Derived from lab, node and interface names: adding a node leaves the others alone,
    // renaming the lab changes them.
    let grown = macs(&resolve(&format!(
        "{MAC_LAB}\nnode \"extra\" host=\"kvm\" {{ interface network=\"lan\"; }}"
    )));
    assert_eq!(&grown[..first.len()], &first[..]);
    let renamed = macs(&resolve(&MAC_LAB.replace("lab \"macs\"", "lab \"other\"")));
    assert_ne!(renamed[0].2, first[0].2);
}

#[test]
fn links_add_an_interface_to_both_nodes() {
    let lab = resolve(concat!(
        img!(),
        r#"node "r1"
node "r2"
node "r3"
link "r1:eth1" "r2:eth1" cidr="10.255.0.0/30"
link "r1:eth2" "r3:eth1" cidr="10.255.0.4/31"
link "r2:eth2" "r3:eth2"
node "seat-{index}" count=2
link "seat-{index}:uplink" "r1:seat{index}" count=2"#
    ));
    let end = |n: &str, i: &str| {
        let iface = interface(node(&lab, n), i);
        (iface.address, iface.prefix, iface.attachment.clone())
    };
    let link = |name: &str| Attachment::Link(name.to_string());

    assert_eq!(
        end("r1", "eth1"),
        (Some(ip("10.255.0.1")), Some(30), link("r1:eth1--r2:eth1"))
    );
    assert_eq!(
        end("r2", "eth1"),
        (Some(ip("10.255.0.2")), Some(30), link("r1:eth1--r2:eth1"))
    );
    assert_eq!(
        end("r1", "eth2"),
        (Some(ip("10.255.0.4")), Some(31), link("r1:eth2--r3:eth1"))
    );
    assert_eq!(
        end("r3", "eth1"),
        (Some(ip("10.255.0.5")), Some(31), link("r1:eth2--r3:eth1"))
    );
    assert_eq!(end("r2", "eth2"), (None, None, link("r2:eth2--r3:eth2")));
    assert_eq!(end("r3", "eth2"), (None, None, link("r2:eth2--r3:eth2")));
    assert_eq!(
        end("seat-2", "uplink"),
        (None, None, link("seat-2:uplink--r1:seat2"))
    );
    assert_eq!(
        end("r1", "seat2"),
        (None, None, link("seat-2:uplink--r1:seat2"))
    );

    assert_eq!(lab.links.len(), 5);
    let first = &lab.links[0];
    assert_eq!(first.name, "r1:eth1--r2:eth1");
    assert_eq!(
        first.cidr.map(|c| c.to_string()).as_deref(),
        Some("10.255.0.0/30")
    );
    assert_eq!(first.host, "local");
    assert_eq!(
        (first.a.node.as_str(), first.a.interface.as_str()),
        ("r1", "eth1")
    );
    assert_eq!(first.a.address, Some(ip("10.255.0.1")));
    assert_eq!(first.b.address, Some(ip("10.255.0.2")));
    let r1: Vec<&str> = node(&lab, "r1")
        .interfaces
        .iter()
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(r1, ["eth1", "eth2", "seat1", "seat2"]);
}

#[test]
fn address_plans_default_gateway_and_dhcp_range() {
    let lab = resolve(
        r#"network "lan" cidr="192.168.10.0/24"
network "wide" cidr="10.1.0.0/16"
network "small" cidr="10.2.0.0/30"
network "custom" cidr="10.3.0.0/24" gateway="10.3.0.254" {
    dhcp start="10.3.0.100" end="10.3.0.199"
}
network "static" cidr="10.4.0.0/24" { dhcp #false; }
network "office" mode="bridge" bridge="br0" cidr="192.168.1.0/24" gateway="192.168.1.254"
network "l2" mode="isolated""#,
    );
    let plan = |name: &str| {
        let net = lab
            .network(name)
            .unwrap_or_else(|| panic!("no network `{name}`"));
        net.ipv4
            .as_ref()
            .map(|p| (p.gateway, p.dhcp.map(|r| (r.start, r.end))))
    };
    assert_eq!(
        plan("lan"),
        Some((
            ip("192.168.10.1"),
            Some((ip("192.168.10.128"), ip("192.168.10.254")))
        ))
    );
    assert_eq!(
        plan("wide"),
        Some((ip("10.1.0.1"), Some((ip("10.1.128.0"), ip("10.1.255.254")))))
    );
    assert_eq!(
        plan("small"),
        Some((ip("10.2.0.1"), Some((ip("10.2.0.2"), ip("10.2.0.2")))))
    );
    assert_eq!(
        plan("custom"),
        Some((ip("10.3.0.254"), Some((ip("10.3.0.100"), ip("10.3.0.199")))))
    );
    assert_eq!(plan("static"), Some((ip("10.4.0.1"), None)));
    assert_eq!(plan("office"), Some((ip("192.168.1.254"), None)));
    assert_eq!(plan("l2"), None);
    assert_eq!(
        lab.network("office").and_then(|n| n.bridge.as_deref()),
        Some("br0")
    );
}

#[test]
fn secret_variables_serialize_redacted() {
    let lab = resolve(concat!(
        img!(),
        r#"lab "demo" {
    vars {
        motd "hello"
        token "s3cr3t-lab" secret=#true
    }
}
node "a" {
    cloud-init {
        vars {
            role "web"
            password "s3cr3t-node" secret=#true
            replicas 3 secret=#false
        }
    }
}"#
    ));
    assert_eq!(
        var(&lab.vars, "token"),
        "s3cr3t-lab",
        "templates see the value"
    );
    assert!(lab.vars["token"].secret);
    assert!(!lab.vars["motd"].secret);
    let json = serde_json::to_value(&lab).expect("serializes");
    assert_eq!(json["vars"]["token"], "(secret)");
    assert_eq!(json["vars"]["motd"], "hello");
    let vars = &json["nodes"][0]["cloud_init"]["vars"];
    assert_eq!(vars["password"], "(secret)");
    assert_eq!(vars["role"], "web");
    assert_eq!(vars["replicas"], 3);
    let text = serde_json::to_string(&lab).expect("serializes");
    assert!(!text.contains("s3cr3t"), "a secret leaked: {text}");
}

#[test]
fn networks_are_placed_on_the_hosts_of_their_nodes() {
    let lab = resolve(concat!(
        img!(),
        r#"host "h1" uri="qemu:///system"
host "h2" uri="qemu+ssh://root@h2.test/system"
network "only-h2" mode="isolated"
network "both" mode="isolated"
network "unused" mode="isolated"
node "a" host="h2" { interface network="only-h2"; interface network="both"; }
node "b" host="h2" { interface network="only-h2"; }
node "c" host="h1" { interface network="both"; }"#
    ));
    let hosts = |name: &str| lab.network(name).map(|n| n.hosts.clone());
    assert_eq!(hosts("only-h2"), Some(vec!["h2".to_string()]));
    assert_eq!(
        hosts("both"),
        Some(vec!["h2".to_string(), "h1".to_string()])
    );
    assert_eq!(
        hosts("unused"),
        Some(vec!["h1".to_string()]),
        "a network without nodes goes to the first host"
    );
}

#[test]
fn xen_nodes_get_a_boot_mode_and_kvm_nodes_none() {
    let lab = resolve(concat!(
        img!(),
        r#"host "kvm" uri="qemu:///system"
host "xen" uri="xen:///system"
host "txen" uri="test:///default" hypervisor="xen"
defaults host="xen"
node "plain"
node "fast" xen-boot="pvh"
node "tested" host="txen"
node "k" host="kvm""#
    ));
    let boot = |n: &str| (node(&lab, n).hypervisor, node(&lab, n).xen_boot);
    assert_eq!(boot("plain"), (Hypervisor::Xen, Some(XenBoot::Hvm)));
    assert_eq!(boot("fast"), (Hypervisor::Xen, Some(XenBoot::Pvh)));
    assert_eq!(boot("tested"), (Hypervisor::Xen, Some(XenBoot::Hvm)));
    assert_eq!(boot("k"), (Hypervisor::Kvm, None));
    assert_eq!(lab.host("xen").and_then(|h| h.accel), None);
    assert_eq!(lab.host("kvm").and_then(|h| h.accel), Some(Accel::Auto));
    // Xen hosts carry Debian's firmware paths, copied onto their nodes; KVM has none.
    assert_eq!(
        lab.host("xen").and_then(|h| h.xen.clone()),
        Some(XenPaths::default())
    );
    assert_eq!(node(&lab, "plain").xen_paths, Some(XenPaths::default()));
    assert_eq!(lab.host("kvm").and_then(|h| h.xen.clone()), None);
    assert_eq!(node(&lab, "k").xen_paths, None);

    // `xen-boot` in defaults applies to Xen nodes and is ignored, without error, on KVM nodes.
    let lab = resolve(concat!(
        img!(),
        r#"host "kvm" uri="qemu:///system"
host "xen" uri="xen:///system"
defaults xen-boot="pv"
node "x" host="xen"
node "k" host="kvm""#
    ));
    assert_eq!(node(&lab, "x").xen_boot, Some(XenBoot::Pv));
    assert_eq!(node(&lab, "k").xen_boot, None);
}

#[test]
fn a_xen_host_overrides_each_firmware_path_and_keeps_the_others() {
    let lab = resolve(concat!(
        img!(),
        r#"host "x" uri="xen:///system" hvmloader="/usr/lib/xen/boot/hvmloader" pvgrub="/opt/grub/pv.bin"
node "a""#
    ));
    let expected = XenPaths {
        hvmloader: "/usr/lib/xen/boot/hvmloader".into(),
        pvgrub: "/opt/grub/pv.bin".into(),
        ..XenPaths::default()
    };
    assert_eq!(node(&lab, "a").xen_paths, Some(expected));
    assert_eq!(
        XenPaths::default().device_model,
        "/usr/libexec/xen-qemu-system-i386"
    );
}

#[test]
fn image_verification_is_recorded() {
    let lab = resolve(concat!(
        r#"image "sums" url="https://x.test/a.qcow2" checksums-url="https://x.test/SHA256SUMS"
image "inline" url="file:///var/lib/vlab/b.img" format="raw" checksum=""#,
        sha!(),
        r#"" {
    kernel "https://x.test/vmlinuz" checksum=""#,
        sha!(),
        r#""
    cmdline "console=ttyS0"
}
image "loose" url="http://x.test/c.qcow2" unverified=#true"#
    ));
    let sums = lab.image("sums").expect("image");
    assert_eq!(
        sums.verification,
        Verification::ChecksumsUrl("https://x.test/SHA256SUMS".into())
    );
    assert_eq!(sums.format, DiskFormat::Qcow2);
    let inline = lab.image("inline").expect("image");
    assert!(matches!(&inline.verification, Verification::Checksum(c) if c.hex == "0".repeat(64)));
    assert_eq!(inline.format, DiskFormat::Raw);
    assert_eq!(
        inline.kernel.as_ref().map(|k| k.url.as_str()),
        Some("https://x.test/vmlinuz")
    );
    assert_eq!(inline.cmdline.as_deref(), Some("console=ttyS0"));
    assert_eq!(
        lab.image("loose").map(|i| &i.verification),
        Some(&Verification::Unverified)
    );
}

#[test]
fn tests_are_checks_with_their_defaults_and_seats_expanded() {
    use std::time::Duration;
    use vlab::lab::CheckKind;
    let lab = resolve(concat!(
        img!(),
        r#"node "web"
node "db"
test "db-answers" { node "db"; command "awk '{index($0, \"x\")}' /etc/hosts"; exit-code 1; stdout-matches "^ok$"; retries 3; delay "0s"; timeout "5m"; }
test "web-reaches-db" { reach from="web" to="db"; }
test "db-ssh-here" { port to="db" port=22; }
seats 2 {
    node "pc-{seat}"
    test "pc-{seat}-up" { node "pc-{seat}"; command "echo {seat}"; stdout-contains "{seat}"; }
}
"#
    ));
    let names: Vec<&str> = lab.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "db-answers",
            "web-reaches-db",
            "db-ssh-here",
            "pc-1-up",
            "pc-2-up"
        ],
        "shared checks first, then each seat's"
    );
    let first = &lab.checks[0];
    assert_eq!(
        (first.retries, first.delay, first.timeout),
        (3, Duration::ZERO, Duration::from_secs(300))
    );
    let CheckKind::Command {
        node,
        command,
        expect,
    } = &first.kind
    else {
        panic!("a command: {first:?}");
    };
    assert_eq!(node, "db");
    assert_eq!(
        command, "awk '{index($0, \"x\")}' /etc/hosts",
        "a command's own braces are left alone"
    );
    assert_eq!(expect.exit_code, 1);
    assert_eq!(
        expect.stdout_matches.as_ref().map(|p| p.as_str()),
        Some("^ok$")
    );
    let reach = &lab.checks[1];
    assert_eq!(
        (reach.retries, reach.delay, reach.timeout),
        (0, Duration::from_secs(1), Duration::from_secs(60)),
        "the defaults"
    );
    assert_eq!(
        reach.kind,
        CheckKind::Reach {
            from: "web".into(),
            to: "db".into()
        }
    );
    assert_eq!(
        lab.checks[2].kind,
        CheckKind::Port {
            from: None,
            to: "db".into(),
            port: 22
        }
    );
    let seat_2 = &lab.checks[4];
    assert_eq!(seat_2.seat, Some(2));
    let CheckKind::Command {
        node,
        command,
        expect,
    } = &seat_2.kind
    else {
        panic!("a command: {seat_2:?}");
    };
    assert_eq!((node.as_str(), command.as_str()), ("pc-2", "echo 2"));
    assert_eq!(expect.stdout_contains.as_deref(), Some("2"));
}
