#!@busybox@/bin/busybox sh
# The test guest's system init: announces itself on the console, tries as root to write to the
# host's store (remounting it read-write first, as an attacker would), reports, and powers off.
# A container whose root holds /miniguest-test-wait instead waits until it is asked to shut down (/miniguest-test-deaf
# too: it then has no initctl pipe, as an init that ignores the request); one whose root holds
# /miniguest-test-attack runs it; one whose root holds /miniguest-test-echo echoes its console's bytes.
# A server variant serves instead of powering off: it asks for an address by DHCP on its interface, says it, and
# serves a page naming itself over HTTP until it is stopped. (Only the server variants: a container that an admin let
# share the host's network namespace must never touch the host's interfaces.)
# A bench variant measures its data's sequential writes and reads.
# An idle variant waits until it is stopped; a VM's first touches 48 MiB and frees it again, memory that free page
# reporting can give back to the host. One with a data share takes two seconds to shut down when asked, as a real guest
# saving its state does, and then leaves /shut-down in the share: the mark of a clean shutdown, which a guest pulled off
# never leaves.
# Every variant that waits runs Miniguest's agent on its channel, as the guest module's service does, with its system as
# the current one, so that `miniguest switch` can move it to another (see switch-to-configuration.sh).
# Each report line goes to the console and to /miniguest-test-report: a container's root is the host's to read, and a
# container can finish before a console is attached to it (libvirt-LXC cannot start one paused).
bb=@busybox@/bin/busybox
say() { echo "miniguest-test-guest: $1"; echo "miniguest-test-guest: $1" >>/miniguest-test-report 2>/dev/null; }
$bb mkdir -p /proc
$bb mount -t proc proc /proc 2>/dev/null
say "@variant@ is up (init $0)"

probe=/nix/store/miniguest-write-probe-@variant@
$bb mount -o remount,rw /nix/store 2>/dev/null
if $bb touch "$probe" 2>/dev/null; then
  say "store-write=succeeded"
else
  say "store-write=refused"
fi
read -r uid_in uid_out uid_count < /proc/self/uid_map; say "uid_map=$uid_in $uid_out $uid_count"
# Its systemd credentials, where systemd finds them: a VM's among QEMU's fw_cfg entries, a container's in
# $CREDENTIALS_DIRECTORY. Each said by its ID and the SHA-256 of its content, never the content.
[ -e /sys/firmware ] || { $bb mkdir -p /sys && $bb mount -t sysfs sysfs /sys 2>/dev/null; }
for file in /sys/firmware/qemu_fw_cfg/by_name/opt/io.systemd.credentials/*/raw ${CREDENTIALS_DIRECTORY:+"$CREDENTIALS_DIRECTORY"/*}; do
  [ -f "$file" ] || continue
  case "$file" in */raw) id=${file%/raw} ;; *) id=$file ;; esac
  say "credential ${id##*/} sha256=$($bb sha256sum <"$file" | $bb cut -d' ' -f1)"
done
# The system booted, as NixOS links it: the top level the boot directory's init belongs to. The agent on the channel: a
# VM's virtio port by its name, a container's second console.
$bb mkdir -p /run
# Waiting, as an idle init does, starts no process: a read with a time limit from a pipe nobody writes to, which a trapped
# signal ends at once. (A process a second would touch new guest memory all the time.)
$bb mkfifo -m 600 /run/miniguest-test-idle && exec 5<>/run/miniguest-test-idle
idle() { while :; do read -r -t 60 _ <&5; done; }
$bb ln -sfn "$($bb dirname "$($bb readlink /boot/init)")" /run/current-system
case "@variant@" in container*) channel=/dev/tty2 ;; *) channel= ;; esac
for port in /sys/class/virtio-ports/*; do
  [ "$($bb cat "$port/name" 2>/dev/null)" = org.miniguest.agent.0 ] && channel=/dev/${port##*/}
