# A stateless virtual machine. It boots the kernel and initrd of this configuration and mounts the
# host's /nix/store read-only; its root file system is a tmpfs, so every boot starts from this file and
# nothing the guest writes survives a restart, except in its shares: host directories it mounts.
{ ... }:

{
  boot.miniguest.enable = true;
  boot.miniguest.guestType = "qemu"; # the default

  # How the guest mounts the host's store: "9p" (the default) needs nothing more on the host;
  # "virtiofs" is faster and needs virtiofsd there.
  # boot.miniguest.qemu.fsType = "virtiofs";

  # State that survives restarts, upgrades, rollbacks and `miniguest remove` (`remove --purge` deletes
  # it): a directory of the host, /var/lib/miniguest/shares/vm/data, mounted here. `miniguest create vm
  # --share data=/srv/x` gives it a directory of the host's admin instead; `readOnly = true` keeps the
  # guest from changing it.
  boot.miniguest.shares.data.mountPoint = "/var/lib/data";

  # A web server, reachable at the address `miniguest address vm` prints once the guest has a network
  # (`miniguest create vm --network default`): NixOS's firewall closes every port it is not told to open.
  # services.nginx.enable = true;
  # networking.firewall.allowedTCPPorts = [ 80 ];

  # Log in as root on the serial console without a password: `miniguest start vm --console` takes you
  # straight to a shell. Only the host's administrators can reach this console. Replace it with users
  # and SSH keys before giving the guest a network.
  services.getty.autologinUser = "root";

  # The NixOS release this guest's state was first created with; leave it when you update nixpkgs.
  system.stateVersion = "26.05";
}
