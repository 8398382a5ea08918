# The declarative host module (`nixosModules.declarative`): guests declared in the host's own NixOS
# configuration as `miniguests.<name>`. Each is built with the host's nixpkgs together with the host
# system and appears at /etc/miniguests/<name>, as with the original miniguest. In addition, the unit
# miniguest-declarative.service hands the guests' libvirt settings and credentials to `miniguest apply` at
# every boot and every switch: it defines or updates each guest's domain, starts the guests declared to
# autostart, switches or restarts changed running guests (`switchIfChanged`, `restartIfChanged`), and shuts down and removes
# the guests no longer declared, several guests at once. At host shutdown libvirt-guests shuts every guest
# down.
{ config, lib, options, pkgs, specialArgs, ... }:

let
  miniguest = import ../lib.nix;
  inherit (lib) any attrNames attrValues concatLists concatStringsSep filterAttrs literalExpression mapAttrs mapAttrs' mapAttrsToList
    mergeEqualOption mkDefault mkIf mkMerge mkOption mkOptionDefault mkOptionType nameValuePair optional optionalAttrs types unique;

  guests = config.miniguests;
  cfg = config.services.miniguest;

  # A credential's file on the host, as a string. A Nix path would copy the secret into the store, where every user
  # can read it: its type refuses one, in words that say why.
  credentialFile = mkOptionType {
    name = "credentialFile";
    description = "path of a file on the host, as a string (a Nix path would copy the secret into the store)";
    check = builtins.isString;
    merge = mergeEqualOption;
  };

  credentialProblems = concatLists (mapAttrsToList
    (name: guest: miniguest.credentialProblems { guest = name; inherit (guest) credentials; })
    guests);

  # A guest's NixOS system, evaluated with the host's nixpkgs (a path, not a string: on a host whose
  # nixpkgs is a channel, interpolating it would copy nixpkgs into the store). A guest for the host's
  # platform reuses the host's package set (and so its overlays), as the original module did, unless it
  # sets `nixpkgs.config` (see `usesHostPkgs` in lib.nix); any other guest gets its own package set
  # from the same nixpkgs. Whether the guest sets `nixpkgs.config` is read from the option's priority,
  # which looks at no definition's value.
  evalGuest = name: guest: import (pkgs.path + "/nixos/lib/eval-config.nix") {
    system = null;
    inherit specialArgs;
    modules = [
      ./guest.nix
      guest.configuration
      {
        boot.miniguest.enable = true;
        networking.hostName = mkDefault name;
      }
      ({ options, ... }:
        let
          hostPkgs = miniguest.usesHostPkgs {
            hostSystem = pkgs.stdenv.hostPlatform.system;
            guestSystem = guest.system;
            guestConfiguresNixpkgs = options.nixpkgs.config.highestPrio < (mkOptionDefault { }).priority;
          };
        in
        {
          nixpkgs.pkgs = mkIf hostPkgs (mkDefault pkgs);
          nixpkgs.hostPlatform = mkIf (!hostPkgs) (mkDefault guest.system);
        })
    ];
  };

  systems = mapAttrs evalGuest guests;
  outputs = mapAttrs (_: system: system.config.system.build.miniguest) systems;

  manifest = pkgs.writeText "miniguest-manifest.json" (miniguest.declarativeManifest guests);

  # The libvirt URI each guest's domain lives on, as the CLI chooses it.
  guestUris = mapAttrs (name: guest: miniguest.guestUri { inherit (guest) uri; guestType = systems.${name}.config.boot.miniguest.guestType; }) guests;
  remoteGuests = any miniguest.isRemoteUri (attrValues guestUris);

  # The guests that ask for the host's network namespace where it cannot be had.
  hostNetworkMisuse = attrNames (filterAttrs
    (name: guest:
      let networks = lib.toList (if guest.network == null then [ ] else guest.network); in
      builtins.elem "host" networks
      && (networks != [ "host" ] || guest.bridge != null || systems.${name}.config.boot.miniguest.guestType != "lxc"))
    guests);

  virtiofsGuests = attrValues (filterAttrs
    (_: system: system.config.boot.miniguest.guestType == "qemu" && system.config.boot.miniguest.qemu.fsType == "virtiofs")
    systems);

  # Older NixOS releases have no vhost-user package list; libvirt then needs virtiofsd some other way.
  libvirtQemuOptions = options.virtualisation.libvirtd.qemu or null;
  hasVhostUserPackages =
    libvirtQemuOptions != null
    && (if libvirtQemuOptions ? type then libvirtQemuOptions.type.getSubOptions [ ] else libvirtQemuOptions) ? vhostUserPackages;

  # A guest on virtiofs can write to whatever store the host shares with it, unless the host's
  # /nix/store is itself mounted read-only (libvirt refuses <readonly/> on virtiofs, and virtiofsd then
  # exports what it sees). NixOS hosts mount it read-only by default: keep it that way. Recent NixOS says
  # so with `boot.nixStoreMountOpts` (default [ "ro" "nodev" "nosuid" ]), older ones with
  # `boot.readOnlyNixStore` (default true).
  hostStoreReadOnly =
    if options.boot ? nixStoreMountOpts then builtins.elem "ro" config.boot.nixStoreMountOpts
    else config.boot.readOnlyNixStore or true;
