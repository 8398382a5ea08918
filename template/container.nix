# A libvirt-LXC container. It runs on the host's kernel, with the host's /nix/store and its boot
# directory bound read-only; its root is a directory on the host that its domain binds to `/`.
#
# Unless its domain maps the container's users to other ids or takes CAP_SYS_ADMIN away from it, root
# in a container can remount the store read-write and change the host's store. Run only trusted
# systems as containers; a VM is the safer choice.
{ ... }:

{
  boot.miniguest.enable = true;
  boot.miniguest.guestType = "lxc";

  # Log in as root on the container's console without a password (`miniguest start container --console`).
  # Only the host's administrators can reach this console.
  services.getty.autologinUser = "root";

  # The NixOS release this guest's state was first created with; leave it when you update nixpkgs.
  system.stateVersion = "26.05";
}
