namespace Miniguest.Core;

/// <summary>
/// The <c>miniguest</c> another host runs as its agent. Where this one lives in the Nix store, the same package: its closure
/// is copied there first (<see cref="StorePath"/>), as <c>nixos-rebuild --target-host</c> copies the program it runs there,
/// so that the target needs nothing but Nix. Elsewhere, the <c>miniguest</c> the target has on root's search path or in a
/// Nix profile, which must speak this one's protocol.
/// </summary>
/// <param name="Program">What the target runs.</param>
/// <param name="StorePath">The package to copy there first; <see langword="null"/> for a <c>miniguest</c> the target has.</param>
internal sealed record AgentProgram(string Program, string? StorePath)
{
    // Where Nix installs programs, which a non-interactive SSH session's search path may lack.
    private const string NixProgramPaths = "/run/current-system/sw/bin:/nix/var/nix/profiles/default/bin:$HOME/.nix-profile/bin";

    /// <summary>The program of this process: its package in the store, or <c>miniguest</c>.</summary>
    public static AgentProgram OfThisProcess() => Of(Environment.ProcessPath);

    /// <summary>The program of an executable at <paramref name="processPath"/>.</summary>
    internal static AgentProgram Of(string? processPath)
    {
        var prefix = NixStore.DefaultDirectory + "/";
        if (processPath is not null && processPath.StartsWith(prefix, StringComparison.Ordinal) && processPath.IndexOf('/', prefix.Length) is var end and > 0)
        {
            var package = processPath[..end];
            if (NixStore.IsStorePath(package))
            {
                return new AgentProgram(package + "/bin/miniguest", package);
            }
        }
        return new AgentProgram("miniguest", null);
    }

    /// <summary>The command the target runs: one exec, with Nix's program directories on the search path.</summary>
    public IReadOnlyList<string> CommandLine =>
        ["sh", "-c", $"PATH=\"$PATH:{NixProgramPaths}\" exec \"$@\"", "sh", Program, AgentProtocol.Command, "--protocol",
            AgentProtocol.Version.ToString(System.Globalization.CultureInfo.InvariantCulture)];
}
