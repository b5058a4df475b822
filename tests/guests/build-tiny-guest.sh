#!/usr/bin/env bash
# Builds the tiny test guest from Debian packages: the Debian cloud kernel and a busybox
# initramfs that loads the virtio, Xen front-end and vfat modules, mounts the cidata seed
# (a virtio `vd*` disk on KVM, a Xen `xvd*` disk on Xen), prints its
# instance-id and hostname, asks for an address by DHCP on every NIC without a static one,
# and prints `vlab-tiny: ready` on the console. Boots in seconds under emulation.
#
# The same guest runs on KVM (virtio disks /dev/vdX, serial console: cmdline console=ttyS0)
# and as a Xen PV or PVH guest (xen-blkfront disks /dev/xvdX, netfront NICs, Xen console:
# console=hvc0); its messages go to whichever console the command line names.
#
# Usage: tests/guests/build-tiny-guest.sh OUTDIR
# Writes OUTDIR/vmlinuz, OUTDIR/initrd.gz, OUTDIR/root.raw (an ext2 root disk holding the
# same kernel and initramfs with a grub.cfg, for PV GRUB; see below) and
# OUTDIR/SHA256SUMS. Reuses what is already built by this version of the script (BUILD_STAMP).
set -euo pipefail
out="$(realpath -m "${1:?usage: build-tiny-guest.sh OUTDIR}")"
mkdir -p "$out"
# Tests that run at once share one build: the first builds, the others wait and reuse it.
exec 9>"$out/.lock"
flock 9
stamp="$(sha256sum "$(realpath "$0")" | cut -d' ' -f1)"
[ -f "$out/SHA256SUMS" ] && [ "$(cat "$out/BUILD_STAMP" 2>/dev/null)" = "$stamp" ] && exit 0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
apt-get download -q busybox-static "$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')" >/dev/null 2>&1 \
    || { echo "error: apt-get download of the cloud kernel and busybox-static failed" >&2; exit 1; }
mkdir kernel busybox root disk
dpkg-deb -x linux-image-*cloud-amd64*.deb kernel
dpkg-deb -x busybox-static_*.deb busybox
modules="$(echo kernel/lib/modules/*)"

mkdir -p root/bin root/proc root/sys root/dev root/mnt root/lib/modules root/etc
cp busybox/bin/busybox root/bin/busybox
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk \
         failover net_failover virtio_net xen-blkfront xen-netfront fat vfat nls_cp437 nls_iso8859-1; do
    cp "$(find "$modules" -name "$m.ko")" root/lib/modules/
done
cat > root/dhcp-event <<'SCRIPT'
#!/bin/busybox sh
case "$1" in
    bound|renew)
        ip addr add "$ip/$mask" dev "$interface"
        [ -n "$router" ] && ip route add default via "${router%% *}" dev "$interface" 2>/dev/null
        /report "$interface $ip"
        ;;
esac
SCRIPT
# One report line on the console. An HVM guest on Xen also has Xen's PV console (hvc0,
# which xenconsoled logs in the dom0) beside its serial console: the line goes there too, so
# the Xen tests read every guest's report from the same place.
cat > root/report <<'SCRIPT'
#!/bin/busybox sh
echo "vlab-tiny: $*" > /dev/console
if [ "$(cat /sys/hypervisor/guest_type 2>/dev/null)" = HVM ] && [ -c /dev/hvc0 ]; then
    echo "vlab-tiny: $*" > /dev/hvc0 2>/dev/null
fi
SCRIPT
cat > root/init <<'SCRIPT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk \
         failover net_failover virtio_net xen-blkfront xen-netfront fat vfat nls_cp437 nls_iso8859-1; do
    insmod /lib/modules/$m.ko 2>/dev/null
done
# How it was booted, for the Xen tests: the guest type (PV, PVH or HVM) and the command
# line (PVH GRUB adds BOOT_IMAGE= to it).
[ -r /sys/hypervisor/guest_type ] && /report "guest-type $(cat /sys/hypervisor/guest_type)"
/report "cmdline $(cat /proc/cmdline)"
seed=""
for _ in $(seq 1 300); do
    # busybox-static has no blkid: the seed is the vfat disk holding meta-data.
    for dev in /dev/vd? /dev/xvd?; do
        if mount -t vfat -o ro,iocharset=iso8859-1 "$dev" /mnt 2>/dev/null; then
            [ -f /mnt/meta-data ] && { seed="$dev"; break; }
            umount /mnt
        fi
    done
    [ -n "$seed" ] && break
    sleep 0.1
