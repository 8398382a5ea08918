# What the CLI's build reads, as plain paths: package.nix makes the package's source of them with
# nixpkgs' lib.fileset, and the tests compare them with what Miniguest.Cli.csproj reads (its projects,
# the files it embeds and packs) without nixpkgs. Only these, so that editing tests or the benchmarks
# rebuilds nothing.
let
  projects = [ ../Miniguest.Cli ../Miniguest.Core ../Miniguest.Libvirt ];
in
{
  include = [
    ../Directory.Build.props
    ../Directory.Packages.props
    ../global.json
    # `miniguest template DIR` writes the files of template/, which the CLI embeds.
    ../template
    # The tool's package carries the README.
    ../README.md
  ] ++ projects;

  # A local build's outputs, where there are any.
  exclude = builtins.concatMap (project: [ (project + "/bin") (project + "/obj") ]) projects;
}
