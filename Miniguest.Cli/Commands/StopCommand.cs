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
            await context.ReportAsync(outcome switch
            {
                StopOutcome.ShutDown => $"stopped '{guest}'",
                StopOutcome.ForcedOff => $"'{guest}' did not shut down within {seconds} s: forced it off",
                StopOutcome.ForcedOffUnasked => $"'{guest}' could not be asked to shut down: forced it off",
                _ => $"'{guest}' is not running",
            });
            return CommandAction.Success;
        });
        return command;
    }
}
