#!/usr/bin/env bash
# Benchmark: `vlab image pull` of a 1 GiB image served from loopback, against
# `curl -o f URL && sha256sum f`, in the same run, on the same server and file.
#
# Records wall time and peak RSS (/usr/bin/time -v) of each, three runs apiece; the figures
# go to docs/benchmarks.md. Usage: scripts/bench-pull.sh [SIZE_MIB]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh

size_mib="${1:-1024}"
need_cargo
ensure_build_deps
ensure_packages curl time python3
cargo build --locked --release --quiet

work="$(mktemp -d)"
server_pid=""
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/srv"
head -c "$((size_mib * 1024 * 1024))" /dev/urandom > "$work/srv/image.raw"
digest="$(sha256sum "$work/srv/image.raw" | cut -d' ' -f1)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
(cd "$work/srv" && exec python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
server_pid=$!
url="http://127.0.0.1:$port/image.raw"
for _ in $(seq 1 50); do curl -sf -o /dev/null -r 0-0 "$url" && break; sleep 0.1; done

measure() { # label, command...
    local label="$1"; shift
    /usr/bin/time -v "$@" 2> "$work/time.txt" >/dev/null
    local wall rss
    wall="$(grep 'Elapsed (wall clock)' "$work/time.txt" | awk '{print $NF}')"
    rss="$(grep 'Maximum resident' "$work/time.txt" | awk '{print $NF}')"
    printf '%-22s wall %8s   peak RSS %6d KiB\n' "$label" "$wall" "$rss"
}

echo "image: ${size_mib} MiB from $url"
for run in 1 2 3; do
    rm -f "$work/curl.out"
    measure "curl + sha256sum #$run" bash -c "curl -sf -o '$work/curl.out' '$url' && sha256sum '$work/curl.out'"
    rm -rf "$work/cache"
    measure "vlab image pull #$run" env VLAB_CACHE_DIR="$work/cache" target/release/vlab -q image pull "$url" --checksum "sha256:$digest"
done
