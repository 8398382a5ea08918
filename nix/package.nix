# The miniguest CLI, built with nixpkgs' buildDotnetModule from this repository. Its NuGet packages are
# pinned in ./deps.json, which ./update-deps regenerates after a package reference changes.
{ lib
, buildDotnetModule
, dotnetCorePackages
, libvirt
, nix
}:

let
  # The project targets .NET 10. Older nixpkgs name the SDK only by its binary build.
  dotnet = name:
    dotnetCorePackages.${name} or dotnetCorePackages."${name}-bin"
      or (throw "miniguest needs .NET 10 (dotnetCorePackages.${name}), which this nixpkgs does not have");
in
buildDotnetModule {
  pname = "miniguest";
  version = "0.1.0";

  # Only what the CLI's build reads (without a local build's bin/ and obj/), so that editing tests or
  # documentation rebuilds nothing.
  src = lib.fileset.toSource {
    root = ../.;
    fileset =
      let
        projects = [ ../Miniguest.Cli ../Miniguest.Core ../Miniguest.Libvirt ];
        buildOutputs = lib.concatMap (project: [ (project + "/bin") (project + "/obj") ]) projects;
      in
      lib.fileset.difference
        (lib.fileset.unions ([ ../Directory.Build.props ../Directory.Packages.props ../global.json ] ++ projects))
        (lib.fileset.unions (map lib.fileset.maybeMissing buildOutputs));
  };

  projectFile = "Miniguest.Cli/Miniguest.Cli.csproj";
  nugetDeps = ./deps.json;
  dotnet-sdk = dotnet "sdk_10_0";
  dotnet-runtime = dotnet "runtime_10_0";
  executables = [ "miniguest" ];
  # nixpkgs runs the framework-dependent build under its own .NET runtime; the native build is the NuGet tool's.
  dotnetFlags = [ "-p:PublishAot=false" ];

  # libvirt is loaded at run time by path (NixOS has no /usr/lib for the loader to search); the
  # variable is Miniguest.Libvirt's LibvirtLibrary.PathVariable. nix comes after the PATH the user
  # already has, so that the host's own nix (and its configuration) is the one used when there is one.
  makeWrapperArgs = [
    "--set-default" "MINIGUEST_LIBVIRT_LIBRARY" "${lib.getLib libvirt}/lib/libvirt.so.0"
    "--suffix" "PATH" ":" (lib.makeBinPath [ nix ])
  ];

  meta = {
    description = "Low-footprint NixOS guests that boot from the host's Nix store through libvirt";
    license = lib.licenses.mit;
    mainProgram = "miniguest";
    platforms = [ "x86_64-linux" "aarch64-linux" ];
  };
}
