# Miniguest's decisions about a guest, as plain functions that need only Nix's builtins: the kernel
# command line, the shares' mount options and tags, `miniguest-config.json`, the files of a guest's
# build output, and the manifest the declarative host module hands to the CLI. The NixOS modules and
# the test guest (Miniguest.Tests/TestGuest) compute these things here, and the tests evaluate these
# functions with a bare `nix`, no nixpkgs needed.
#
# Exported by the flake as `lib`.
let
  inherit (builtins) concatStringsSep elem mapAttrs toJSON;

  oneOf = what: allowed: value:
    if elem value allowed then value
    else throw "miniguest: ${what} is ${toJSON value}; expected one of ${concatStringsSep ", " (map toJSON allowed)}";
in
rec {
  # `boot.miniguest.guestType`: a VM booted by QEMU, or a libvirt-LXC container.
  guestTypes = [ "qemu" "lxc" ];

  # `boot.miniguest.qemu.fsType`: how a VM mounts the host's store and its boot directory.
  fsTypes = [ "9p" "virtiofs" ];

  # The 9p cache modes the Linux 9p client accepts (`cache=`).
  cacheModes = [ "none" "loose" "fscache" "mmap" "readahead" ];

  # The guest module's defaults for 9p shares; the option descriptions in modules/guest.nix say why.
  defaults = {
    msize = 65536;
    cache = "loose";
  };

  # The mount tags of a VM's shares, as the CLI writes them into the domain: the host's /nix/store, and
  # the guest's `boot` directory (/etc/miniguests/<name>/boot on the host).
  shareTags = {
    store = "nix-store";
    boot = "boot";
  };

  # Where a VM mounts the store share: the store itself, or the read-only lower layer of an overlay when
  # the guest has a writable store (the layout of NixOS's qemu-vm.nix).
  storeMountPoint = { writableStore ? false }: if writableStore then "/nix/.ro-store" else "/nix/store";

  # The kernel modules a VM's stage 1 needs to mount its shares.
  initrdKernelModules = fsType:
    {
      "9p" = [ "virtio_pci" "9p" "9pnet_virtio" ];
      virtiofs = [ "virtio_pci" "virtiofs" ];
    }.${oneOf "qemu.fsType" fsTypes fsType};

  # The mount options of a VM's two shares. Both are read-only in the guest (the host decides whether
  # the guest can really write: see the README). For 9p: the virtio transport, the 9P2000.L dialect,
  # the message size and cache mode, and, for the systemd stage 1, an ordering after the virtio
  # transport's module is loaded (9p cannot load it by itself early enough; as NixOS's qemu-vm.nix does).
  # virtiofs has no client-side knobs: its cache is virtiofsd's business on the host.
  shareMountOptions = { fsType, msize ? defaults.msize, cache ? defaults.cache }:
    if oneOf "qemu.fsType" fsTypes fsType == "9p" then [
      "trans=virtio"
      "version=9p2000.L"
      "msize=${toString msize}"
      "cache=${oneOf "qemu.cache" cacheModes cache}"
      "x-systemd.requires=modprobe@9pnet_virtio.service"
      "ro"
    ] else [ "ro" ];

  # The text of a VM's `kernel-params`: the serial console the CLI reads (unless turned off), the
  # system's stage-2 init as a store path (both stage 1s accept it: the systemd one resolves it under
  # /sysroot, where the store is mounted), then the system's own parameters (`boot.kernelParams`), so
  # that a `console=` of the guest's own comes last and wins.
  kernelParams = { init, extraParams ? [ ], serialConsole ? true }:
    concatStringsSep " " ((if serialConsole then [ "console=ttyS0" ] else [ ]) ++ [ "init=${init}" ] ++ extraParams);

  # The text of `miniguest-config.json`: exactly the three options of the original module, in its shape.
  configJson = { guestType, fsType ? "9p" }:
    toJSON {
      enable = true;
      guestType = oneOf "guestType" guestTypes guestType;
      qemu.fsType = oneOf "qemu.fsType" fsTypes fsType;
    };

  # The files of a guest's build output (`system.build.miniguest`), sorted.
  outputLayout = { guestType }:
    {
      qemu = [ "boot/init" "boot/nix-path-registration" "initrd" "kernel" "kernel-params" "miniguest-config.json" ];
      lxc = [ "boot/init" "boot/nix-path-registration" "miniguest-config.json" ];
    }.${oneOf "guestType" guestTypes guestType};

  # The manifest `miniguest apply --manifest FILE` reads: the declarative host module's guests (the
  # attribute set `miniguests`) with the settings the CLI acts on. Other attributes of each guest (its
  # configuration, its system) are not part of it. `uri = null` leaves the choice to the CLI.
  declarativeManifest = guests:
    toJSON {
      version = 1;
      guests = mapAttrs
        (_: guest: {
          inherit (guest) uri memory vcpus network autostart restartIfChanged;
        })
        guests;
    };
}
