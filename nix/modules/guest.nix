# The guest module (`nixosModules.default`, also `nixosModules.core`): turns a NixOS configuration into a
# Miniguest guest that boots from the host's /nix/store. Its options are those of the original miniguest
# (`boot.miniguest.enable`, `.guestType`, `.qemu.fsType`) plus the ones below, and its build output,
# `system.build.miniguest`, has the original's layout plus `kernel-params`:
#
#   boot/init                   -> <toplevel>/init, the stage-2 init
#   boot/nix-path-registration     the closure's registration, loaded into the guest's Nix database at boot
#   miniguest-config.json          {"enable":true,"guestType":…,"qemu":{"fsType":…}}, and "shares":[…], "volumes":[…] if any
#   kernel, initrd              -> <toplevel>/kernel, <toplevel>/initrd          (VMs only)
#   kernel-params                  console=<serial> init=<toplevel>/init <boot.kernelParams>   (VMs only)
#
# <serial> is the serial port of the guest's platform: ttyS0, or ttyAMA0 on ARM.
#
# A VM boots with the scripted stage 1 and with the systemd stage 1 (`boot.initrd.systemd.enable`): both
# read `init=` from the kernel command line, and both mount the `nix-store` and `boot` shares, which are
# ordinary `fileSystems` entries needed for boot.
{ config, lib, options, pkgs, ... }:

let
  miniguest = import ../lib.nix;
  inherit (lib) filter literalExpression mapAttrs' mkDefault mkEnableOption mkIf mkMerge mkOption mkOverride nameValuePair optionalAttrs
    optionalString types;

  cfg = config.boot.miniguest;
  isVm = cfg.guestType == "qemu";
  toplevel = config.system.build.toplevel;
  inherit (pkgs.stdenv.hostPlatform) system;

  share = tag: {
    device = tag;
    inherit (cfg.qemu) fsType;
    options = miniguest.shareMountOptions { inherit (cfg.qemu) fsType msize cache; };
    neededForBoot = true;
  };

  # The paths of the system, registered in the guest's Nix database at boot (as NixOS's own VMs and
  # container images do), so that Nix inside the guest knows what its store holds.
  registration = pkgs.closureInfo { rootPaths = [ toplevel ]; };
