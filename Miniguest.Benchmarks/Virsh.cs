using System.Diagnostics;

namespace Miniguest.Benchmarks;

/// <summary>Runs <c>virsh -c URI …</c> as a process, as a script would, and returns what it printed.</summary>
internal static class Virsh
{
    /// <exception cref="InvalidOperationException">virsh exited with a non-zero code.</exception>
    public static string Run(string uri, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo("virsh")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add(uri);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start virsh");
        var standardError = process.StandardError.ReadToEndAsync();
        var standardOutput = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return process.ExitCode == 0
            ? standardOutput
            : throw new InvalidOperationException(
                $"virsh {string.Join(' ', arguments)} exited with {process.ExitCode}: {standardError.GetAwaiter().GetResult()}");
    }
}
