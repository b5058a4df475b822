#!/usr/bin/env bash
# The slow test tier: vlab converges Xen guests on a real Xen host, from outside.
#
# It builds a Xen 4.17 host with a Debian dom0 (tests/guests/build-xen-host.sh), boots it under
# QEMU software emulation (tests/guests/boot-xen-host.sh) and then drives it with the release
# vlab binary over xen+ssh://, as an administrator would drive a remote Xen server:
#   1. `vlab apply` brings up, on a vlab NAT network in the dom0 (libvirt's dnsmasq serves the
#      leases): a PV guest with a static address and a PVH guest on DHCP, both the tiny test
#      guest (tests/guests/build-tiny-guest.sh: a busybox initramfs), and a PVH guest from a
#      real Debian 12 cloud image with cloud-init (tests/guests/build-debian-image.sh), all
#      three booted from their image's kernel and initrd; apply returns once each guest is
#      ready (vlab reads the Xen consoles through libvirt: the tiny guest's marker,
#      cloud-init's final message);
#   2. the tiny guests find vlab's cidata seed on a read-only xvd disk and print its
#      instance-id, hostname and address on the Xen console, which xenconsoled logs in the
#      dom0; the test compares them with what `vlab render` says the node should have;
#   3. the Debian guest's cloud-init reports on the Xen console that it finished; the test
#      then logs in over SSH (through the dom0) as the lab's user with the lab's key and checks
#      `cloud-init status`, the hostname, the static address and that the guest runs as PVH;
#   4. `vlab plan --detailed-exitcode` then exits 0 (nothing to change);
#   5. `vlab destroy --auto-approve --purge-images` removes the guests, the network and the
#      volumes, and virsh confirms that nothing of the lab is left on the host.
# Every stage is timed; the table at the end is what docs/benchmarks.md records.
#
# Usage (as root, on Debian 12): scripts/test-xen.sh
# Needs about 5 GB of RAM (a 4 GiB emulated machine) and 2 GB of disk; takes 5-15 minutes
# (the first run also downloads about 300 MB of Debian packages for the dom0 image, which
# later runs reuse from target/xen-host until build-xen-host.sh changes).
# Environment: XEN_HOST_* as in tests/guests/boot-xen-host.sh; VLAB_XEN_DEBIAN=0 leaves the
# Debian guest out (saves its image build, about 2 minutes, and its boot, 3-10 minutes);
# VLAB_XEN_GUEST_DEADLINE (seconds for each tiny guest to report ready, default 900) and
# VLAB_XEN_DEBIAN_DEADLINE (for the Debian guest's cloud-init to finish, default 2400: Debian
# with cloud-init under Xen under QEMU emulation boots in 5-20 minutes on a loaded 2-core
# machine).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh

root_dir="$(pwd)"
host_dir="$root_dir/target/xen-host"
guest_dir="$root_dir/target/tiny-guest"
debian_dir="$root_dir/target/debian-guest"
with_debian="${VLAB_XEN_DEBIAN:-1}"
deadline="${VLAB_XEN_GUEST_DEADLINE:-900}"
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

if [ "$with_debian" = 1 ]; then
    begin "build the Debian 12 cloud image (cached)"
    as_root tests/guests/build-debian-image.sh "$debian_dir"
    end
fi

begin "boot Xen + dom0 until libvirt answers"
"$boot" start
uri="$("$boot" uri)"
end

