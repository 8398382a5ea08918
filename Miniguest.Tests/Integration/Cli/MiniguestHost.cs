using System.Diagnostics;
using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>What a run of the <c>miniguest</c> executable printed.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error)
{
    public IReadOnlyList<string> ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Out}\nstderr:\n{Error}";
}

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

    /// <summary>The <c>miniguest</c> the tests run: the build beside them, or another one named by
    /// <c>MINIGUEST_TEST_EXECUTABLE</c> (a published native executable, or an older build to show what a test catches).</summary>
    public static string Executable =>
        System.Environment.GetEnvironmentVariable("MINIGUEST_TEST_EXECUTABLE") is { Length: > 0 } other
            ? other
            : Path.Combine(AppContext.BaseDirectory, "miniguest.dll");

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

    public CliResult Run(params string[] arguments)
    {
        using var process = Start(arguments);
        return Finish(process, "miniguest " + string.Join(' ', arguments));
    }

    /// <summary>Runs a bash script in <paramref name="workingDirectory"/> as the user's shell would run it, with this host's
    /// <c>miniguest</c> first on its <c>PATH</c> (a completion script calls it by name).</summary>
    public CliResult RunBash(string script, string workingDirectory)
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
        var startInfo = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(script);
        SetEnvironment(startInfo);
        startInfo.Environment["PATH"] = bin + ":" + System.Environment.GetEnvironmentVariable("PATH");
        using var process = Process.Start(startInfo)!;
        process.StandardInput.Close();
        return Finish(process, "bash -c " + script);
    }

    private static CliResult Finish(Process process, string command)
    {
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(CommandTimeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{command} did not finish within {CommandTimeout}");
        }
        var result = new CliResult(process.ExitCode, output.Result, error.Result);
        TestContext.Out.WriteLine($"$ {command}\n{result}");
        return result;
    }

    private static string Quoted(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    /// <summary>Starts <c>miniguest</c> on this host layout with its standard input closed and its output
    /// redirected; the caller reads the output and waits (or kills it).</summary>
    public Process Start(params string[] arguments)
    {
        var executable = Executable;
        var startInfo = new ProcessStartInfo("sh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // Through sh only to set the umask; the arguments reach miniguest as a list, never as shell text.
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add($"umask {Umask} && exec \"$@\"");
        startInfo.ArgumentList.Add("sh");
        if (executable.EndsWith(".dll", StringComparison.Ordinal))
        {
            startInfo.ArgumentList.Add("dotnet");
        }
        startInfo.ArgumentList.Add(executable);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        SetEnvironment(startInfo);
        var process = Process.Start(startInfo)!;
        process.StandardInput.Close();
        return process;
    }

    /// <summary>Starts <c>miniguest</c> on a pseudo-terminal of its own (util-linux's <c>script</c>): its standard input,
    /// output and error are that terminal; what the test writes to the process's standard input is typed on it, and
    /// the process's standard output is what the terminal shows.</summary>
    public Process StartOnTerminal(params string[] arguments)
    {
        var executable = Executable;
        IEnumerable<string> words = executable.EndsWith(".dll", StringComparison.Ordinal) ? ["dotnet", executable] : [executable];
        var command = $"umask {Umask} && exec " + string.Join(' ', words.Concat(arguments).Select(Quoted));
        var startInfo = new ProcessStartInfo("script")
        {
            RedirectStandardOutput = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--quiet", "--flush", "--return", "--command", command, "/dev/null" })
        {
            startInfo.ArgumentList.Add(argument);
        }
        SetEnvironment(startInfo);
        return Process.Start(startInfo)!;
    }

    private void SetEnvironment(ProcessStartInfo startInfo)
    {
        startInfo.Environment["MINIGUEST_GUESTS_DIR"] = Paths.Guests;
        startInfo.Environment["MINIGUEST_PROFILES_DIR"] = Paths.Profiles;
        startInfo.Environment["MINIGUEST_STATE_DIR"] = Paths.State;
        // The tests build offline: no binary cache, no flake registry.
        startInfo.Environment["NIX_CONFIG"] = "substituters =\nflake-registry =";
        foreach (var (variable, value) in Environment)
        {
            startInfo.Environment[variable] = value;
        }
    }

    /// <summary>Runs a command that must succeed.</summary>
    public CliResult Ok(params string[] arguments)
    {
        var result = Run(arguments);
        Assert.That(result.ExitCode, Is.Zero, $"miniguest {string.Join(' ', arguments)} failed:\n{result}");
        return result;
    }

    /// <summary>Every file, directory and link under the host layout, with link targets: to show that a failed
    /// command left the host as it was.</summary>
    public IReadOnlyList<string> Snapshot() =>
        Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Root, path) + (new FileInfo(path).LinkTarget is { } target ? " -> " + target : ""))
            .Order(StringComparer.Ordinal)
            .ToList();

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
