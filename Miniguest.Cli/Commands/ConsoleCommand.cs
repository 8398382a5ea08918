using System.CommandLine;

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
            return await ConsoleSession.RunAsync(context, mode => context.Host.OpenConsoleAsync(guest, parse.GetValue(force), mode, cancellationToken),
                guest, cancellationToken);
        });
        return command;
    }
}
