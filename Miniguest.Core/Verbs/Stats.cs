using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>What the guests do to their hosts (<see cref="GuestHost.StatsAsync"/>): each running guest's counters, read
/// with one bulk libvirt call per URI where the driver has it (QEMU's), with the per-domain calls where it has not (LXC's),
/// every host at once; twice, an interval apart, for rates.</summary>
internal static class Stats
{
    /// <summary>How long a sample waits for one host.</summary>
    public static readonly TimeSpan HostTimeout = TimeSpan.FromSeconds(15);

    public static async Task<IReadOnlyList<GuestStats>> RunAsync(GuestHostContext host, IReadOnlyList<GuestName> names, TimeSpan? interval,
        CancellationToken cancellationToken)
    {
        var listings = (await new GuestLister(host).ListAsync(withProtection: false, cancellationToken).ConfigureAwait(false))
            .Where(guest => names.Count == 0 || names.Contains(GuestName.Parse(guest.Name))).ToList();
        if (names.Select(name => name.Value).FirstOrDefault(name => listings.All(guest => guest.Name != name)) is { } missing)
        {
            throw new GuestNotFoundException(missing);
        }
        var guests = listings.Select(guest => new GuestStats
        {
            Name = guest.Name, Host = guest.Host, Type = guest.Type, Running = guest.Running == true, Problem = guest.Problem,
        }).ToList();
        var sites = listings.Where(guest => guest.Running == true && guest.Uri is not null)
            .GroupBy(guest => guest.Uri!, guest => guest.Name, StringComparer.Ordinal)
            .ToDictionary(site => site.Key, site => site.ToHashSet(StringComparer.Ordinal), StringComparer.Ordinal);
        var first = await SampleAsync(host, sites, cancellationToken).ConfigureAwait(false);
        IReadOnlyDictionary<string, DomainCounters>? second = null;
        if (interval is { } wait && first.Counters.Count > 0)
        {
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
            second = (await SampleAsync(host, sites, cancellationToken).ConfigureAwait(false)).Counters;
        }
        return [.. guests.Select(guest =>
            second?.GetValueOrDefault(guest.Name) is { } now ? now.Stats(guest, first.Counters.GetValueOrDefault(guest.Name))
            : first.Counters.GetValueOrDefault(guest.Name) is { } only ? only.Stats(guest, null)
            : first.Problems.GetValueOrDefault(guest.Name) is { } problem ? guest with { Problem = problem }
            : guest)];
    }

    // One sample of every host at once: each running guest's counters, or why its host gave none.
    private static async Task<(IReadOnlyDictionary<string, DomainCounters> Counters, IReadOnlyDictionary<string, string> Problems)> SampleAsync(
        GuestHostContext host, IReadOnlyDictionary<string, HashSet<string>> sites, CancellationToken cancellationToken)
    {
        var samples = await Task.WhenAll(sites.Select(site => SampleSiteAsync(host, site.Key, site.Value, cancellationToken))).ConfigureAwait(false);
        var counters = new Dictionary<string, DomainCounters>(StringComparer.Ordinal);
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (names, sample, problem) in samples)
        {
            foreach (var (name, value) in sample)
            {
                counters[name] = value;
            }
            foreach (var name in problem is null ? [] : names)
            {
                problems[name] = problem!;
            }
        }
        return (counters, problems);
    }

    // The counters of the guests named on one URI; libvirt's calls cannot be interrupted: one that outlasts the limit is
    // left to finish on its own.
    private static async Task<(IEnumerable<string> Names, IReadOnlyDictionary<string, DomainCounters> Counters, string? Problem)> SampleSiteAsync(
        GuestHostContext host, string uri, HashSet<string> names, CancellationToken cancellationToken)
    {
        var sample = Task.Run(() => Sample(host.Connector, uri, names), CancellationToken.None);
        await Task.WhenAny(sample, Task.Delay(HostTimeout, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return sample.IsCompletedSuccessfully ? (names, sample.Result, null)
            : sample.IsFaulted ? (names, new Dictionary<string, DomainCounters>(), TerminalText.Escape($"{uri}: {sample.Exception!.InnerException!.Message}"))
            : (names, new Dictionary<string, DomainCounters>(), $"{uri} did not answer within {HostTimeout.TotalSeconds:0} s");
    }

    private static IReadOnlyDictionary<string, DomainCounters> Sample(ILibvirtConnector connector, string uri, HashSet<string> names)
    {
        using var connection = connector.OpenReadOnly(uri);
        var taken = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            return connection.GetAllDomainStats(DomainCounters.Asked, ConnectGetAllDomainStatsFlags.Active)
                .Where(record => names.Contains(record.Name))
                .ToDictionary(record => record.Name, record => DomainCounters.Of(record, taken), StringComparer.Ordinal);
        }
        catch (OperationUnsupportedException)
        {
            // LXC's driver: each domain on its own.
            var counters = new Dictionary<string, DomainCounters>(StringComparer.Ordinal);
            foreach (var name in names)
            {
                if (connection.TryGetDomain(name, out var domain))
                {
                    using (domain)
                    {
                        var macs = DomainXml.ReadInterfaces(domain.GetXml()).Select(nic => nic.MacAddress);
                        counters[name] = DomainCounters.Of(domain, macs, System.Diagnostics.Stopwatch.GetTimestamp());
                    }
                }
            }
            return counters;
        }
    }
}
