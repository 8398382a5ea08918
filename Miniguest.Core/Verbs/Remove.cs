using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>Removing a guest (<see cref="GuestHost.RemoveAsync"/>) under its lock, where it lives: its domain, then its
/// files; its data stays unless purged.</summary>
internal static class Remove
{
    public static async Task<RemoveResult> RunAsync(GuestHostContext host, GuestName name, bool keepDomain, bool force, bool purge,
        CancellationToken cancellationToken)
    {
        var (keptDomain, forcedOff) = (false, false);
        using var guestLock = await host.LockAsync(name, cancellationToken).ConfigureAwait(false);
        if (purge && !host.Store.Names().Contains(name)
            && (host.Files.GuestData(name) is var left && (left.Count > 0 || Directory.Exists(host.Paths.GenerationRoots(name)))))
        {
            host.Files.Purge(name);
            return new RemoveResult(Installed: false, KeptDomain: false, KeptData: [], Purged: left);
        }
        if (host.Elsewhere(name) is { } site)
        {
            return await ElsewhereAsync(host, name, site, keepDomain, force, purge, cancellationToken).ConfigureAwait(false);
        }
        var guest = host.Store.Get(name);
        if (!guest.IsImperative)
        {
            throw new GuestStateException($"guest '{name}' is declarative: remove it from the host's NixOS configuration");
        }
        if (host.HasDomainRecord(name))
        {
            using var connection = host.SiteOf(guest).Connect(host.Connector);
            (keptDomain, forcedOff) = RemoveDomain(host, connection, name, keepDomain, force);
        }
        // A kept domain keeps the generation it boots rooted, unless the purge asks for everything to go.
        var data = await host.Files.UnlinkAsync(name, purge, keptDomain, cancellationToken).ConfigureAwait(false);
        return purge
            ? new RemoveResult(Installed: true, keptDomain, [], forcedOff, data)
            : new RemoveResult(Installed: true, keptDomain, data, forcedOff);
    }

    // A guest on another host: its domain there, then its profile, link and state there, then this host's record of it,
    // last, so that a remove cut short is found and completed when run again.
    private static async Task<RemoveResult> ElsewhereAsync(GuestHostContext host, GuestName name, GuestSite site, bool keepDomain, bool force, bool purge,
        CancellationToken cancellationToken)
    {
        var (keptDomain, forcedOff) = (false, false);
        var state = new GuestStateDirectory(host.Paths, name);
        if (state.RecordedDomainUuid() is not null)
        {
            using var connection = site.Connect(host.Connector);
            (keptDomain, forcedOff) = RemoveDomain(host, connection, name, keepDomain, force);
        }
        IReadOnlyList<string> data;
        using (var remote = host.FilesOn(site, session: null))
        {
            data = [.. (await remote.UnlinkAsync(name, purge, keptDomain, cancellationToken).ConfigureAwait(false))
                .Select(directory => $"{site.Target!.Host}:{directory}")];
        }
        state.Delete();
        host.RemoteGuests.Forget(name);
        return purge
            ? new RemoveResult(Installed: true, keptDomain, [], forcedOff, data)
            : new RemoveResult(Installed: true, keptDomain, data, forcedOff);
    }

    // The guest's domain stopped (with force, else a running one is refused) and undefined unless it is kept; whether
    // one was kept, and whether it was pulled off.
    private static (bool Kept, bool ForcedOff) RemoveDomain(GuestHostContext host, Connection connection, GuestName name, bool keepDomain, bool force)
    {
        using var domain = host.Domains.Find(connection, name);
        if (domain is null)
        {
            return (false, false);
        }
        var running = domain.IsActive;
        if (running)
        {
            if (!force)
            {
                throw new GuestRunningException(name.Value);
            }
            CrashPoint.Reach(CrashPoint.StopDomain);
            domain.Handle.Destroy();
        }
        host.Roots.Drop(name, GuestRoots.Booted);
        if (!keepDomain)
        {
            CrashPoint.Reach(CrashPoint.UndefineDomain);
            domain.Handle.Undefine();
        }
        return (keepDomain, running);
    }
}
