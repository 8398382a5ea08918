using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class ConsoleCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The running guest" };
        var command = new Command("console", "Attach to a guest's console (on a terminal: Ctrl+] leaves)") { name };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guest = parse.GetRequiredValue(name);
            using var domain = context.Host.OpenDomain(guest);
            if (!domain.IsActive)
            {
                throw new GuestStateException($"guest '{guest}' is not running; start it with: miniguest start {guest} --console");
            }
            return await ConsoleSession.RunAsync(domain, attached: null, cancellationToken);
        });
        return command;
    }
}
