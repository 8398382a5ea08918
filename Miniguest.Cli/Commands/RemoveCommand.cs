using System.CommandLine;
using Microsoft.Extensions.Logging;
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
            var keptDomain = await context.Host.RemoveAsync(guest, parse.GetValue(keepDomain), parse.GetValue(force), cancellationToken);
            await context.ReportAsync($"removed '{guest}'");
            if (keptDomain)
            {
                context.Logger.LogWarning("the domain of '{Guest}' is kept, but it boots from the guest's files, just removed: "
                    + "install the guest again before starting it, or undefine it (virsh undefine {Guest})", guest, guest);
            }
            return CommandAction.Success;
        });
        return command;
    }
}
