#!/usr/bin/env bash
# Sets up a fresh Debian 12 host for vlab and runs the main job.
#
# Today the main job is: build vlab, check the quick-start lab (printing its resolved
# nodes), and render its node's cloud-init data and NoCloud seed. Bringing the lab up on
# libvirt arrives with the converge work and will be added here. Needs no network beyond
# Debian's and crates.io's package registries.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh

need_cargo
ensure_build_deps

step "building vlab (release)"
cargo build --locked --release --quiet

step "validating labs/quickstart.kdl"
target/release/vlab validate -v -f labs/quickstart.kdl

out="${TMPDIR:-/tmp}/vlab-quickstart"
step "rendering the cloud-init data and seed of node vm into $out"
target/release/vlab render -f labs/quickstart.kdl vm --out "$out"

cat <<'MSG'

vlab is built: target/release/vlab
Next:
  target/release/vlab validate -f labs/web.kdl -v      # a 3-node lab, expanded
  target/release/vlab validate -f labs/classroom.kdl   # 12 seats, each on its own network
  target/release/vlab render -f labs/web.kdl web-1     # a node's cloud-init, printed
  target/release/vlab --help
MSG
