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
        var purge = new Option<bool>("--purge")
        {
            Description = "Also delete the guest's data: its shares' directories and a container's root (also what an earlier remove kept)",
        };
        var command = new Command("remove",
            "Undefine a guest's domain and delete its link, profile and generations; its data (shares, a container's root) stays unless --purge")
        {
            name, keepDomain, force, purge,
        };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guest = parse.GetRequiredValue(name);
            var removed = await context.Host.RemoveAsync(guest, parse.GetValue(keepDomain), parse.GetValue(force), parse.GetValue(purge), cancellationToken);
            await context.ReportAsync(removed.Installed
                ? $"removed '{guest}'" + (removed.ForcedOff ? " (it was running: forced it off first)" : "")
                : $"purged the data '{guest}' left");
            if (removed.Purged is { Count: > 0 } purged)
            {
                await context.ReportAsync($"  deleted its data: {string.Join(" and ", purged)}");
            }
            if (removed.KeptData.Count > 0)
            {
                await context.ReportAsync($"  its data stays in {string.Join(" and ", removed.KeptData)} (remove --purge deletes it)");
            }
            if (removed.KeptDomain && parse.GetValue(purge))
            {
                context.Logger.LogWarning("the domain of '{Guest}' is kept, no longer Miniguest's, and the generation it boots is no longer a "
                    + "garbage-collector root: it boots only while that generation stays in the store", guest);
            }
            else if (removed.KeptDomain)
            {
                context.Logger.LogWarning("the domain of '{Guest}' is kept, no longer Miniguest's; the generation it boots stays rooted in {Roots} "
                    + "until remove --purge {Guest}: undefine it (virsh undefine {Guest}), then purge, once it is no longer needed",
                    guest, context.Host.Paths.GenerationRoots(GuestName.Parse(guest)), guest, guest);
            }
            return CommandAction.Success;
        });
        return command;
    }
}
