using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>Starting a guest's domain (<see cref="GuestHost.StartAsync(string, bool, CancellationToken)"/>,
/// <see cref="GuestHost.StartWithConsoleAsync"/>), and the check every start goes through.</summary>
internal static class Start
{
    /// <summary>The guest's domain, through one connection, started paused if <paramref name="pausedFor"/> says so of its
    /// description; whether it was; and where the domain is.</summary>
    public static async Task<(GuestDomain Domain, bool Paused, GuestSite Site)> RunAsync(GuestHostContext host, GuestName name, Func<GuestDomain, bool> pausedFor,
        CancellationToken cancellationToken)
    {
        var site = host.DomainSite(name);
        // Another host's agent is started first: its login overlaps libvirt's.
        using var other = site.IsHere ? null : host.RemoteDomains.Open(site);
        using var connection = site.Connect(host.Connector);
        var domain = host.Domains.Get(connection, name);
        try
        {
            if (domain.IsActive)
            {
                throw new GuestAlreadyRunningException(name.Value);
            }
            var paused = pausedFor(domain);
            await CheckedAsync(host, site, name, domain, paused, cancellationToken, connection, other).ConfigureAwait(false);
            return (domain, paused, site);
        }
        catch
        {
            domain.Dispose();
            throw;
        }
    }

    /// <summary>The guest started with its console attached from its first line: a VM starts paused and runs once the
    /// console is open; a container runs at once. A VM whose output is all that is asked for is read from its console log
    /// from its start.</summary>
    public static async Task<GuestConsole?> WithConsoleAsync(GuestHostContext host, GuestName name, GuestConsoleMode mode,
        CancellationToken cancellationToken)
    {
        string? log = null;
        // Nothing between the start and the console: a container runs at once, and may be over in milliseconds.
        var (domain, paused, site) = await RunAsync(host, name, domain =>
        {
            log = GuestConsole.LogToFollow(host, name, domain, mode);
            return log is null && !domain.Description.IsContainer;
        }, cancellationToken).ConfigureAwait(false);
        if (log is not null)
        {
            return GuestConsole.FollowLog(name, domain.Handle, log, fromStart: true);
        }
        return await GuestConsole.AttachAsync(name, domain.Handle, paused ? ConsoleStart.StartedPaused : ConsoleStart.StartedRunning,
                takeOver: false, host.Reopener(site, domain), cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>The guest's domain, at <paramref name="site"/>, started once that host's store is known to be protected and
    /// its networks active; <paramref name="connection"/> is the command's own to that host, and <paramref name="other"/> its
    /// session with another host, where it has them.</summary>
    public static async Task CheckedAsync(GuestHostContext host, GuestSite site, GuestName name, GuestDomain domain, bool paused,
        CancellationToken cancellationToken, Connection? connection = null, RemoteGuestDomains.OtherHost? other = null)
    {
        if (!site.IsHere)
        {
            await host.RemoteDomains.PrepareToStartAsync(name, site, domain, other, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            host.Domains.EnsureSafeToStart(domain, name);
            RequireActiveNetworks(host, site, domain, connection);
            // Whatever the definition changes to while the guest runs, the generation it boots stays.
            await host.Roots.KeepAsync(name, GuestRoots.Booted, domain.Metadata?.StorePath, cancellationToken).ConfigureAwait(false);
        }
        CrashPoint.Reach(CrashPoint.StartDomain);
        domain.Handle.Start(paused ? DomainCreateFlags.Paused : DomainCreateFlags.None);
    }

    // A network the domain is on that is not active fails the start in libvirt's words: refused here, with the way out.
    private static void RequireActiveNetworks(GuestHostContext host, GuestSite site, GuestDomain domain, Connection? connection)
    {
        if (domain.Interfaces.All(nic => nic.Attachment.Type != AttachmentType.Network))
        {
            return;
        }
        using var own = connection is null ? site.Connect(host.Connector) : null;
        if (Define.InactiveNetworks(connection ?? own!, domain.Interfaces) is [var network, ..])
        {
            throw new GuestStateException($"guest '{domain.Name}' is on libvirt network '{network}', which is not active: start it with "
                + $"virsh net-start {network} (virsh net-autostart {network} starts it with the host)");
        }
    }
}
