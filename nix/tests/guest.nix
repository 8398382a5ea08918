# The guest of the VM test (vm-test.nix): a plain Miniguest guest that, once booted, checks that its Nix
# database knows its own system (the closure registration was loaded) and powers itself off. A guest
# that fails the check stays up, and the test times out waiting for it.
{ config, lib, ... }:

{
  boot.miniguest.enable = true;
  system.stateVersion = "26.05";

  # The test builds this guest twice, outside the test VM and again inside it from a flake that locks
  # nixpkgs as a `path:` input; the version label must not depend on how nixpkgs was fetched, or the
  # second build would not find the first one's result and would have to build a system offline.
  system.nixos.versionSuffix = lib.mkForce "";
  system.nixos.revision = lib.mkForce null;

  documentation.enable = false;

  systemd.services.miniguest-test-verdict = {
    wantedBy = [ "multi-user.target" ];
    serviceConfig.Type = "oneshot";
    script = ''
      system=$(readlink -f /run/current-system)
      if ${config.nix.package}/bin/nix-store --check-validity "$system"; then
        echo "miniguest-test: $system is registered; powering off"
        systemctl poweroff
      else
        echo "miniguest-test: $system is not registered in the guest's Nix database"
      fi
    '';
  };
}
