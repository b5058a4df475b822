#!/usr/bin/env bash
# Benchmark: `vlab validate` of a generated lab.
#
#   scripts/bench-validate.sh [NODES]          the 5,000-node lab (explicit nodes, not `count`):
#                                              20 networks, a static address, a disk and
#                                              cloud-init variables on every node (190 B a node)
#   scripts/bench-validate.sh compact [NODES]  one line a node (cpus and a static address on
#                                              one of 20 /16 networks, 82 B a node); 188,567
#                                              nodes (the default) make a 14.7 MiB lab
#   scripts/bench-validate.sh long-line [N]    one node with N unknown properties (200,000:
#                                              a 1.9 MB line): the size and time of the report
#
# Prints hyperfine's timing (not for long-line) and /usr/bin/time's peak RSS;
# docs/benchmarks.md records them.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh

style=full
case "${1:-}" in
    compact | long-line) style="$1"; shift ;;
esac
case "$style" in
    full) nodes="${1:-5000}" ;;
    compact) nodes="${1:-188567}" ;;
    long-line) nodes="${1:-200000}" ;;
esac
need_cargo
ensure_build_deps
ensure_packages hyperfine time
cargo build --locked --release --quiet

lab="$(mktemp --suffix=.kdl)"
report="$(mktemp)"
trap 'rm -f "$lab" "$report"' EXIT

if [ "$style" = long-line ]; then
    {
        echo 'lab "long"'
        echo 'image "i" url="https://example.net/i.qcow2" unverified=#true'
        awk -v n="$nodes" 'BEGIN { printf "node \"a\""; for (i = 0; i < n; i++) printf " p%d=1", i; print "" }'
    } > "$lab"
    echo "lab: one node with $nodes unknown properties, $(wc -c < "$lab") bytes"
    for format in human json; do
        flag=""
        [ "$format" = json ] && flag="--json"
        /usr/bin/time -f "$format: %e s, %M KB peak RSS" target/release/vlab validate $flag --color never -f "$lab" \
            > "$report" 2>&1 || true
        tail -n 1 "$report"
        echo "$format: $(($(wc -c < "$report"))) bytes of output"
    done
    exit 0
fi

if [ "$style" = compact ]; then
    {
        echo 'lab "big"'
        echo 'image "debian-12" url="https://example.net/debian-12.qcow2" checksum="sha256:9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c"'
        for n in $(seq 1 20); do
            echo "network \"net-$n\" cidr=\"10.$n.0.0/16\" { dhcp #false; }"
        done
        awk -v nodes="$nodes" 'BEGIN {
            for (i = 1; i <= nodes; i++) {
                net = i % 20 + 1; h = int(i / 20) + 10
                printf "node \"n%d\" cpus=2 { interface \"eth0\" network=\"net-%d\" address=\"10.%d.%d.%d\"; }\n", i, net, net, int(h / 250), h % 250 + 2
            }
        }'
    } > "$lab"
    echo "lab: $nodes nodes (compact), $(wc -c < "$lab") bytes"
    target/release/vlab validate -f "$lab"
    hyperfine --warmup 1 --runs 3 "target/release/vlab validate -q -f $lab"
    /usr/bin/time -v target/release/vlab validate -q -f "$lab" 2>&1 | grep -E "Maximum resident|Elapsed|User time"
    exit 0
fi

{
    echo 'lab "bench" { description "generated benchmark lab" }'
    echo 'image "debian-12" url="https://example.net/debian-12.qcow2" checksum="sha256:9c3b21fcd1e1f6d8ad1e5b4b7f4f1d3ba5e8c6a1f0d2e3b4c5d6e7f8091a2b3c"'
    echo 'defaults { image "debian-12"; cpus 1; memory "512MiB"; cloud-init { vars { tier "bench" } } }'
    for n in $(seq 1 20); do
        echo "network \"net-$n\" cidr=\"10.$n.0.0/20\" { dhcp #false; domain \"net$n.test\" }"
    done
    awk -v nodes="$nodes" 'BEGIN {
        for (i = 1; i <= nodes; i++) {
            net = (i % 20) + 1; host = int(i / 20) + 10
            printf "node \"node-%d\" {\n    cpus 2\n    memory \"1GiB\"\n    disk \"data\" size=\"10GiB\"\n", i
            printf "    interface \"eth0\" network=\"net-%d\" address=\"10.%d.%d.%d\"\n", net, net, int(host / 250), host % 250 + 2
            printf "    cloud-init { vars { role \"worker\"; seat %d } }\n}\n", i
        }
    }'
} > "$lab"

echo "lab: $nodes nodes, $(wc -c < "$lab") bytes"
target/release/vlab validate -f "$lab"
hyperfine --warmup 2 --runs 10 "target/release/vlab validate -q -f $lab"
/usr/bin/time -v target/release/vlab validate -q -f "$lab" 2>&1 | grep -E "Maximum resident|Elapsed"
