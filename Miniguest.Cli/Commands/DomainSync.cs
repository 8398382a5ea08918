using Microsoft.Extensions.Logging;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

/// <summary>Tells what became of a guest's domain after its generation changed.</summary>
internal static class DomainSync
{
    public static void Report(CliContext context, string guest, DomainResync? domain)
    {
        if (domain?.Outcome == ResyncOutcome.Updated)
        {
            context.Logger.LogInformation("updated the domain of '{Guest}'", guest);
        }
        if (domain is { RunsOtherGeneration: true, Running: { } running, Next: { } next })
        {
            context.Logger.LogWarning("'{Guest}' runs generation {Running}; it runs generation {Next} from its next start (miniguest restart {Guest})",
                guest, running, next, guest);
        }
        else if (domain?.RunsOtherGeneration == true)
        {
            context.Logger.LogWarning("'{Guest}' runs another generation than the one it is now defined on; it runs that one from its next start "
                + "(miniguest restart {Guest})", guest, guest);
        }
    }
}
