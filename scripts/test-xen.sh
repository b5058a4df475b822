#!/usr/bin/env bash
# The Xen test tier: vlab converges Xen guests on a real Xen host, from outside.
#
# It builds a Xen 4.17 host with a Debian dom0 (tests/guests/build-xen-host.sh), boots it under
# QEMU software emulation (tests/guests/boot-xen-host.sh) and then drives it with the release
# vlab binary over xen+ssh://, as an administrator would drive a remote Xen server:
#   1. `vlab apply` brings up, on a vlab NAT network in the dom0 (libvirt's dnsmasq serves the
#      leases), every way vlab boots a Xen guest, and returns once each is ready (vlab reads
#      each guest's console through libvirt: Xen's PV console on PV and PVH, the serial port
#      on HVM). The lab grows in stages (pv, pv-grub and hvm first, then each other guest
#      added to the running lab by a plan that only adds it), so that at most one PVH or HVM
#      guest boots at a time: the emulated host's nested SVM faults when several do
#      (docs/xen.md).
#        pv        PV, the image's kernel and initrd (direct boot), static address
#        pvh       PVH, direct boot, DHCP
#        pv-grub   PV through the dom0's PV GRUB 2, which boots the kernel inside the guest's
#                  own disk (the image declares no kernel), static address
#        pvh-grub  PVH through PVH GRUB 2, the same disk, static address
#        hvm       HVM (hvmloader, QEMU device model, emulated e1000 NIC, serial console),
#                  direct boot, static address
#        debian    (VLAB_XEN_DEBIAN=1 only) HVM from a real Debian 12 cloud image
#                  (tests/guests/build-debian-image.sh), its own kernel, with cloud-init,
#                  static address
#      The tiny guests (tests/guests/build-tiny-guest.sh: a busybox initramfs) print on their
#      console the guest type Xen gave them, their kernel command line, what they read from
#      vlab's seed and their address; the test compares that with the lab and pings each
#      guest from the dom0. The Debian guest is reached over SSH through the dom0 as the lab's
#      user: `cloud-init status` done, hostname, guest type HVM, address.
#   2. `vlab plan --detailed-exitcode` exits 0 (nothing to change).
#   3. Updates and drift, in one apply: the PV guest's memory and vCPUs change (the plan says
#      `~` update in place; apply restarts it with the new size, checked with virsh), and a
#      guest destroyed by hand (`virsh destroy`) is started again; then plan exits 0.
#   4. `vlab destroy --auto-approve --purge-images` removes the guests, the network and the
#      volumes; then the dom0 is checked clean: no domain in `xl list` but Domain-0, no loop
#      device (the seeds' block back end), no vif, no device model, no xenstore entries, no
#      file in vlab's pool, nothing of the lab in libvirt.
# Every stage is timed; the table at the end is what docs/benchmarks.md records. When a stage
# fails, the test prints each guest's console, its libxl and device-model logs, the dom0's
# libxl driver errors and Xen's own messages, and says whether the emulated host faulted
# (docs/xen.md, "Testing against a real Xen host"). An apply during which Xen reported such a
# fault runs once more, and so does one repair of a guest the fault shut off after it was
# ready; nothing else is retried. A run that fails after such a fault exits 3, any other
# failure 1.
#
# Usage (as root, on Debian 12): scripts/test-xen.sh
# Needs about 5 GB of RAM (a 4 GiB emulated machine) and 2 GB of disk; takes about 15 minutes
# with the Xen host image built (building it, once, downloads about 300 MB of Debian packages;
# later runs reuse target/xen-host until build-xen-host.sh changes).
# Environment: XEN_HOST_* as in tests/guests/boot-xen-host.sh; VLAB_XEN_KEEP_HOST=1 leaves
# the Xen host running after a failure (with the lab file in target/xen-host/run/lab.kdl);
# VLAB_XEN_DEBIAN=1 adds the Debian HVM guest (and its image build; on the emulated host it
# did not finish: docs/xen.md); VLAB_XEN_GUEST_DEADLINE (seconds for each tiny guest's
# console checks, default 600).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/common.sh

