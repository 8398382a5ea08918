# A NixOS VM test of the whole chain on a NixOS host: install -> create -> boot for a guest from a
# flake (9p, scripted stage 1), and for declared guests (a VM on virtiofs with the systemd stage 1, and
# a container), which miniguest-declarative.service defines. Each guest powers itself off once it has
# checked its own store registration (guest.nix).
#
# It needs KVM for the test VM (the guests inside run with whatever the test VM offers) and nixpkgs;
# it cannot run on Miniguest's own CI machines, which test the same chain with the test guest
# (Miniguest.Tests/TestGuest) instead. The miniguest commands it runs are those of the README's quick start.
{ self, nixpkgs, pkgs }:

let
  inherit (pkgs) lib;
  system = pkgs.stdenv.hostPlatform.system;

  # The guest flake the test installs from. Its inputs are this nixpkgs and this Miniguest, as store
  # paths that the test VM has (they are in this flake's closure).
  guestFlake = pkgs.runCommand "miniguest-test-guest-flake" { } ''
    mkdir -p "$out"
    cp ${./guest.nix} "$out/guest.nix"
    cat > "$out/flake.nix" <<'FLAKE'
    {
      inputs.nixpkgs.url = "path:${nixpkgs.outPath}";
      inputs.miniguest.url = "path:${self.outPath}";
      inputs.miniguest.inputs.nixpkgs.follows = "nixpkgs";
      outputs = { nixpkgs, miniguest, ... }: {
        nixosConfigurations.vm = nixpkgs.lib.nixosSystem {
          system = "${system}";
          modules = [ miniguest.nixosModules.default ./guest.nix { boot.initrd.systemd.enable = false; } ];
        };
      };
    }
    FLAKE
  '';

  # The same guest, evaluated here: its build output is put into the test VM's store so that the
  # install inside it, which is offline, finds everything already built.
  installedGuest = nixpkgs.lib.nixosSystem {
    inherit system;
    modules = [ self.nixosModules.default ./guest.nix { boot.initrd.systemd.enable = false; } ];
  };
in
pkgs.testers.runNixOSTest {
  name = "miniguest";

  nodes.host = { ... }: {
    imports = [ self.nixosModules.declarative ];

    virtualisation.memorySize = 4096;
    virtualisation.cores = 2;
    virtualisation.diskSize = 8192;

    miniguests.declared.configuration = {
      imports = [ ./guest.nix ];
      boot.initrd.systemd.enable = true;
      boot.miniguest.qemu.fsType = "virtiofs";
    };
    miniguests.container.configuration = {
      imports = [ ./guest.nix ];
      boot.miniguest.guestType = "lxc";
    };

    nix.settings = {
      experimental-features = [ "nix-command" "flakes" ];
      substituters = lib.mkForce [ ];
      flake-registry = "";
    };
    system.extraDependencies = [ installedGuest.config.system.build.miniguest guestFlake ];
  };

  testScript = ''
    def boots_and_powers_off(name):
        host.succeed(f"miniguest start {name}")
        host.wait_until_succeeds(
            f"virsh --connect {'lxc:///' if name == 'container' else 'qemu:///system'} domstate --reason {name}"
            " | grep -q 'shut off (shutdown)'",
            timeout=900,
        )

    start_all()
    host.wait_for_unit("miniguest-declarative.service")

    with subtest("install, create and boot a guest from a flake"):
        host.succeed("cp -r ${guestFlake} /root/guests && chmod -R u+w /root/guests")
        host.succeed("cd /root/guests && nix flake lock")
        host.succeed("miniguest install /root/guests#vm")
        host.succeed("test -e /etc/miniguests/vm/kernel-params")
        host.succeed("miniguest create vm")
        boots_and_powers_off("vm")

    with subtest("declared guests are defined by miniguest-declarative.service and boot"):
        host.succeed("test -e /etc/miniguests/declared/kernel-params")
        boots_and_powers_off("declared")
        boots_and_powers_off("container")
  '';
}
