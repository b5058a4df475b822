#!/usr/bin/env bash
# Builds a vendor-style Debian 12 cloud image from Debian's packages, for the end-to-end test
# with real cloud-init (tests/it/debian_guest.rs): mmdebstrap (minbase, the cloud kernel,
# systemd, udev, cloud-init with ifupdown + isc-dhcp-client networking and resolvconf,
# openssh-server, sudo, iproute2, growpart) into an msdos-partitioned raw disk with one ext4
# root partition, GRUB on the disk with a serial console (console=ttyS0), cloud-init limited
# to `datasource_list: [ NoCloud, None ]`, then a compressed qcow2. Like a vendor image it
# boots from its own disk, has no host keys, no machine-id and no users of its own: cloud-init
# makes them from the seed.
#
# Usage: tests/guests/build-debian-image.sh OUTDIR
# Writes OUTDIR/debian-12.qcow2, OUTDIR/vmlinuz and OUTDIR/initrd.img (the image's own kernel
# and initrd, for direct kernel boot with root=/dev/vda1 or root=/dev/xvda1), OUTDIR/SHA256SUMS
# listing the three, and OUTDIR/STAMP (a hash of this script). When STAMP matches this script
# and the files match SHA256SUMS, nothing is rebuilt.
#
# Needs root (mmdebstrap and chroot), mmdebstrap, qemu-img, sfdisk and mkfs.ext4; the missing
# ones are installed with apt-get. Uses no loop devices or mounts: the disk is assembled in a
# file. Prints where the time went.
set -euo pipefail
out="$(realpath -m "${1:?usage: build-debian-image.sh OUTDIR}")"
script="$(realpath "$0")"
stamp="$(sha256sum "$script" | cut -d' ' -f1)"
size="3G"

if [ -f "$out/STAMP" ] && [ "$(cat "$out/STAMP")" = "$stamp" ] && [ -f "$out/SHA256SUMS" ] \
    && (cd "$out" && sha256sum --quiet --check SHA256SUMS >/dev/null 2>&1); then
    echo "debian image: reusing $out (same script version)" >&2
    exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
    echo "error: build-debian-image.sh needs root (mmdebstrap, chroot)" >&2
    exit 1
fi

started=$SECONDS
phase_start=$SECONDS
phase() {
    echo "debian image: $1 ($((SECONDS - phase_start)) s)" >&2
    phase_start=$SECONDS
}

missing=()
for tool in mmdebstrap:mmdebstrap qemu-img:qemu-utils sfdisk:fdisk mkfs.ext4:e2fsprogs; do
    command -v "${tool%%:*}" >/dev/null 2>&1 || missing+=("${tool#*:}")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    phase "installed ${missing[*]}"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/vlab-debian-image.XXXXXX")"
trap 'rm -rf "$work"; rm -f "$out/debian-12.qcow2.part"' EXIT

packages=linux-image-cloud-amd64,systemd-sysv,udev,cloud-init,cloud-guest-utils
packages=$packages,ifupdown,isc-dhcp-client,resolvconf,openssh-server,netbase,sudo,iproute2
packages=$packages,e2fsprogs,grub-pc-bin,grub2-common,initramfs-tools,kmod,procps
mmdebstrap --quiet --variant=minbase --include="$packages" \
    --aptopt='Apt::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    bookworm "$work/rootfs" \
    "deb http://deb.debian.org/debian bookworm main" \
    "deb http://deb.debian.org/debian bookworm-updates main" \
    "deb http://deb.debian.org/debian-security bookworm-security main" >&2
phase "mmdebstrap"

root="$work/rootfs"
uuid="$(cat /proc/sys/kernel/random/uuid)"
kernel="$(cd "$root/boot" && ls vmlinuz-* | head -n1)"
version="${kernel#vmlinuz-}"
cmdline="console=tty0 console=ttyS0,115200n8"

# Vendor-style first-boot state: cloud-init makes the host keys, the hostname and the users.
rm -f "$root"/etc/ssh/ssh_host_*
: > "$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
# A default locale that needs no locale data: without one cloud-init's cc_locale asks for
# en_US.UTF-8, which update-locale refuses, and `cloud-init status` reports an error.
echo "LANG=C.UTF-8" > "$root/etc/default/locale"
# ifupdown hands the `dns-nameservers` that cloud-init writes from network-config to
# resolvconf, which owns /etc/resolv.conf (mmdebstrap leaves the build machine's file there).
ln -sf ../run/resolvconf/resolv.conf "$root/etc/resolv.conf"
echo "localhost" > "$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
echo "UUID=$uuid / ext4 errors=remount-ro 0 1" > "$root/etc/fstab"
printf 'auto lo\niface lo inet loopback\n\nsource /etc/network/interfaces.d/*\n' \
    > "$root/etc/network/interfaces"
