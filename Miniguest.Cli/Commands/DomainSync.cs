using Microsoft.Extensions.Logging;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

/// <summary>Tells what became of a guest's domain after its generation changed.</summary>
internal static class DomainSync
{
    /// <summary>With <c>--switch</c> (<paramref name="switching"/>), a running guest left on another generation is switched to
    /// the one its domain is now defined on; otherwise, or where it runs that one, as <see cref="Report"/> tells.</summary>
    public static async Task FollowAsync(CliContext context, string guest, DomainResync? domain, bool switching, CancellationToken cancellationToken)
    {
        if (!switching || domain is not { RunsOtherGeneration: true })
        {
            Report(context, guest, domain);
            return;
        }
        if (domain.Outcome == ResyncOutcome.Updated)
        {
            context.Logger.LogInformation("updated the domain of '{Guest}'", guest);
        }
        await SwitchCommand.RunAsync(context, guest, cancellationToken);
    }

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
