using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class StopCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The guest to stop" };
        var force = Shutdown.Force();
        var timeout = Shutdown.Timeout();
        var command = new Command("stop", "Shut a guest down gracefully") { name, force, timeout };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guest = parse.GetRequiredValue(name);
            var seconds = parse.GetValue(timeout);
            var outcome = await context.Host.StopAsync(guest, TimeSpan.FromSeconds(seconds), parse.GetValue(force), cancellationToken);
            await context.ReportAsync(Shutdown.Told(guest, outcome, seconds, restarted: false));
            return CommandAction.Success;
        });
        return command;
    }
}
