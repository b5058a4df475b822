#!/usr/bin/env bash
# Builds a Xen host that runs as a QEMU guest: Debian 12's Xen 4.17 hypervisor with a Debian
# PV dom0 running libvirtd and its libxl driver, so that vlab can converge Xen guests on it
# from outside over xen+ssh:// (scripts/test-xen.sh; boot it with boot-xen-host.sh).
#
# Usage: tests/guests/build-xen-host.sh OUT_DIR      (as root; needs mmdebstrap, e2fsprogs)
#
# Writes into OUT_DIR:
#   xen.elf         the hypervisor, uncompressed: QEMU's -kernel boots it as a multiboot ELF
#                   (Debian ships xen-4.17-amd64.gz, which QEMU cannot load)
#   vmlinuz initrd  the dom0 kernel and initramfs, passed to Xen as multiboot modules
#   dom0.img        the dom0 root filesystem (ext4, sparse file), mounted as /dev/vda
#   id_ed25519      root's SSH key for the dom0 (kept across rebuilds)
#   BUILD_STAMP     the SHA-256 of this script: a rerun with an unchanged script does nothing
#
# What the dom0 is set up for, beyond the packages:
#   - eth0 is QEMU's user-mode NIC with its fixed address 10.0.2.15 (static: no DHCP wait);
#     boot-xen-host.sh forwards a loopback port on the host to its sshd.
#   - xenbr0 is a host-only bridge 10.98.0.1/24 for bridge-mode guests. Inside the dom0 it
#     is a world apart from the outer host, but it avoids 10.99.0.0/24 (labs/demo.kdl) anyway.
#   - dnsmasq-base and iptables so that libvirt's NAT networks (vlab `mode "nat"`) get DHCP
#     and masquerading; libvirt's own "default" network is not autostarted.
#   - xenconsoled writes each guest's console to /var/log/xen/console/guest-NAME.log, which
#     is how tests read a guest's boot messages without a tty.
#   - libvirt's cpu_map fix, without which the libxl driver does not start at all under QEMU:
#     QEMU's qemu64 CPU is an AMD one; Xen hides SEP (SYSENTER) from dom0 on AMD, so the host
#     CPU libvirt decodes from `xl info` lacks `sep`, every 64-bit model in cpu_map lists it,
#     and libvirtd fails with "Cannot find suitable CPU model for given data" ->
#     "cannot create capabilities for libxenlight". Dropping `sep` from the qemu64 model lets
#     libvirt describe the host CPU as qemu64.
#   - libvirtd drops a client only after 5 minutes without keepalive answers (default 30 s):
#     the emulated dom0 is slow to answer while it starts several guests.
#   - dom0's scheduler weight is 1024, four times a guest's, so that starting a guest (back
#     ends, hotplug scripts) is not starved by the guests already running.
#   - libvirtd starts after xen.service: Debian's libvirtd unit orders itself after
#     xencommons.service, which Debian's Xen does not ship (its init script is xen.service, which
#     mounts xenfs and starts xenstored and xenconsoled).
set -euo pipefail

out="$(realpath -m "${1:?usage: build-xen-host.sh OUT_DIR}")"
script="$(realpath "$0")"
stamp="$(sha256sum "$script" | cut -d' ' -f1)"
artefacts=(xen.elf vmlinuz initrd dom0.img id_ed25519)

up_to_date() {
    [ "$(cat "$out/BUILD_STAMP" 2>/dev/null)" = "$stamp" ] || return 1
    local f
    for f in "${artefacts[@]}"; do [ -s "$out/$f" ] || return 1; done
}
if up_to_date; then
    echo "build-xen-host: $out is up to date"
    exit 0
fi
# boot-xen-host.sh passes the dom0 kernel and initrd in QEMU's comma-separated -initrd list.
case "$out" in *,* | *' '*)
    echo "error: OUT_DIR must not contain commas or spaces: $out" >&2
    exit 1
    ;;
esac
if [ "$(id -u)" -ne 0 ]; then
    echo "error: build-xen-host.sh builds a root filesystem and must run as root" >&2
    exit 1
fi
for tool in mmdebstrap mkfs.ext4 ssh-keygen; do
    command -v "$tool" >/dev/null || { echo "error: $tool not found (Debian packages mmdebstrap, e2fsprogs, openssh-client)" >&2; exit 1; }
done

