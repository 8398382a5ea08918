using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>One sample of a running domain's counters, and when it was taken.</summary>
/// <param name="Taken">When, on <see cref="System.Diagnostics.Stopwatch"/>'s clock.</param>
/// <param name="CpuNanoseconds">CPU time used.</param>
/// <param name="MemoryKiB">Memory the host holds for it.</param>
/// <param name="GivenKiB">Memory it was given.</param>
/// <param name="Received">Bytes its interfaces received.</param>
/// <param name="Sent">Bytes its interfaces sent.</param>
/// <param name="Read">Bytes its disks read.</param>
/// <param name="Written">Bytes its disks wrote.</param>
internal sealed record DomainCounters(long Taken, ulong? CpuNanoseconds, ulong? MemoryKiB, ulong? GivenKiB, ulong? Received, ulong? Sent,
    ulong? Read, ulong? Written)
{
    /// <summary>When the domain started, where this host can tell (<see cref="DomainStartTime"/>).</summary>
    public DateTimeOffset? Started { get; init; }

    /// <summary>The statistics libvirt's bulk call is asked for.</summary>
    public const DomainStatsTypes Asked =
        DomainStatsTypes.State | DomainStatsTypes.CpuTotal | DomainStatsTypes.Balloon | DomainStatsTypes.Interface | DomainStatsTypes.Block;

    /// <summary>The counters in a record of libvirt's bulk statistics (<c>virConnectGetAllDomainStats</c>).</summary>
    public static DomainCounters Of(DomainStatsRecord record, long taken) => new(
        taken,
        record.UInt64("cpu.time"),
        record.UInt64("balloon.rss") ?? record.UInt64("balloon.current"),
        record.UInt64("balloon.maximum") ?? record.UInt64("balloon.current"),
        Sum(record, "net", "rx.bytes"),
        Sum(record, "net", "tx.bytes"),
        Sum(record, "block", "rd.bytes"),
        Sum(record, "block", "wr.bytes"));

    /// <summary>The counters of a domain of a driver without the bulk call (LXC's): its info, and the counters of each of
    /// <paramref name="macAddresses"/>' interfaces.</summary>
    public static DomainCounters Of(Domain domain, IEnumerable<string> macAddresses, long taken)
    {
        var info = domain.GetInfo();
        var interfaces = macAddresses.Select(domain.GetInterfaceStats).ToList();
        return new DomainCounters(taken, info.CpuTimeNanoseconds, info.MemoryKiB, info.MaxMemoryKiB,
            Counted(interfaces.Select(stats => stats.RxBytes)), Counted(interfaces.Select(stats => stats.TxBytes)), null, null);
    }

    /// <summary>The guest's statistics from this sample, and its rates from <paramref name="earlier"/>, where given.</summary>
    public GuestStats Stats(GuestStats guest, DomainCounters? earlier)
    {
        var seconds = earlier is null ? 0 : System.Diagnostics.Stopwatch.GetElapsedTime(earlier.Taken, Taken).TotalSeconds;
        double? Rate(ulong? now, ulong? before) =>
            seconds > 0 && now is { } n && before is { } b && n >= b ? (n - b) / seconds : null;
        return guest with
        {
            Interval = seconds > 0 ? TimeSpan.FromSeconds(seconds) : null,
            Started = Started,
            CpuSeconds = CpuNanoseconds / 1e9,
            CpuPercent = Rate(CpuNanoseconds, earlier?.CpuNanoseconds) / 1e9 * 100,
            MemoryBytes = MemoryKiB * 1024,
            MemoryGivenBytes = GivenKiB * 1024,
            NetworkReceivedBytes = Received,
            NetworkSentBytes = Sent,
            DiskReadBytes = Read,
            DiskWrittenBytes = Written,
            NetworkReceivedPerSecond = Rate(Received, earlier?.Received),
            NetworkSentPerSecond = Rate(Sent, earlier?.Sent),
            DiskReadPerSecond = Rate(Read, earlier?.Read),
            DiskWrittenPerSecond = Rate(Written, earlier?.Written),
        };
    }

    // The sum of GROUP.N.FIELD over GROUP.count's entries; null where the record counts none.
    private static ulong? Sum(DomainStatsRecord record, string group, string field)
    {
        if (record.UInt64($"{group}.count") is not { } count)
        {
            return null;
        }
        ulong total = 0;
        for (var i = 0UL; i < count; i++)
        {
            total += record.UInt64($"{group}.{i}.{field}") ?? 0;
        }
        return total;
    }

    // libvirt's -1 is "not counted".
    private static ulong? Counted(IEnumerable<long> values) =>
        values.Where(value => value >= 0).Select(value => (ulong)value).Aggregate((ulong?)null, (sum, value) => (sum ?? 0) + value);
}
