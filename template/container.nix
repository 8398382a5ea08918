# A libvirt-LXC container. It runs on the host's kernel, with the host's /nix/store and its boot
# directory bound read-only; its root is a directory on the host that its domain binds to `/`, kept
# from start to start and by `miniguest remove` (`remove --purge` deletes it).
#
# Miniguest maps the container's users to host ids of their own (a user namespace), or where the kernel
# offers none takes the capabilities away that would let its root write to the store. Its kernel is
# the host's, though: a VM is the safer choice for a system you do not trust.
{ ... }:

{
  boot.miniguest.enable = true;
  boot.miniguest.guestType = "lxc";

  # A host directory bound into the container: /var/lib/miniguest/shares/container/data by default.
  # boot.miniguest.shares.data.mountPoint = "/var/lib/data";

  # Log in as root on the container's console without a password (`miniguest start container --console`).
  # Only the host's administrators can reach this console.
  services.getty.autologinUser = "root";

  # The NixOS release this guest's state was first created with; leave it when you update nixpkgs.
  system.stateVersion = "26.05";
}
