using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class StopCommand
{
    public static Command Create()
    {
        var names = EachGuest.Names("The guests to stop");
        var force = Shutdown.Force();
        var timeout = Shutdown.Timeout();
        var command = new Command("stop", "Shut guests down gracefully, one after the other") { names, force, timeout };
        CommandAction.Set(command, (context, parse, cancellationToken) =>
        {
            var seconds = parse.GetValue(timeout);
            return EachGuest.RunAsync(context, parse.GetRequiredValue(names), async guest =>
            {
                var outcome = await Shutdown.CountingDownAsync(context, seconds,
                    context.Host.StopAsync(guest, TimeSpan.FromSeconds(seconds), parse.GetValue(force), cancellationToken));
                await context.ReportAsync(Shutdown.Told(guest, outcome, seconds, restarted: false));
            });
        });
        return command;
    }
}
