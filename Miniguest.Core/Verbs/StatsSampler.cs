using System.Diagnostics;
using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>Samples what the guests do to their hosts, as often as asked (<see cref="Stats"/>): the guests are listed at the
/// first sample and again once the listing is <see cref="ListingLife"/> old; each URI keeps one read-only connection
/// between samples; each sample's rates come from the one before it. A host that does not answer, or answers late, gives
/// its guests a problem, never the failure of the whole.</summary>
internal sealed class StatsSampler(GuestHostContext host, IReadOnlyList<GuestName> names) : IDisposable
{
    /// <summary>How long a sample waits for one host.</summary>
    public static readonly TimeSpan HostTimeout = TimeSpan.FromSeconds(15);

    // Guests installed or removed meanwhile show within this; a guest started or stopped shows at the next sample.
    private static readonly TimeSpan ListingLife = TimeSpan.FromSeconds(30);

    private readonly Dictionary<string, Site> _sites = new(StringComparer.Ordinal);
    private IReadOnlyDictionary<string, DomainCounters> _previous = new Dictionary<string, DomainCounters>();
    private IReadOnlyList<GuestListing> _listing = [];
    private long _listed;

    /// <summary>One sample: every guest asked for, with its counters where it runs, and its rates since the last sample.</summary>
    /// <exception cref="GuestNotFoundException">A guest named is not installed.</exception>
    public async Task<IReadOnlyList<GuestStats>> SampleAsync(CancellationToken cancellationToken)
    {
        if (_listed == 0 || Stopwatch.GetElapsedTime(_listed) > ListingLife)
        {
            await ListAsync(cancellationToken).ConfigureAwait(false);
        }
        var byUri = _listing.Where(guest => guest.Uri is not null).GroupBy(guest => guest.Uri!, StringComparer.Ordinal).ToList();
        var answers = await Task.WhenAll(byUri.Select(guests => SiteOf(guests.Key).SampleAsync([.. guests.Select(guest => guest.Name)], cancellationToken)))
            .ConfigureAwait(false);
        var counters = new Dictionary<string, DomainCounters>(StringComparer.Ordinal);
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (guests, (sample, problem)) in byUri.Zip(answers))
        {
            foreach (var (name, value) in sample)
            {
                counters[name] = value;
            }
            foreach (var guest in guests.Where(_ => problem is not null))
            {
                problems[guest.Name] = problem!;
            }
        }
        var previous = _previous;
        _previous = counters;
        return [.. _listing.Select(guest =>
        {
            var stats = new GuestStats { Name = guest.Name, Host = guest.Host, Type = guest.Type, Running = guest.Running == true, Problem = guest.Problem };
            // A host that answered says whether each of its guests runs now; one that did not leaves the listing's word.
            return counters.GetValueOrDefault(guest.Name) is { } now ? now.Stats(stats with { Running = true }, previous.GetValueOrDefault(guest.Name))
                : problems.GetValueOrDefault(guest.Name) is { } problem ? stats with { Problem = problem }
                : guest.Uri is not null ? stats with { Running = false }
                : stats;
        })];
    }

    public void Dispose()
    {
        foreach (var site in _sites.Values)
        {
            site.Dispose();
        }
    }

    private async Task ListAsync(CancellationToken cancellationToken)
    {
        var listing = (await new GuestLister(host).ListAsync(withProtection: false, cancellationToken).ConfigureAwait(false))
            .Where(guest => names.Count == 0 || names.Contains(GuestName.Parse(guest.Name))).ToList();
        if (names.Select(name => name.Value).FirstOrDefault(name => listing.All(guest => guest.Name != name)) is { } missing)
        {
            throw new GuestNotFoundException(missing);
        }
        _listing = listing;
        _listed = Stopwatch.GetTimestamp();
    }

    private Site SiteOf(string uri)
    {
        if (!_sites.TryGetValue(uri, out var site))
        {
            _sites[uri] = site = new Site(host.Connector, uri);
        }
        return site;
    }

    /// <summary>One URI's connection, kept open between samples and opened again after a failure; libvirt's calls cannot be
    /// interrupted, so a call that outlasts <see cref="HostTimeout"/> is left to finish on its own, and the URI is not asked
    /// again until it has.</summary>
    private sealed class Site(ILibvirtConnector connector, string uri) : IDisposable
    {
        private readonly Dictionary<string, IReadOnlyList<string>> _interfaces = new(StringComparer.Ordinal);
        private Connection? _connection;
        private Task<IReadOnlyDictionary<string, DomainCounters>>? _pending;

        /// <summary>The counters of those of <paramref name="names"/> that run, or why there are none.</summary>
        public async Task<(IReadOnlyDictionary<string, DomainCounters> Counters, string? Problem)> SampleAsync(IReadOnlyList<string> names,
            CancellationToken cancellationToken)
        {
            if (_pending is { IsCompleted: false })
            {
                return (new Dictionary<string, DomainCounters>(), $"{uri} has not answered yet");
            }
            var sample = _pending = Task.Run(() => Sample(names.ToHashSet(StringComparer.Ordinal)), CancellationToken.None);
            await Task.WhenAny(sample, Task.Delay(HostTimeout, cancellationToken)).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            if (sample.IsCompletedSuccessfully)
            {
                return (sample.Result, null);
            }
            if (sample.IsFaulted)
            {
                Close();
                return (new Dictionary<string, DomainCounters>(), TerminalText.Escape($"{uri}: {sample.Exception!.InnerException!.Message}"));
            }
            return (new Dictionary<string, DomainCounters>(), $"{uri} did not answer within {HostTimeout.TotalSeconds:0} s");
        }

        public void Dispose()
        {
            // A call still running keeps the connection until it returns.
            if (_pending is { IsCompleted: false } pending)
            {
                pending.ContinueWith(_ => Close(), TaskScheduler.Default);
                return;
            }
            Close();
        }

        private void Close()
        {
            _connection?.Dispose();
            _connection = null;
        }

        private IReadOnlyDictionary<string, DomainCounters> Sample(HashSet<string> names)
        {
            var connection = _connection ??= connector.OpenReadOnly(uri);
            var taken = Stopwatch.GetTimestamp();
            try
            {
                return connection.GetAllDomainStats(DomainCounters.Asked, ConnectGetAllDomainStatsFlags.Active)
                    .Where(record => names.Contains(record.Name))
                    .ToDictionary(record => record.Name, record => DomainCounters.Of(record, taken) with { Started = DomainStartTime.Of(uri, record.Name) },
                        StringComparer.Ordinal);
            }
            catch (OperationUnsupportedException)
            {
                return EachDomain(connection, names);
            }
        }

        // LXC's driver has no bulk call: each running domain on its own, its interfaces read from its description once.
        private Dictionary<string, DomainCounters> EachDomain(Connection connection, HashSet<string> names)
        {
            var counters = new Dictionary<string, DomainCounters>(StringComparer.Ordinal);
            foreach (var name in names)
            {
                if (!connection.TryGetDomain(name, out var domain))
                {
                    _interfaces.Remove(name);
                    continue;
                }
                using (domain)
                {
                    if (!domain.IsActive)
                    {
                        // Its interfaces may change before it starts again.
                        _interfaces.Remove(name);
                        continue;
                    }
                    if (!_interfaces.TryGetValue(name, out var macs))
                    {
                        _interfaces[name] = macs = [.. DomainXml.ReadInterfaces(domain.GetXml()).Select(nic => nic.MacAddress)];
                    }
                    try
                    {
                        counters[name] = DomainCounters.Of(domain, macs, Stopwatch.GetTimestamp()) with { Started = DomainStartTime.Of(uri, name) };
                    }
                    catch (LibvirtException) when (!domain.IsActive)
                    {
                        // It stopped between the calls (a filter that throws lets the first failure through: a connection that broke).
                    }
                }
            }
            return counters;
        }
    }
}
