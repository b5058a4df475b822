#!/usr/bin/env bash
# The slow test tier: vlab converges Xen guests on a real Xen host, from outside.
#
# It builds a Xen 4.17 host with a Debian dom0 (tests/guests/build-xen-host.sh), boots it under
# QEMU software emulation (tests/guests/boot-xen-host.sh) and then drives it with the release
# vlab binary over xen+ssh://, as an administrator would drive a remote Xen server:
#   1. `vlab apply` brings up a PV guest with a static address and a PVH guest on DHCP, both the
#      tiny test guest (tests/guests/build-tiny-guest.sh) booted from its kernel and initrd, on a
#      vlab NAT network in the dom0 (libvirt's dnsmasq serves the lease);
#   2. each guest finds vlab's cidata seed on a read-only xvd disk and prints its instance-id,
#      hostname and address on the Xen console, which xenconsoled logs in the dom0; the test
#      compares them with what `vlab render` says the node should have;
#   3. `vlab plan --detailed-exitcode` then exits 0 (nothing to change);
#   4. `vlab destroy --auto-approve --purge-images` removes the guests, the network and the
#      volumes, and virsh confirms that nothing of the lab is left on the host.
# Every stage is timed; the table at the end is what docs/benchmarks.md records.
#
# Usage (as root, on Debian 12): scripts/test-xen.sh
# Needs about 5 GB of RAM (a 4 GiB emulated machine) and 2 GB of disk; takes 5-15 minutes
# (the first run also downloads about 300 MB of Debian packages for the dom0 image, which
# later runs reuse from target/xen-host until build-xen-host.sh changes).
# Environment: XEN_HOST_* as in tests/guests/boot-xen-host.sh; VLAB_XEN_GUEST_DEADLINE
# (seconds for each guest to report ready, default 600).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh

root_dir="$(pwd)"
host_dir="$root_dir/target/xen-host"
guest_dir="$root_dir/target/tiny-guest"
boot="$root_dir/tests/guests/boot-xen-host.sh"
export XEN_HOST_DIR="$host_dir"
lab_name="xen-e2e"
work="$(mktemp -d)"
lab="$work/lab.kdl"
vlab="$root_dir/target/release/vlab"
export VLAB_CACHE_DIR="$work/cache"

# Stage timings, printed at the end (and on failure, up to the failing stage).
timings=()
stage_start=0
begin() {
    step "$*"
    stage_name="$*"
    stage_start=$SECONDS
}
end() {
    timings+=("$(printf '%-52s %5ss' "$stage_name" $((SECONDS - stage_start)))")
}
report() {
    printf '\n==> durations\n'
    printf '  %s\n' "${timings[@]}"
    printf '  %-52s %5ss\n' "total" "$SECONDS"
}
fail() {
    echo "error: $*" >&2
    exit 1
}
cleanup() {
    local status=$?
    # Leave nothing running: the Xen host's QEMU is stopped whatever happened.
    "$boot" stop || true
    rm -rf "$work"
    [ $status -eq 0 ] || { report; echo "test-xen: FAILED" >&2; }
}
trap cleanup EXIT

need_cargo
ensure_build_deps
# mmdebstrap and e2fsprogs build the dom0 image; QEMU runs it; virsh and ssh reach it;
# cpio packs the tiny guest's initramfs.
ensure_packages mmdebstrap e2fsprogs qemu-system-x86 qemu-utils libvirt-clients openssh-client cpio

begin "build vlab (release)"
cargo build --locked --release --quiet
end

begin "build the Xen host image (cached)"
as_root tests/guests/build-xen-host.sh "$host_dir"
end

begin "build the tiny guest (cached)"
tests/guests/build-tiny-guest.sh "$guest_dir"
end

begin "boot Xen + dom0 until libvirt answers"
"$boot" start
uri="$("$boot" uri)"
end

