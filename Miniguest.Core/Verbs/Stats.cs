namespace Miniguest.Core;

/// <summary>What the guests do to their hosts (<see cref="GuestHost.StatsAsync"/>, <see cref="GuestHost.WatchStatsAsync"/>):
/// each running guest's counters, read with one bulk libvirt call per URI where the driver has it (QEMU's), with the
/// per-domain calls where it has not (LXC's), every host at once (<see cref="StatsSampler"/>).</summary>
internal static class Stats
{
    /// <summary>One sample or, with <paramref name="interval"/>, two that far apart, for rates.</summary>
    public static async Task<IReadOnlyList<GuestStats>> RunAsync(GuestHostContext host, IReadOnlyList<GuestName> names, TimeSpan? interval,
        CancellationToken cancellationToken)
    {
        using var sampler = new StatsSampler(host, names);
        var first = await sampler.SampleAsync(cancellationToken).ConfigureAwait(false);
        if (interval is not { } wait || !first.Any(guest => guest.Running))
        {
            return first;
        }
        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        return await sampler.SampleAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A sample at once, then one every <paramref name="interval"/>, each with its rates since the one before,
    /// until <paramref name="cancellationToken"/> ends it.</summary>
    public static async IAsyncEnumerable<IReadOnlyList<GuestStats>> WatchAsync(GuestHostContext host, IReadOnlyList<GuestName> names, TimeSpan interval,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var sampler = new StatsSampler(host, names);
        while (true)
        {
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            yield return await sampler.SampleAsync(cancellationToken).ConfigureAwait(false);
            var left = interval - System.Diagnostics.Stopwatch.GetElapsedTime(started);
            await Task.Delay(left > TimeSpan.Zero ? left : TimeSpan.Zero, cancellationToken).ConfigureAwait(false);
        }
    }
}
