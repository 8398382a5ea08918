using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class RestartCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The guest to restart" };
        var force = Shutdown.Force();
        var timeout = Shutdown.Timeout();
        var command = new Command("restart", "Shut a guest down and start it again, on its current generation") { name, force, timeout };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guest = parse.GetRequiredValue(name);
            var seconds = parse.GetValue(timeout);
            var stopped = await context.Host.RestartAsync(guest, TimeSpan.FromSeconds(seconds), parse.GetValue(force), cancellationToken);
            await context.ReportAsync(stopped switch
            {
                StopOutcome.NotRunning => $"'{guest}' was not running: started it",
                StopOutcome.ForcedOff => $"'{guest}' did not shut down within {seconds} s: forced it off and started it again",
                StopOutcome.ForcedOffUnasked => $"'{guest}' could not be asked to shut down: forced it off and started it again",
                _ => $"restarted '{guest}'",
            });
            return CommandAction.Success;
        });
        return command;
    }
}
