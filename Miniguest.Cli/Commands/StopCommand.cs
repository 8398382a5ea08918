using System.CommandLine;
using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Cli.Commands;

internal static class StopCommand
{
    public static Option<int> Timeout() => new("--timeout") { Description = "Seconds to wait for a graceful shutdown", DefaultValueFactory = _ => 60 };

    public static Option<bool> Force() => new("--force", "-f") { Description = "Pull the plug if the guest does not stop in time" };

    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The guest to stop" };
        var force = Force();
        var timeout = Timeout();
        var command = new Command("stop", "Shut a guest down gracefully") { name, force, timeout };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guest = parse.GetRequiredValue(name);
            var stopped = await WithHintAsync(() => context.Host.StopAsync(guest, TimeSpan.FromSeconds(parse.GetValue(timeout)),
                parse.GetValue(force), cancellationToken));
            await context.Out.WriteLineAsync(stopped ? $"stopped '{guest}'" : $"'{guest}' is not running");
            return CommandAction.Success;
        });
        return command;
    }

    /// <summary>Runs a stop, and tells how to pull the plug on a guest that did not stop in time.</summary>
    public static async Task<T> WithHintAsync<T>(Func<Task<T>> stop)
    {
        try
        {
            return await stop();
        }
        catch (GuestStopTimeoutException e)
        {
            throw new GuestStateException(e.Message + "; use --force to pull the plug");
        }
    }
}
