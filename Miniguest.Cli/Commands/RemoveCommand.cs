using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class RemoveCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The guest to remove" };
        var keepDomain = new Option<bool>("--keep-domain") { Description = "Leave the guest's libvirt domain defined" };
        var force = new Option<bool>("--force", "-f") { Description = "Stop a running guest first (with --keep-domain too)" };
        var command = new Command("remove", "Undefine a guest's domain and delete its link, profile and generations") { name, keepDomain, force };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guest = parse.GetRequiredValue(name);
            await context.Host.RemoveAsync(guest, parse.GetValue(keepDomain), parse.GetValue(force), cancellationToken);
            await context.ReportAsync($"removed '{guest}'");
            return CommandAction.Success;
        });
        return command;
    }
}
