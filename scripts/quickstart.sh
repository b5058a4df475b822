#!/usr/bin/env bash
# Sets up a fresh Debian 12 host for vlab and runs the main job.
#
# The main job: install and start libvirt and QEMU, build vlab and the offline demo image
# (vlab's tiny guest, from Debian packages), bring up labs/demo.kdl (two guests on one
# network; `vlab apply` waits until both guests report ready on their consoles), print
# what their consoles said and `vlab status`, then log into them over SSH for real: the
# tiny guest runs dropbear with the user, key and host key from vlab's seed, and vlab
# checks that host key against the one it pinned (`vlab ssh`, `vlab exec`), and run the
# lab's checks in them (`vlab test`).
# Needs no network beyond Debian's and crates.io's package registries.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh

need_cargo
ensure_build_deps
ensure_libvirtd
ensure_packages cpio lz4 xz-utils e2fsprogs openssh-client

step "building vlab (release)"
cargo build --locked --release --quiet

step "building the offline demo image into /var/lib/vlab/demo"
as_root tests/guests/build-tiny-guest.sh /var/lib/vlab/demo

step "bringing up labs/demo.kdl (apply returns when both guests print their ready line)"
target/release/vlab apply -f labs/demo.kdl --auto-approve

step "what the guests printed on their serial consoles (vlab console NODE --log)"
for node in alpha beta; do
    target/release/vlab console -f labs/demo.kdl "$node" --log --tail 60 |
        tr -d '\r' | grep -a "^vlab-tiny:" | sed "s/^/  $node: /"
done

step "vlab status"
target/release/vlab status -f labs/demo.kdl

step "vlab ssh alpha -- uname -a (the guest's host key checked against vlab's pin)"
target/release/vlab ssh -f labs/demo.kdl alpha -- uname -a

step "vlab exec --all -- hostname"
target/release/vlab exec -f labs/demo.kdl --all -- hostname

step "vlab test (the lab's checks, run in the guests)"
target/release/vlab test -f labs/demo.kdl

cat <<'MSG'

The demo lab is up. Next:
  target/release/vlab plan -f labs/demo.kdl            # nothing to do: the hosts match
  target/release/vlab render -f labs/demo.kdl alpha    # a node's cloud-init data
  target/release/vlab ssh -f labs/demo.kdl beta        # a shell on beta over SSH
  target/release/vlab console -f labs/demo.kdl alpha   # alpha's serial console; Ctrl-] detaches
  target/release/vlab destroy -f labs/demo.kdl         # remove exactly what the lab owns
  target/release/vlab validate -f labs/classroom.kdl   # 12 seats, each on its own network
MSG