root_dir="$(pwd)"
host_dir="$root_dir/target/xen-host"
guest_dir="$root_dir/target/tiny-guest"
debian_dir="$root_dir/target/debian-guest"
with_debian="${VLAB_XEN_DEBIAN:-0}"
deadline="${VLAB_XEN_GUEST_DEADLINE:-600}"
boot="$root_dir/tests/guests/boot-xen-host.sh"
export XEN_HOST_DIR="$host_dir"
lab_name="xen-e2e"
work="$(mktemp -d)"
lab="$work/lab.kdl"
vlab="$root_dir/target/release/vlab"
export VLAB_CACHE_DIR="$work/cache"
tiny_nodes=(pv pvh pv-grub pvh-grub hvm)
nodes=("${tiny_nodes[@]}")
[ "$with_debian" = 1 ] && nodes+=(debian)

# Stage timings, printed at the end (and on failure, up to the failing stage).
timings=()
stage_start=0
begin() {
    step "$*"
    stage_name="$*"
    stage_start=$SECONDS
}
end() {
    timings+=("$(printf '%-60s %5ss' "$stage_name" $((SECONDS - stage_start)))")
}
report() {
    printf '\n==> durations\n'
    printf '  %s\n' "${timings[@]}"
    printf '  %-60s %5ss\n' "total" "$SECONDS"
    [ "${retried_faults:-0}" = 0 ] || printf '  applies run again after an emulated-host fault: %s\n' "$retried_faults"
}
fail() {
    echo "error: $*" >&2
    exit 1
}
# The Xen serial log's triple-fault count when the host came up (see diagnose).
faults_at_boot=""
triple_faults() { grep -c "Triple fault" "$host_dir/run/serial.log" 2>/dev/null || true; }

# What a failure needs to be told apart from a slow machine, in one ssh session: for each
# guest its console (as xenconsoled logged it) and the error lines of libvirt's libxl log
# and of QEMU's device-model log; libvirtd's own end if it died, the libxl driver's errors,
# the dom0 kernel's OOM or hotplug trouble, Xen's own recent messages; and whether Xen
# reported a triple fault of a guest during the run.
diagnose() {
    local domains="" node
    for node in "${nodes[@]}"; do domains="$domains ${lab_name}_$node"; done
    step "diagnostics from the dom0"
    in_dom0 "DOMAINS='$domains' sh -s" <<'DIAG' || true
for d in $DOMAINS; do
    echo "--- $d: console (last 25 lines of /var/log/xen/console/guest-$d.log)"
    tail -n 25 "/var/log/xen/console/guest-$d.log" 2>/dev/null | tr -d '\r'
    echo "--- $d: errors in /var/log/libvirt/libxl/$d.log and /var/log/xen/qemu-dm-$d.log"
    grep -ahiE 'error|fail|timeout|timed out|kill' "/var/log/libvirt/libxl/$d.log" \
        "/var/log/xen/qemu-dm-$d.log" 2>/dev/null | tail -n 12
done
echo "--- libvirtd (journal, last 15 lines)"
journalctl -b -u libvirtd --no-pager -n 15 2>/dev/null
echo "--- libvirt libxl driver: errors (/var/log/libvirt/libxl/libxl-driver.log)"
grep -aiE 'error|fail|timeout|timed out' /var/log/libvirt/libxl/libxl-driver.log 2>/dev/null | tail -n 20
echo "--- dom0 kernel: OOM and block/vif trouble"
dmesg | grep -iE 'out of memory|oom|killed process|blkback|vif.*(fail|error)' | tail -n 10
echo "--- xl list; xl dmesg (last 15 lines)"
xl list
xl dmesg | tail -n 15
DIAG
    if [ -n "$faults_at_boot" ] && [ "$(triple_faults)" -gt "$faults_at_boot" ]; then
        echo "--- Xen reported a triple fault of a guest during this run ($host_dir/run/serial.log):"
        grep -A4 "Triple fault" "$host_dir/run/serial.log" | tail -n 12
        echo "A guest vCPU whose RIP is a Xen address (e008:ffff82d0...) is the emulated host's"
        echo "nested-SVM fault (docs/xen.md), not the guest's or vlab's."
    fi
}
cleanup() {
    local status=$?
    if [ $status -ne 0 ] && [ -n "$faults_at_boot" ]; then diagnose >&2 || true; fi
    # Leave nothing running: the Xen host's QEMU is stopped whatever happened, unless asked
    # to keep a failed run's host for a look (VLAB_XEN_KEEP_HOST=1).
    if [ $status -ne 0 ] && [ "${VLAB_XEN_KEEP_HOST:-0}" = 1 ]; then
        echo "the Xen host is still running (VLAB_XEN_KEEP_HOST=1): $boot ssh ...; $boot stop" >&2
        cp "$lab" "$host_dir/run/lab.kdl" 2>/dev/null && echo "its lab file: $host_dir/run/lab.kdl" >&2
    else
        "$boot" stop || true
    fi
    rm -rf "$work"
    [ $status -eq 0 ] && return 0
    report
    echo "test-xen: FAILED" >&2
    # Exit 3: the run failed after Xen reported the emulated host's own fault (docs/xen.md),
    # so the failure may be the emulator's; scripts/test.sh's `auto` mode does not fail on it.
    if [ -n "$faults_at_boot" ] && [ "$(triple_faults)" -gt "$faults_at_boot" ]; then
        echo "test-xen: the emulated host's nested SVM faulted during this run (exit 3)" >&2
        exit 3
    fi
}
trap cleanup EXIT