sum() { awk -v f="$2" '$2 == f {print $1}' "$1/SHA256SUMS"; }
cat > "$lab" <<KDL
lab "$lab_name" {
    // Any key will do: the tiny guest runs no sshd; vlab warns about a lab without one.
    ssh-key "$(cat "$host_dir/id_ed25519.pub")"
}
host "xen" uri="$uri"
image "tiny" url="file://$guest_dir/root.raw" checksums-url="file://$guest_dir/SHA256SUMS" format="raw" {
    kernel "file://$guest_dir/vmlinuz" checksum="sha256:$(sum "$guest_dir" vmlinuz)"
    initrd "file://$guest_dir/initrd.gz" checksum="sha256:$(sum "$guest_dir" initrd.gz)"
    cmdline "console=hvc0"
}
// A NAT network inside the dom0, with libvirt's DHCP.
network "lan" mode="nat" cidr="10.97.0.0/24" {
    dhcp start="10.97.0.100" end="10.97.0.150"
}
defaults {
    host "xen"
    image "tiny"
    memory "128MiB"
}
node "pv" {
    xen-boot "pv"
    interface network="lan" address="10.97.0.10"
}
node "pvh" {
    xen-boot "pvh"
    interface network="lan"
}
KDL
echo "lab file:"
sed 's/^/    /' "$lab"
run_vlab() { "$vlab" --color never "$@" -f "$lab"; }

begin "vlab apply (2 guests: PV, PVH)"
run_vlab apply --auto-approve
end

# Waits in the dom0 (one ssh session, polling there) until the guest's Xen console log says
# `vlab-tiny: ready` after printing this node's instance-id; prints the guest's lines.
await_guest() {
    local node="$1" domain="${lab_name}_$1" id log
    id="$(run_vlab render "$node" --json | /usr/bin/python3 -c 'import json,sys; print(json.loads(sys.stdin.read())["instance_id"])')"
    log="/var/log/xen/console/guest-$domain.log"
    echo "waiting for $domain to print instance-id $id and ready ($log in the dom0)"
    if ! "$boot" ssh "timeout ${VLAB_XEN_GUEST_DEADLINE:-600} sh -c 'until grep -q \"vlab-tiny: instance-id $id\" $log 2>/dev/null && grep -q \"vlab-tiny: ready\" $log; do sleep 1; done'"; then
        echo "console of $domain so far:" >&2
        "$boot" ssh "tail -n 40 $log" >&2 || true
        fail "$domain did not report ready with instance-id $id within ${VLAB_XEN_GUEST_DEADLINE:-600}s"
    fi
    "$boot" ssh "grep -a '^vlab-tiny:' $log" | tr -d '\r' | sed "s/^/    $domain: /" | tee "$work/$node.console"
}

begin "PV guest reads its seed and reports ready"
await_guest pv
grep -q "vlab-tiny: hostname pv$" "$work/pv.console" || fail "the PV guest did not report hostname pv"
grep -q "vlab-tiny: eth0 10.97.0.10$" "$work/pv.console" || fail "the PV guest did not take its static address 10.97.0.10"
end

begin "PVH guest reads its seed and reports ready"
await_guest pvh
grep -q "vlab-tiny: hostname pvh$" "$work/pvh.console" || fail "the PVH guest did not report hostname pvh"
grep -Eq "vlab-tiny: eth0 10\.97\.0\.(1[0-4][0-9]|150)$" "$work/pvh.console" ||
    fail "the PVH guest got no DHCP lease in 10.97.0.100-150 on vlab's network"
end

begin "vlab status"
run_vlab status
end

begin "vlab plan --detailed-exitcode (expect no changes)"
set +e
run_vlab plan --detailed-exitcode
plan_status=$?
set -e
[ $plan_status -eq 0 ] || fail "vlab plan after apply exited $plan_status, expected 0 (no changes)"
end

begin "vlab destroy --purge-images"
run_vlab destroy --auto-approve --purge-images
end

begin "check with virsh that nothing of the lab remains"
leftover="$(
    virsh -c "$uri" list --all --name | grep "^${lab_name}_" || true
    virsh -c "$uri" net-list --all --name | grep "^vlab_${lab_name}_" || true
    for pool in $(virsh -c "$uri" pool-list --all --name); do
        virsh -c "$uri" vol-list "$pool" 2>/dev/null | awk 'NR > 2 && NF {print $1}' |
            grep -E "^vlab_${lab_name}_|^vlab-base-" | sed "s|^|$pool/|" || true
    done
)"
[ -z "$leftover" ] || fail "left on the Xen host after destroy: $leftover"
echo "no domain, network or volume of the lab is left"
end

begin "stop the Xen host"
"$boot" stop
end

report
step "Xen tests passed"
