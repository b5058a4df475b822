#!/usr/bin/env bash
# Benchmark on a real Xen host: `vlab apply` of one PV tiny guest until it is ready (apply
# returns when the guest has printed its ready line on the Xen console, which vlab reads
# through libvirt over xen+ssh://) against the floor measured in the same run: plain
# `virsh -c xen+ssh://... create` of the same domain XML (the XML vlab defined; its overlay
# disk and seed already in place), timed until the guest's console log in the dom0 shows the
# ready line. Runs alternate, floor first. Base images are pushed beforehand: neither side
# pays for uploads.
#
# The Xen host is the one of the Xen test tier (tests/guests/build-xen-host.sh, booted under
# QEMU software emulation by tests/guests/boot-xen-host.sh); this script builds, boots and
# stops it.
#
# Usage (as root): scripts/bench-xen.sh [RUNS]   (default 5; prints the figures for
# docs/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh

runs="${1:-5}"
need_cargo
ensure_build_deps
ensure_packages mmdebstrap e2fsprogs qemu-system-x86 qemu-utils libvirt-clients openssh-client cpio lz4 xz-utils bc
cargo build --locked --release --quiet
vlab="$PWD/target/release/vlab"
host_dir="$PWD/target/xen-host"
guest="$PWD/target/tiny-guest"
boot="$PWD/tests/guests/boot-xen-host.sh"
export XEN_HOST_DIR="$host_dir"
as_root tests/guests/build-xen-host.sh "$host_dir"
tests/guests/build-tiny-guest.sh "$guest"

work="$(mktemp -d)"
lab="$work/bench.kdl"
export VLAB_CACHE_DIR="$work/cache"
cleanup() {
    "$boot" stop || true
    rm -rf "$work"
}
trap cleanup EXIT

step "booting the Xen host"
"$boot" start
uri="$("$boot" uri)"

sum() { awk -v f="$2" '$2 == f {print $1}' "$guest/SHA256SUMS"; }
cat > "$lab" <<LAB
lab "xbench"
host "xen" uri="$uri" { allow-uri-params "keyfile" "no_verify"; }
image "tiny" url="file://$guest/root.raw" checksums-url="file://$guest/SHA256SUMS" format="raw" {
    kernel "file://$guest/vmlinuz" checksum="sha256:$(sum "$guest" vmlinuz)"
    initrd "file://$guest/initrd.gz" checksum="sha256:$(sum "$guest" initrd.gz)"
    ready "console" marker="vlab-tiny: ready" timeout="5m"
}
node "pv" host="xen" image="tiny" memory="128MiB" xen-boot="pv"
LAB
domain=xbench_pv
log="/var/log/xen/console/guest-$domain.log"
run_vlab() { "$vlab" --color never -q "$@" -f "$lab"; }

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }

step "preparing: images pushed, one apply to render the domain"
run_vlab image push
run_vlab apply --auto-approve
virsh -q -c "$uri" dumpxml "$domain" > "$work/$domain.xml"

floor_run() { # the same domain, created by hand; its console log polled in the dom0
    run_vlab destroy --auto-approve >/dev/null
    run_vlab apply --auto-approve --no-wait >/dev/null
    virsh -q -c "$uri" destroy "$domain" >/dev/null
    virsh -q -c "$uri" undefine "$domain" >/dev/null
    "$boot" ssh ": > $log"
    # The poller runs in the dom0 before the clock starts; it looks every 0.2 s (a grep in
    # the emulated dom0 costs milliseconds of its CPU, which the guest shares: polling every
    # 50 ms slowed the guest down), so it adds 0.1 s on average to the floor.
    "$boot" ssh "until grep -aq 'vlab-tiny: ready' $log 2>/dev/null; do sleep 0.2; done" &
    local poller=$! t0
    sleep 3
    t0="$(now)"
    virsh -q -c "$uri" create "$work/$domain.xml" >/dev/null
    wait "$poller"
    elapsed "$t0"
}

vlab_run() { # from nothing of the lab but the base images: disks, seed, domain, readiness
    run_vlab destroy --auto-approve >/dev/null
    local t0
    t0="$(now)"
    run_vlab apply --auto-approve >/dev/null
    elapsed "$t0"
}

step "timing ($runs runs each, alternating)"
floors=()
applies=()
for i in $(seq 1 "$runs"); do
    f="$(floor_run)"
    floors+=("$f")
    a="$(vlab_run)"
    applies+=("$a")
    printf 'run %d: virsh create %6.2f s   vlab apply %6.2f s\n' "$i" "$f" "$a"
done
run_vlab destroy --auto-approve --purge-images >/dev/null

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mf="$(median "${floors[@]}")"
ma="$(median "${applies[@]}")"
printf '\nvirsh create: %s s\nvlab apply:   %s s\n' "${floors[*]}" "${applies[*]}"
printf 'median virsh create %.2f s, median vlab apply %.2f s, ratio %.2f\n' "$mf" "$ma" "$(echo "$ma / $mf" | bc -l)"
