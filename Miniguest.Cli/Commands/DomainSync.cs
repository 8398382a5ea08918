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
            context.Logger.LogInformation("Updated the domain of '{Guest}'", guest);
        }
        if (domain?.RunsOlderGeneration == true)
        {
            context.Logger.LogWarning("'{Guest}' runs an older generation: restart it to run the new one (miniguest restart {Guest})",
                guest, guest);
        }
    }
}