done
# Started once the init has done all it does before it waits (a VM's memory ballast freed, a container's shutdown pipe
# made), and aside, so that it delays nothing: a shutdown request the init is not ready for yet is lost.
start_agent() {
  if [ -n "$channel" ] && [ -e "$channel" ]; then
    ($bb mkdir -p /run/agent-bin && $bb --install -s /run/agent-bin && PATH=/run/agent-bin exec $bb sh @agent@ "$channel") </dev/null >/dev/null 2>&1 &
  fi
}
# A guest with a data share or volume counts its boots there, and leaves in it what a hostile guest would: a setuid copy of its
# shell, a device node anyone may open (the null device, harmless) and links to a host file and a host directory.
data=@data@
if [ -n "$data" ]; then
  boots=$($bb cat "$data/boots" 2>/dev/null)
  boots=$((${boots:-0} + 1))
  echo "$boots" >"$data/boots"
  $bb cp "$bb" "$data/setuid-shell" && $bb chmod 4755 "$data/setuid-shell"
  $bb mknod "$data/device-node" c 1 3 2>/dev/null && $bb chmod 666 "$data/device-node"
  $bb ln -sfn /var/tmp/miniguest-test-share-target "$data/link-to-host-file"
  $bb ln -sfn /var/tmp/miniguest-test-share-target-dir "$data/link-to-host-directory"
  $bb sync
  say "boots=$boots"
  # The size of the file system it is on: a volume's grows with the volume.
  say "data-kib=$($bb df -kP "$data" | $bb tail -n 1 | $bb awk '{print $2}')"
fi
# A bench variant writes 256 MiB to its data share or volume and reads them back with its caches dropped, and says how
# long each took, in hundredths of a second (bench/volumes).
if [ "@bench@" = yes ] && [ -n "$data" ]; then
  now() { $bb cut -d' ' -f1 /proc/uptime | $bb tr -d .; }
  start=$(now)
  $bb dd if=/dev/zero of="$data/bench" bs=1M count=256 conv=fsync 2>/dev/null
  wrote=$(($(now) - start))
  $bb sync
  echo 3 >/proc/sys/vm/drop_caches
  start=$(now)
  $bb dd if="$data/bench" of=/dev/null bs=1M 2>/dev/null
  read=$(($(now) - start))
  $bb rm -f "$data/bench"
  say "bench write-cs=$wrote read-cs=$read"
fi
shut_down() {
  if [ -n "$data" ]; then
    $bb sleep 2
    echo clean >"$data/shut-down"
  fi
}
# The security tests play a hostile guest: a script they put in the container's root runs as its root, beside the rest.
if [ -e /miniguest-test-attack ]; then
  say "attacking"
  bb=$bb $bb sh /miniguest-test-attack &
fi
# One whose root holds /miniguest-test-echo reads its console raw and says each byte it gets, in hex.
if [ -e /miniguest-test-echo ]; then
  $bb stty raw -echo
  say "echoing"
  while :; do say "byte$($bb dd bs=1 count=1 2>/dev/null | $bb od -An -tx1)"; done
fi
if [ "@serve@" = yes ]; then
  $bb mkdir -p /tmp /srv
  $bb ip link set lo up
  $bb ip link set eth0 up
  printf '#!%s sh\ncase "$1" in bound|renew) %s ip addr add "$ip/$mask" dev "$interface"; echo "$ip/$mask" >/tmp/address;; esac\n' "$bb" "$bb" >/tmp/udhcpc.sh
  $bb chmod 755 /tmp/udhcpc.sh
  # A new bridge port forwards only after a moment: ask again for up to a minute.
  if $bb udhcpc -i eth0 -s /tmp/udhcpc.sh -q -n -t 30 -T 2 >/dev/null 2>&1; then
    say "address=$($bb cat /tmp/address)"
  else
    say "address=none"
  fi
  echo "served by @variant@" >/srv/index.html
  $bb httpd -p 80 -h /srv
  trap 'say "shutdown requested"; $bb sync; exit 0' TERM INT
  start_agent
  say "serving"
  idle
fi
if [ "@idle@" = yes ]; then
  case "@variant@" in
    vm*) $bb dd if=/dev/zero of=/tmp/ballast bs=1M count=48 2>/dev/null; $bb rm -f /tmp/ballast ;;
  esac
  say "idle"
fi
if [ -e /miniguest-test-wait ] || [ "@idle@" = yes ]; then
  trap 'say "shutdown requested"; shut_down; $bb sync; exit 0' TERM INT
  # A container is asked to shut down on /run/initctl, as libvirt-LXC asks by default and systemd (a NixOS guest's init)
  # answers: a request there is passed on to the trap above. One whose root holds /miniguest-test-deaf has no such pipe,
  # as an init that ignores the request.
  case "@variant@" in
    container*)
      if [ ! -e /miniguest-test-deaf ]; then
        $bb mkdir -p /run && $bb mkfifo -m 600 /run/initctl &&
          (while :; do $bb dd if=/run/initctl of=/dev/null bs=384 count=1 2>/dev/null && $bb kill -TERM 1; done) &
      fi
      ;;
  esac
  start_agent
  say "waiting for shutdown"
  idle
fi
say "powering off"
$bb sync
$bb poweroff -f
exit 0
