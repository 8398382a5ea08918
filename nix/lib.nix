# Miniguest's decisions about a guest, as plain functions that need only Nix's builtins: the kernel
# command line, the shares' mount options and tags, `miniguest-config.json`, the files of a guest's
# build output, the manifest the declarative host module hands to the CLI and the credentials it
# refuses, and the unit that installs a guest's SSH host key from a credential. The NixOS modules and
# the test guest (Miniguest.Tests/TestGuest) compute these things here, and the tests evaluate these
# functions with a bare `nix`, no nixpkgs needed.
#
# Exported by the flake as `lib`.
let
  inherit (builtins) all any attrNames attrValues concatLists concatStringsSep dirOf elem filter head isList isPath isString length listToAttrs
    mapAttrs match split substring stringLength tail toJSON;

  # `null`, one value or a list of them, as a list.
  toList = value: if value == null then [ ] else if isList value then value else [ value ];

  oneOf = what: allowed: value:
    if elem value allowed then value
    else throw "miniguest: ${what} is ${toJSON value}; expected one of ${concatStringsSep ", " (map toJSON allowed)}";

  # An absolute path whose every part is a name: no empty, `.` or `..` part.
  isPlainAbsolute = path:
    substring 0 1 path == "/"
    && (path == "/" || all (part: part != "" && part != "." && part != "..") (tail (filter isString (split "/" path))));

  # Whether the plain absolute path `inner` is `outer` or lies below it.
  contains = outer: inner: inner == outer || substring 0 (stringLength outer + 1) inner == (if outer == "/" then "/" else outer + "/");

  store = "/nix/store";
