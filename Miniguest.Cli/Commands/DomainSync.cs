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
        switch (context.Domains.Resync(connection, guest))
        {
            case ResyncOutcome.NoDomain:
                return;
            case ResyncOutcome.Updated:
                context.Logger.LogInformation("Updated the domain of '{Guest}'", guest.Name);
                break;
        }
        using var domain = context.Domains.Find(connection, guest.Name);
        if (context.Domains.Status(domain, guest) == GuestStatus.Outdated)
        {
            context.Logger.LogWarning("'{Guest}' runs an older generation: restart it to run the new one (miniguest restart {Guest})",
                guest.Name, guest.Name);
        }
    }
}
