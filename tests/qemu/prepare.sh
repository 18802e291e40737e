#!/usr/bin/env bash
# prepare.sh DIR: a second kernel for the tests that need what this machine's
# kernel lacks (kprobes). Debian's stock kernel package is unpacked (not
# installed) into DIR, and an initramfs is made from a static busybox (which
# also lends its cpio) and the modules that mount the host's root
# over virtio-9p. Needs qemu-system-x86 and busybox-static; run once, by
# .ci/run or by hand.
set -euo pipefail
dir=$(realpath -m "$1")
mkdir -p "$dir"
cd "$dir"
[ -f vmlinuz ] && [ -f initrd.cpio.gz ] && exit 0

pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
[ -n "$pkg" ] || { echo "prepare.sh: no linux-image package known to apt" >&2; exit 1; }
rm -rf deb root initrd
mkdir deb
(cd deb && apt-get download "$pkg" >/dev/null 2>&1 || apt-get download "$pkg")
dpkg-deb -x deb/*.deb root
kver=$(ls root/lib/modules)
cp root/boot/vmlinuz-* vmlinuz.tmp

# the modules for 9p over virtio-pci, dependencies first
mods=root/lib/modules/$kver
declare -A seen=()
order=()
add() {
    local name=$1 file
    [ -n "${seen[$name]:-}" ] && return
    seen[$name]=1
    file=$(find "$mods" -name "$name.ko" -o -name "${name//_/-}.ko" | head -1)
    [ -n "$file" ] || return 0 # built in
    local dep
    # the module's .modinfo section says "depends=a,b"
    for dep in $(tr '\0' '\n' <"$file" | sed -n 's/^depends=//p' | tr ',' ' '); do add "$dep"; done
    order+=("$file")
}
for m in virtio_pci 9pnet_virtio 9p; do add "$m"; done

mkdir -p initrd/{bin,dev,proc,sys,mnt,modules}
cp "$(command -v busybox)" initrd/bin/busybox
if ldd initrd/bin/busybox >/dev/null 2>&1; then
    echo "prepare.sh: busybox must be linked statically (busybox-static)" >&2
    exit 1
fi
: >initrd/modules/order
for f in "${order[@]}"; do
    cp "$f" initrd/modules/
    basename "$f" >>initrd/modules/order
done
cat >initrd/init <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /modules/order); do insmod /modules/$m; done
script=$(sed -n 's/.*tp\.script=\([^ ]*\).*/\1/p' /proc/cmdline)
if mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000 hostroot /mnt; then
    mount -t proc proc /mnt/proc
    mount -t sysfs sys /mnt/sys
    mount -t devtmpfs dev /mnt/dev
    mkdir -p /mnt/dev/pts && mount -t devpts devpts /mnt/dev/pts
    # somewhere to write that hides nothing of the host's: the script, and the
    # tree it runs from, may be anywhere, /tmp included
    mount -t tmpfs tmp /mnt/run
    mkdir /mnt/run/tmp
    echo "TP-QEMU-START $(uname -r)"
    chroot /mnt /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/run/tmp TMPDIR=/run/tmp \
        /bin/bash "$script"
    echo "TP-QEMU-EXIT $?"
else
    echo "TP-QEMU-EXIT 125 (the host's root could not be mounted)"
fi
poweroff -f
INIT
chmod +x initrd/init
(cd initrd && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1) >initrd.cpio.gz
mv vmlinuz.tmp vmlinuz
rm -rf deb root initrd
echo "prepared $pkg in $dir"
