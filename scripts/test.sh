#!/usr/bin/env bash
# Runs vlab's whole test suite on a fresh Debian 12 machine (as root, or with sudo).
#
# It installs what the tests need, then runs, in order: formatting and lint checks, the unit
# and CLI tests, and the example-lab validation. Later tiers (libvirt end-to-end, Xen) add
# their setup here. Exit code: 0 when everything passed.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh

need_cargo
# Build tools for crates that compile C (ring, libvirt bindings later): gcc, pkg-config.
ensure_packages gcc pkg-config

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --locked --all-targets -- -D warnings

step "cargo test"
cargo test --locked

step "validate every example lab with the release binary"
cargo build --locked --release --quiet
for lab in labs/*.kdl; do
    target/release/vlab validate --quiet -f "$lab"
    echo "ok   $lab"
done

step "all tests passed"
