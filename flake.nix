# Miniguest: the `miniguest` CLI and the NixOS modules that make guests of NixOS configurations.
#
# No flake.lock is committed: the first `nix flake lock` (or any command on this flake) writes one that
# pins nixpkgs.
{
  description = "Miniguest: low-footprint NixOS guests that boot from the host's Nix store through libvirt";

  inputs.nixpkgs.url = "github:NixOS/nixpkgs/nixos-unstable";

  outputs = { self, nixpkgs }:
    let
      systems = [ "x86_64-linux" "aarch64-linux" ];
      forAllSystems = f: nixpkgs.lib.genAttrs systems (system: f nixpkgs.legacyPackages.${system});
    in
    {
      # Plain functions over builtins: kernel parameters, share mount options and tags,
      # miniguest-config.json, the output layout, the declarative manifest (see nix/lib.nix).
      lib = import ./nix/lib.nix;

      packages = forAllSystems (pkgs: rec {
        miniguest = pkgs.callPackage ./nix/package.nix { flake = "path:${self}"; };
        default = miniguest;
      });

      apps = forAllSystems (pkgs: {
        default = {
          type = "app";
          program = "${self.packages.${pkgs.stdenv.hostPlatform.system}.default}/bin/miniguest";
          meta.description = "The miniguest command";
        };
      });

      overlays.default = final: _prev: {
        miniguest = final.callPackage ./nix/package.nix { flake = "path:${self}"; };
      };

      nixosModules = {
        # A guest: `boot.miniguest.*` and `system.build.miniguest`. `core` is the original's name.
        default = ./nix/modules/guest.nix;
        core = ./nix/modules/guest.nix;
        # A host that declares its guests: `miniguests.<name>`, applied by this flake's own package for
        # the host's platform, built with the flake's nixpkgs (which has the .NET SDK it needs).
        declarative = { lib, pkgs, ... }:
          let packages = self.packages.${pkgs.stdenv.hostPlatform.system} or null; in
          {
            # One module however often it is imported, as a module given by its path would be.
            key = "miniguest/nixosModules.declarative";
            _file = ./flake.nix;
            imports = [ ./nix/modules/host.nix ];
            services.miniguest.package = lib.mkIf (packages != null) (lib.mkDefault packages.default);
          };
      };

      templates.default = {
        path = ./template;
        description = "A stateless VM guest and a container guest";
      };

      checks = forAllSystems (pkgs: import ./nix/checks.nix { inherit self nixpkgs pkgs; });
    };
}
