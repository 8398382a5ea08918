using Microsoft.Extensions.Logging;
using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>Stopping a guest's domain (<see cref="GuestHost.StopAsync(string, TimeSpan, bool, CancellationToken)"/>), and
/// the steps every stop goes through.</summary>
internal static class Stop
{
    /// <summary>The guest shut down, waiting up to <paramref name="timeout"/>, then pulled off with <paramref name="force"/>,
    /// or refused; or not running, with the root of the generation it ran dropped all the same.</summary>
    public static async Task<StopOutcome> RunAsync(GuestHostContext host, GuestName name, TimeSpan timeout, bool force, CancellationToken cancellationToken)
    {
        var site = host.DomainSite(name);
        using var domain = host.OpenDomain(site, name);
        if (!domain.IsActive)
        {
            await DropBootedAsync(host, site, name, cancellationToken).ConfigureAwait(false);
            return StopOutcome.NotRunning;
        }
        return await DomainAsync(host, site, domain.Handle, name, timeout, force, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The guest's domain, at <paramref name="site"/>, stopped, and the root of the generation it ran dropped there.</summary>
    public static async Task<StopOutcome> DomainAsync(GuestHostContext host, GuestSite site, Domain domain, GuestName name, TimeSpan timeout, bool force,
        CancellationToken cancellationToken)
    {
        host.Logger.LogInformation("waiting up to {Seconds} s for '{Guest}' to shut down", timeout.TotalSeconds, name.Value);
        var outcome = await ShutDownAsync(domain, name, timeout, force, cancellationToken).ConfigureAwait(false);
        await DropBootedAsync(host, site, name, cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    private static async Task DropBootedAsync(GuestHostContext host, GuestSite site, GuestName name, CancellationToken cancellationToken)
    {
        if (!site.IsHere)
        {
            await host.RemoteDomains.DropBootedAsync(name, site, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            host.Roots.Drop(name, GuestRoots.Booted);
        }
    }

    private static async Task<StopOutcome> ShutDownAsync(Domain domain, GuestName name, TimeSpan timeout, bool force, CancellationToken cancellationToken)
    {
        try
        {
            if (await domain.ShutdownAsync(timeout, DomainShutdownFlags.Default, cancellationToken).ConfigureAwait(false))
            {
                return StopOutcome.ShutDown;
            }
            if (!force)
            {
                throw new GuestStopTimeoutException(name.Value, timeout);
            }
            return ForceOff(domain, StopOutcome.ForcedOff);
        }
        catch (OperationInvalidException) when (!domain.IsActive)
        {
            // The guest powered itself off between a look at its state and the request: it stopped, as asked.
            return StopOutcome.ShutDown;
        }
        catch (OperationInvalidException) when (force)
        {
            // The request itself was refused while the guest runs on: nothing to wait for.
            return ForceOff(domain, StopOutcome.ForcedOffUnasked);
        }
    }

    private static StopOutcome ForceOff(Domain domain, StopOutcome outcome)
    {
        CrashPoint.Reach(CrashPoint.StopDomain);
        domain.Destroy();
        return outcome;
    }
}
