using System.CommandLine;

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
            if (parse.GetValue(console))
            {
                return await ConsoleSession.RunAsync(context.Host.StartWithConsoleAsync(guest, cancellationToken), guest, cancellationToken);
            }
            using var domain = context.Host.Start(guest);
            await context.ReportAsync($"started '{guest}'");
            return CommandAction.Success;
        });
        return command;
    }
}
