# The facts the flake's checks (checks.nix) hold evaluated guests to, as plain functions over builtins, so
# that the tests evaluate them without nixpkgs against file-system entries shaped as NixOS completes them.
#
# A fact is `{ actual, expected }`, which holds when the two are equal, or `{ actual, includes }`, which
# holds when the list `actual` has every element of `includes`: NixOS adds options of its own to the
# file systems (`x-initrd.mount` to every one needed for boot, for instance), so a share's options are
# compared by what the guest module must have put there, not as a whole list.
let
  inherit (builtins) all attrNames elem filter toJSON;
  miniguest = import ./lib.nix;
in
rec {
  holds = fact: if fact ? includes then all (option: elem option fact.actual) fact.includes else fact.actual == fact.expected;

  # The names of the facts that do not hold, each with what was found.
  failures = facts:
    map
      (name:
        let fact = facts.${name}; in
        "${name} is ${toJSON fact.actual}, expected ${if fact ? includes then "to include ${toJSON fact.includes}" else toJSON fact.expected}")
      (filter (name: !holds facts.${name}) (attrNames facts));

  # The facts of a share: where it comes from and how it is mounted.
  shareFacts = { what, config, tag, fsType }:
    let cfg = config.boot.miniguest; entry = config.fileSystems.${what}; in
    {
      "the ${what} share" = {
        actual = { inherit (entry) device fsType neededForBoot; };
        expected = { device = tag; inherit fsType; neededForBoot = true; };
      };
      "the ${what} share's options" = {
        actual = entry.options;
        includes = miniguest.shareMountOptions { inherit fsType; inherit (cfg.qemu) msize cache; };
      };
    };

  # The facts of a VM guest. `system` is the guest's platform.
  vmFacts = { config, fsType, system, storeAt ? "/nix/store" }:
    let build = config.system.build; in
    shareFacts { what = storeAt; inherit config fsType; tag = miniguest.shareTags.store; }
    // shareFacts { what = "/boot"; inherit config fsType; tag = miniguest.shareTags.boot; }
    // {
      "the stage 1 modules" = {
        actual = config.boot.initrd.kernelModules;
        includes = miniguest.initrdKernelModules fsType;
      };
      "the stage 2 modules" = {
        actual = config.boot.kernelModules;
        includes = miniguest.vmKernelModules;
      };
      "the boot loader" = { actual = config.boot.loader.grub.enable; expected = false; };
      "kernel-params" = {
        actual = build.miniguest.kernelParams;
        expected = miniguest.kernelParams { init = "${build.toplevel}/init"; extraParams = config.boot.kernelParams; inherit system; };
      };
      "miniguest-config.json" = {
        actual = build.miniguest.configJson;
        expected = miniguest.configJson { guestType = "qemu"; inherit fsType; };
      };
      "the store's mounts kept to the end of a shutdown" = {
        actual = map (mount: mount.where) (filter (mount: mount.unitConfig.DefaultDependencies or true == false) config.systemd.mounts);
        includes = filter (where: config.fileSystems ? ${where}) (miniguest.storeMounts { writableStore = storeAt != "/nix/store"; });
      };
    };

  # The facts of a container guest.
  containerFacts = { config }: {
    "boot.isContainer" = { actual = config.boot.isContainer; expected = true; };
    "the resolver" = {
      actual = config.networking.useHostResolvConf;
      expected = miniguest.containerSettings.useHostResolvConf;
    };
    "NIX_REMOTE" = {
      actual = config.environment.variables.NIX_REMOTE;
      expected = miniguest.containerSettings.nixRemote;
    };
    "Nix's build-users-group" = {
      actual = config.nix.settings.build-users-group;
      expected = miniguest.containerSettings.buildUsersGroup;
    };
    "miniguest-config.json" = {
      actual = config.system.build.miniguest.configJson;
      expected = miniguest.configJson { guestType = "lxc"; };
    };
  };

  # The facts of any guest: Miniguest's agent runs on the guest type's channel, and a container's agent console has no
  # getty.
  agentFacts = { config, guestType }:
    let unit = config.systemd.services.miniguest-agent; in
    {
      "the agent's channel" = {
        actual = builtins.match ".* (/dev/[^ ]+)" unit.serviceConfig.ExecStart;
        expected = [ (miniguest.agentDevice guestType) ];
      };
      "the agent's start" = { actual = unit.wantedBy; includes = [ "multi-user.target" ]; };
    } // (if guestType == "lxc" then {
      "no getty on the agent's console" = { actual = config.systemd.services.${miniguest.agentConsoleGetty}.enable; expected = false; };
      "the agent only where its console is" = { actual = unit.unitConfig.ConditionPathExists or null; expected = miniguest.agentDevice guestType; };
    } else {
      "the agent waits for its port" = { actual = unit.bindsTo or [ ]; includes = [ miniguest.agentPortUnit ]; };
    });

  # The facts of a guest whose SSH host key comes from the credential `credential`: the unit that installs it runs
  # at boot before sshd and its key generator, which require it, and the key is sshd's only one.
  sshHostKeyFacts = { config, credential }:
    let unit = config.systemd.services.miniguest-ssh-host-key; in
    {
      "the SSH host key's credential" = { actual = unit.serviceConfig.LoadCredential; expected = credential; };
      "the SSH host key's unit at boot" = { actual = unit.wantedBy; includes = [ "multi-user.target" ]; };
      "the SSH host key's unit before sshd" = { actual = unit.before; includes = [ "sshd.service" "sshd-keygen.service" ]; };
      "sshd's requirement of the SSH host key" = { actual = unit.requiredBy; includes = [ "sshd.service" "sshd-keygen.service" ]; };
      "the SSH host key's installation" = {
        actual = unit.script;
        expected = (miniguest.sshHostKeyService { inherit credential; sshKeygen = "${config.programs.ssh.package}/bin/ssh-keygen"; }).script;
      };
      "sshd's host keys" = { actual = config.services.openssh.hostKeys; expected = [ miniguest.sshHostKey ]; };
    };

  # The facts of a host that declares guests (`nixosModules.declarative`): `remote` when one of them lives
  # on another host, `uris` the URIs of its guests.
  hostFacts = { config, remote, uris }:
    let unit = config.systemd.services.miniguest-declarative; in
    {
      "the unit's order" = {
        actual = { inherit (unit) after wants requires before wantedBy; };
        expected = miniguest.declarativeUnitOrder { inherit remote; } // { wantedBy = [ "multi-user.target" ]; };
      };
      "the unit's tools" = {
        actual = map (package: package.pname or package.name) unit.path;
        includes = [ "nix" ] ++ (if remote then [ "openssh" ] else [ ]);
      };
      "what libvirt does with the guests at host shutdown" = {
        actual = config.virtualisation.libvirtd.onShutdown;
        expected = "shutdown";
      };
      "the URIs libvirt-guests shuts down" = {
        actual = config.systemd.services.libvirt-guests.environment.URIS;
        expected = miniguest.shutdownUris uris;
      };
    };
}
