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
            var guest = parse.GetRequiredValue(name);
            // A running guest is what start asks for: said so (as stop says of a stopped one), or its console attached.
            try
            {
                if (parse.GetValue(console))
                {
                    return await ConsoleSession.RunAsync(context, context.Host.StartWithConsoleAsync(guest, cancellationToken), guest, cancellationToken);
                }
                await context.Host.StartAsync(guest, cancellationToken: cancellationToken);
                await context.ReportAsync($"started '{guest}'");
            }
            catch (GuestAlreadyRunningException)
            {
                if (parse.GetValue(console))
                {
                    return await ConsoleSession.RunAsync(context, context.Host.OpenConsoleAsync(guest, cancellationToken: cancellationToken), guest, cancellationToken);
                }
                await context.ReportAsync($"'{guest}' is already running");
            }
            return CommandAction.Success;
        });
        return command;
    }
}