need_cargo
ensure_build_deps
# mmdebstrap and e2fsprogs build the dom0 image (and the tiny guest's ext2 disk); QEMU runs
# it; virsh and ssh reach it; cpio, lz4 and xz-utils build the tiny guest; python3 reads
# `vlab render --json`.
ensure_packages mmdebstrap e2fsprogs qemu-system-x86 qemu-utils libvirt-clients openssh-client cpio lz4 xz-utils python3

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
faults_at_boot="$(triple_faults)"
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
# The nodes the lab holds now: the test adds them stage by stage (see below).
present=()
has() { [[ " ${present[*]} " == *" $1 "* ]]; }
# A tiny node: name, image, xen-boot, address ("dhcp" for none), extra settings.
tiny_node() {
    has "$1" || return 0
    local address="address=\"$4\""
    [ "$4" = dhcp ] && address=""
    printf 'node "%s" {\n    image "%s"\n    xen-boot "%s"\n%s    interface network="lan" %s\n}\n' \
        "$1" "$2" "$3" "${5:-}" "$address"
}
# The lab; $1 and $2 are the PV guest's vCPUs and memory (the update stage changes them).
write_lab() {
    cat > "$lab" <<KDL
lab "$lab_name" {
    // The Debian guest logs the test in with this key; the tiny guests run no sshd.
    ssh-key "$(cat "$host_dir/id_ed25519.pub")"
}
host "xen" uri="$uri"$(uri_opt_in "$uri")
// The tiny guest booted straight from its kernel and initrd. No command line: vlab adds
// console=hvc0 on PV and PVH, console=ttyS0 on HVM.
image "tiny" url="file://$guest_dir/root.raw" checksums-url="file://$guest_dir/SHA256SUMS" format="raw" {
    kernel "file://$guest_dir/vmlinuz" checksum="sha256:$(sum "$guest_dir" vmlinuz)"
    initrd "file://$guest_dir/initrd.gz" checksum="sha256:$(sum "$guest_dir" initrd.gz)"
    // vlab apply waits, reading the Xen console through libvirt, until the guest says so.
    ready "console" marker="vlab-tiny: ready" timeout="10m"
    // busybox init ignores the power button: an update stops the guest after 5 s.
    shutdown-timeout "5s"
}
// The same disk with no kernel: PV GRUB 2 (or PVH GRUB 2) finds its /boot/grub/grub.cfg.
image "tiny-grub" url="file://$guest_dir/root.raw" checksums-url="file://$guest_dir/SHA256SUMS" format="raw" {
    ready "console" marker="vlab-tiny: ready" timeout="10m"
    shutdown-timeout "5s"
}
// The same kernel for the HVM guest, whose console is its serial port (QEMU's in the dom0;
// vlab adds console=ttyS0). \`quiet\`: every byte the guest writes to that port is a trip
// to the device model, and on this emulated host the kernel's boot messages alone took
// minutes at about half a second a line (docs/xen.md).
image "tiny-hvm" url="file://$guest_dir/root.raw" checksums-url="file://$guest_dir/SHA256SUMS" format="raw" {
    kernel "file://$guest_dir/vmlinuz" checksum="sha256:$(sum "$guest_dir" vmlinuz)"
    initrd "file://$guest_dir/initrd.gz" checksum="sha256:$(sum "$guest_dir" initrd.gz)"
    cmdline "quiet"
    ready "console" marker="vlab-tiny: ready" timeout="10m"
    shutdown-timeout "5s"
}
// A NAT network inside the dom0, with libvirt's DHCP.
network "lan" mode="nat" cidr="10.97.0.0/24" {
    dhcp start="10.97.0.100" end="10.97.0.150"
}
defaults {
    host "xen"
    memory "128MiB"
}
KDL
    {
        tiny_node pv tiny pv 10.97.0.10 "    cpus $1
    memory \"$2\"
"
        tiny_node pvh tiny pvh dhcp
        tiny_node pv-grub tiny-grub pv 10.97.0.11
        tiny_node pvh-grub tiny-grub pvh 10.97.0.12
        tiny_node hvm tiny-hvm hvm 10.97.0.13
    } >> "$lab"
    if has debian; then
        cat >> "$lab" <<KDL
// The Debian 12 cloud image as an HVM guest: hvmloader, SeaBIOS, the image's own kernel and
// initrd (quiet: the serial console is slow to write to, see tiny-hvm; vlab adds
// console=ttyS0), cloud-init from vlab's seed; vlab apply waits for cloud-init's final
// message on the serial console.
image "debian-12" url="file://$debian_dir/debian-12.qcow2" checksums-url="file://$debian_dir/SHA256SUMS" {
    kernel "file://$debian_dir/vmlinuz" checksum="sha256:$(sum "$debian_dir" vmlinuz)"
    initrd "file://$debian_dir/initrd.img" checksum="sha256:$(sum "$debian_dir" initrd.img)"
    cmdline "root=/dev/xvda1 ro quiet"
    ready "cloud-init" timeout="30m"
}
node "debian" {
    image "debian-12"
    xen-boot "hvm"
    memory "512MiB"
    interface "eth0" network="lan" address="10.97.0.20"
    cloud-init {
        vars { user "admin"; }
    }
}
KDL
    fi
}
present=(pv pv-grub hvm)
write_lab 1 128MiB
echo "lab file:"
sed 's/^/    /' "$lab"
run_vlab() { "$vlab" --color never "$@" -f "$lab"; }
in_dom0() { "$boot" ssh "$@"; }
expect_no_changes() {
    local status
    set +e
    run_vlab plan --detailed-exitcode
    status=$?
    set -e
    if [ $status -eq 0 ]; then faults_seen="$(triple_faults)"; return 0; fi
    # A guest that the emulated host's fault shut off after it was ready shows up here as
    # drift: repaired once by apply (as an administrator would), then the plan must be empty.
    # Only when Xen reported a fault since the last empty plan, and once a run.
    if [ $status -eq 2 ] && [ "$(triple_faults)" -gt "${faults_seen:-$faults_at_boot}" ] && [ "$plan_repairs" = 0 ]; then
        echo "the emulated host's nested SVM faulted during this run (docs/xen.md): applying again" >&2
        plan_repairs=1
        retried_faults=$((retried_faults + 1))
        run_vlab apply --auto-approve --parallelism 2
        expect_no_changes "$1"
        return
    fi
    fail "vlab plan $1 exited $status, expected 0 (no changes)"
}
plan_repairs=0

