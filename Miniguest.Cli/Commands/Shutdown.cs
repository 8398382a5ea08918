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

    /// <summary>What <paramref name="stopping"/> gives, while the time left of the <paramref name="seconds"/> a guest has to
    /// shut down counts down a second at a time on the terminal (below the line that said how long it waits), where
    /// standard error is one that can redraw; the countdown is cleared when the wait ends.</summary>
    public static async Task<T> CountingDownAsync<T>(CliContext context, int seconds, Task<T> stopping)
    {
        if (!context.ErrorIsTerminal || !context.TerminalRedraws || context.Quiet || seconds < 2)
        {
            return await stopping;
        }
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var shown = false;
        while (await Task.WhenAny(stopping, Task.Delay(TimeSpan.FromSeconds(1))) != stopping)
        {
            var left = Math.Max(0, seconds - (int)Math.Round(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds));
            await context.Error.WriteAsync($"\r\x1b[Kminiguest: {left} s left");
            shown = true;
        }
        if (shown)
        {
            await context.Error.WriteAsync("\r\x1b[K");
        }
        return await stopping;
    }

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
