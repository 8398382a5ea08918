using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class RestartCommand
{
    public static Command Create()
    {
        var names = EachGuest.Names("The guests to restart");
        var force = Shutdown.Force();
        var timeout = Shutdown.Timeout();
        var command = new Command("restart", "Shut guests down and start them again, on their current generation, one after the other")
        {
            names, force, timeout,
        };
        CommandAction.Set(command, (context, parse, cancellationToken) =>
        {
            var seconds = parse.GetValue(timeout);
            return EachGuest.RunAsync(context, parse.GetRequiredValue(names), async guest =>
            {
                var stopped = await Shutdown.CountingDownAsync(context, seconds,
                    context.Host.RestartAsync(guest, TimeSpan.FromSeconds(seconds), parse.GetValue(force), cancellationToken));
                await context.ReportAsync(Shutdown.Told(guest, stopped, seconds, restarted: true));
            });
        });
        return command;
    }
}
