using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class ConsoleCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The running guest" };
        var force = new Option<bool>("--force") { Description = "Take the console over from another session that holds it" };
        var command = new Command("console", "Attach to a guest's console (on a terminal: Ctrl+] leaves)") { name, force };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guest = parse.GetRequiredValue(name);
            try
            {
                return await ConsoleSession.RunAsync(context.Host.OpenConsoleAsync(guest, parse.GetValue(force), cancellationToken), guest, cancellationToken);
            }
            catch (GuestConsoleBusyException e)
            {
                // Core says what is wrong; how to go on is this command's option.
                await Console.Error.WriteLineAsync($"miniguest: error: {e.Message}; use --force to take it over");
                return CommandAction.Failure;
            }
        });
        return command;
    }
}
