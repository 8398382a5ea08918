using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class StartCommand
{
    public static Command Create()
    {
        var names = EachGuest.Names("The guests to start");
        var console = new Option<bool>("--console") { Description = "Attach to the guest's console once it started" };
        var command = new Command("start", "Start guests' domains") { names, console };
        command.Validators.Add(result =>
        {
            if (result.GetValue(console) && result.GetValue(names) is { Length: > 1 })
            {
                result.AddError("--console attaches to one guest's console: give one NAME");
            }
        });
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guests = parse.GetRequiredValue(names);
            if (parse.GetValue(console))
            {
                var guest = guests[0];
                // A running guest is what start asks for: its console attached.
                try
                {
                    return await ConsoleSession.RunAsync(context, mode => context.Host.StartWithConsoleAsync(guest, mode, cancellationToken), guest,
                        cancellationToken);
                }
                catch (GuestAlreadyRunningException)
                {
                    return await ConsoleSession.RunAsync(context, mode => context.Host.OpenConsoleAsync(guest, mode: mode, cancellationToken: cancellationToken),
                        guest, cancellationToken);
                }
            }
            return await EachGuest.RunAsync(context, guests, async guest =>
            {
                // A running guest is what start asks for: said so, as stop says of a stopped one.
                try
                {
                    await context.Host.StartAsync(guest, cancellationToken: cancellationToken);
                    await context.ReportAsync($"started '{guest}'");
                }
                catch (GuestAlreadyRunningException)
                {
                    await context.ReportAsync($"'{guest}' is already running");
                }
            });
        });
        return command;
    }
}
