#!/usr/bin/env bash
# Benchmark: `vlab reset` of one seat (a Debian 12 cloud-init guest, the image that
# tests/guests/build-debian-image.sh builds) against making that seat again from scratch
# (`vlab destroy` + `vlab apply`, which boots the guest and runs cloud-init until its final
# message), alternating A B A B in the same run. Both sides end when the guest answers
# `vlab ssh SEAT -- true` with its host key checked; the reset side also reports how long
# `vlab reset` itself took. The base image stays on the host between rounds (destroy does
# not purge it), so neither side pays for a download or an upload.
#
# Usage: scripts/bench-reset.sh [ROUNDS]   (default 3; prints the figures for docs/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh

rounds="${1:-3}"
need_cargo
ensure_build_deps
ensure_libvirtd
ensure_packages mmdebstrap fdisk e2fsprogs openssh-client bc
cargo build --locked --release --quiet
vlab="$PWD/target/release/vlab"
as_root tests/guests/build-debian-image.sh target/debian-guest
image="$PWD/target/debian-guest"

work="$(mktemp -d)"
lab="$work/seat.kdl"
export VLAB_CACHE_DIR="$work/cache" VLAB_DATA_DIR="$work/data"
cleanup() {
    "$vlab" destroy -f "$lab" --auto-approve --purge-images -q >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

cat > "$lab" <<LAB
lab "bench-seat"
host "local" uri="qemu:///system" accel="tcg" pool="vlab-bench-seat"
image "debian-12" url="file://$image/debian-12.qcow2" checksums-url="file://$image/SHA256SUMS"
network "lan" cidr="10.85.0.0/24"
node "seat" {
    memory "1GiB"
    interface "eth0" network="lan" address="10.85.0.10"
    cloud-init { vars { user "student"; }; }
}
LAB

now() { date +%s.%N; }
# Seconds until the seat answers over ssh (host key checked), polled every 0.2 s.
until_ssh() {
    local start="$1"
    for _ in $(seq 1 3000); do
        if "$vlab" ssh -f "$lab" seat -- true >/dev/null 2>&1; then
            echo "$(now) - $start" | bc
            return 0
        fi
        sleep 0.2
    done
    echo "error: the seat did not answer over ssh" >&2
    return 1
}
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

step "first apply (pull, upload, boot, cloud-init, reset point)"
start="$(now)"
"$vlab" apply -f "$lab" --auto-approve -q
echo "    ready after $(until_ssh "$start") s"

resets=() reset_cmds=() rebuilds=()
for round in $(seq 1 "$rounds"); do
    "$vlab" ssh -f "$lab" seat -- "echo dirty > ~/damage" >/dev/null
    start="$(now)"
    "$vlab" reset -f "$lab" -q
    reset_cmds+=("$(echo "$(now) - $start" | bc)")
    resets+=("$(until_ssh "$start")")
    "$vlab" ssh -f "$lab" seat -- "test ! -e ~/damage" || { echo "error: the reset seat still has the damage" >&2; exit 1; }
    echo "round $round A: vlab reset ${reset_cmds[-1]} s, answers over ssh after ${resets[-1]} s"

    start="$(now)"
    "$vlab" destroy -f "$lab" --auto-approve -q
    "$vlab" apply -f "$lab" --auto-approve -q
    rebuilds+=("$(until_ssh "$start")")
    echo "round $round B: destroy + apply, answers over ssh after ${rebuilds[-1]} s"
done

a="$(printf '%s\n' "${resets[@]}" | median)"
r="$(printf '%s\n' "${reset_cmds[@]}" | median)"
b="$(printf '%s\n' "${rebuilds[@]}" | median)"
echo
echo "median over $rounds rounds: reset $a s (the command: $r s), destroy + apply $b s, ratio $(echo "scale=1; $b / $a" | bc)x"
