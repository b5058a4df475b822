#!/usr/bin/env bash
# Builds the tiny test guest from Debian packages: the Debian cloud kernel and a busybox
# initramfs that loads the virtio, Xen front-end and vfat modules, mounts the cidata seed
# (a virtio `vd*` disk on KVM, a Xen `xvd*` disk on Xen), prints its
# instance-id and hostname, asks for an address by DHCP on every NIC without a static one,
# starts an SSH server (dropbear, from its root disk) with the seed's user, login keys and
# host key, prints `vlab-tiny: ready` on the console, then runs a shell there (for
# `vlab console`). Any user may ping. Boots in seconds under emulation.
#
# Its report lines, in order: `guest-type T` (Xen only), `cmdline ...`, `instance-id ...`
# and `hostname ...` (or `no cidata seed found`), one `ethN ADDRESS` (or `ethN no lease`)
# per NIC, `ssh 22` when dropbear runs, and `ready`. Tests and scripts read them: keep them.
#
# The same guest runs on KVM (virtio disks /dev/vdX, serial console: cmdline console=ttyS0)
# and as a Xen PV or PVH guest (xen-blkfront disks /dev/xvdX, netfront NICs, Xen console:
# console=hvc0); its messages go to whichever console the command line names.
#
# Usage: tests/guests/build-tiny-guest.sh OUTDIR
# Writes OUTDIR/vmlinuz, OUTDIR/initrd.gz, OUTDIR/root.raw (an ext2 root disk holding the
# same kernel and initramfs with a grub.cfg, for PV GRUB; see below) and
# OUTDIR/SHA256SUMS. Reuses what is already built by this version of the script (BUILD_STAMP).
#
# The SSH server lives on the root disk, not in the initramfs: a Xen guest booted through PV
# GRUB reads the kernel and initramfs from its disk at tens of KiB/s, so the initramfs stays
# small. init mounts the first disk read-only and runs /opt/ssh/bin/dropbear with the
# shared libraries beside it (/opt/ssh/lib, the dynamic loader included); a guest without
# that disk boots and reports ready as before, without SSH.
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
# dropbear-bin and the libraries it links (Debian 12's): see the ldd check below.
ssh_debs="dropbear-bin libtomcrypt1 libtommath1 libgmp10 libcrypt1 zlib1g libc6"
# shellcheck disable=SC2086
apt-get download -q busybox-static $ssh_debs "$(apt-cache depends linux-image-cloud-amd64 | awk '/Depends: linux-image-/ {print $2; exit}')" >/dev/null 2>&1 \
    || { echo "error: apt-get download of the cloud kernel, busybox-static and dropbear-bin ($ssh_debs) failed" >&2; exit 1; }
mkdir kernel busybox root disk ssh
dpkg-deb -x linux-image-*cloud-amd64*.deb kernel
dpkg-deb -x busybox-static_*.deb busybox
for pkg in $ssh_debs; do dpkg-deb -x "$pkg"_*.deb ssh; done
modules="$(echo kernel/lib/modules/*)"

mkdir -p root/bin root/proc root/sys root/dev root/mnt root/disk root/lib/modules root/etc
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
# Starts dropbear from the root disk (mounted at /disk) with what vlab's seed (mounted at
# /mnt) says: the default user (`users:`, its first `- name:`), its `ssh_authorized_keys`
# and the node's Ed25519 host key (`ssh_keys: ed25519_private`), which vlab pinned in the
# lab's known_hosts. vlab writes each value as a JSON string on one line; the private key's
# line breaks are `\n` escapes in it. The key is converted to dropbear's format here, in the
# guest: it exists nowhere else. Fails (and init reports no `ssh` line) without the disk,
# dropbear, a user or a host key.
cat > root/start-ssh <<'SCRIPT'
#!/bin/busybox sh
ud=/mnt/user-data
[ -f "$ud" ] || exit 1
for dev in /dev/vda /dev/xvda; do
    mount -t ext2 -o ro "$dev" /disk 2>/dev/null && break