in
{
  options.boot.miniguest = {
    enable = mkEnableOption "building this configuration as a Miniguest guest (`system.build.miniguest`)";

    guestType = mkOption {
      type = types.enum miniguest.guestTypes;
      default = "qemu";
      description = ''
        What the guest runs as: `qemu`, a virtual machine booted by QEMU from its kernel and initrd; or
        `lxc`, a libvirt-LXC container sharing the host's kernel.
      '';
    };

    qemu = {
      fsType = mkOption {
        type = types.enum miniguest.fsTypes;
        default = "9p";
        description = ''
          How a VM mounts the host's store and its boot directory. `9p` needs nothing on the host and
          the host keeps the share read-only. `virtiofs` is faster, needs `virtiofsd` on the host and
          shared memory for the VM, and the host's store must be mounted read-only for the guest not to
          be able to write to it (NixOS hosts do this by default).
        '';
      };

      msize = mkOption {
        type = types.ints.positive;
        default = miniguest.defaults.msize;
        description = ''
          The 9p message size in bytes (9p only). A larger message means fewer round trips to the host
          when reading the store's large files, at the cost of guest memory for each request in flight;
          lookups and directory listings do not change with it. 262144, the default, reads the store
          about twice as fast as microvm.nix's 65536, six times as fast as NixOS's test VMs' 16384, and
          1.2 to 1.4 times as fast as Linux's own default since 5.15 (131072, when no msize is given).
          The virtio transport's most, 512000 on x86_64 (Linux lowers larger sizes to it), added a tenth
          for message buffers twice as big (see docs/performance.md).
        '';
      };

      cache = mkOption {
        type = types.enum miniguest.cacheModes;
        default = miniguest.defaults.cache;
        description = ''
          The 9p cache mode (9p only). `loose`, the default (as in NixOS's test VMs), lets the guest
          cache files and their metadata without asking the host again: safe because what the guest
          sees never changes under it (store paths are immutable, and the boot directory is a store
          path resolved when the VM starts). `none` asks the host on every access and boots slower.
        '';
      };
    };

    serialConsole = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Whether the kernel command line (`kernel-params`) starts with the serial console of the guest's
        platform (`console=ttyS0`; `console=ttyAMA0` on ARM), the serial port that
        `miniguest start --console` and the domain's console log read. A `console=` in
        `boot.kernelParams` comes after it and wins. VMs only.
      '';
    };

    statelessRoot = mkOption {
      type = types.bool;
      default = true;
      description = ''
        Whether a VM's root file system is a tmpfs (mode 0755) unless the configuration defines
        `fileSystems."/"` itself: the guest then starts from its configuration on every boot and keeps
        nothing. The tmpfs is a default (`lib.mkDefault`), so any definition of `fileSystems."/"`
        replaces it whole; set this to `false` to have no root file system defined by Miniguest at
        all. Containers keep the root directory that libvirt gives them.
      '';
    };

    shares = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          mountPoint = mkOption {
            type = types.str;
            description = "Where the guest sees the share: an absolute path without empty, . or .. parts, not on or above the store or /boot.";
          };
          source = mkOption {
            type = types.nullOr types.str;
            default = null;
            description = ''
              The host directory this share asks for; `null` for the guest's own, which Miniguest makes,
              owned by the guest's root: `/var/lib/miniguest/shares/<guest>/<tag>`. A guest's configuration
              only asks: the host's admin gives the directory (`miniguest create NAME --share TAG=PATH`, or
              `miniguests.<name>.shares.<tag>` on a NixOS host), and the domain is not defined without it.
            '';
          };
          readOnly = mkOption {
            type = types.bool;
            default = false;
            description = "Whether the guest may only read the share (9p VMs and containers; virtiofs cannot enforce it).";
          };
        };
      });
      default = { };
      example = literalExpression ''{ data = { mountPoint = "/var/lib/postgresql"; }; }'';
      description = ''
        Host directories the guest mounts, by tag (1 to 31 letters, digits, `_` and `-`): its state, which
        outlives restarts, upgrades, rollbacks and `miniguest remove` (`remove --purge` deletes the
        guest's own). A VM mounts each over 9p or virtiofs as its store, as a file system needed for boot
        (so a share may hold /var); a container gets each bound by libvirt. Writable 9p shares are QEMU's
        `mapped` ones: what the guest sets (owners, modes) is kept in extended attributes on the host.
      '';
    };

    volumes = mkOption {
      type = types.attrsOf (types.submodule {
        options = {
          mountPoint = mkOption {
            type = types.str;
            description = "Where the guest mounts the volume: an absolute path without empty, . or .. parts, not on or above the store or /boot.";
          };
          sizeMiB = mkOption {
            type = types.ints.positive;
            description = ''
              The volume's size in MiB (at most 16 TiB). A VM's image is sparse: it takes on the host only what the
              guest writes. A larger size grows the image at the next `miniguest create`, upgrade or `apply`, and
              the file system with it at the next boot; a smaller one leaves both as they are.
            '';
          };
          fsType = mkOption {
            type = types.enum miniguest.volumeFsTypes;
            default = "ext4";
            description = "The file system the guest makes on the volume the first time it boots with it blank.";
          };
        };
      });
      default = { };
      example = literalExpression ''{ db = { mountPoint = "/var/lib/postgresql"; sizeMiB = 8192; }; }'';
      description = ''
        Block devices the guest formats and mounts, by name (1 to 20 letters, digits, `_` and `-`), for state
        that needs a real file system: a database (`O_DIRECT`, reliable locks), or a writable store's upper
        layer kept across boots (`fileSystems."/nix/.rw-store"`). A VM gets each as a virtio disk backed by a
        sparse raw image in Miniguest's state (`/var/lib/miniguest/volumes/<guest>/<name>.img`), found by its
        serial (`/dev/disk/by-id/virtio-<name>`), formatted on first use and grown with its size; a container
        gets a directory bound at the mount point instead. Volumes live as shares do: kept by upgrades,
        rollbacks, `install --force` and `remove`, deleted by `remove --purge` alone.
      '';
    };

    sshHostKeyCredential = mkOption {
      type = types.nullOr (types.strMatching miniguest.credentialIdPattern);
      default = null;
      example = "ssh_host_ed25519_key";
      description = ''
        The ID of the systemd credential that holds the guest's SSH host key: an ed25519 private key without a
        passphrase, so that a guest which keeps nothing across its boots keeps its SSH identity. Before sshd starts,
        the key is installed as /etc/ssh/ssh_host_ed25519_key (mode 0600) with its public key beside it, and it is
        sshd's only host key (`services.openssh.hostKeys`); without the credential, sshd does not start. A NixOS host
        gives the credential as `miniguests.<name>.credentials.<ID>`.
      '';
    };

    writableStore = {
      enable = mkOption {
        type = types.bool;
        default = false;
        description = ''
          Whether a VM's /nix/store is writable, for guests that build with Nix themselves: an overlay
          whose lower layer is the host's store (the share, then mounted at /nix/.ro-store) and whose
          upper layer is /nix/.rw-store, as in NixOS's own test VMs. What the guest adds never reaches
          the host. Needs a NixOS that has `fileSystems.<name>.overlay`.
        '';
      };

      tmpfs = mkOption {
        type = types.bool;
        default = true;
        description = ''
          Whether the overlay's upper layer, /nix/.rw-store, is a tmpfs (what the guest builds is lost
          at shutdown and takes guest memory). Set to `false` and define `fileSystems."/nix/.rw-store"`
          (with `neededForBoot = true`) yourself to keep it: on a volume (`boot.miniguest.volumes`,
          with its mount point at /nix/.rw-store, which the module declares so), or on a writable share
          of the guest's (`boot.miniguest.shares`; a virtiofs one gets the overlay's `userxattr` option,
          since an unprivileged virtiofsd keeps no `trusted.` attributes, and 9p cannot carry an
          overlay's upper layer).
        '';
      };
    };
  };

  config = mkIf cfg.enable (mkMerge [
    {
      assertions = [
        {
          assertion = cfg.writableStore.enable -> isVm;
          message = "boot.miniguest.writableStore is for VMs: a container's store is the host's, bound read-only.";
        }
        {
          # Hard links from the upper layer into the lower one's files fail, and the lower store is not
          # this guest's to optimise.
          assertion = cfg.writableStore.enable -> !(config.nix.settings.auto-optimise-store or false);
          message = "boot.miniguest.writableStore: nix.settings.auto-optimise-store cannot work on the overlay over the host's store; turn it off.";
        }
      ] ++ map
        (problem: { assertion = false; message = "boot.miniguest.shares: ${problem}"; })
        (miniguest.shareProblems { inherit (cfg) shares; vmOnVirtiofs = isVm && cfg.qemu.fsType == "virtiofs"; })
      ++ map
        (problem: { assertion = false; message = "boot.miniguest.volumes: ${problem}"; })
        (miniguest.volumeProblems { inherit (cfg) volumes shares; });

      system.build.miniguest = pkgs.runCommand "miniguest-${config.system.name}-${config.system.nixos.label}"
        {
          configJson = miniguest.configJson { inherit (cfg) guestType shares volumes; inherit (cfg.qemu) fsType; };
          kernelParams = miniguest.kernelParams {
            init = "${toplevel}/init";
            extraParams = config.boot.kernelParams;
            inherit (cfg) serialConsole;
            inherit system;
          };
          passAsFile = [ "configJson" "kernelParams" ];
          preferLocalBuild = true;
          allowSubstitutes = false;
        }
        (''
          mkdir -p "$out/boot"
          ln -s ${toplevel}/init "$out/boot/init"
          cp ${registration}/registration "$out/boot/nix-path-registration"
          cp "$configJsonPath" "$out/miniguest-config.json"
        '' + optionalString isVm ''
          ln -s ${toplevel}/kernel "$out/kernel"
          ln -s ${toplevel}/initrd "$out/initrd"
          cp "$kernelParamsPath" "$out/kernel-params"
        '');

      # Every boot: register the system's paths in the Nix database and set the system profile (see
      # `bootCommands` in lib.nix, which also keeps Nix off the read-only store's ownership). Runs with
      # both stage 1s and in containers (stage 2 runs these commands in all cases).
      #
      # nix-daemon, which the guest runs as usual, opens the same store as root with NixOS's
      # `build-users-group` (nixbld) for every client: where the store does not show as root:nixbld,
      # mode 1775 (NixOS hosts' stores do, with the same group id as the guest's nixbld; other hosts'
      # and user-namespaced containers' do not), it tries to change that, fails on the read-only store,
      # and the client's command fails with "changing ownership of path '/nix/store'". Queries that open
      # the store themselves as root (NIX_REMOTE=local, or root's default `auto`) get the same unless
      # given `--option build-users-group ""`. Nothing can be built into a read-only store anyway; a
      # guest that builds wants `writableStore`, whose overlay the daemon can change.
      boot.postBootCommands = mkIf config.nix.enable (miniguest.bootCommands config.nix.package.out);

      # The agent `miniguest switch` asks to activate a generation, over the guest's channel (see agentService in
      # lib.nix): the guest runs only a NixOS system of the store, with its own switch-to-configuration.
      systemd.services.miniguest-agent = miniguest.agentService {
        inherit (cfg) guestType;
        shell = "${pkgs.bash}/bin/bash";
        agent = ../guest-agent.sh;
        path = [ pkgs.coreutils ];
      };
    }

    (mkIf (cfg.sshHostKeyCredential != null) {
      systemd.services.miniguest-ssh-host-key = miniguest.sshHostKeyService {
        credential = cfg.sshHostKeyCredential;
        sshKeygen = "${config.programs.ssh.package}/bin/ssh-keygen";
      };
      services.openssh.hostKeys = [ miniguest.sshHostKey ];
    })

    (mkIf (cfg.guestType == "lxc") {
      boot.isContainer = mkDefault true;

      # The agent's console is the agent's alone.
      systemd.services.${miniguest.agentConsoleGetty}.enable = false;

      # `boot.isContainer` assumes a systemd-nspawn container of a NixOS host (see `containerSettings` in
      # lib.nix). Above its `mkDefault` for the resolver; above its plain definition of NIX_REMOTE, and
      # still below `mkForce` for a guest of its own mind.
      networking.useHostResolvConf = mkOverride 900 miniguest.containerSettings.useHostResolvConf;
      environment.variables.NIX_REMOTE = mkOverride 90 miniguest.containerSettings.nixRemote;
      # Above NixOS's plain `nixbld`, below `mkForce`: see `containerSettings` in lib.nix.
      nix.settings.build-users-group = mkOverride 90 miniguest.containerSettings.buildUsersGroup;
    })

    (mkIf isVm {
      # libvirt boots the kernel and initrd directly: no boot loader.
      boot.loader.grub.enable = mkDefault false;

      # Loaded early in both stage 1s, so that the shares' virtio devices exist before the mounts.
      boot.initrd.availableKernelModules = miniguest.initrdKernelModules cfg.qemu.fsType
        ++ lib.optionals (cfg.volumes != { }) miniguest.volumeKernelModules;
      boot.initrd.kernelModules = miniguest.initrdKernelModules cfg.qemu.fsType
        ++ lib.optionals (cfg.volumes != { }) miniguest.volumeKernelModules;

      # The balloon that gives the memory the guest frees back to the host (see `vmKernelModules` in lib.nix).
      boot.kernelModules = miniguest.vmKernelModules;

      # Keep the store mounted to the end of a shutdown (see `storeMounts` in lib.nix): without the
      # default dependencies, its mount units are not stopped with umount.target, and systemd-shutdown
      # deals with them last. A drop-in on the units that systemd makes of /etc/fstab.
      systemd.mounts = map
        (where: {
          inherit where;
          what = config.fileSystems.${where}.device;
          overrideStrategy = "asDropin";
          unitConfig.DefaultDependencies = false;
        })
        (filter (where: config.fileSystems ? ${where}) (miniguest.storeMounts { writableStore = cfg.writableStore.enable; }));

      fileSystems = mkMerge [
        {
          "/boot" = share miniguest.shareTags.boot;
          ${miniguest.storeMountPoint { writableStore = cfg.writableStore.enable; }} = share miniguest.shareTags.store;
        }

        (mapAttrs'
          (tag: data: nameValuePair data.mountPoint {
            device = tag;
            inherit (cfg.qemu) fsType;
            options = miniguest.dataShareMountOptions { inherit (cfg.qemu) fsType msize; inherit (data) readOnly; };
            neededForBoot = true;
          })
          cfg.shares)

        (mapAttrs' (name: volume: nameValuePair volume.mountPoint (miniguest.volumeFileSystem name volume)) cfg.volumes)

        (mkIf cfg.statelessRoot {
          "/" = mkDefault {
            device = "tmpfs";
            fsType = "tmpfs";
            options = [ "mode=755" ];
          };
        })

        (mkIf cfg.writableStore.enable {
          "/nix/.rw-store" = mkIf cfg.writableStore.tmpfs {
            device = "tmpfs";
            fsType = "tmpfs";
            options = [ "mode=0755" ];
            neededForBoot = true;
          };
          "/nix/store" = {
            overlay = {
              lowerdir = [ "/nix/.ro-store" ];
              upperdir = "/nix/.rw-store/upper";
              workdir = "/nix/.rw-store/work";
            };
            options = mkIf ((config.fileSystems."/nix/.rw-store".fsType or null) == "virtiofs") [ "userxattr" ];
            neededForBoot = true;
          };
        })
      ];
    })

    # Domains that the original miniguest's `create` printed have no `init=` on their command line: the
    # scripted stage 1 then falls back to /init, which the original module redirected to /boot/init.
    # Keep doing so for them. The systemd stage 1 has no such hook (and refuses a definition of it); it
    # always needs `init=`, which Miniguest's domains carry. Guarded for a NixOS without the scripted
    # stage 1's option.
    (optionalAttrs (options.boot.initrd ? postMountCommands) {
      boot.initrd.postMountCommands = mkIf (isVm && !config.boot.initrd.systemd.enable) ''
        test "$stage2Init" = /init && stage2Init=/boot/init
      '';
    })
  ]);
}