in
{
  options = {
    miniguests = mkOption {
      description = "NixOS configurations built with the host and managed as Miniguest guests.";
      default = { };
      type = types.attrsOf (types.submodule {
        options = {
          configuration = mkOption {
            type = types.deferredModule;
            description = ''
              The guest's NixOS configuration, as a module. `boot.miniguest.enable` is set for it and its
              host name defaults to the guest's name; the rest (`boot.miniguest.guestType`, …) is its own.
              A guest for the host's platform is built with the host's package set (`pkgs`, overlays
              included) unless it sets `nixpkgs.config`; then, like a guest for another platform, it
              gets a package set of its own from the host's nixpkgs, made with its `nixpkgs.config` and
              `nixpkgs.overlays` (the host's overlays do not apply to it).
            '';
          };

          system = mkOption {
            type = types.str;
            default = pkgs.stdenv.hostPlatform.system;
            defaultText = literalExpression "pkgs.stdenv.hostPlatform.system";
            description = "The platform the guest is built for (the host's by default).";
          };

          autostart = mkOption {
            type = types.bool;
            default = false;
            description = ''
              Whether the guest starts with the host: `miniguest apply` starts it at every boot, on its
              current generation, and at a switch that adds or changes it. libvirt's own autostart flag stays
              off for a guest of this host, so that libvirtd never boots one on an old generation before
              the unit has defined it anew; a guest on another host gets the flag there.
            '';
          };

          memory = mkOption {
            type = types.ints.positive;
            default = 1024;
            description = "The guest's memory, in MiB.";
          };

          vcpus = mkOption {
            type = types.ints.positive;
            default = 1;
            description = "The guest's number of virtual CPUs.";
          };

          network = mkOption {
            type = types.nullOr (types.coercedTo types.str (name: [ name ]) (types.listOf types.str));
            default = null;
            example = "default";
            description = ''
              The libvirt networks the guest's network interfaces join, one interface each (a name or a list
              of names); `null` for none. A guest keeps each interface's MAC address, and so its DHCP lease.
              A container always has a network namespace of its own (with only `lo` when it has no
              interface), except with `"host"`: it then shares the host's, and with it the host's interfaces,
              ports, loopback services and abstract unix sockets (its own dhcpcd and firewall act on the
              host's). `"host"` stands alone, applies to containers only, and rules out `bridge`.
            '';
          };

          bridge = mkOption {
            type = types.nullOr (types.coercedTo types.str (name: [ name ]) (types.listOf types.str));
            default = null;
            example = "br0";
            description = ''
              Host bridges the guest's further network interfaces join, for a guest on the host's LAN (a name
              or a list of names); `null` for none. They come after those of `network`.
            '';
          };

          shares = mkOption {
            # An absolute path without empty, . or .. parts, as the CLI takes it.
            type = types.attrsOf (types.strMatching "(/([^/.][^/]*|[.][^/.][^/]*|[.][.][^/]+))+");
            default = { };
            example = { data = "/srv/web"; };
            description = ''
              Host directories for the guest's shares, by tag (`boot.miniguest.shares.<tag>` in its
              configuration), instead of the guest's own, `/var/lib/miniguest/shares/<guest>/<tag>`. A share
              whose configuration names a `source` needs its directory given here: a guest's configuration
              only asks, and its domain is not defined until the host's admin gives one. Each must be where
              root alone can change the way to it (every directory on the way, and every link, root's and
              writable by root alone), outside the store, /nix, Miniguest's files, /proc, /sys, /dev, /run
              and any other guest's share; a writable one of a virtiofs VM or a container must lie below a
              directory only root can pass (mode 0700), where no host user reaches what the guest makes.
              `miniguest` checks all of it again before every start.
            '';
          };

          uri = mkOption {
            type = types.nullOr types.str;
            default = null;
            example = "qemu:///system";
            description = ''
              The libvirt connection the guest's domain lives on. `null` leaves it to miniguest:
              `qemu:///system` for VMs, `lxc:///` for containers. A URI with an SSH transport
              (`qemu+ssh://root@web1/system`) puts the guest on that host: `miniguest apply` copies its
              closure there with `nix copy`, moves its profile there to it, and defines its domain there.
            '';
          };

          credentials = mkOption {
            type = types.attrsOf credentialFile;
            default = { };
            example = { ssh_host_ed25519_key = "/run/secrets/web-host-key"; };
            description = ''
              Secrets the guest gets as systemd credentials, by credential ID (1 to 28 letters, digits, `_`, `.` and
              `-`, not starting with `.` or `-`). Each is the absolute path of a file on the host, given as a string
              (agenix's or sops-nix's path under /run), outside the store; a Nix path is refused, since it would
              copy the secret into the store, where every user can read it. `miniguest apply` copies each file into
              Miniguest's state, which root alone can read, never into the store; a changed file reaches the guest at
              its next start. The guest's services take a credential with `LoadCredential=<ID>`
              (`boot.miniguest.sshHostKeyCredential` does so for its SSH host key).
            '';
          };

          switchIfChanged = mkOption {
            type = types.bool;
            default = true;
            description = ''
              Whether a running guest whose new system changes only its userspace is switched to it without a
              restart (`miniguest switch`: its own `switch-to-configuration switch`, run by Miniguest's agent in
              it), as a NixOS container is reloaded. A new kernel, initrd or kernel command line, or a guest that
              runs a system without the agent, is restarted instead where `restartIfChanged` says so. A failed
              activation is switched back, and reported as the guest's failure.
            '';
          };

          restartIfChanged = mkOption {
            type = types.bool;
            default = true;
            description = ''
              Whether a running guest is restarted when a new host configuration changes it (and it was not
              switched: see `switchIfChanged`), so that it runs the new system at once. If not, it runs the new
              system from its next start.
            '';
          };
        };
      });
    };

    services.miniguest = {
      enable = mkOption {
        type = types.bool;
        default = true;
        description = ''
          Whether miniguest-declarative.service keeps libvirt's domains in line with `miniguests`, also
          once the last guest is removed (it then shuts down and removes that one). `false` keeps only
          the `/etc/miniguests` links, as the original module did.
        '';
      };

      jobs = mkOption {
        type = types.ints.positive;
        default = 4;
        description = "How many guests `miniguest apply` starts, restarts or removes at once.";
      };

      stopTimeout = mkOption {
        type = types.ints.positive;
        default = 60;
        description = ''
          Seconds a guest is given to shut down when it is restarted on a new generation or removed,
          before it is forced off.
        '';
      };

      package = mkOption {
        type = types.package;
        # Not `pkgs.miniguest`, which may be nixpkgs' package of the original tool. The flake's
        # `nixosModules.declarative` sets its own package (built with the flake's nixpkgs, whose .NET SDK
        # the package needs) as the default; this one, built with the host's nixpkgs, is for a host
        # that imports this file without the flake.
        default = pkgs.callPackage ../package.nix { };
        defaultText = literalExpression "the package of the flake's nixpkgs for the host's platform (self.packages.<system>.default)";
        description = "The miniguest CLI that applies the declared guests.";
      };
    };
  };

  config = mkMerge [
    (mkIf (guests != { }) {
      environment.etc = mapAttrs' (name: output: nameValuePair "miniguests/${name}" { source = output; }) outputs;

      assertions = [
        {
          assertion = hostNetworkMisuse == [ ];
          message = ''
            miniguests.<name>.network = "host" (the host's network namespace) stands alone, without bridge, and
            applies to containers only: ${toString hostNetworkMisuse}
          '';
        }
        {
          assertion = virtiofsGuests == [ ] || hostStoreReadOnly;
          message = ''
            Miniguest guests on virtiofs could write to the host's /nix/store: keep "ro" in
            boot.nixStoreMountOpts (or boot.readOnlyNixStore = true on older NixOS).
          '';
        }
      ] ++ map (problem: { assertion = false; message = problem; }) credentialProblems;

      warnings = optional (virtiofsGuests != [ ] && !hasVhostUserPackages) ''
        This NixOS has no virtualisation.libvirtd.qemu.vhostUserPackages: libvirt may not find virtiofsd
        for the guests on virtiofs.
      '';
    })

    (mkIf cfg.enable {
      virtualisation.libvirtd = mkMerge [
        {
          enable = mkDefault true;
          # NixOS's default, `suspend`, saves each guest's memory: QEMU refuses it for a VM with a
          # mounted 9p share, and virtiofs cannot be migrated, so every Miniguest VM would fail to suspend.
          onShutdown = mkDefault "shutdown";
        }
        (optionalAttrs hasVhostUserPackages {
          qemu.vhostUserPackages = mkIf (virtiofsGuests != [ ]) [ pkgs.virtiofsd ];
        })
      ];

      # libvirt-guests shuts down (and at boot starts again) the guests of the URIs it is given, only the
      # default one unless told: every URI this host's guests live on, containers' too.
      systemd.services.libvirt-guests.environment.URIS = mkDefault (miniguest.shutdownUris (attrValues guestUris));

      environment.systemPackages = [ cfg.package ];

      systemd.services.miniguest-declarative = {
        description = "Miniguest: define, start, update and remove the declared guests";
        wantedBy = [ "multi-user.target" ];
        inherit (miniguest.declarativeUnitOrder { remote = remoteGuests; }) after wants requires before;
        # `nix` for the guests' GC roots and their closures' copies to other hosts, `ssh` to reach those.
        path = [ config.nix.package ] ++ optional remoteGuests config.programs.ssh.package;
        # A new manifest, or a guest whose system changed (its /etc/miniguests link now points elsewhere).
        restartTriggers = [ manifest ] ++ attrValues outputs;
        serviceConfig = {
          Type = "oneshot";
          RemainAfterExit = true;
          ExecStart = "${cfg.package}/bin/miniguest apply --manifest ${manifest} --jobs ${toString cfg.jobs} --stop-timeout ${toString cfg.stopTimeout}";
        };
      };
    })
  ];
}
