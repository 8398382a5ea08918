#!@busybox@/bin/busybox sh
# The test guest's switch-to-configuration, as far as a test can tell NixOS's: run with `switch` by the guest's agent,
# it says what it activates on its output, makes its system the current one and reports the switch on the console and
# in /miniguest-test-report. A system whose init holds the mark miniguest-test-fail-switch fails instead, as a broken
# activation does.
bb=@busybox@/bin/busybox
system=$($bb dirname "$($bb dirname "$0")")
[ "${1:-}" = switch ] || { echo "usage: switch-to-configuration switch" >&2; exit 2; }
echo "activating $system"
if $bb grep -q miniguest-test-fail-switch "$system/init"; then
  echo "activation failed: the system is marked miniguest-test-fail-switch" >&2
  exit 3
fi
$bb ln -sfn "$system" /run/current-system
echo "miniguest-test-guest: switched to $system" >/dev/console
echo "miniguest-test-guest: switched to $system" >>/miniguest-test-report