# The lab comes up in stages, each an apply that adds guests to the running lab (its plan
# only adds), and at most one guest that Xen runs in an HVM container (PVH or HVM) boots at
# a time: on the emulated host, guests of those kinds booting together are hit by QEMU's
# nested-SVM fault (docs/xen.md) over and over. Two changes run at once: the emulated dom0
# runs Xen's hotplug scripts so slowly that with six guests created together libxl killed
# them ("killing execution of /etc/xen/scripts/vif-bridge online because of timeout").
# An apply during which Xen reported a new triple fault (the emulated host's, see diagnose)
# runs once more: vlab's apply continues from where it stopped (a guest the fault shut off
# is started again). Any other failure fails the test, and so does a second one.
apply_stage() {
    local faults_before
    faults_before="$(triple_faults)"
    run_vlab apply --auto-approve --parallelism 2 && return 0
    [ "$(triple_faults)" -gt "$faults_before" ] || return 1
    echo "the emulated host's nested SVM faulted during this apply (docs/xen.md): applying again" >&2
    grep -A4 "Triple fault" "$host_dir/run/serial.log" | tail -n 5 >&2
    retried_faults=$((retried_faults + 1))
    run_vlab apply --auto-approve --parallelism 2
}
retried_faults=0
begin "vlab apply: pv, pv-grub and hvm, until each is ready"
apply_stage
end

