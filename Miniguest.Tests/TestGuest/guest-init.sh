#!@busybox@/bin/busybox sh
# The test guest's system init: announces itself on the console, tries as root to write to the
# host's store (remounting it read-write first, as an attacker would), reports, and powers off.
bb=@busybox@/bin/busybox
$bb mkdir -p /proc
$bb mount -t proc proc /proc 2>/dev/null
echo "miniguest-test-guest: @variant@ is up (init $0)"

probe=/nix/store/miniguest-write-probe-@variant@
$bb mount -o remount,rw /nix/store 2>/dev/null
if $bb touch "$probe" 2>/dev/null; then
  echo "miniguest-test-guest: store-write=succeeded"
else
  echo "miniguest-test-guest: store-write=refused"
fi
echo "miniguest-test-guest: powering off"
$bb sync
$bb poweroff -f
exit 0
