using System.Diagnostics;

namespace Miniguest.Tests.Integration;

/// <summary>Runs a command as the host user <c>nobody</c> (uid and gid 65534, no other groups): what any host user may do.</summary>
internal static class AsNobody
{
    /// <summary>Runs <paramref name="command"/> and returns its exit code and output. Through a shell: <c>setpriv</c> itself
    /// still holds root's capabilities when it executes its command, so the command's own path would be looked up as
    /// root's.</summary>
    public static (int ExitCode, string Output, string Error) Run(params string[] command)
    {
        var startInfo = new ProcessStartInfo("setpriv") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var argument in (string[])["--reuid=65534", "--regid=65534", "--clear-groups", "--", "/bin/sh", "-c", "exec \"$@\"", "sh", .. command])
        {
            startInfo.ArgumentList.Add(argument);
        }
        using var process = Process.Start(startInfo)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
