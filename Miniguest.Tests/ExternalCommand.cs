using System.Diagnostics;

namespace Miniguest.Tests;

/// <summary>Runs a program the tests need (mount, the repository's scripts, a published executable), never through a shell.</summary>
internal static class ExternalCommand
{
    /// <summary>Runs <paramref name="program"/> and returns its standard output; fails the test, with what it printed on
    /// standard error, when it exits non-zero.</summary>
    public static string Run(string program, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        using var process = Process.Start(startInfo)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        Assert.That(process.ExitCode, Is.Zero, $"{program} {string.Join(' ', arguments)}: {error.Result}");
        return output;
    }
}
