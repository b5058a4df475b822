#!/usr/bin/env bash
# Benchmark: `vlab validate` of a generated lab with 5,000 nodes (explicit, not `count`), 20
# networks, static addresses, a disk and cloud-init variables on every node.
#
# Prints hyperfine's timing and /usr/bin/time's peak RSS; docs/benchmarks.md records them.
# Usage: scripts/bench-validate.sh [NODES]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh

nodes="${1:-5000}"
need_cargo
ensure_build_deps
ensure_packages hyperfine time
cargo build --locked --release --quiet

lab="$(mktemp --suffix=.kdl)"
trap 'rm -f "$lab"' EXIT
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
