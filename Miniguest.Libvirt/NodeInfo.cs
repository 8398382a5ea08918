namespace Miniguest.Libvirt;

/// <summary>The host as libvirt describes it (<c>virNodeInfo</c>).</summary>
/// <param name="Model">The CPU model, such as <c>x86_64</c>.</param>
/// <param name="MemoryKiB">The host's memory, in KiB.</param>
/// <param name="Cpus">Active CPUs.</param>
/// <param name="Mhz">The CPUs' expected frequency, 0 when unknown.</param>
/// <param name="Nodes">NUMA nodes (1 where uniform).</param>
/// <param name="Sockets">CPU sockets per node.</param>
/// <param name="Cores">Cores per socket.</param>
/// <param name="Threads">Threads per core.</param>
public sealed record NodeInfo(string Model, ulong MemoryKiB, uint Cpus, uint Mhz, uint Nodes, uint Sockets, uint Cores, uint Threads);
