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

  facts = import ./facts.nix;

  # Fails the evaluation, naming the check and the facts, unless every fact holds (see facts.nix).
  expect = name: facts':
    let failed = facts.failures facts'; in
    if failed == [ ] then true else throw "check ${name}: ${lib.concatStringsSep "; " failed}";

  # A derivation whose only content is the evaluated facts: building it needs the evaluation only.
  evaluation = name: facts': drvs:
    assert expect name facts';
    pkgs.writeText "miniguest-check-${name}" (builtins.toJSON (map (drv: builtins.unsafeDiscardStringContext drv.drvPath) drvs));

  # Both stage 1s explicitly: NixOS (25.05, 25.11) still defaults to the scripted one, and may change.
  vm9p = guest { boot.initrd.systemd.enable = false; };
  vmSystemdVirtiofs = guest { boot.initrd.systemd.enable = true; boot.miniguest.qemu.fsType = "virtiofs"; };
  vmWritableStore = guest { boot.initrd.systemd.enable = true; boot.miniguest.writableStore.enable = true; };
  container = guest { boot.miniguest.guestType = "lxc"; };

  # A guest that serves SSH with the host key of a credential.
  vmSshHostKey = guest { services.openssh.enable = true; boot.miniguest.sshHostKeyCredential = "ssh_host_ed25519_key"; };

  # A guest of the other platform the flake offers, evaluated only: its serial console is its own.
  otherSystem = if system == "x86_64-linux" then "aarch64-linux" else "x86_64-linux";
  vmOtherPlatform = nixpkgs.lib.nixosSystem {
    system = otherSystem;
    modules = [ self.nixosModules.default { boot.miniguest.enable = true; system.stateVersion = "26.05"; } ];
  };

  # A host whose one guest lives on another host.
  hostOfRemoteGuest = nixpkgs.lib.nixosSystem {
    inherit system;
    modules = [
      self.nixosModules.declarative
      {
        boot.isContainer = true;
        system.stateVersion = "26.05";
        miniguests.far = {
          configuration = { };
          uri = "qemu+ssh://root@web1/system";
        };
      }
    ];
  };

  host = nixpkgs.lib.nixosSystem {
    inherit system;
    modules = [
      self.nixosModules.declarative
      {
        boot.isContainer = true; # nothing to boot: only the evaluation is checked
        system.stateVersion = "26.05";
        miniguests.vm.configuration.boot.miniguest.qemu.fsType = "virtiofs";
        miniguests.vm.credentials.ssh_host_ed25519_key = "/run/secrets/vm-host-key";
        miniguests.container = {
          configuration.boot.miniguest.guestType = "lxc";
          autostart = true;
        };
        # NixOS refuses `nixpkgs.config` next to a package set given from outside: this guest gets its own.
        miniguests.configured.configuration.nixpkgs.config.allowUnfree = true;
      }
    ];
  };

  # A host whose one guest declares `credentials`, and one whose guest declares some it refuses.
  hostOfCredentials = credentials: nixpkgs.lib.nixosSystem {
    inherit system;
    modules = [
      self.nixosModules.declarative
      {
        boot.isContainer = true;
        system.stateVersion = "26.05";
        miniguests.web = { configuration = { }; inherit credentials; };
      }
    ];
  };
  refusedCredentials = { key = "run/secrets/key"; stored = "/nix/store/00000000000000000000000000000000-key"; ".key" = "/run/secrets/key"; };
  hostOfRefusedCredentials = hostOfCredentials refusedCredentials;
  refused = miniguest.credentialProblems { guest = "web"; credentials = refusedCredentials; };
