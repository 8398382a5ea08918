using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

/// <summary>What the commands that shut a guest down share: their options, and the hint for a guest that did not stop.</summary>
internal static class Shutdown
{
    public static Option<int> Timeout() => new("--timeout") { Description = "Seconds to wait for a graceful shutdown", DefaultValueFactory = _ => 60 };

    public static Option<bool> Force() => new("--force", "-f") { Description = "Pull the plug if the guest does not stop in time" };

    /// <summary>Runs a shutdown, and tells how to pull the plug on a guest that did not stop in time.</summary>
    public static async Task<T> WithHintAsync<T>(Func<Task<T>> shutdown)
    {
        try
        {
            return await shutdown();
        }
        catch (GuestStopTimeoutException e)
        {
            throw new GuestStateException(e.Message + "; use --force to pull the plug");
        }
    }
}
