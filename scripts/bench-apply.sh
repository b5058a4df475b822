#!/usr/bin/env bash
# Benchmark: `vlab apply` of a 5-node lab of tiny guests until every guest has booted
# (apply returns when each has printed its ready line), against the floor measured in the
# same run: plain `virsh create` of the same five domains (the XML vlab defined, disks,
# seeds and network already in place), timed until every console log shows the ready line.
# Also times a no-op `vlab plan` of the converged lab. Base images are pulled and pushed
# beforehand: neither side pays for downloads or uploads.
#
# Usage: scripts/bench-apply.sh [RUNS]   (default 3; prints the figures for docs/benchmarks.md)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh

runs="${1:-3}"
need_cargo
ensure_build_deps
ensure_libvirtd
ensure_packages cpio lz4 xz-utils e2fsprogs bc
cargo build --locked --release --quiet
vlab="$PWD/target/release/vlab"
tests/guests/build-tiny-guest.sh target/tiny-guest
guest="$PWD/target/tiny-guest"

work="$(mktemp -d)"
lab="$work/bench.kdl"
export VLAB_CACHE_DIR="$work/cache"
cleanup() {
    "$vlab" destroy -f "$lab" --auto-approve --purge-images -q >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

cat > "$lab" <<LAB
lab "bench"
host "local" uri="qemu:///system" accel="tcg" pool="vlab-bench"
image "tiny" url="file://$guest/root.raw" checksums-url="file://$guest/SHA256SUMS" format="raw" {
    kernel "file://$guest/vmlinuz"
    initrd "file://$guest/initrd.gz"
    cmdline "console=ttyS0"
    ready "console" marker="vlab-tiny: ready" timeout="5m"
}
network "lan" cidr="10.95.0.0/24"
defaults { memory "128MiB"; }
node "n{index}" count=5 { interface network="lan" address="10.95.0.{index+10}"; }
LAB
domains=(bench_n1 bench_n2 bench_n3 bench_n4 bench_n5)

now() { date +%s.%N; }
elapsed() { echo "$(now) - $1" | bc; }

step "preparing: images pulled and pushed, one apply to render the domains"
"$vlab" image push -f "$lab" -q
"$vlab" apply -f "$lab" --auto-approve -q
for d in "${domains[@]}"; do virsh -q -c qemu:///system dumpxml "$d" > "$work/$d.xml"; done

# A domain's console log: a file in the lab's pool (vlab_<lab>_<node>_console.log).
console_log() { echo "/var/lib/libvirt/images/vlab-bench/vlab_bench_${1#bench_}_console.log"; }

wait_ready_logs() {
    for d in "${domains[@]}"; do
        log="$(console_log "$d")"
        until grep -aq "vlab-tiny: ready" "$log" 2>/dev/null; do sleep 0.05; done
    done
}

floor_run() { # the same domains, started by hand, console logs polled
    "$vlab" destroy -f "$lab" --auto-approve -q >/dev/null
    "$vlab" apply -f "$lab" --auto-approve -q --no-wait >/dev/null
    for d in "${domains[@]}"; do
        virsh -q -c qemu:///system destroy "$d" >/dev/null
        virsh -q -c qemu:///system undefine "$d" >/dev/null
        : > "$(console_log "$d")"
    done
    local t0; t0="$(now)"
    for d in "${domains[@]}"; do virsh -q -c qemu:///system create "$work/$d.xml" >/dev/null; done
    wait_ready_logs
    elapsed "$t0"
}

vlab_run() { # from nothing of the lab but the base images: network, disks, seeds, domains
    "$vlab" destroy -f "$lab" --auto-approve -q >/dev/null
    local t0; t0="$(now)"
    "$vlab" apply -f "$lab" --auto-approve -q >/dev/null
    elapsed "$t0"
}

step "timing ($runs runs each, alternating)"
floors=(); applies=()
for i in $(seq 1 "$runs"); do
    f="$(floor_run)"; floors+=("$f")
    a="$(vlab_run)"; applies+=("$a")
    printf 'run %d: virsh create floor %6.2f s   vlab apply %6.2f s\n' "$i" "$f" "$a"
done

step "no-op plan of the converged lab (5 runs)"
plans=()
for i in $(seq 1 5); do
    t0="$(now)"
    "$vlab" plan -f "$lab" --detailed-exitcode -q >/dev/null
    plans+=("$(elapsed "$t0")")
done

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mf="$(median "${floors[@]}")"; ma="$(median "${applies[@]}")"
printf '\nmedian floor %.2f s, median apply %.2f s, ratio %.2f\n' "$mf" "$ma" "$(echo "$ma / $mf" | bc -l)"
printf 'no-op plan: %s s (median %s s)\n' "${plans[*]}" "$(median "${plans[@]}")"
