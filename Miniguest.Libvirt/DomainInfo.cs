namespace Miniguest.Libvirt;

/// <summary>A domain's state, memory and CPU time (<c>virDomainInfo</c>).</summary>
/// <param name="State">Its state.</param>
/// <param name="MaxMemoryKiB">The most memory it may have, in KiB.</param>
/// <param name="MemoryKiB">The memory it has (a container's: what its cgroup uses), in KiB.</param>
/// <param name="VCpus">Its virtual CPUs.</param>
/// <param name="CpuTimeNanoseconds">The CPU time it has used, in nanoseconds.</param>
public sealed record DomainInfo(DomainState State, ulong MaxMemoryKiB, ulong MemoryKiB, ushort VCpus, ulong CpuTimeNanoseconds);

/// <summary>The traffic counters of one of a domain's interfaces (<c>virDomainInterfaceStatsStruct</c>), as the host side
/// counts them; -1 where the driver does not count one.</summary>
/// <param name="RxBytes">Bytes received.</param>
/// <param name="RxPackets">Packets received.</param>
/// <param name="RxErrors">Receive errors.</param>
/// <param name="RxDrops">Packets dropped on receipt.</param>
/// <param name="TxBytes">Bytes sent.</param>
/// <param name="TxPackets">Packets sent.</param>
/// <param name="TxErrors">Send errors.</param>
/// <param name="TxDrops">Packets dropped on sending.</param>
public sealed record InterfaceStats(long RxBytes, long RxPackets, long RxErrors, long RxDrops, long TxBytes, long TxPackets, long TxErrors, long TxDrops);
