namespace Miniguest.Core;

/// <summary>Restarting a guest (<see cref="GuestHost.RestartAsync"/>): stopped as a stop does if it runs, then started as
/// a start does, through one connection, on its current generation.</summary>
internal static class Restart
{
    public static async Task<StopOutcome> RunAsync(GuestHostContext host, GuestName name, TimeSpan timeout, bool force, CancellationToken cancellationToken)
    {
        var site = host.DomainSite(name);
        using var connection = site.Connect(host.Connector);
        using var domain = host.Domains.Get(connection, name);
        var stopped = domain.IsActive
            ? await Stop.DomainAsync(host, site, domain.Handle, name, timeout, force, cancellationToken).ConfigureAwait(false)
            : StopOutcome.NotRunning;
        await Start.CheckedAsync(host, site, name, domain, paused: false, cancellationToken, connection).ConfigureAwait(false);
        return stopped;
    }
}