mkdir -p "$root/etc/cloud/cloud.cfg.d"
echo "datasource_list: [ NoCloud, None ]" > "$root/etc/cloud/cloud.cfg.d/90_dpkg.cfg"
cat > "$root/etc/default/grub" <<EOF
GRUB_DEFAULT=0
GRUB_TIMEOUT=0
GRUB_DISTRIBUTOR=Debian
GRUB_CMDLINE_LINUX_DEFAULT=""
GRUB_CMDLINE_LINUX="$cmdline"
GRUB_TERMINAL="serial console"
GRUB_SERIAL_COMMAND="serial --speed=115200"
EOF
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/*.log

# GRUB laid out the way grub-install does it, without its device probing (which needs the
# build machine's udev): the modules in /boot/grub/i386-pc, boot.img in the MBR, core.img
# (which finds them and grub.cfg in (hd0,msdos1)/boot/grub) in the gap before the partition.
# grub.cfg is what grub-mkconfig would write; the guest's own update-grub regenerates it from
# /etc/default/grub after a kernel upgrade.
mkdir -p "$root/boot/grub/i386-pc"
cp "$root"/usr/lib/grub/i386-pc/*.mod "$root"/usr/lib/grub/i386-pc/*.lst "$root/boot/grub/i386-pc/"
cat > "$root/boot/grub/grub.cfg" <<EOF
serial --speed=115200
terminal_input serial console
terminal_output serial console
set timeout=0
insmod part_msdos
insmod ext2
search --no-floppy --fs-uuid --set=root $uuid
menuentry 'Debian GNU/Linux 12' {
    linux /boot/vmlinuz-$version root=UUID=$uuid ro $cmdline
    initrd /boot/initrd.img-$version
}
EOF
chroot "$root" grub-mkimage -O i386-pc -o /tmp/core.img -p '(hd0,msdos1)/boot/grub' \
    biosdisk part_msdos ext2
mv "$root/tmp/core.img" "$work/core.img"
if [ "$(stat -c %s "$work/core.img")" -gt $(( 2047 * 512 )) ]; then
    echo "error: GRUB's core.img does not fit before the partition" >&2
    exit 1
fi

# The disk: an msdos label with one bootable partition at 1 MiB, the ext4 root filled from
# the tree inside it, GRUB's boot sectors in front.
truncate -s "$size" "$work/disk.raw"
echo 'start=2048, type=83, bootable' | sfdisk --quiet "$work/disk.raw"
part_mib=$(( $(stat -c %s "$work/disk.raw") / 1048576 - 1 ))
mkfs.ext4 -q -L rootfs -U "$uuid" -E offset=1048576 -d "$root" "$work/disk.raw" "${part_mib}M"
dd if="$root/usr/lib/grub/i386-pc/boot.img" of="$work/disk.raw" bs=440 count=1 conv=notrunc status=none
dd if="$work/core.img" of="$work/disk.raw" bs=512 seek=1 conv=notrunc status=none
sfdisk --dump "$work/disk.raw" | grep -q 'start=        2048' \
    || { echo "error: the partition table did not survive writing the disk" >&2; exit 1; }
phase "GRUB, partition and ext4 from the tree"

mkdir -p "$out"
rm -f "$out/STAMP" "$out/SHA256SUMS"
qemu-img convert -c -O qcow2 "$work/disk.raw" "$out/debian-12.qcow2.part"
mv "$out/debian-12.qcow2.part" "$out/debian-12.qcow2"
cp "$root/boot/vmlinuz-$version" "$out/vmlinuz"
cp "$root/boot/initrd.img-$version" "$out/initrd.img"
(cd "$out" && sha256sum debian-12.qcow2 vmlinuz initrd.img > SHA256SUMS)
echo "$stamp" > "$out/STAMP"
phase "compressed qcow2 ($(du -m "$out/debian-12.qcow2" | cut -f1) MiB, $size virtual)"
echo "debian image: built $out in $((SECONDS - started)) s (kernel $version)" >&2
