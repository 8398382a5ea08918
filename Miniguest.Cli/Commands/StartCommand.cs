using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class StartCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The guest to start" };
        var console = new Option<bool>("--console") { Description = "Attach to the guest's console once it started" };
        var command = new Command("start", "Start a guest's domain") { name, console };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guest = context.Store.Get(parse.GetRequiredValue(name));
            using var connection = context.ConnectFor(guest);
            using var domain = GuestDomains.Get(connection, guest.Name);
            if (domain.IsActive)
            {
                throw new GuestStateException($"guest '{guest.Name}' is already running");
            }
            GuestDomains.EnsureProtected(domain);
            domain.Start();
            if (parse.GetValue(console))
            {
                return await ConsoleSession.RunAsync(domain, cancellationToken);
            }
            await context.Out.WriteLineAsync($"started '{guest.Name}'");
            return CommandAction.Success;
        });
        return command;
    }
}
