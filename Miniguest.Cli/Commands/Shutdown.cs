using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

/// <summary>The options of the commands that shut a guest down, and how they say it went.</summary>
internal static class Shutdown
{
    /// <summary>How long a guest is given to shut down when nothing says otherwise.</summary>
    public const int DefaultTimeoutSeconds = 60;

    public static Option<int> Timeout() => new("--timeout")
    {
        Description = "Seconds to wait for a graceful shutdown",
        DefaultValueFactory = _ => DefaultTimeoutSeconds,
        CustomParser = result => OptionParsers.AtLeast(result, 0, "seconds"),
    };

    public static Option<bool> Force() => new("--force", "-f") { Description = "Pull the plug if the guest does not stop in time" };

    /// <summary>How guest <paramref name="guest"/> was stopped, given <paramref name="seconds"/> to shut down; then what
    /// <paramref name="restarted"/> says followed.</summary>
    public static string Told(string guest, StopOutcome outcome, int seconds, bool restarted) => outcome switch
    {
        StopOutcome.ShutDown => restarted ? $"restarted '{guest}'" : $"stopped '{guest}'",
        StopOutcome.ForcedOff => $"'{guest}' did not shut down within {seconds} s: forced it off" + (restarted ? " and started it again" : ""),
        StopOutcome.ForcedOffUnasked => $"'{guest}' could not be asked to shut down: forced it off" + (restarted ? " and started it again" : ""),
        _ => restarted ? $"'{guest}' was not running: started it" : $"'{guest}' is not running",
    };
}