# Waits in the dom0 (one ssh session, polling there) until the node's Xen console log, as
# xenconsoled writes it, has a line matching each extended regular expression given.
await_console() {
    local node="$1" log="/var/log/xen/console/guest-${lab_name}_$1.log" checks="" pattern
    shift
    for pattern in "$@"; do checks="$checks && grep -aEq \"$pattern\" $log"; done
    if ! in_dom0 "timeout $deadline sh -c 'until [ -f $log ] $checks; do sleep 1; done'"; then
        fail "${lab_name}_$node did not print all of [$*] within ${deadline}s"
    fi
}
instance_id() {
    run_vlab render "$1" --json | /usr/bin/python3 -c 'import json, sys; print(json.load(sys.stdin)["instance_id"])'
}
# The tiny guest's report since its last boot: the lines from its last `guest-type`.
tiny_report() {
    in_dom0 "tr -d '\r' < /var/log/xen/console/guest-${lab_name}_$1.log" |
        awk '/^vlab-tiny: guest-type/ {n = 0} /^vlab-tiny:/ {lines[++n] = $0} END {for (i = 1; i <= n; i++) print lines[i]}'
}
# Checks one tiny guest: boot type, kernel command line, seed, address, and a ping from dom0.
check_tiny() {
    local node="$1" type="$2" via="$3" address="$4" report
    await_console "$node" "vlab-tiny: instance-id $(instance_id "$node")" "vlab-tiny: ready"
    report="$(tiny_report "$node")"
    printf '%s\n' "$report" | sed "s/^/    $node: /"
    grep -qx "vlab-tiny: guest-type $type" <<<"$report" || fail "$node does not run as $type"
    # GRUB says which entry of the guest's own grub.cfg it boots; a direct boot has no GRUB.
    local grub_said=0
    in_dom0 "grep -aq 'Booting .vlab tiny guest.' /var/log/xen/console/guest-${lab_name}_$node.log" && grub_said=1
    case "$via" in
    grub) [ $grub_said = 1 ] || fail "$node was not booted by GRUB from its own disk (no GRUB on its console)" ;;
    kernel) [ $grub_said = 0 ] && ! grep -q "BOOT_IMAGE=" <<<"$report" ||
        fail "$node was booted by GRUB, not from the image's kernel" ;;
    esac
    grep -qx "vlab-tiny: hostname $node" <<<"$report" || fail "$node did not report hostname $node"
    if [ "$address" = dhcp ]; then
        address="$(sed -n 's/^vlab-tiny: eth0 \(10\.97\.0\.1[0-5][0-9]\)$/\1/p' <<<"$report" | tail -n 1)"
        [ -n "$address" ] || fail "$node got no DHCP lease in 10.97.0.100-150 on vlab's network"
    else
        grep -qx "vlab-tiny: eth0 $address" <<<"$report" || fail "$node did not take its static address $address"
    fi
    in_dom0 "ping -c 1 -W 5 $address >/dev/null || ping -c 3 -W 5 $address >/dev/null" ||
        fail "$node does not answer a ping from the dom0 at $address"
    echo "    $node: $type, booted from $via, answers at $address"
}

