using System.CommandLine;
using Miniguest.Cli;
using Miniguest.Core;

namespace Miniguest.Tests.Cli;

/// <summary>
/// The <c>miniguest</c> command run inside the test process, on a host layout of its own under a temporary directory:
/// its output and error written to strings (System.CommandLine's own redirection), its settings read from that layout's
/// variables rather than the process's. For what the command line decides before it touches Nix or libvirt (usage,
/// names, help), in milliseconds; the real executable on the real stack stays the proof of the rest.
/// </summary>
internal sealed class InProcessCli : IDisposable
{
    public InProcessCli()
    {
        Root = Directory.CreateTempSubdirectory("miniguest-cli-").FullName;
        Paths = new MiniguestPaths
        {
            Guests = Path.Combine(Root, "etc", "miniguests"),
            Profiles = Path.Combine(Root, "profiles"),
            State = Path.Combine(Root, "state"),
        };
        Environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["MINIGUEST_GUESTS_DIR"] = Paths.Guests,
            ["MINIGUEST_PROFILES_DIR"] = Paths.Profiles,
            ["MINIGUEST_STATE_DIR"] = Paths.State,
            // Any Nix run would fail at once: these commands must not reach Nix.
            ["MINIGUEST_NIX"] = Path.Combine(Root, "no-nix"),
        };
    }

    public string Root { get; }

    public MiniguestPaths Paths { get; }

    /// <summary>The variables the command reads.</summary>
    public Dictionary<string, string?> Environment { get; }

    public async Task<CommandResult> RunAsync(params string[] arguments)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exitCode = await MiniguestCommand.InvokeAsync(arguments, new InvocationConfiguration { Output = output, Error = error },
            name => Environment.GetValueOrDefault(name));
        return new CommandResult(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Everything under the layout's root, as paths relative to it.</summary>
    public IReadOnlyList<string> Snapshot() => HostSnapshot.Names(Root);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