done
ssh=/disk/opt/ssh
[ -x "$ssh/bin/dropbear" ] || exit 1
user="$(awk '/^users:/ {u = 1; next} u && /^[^ ]/ {exit} u && /^  - name:/ {sub(/^  - name: */, ""); gsub(/"/, ""); print; exit}' "$ud")"
[ -n "$user" ] || exit 1
# The binaries' loader is /lib64/ld-linux-x86-64.so.2; the initramfs has none of its own.
mkdir -p /lib64 /run/ssh /etc
ln -sf "$ssh/lib/ld-linux-x86-64.so.2" /lib64/ld-linux-x86-64.so.2
export LD_LIBRARY_PATH="$ssh/lib"
chmod 700 /run/ssh
sed -n 's/^  ed25519_private: *"\(.*\)"$/\1/p' "$ud" | sed 's/\\n/\n/g' > /run/ssh/host_key.openssh
chmod 600 /run/ssh/host_key.openssh
"$ssh/bin/dropbearconvert" openssh dropbear /run/ssh/host_key.openssh /run/ssh/host_key >/dev/null 2>&1 || exit 1
rm -f /run/ssh/host_key.openssh
# `*`: no password can log in (dropbear refuses an empty one, and `-s` turns passwords off).
home="/home/$user"
echo "root:*:0:0:root:/root:/bin/sh" > /etc/passwd
echo "$user:*:1000:1000:vlab lab user:$home:/bin/sh" >> /etc/passwd
printf 'root:x:0:\n%s:x:1000:\n' "$user" > /etc/group
echo /bin/sh > /etc/shells
mkdir -p /root "$home/.ssh"
awk '/^    ssh_authorized_keys:/ {k = 1; next} k && /^      - / {sub(/^      - */, ""); sub(/^"/, ""); sub(/"$/, ""); print; next} k {exit}' "$ud" > "$home/.ssh/authorized_keys"
chmod 755 "$home"
chmod 700 "$home/.ssh"
chmod 600 "$home/.ssh/authorized_keys"
chown -R 1000:1000 "$home"
# Login sessions need ptys.
mkdir -p /dev/pts
mount -t devpts devpts /dev/pts 2>/dev/null
"$ssh/bin/dropbear" -r /run/ssh/host_key -s -p 22 -P /run/dropbear.pid -E 2>>/run/dropbear.log
SCRIPT
cat > root/init <<'SCRIPT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
# Any user may ping, as with iputils' ping on a distribution (a file capability there):
# busybox 1.35's ping needs a raw socket, and its shell runs `ping` as an applet of this
# binary, so the binary is setuid root. Busybox drops the privileges at once in every
# applet that does not need them (the shell, cat, ...); ping keeps them. The login user's
# `ping` in `vlab test`'s `reach` checks.
chmod u+s /bin/busybox
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
    name="$(sed -n 's/^local-hostname: *//p' /mnt/meta-data | tr -d '"')"
    hostname "$name"
    /report "hostname $name"
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
[ -n "$seed" ] && /start-ssh && /report "ssh 22"
/report "ready"
# A shell on the console (ttyS0 or hvc0, whichever the command line names), for
# `vlab console`; a new one when it exits.
while true; do
    setsid cttyhack sh -l </dev/console >/dev/console 2>&1
    sleep 1
done
SCRIPT
chmod +x root/init root/dhcp-event root/report root/start-ssh
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
mkdir -p disk/boot/grub disk/opt/ssh/bin disk/opt/ssh/lib
# dropbear and dropbearconvert, and exactly the libraries ldd resolves for them from the
# downloaded packages (the dynamic loader too); one resolved from the build host, or not
# at all, means a package is missing from ssh_debs.
cp ssh/usr/sbin/dropbear ssh/usr/bin/dropbearconvert disk/opt/ssh/bin/
libs="$PWD/ssh/lib/x86_64-linux-gnu:$PWD/ssh/usr/lib/x86_64-linux-gnu"
for bin in disk/opt/ssh/bin/*; do
    LD_LIBRARY_PATH="$libs" ldd "$bin" | awk -v ours="$PWD/ssh/" '
        /=>/ && index($3, ours) != 1 {print "error: " $1 " resolves to " $3 " (not from ssh_debs)" > "/dev/stderr"; bad = 1}
        /=>/ {print $3}
        END {exit bad}' > libs.txt || exit 1
    xargs -r cp -L -t disk/opt/ssh/lib/ < libs.txt
done
cp -L ssh/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2 disk/opt/ssh/lib/
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