done
if [ -z "$seed" ]; then
    /report "no cidata seed found"
else
    # vlab writes values as YAML double-quoted scalars (plain ones are read too).
    /report "instance-id $(sed -n 's/^instance-id: *//p' /mnt/meta-data | tr -d '"')"
    /report "hostname $(sed -n 's/^local-hostname: *//p' /mnt/meta-data | tr -d '"')"
fi
for _ in $(seq 1 300); do
    [ -e /sys/class/net/eth0 ] && break
    sleep 0.1
done
for path in /sys/class/net/eth*; do
    nic="${path##*/}"
    ip link set "$nic" up
    mac="$(cat "$path/address")"
    # A static address in network-config (the line after this MAC's `addresses:`).
    static="$(awk -v mac="$mac" 'index($0, mac) {found=1} found && /addresses:/ {getline; gsub(/[ "-]/, ""); print; exit}' /mnt/network-config 2>/dev/null)"
    if [ -n "$static" ]; then
        ip addr add "$static" dev "$nic"
        /report "$nic ${static%/*}"
    else
        udhcpc -i "$nic" -s /dhcp-event -q -n -t 20 -T 1 >/dev/null 2>&1 || /report "$nic no lease"
    fi
done
/report "ready"
while true; do sleep 3600; done
SCRIPT
chmod +x root/init root/dhcp-event root/report
(cd root && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initrd.gz"
cp kernel/boot/vmlinuz-* "$out/vmlinuz"
# The root disk: an ext2 file system (no partition table) holding the same kernel and
# initramfs under /boot and a /boot/grub/grub.cfg, so that a Xen guest with no `kernel` in
# its image boots it through PV GRUB 2 or PVH GRUB 2, which search the guest's disks for
# that file. Direct kernel boot (KVM, and Xen with the image's kernel) ignores the disk.
# PV GRUB 2 (x86_64-xen) loads the kernel as an ELF image itself, decompressing it with its
# own filters (gzio, xzio, lzopio); Debian 12's cloud kernel is an LZ4 bzImage, which it
# cannot read ("error: not xen image."). So the disk also holds the same kernel's ELF image,
# xz-compressed, for PV GRUB; PVH GRUB 2 boots the bzImage as a PC boot loader would.
for tool in mke2fs:e2fsprogs lz4:lz4 xz:xz-utils od:coreutils; do
    command -v "${tool%%:*}" >/dev/null || { echo "error: ${tool%%:*} not found (Debian package ${tool#*:})" >&2; exit 1; }
done
mkdir -p disk/boot/grub
bzimage="$(echo kernel/boot/vmlinuz-*)"
cp "$bzimage" disk/boot/vmlinuz
cp "$out/initrd.gz" disk/boot/initrd.gz
header() { od -An -t u"$2" -j "$1" -N "$2" "$bzimage" | tr -d ' '; }
payload_at=$(( ($(header $((0x1f1)) 1) + 1) * 512 + $(header $((0x248)) 4) ))
# The payload ends with the kernel's size (4 bytes), which lz4 may call trailing garbage.
tail -c +$((payload_at + 1)) "$bzimage" | head -c "$(header $((0x24c)) 4)" | lz4 -dc > vmlinux 2>/dev/null || true
[ "$(head -c 4 vmlinux | od -An -t x1 | tr -d ' ')" = 7f454c46 ] ||
    { echo "error: could not unpack the kernel's ELF image from $bzimage (not LZ4?)" >&2; exit 1; }
xz -T0 -1 -c vmlinux > disk/boot/vmlinux.xz
cat > disk/boot/grub/grub.cfg <<'GRUB'
set timeout=0
menuentry 'vlab tiny guest' {
    if [ "$grub_platform" = xen ]; then
        insmod xzio
        linux /boot/vmlinux.xz console=hvc0
    else
        linux /boot/vmlinuz console=hvc0
    fi
    initrd /boot/initrd.gz
}
GRUB
rm -f "$out/root.raw"
mke2fs -q -t ext2 -L vlab-tiny -E root_owner=0:0 -d disk "$out/root.raw" 48M >/dev/null
(cd "$out" && sha256sum vmlinuz initrd.gz root.raw > SHA256SUMS)
echo "$stamp" > "$out/BUILD_STAMP"
