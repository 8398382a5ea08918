# The flake's checks (`nix flake check`). The evaluation checks need nixpkgs but build nothing of the
# guests: each evaluates guest or host configurations, compares what the modules decided with what they
# must decide, and records the evaluated derivations. The VM test (x86_64-linux, needs KVM) boots them.
{ self, nixpkgs, pkgs }:

let
  inherit (pkgs) lib;
  inherit (pkgs.stdenv.hostPlatform) system;
  miniguest = import ./lib.nix;

  guest = module: nixpkgs.lib.nixosSystem {
    inherit system;
    modules = [
      self.nixosModules.default
      { boot.miniguest.enable = true; system.stateVersion = "26.05"; }
      module
    ];
  };

  # Fails the evaluation, naming the check and the fact, unless every fact holds.
  expect = name: facts:
    let failed = lib.filterAttrs (_: fact: fact.actual != fact.expected) facts;
    in if failed == { } then true
    else throw "check ${name}: ${lib.concatStringsSep "; " (lib.mapAttrsToList
      (fact: { actual, expected }: "${fact} is ${builtins.toJSON actual}, expected ${builtins.toJSON expected}") failed)}";

  # A derivation whose only content is the evaluated facts: building it needs the evaluation only.
  evaluation = name: facts: drvs:
    assert expect name facts;
    pkgs.writeText "miniguest-check-${name}" (builtins.toJSON (map (drv: builtins.unsafeDiscardStringContext drv.drvPath) drvs));

  vmFacts = { config, fsType, storeAt ? "/nix/store" }:
    let
      cfg = config.boot.miniguest;
      build = config.system.build;
    in
    {
      "the store share" = {
        actual = { inherit (config.fileSystems.${storeAt}) device fsType neededForBoot options; };
        expected = {
          device = "nix-store";
          inherit fsType;
          neededForBoot = true;
          options = miniguest.shareMountOptions { inherit fsType; inherit (cfg.qemu) msize cache; };
        };
      };
      "the boot share" = {
        actual = { inherit (config.fileSystems."/boot") device fsType neededForBoot; };
        expected = { device = "boot"; inherit fsType; neededForBoot = true; };
      };
      "the stage 1 modules" = {
        actual = lib.all (m: builtins.elem m config.boot.initrd.kernelModules) (miniguest.initrdKernelModules fsType);
        expected = true;
      };
      "the boot loader" = { actual = config.boot.loader.grub.enable; expected = false; };
      "kernel-params" = {
        actual = build.miniguest.kernelParams;
        expected = miniguest.kernelParams { init = "${build.toplevel}/init"; extraParams = config.boot.kernelParams; };
      };
      "miniguest-config.json" = {
        actual = build.miniguest.configJson;
        expected = miniguest.configJson { guestType = "qemu"; inherit fsType; };
      };
    };

  # The scripted stage 1, explicitly: recent NixOS defaults to the systemd one.
  vm9p = guest { boot.initrd.systemd.enable = false; };
  vmSystemdVirtiofs = guest { boot.initrd.systemd.enable = true; boot.miniguest.qemu.fsType = "virtiofs"; };
  vmWritableStore = guest { boot.initrd.systemd.enable = true; boot.miniguest.writableStore.enable = true; };
  container = guest { boot.miniguest.guestType = "lxc"; };

  host = nixpkgs.lib.nixosSystem {
    inherit system;
    modules = [
      self.nixosModules.declarative
      {
        boot.isContainer = true; # nothing to boot: only the evaluation is checked
        system.stateVersion = "26.05";
        services.miniguest.package = self.packages.${system}.default;
        miniguests.vm.configuration.boot.miniguest.qemu.fsType = "virtiofs";
        miniguests.container = {
          configuration.boot.miniguest.guestType = "lxc";
          autostart = true;
        };
      }
    ];
  };
in
{
  eval-guest-vm-9p-scripted-stage-1 = evaluation "vm-9p-scripted-stage-1"
    (vmFacts { inherit (vm9p) config; fsType = "9p"; } // {
      "the stateless root" = { actual = vm9p.config.fileSystems."/".fsType; expected = "tmpfs"; };
      "the fallback to /boot/init" = {
        actual = lib.hasInfix "stage2Init=/boot/init" vm9p.config.boot.initrd.postMountCommands;
        expected = true;
      };
    })
    [ vm9p.config.system.build.miniguest ];

  eval-guest-vm-systemd-stage-1-virtiofs = evaluation "vm-systemd-stage-1-virtiofs"
    (vmFacts { inherit (vmSystemdVirtiofs) config; fsType = "virtiofs"; } // {
      "the systemd stage 1" = { actual = vmSystemdVirtiofs.config.boot.initrd.systemd.enable; expected = true; };
    })
    [ vmSystemdVirtiofs.config.system.build.miniguest ];

  eval-guest-vm-writable-store = evaluation "vm-writable-store"
    (vmFacts { inherit (vmWritableStore) config; fsType = "9p"; storeAt = "/nix/.ro-store"; } // {
      "the overlay" = {
        actual = vmWritableStore.config.fileSystems."/nix/store".overlay.lowerdir;
        expected = [ "/nix/.ro-store" ];
      };
    })
    [ vmWritableStore.config.system.build.miniguest ];

  eval-guest-container = evaluation "container"
    {
      "boot.isContainer" = { actual = container.config.boot.isContainer; expected = true; };
      "miniguest-config.json" = {
        actual = container.config.system.build.miniguest.configJson;
        expected = miniguest.configJson { guestType = "lxc"; };
      };
    }
    [ container.config.system.build.miniguest ];

  eval-host-declarative = evaluation "host-declarative"
    {
      "the declared guests" = {
        actual = lib.sort lib.lessThan (builtins.filter (lib.hasPrefix "miniguests/") (builtins.attrNames host.config.environment.etc));
        expected = [ "miniguests/container" "miniguests/vm" ];
      };
      "libvirtd" = { actual = host.config.virtualisation.libvirtd.enable; expected = true; };
      "virtiofsd for libvirt" = {
        actual = lib.any (p: lib.getName p == "virtiofsd") host.config.virtualisation.libvirtd.qemu.vhostUserPackages;
        expected = true;
      };
      "the unit's order" = {
        actual = { inherit (host.config.systemd.services.miniguest-declarative) after requires wantedBy; };
        expected = { after = [ "libvirtd.service" ]; requires = [ "libvirtd.service" ]; wantedBy = [ "multi-user.target" ]; };
      };
    }
    [ host.config.system.build.toplevel ];
}
// lib.optionalAttrs (system == "x86_64-linux") {
  # Needs KVM: see tests/vm-test.nix.
  vm-test = import ./tests/vm-test.nix { inherit self nixpkgs pkgs; };
}