in
rec {
  # `boot.miniguest.guestType`: a VM booted by QEMU, or a libvirt-LXC container.
  guestTypes = [ "qemu" "lxc" ];

  # `boot.miniguest.qemu.fsType`: how a VM mounts the host's store and its boot directory.
  fsTypes = [ "9p" "virtiofs" ];

  # The 9p cache modes the Linux 9p client accepts (`cache=`).
  cacheModes = [ "none" "loose" "fscache" "mmap" "readahead" ];

  # The guest module's defaults for 9p shares; the option descriptions in modules/guest.nix say why
  # (the msize as measured by bench/msize).
  defaults = {
    msize = 262144;
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

  # The kernel modules a VM loads once it runs (stage 2): the virtio balloon, through which the guest's kernel reports
  # the pages it frees, so that QEMU gives them back to the host, when the domain has free page reporting (`miniguest
  # create --free-page-reporting`). It binds only where the device exists, and costs nothing otherwise.
  vmKernelModules = [ "virtio_balloon" ];

  # The mount options of a VM's two shares. Both are read-only in the guest (the host decides whether
  # the guest can really write: see docs/security.md). Every share is ordered after systemd-modules-load,
  # which loads the stage 1's modules (`initrdKernelModules`): without it the systemd stage 1 can mount
  # /sysroot's shares before the virtio transport is there ("virtio-fs: tag <…> not found", then the
  # emergency shell; microvm.nix issue 114). An ordering, not `x-systemd.requires=`: a requirement
  # keeps systemd-modules-load running into stage 2, which then does not load its own modules, and stops
  # or restarts the share with it (microvm.nix issue 478). For 9p also the virtio transport's own
  # modprobe, as NixOS's qemu-vm.nix does. The scripted stage 1 ignores the `x-systemd.` options.
  # 9p: the virtio transport, the 9P2000.L dialect, the message size and cache mode. virtiofs has no
  # client-side knobs: its cache is virtiofsd's business on the host.
  shareMountOptions = { fsType, msize ? defaults.msize, cache ? defaults.cache }:
    (if oneOf "qemu.fsType" fsTypes fsType == "9p" then [
      "trans=virtio"
      "version=9p2000.L"
      "msize=${toString msize}"
      "cache=${oneOf "qemu.cache" cacheModes cache}"
      "x-systemd.requires=modprobe@9pnet_virtio.service"
    ] else [ ])
    ++ [ moduleLoaderOrdering "ro" ];

  # The share option that orders a mount after the stage 1's modules are loaded.
  moduleLoaderOrdering = "x-systemd.after=systemd-modules-load.service";

  # The mount points a VM's store lives on: the share, and with a writable store the overlay's layers.
  # They stay mounted until the very end of a shutdown: systemd would otherwise unmount them in the
  # ordinary shutdown order, while it and everything still running come from the store, and QEMU could
  # hang there (microvm.nix issues 170 and 464). `/nix/.rw-store` is one only where the guest defines it.
  storeMounts = { writableStore ? false }:
    if writableStore then [ "/nix/.ro-store" "/nix/.rw-store" "/nix/store" ] else [ "/nix/store" ];

  # The serial console of a VM of the given platform (a Nix system such as "x86_64-linux"), as libvirt
  # gives it: the PC's 16550 UART (ttyS0), or the PL011 of the `virt` machine on ARM (ttyAMA0).
  serialConsoleFor = system:
    let cpu = head (match "([^-]*).*" system);
    in if cpu == "aarch64" || cpu == "armv7l" || cpu == "armv6l" then "ttyAMA0" else "ttyS0";

  # The text of a VM's `kernel-params`: the serial console of the guest's platform, which the CLI reads
  # (unless turned off), the system's stage-2 init as a store path (both stage 1s accept it: the systemd
  # one resolves it under /sysroot, where the store is mounted), then the system's own parameters
  # (`boot.kernelParams`), so that a `console=` of the guest's own comes last and wins.
  kernelParams = { init, extraParams ? [ ], serialConsole ? true, system ? "x86_64-linux" }:
    concatStringsSep " " ((if serialConsole then [ "console=${serialConsoleFor system}" ] else [ ]) ++ [ "init=${init}" ] ++ extraParams);

  # The commands stage 2 runs at every boot (the root is usually fresh), with the guest's `nix`: register
  # the system's paths in the Nix database, so that Nix inside the guest knows what its store holds, and
  # point the system profile at the running system, as nixos-rebuild expects. Run as root with
  # `build-users-group` set (NixOS sets it), Nix's local store makes the store root:<that group>, mode
  # 1775, when it opens it and finds otherwise, and fails when it cannot: the guest's store is the host's,
  # read-only, and shows its owner as the host has it (another group id on a host that is not NixOS, the
  # overflow id in a user-namespaced container). An empty `build-users-group` keeps both commands off
  # the store's ownership; neither of them builds. (Containers set it empty for every Nix command: see
  # `containerSettings`.)
  bootCommands = nix: ''
    if [ -f /boot/nix-path-registration ]; then
      ${nix}/bin/nix-store --option build-users-group "" --load-db < /boot/nix-path-registration
    fi
    ${nix}/bin/nix-env --option build-users-group "" -p /nix/var/nix/profiles/system --set /run/current-system
  '';

  # What a libvirt-LXC container sets where `boot.isContainer` assumes a systemd-nspawn container of a
  # NixOS host (NixOS's container-config.nix):
  # - `useHostResolvConf`: nspawn brings the host's /etc/resolv.conf, libvirt-LXC brings none, so the
  #   guest makes its own from its network configuration, as a VM does;
  # - `nixRemote`: nspawn containers reach the host's nix-daemon through a bound socket, libvirt-LXC
  #   binds none; `auto` is Nix's own default, as in a VM: root opens the local store, other users talk
  #   to the guest's own nix-daemon.
  # - `buildUsersGroup`: Nix opening the store as root (the guest's nix-daemon, root's `nix`) makes it
  #   root:<build-users-group> first, and a user-namespaced container's store shows the overflow owner
  #   (the host's root is not mapped in it), which it may not change: every command fails with "changing
  #   ownership of path '/nix/store'". Empty, Nix leaves the owner alone; it then remounts the store
  #   writable in a mount namespace of its own, which libvirt-LXC's read-only bind allows, and still
  #   cannot write into it, owned as it is by the unmapped host root. Its database is the container's own.
  containerSettings = {
    useHostResolvConf = false;
    nixRemote = "auto";
    buildUsersGroup = "";
  };

  # Whether a guest declared on a host (`miniguests.<name>`) is built with the host's package set, with
  # its overlays. Only for the host's platform, and only when the guest configures no nixpkgs itself:
  # NixOS refuses `nixpkgs.config` next to a package set given from outside. Otherwise the guest gets
  # its own package set from the host's nixpkgs.
  usesHostPkgs = { hostSystem, guestSystem, guestConfiguresNixpkgs }:
    hostSystem == guestSystem && !guestConfiguresNixpkgs;

  # The text of `miniguest-config.json`: the three options of the original module, in its shape, and
  # the guest's shares (`boot.miniguest.shares`: tag -> { mountPoint; source; readOnly; }), sorted by
  # tag, and its volumes (`boot.miniguest.volumes`: name -> { mountPoint; sizeMiB; fsType; }), sorted by
  # name, each only when it has any. The CLI checks them (names, plain absolute paths, nothing on the
  # store, sizes, file systems).
  configJson = { guestType, fsType ? "9p", shares ? { }, volumes ? { } }:
    toJSON ({
      enable = true;
      guestType = oneOf "guestType" guestTypes guestType;
      qemu.fsType = oneOf "qemu.fsType" fsTypes fsType;
    } // (if shares == { } then { } else {
      shares = map
        (tag: {
          inherit tag;
          inherit (shares.${tag}) mountPoint;
          source = shares.${tag}.source or null;
          readOnly = shares.${tag}.readOnly or false;
        })
        (attrNames shares);
    }) // (if volumes == { } then { } else {
      volumes = map
        (name: {
          inherit name;
          inherit (volumes.${name}) mountPoint sizeMiB;
          fsType = volumes.${name}.fsType or "ext4";
        })
        (attrNames volumes);
    }));

  # The file systems a guest may make on a volume, as the CLI takes them.
  volumeFsTypes = [ "ext4" "ext3" "ext2" "xfs" "btrfs" ];

  # The largest size a volume may declare, in MiB: 16 TiB.
  maxVolumeSizeMiB = 16 * 1024 * 1024;

  # The device of a VM's volume `name`: its virtio disk, whose serial is the volume's name.
  volumeDevice = name: "/dev/disk/by-id/virtio-${name}";

  # The kernel module a VM's stage 1 needs for its volumes' disks.
  volumeKernelModules = [ "virtio_blk" ];

  # A VM's volume as a NixOS file system (`fileSystems.<mountPoint>`): found by its serial, formatted the
  # first time, grown to its disk when the disk grows. Needed for boot where NixOS does not already
  # know its mount point to be (/var and the like): the upper layer of a writable store, which stage 1
  # mounts before the store.
  volumeFileSystem = name: volume: {
    device = volumeDevice name;
    fsType = volume.fsType or "ext4";
    autoFormat = true;
    autoResize = true;
  } // (if volume.mountPoint == "/nix/.rw-store" then { neededForBoot = true; } else { });

  # What the CLI refuses in a guest's volumes (`boot.miniguest.volumes`: name -> { mountPoint; sizeMiB;
  # fsType; }) beside its shares, in its words, so that the guest module refuses it at evaluation.
  volumeProblems = { volumes, shares ? { } }:
    let
      ofVolume = name:
        let
          volume = volumes.${name};
          mountPoint = volume.mountPoint or null;
          size = volume.sizeMiB or null;
          fsType = volume.fsType or "ext4";
        in
        if match "[A-Za-z0-9_-]{1,20}" name == null then
          [ "'${name}' is not a volume name (1 to 20 letters, digits, _ and -)" ]
        else if mountPoint == null || !isPlainAbsolute mountPoint || mountPoint == "/" then
          [ "volume '${name}': its mount point '${toString mountPoint}' is not an absolute path without . or .. parts" ]
        else if contains mountPoint store || contains store mountPoint || contains "/boot" mountPoint then
          [ "volume '${name}': a volume at ${mountPoint} would hide the guest's store or /boot" ]
        else if size == null || size < 1 || size > maxVolumeSizeMiB then
          [ "volume '${name}': its size ${toString size} MiB is not from 1 to ${toString maxVolumeSizeMiB} MiB" ]
        else if !(elem fsType volumeFsTypes) then
          [ "volume '${name}': its file system '${fsType}' is not one of ${concatStringsSep ", " volumeFsTypes}" ]
        else [ ];
      names = attrNames volumes;
      taken = map (tag: shares.${tag}.mountPoint or null) (attrNames shares);
      # As the CLI reads them, in the order of their names: the later of two on one mount point is the one refused.
      clash = name:
        let mountPoint = volumes.${name}.mountPoint or null; in
        mountPoint != null && (elem mountPoint taken || any (other: other < name && (volumes.${other}.mountPoint or null) == mountPoint) names);
    in
    concatLists (map ofVolume names)
    ++ map (name: "volume '${name}' is mounted at ${volumes.${name}.mountPoint}, where another volume or a share is") (filter clash names);

  # The mount options of a VM's data share (`boot.miniguest.shares`): as the store's, but written
  # through to the host: 9p's `cache=mmap` caches nothing but what mmap needs, so the host and the
  # guest never see different files. Read-only where the share is.
  dataShareMountOptions = { fsType, msize ? defaults.msize, readOnly ? false }:
    (if oneOf "qemu.fsType" fsTypes fsType == "9p" then [
      "trans=virtio"
      "version=9p2000.L"
      "msize=${toString msize}"
      "cache=mmap"
      "x-systemd.requires=modprobe@9pnet_virtio.service"
    ] else [ ])
    ++ [ moduleLoaderOrdering ] ++ (if readOnly then [ "ro" ] else [ ]);

  # What the CLI refuses in a guest's shares (`boot.miniguest.shares`: tag -> { mountPoint; source;
  # readOnly; }), in its words, so that the guest module refuses it at evaluation: an empty list for shares
  # the CLI takes. `vmOnVirtiofs`: a VM whose shares are virtiofs, which cannot make one read-only.
  shareProblems = { shares, vmOnVirtiofs ? false }:
    let
      ofShare = tag:
        let
          share = shares.${tag};
          mountPoint = share.mountPoint or null;
          source = share.source or null;
        in
        if match "[A-Za-z0-9_-]{1,31}" tag == null || elem tag (attrValues shareTags) then
          [ "'${tag}' is not a share tag (1 to 31 letters, digits, _ and -; not nix-store or boot)" ]
        else if mountPoint == null || !isPlainAbsolute mountPoint || mountPoint == "/" then
          [ "share '${tag}': its mount point '${toString mountPoint}' is not an absolute path without . or .. parts" ]
        else if contains mountPoint store || contains store mountPoint || contains "/boot" mountPoint then
          [ "share '${tag}': a share at ${mountPoint} would hide the guest's store or /boot" ]
        else if source != null && !isPlainAbsolute source then
          [ "share '${tag}': its source '${source}' is not an absolute path without . or .. parts" ]
        else if source != null && (contains source store || contains store source) then
          [ "share '${tag}': its source ${source} is the Nix store, inside it or above it" ]
        else if vmOnVirtiofs && (share.readOnly or false) then
          [ "'${tag}' is read-only, which virtiofs cannot enforce; share it over 9p or writable" ]
        else [ ];
      tags = attrNames shares;
      mountPoints = map (tag: shares.${tag}.mountPoint or null) tags;
      twice = filter (mountPoint: mountPoint != null && length (filter (other: other == mountPoint) mountPoints) > 1) mountPoints;
    in
    concatLists (map ofShare tags) ++ map (mountPoint: "two shares are mounted at ${mountPoint}") (attrNames (listToAttrs (map (name: { inherit name; value = null; }) twice)));

  # A systemd credential's ID (`miniguests.<name>.credentials`, `boot.miniguest.sshHostKeyCredential`): 1 to 28
  # letters, digits, `_`, `.` and `-`, not starting with `.` or `-`. A VM gets each credential as the QEMU fw_cfg
  # entry `opt/io.systemd.credentials/<ID>`, and QEMU keeps such names to 55 bytes.
  credentialIdPattern = "[A-Za-z0-9_][A-Za-z0-9_.-]{0,27}";

  # What the host module refuses in a declared guest's credentials (`miniguests.<guest>.credentials`: ID -> the
  # path of a file on the host), each message naming the guest and the ID; an empty list for credentials
  # `miniguest apply` can take. A Nix path, or a file in the store, is a secret every user of the host can read.
  credentialProblems = { guest, credentials }:
    concatLists (map
      (id:
        let
          option = "miniguests.${guest}.credentials";
          path = credentials.${id};
        in
        if match credentialIdPattern id == null then
          [ "${option}: '${id}' is not a credential ID (1 to 28 letters, digits, _, . and -, not starting with . or -)" ]
        # `toString`, never interpolation: interpolating a Nix path copies the file into the store.
        else if isPath path then
          [ "${option}.${id}: ${toString path} is a Nix path, which would copy the secret into the store for every user to read; give the file's path as a string" ]
        else if !isString path || !isPlainAbsolute path then
          [ "${option}.${id}: '${toString path}' is not an absolute path without empty, . or .. parts" ]
        else if contains store path then
          [ "${option}.${id}: ${path} is in the Nix store, which every user can read" ]
        else [ ])
      (attrNames credentials));

  # The one SSH host key of a guest that takes it from a credential (`boot.miniguest.sshHostKeyCredential`), where
  # NixOS's sshd looks for its ed25519 key.
  sshHostKey = { type = "ed25519"; path = "/etc/ssh/ssh_host_ed25519_key"; };

  # The unit that installs the host key from the credential `credential` before sshd starts, with its public key
  # beside it (derived with `sshKeygen`); `keyPath` is where, `sshHostKey.path` but in the tests. `LoadCredential=`
  # with an ID alone takes the system credential of that ID, which systemd imports from QEMU's fw_cfg in a VM and
  # from its own $CREDENTIALS_DIRECTORY in a container. sshd and NixOS's key generator require the unit: without
  # the credential neither runs, and the guest never answers with a key made up at boot.
  sshHostKeyService = { credential, sshKeygen, keyPath ? sshHostKey.path }: {
    description = "Miniguest: the SSH host key from the credential ${credential}";
    wantedBy = [ "multi-user.target" ];
    requiredBy = [ "sshd.service" "sshd-keygen.service" ];
    before = [ "sshd.service" "sshd-keygen.service" ];
    serviceConfig = {
      Type = "oneshot";
      RemainAfterExit = true;
      LoadCredential = credential;
    };
    script = ''
      mkdir -p -m 0755 ${dirOf keyPath}
      umask 0077
      install -m 0600 "$CREDENTIALS_DIRECTORY/${credential}" ${keyPath}
      ${sshKeygen} -y -f ${keyPath} > ${keyPath}.pub
      chmod 0644 ${keyPath}.pub
    '';
  };

  # Miniguest's agent in a guest (nix/guest-agent.sh), which `miniguest switch` asks to activate a generation, on the
  # guest's channel: a VM's virtio-serial port of this name, a container's second console, its /dev/tty2 (libvirt gives
  # the first as /dev/console and /dev/tty1). The same as Miniguest.Core's GuestChannel.
  agentPort = "org.miniguest.agent.0";
  agentDevice = guestType: { qemu = "/dev/virtio-ports/${agentPort}"; lxc = "/dev/tty2"; }.${oneOf "guestType" guestTypes guestType};

  # systemd's name of the VM's port's device unit: /dev/virtio-ports/<port>, its dash escaped.
  agentPortUnit = "dev-virtio\\x2dports-${agentPort}.device";

  # systemd in a libvirt-LXC container starts a getty on each console but the first (libvirt lists them in
  # $container_ttys): never on the agent's.
  agentConsoleGetty = "container-getty@1";

  # The agent's unit: `shell` runs `agent` (the script in the store) on the guest type's channel, again a second after
  # it ends. `path` gives it readlink, cat, rm, mkfifo, expr, stty and tr.
  # A domain defined before the channel existed has none: a VM's unit then waits for a port that never comes, and a
  # container's is skipped, rather than failing again and again.
  agentService = { guestType, shell, agent, path }:
    let
      device = agentDevice guestType;
    in
    {
      description = "Miniguest's agent on the guest's channel";
      wantedBy = [ "multi-user.target" ];
      inherit path;
      serviceConfig = {
        ExecStart = "${shell} ${agent} ${device}";
        Restart = "always";
        RestartSec = 1;
      };
    } // (if guestType == "qemu" then {
      bindsTo = [ agentPortUnit ];
      after = [ agentPortUnit ];
    } else {
      unitConfig.ConditionPathExists = device;
    });

  # The files of a guest's build output (`system.build.miniguest`), sorted.
  outputLayout = { guestType }:
    {
      qemu = [ "boot/init" "boot/nix-path-registration" "initrd" "kernel" "kernel-params" "miniguest-config.json" ];
      lxc = [ "boot/init" "boot/nix-path-registration" "miniguest-config.json" ];
    }.${oneOf "guestType" guestTypes guestType};

  # The libvirt URI a guest's domain lives on, as the CLI chooses it: the one given, else
  # `qemu:///system` for a VM and `lxc:///` for a container.
  guestUri = { uri ? null, guestType }:
    if uri != null then uri else { qemu = "qemu:///system"; lxc = "lxc:///"; }.${oneOf "guestType" guestTypes guestType};

  # Whether a libvirt URI names another host, over SSH (`qemu+ssh://root@web1/system`): the transports
  # the CLI reaches other hosts through.
  isRemoteUri = uri: match "[A-Za-z][A-Za-z0-9.-]*[+](ssh|libssh|libssh2)://.*" uri != null;

  # The URIs libvirt-guests shuts the guests of down at host shutdown (its `URIS`, one string): this
  # host's VMs' and containers' default URIs, and any other of this host's that a guest names; another
  # host's guests are that host's to shut down.
  shutdownUris = uris:
    concatStringsSep " " (attrNames (listToAttrs (map (name: { inherit name; value = null; })
      ([ "qemu:///system" "lxc:///" ] ++ filter (uri: !isRemoteUri uri) uris))));

  # The order of miniguest-declarative.service: after libvirtd, and after the network is up where a guest
  # lives on another host; before libvirt-guests, which at boot starts the guests that ran at the last
  # shutdown, so that they find their domains on their new generation.
  declarativeUnitOrder = { remote }: {
    after = [ "libvirtd.service" ] ++ (if remote then [ "network-online.target" ] else [ ]);
    wants = if remote then [ "network-online.target" ] else [ ];
    requires = [ "libvirtd.service" ];
    before = [ "libvirt-guests.service" ];
  };

  # The manifest `miniguest apply --manifest FILE` reads: the declarative host module's guests (the
  # attribute set `miniguests`) with the settings the CLI acts on. Other attributes of each guest (its
  # configuration, its system) are not part of it. `uri = null` leaves the choice to the CLI. `network`
  # and `bridge` are each `null`, a name or a list of names: one interface per name, networks first.
  # `shares` gives host directories to the guest's shares, by tag; `credentials` the files on the host that
  # `miniguest apply` hands to the guest as systemd credentials, by ID. A manifest never carries credentials the host
  # module refuses (`credentialProblems`).
  declarativeManifest = guests:
    toJSON {
      version = 1;
      guests = mapAttrs
        (name: guest: {
          inherit (guest) uri memory vcpus autostart restartIfChanged;
          switchIfChanged = guest.switchIfChanged or true;
          shares = guest.shares or { };
          networks = toList guest.network;
          bridges = toList (guest.bridge or null);
          credentials =
            let
              credentials = guest.credentials or { };
              problems = credentialProblems { guest = name; inherit credentials; };
            in
            if problems == [ ] then credentials else throw "miniguest: ${concatStringsSep "; " problems}";
        })
        guests;
    };
}
