#!/bin/busybox sh
# Stage 1 of the test guest: modules, then the nix-store and boot shares read-only over a tmpfs root and
# the data shares writable, the volumes formatted when blank, grown to their disks and mounted (as NixOS's autoFormat and
# autoResize do), then the init= of the kernel command line. Any failure powers the guest off so that no test hangs.
# The 9p shares' message size is the guest module's default unless the kernel line says `miniguest.msize=N`
# (bench/msize), or `miniguest.msize=default` for none at all, the kernel's own.
/bin/busybox mkdir -p /proc /sys /dev /sysroot
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

fail() { echo "miniguest-initrd: error: $*"; poweroff -f; }

for module in $(cat /lib/modules/load-order); do
  # The volumes' disk and file system only where there are volumes: every other guest boots as fast as before.
  case "$module" in crc16|crc32c_generic|mbcache|jbd2|ext4|virtio_blk) [ -n "@volumes@" ] || continue ;; esac
  insmod "/lib/modules/$module.ko" || fail "insmod $module"
done

init= msize=@msize@
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    init=*) init="${arg#init=}" ;;
    miniguest.msize=default) msize= ;;
    miniguest.msize=*) msize=${arg#miniguest.msize=} ;;
  esac
done
[ -n "$init" ] || fail "no init= on the kernel command line"

mount -t tmpfs -o mode=755 root /sysroot || fail "tmpfs root"
mkdir -p /sysroot/nix/store /sysroot/boot /sysroot/proc /sysroot/sys /sysroot/dev /sysroot/tmp
case "@fsType@" in
  9p) share() { mount -t 9p -o trans=virtio,version=9p2000.L,${msize:+msize=$msize,}cache=loose,ro "$1" "$2"; } ;;
  virtiofs) share() { mount -t virtiofs -o ro "$1" "$2"; } ;;
esac
share nix-store /sysroot/nix/store || fail "mount of the nix-store share"
share boot /sysroot/boot || fail "mount of the boot share"
for data in @shares@; do
  tag=${data%%:*} where=${data#*:}
  mkdir -p "/sysroot$where"
  case "@fsType@" in
    9p) mount -t 9p -o trans=virtio,version=9p2000.L,${msize:+msize=$msize,}cache=mmap "$tag" "/sysroot$where" ;;
    virtiofs) mount -t virtiofs "$tag" "/sysroot$where" ;;
  esac || fail "mount of the $tag share"
done
# The names udev gives virtio disks by their serials, which a volume's is its name.
for disk in /sys/block/vd*; do
  [ -e "$disk/serial" ] || continue
  mkdir -p /dev/disk/by-id
  ln -s "../../${disk##*/}" "/dev/disk/by-id/virtio-$(cat "$disk/serial")"
done
for volume in @volumes@; do
  device=${volume%%:*} where=${volume#*:}
  [ -e "$device" ] || fail "no disk $device"
  # An ext superblock's magic, 0xef53, at byte 1080: anything else is a blank disk to format.
  if [ "$(dd if="$device" bs=1 skip=1080 count=2 2>/dev/null | od -An -tx1 | tr -d ' ')" != 53ef ]; then
    /bin/mke2fs -q -t ext4 "$device" || fail "mke2fs on $device"
  fi
  mkdir -p "/sysroot$where"
  mount -t ext4 "$device" "/sysroot$where" || fail "mount of $device"
  /bin/resize2fs "$device" >/dev/null 2>&1 || fail "resize2fs on $device"
done
[ -x "/sysroot$init" ] || fail "init $init is not executable in the guest"

mount -t devtmpfs devtmpfs /sysroot/dev
umount /sys /proc
exec switch_root /sysroot "$init"
