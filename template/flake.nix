# Your Miniguest guests: each `nixosConfigurations.<name>` here is a NixOS system that Miniguest builds
# into the host's Nix store and boots with libvirt, with no disk image and no boot loader.
#
# On a host with miniguest and libvirtd (as root, or with sudo):
#   miniguest install .#vm             build the guest `vm` and link it at /etc/miniguests/vm
#   miniguest create vm                define its libvirt domain
#   miniguest start vm --console       boot it and attach to its serial console
# and the same with `container`. After editing a guest: `miniguest upgrade vm`, then restart it.
{
  description = "Miniguest guests";

  inputs = {
    nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

    # The Miniguest the guests are built with: `miniguest template` writes the one it was built from (or the one
    # --miniguest names); after `nix flake init -t`, point it at the one you fetched the template from. Guests
    # written for the original miniguest keep working.
    miniguest.url = "git+file:///path/to/miniguest";
    miniguest.inputs.nixpkgs.follows = "nixpkgs";
  };

  outputs = { nixpkgs, miniguest, ... }:
    let
      guest = module: nixpkgs.lib.nixosSystem {
        system = "x86_64-linux";
        # The guest module adds the `boot.miniguest` options; your guest's own file enables them.
        modules = [ miniguest.nixosModules.default module ];
      };
    in
    {
      # A virtual machine that starts afresh on every boot (see vm.nix).
      nixosConfigurations.vm = guest ./vm.nix;

      # A libvirt-LXC container sharing the host's kernel (see container.nix).
      nixosConfigurations.container = guest ./container.nix;
    };
}
