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
            await context.ReportAsync(Shutdown.Told(guest, stopped, seconds, restarted: true));
            return CommandAction.Success;
        });
        return command;
    }
}
