using Microsoft.Extensions.Logging;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

/// <summary>After a guest's files changed: updates its domain, if it has one, and says whether a running guest
/// now runs an older generation.</summary>
internal static class DomainSync
{
    public static void Resync(CliContext context, Guest guest)
    {
        if (!File.Exists(context.Paths.ConnectionUriFile(guest.Name)) && context.Connect is null)
        {
            return; // never created: nothing to re-sync, and no daemon to bother
        }
        using var connection = context.ConnectFor(guest);
        if (!context.Domains.Resync(connection, guest))
        {
            return;
        }
        context.Logger.LogInformation("Updated the domain of '{Guest}'", guest.Name);
        using var domain = context.Domains.Find(connection, guest.Name);
        if (context.Domains.Status(domain, guest) == GuestStatus.Outdated)
        {
            context.Logger.LogWarning("'{Guest}' runs an older generation: restart it to run the new one (miniguest restart {Guest})",
                guest.Name, guest.Name);
        }
    }
}
