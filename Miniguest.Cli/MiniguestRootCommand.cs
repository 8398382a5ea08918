using System.CommandLine;

namespace Miniguest.Cli;

/// <summary>The <c>miniguest</c> command, with the environment its commands read their settings from (where guests
/// are kept, which Nix to run): the process's, or another for a caller that runs the command in its own process.</summary>
internal sealed class MiniguestRootCommand(Func<string, string?> environment)
    : RootCommand("Miniguest: low-footprint NixOS guests that boot from the host's Nix store through libvirt.")
{
    public Func<string, string?> Environment { get; } = environment;

    /// <summary>The environment of the root command <paramref name="parse"/> was parsed with; the process's for a parse of
    /// another tree (help's and completion's own).</summary>
    public static Func<string, string?> EnvironmentOf(ParseResult parse) =>
        parse.RootCommandResult.Command is MiniguestRootCommand root ? root.Environment : System.Environment.GetEnvironmentVariable;
}
