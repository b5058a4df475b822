#!/usr/bin/env bash
# Boots, reaches and stops the Xen host built by build-xen-host.sh, under QEMU software
# emulation (no KVM needed).
#
# Usage: tests/guests/boot-xen-host.sh start|stop|uri|ssh [ARGS...]
#   start  boots Xen and its dom0 in the background, then waits until libvirt answers over
#          xen+ssh:// (deadlines below); prints progress, and the serial log's tail on failure
#   stop   powers the dom0 off (Xen then switches the machine off and QEMU exits); kills QEMU
#          if it has not exited by the deadline
#   uri    prints the libvirt URI of the dom0: xen+ssh://root@127.0.0.1:PORT/system?keyfile=...
#   ssh    runs a command in the dom0 as root: boot-xen-host.sh ssh xl list
#
# Environment:
#   XEN_HOST_DIR       the build directory (default target/xen-host of this checkout)
#   XEN_HOST_SSH_PORT  loopback port forwarded to the dom0's sshd (default 22222)
#   XEN_HOST_MEM       guest RAM in MiB (default 4096)
#   XEN_HOST_DOM0_MEM  dom0's share of it (default 2048M); the rest is for Xen guests
#   XEN_HOST_TB_SIZE   QEMU's translation cache in MiB (default QEMU's own, up to 1 GiB of
#                      host RAM on top of the guest's); 256 keeps host RSS near 2 GiB with
#                      XEN_HOST_MEM=2048 XEN_HOST_DOM0_MEM=1024M
#   XEN_HOST_TCG_THREAD  QEMU's TCG threading: `multi` (default here: one host thread per
#                      emulated CPU) or `single`
#   XEN_HOST_SSH_DEADLINE, XEN_HOST_LIBVIRT_DEADLINE  seconds to wait for the dom0's sshd
#                      after QEMU starts (default 900) and then for libvirt (default 300)
#
# Why this QEMU command line: `-cpu qemu64,+svm,+npt` is an AMD CPU with SVM and nested paging
# that QEMU's TCG emulates, enough for Xen to offer PV, PVH and HVM guests (`-cpu max` makes the
# PV dom0 fault at its first instruction); Xen's own CI boots under QEMU the same way. Xen
# is a multiboot kernel; its modules (dom0 kernel with its command line, dom0 initramfs) go in
# the comma-separated -initrd list. The dom0 boots from a fresh qcow2 overlay on dom0.img, so
# every boot starts from the image as built and nothing a test leaves behind survives it.
set -euo pipefail

dir="$(realpath -m "${XEN_HOST_DIR:-$(dirname "$0")/../../target/xen-host}")"
port="${XEN_HOST_SSH_PORT:-22222}"
run="$dir/run"
key="$dir/id_ed25519"
uri="xen+ssh://root@127.0.0.1:$port/system?keyfile=$key&no_verify=1"
ssh_opts=(-i "$key" -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
    -o LogLevel=ERROR -o ConnectTimeout=5 -o BatchMode=yes)

say() { printf '[xen-host %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
dom0() { ssh "${ssh_opts[@]}" root@127.0.0.1 "$@"; }
qemu_pid() { cat "$run/qemu.pid" 2>/dev/null; }
qemu_alive() {
    local pid
    pid="$(qemu_pid)" && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}
serial_tail() {
    say "last lines of the serial console ($run/serial.log):"
    tail -n "${1:-40}" "$run/serial.log" >&2 2>/dev/null || true
}

# Polls `check` every 2 s until it succeeds; fails after `deadline` seconds or as soon as
# QEMU is gone. Prints a progress line every 30 s.
await() {
    local what="$1" deadline="$2" check="$3" start now report=30
    start=$SECONDS
    while ! eval "$check" >/dev/null 2>&1; do
        now=$((SECONDS - start))
        if ! qemu_alive; then
            say "error: QEMU exited while waiting for $what"
            serial_tail
            return 1
        fi
        if [ "$now" -ge "$deadline" ]; then
            say "error: $what not ready after ${deadline}s"
            serial_tail
            return 1
        fi
        if [ "$now" -ge "$report" ]; then
            say "waiting for $what (${now}s)"
            report=$((report + 30))
        fi
        sleep 2
    done
    say "$what ready after $((SECONDS - start))s"
}

start() {
    for f in xen.elf vmlinuz initrd dom0.img id_ed25519; do
        [ -s "$dir/$f" ] || { say "error: $dir/$f missing; run tests/guests/build-xen-host.sh $dir"; exit 1; }
    done
    if qemu_alive; then
        say "error: the Xen host already runs (QEMU pid $(qemu_pid)); stop it first"
        exit 1
    fi
    mkdir -p "$run"
    rm -f "$run/serial.log" "$run/qemu.pid" "$run/dom0.qcow2"
    qemu-img create -q -f qcow2 -F raw -b "$dir/dom0.img" "$run/dom0.qcow2"
    local mem="${XEN_HOST_MEM:-4096}" dom0_mem="${XEN_HOST_DOM0_MEM:-2048M}" t0=$SECONDS
    say "booting Xen (${mem} MiB, dom0 ${dom0_mem}) under QEMU TCG; dom0 sshd on 127.0.0.1:$port"
    qemu-system-x86_64 \
        -machine pc -accel "tcg,thread=${XEN_HOST_TCG_THREAD:-multi}${XEN_HOST_TB_SIZE:+,tb-size=$XEN_HOST_TB_SIZE}" \
        -cpu qemu64,+svm,+npt -smp 2 -m "$mem" \
        -display none -monitor none -serial "file:$run/serial.log" \
        -daemonize -pidfile "$run/qemu.pid" \
        -kernel "$dir/xen.elf" \
        -append "dom0_mem=$dom0_mem,max:$dom0_mem console=com1 com1=115200,8n1 loglvl=all guest_loglvl=all noreboot" \
        -initrd "$dir/vmlinuz root=/dev/vda rw rootwait console=hvc0 earlyprintk=xen net.ifnames=0,$dir/initrd" \
        -drive "file=$run/dom0.qcow2,format=qcow2,if=virtio,cache=unsafe" \
        -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:22" -device e1000,netdev=n0
    say "QEMU pid $(qemu_pid)"
    await "dom0 sshd" "${XEN_HOST_SSH_DEADLINE:-900}" "dom0 true"
    await "libvirt over xen+ssh" "${XEN_HOST_LIBVIRT_DEADLINE:-300}" "virsh -c '$uri' list"
    say "Xen host up after $((SECONDS - t0))s: $uri"
}

stop() {
    if ! qemu_alive; then
        say "not running"
        return 0
    fi
    local pid deadline="${XEN_HOST_STOP_DEADLINE:-120}" start=$SECONDS
    pid="$(qemu_pid)"
    say "powering the dom0 off"
    dom0 systemctl poweroff >/dev/null 2>&1 || true
    while kill -0 "$pid" 2>/dev/null; do
        if [ $((SECONDS - start)) -ge "$deadline" ]; then
            say "QEMU still running ${deadline}s after poweroff; killing pid $pid"
            kill "$pid" 2>/dev/null || true
            break
        fi
        sleep 1
    done
    say "stopped after $((SECONDS - start))s"
}

case "${1:-}" in
start) start ;;
stop) stop ;;
uri) echo "$uri" ;;
ssh)
    shift
    dom0 "$@"
    ;;
*)
    echo "usage: boot-xen-host.sh start|stop|uri|ssh [COMMAND...]" >&2
    exit 1
    ;;
esac
