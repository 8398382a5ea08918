# Miniguest's test guest: a guest with exactly the output layout of the NixOS module's
# `system.build.miniguest`, built without nixpkgs from the host distribution's kernel and a static
# busybox. The test fixture stages this directory together with `inputs/`, with the repository's
# nix/lib.nix as `lib.nix`, the functions the NixOS module computes its output with, and with the module's agent,
# nix/guest-agent.sh, which the test guest runs as the module's service does (see guest-init.sh):
#   inputs/busybox/busybox          a static busybox
#   inputs/kernel.nix               a kernel, uncompressed (booted at its PVH entry point), named by path and hash
#   inputs/modules/*.ko, load-order the virtio (transport, console, net, balloon, block), 9p, virtiofs and ext4 modules and the order to load them
#   inputs/e2fsprogs/               mke2fs and resize2fs with their libraries, as their paths are on the host
{
  description = "Miniguest test guest (no nixpkgs)";

  outputs = { self }:
    let
      system = "x86_64-linux";
      miniguest = import ./lib.nix;

      # The busybox source directory holds only `busybox`, so that Nix runs it as `busybox`
      # (argv[0] picks the applet).
      busyboxBin = "${./inputs/busybox}/busybox";

      # A derivation whose builder is a busybox shell script, with every applet on PATH.
      run = name: env: script: derivation ({
        inherit name system;
        builder = busyboxBin;
        args = [ "sh" "-euc" ''
          busybox mkdir -p "$TMPDIR/bin"
          busybox --install -s "$TMPDIR/bin"
          export PATH="$TMPDIR/bin"
          ${script}
        '' ];
      } // env);

      busybox = run "busybox" { } ''
        mkdir -p "$out/bin"
        cp ${busyboxBin} "$out/bin/busybox"
      '';

      kernel = import ./inputs/kernel.nix;

      # Substitutes @name@ placeholders in a script and makes it executable.
      script = name: file: substitutions: run name substitutions ''
        cp ${file} "$out"
        for var in ${builtins.concatStringsSep " " (builtins.attrNames substitutions)}; do
          eval value=\"\$$var\"
          sed -i "s|@$var@|$value|g" "$out"
        done
        chmod 555 "$out"
      '';

      # `tag:mountPoint` of each share, for stage 1 to mount (the NixOS module declares them as file systems).
      shareMounts = shares: builtins.concatStringsSep " " (map (tag: "${tag}:${shares.${tag}.mountPoint}") (builtins.attrNames shares));

      # `device:mountPoint` of each volume, for stage 1 to format, grow and mount, as the module's `autoFormat` and
      # `autoResize` have NixOS do.
      volumeMounts = volumes: builtins.concatStringsSep " "
        (map (name: "${miniguest.volumeDevice name}:${volumes.${name}.mountPoint}") (builtins.attrNames volumes));

      # Stage 1: loads the modules, mounts the store and boot shares read-only over a tmpfs root, and the
      # guest's data shares and volumes writable, then runs the init named on the kernel command line.
      initrd = fsType: shares: volumes: run "initrd-${fsType}" { } (''
        mkdir -p root/bin root/lib/modules
        cp ${busyboxBin} root/bin/busybox
        cp ${./inputs/modules}/* root/lib/modules/
        cp ${script "initrd-init" ./initrd-init.sh {
          inherit fsType;
          shares = shareMounts shares;
          volumes = volumeMounts volumes;
          msize = toString miniguest.defaults.msize;
        }} root/init
      '' + (if volumes == { } then "" else ''
        cp -r ${./inputs/e2fsprogs}/. root/
        chmod -R u+w root
      '') + ''
        cd root
        find . | cpio -o -H newc -R 0:0 2>/dev/null | gzip -9 > "$out"
      '');

      # Stage 2: the guest system's init, the same for VMs and containers; `data` is where its data share is, if any;
      # a server variant serves over its network interface; an idle variant waits to be stopped; a bench variant measures
      # its data's throughput.
      init = variant: data: script "init" ./guest-init.sh {
        inherit busybox variant data;
        agent = ./guest-agent.sh;
        serve = if builtins.match ".*-server" variant != null then "yes" else "no";
        bench = if builtins.match ".*-bench" variant != null then "yes" else "no";
        idle = if builtins.match ".*-idle" variant != null then "yes" else "no";
      };

      # The system's own kernel parameters (NixOS's `boot.kernelParams`).
      systemKernelParams = [ "panic=-1" "loglevel=4" ];

      # The system's top level, as NixOS lays it out.
      toplevel = { variant, fsType ? null, shares, volumes }: run "test-guest-system-${variant}" { } (''
        mkdir -p "$out/bin"
        ln -s ${init variant (dataOf shares volumes)} "$out/init"
        ln -s ${script "switch-to-configuration" ./switch-to-configuration.sh { inherit busybox; }} "$out/bin/switch-to-configuration"
      '' + (if fsType == null then "" else ''
        ln -s ${kernel} "$out/kernel"
        ln -s ${initrd fsType shares volumes} "$out/initrd"
        echo -n "${builtins.concatStringsSep " " systemKernelParams}" > "$out/kernel-params"
      ''));

      # `system.build.miniguest`, made as the module makes it. The registration is the system's
      # reference graph (the format of `nix-store --register-validity`; the test guest never loads it),
      # and `init=` names the init itself rather than the top level's link to it: the busybox stage 1
      # checks it under /sysroot, where an absolute link would not resolve.
      build = { variant, guestType, fsType ? "9p", shares ? { }, volumes ? { } }:
        let
          isVm = guestType == "qemu";
          system = toplevel { inherit variant shares volumes; fsType = if isVm then fsType else null; };
        in run "miniguest-${variant}"
          {
            configJson = miniguest.configJson { inherit guestType fsType shares volumes; };
            kernelParams = miniguest.kernelParams { init = init variant (dataOf shares volumes); extraParams = systemKernelParams; };
            passAsFile = [ "configJson" "kernelParams" ];
            exportReferencesGraph = [ "closure" system ];
          }
          (''
            mkdir -p "$out/boot"
            ln -s ${system}/init "$out/boot/init"
            cp closure "$out/boot/nix-path-registration"
            cp "$configJsonPath" "$out/miniguest-config.json"
          '' + (if isVm then ''
            ln -s ${system}/kernel "$out/kernel"
            ln -s ${system}/initrd "$out/initrd"
            cp "$kernelParamsPath" "$out/kernel-params"
          '' else ""));

      # Where the guest's data share or volume is, or "" without one.
      dataOf = shares: volumes: if shares ? data then shares.data.mountPoint else if volumes ? data then volumes.data.mountPoint else "";

      # The stateful variants' one share, the guest's own directory on the host.
      dataShare = { data = { mountPoint = "/var/lib/data"; source = null; readOnly = false; }; };

      # The volume variants' one volume, in place of the share (the tests grow it by editing its size here).
      dataVolume = { data = { mountPoint = "/var/lib/data"; sizeMiB = 64; fsType = "ext4"; }; };

      # A hostile build output: the guest `of`, with its `file` replaced by a link to `target`, out of the store.
      escaping = { of, file, target }: run "miniguest-escaping-${builtins.replaceStrings [ "/" ] [ "-" ] file}" { } ''
        cp -a ${of} "$out"
        chmod -R u+w "$out"
        rm -rf "$out/${file}"
        ln -s ${target} "$out/${file}"
      '';

      guests = {
        vm = build { variant = "vm"; guestType = "qemu"; fsType = "9p"; };
        vm-virtiofs = build { variant = "vm-virtiofs"; guestType = "qemu"; fsType = "virtiofs"; };
        container = build { variant = "container"; guestType = "lxc"; };
        # With a data share, where they count their boots (see guest-init.sh).
        vm-state = build { variant = "vm-state"; guestType = "qemu"; fsType = "9p"; shares = dataShare; };
        vm-virtiofs-state = build { variant = "vm-virtiofs-state"; guestType = "qemu"; fsType = "virtiofs"; shares = dataShare; };
        container-state = build { variant = "container-state"; guestType = "lxc"; shares = dataShare; };
        # With a data volume instead, formatted on their first boot, where they count their boots as well.
        vm-volume = build { variant = "vm-volume"; guestType = "qemu"; fsType = "9p"; volumes = dataVolume; };
        container-volume = build { variant = "container-volume"; guestType = "lxc"; volumes = dataVolume; };
        # Measuring sequential writes and reads of their data (bench/volumes), on a volume of 512 MiB or a writable share.
        vm-volume-bench = build { variant = "vm-volume-bench"; guestType = "qemu"; fsType = "9p"; volumes.data = dataVolume.data // { sizeMiB = 512; }; };
        vm-state-bench = build { variant = "vm-state-bench"; guestType = "qemu"; fsType = "9p"; shares = dataShare; };
        vm-virtiofs-state-bench = build { variant = "vm-virtiofs-state-bench"; guestType = "qemu"; fsType = "virtiofs"; shares = dataShare; };
        # Serving over their network interface until stopped (see guest-init.sh).
        vm-server = build { variant = "vm-server"; guestType = "qemu"; fsType = "9p"; };
        container-server = build { variant = "container-server"; guestType = "lxc"; };
        # Running until stopped, with nothing to do (see guest-init.sh): the footprint's measurements.
        vm-idle = build { variant = "vm-idle"; guestType = "qemu"; fsType = "9p"; };
        vm-virtiofs-idle = build { variant = "vm-virtiofs-idle"; guestType = "qemu"; fsType = "virtiofs"; };
        container-idle = build { variant = "container-idle"; guestType = "lxc"; };
        # Idle with a data share, where a clean shutdown leaves its mark (see guest-init.sh).
        container-state-idle = build { variant = "container-state-idle"; guestType = "lxc"; shares = dataShare; };
      };

      # Build outputs whose links lead out of the store, to host files a guest must never get, or that choose a host
      # directory (the security tests).
      escapes = {
        escape-kernel = escaping { of = guests.vm; file = "kernel"; target = "/etc/shadow"; };
        escape-initrd = escaping { of = guests.vm; file = "initrd"; target = "/etc/shadow"; };
        escape-boot = escaping { of = guests.vm; file = "boot"; target = "/usr/sbin"; };
        escape-init = escaping { of = guests.vm; file = "boot/init"; target = "/usr/sbin/nologin"; };
        escape-container-boot = escaping { of = guests.container; file = "boot"; target = "/usr/sbin"; };
        # A share whose build output picks a host directory: only the admin may.
        escape-share = build {
          variant = "vm-escape-share"; guestType = "qemu"; fsType = "9p";
          shares.data = { mountPoint = "/var/lib/data"; source = "/root"; readOnly = false; };
        };
      };
    in
    {
      packages.${system} = guests // { default = guests.vm; };
      # The attribute path miniguest builds: nixosConfigurations.<attr>.config.system.build.miniguest.
      nixosConfigurations = builtins.mapAttrs (_: guest: { config.system.build.miniguest = guest; }) (guests // escapes)
        // { default.config.system.build.miniguest = guests.vm; };
    };
}
