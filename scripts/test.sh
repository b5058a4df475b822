#!/usr/bin/env bash
# Runs vlab's whole test suite on a fresh Debian 12 machine (as root, or with sudo).
#
# It installs what the tests need (build dependencies, libvirtd, started here since there is
# no systemd), then runs, in order: formatting and lint checks, the unit, CLI, download and
# libvirt tests, and the example-lab validation. Exit code: 0 when everything passed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh

need_cargo
ensure_build_deps
# The image tests serve images from their own HTTP server on 127.0.0.1; the pool tests
# upload them into a real libvirtd.
ensure_libvirtd
# Independent readers of what vlab renders: cloud-init's schema validator and network
# parser, mtools for the vfat seed, and xmllint under virt-xml-validate for domain XML;
# cpio builds the tiny test guest's initramfs (tests/guests/build-tiny-guest.sh).
ensure_packages cloud-init mtools python3-yaml libxml2-utils cpio
# The Debian 12 cloud image of the end-to-end test (tests/guests/build-debian-image.sh):
# mmdebstrap from Debian's mirror, sfdisk and mkfs.ext4 for its disk; the test logs in with ssh.
ensure_packages mmdebstrap fdisk e2fsprogs openssh-client
# The same libvirtd over qemu+ssh://, as a remote host is reached.
VLAB_TEST_SSH_URI="$(ensure_ssh_loopback "${TMPDIR:-/tmp}/vlab-test-ssh")"
export VLAB_TEST_SSH_URI

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --locked --all-targets --features host-tests -- -D warnings

step "Debian 12 cloud image for tests/debian_guest.rs (reused while the script is unchanged)"
as_root tests/guests/build-debian-image.sh target/debian-guest

step "cargo test (unit, CLI, image downloads, libvirt pool uploads, guests)"
cargo test --locked --features host-tests

step "validate every example lab with the release binary"
cargo build --locked --release --quiet
for lab in labs/*.kdl; do
    target/release/vlab validate --quiet -f "$lab"
    echo "ok   $lab"
done

step "all tests passed"
