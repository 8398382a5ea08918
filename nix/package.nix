# The miniguest CLI, built with nixpkgs' buildDotnetModule from this repository. Its NuGet packages are
# pinned in ./deps.json, which ./update-deps regenerates after a package reference changes.
#
# This package is the framework-dependent build, run by nixpkgs' .NET runtime: it starts through the
# runtime and its JIT, slower than the NativeAOT executable of the tool's NuGet package that
# docs/performance.md measures (NativeAOT would need the ILCompiler packages in ./deps.json, which
# ./update-deps does not restore, and a native tool chain in the build).
{ lib
, buildDotnetModule
, dotnetCorePackages
, libvirt
, nix
  # The flake reference of the Miniguest this is built from, which `miniguest template` writes into the flakes it
  # makes; null where the build has none.
, flake ? null
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

  # Only what the CLI's build reads (see ./package-source.nix).
  src =
    let source = import ./package-source.nix; in
    lib.fileset.toSource {
      root = ../.;
      fileset = lib.fileset.difference
        (lib.fileset.unions source.include)
        (lib.fileset.unions (map lib.fileset.maybeMissing source.exclude));
    };

  projectFile = "Miniguest.Cli/Miniguest.Cli.csproj";
  nugetDeps = ./deps.json;
  dotnet-sdk = dotnet "sdk_10_0";
  dotnet-runtime = dotnet "runtime_10_0";
  executables = [ "miniguest" ];
  # nixpkgs runs the framework-dependent build under its own .NET runtime; the native build is the NuGet
  # tool's. Warnings stay warnings here: the analyzers (AnalysisLevel latest) change with the SDK's
  # feature band, nixpkgs' SDK need not be CI's, and CI, which builds with TreatWarningsAsErrors, is where
  # the code is held to them.
  dotnetFlags = [ "-p:PublishAot=false" "-p:TreatWarningsAsErrors=false" ];

  # libvirt is loaded at run time by path (NixOS has no /usr/lib for the loader to search); the
  # command reads the variable (Miniguest.Cli's LibvirtLocation). nix comes after the PATH the user
  # already has, so that the host's own nix (and its configuration) is the one used when there is one.
  makeWrapperArgs = [
    "--set-default" "MINIGUEST_LIBVIRT_LIBRARY" "${lib.getLib libvirt}/lib/libvirt.so.0"
    "--suffix" "PATH" ":" (lib.makeBinPath [ nix ])
  ] ++ lib.optionals (flake != null) [ "--set-default" "MINIGUEST_FLAKE" flake ];

  meta = {
    description = "Low-footprint NixOS guests that boot from the host's Nix store through libvirt";
    license = lib.licenses.mit;
    mainProgram = "miniguest";
    platforms = [ "x86_64-linux" "aarch64-linux" ];
  };
}
