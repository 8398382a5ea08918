# Miniguest's agent inside a guest: answers the host on the guest's channel, one request a line, and decides itself
# what it runs. The channel is DEVICE, the first argument: a VM's virtio-serial port org.miniguest.agent.0, a
# container's second console (/dev/tty2). POSIX sh: NixOS runs it with bash and coreutils, the test guest with busybox.
#
#   hello               ->  agent 1
#   switch SYSTEM       ->  out LINE ... (the activation's output), then one of:
#                             done
#                             failed STATUS switched-back     (the system it ran before, activated again)
#                             failed STATUS
#                           or at once: refused REASON
#   run COMMAND         ->  out LINE ... (its standard output), err LINE ... (its standard error), then exit STATUS:
#                           COMMAND run by sh -c as root, its input empty (`miniguest run`)
#   anything else       ->  refused REASON
#
# SYSTEM must be a NixOS system in the store: /nix/store/<hash>-<name>, with bin/switch-to-configuration. The agent runs
# that, and only that, as `switch-to-configuration switch`, as nixos-rebuild does.
set -u
device=${1:?usage: guest-agent DEVICE}

reply() { printf '%s\n' "$*" >&3; }

# A store path's name part: the 32 characters of its hash, a dash, then a name without a slash.
is_system() {
  case $1 in
    /nix/store/*/* | */../* | */./*) return 1 ;;
  esac
  hash_and_name=${1#/nix/store/}
  [ "$hash_and_name" != "$1" ] || return 1
  expr "$hash_and_name" : '[0-9a-df-np-sv-z]\{32\}-[^/]\{1,\}$' >/dev/null || return 1
  [ -x "$1/bin/switch-to-configuration" ]
}

# Each line read from standard input, the last one even without its line feed, told with WORD before it.
tell() { while IFS= read -r line || [ -n "$line" ]; do reply "$1 $line"; done; }

# Its state is kept in /run, the one directory a NixOS system and a bare container's root both have.
status_file=/run/miniguest-agent.status
errors_fifo=/run/miniguest-agent.errors

# Runs SYSTEM's switch-to-configuration, its output a line at a time; its exit status in $status.
activate() {
  rm -f "$status_file"
  { "$1/bin/switch-to-configuration" switch 2>&1; echo $? >"$status_file"; } | tell out
  status=$(cat "$status_file" 2>/dev/null || echo 1)
  rm -f "$status_file"
}

# Runs COMMAND with sh, its standard output and error each a line at a time as they come, then its exit status.
run_command() {
  rm -f "$status_file" "$errors_fifo"
  if ! mkfifo -m 600 "$errors_fifo"; then
    reply "refused cannot make $errors_fifo"
    return
  fi
  tell err <"$errors_fifo" &
  errors=$!
  # As root's login finds its commands on NixOS (wrappers first), whatever the agent's own PATH.
  { PATH=/run/wrappers/bin:/run/current-system/sw/bin:$PATH sh -c "$1" </dev/null 2>"$errors_fifo"; echo $? >"$status_file"; } | tell out
  wait "$errors"
  reply "exit $(cat "$status_file" 2>/dev/null || echo 1)"
  rm -f "$status_file" "$errors_fifo"
}

switch() {
  if ! is_system "$1"; then
    reply "refused not a NixOS system in the store: $1"
    return
  fi
  before=$(readlink -f /run/current-system 2>/dev/null || true)
  activate "$1"
  if [ "$status" = 0 ]; then
    reply "done"
  elif [ -n "$before" ] && [ "$before" != "$1" ] && is_system "$before"; then
    failed=$status
    activate "$before"
    if [ "$status" = 0 ]; then reply "failed $failed switched-back"; else reply "failed $failed"; fi
  else
    reply "failed $status"
  fi
}

# A console is a terminal: bytes as they come, nothing echoed or translated.
if [ "${device#/dev/tty}" != "$device" ]; then
  stty raw -echo <"$device" 2>/dev/null || true
fi
exec 3<>"$device"
# A pipe nobody writes to, to wait on without starting a process: an idle guest's agent touches no new memory.
idle_fifo=/run/miniguest-agent.idle
rm -f "$idle_fifo" && mkfifo -m 600 "$idle_fifo" && exec 4<>"$idle_fifo"
while :; do
  # A virtio port reads nothing while the host is not connected to it: wait a second, and read again.
  if ! IFS= read -r request <&3; then
    read -r -t 1 _ <&4 || true
    continue
  fi
  request=$(printf '%s' "$request" | tr -d '\r')
  case $request in
    hello) reply "agent 1" ;;
    "switch "*) switch "${request#switch }" ;;
    "run "*) run_command "${request#run }" ;;
    *) reply "refused unknown request" ;;
  esac
done
