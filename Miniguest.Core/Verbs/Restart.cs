namespace Miniguest.Core;

/// <summary>Restarting a guest (<see cref="GuestHost.RestartAsync"/>): stopped as a stop does if it runs, then started as
/// a start does, through one connection, on its current generation.</summary>
internal static class Restart
{
    public static async Task RunAsync(GuestHostContext host, string name, TimeSpan timeout, bool force, CancellationToken cancellationToken)
    {
        var site = host.DomainSite(name);
        using var domain = host.OpenDomain(site, name);
        if (domain.IsActive)
        {
            await Stop.DomainAsync(host, site, domain.Handle, name, timeout, force, cancellationToken).ConfigureAwait(false);
        }
        await Start.CheckedAsync(host, site, name, domain, paused: false, cancellationToken).ConfigureAwait(false);
    }
}
