namespace Miniguest.Core;

/// <summary>What one guest does to its host, from one sample of its domain's counters, or two (<see cref="Interval"/>
/// apart) for its rates. A guest that does not run has its state and nothing else; a guest whose host did not answer has
/// <see cref="Problem"/>.</summary>
public sealed record GuestStats
{
    /// <summary>The guest's name.</summary>
    public required string Name { get; init; }

    /// <summary>The other host it lives on; <see langword="null"/> for a guest of this host.</summary>
    public string? Host { get; init; }

    /// <summary>A VM or a container; <see langword="null"/> for a broken guest.</summary>
    public GuestType? Type { get; init; }

    /// <summary>Whether its domain runs.</summary>
    public bool Running { get; init; }

    /// <summary>The time between the two samples its rates come from; <see langword="null"/> for one sample.</summary>
    public TimeSpan? Interval { get; init; }

    /// <summary>When its domain started, where this host can tell: its own guests' (libvirt keeps no start time; another
    /// host's process is not seen from here).</summary>
    public DateTimeOffset? Started { get; init; }

    /// <summary>The CPU time it has used, in seconds.</summary>
    public double? CpuSeconds { get; init; }

    /// <summary>Its CPU use over <see cref="Interval"/>, in percent of one core (200 for two cores busy).</summary>
    public double? CpuPercent { get; init; }

    /// <summary>The memory the host really holds for it, in bytes: a VM's QEMU's resident memory, a container's cgroup's.</summary>
    public ulong? MemoryBytes { get; init; }

    /// <summary>The memory it was given, in bytes.</summary>
    public ulong? MemoryGivenBytes { get; init; }

    /// <summary>The bytes its interfaces have received.</summary>
    public ulong? NetworkReceivedBytes { get; init; }

    /// <summary>The bytes its interfaces have sent.</summary>
    public ulong? NetworkSentBytes { get; init; }

    /// <summary>The bytes its disks have read (a VM's).</summary>
    public ulong? DiskReadBytes { get; init; }

    /// <summary>The bytes its disks have written (a VM's).</summary>
    public ulong? DiskWrittenBytes { get; init; }

    /// <summary>Bytes received a second over <see cref="Interval"/>.</summary>
    public double? NetworkReceivedPerSecond { get; init; }

    /// <summary>Bytes sent a second over <see cref="Interval"/>.</summary>
    public double? NetworkSentPerSecond { get; init; }

    /// <summary>Bytes read a second over <see cref="Interval"/>.</summary>
    public double? DiskReadPerSecond { get; init; }

    /// <summary>Bytes written a second over <see cref="Interval"/>.</summary>
    public double? DiskWrittenPerSecond { get; init; }

    /// <summary>Why nothing more is known of it: its host or its files; escaped.</summary>
    public string? Problem { get; init; }
}