begin "pv, pv-grub: boot type, seed, address, ping from the dom0"
check_tiny pv PV kernel 10.97.0.10
check_tiny pv-grub PV grub 10.97.0.11
end

# The HVM guest: vlab's wait read its ready line on the serial console; Xen's own record of
# its type; then the same checks as the others (the tiny guest copies its report to Xen's
# PV console, which xenconsoled logs, when it runs as HVM), its static address taken from
# vlab's seed on the emulated e1000 that the guest's netfront takes over.
begin "hvm: an HVM domain, boot type, seed, address, ping from the dom0"
in_dom0 "xl list -l ${lab_name}_hvm | grep -q '\"type\": \"hvm\"'" || fail "Xen does not run hvm as an HVM domain"
check_tiny hvm HVM kernel 10.97.0.13
end

# Adds one node to the running lab: the plan must add it (and $2 resources in all) and
# change at most the network's DHCP host entries in place ($3 changes: 1 for a node with a
# static address), nothing else.
add_node() {
    local plan
    present+=("$1")
    write_lab 1 128MiB
    plan="$(run_vlab plan)"
    grep -q "+ node.${lab_name}_$1@xen" <<<"$plan" || { echo "$plan"; fail "the plan does not add node $1"; }
    grep -q "Plan: $2 to add, $3 to change, 0 to replace, 0 to destroy" <<<"$plan" ||
        { echo "$plan"; fail "adding node $1 should add $2 and change $3 resource(s)"; }
    [ "$3" = 0 ] || grep -q "~ network.vlab_${lab_name}_lan@xen" <<<"$plan" ||
        { echo "$plan"; fail "adding node $1 changes something other than the network's host entries"; }
    apply_stage
}
begin "add pvh (PVH, DHCP), until ready; boot type, seed, lease, ping"
add_node pvh 1 0
check_tiny pvh PVH kernel dhcp
end

begin "add pvh-grub (PVH GRUB 2), until ready; boot type, seed, address, ping"
add_node pvh-grub 1 1
check_tiny pvh-grub PVH grub 10.97.0.12
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
    # vlab apply returns once cloud-init's final message is on the guest's serial console
    # (QEMU's, which xenconsoled does not log): what is left is to log in and ask.
    begin "add debian (HVM, Debian 12 with cloud-init); SSH login once cloud-init is done"
    add_node debian 2 1
    waited=0
    until in_debian true 2>/dev/null; do
        [ $waited -lt "${VLAB_XEN_DEBIAN_DEADLINE:-1800}" ] || fail "no SSH login to the Debian guest within ${waited}s"
        sleep 10
        waited=$((waited + 10))
    done
    in_debian cloud-init status --wait >/dev/null || true
    status="$(in_debian cloud-init status --long)" || fail "cloud-init status in the Debian guest failed: $status"
    echo "$status" | sed 's/^/    /'
    grep -q "^status: done" <<<"$status" || fail "cloud-init did not finish cleanly in the Debian guest"
    [ "$(in_debian hostname)" = debian ] || fail "the Debian guest's hostname is not debian"
    guest_type="$(in_debian cat /sys/hypervisor/guest_type)"
    [ "$guest_type" = HVM ] || fail "the Debian guest runs as '$guest_type', not HVM"
    in_debian ip -4 -o addr show dev eth0 | grep -q "inet 10.97.0.20/24" ||
        fail "the Debian guest does not have its static address 10.97.0.20"
    echo "    admin@debian: hostname debian, guest type $guest_type, eth0 10.97.0.20/24"
    end
fi

begin "vlab status; vlab plan --detailed-exitcode (expect no changes)"
run_vlab status
# Apply's readiness wait left its record in each watched guest's live metadata (through the
# libxl driver): status reads it back.
ready_nodes="$(run_vlab status --json | python3 -c 'import json, sys; print(" ".join(n["node"] for n in json.load(sys.stdin)["nodes"] if (n["readiness"] or {}).get("state") == "ready"))')"
echo "    ready by apply's record: $ready_nodes"
[[ " $ready_nodes " == *" pv "* ]] || fail "vlab status does not show the PV guest ready (no readiness record in its live metadata)"
expect_no_changes "after apply"
end

