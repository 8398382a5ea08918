using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class RestartCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The guest to restart" };
        var force = StopCommand.Force();
        var timeout = StopCommand.Timeout();
        var command = new Command("restart", "Shut a guest down and start it again, on its current generation") { name, force, timeout };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guest = context.Store.Get(parse.GetRequiredValue(name));
            using var connection = context.ConnectFor(guest);
            using var domain = context.Domains.Get(connection, guest.Name);
            if (domain.IsActive)
            {
                await StopCommand.StopAsync(domain, guest.Name, parse.GetValue(timeout), parse.GetValue(force), cancellationToken);
            }
            GuestDomains.EnsureSafeToStart(domain);
            domain.Start();
            await context.Out.WriteLineAsync($"restarted '{guest.Name}'");
            return CommandAction.Success;
        });
        return command;
    }
}