in
{
  eval-guest-vm-9p-scripted-stage-1 = evaluation "vm-9p-scripted-stage-1"
    (facts.vmFacts { inherit (vm9p) config; inherit system; fsType = "9p"; } // facts.agentFacts { inherit (vm9p) config; guestType = "qemu"; } // {
      "the stateless root" = { actual = vm9p.config.fileSystems."/".fsType; expected = "tmpfs"; };
      "the fallback to /boot/init" = {
        actual = lib.hasInfix "stage2Init=/boot/init" vm9p.config.boot.initrd.postMountCommands;
        expected = true;
      };
    })
    [ vm9p.config.system.build.miniguest ];

  eval-guest-vm-systemd-stage-1-virtiofs = evaluation "vm-systemd-stage-1-virtiofs"
    (facts.vmFacts { inherit (vmSystemdVirtiofs) config; inherit system; fsType = "virtiofs"; } // {
      "the systemd stage 1" = { actual = vmSystemdVirtiofs.config.boot.initrd.systemd.enable; expected = true; };
    })
    [ vmSystemdVirtiofs.config.system.build.miniguest ];

  eval-guest-vm-writable-store = evaluation "vm-writable-store"
    (facts.vmFacts { inherit (vmWritableStore) config; inherit system; fsType = "9p"; storeAt = "/nix/.ro-store"; } // {
      "the overlay" = {
        actual = vmWritableStore.config.fileSystems."/nix/store".overlay.lowerdir;
        expected = [ "/nix/.ro-store" ];
      };
    })
    [ vmWritableStore.config.system.build.miniguest ];

  eval-guest-container = evaluation "container"
    (facts.containerFacts { inherit (container) config; } // facts.agentFacts { inherit (container) config; guestType = "lxc"; })
    [ container.config.system.build.miniguest ];

  eval-guest-ssh-host-key = evaluation "guest-ssh-host-key"
    (facts.sshHostKeyFacts { inherit (vmSshHostKey) config; credential = "ssh_host_ed25519_key"; })
    [ vmSshHostKey.config.system.build.miniguest ];

  eval-guest-vm-other-platform = evaluation "vm-other-platform"
    {
      "kernel-params" = {
        actual = vmOtherPlatform.config.system.build.miniguest.kernelParams;
        expected = miniguest.kernelParams {
          init = "${vmOtherPlatform.config.system.build.toplevel}/init";
          extraParams = vmOtherPlatform.config.boot.kernelParams;
          system = otherSystem;
        };
      };
    }
    [ vmOtherPlatform.config.system.build.miniguest ];

  eval-host-declarative = evaluation "host-declarative"
    ({
      "the declared guests" = {
        actual = lib.sort lib.lessThan (builtins.filter (lib.hasPrefix "miniguests/") (builtins.attrNames host.config.environment.etc));
        expected = [ "miniguests/configured" "miniguests/container" "miniguests/vm" ];
      };
      # Evaluating the guest's derivation checks its assertions, NixOS's on `nixpkgs.config` among them.
      "a guest that sets nixpkgs.config" = {
        actual = lib.isString host.config.environment.etc."miniguests/configured".source.drvPath;
        expected = true;
      };
      "libvirtd" = { actual = host.config.virtualisation.libvirtd.enable; expected = true; };
      "virtiofsd for libvirt" = {
        actual = lib.any (p: lib.getName p == "virtiofsd") host.config.virtualisation.libvirtd.qemu.vhostUserPackages;
        expected = true;
      };
      # What `miniguest apply` is handed: the credentials of the guest that declares some, none for the others.
      "the declared credentials" = {
        actual = lib.mapAttrs (_: guest: guest.credentials) (builtins.fromJSON (miniguest.declarativeManifest host.config.miniguests)).guests;
        expected = { vm.ssh_host_ed25519_key = "/run/secrets/vm-host-key"; container = { }; configured = { }; };
      };
      # The flake's own package, not one built with the host's nixpkgs.
      "the default package" = {
        actual = host.config.services.miniguest.package.drvPath;
        expected = self.packages.${system}.default.drvPath;
      };
    } // facts.hostFacts { inherit (host) config; remote = false; uris = [ "qemu:///system" "lxc:///" ]; })
    [ host.config.system.build.toplevel ];

  eval-host-refused-credentials = evaluation "host-refused-credentials"
    {
      "the refused credentials" = {
        actual = map (assertion: assertion.message) (builtins.filter (assertion: !assertion.assertion) hostOfRefusedCredentials.config.assertions);
        includes = refused;
      };
      "the number of refused credentials" = { actual = builtins.length refused; expected = 3; };
      # Refused by its type, before anything could copy it into the store.
      "a Nix path as a credential" = {
        actual = (builtins.tryEval (builtins.deepSeq (hostOfCredentials { key = ./facts.nix; }).config.miniguests.web.credentials true)).success;
        expected = false;
      };
    }
    [ ];

  eval-host-remote-guest = evaluation "host-remote-guest"
    (facts.hostFacts { inherit (hostOfRemoteGuest) config; remote = true; uris = [ "qemu+ssh://root@web1/system" ]; })
    [ hostOfRemoteGuest.config.system.build.toplevel ];
}
// lib.optionalAttrs (system == "x86_64-linux") {
  # Needs KVM: see tests/vm-test.nix.
  vm-test = import ./tests/vm-test.nix { inherit self nixpkgs pkgs; };
}
