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
# Writes OUTDIR/vmlinuz, OUTDIR/initrd.gz, OUTDIR/root.raw (a blank root disk) and
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
mkdir kernel busybox root
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
        echo "vlab-tiny: $interface $ip" > /dev/console
        ;;
esac
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
    echo "vlab-tiny: no cidata seed found"
else
    # vlab writes values as YAML double-quoted scalars (plain ones are read too).
    echo "vlab-tiny: instance-id $(sed -n 's/^instance-id: *//p' /mnt/meta-data | tr -d '"')"
    echo "vlab-tiny: hostname $(sed -n 's/^local-hostname: *//p' /mnt/meta-data | tr -d '"')"
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
        echo "vlab-tiny: $nic ${static%/*}"
    else
        udhcpc -i "$nic" -s /dhcp-event -q -n -t 20 -T 1 >/dev/null 2>&1 || echo "vlab-tiny: $nic no lease"
    fi
done
echo "vlab-tiny: ready"
while true; do sleep 3600; done
SCRIPT
chmod +x root/init root/dhcp-event
(cd root && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initrd.gz"
cp kernel/boot/vmlinuz-* "$out/vmlinuz"
truncate -s 8M "$out/root.raw"
(cd "$out" && sha256sum vmlinuz initrd.gz root.raw > SHA256SUMS)
echo "$stamp" > "$out/BUILD_STAMP"
