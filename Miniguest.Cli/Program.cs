using System.CommandLine;

var root = new RootCommand("Miniguest: low-footprint NixOS guests that boot from the host's Nix store through libvirt.");
return root.Parse(args).Invoke();