# The PV guest's size from libvirt: "VCPUS MEMORY_KIB".
pv_size() {
    virsh -c "$uri" dominfo "${lab_name}_pv" | awk '/^CPU\(s\):/ {c = $2} /^Max memory:/ {m = $3} END {print c, m}'
}
# One apply carries out both: an update in place and a repair (two changes at once, as an
# administrator's next apply after a resize and an accident would).
begin "update and drift: pv gets 2 vCPUs and 192 MiB in place; pv-grub, destroyed by hand, is started again"
write_lab 2 192MiB
virsh -c "$uri" destroy "${lab_name}_pv-grub"
set +e
plan="$(run_vlab plan --detailed-exitcode)"
plan_status=$?
set -e
echo "$plan" | sed 's/^/    /'
[ $plan_status -eq 2 ] || fail "vlab plan after the resize and with pv-grub shut off exited $plan_status, expected 2 (changes)"
grep -q "~ node.${lab_name}_pv@xen" <<<"$plan" || fail "the plan does not update node pv in place"
grep -q "~ cpus 1 -> 2" <<<"$plan" && grep -q "~ memory 128 MiB -> 192 MiB" <<<"$plan" ||
    fail "the plan does not say how node pv changes"
grep -q "> node.${lab_name}_pv-grub@xen" <<<"$plan" || fail "the plan does not start pv-grub again"
grep -q "the guest is shut off" <<<"$plan" || fail "the plan does not say why it starts pv-grub"
grep -q "Plan: 0 to add, 2 to change, 0 to replace, 0 to destroy" <<<"$plan" ||
    fail "the plan changes more than node pv and pv-grub"
apply_stage
[ "$(pv_size)" = "2 196608" ] || fail "node pv has $(pv_size) (vCPUs, KiB) after the update, expected 2 196608"
[ "$(virsh -c "$uri" domstate "${lab_name}_pv-grub")" = running ] || fail "pv-grub is not running after apply"
check_tiny pv PV kernel 10.97.0.10
check_tiny pv-grub PV grub 10.97.0.11
expect_no_changes "after the update and the repair"
end

begin "vlab destroy --purge-images"
run_vlab destroy --auto-approve --purge-images
end

begin "check that the dom0 is clean"
leftover="$(
    virsh -c "$uri" list --all --name | grep "^${lab_name}_" || true
    virsh -c "$uri" net-list --all --name | grep "^vlab_${lab_name}_" || true
    for pool in $(virsh -c "$uri" pool-list --all --name); do
        virsh -c "$uri" vol-list "$pool" 2>/dev/null | awk 'NR > 2 && NF {print $1}' |
            grep -E "^vlab_${lab_name}_|^vlab-base-" | sed "s|^|volume $pool/|" || true
    done
    # What Xen and the dom0 kernel hold for a guest: domains, xenstore entries, the seeds'
    # loop devices (blkback), vifs, device models (the dom0's own qdisk backend aside).
    in_dom0 'xl list | awk "NR > 1 && \$1 != \"Domain-0\" {print \"xl domain \" \$1}"
        xenstore-list /local/domain | grep -vx 0 | sed "s/^/xenstore domain /"
        losetup -n -O NAME,BACK-FILE | sed "s/^/loop device /"
        ip -o link | awk -F": " "\$2 ~ /^vif/ {print \"interface \" \$2}"
        pgrep -a -f xen-qemu-system | grep -v -- "-xen-domid 0 " | sed "s/^/process /"
        find /var/lib/libvirt/images -type f -name "*vlab*" | sed "s/^/file /"' || echo "dom0 check failed"
)"
[ -z "$leftover" ] || fail "left on the Xen host after destroy: $leftover"
echo "no domain, network, volume, xenstore entry, loop device, vif or device model of the lab is left"
end

begin "stop the Xen host"
"$boot" stop
end

report
step "Xen tests passed"