sum() { awk -v f="$2" '$2 == f {print $1}' "$1/SHA256SUMS"; }
# The host's opt-in for the URI parameters that need one (the dom0's URI has keyfile and
# no_verify): exactly the parameters of "$1", less the free ones (docs/lab-language.md,
# "Host URIs"). Prints nothing for a URI without them.
uri_opt_in() {
    local query names
    case "$1" in *'?'*) query="${1#*\?}" ;; *) return 0 ;; esac
    names="$(printf '%s\n' "$query" | tr '&' '\n' | cut -d= -f1 | grep -vx -e mode -e proxy -e no_tty |
        sed 's/.*/"&"/' | tr '\n' ' ')"
    [ -n "$names" ] && printf ' { allow-uri-params %s; }' "${names% }"
    return 0
}
cat > "$lab" <<KDL
lab "$lab_name" {
    // Any key will do: the tiny guest runs no sshd; vlab warns about a lab without one.
    ssh-key "$(cat "$host_dir/id_ed25519.pub")"
}
host "xen" uri="$uri"$(uri_opt_in "$uri")
image "tiny" url="file://$guest_dir/root.raw" checksums-url="file://$guest_dir/SHA256SUMS" format="raw" {
    kernel "file://$guest_dir/vmlinuz" checksum="sha256:$(sum "$guest_dir" vmlinuz)"
    initrd "file://$guest_dir/initrd.gz" checksum="sha256:$(sum "$guest_dir" initrd.gz)"
    cmdline "console=hvc0"
    // vlab apply waits, reading the Xen console through libvirt, until the guest says so.
    ready "console" marker="vlab-tiny: ready" timeout="15m"
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
if [ "$with_debian" = 1 ]; then
    cat >> "$lab" <<KDL
// Debian's cloud kernel as PVH, its root on the image's first partition (xvda1).
image "debian-12" url="file://$debian_dir/debian-12.qcow2" checksums-url="file://$debian_dir/SHA256SUMS" {
    kernel "file://$debian_dir/vmlinuz"
    initrd "file://$debian_dir/initrd.img"
    cmdline "root=/dev/xvda1 ro console=hvc0"
    // vlab apply waits for cloud-init's final message on the Xen console; under two layers
    // of emulation that takes 5-20 minutes.
    ready "cloud-init" timeout="40m"
}
node "debian" {
    image "debian-12"
    xen-boot "pvh"
    memory "512MiB"
    interface "eth0" network="lan" address="10.97.0.20"
    cloud-init {
        vars { user "admin"; }
    }
}
KDL
fi
echo "lab file:"
sed 's/^/    /' "$lab"
run_vlab() { "$vlab" --color never "$@" -f "$lab"; }

begin "vlab apply ($(grep -c '^node ' "$lab") guests, until each is ready)"
run_vlab apply --auto-approve
end

# Waits in the dom0 (one ssh session, polling there) until the node's Xen console log, as
# xenconsoled writes it, has a line matching each extended regular expression given.
await_console() {
    local node="$1" log="/var/log/xen/console/guest-${lab_name}_$1.log" checks="" pattern
    shift
    for pattern in "$@"; do checks="$checks && grep -aEq \"$pattern\" $log"; done
    echo "waiting up to ${deadline}s for ${lab_name}_$node to print: $*"
    if ! "$boot" ssh "timeout $deadline sh -c 'until [ -f $log ] $checks; do sleep 1; done'"; then
        echo "console of ${lab_name}_$node so far:" >&2
        "$boot" ssh "tail -n 40 $log" >&2 || true
        fail "${lab_name}_$node did not print all of [$*] within ${deadline}s"
    fi
}
instance_id() {
    run_vlab render "$1" --json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["instance_id"])'
}
# The tiny guest's report: its instance-id from the seed, then `ready`; keeps its lines.
await_tiny() {
    local node="$1"
    await_console "$node" "vlab-tiny: instance-id $(instance_id "$node")" "vlab-tiny: ready"
    "$boot" ssh "grep -a '^vlab-tiny:' /var/log/xen/console/guest-${lab_name}_$node.log" |
        tr -d '\r' | sed "s/^/    $node: /" | tee "$work/$node.console"
}

begin "PV guest reads its seed and reports ready"
await_tiny pv
grep -q "vlab-tiny: hostname pv$" "$work/pv.console" || fail "the PV guest did not report hostname pv"
grep -q "vlab-tiny: eth0 10.97.0.10$" "$work/pv.console" || fail "the PV guest did not take its static address 10.97.0.10"
end

begin "PVH guest reads its seed and reports ready"
await_tiny pvh
grep -q "vlab-tiny: hostname pvh$" "$work/pvh.console" || fail "the PVH guest did not report hostname pvh"
grep -Eq "vlab-tiny: eth0 10\.97\.0\.(1[0-4][0-9]|150)$" "$work/pvh.console" ||
    fail "the PVH guest got no DHCP lease in 10.97.0.100-150 on vlab's network"
end

# The Debian guest, over SSH through the dom0 as the lab's user with the lab's key.
in_debian() {
    local proxy="ssh -i $host_dir/id_ed25519 -p ${XEN_HOST_SSH_PORT:-22222} -o StrictHostKeyChecking=no"
    proxy="$proxy -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -W %h:%p root@127.0.0.1"
    ssh -i "$host_dir/id_ed25519" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
        -o LogLevel=ERROR -o BatchMode=yes -o ConnectTimeout=20 -o ProxyCommand="$proxy" \
        admin@10.97.0.20 "$@"
}
if [ "$with_debian" = 1 ]; then
    begin "Debian PVH guest: cloud-init finishes"
    deadline="${VLAB_XEN_DEBIAN_DEADLINE:-2400}" await_console debian "Cloud-init v\. .* finished at"
    "$boot" ssh "grep -a 'Cloud-init v\. .* finished at' /var/log/xen/console/guest-${lab_name}_debian.log" |
        tr -d '\r' | sed 's/^/    debian: /'
    end

    begin "Debian PVH guest: SSH login and checks"
    status="$(in_debian cloud-init status --long)" || fail "cloud-init status in the Debian guest failed: $status"
    echo "$status" | sed 's/^/    /'
    grep -q "^status: done" <<<"$status" || fail "cloud-init did not finish cleanly in the Debian guest"
    [ "$(in_debian hostname)" = debian ] || fail "the Debian guest's hostname is not debian"
    guest_type="$(in_debian cat /sys/hypervisor/guest_type)"
    [ "$guest_type" = PVH ] || fail "the Debian guest runs as '$guest_type', not PVH"
    in_debian ip -4 -o addr show dev eth0 | grep -q "inet 10.97.0.20/24" ||
        fail "the Debian guest does not have its static address 10.97.0.20"
    echo "    admin@debian: hostname debian, guest type $guest_type, eth0 10.97.0.20/24"
    end
fi

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
