#!@busybox@/bin/busybox sh
# The test guest's system init: announces itself on the console, tries as root to write to the
# host's store (remounting it read-write first, as an attacker would), reports, and powers off.
# A container whose root holds /miniguest-test-wait instead waits until it is asked to shut down; one whose root holds
# /miniguest-test-attack runs it.
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
read -r uid_in uid_out uid_count < /proc/self/uid_map; echo "miniguest-test-guest: uid_map=$uid_in $uid_out $uid_count"
# The security tests play a hostile guest: a script they put in the container's root runs as its root, beside the rest.
if [ -e /miniguest-test-attack ]; then
  echo "miniguest-test-guest: attacking"
  bb=$bb $bb sh /miniguest-test-attack &
fi
if [ -e /miniguest-test-wait ]; then
  trap 'echo "miniguest-test-guest: shutdown requested"; $bb sync; exit 0' TERM INT
  echo "miniguest-test-guest: waiting for shutdown"
  while :; do $bb sleep 1 & wait $!; done
fi
echo "miniguest-test-guest: powering off"
$bb sync
$bb poweroff -f
exit 0
