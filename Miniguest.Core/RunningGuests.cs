using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>Which installed guests run, asked as cheaply as libvirt allows: one listing of the running domains on each
/// URI, and no call about any one domain. For callers that need only that, such as completing a guest's name
/// (<see cref="GuestHost.GuestNames(bool, TimeSpan)"/>); a listing (<see cref="GuestHost.ListAsync"/>) says the rest.</summary>
internal static class RunningGuests
{
    /// <summary>Whether each installed guest runs: <see langword="null"/> where libvirt did not answer on its URI within
    /// <paramref name="timeout"/>. A guest runs only in the domain Miniguest defined for it (the UUID it recorded), so
    /// one never defined does not run.</summary>
    /// <param name="paths">Where the guests are.</param>
    /// <param name="uri">The URI to look on for every guest; <see langword="null"/>: the one each guest's domain was
    /// defined on.</param>
    /// <param name="connector">How libvirt is reached.</param>
    /// <param name="timeout">How long to wait for libvirt: its calls cannot be interrupted, so a daemon that hangs is
    /// left to it.</param>
    /// <exception cref="IOException">The guests directory cannot be read.</exception>
    public static IReadOnlyDictionary<GuestName, bool?> Survey(MiniguestPaths paths, string? uri, ILibvirtConnector connector, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var store = new GuestStore(paths);
        var domains = new GuestDomains(paths, connector);
        var running = new SortedDictionary<GuestName, bool?>();
        var onUri = new Dictionary<string, HashSet<GuestName>>(StringComparer.Ordinal);
        foreach (var name in store.Names())
        {
            running[name] = false;
            if (UriOf(store, domains, name, uri) is { } domainUri)
            {
                onUri.TryAdd(domainUri, []);
                onUri[domainUri].Add(name);
            }
        }
        var listings = onUri.ToDictionary(pair => pair.Key, pair => Task.Run(() => Active(paths, connector, pair.Key, pair.Value)));
        Task.WaitAny([Task.WhenAll(listings.Values), Task.Delay(timeout)]);
        foreach (var (domainUri, listing) in listings)
        {
            var active = listing.IsCompletedSuccessfully ? listing.Result : null;
            foreach (var name in onUri[domainUri])
            {
                running[name] = active?.Contains(name);
            }
        }
        return running;
    }

    // The URI to look for the guest's domain on; null when it has none to look for (or its files cannot say).
    private static string? UriOf(GuestStore store, GuestDomains domains, GuestName name, string? uri)
    {
        try
        {
            return uri ?? domains.RecordedUri(store.Get(name));
        }
        catch (Exception e) when (e is MiniguestException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    // Those of the guests named whose domains run on the URI; null when libvirt cannot be reached there.
    private static HashSet<GuestName>? Active(MiniguestPaths paths, ILibvirtConnector connector, string uri, HashSet<GuestName> names)
    {
        try
        {
            using var connection = connector.OpenReadOnly(uri);
            var listed = connection.ListAllDomains(ConnectListAllDomainsFlags.Active);
            try
            {
                var active = new HashSet<GuestName>();
                foreach (var domain in listed)
                {
                    // A domain whose name is no guest's is no guest's.
                    if (GuestName.TryParse(domain.Name, out var name) && names.Contains(name)
                        && new GuestStateDirectory(paths, name).RecordedDomainUuid() == domain.Uuid)
                    {
                        active.Add(name);
                    }
                }
                return active;
            }
            finally
            {
                foreach (var domain in listed)
                {
                    domain.Dispose();
                }
            }
        }
        catch (Exception e) when (e is LibvirtException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