mkdir -p "$out"
rm -f "$out/BUILD_STAMP"
[ -f "$out/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C vlab-xen-host -f "$out/id_ed25519"
work="$(mktemp -d "$out/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"

packages=(
    # The hypervisor, the dom0 kernel and Xen's toolstack (xl, xenstored, xenconsoled).
    xen-hypervisor-4.17-amd64 xen-utils-4.17 xen-utils-common xenstore-utils
    linux-image-amd64 initramfs-tools
    # libvirtd with the libxl driver; qemu-system-xen is the qdisk backend for qcow2 disks
    # (and HVM's device model); dnsmasq-base and iptables serve libvirt's NAT networks.
    libvirt-daemon-system libvirt-daemon-driver-xen libvirt-clients qemu-system-xen qemu-utils
    dnsmasq-base iptables
    # PV GRUB 2 (grub-x86_64-xen.bin, grub-i386-xen_pvh.bin): boots PV and PVH guests from the
    # kernel installed in their own image when the lab gives no kernel.
    grub-xen-host
    # Remote access: libvirt's ssh transport runs virt-ssh-helper or falls back to nc.
    openssh-server netcat-openbsd
    # A booting system with ifupdown networking, a bridge and tools for debugging.
    systemd-sysv udev kmod ifupdown iproute2 bridge-utils procps less busybox
)

# Each hook runs on the finished root filesystem ($1) before mmdebstrap packs it.
hooks=(
    'echo xendom0 > "$1/etc/hostname"'
    'printf "127.0.0.1 localhost\n127.0.1.1 xendom0\n" > "$1/etc/hosts"'
    'echo "/dev/vda / ext4 defaults,errors=remount-ro 0 1" > "$1/etc/fstab"'
    # Root logs in with the key only.
    'install -d -m 700 "$1/root/.ssh"'
    "install -m 600 '$out/id_ed25519.pub' \"\$1/root/.ssh/authorized_keys\""
    'cat > "$1/etc/network/interfaces" <<EOF
auto lo
iface lo inet loopback

# QEMU user-mode networking: fixed address, gateway and DNS server.
auto eth0
iface eth0 inet static
    address 10.0.2.15/24
    gateway 10.0.2.2

# Host-only bridge for bridge-mode guests (no uplink).
auto xenbr0
iface xenbr0 inet static
    address 10.98.0.1/24
    bridge_ports none
    bridge_stp off
    bridge_fd 0
EOF'
    'echo "nameserver 10.0.2.3" > "$1/etc/resolv.conf"'
    # Per-guest console logs (the Debian init script reads XENCONSOLED_ARGS, not XENCONSOLED_TRACE).
    'mkdir -p "$1/var/log/xen/console"'
    'echo "XENCONSOLED_ARGS=\"--log=guest --log-dir=/var/log/xen/console\"" >> "$1/etc/default/xen"'
    # The cpu_map fix (see the header); fail the build if the file no longer looks as expected.
    'f="$1/usr/share/libvirt/cpu_map/x86_qemu64.xml"; grep -q "<feature name=.sep./>" "$f" && sed -i "/<feature name=.sep.\/>/d" "$f" && ! grep -q "name=.sep." "$f"'
    # An emulated dom0 starting several guests at once answers late: libvirtd's default
    # keepalive (a ping every 5 s, the client dropped after 5 unanswered) closed vlab's
    # connection in the middle of an apply ("connection closed due to keepalive timeout").
    'printf "keepalive_interval = 10\nkeepalive_count = 30\n" >> "$1/etc/libvirt/libvirtd.conf"'
    # dom0 first: its scheduler weight is 4 times a guest's (credit2's default is 256), so
    # the back ends and hotplug scripts that starting a guest needs keep running while the
    # guests already started keep both CPUs busy (libxl kills a hotplug script that takes
    # more than 40 s, and the domain fails).
    'printf "[Unit]\nDescription=dom0 scheduler weight\nAfter=xen.service\nBefore=libvirtd.service\n\n[Service]\nType=oneshot\nExecStart=/usr/sbin/xl sched-credit2 -d Domain-0 -w 1024\n\n[Install]\nWantedBy=multi-user.target\n" > "$1/etc/systemd/system/dom0-weight.service"'
    'chroot "$1" systemctl enable dom0-weight.service'
    'mkdir -p "$1/etc/systemd/system/libvirtd.service.d"'
    'printf "[Unit]\nWants=xen.service\nAfter=xen.service\n" > "$1/etc/systemd/system/libvirtd.service.d/after-xen.conf"'
    # libvirt's "default" NAT network (192.168.122.0/24) is not needed: vlab makes its own.
    'rm -f "$1/etc/libvirt/qemu/networks/autostart/default.xml"'
    'chroot "$1" systemctl enable ssh.service libvirtd.service'
    # Nothing periodic that competes for the emulated CPU during a test.
    'chroot "$1" systemctl mask apt-daily.timer apt-daily-upgrade.timer man-db.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer libvirt-guests.service'
)
hook_args=()
for hook in "${hooks[@]}"; do hook_args+=(--customize-hook="$hook"); done

echo "build-xen-host: mmdebstrap bookworm into $root (downloads about 300 MB)"
mmdebstrap --variant=important --quiet \
    --aptopt='Apt::Install-Recommends "false"' \
    --include="$(IFS=,; echo "${packages[*]}")" \
    "${hook_args[@]}" \
    bookworm "$root" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main"

shopt -s nullglob
xen_gz=("$root"/boot/xen-4.17*-amd64.gz)
shopt -u nullglob
[ ${#xen_gz[@]} -gt 0 ] || { echo "error: no /boot/xen-4.17*-amd64.gz in the dom0 root filesystem" >&2; exit 1; }
zcat "${xen_gz[0]}" > "$work/xen.elf"
cp -L "$root/vmlinuz" "$work/vmlinuz"
cp -L "$root/initrd.img" "$work/initrd"
# 8 GiB sparse: room for vlab's pool (base images, overlays, seeds) inside the dom0.
mkfs.ext4 -q -F -L dom0root -d "$root" "$work/dom0.img" 8G
for f in xen.elf vmlinuz initrd dom0.img; do mv -f "$work/$f" "$out/$f"; done
echo "$stamp" > "$out/BUILD_STAMP"
echo "build-xen-host: built $out ($(du -sh --apparent-size "$out/dom0.img" | cut -f1) image, $(du -sh "$out/dom0.img" | cut -f1) used)"
