using System.Diagnostics;
using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>
/// A host layout of its own (guest links, profiles, state under one temporary directory) on which the real
/// <c>miniguest</c> executable runs against the real Nix and libvirtd. Domains it created are removed on disposal.
/// </summary>
internal sealed class MiniguestHost : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(5);

    public MiniguestHost()
    {
        Root = Directory.CreateTempSubdirectory("miniguest-host-").FullName;
        // Like /var/lib: a container's mapped root must be able to reach its root directory below.
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("Miniguest runs on Linux");
        }
        File.SetUnixFileMode(Root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        Paths = new MiniguestPaths
        {
            Guests = Path.Combine(Root, "etc", "miniguests"),
            Profiles = Path.Combine(Root, "profiles"),
            State = Path.Combine(Root, "state"),
        };
    }

    /// <summary>The <c>miniguest</c> the tests run: this source's Debug build compiled native (<see cref="NativeMiniguest"/>),
    /// or another one named by <c>MINIGUEST_TEST_EXECUTABLE</c> (a Release build, or an older build to show what a test
    /// catches; a <c>.dll</c> runs under <c>dotnet</c>).</summary>
    public static string Executable =>
        System.Environment.GetEnvironmentVariable("MINIGUEST_TEST_EXECUTABLE") is { Length: > 0 } other ? other : NativeMiniguest.Executable;

    public string Root { get; }

    /// <summary>The umask miniguest runs with (octal): 022 as root's usually is; 000 shows that what it makes has
    /// modes of its own choosing.</summary>
    public string Umask { get; set; } = "022";

    /// <summary>More environment for the commands run from now on (the crash points' switches, say).</summary>
    public Dictionary<string, string> Environment { get; } = new(StringComparer.Ordinal);

    public MiniguestPaths Paths { get; }

    /// <summary>A guest name no other test (or anything else on libvirtd) uses; <paramref name="prefix"/> tells
    /// one suite's domains from another's.</summary>
    public static string UniqueName(string kind, string prefix = "mgt") => $"{prefix}-{kind}-{Guid.NewGuid():N}"[..(prefix.Length + 17)];

    public CommandResult Run(params string[] arguments) => Checked(arguments, Command(arguments).Run());

    /// <summary>Makes <paramref name="storePath"/> generation 1 of guest <paramref name="name"/>, by hand: its profile's
    /// generation, its profile and its link, as an install leaves them.</summary>
    public void LinkByHand(string name, string storePath)
    {
        Directory.CreateDirectory(Paths.Profiles);
        Directory.CreateDirectory(Paths.Guests);
        File.CreateSymbolicLink(Path.Combine(Paths.Profiles, $"{name}-1-link"), storePath);
        var profile = Paths.Profile(GuestName.Parse(name));
        File.CreateSymbolicLink(profile, $"{name}-1-link");
        File.CreateSymbolicLink(Paths.Link(GuestName.Parse(name)), profile);
    }

    /// <summary>Runs a bash script in <paramref name="workingDirectory"/> as the user's shell would run it, with this host's
    /// <c>miniguest</c> first on its <c>PATH</c> (a completion script calls it by name).</summary>
    public CommandResult RunBash(string script, string workingDirectory)
    {
        var bin = Path.Combine(Root, "bin");
        var wrapper = Path.Combine(bin, "miniguest");
        if (!File.Exists(wrapper) && OperatingSystem.IsLinux())
        {
            Directory.CreateDirectory(bin);
            var executable = Executable.EndsWith(".dll", StringComparison.Ordinal) ? $"dotnet {Quoted(Executable)}" : Quoted(Executable);
            File.WriteAllText(wrapper, $"#!/bin/sh\nexec {executable} \"$@\"\n");
            File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        var environment = new Dictionary<string, string?>(CommandEnvironment())
        {
            ["PATH"] = bin + ":" + System.Environment.GetEnvironmentVariable("PATH"),
        };
        return new TestCommand("bash", ["-c", script])
        {
            Environment = environment,
            WorkingDirectory = workingDirectory,
            TimeLimit = CommandTimeout,
            DisplayName = "bash -c " + script,
        }.Run();
    }

    internal static string Quoted(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Starts <c>miniguest</c> on this host layout with its standard input closed and its output
    /// redirected; the caller reads the output and waits (or kills it).</summary>
    public Process Start(params string[] arguments) => Command(arguments).Start();

    /// <summary><c>miniguest</c> with <paramref name="arguments"/> on this host layout, with <see cref="Umask"/>.</summary>
    private TestCommand Command(string[] arguments)
    {
        var executable = Executable;
        IEnumerable<string> launcher = executable.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", executable] : [executable];
        // Through sh only to set the umask; the arguments reach miniguest as a list, never as shell text.
        return new TestCommand("sh", ["-c", $"umask {Umask} && exec \"$@\"", "sh", .. launcher, .. arguments])
        {
            Environment = CommandEnvironment(),
            TimeLimit = CommandTimeout,
            DisplayName = "miniguest " + string.Join(' ', arguments),
        };
    }

    /// <summary>Starts <c>miniguest</c> on a pseudo-terminal of its own (util-linux's <c>script</c>): its standard input,
    /// output and error are that terminal; what the test writes to the process's standard input is typed on it, and
    /// the process's standard output is what the terminal shows.</summary>
    public Process StartOnTerminal(params string[] arguments) => StartOnTerminal(arguments, showModes: false);

    /// <summary><see cref="StartOnTerminal(string[])"/>; with <paramref name="showModes"/>, the terminal's modes are shown
    /// before the command starts and after it ends (<c>modes: </c> and <c>stty -g</c>'s line), to compare; with
    /// <paramref name="columns"/>, the terminal is that wide.</summary>
    public Process StartOnTerminal(string[] arguments, bool showModes, int? columns = null)
    {
        var executable = Executable;
        IEnumerable<string> words = executable.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", executable] : [executable];
        var run = string.Join(' ', words.Concat(arguments).Select(Quoted));
        var size = columns is { } wide ? $"stty cols {wide} rows 40 && " : "";
        var command = showModes ? $"umask {Umask} && {size}echo modes: $(stty -g) && {run}; echo modes: $(stty -g)" : $"umask {Umask} && {size}exec {run}";
        var startInfo = new TestCommand("script", ["--quiet", "--flush", "--return", "--command", command, "/dev/null"])
        {
            Environment = CommandEnvironment(),
        }.StartInfo();
        startInfo.RedirectStandardError = false; // the terminal's
        return Process.Start(startInfo)!;
    }

    private Dictionary<string, string?> CommandEnvironment()
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["MINIGUEST_GUESTS_DIR"] = Paths.Guests,
            ["MINIGUEST_PROFILES_DIR"] = Paths.Profiles,
            ["MINIGUEST_STATE_DIR"] = Paths.State,
            // The tests build offline: no binary cache, no flake registry.
            ["NIX_CONFIG"] = "substituters =\nflake-registry =",
        };
        foreach (var (variable, value) in Environment)
        {
            environment[variable] = value;
        }
        return environment;
    }

    /// <summary>Runs a command that must succeed.</summary>
    public CommandResult Ok(params string[] arguments) => Checked(arguments, Command(arguments).Ok());

    // Every --json a test has miniguest print is held to the documented schema (docs/output.schema.json).
    private static CommandResult Checked(string[] arguments, CommandResult result)
    {
        if (result.ExitCode == 0 && arguments.Contains("--json")
            && arguments.FirstOrDefault(word => word is "list" or "show" or "generations" or "address" or "stats") is { } command)
        {
            OutputSchema.Check(result.Out, command == "address" ? "addresses" : command);
        }
        return result;
    }

    /// <summary>Every file, directory and link under the host layout, with link targets: to show that a failed
    /// command left the host as it was.</summary>
    public IReadOnlyList<string> Snapshot() => HostSnapshot.Names(Root);

    public void Dispose()
    {
        var guests = Path.Combine(Paths.State, "guests");
        if (Directory.Exists(guests))
        {
            foreach (var guest in Directory.GetDirectories(guests))
            {
                var uriFile = Path.Combine(guest, "connection-uri");
                if (File.Exists(uriFile))
                {
                    RemoveDomain(File.ReadAllText(uriFile).Trim(), Path.GetFileName(guest));
                }
            }
        }
        Directory.Delete(Root, recursive: true);
    }

    private static void RemoveDomain(string uri, string name)
    {
        using var connection = Connection.Open(uri);
        if (connection.TryGetDomain(name, out var domain))
        {
            GuestRun.Remove(domain);
        }
    }
}
