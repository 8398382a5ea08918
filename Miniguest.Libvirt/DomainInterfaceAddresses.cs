using System.Net;

namespace Miniguest.Libvirt;

/// <summary>Where <see cref="Domain.GetInterfaceAddresses"/> looks for addresses (<c>virDomainInterfaceAddressesSource</c>).</summary>
public enum InterfaceAddressSource : uint
{
    /// <summary>The DHCP leases of the libvirt networks the domain is on (<c>VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_LEASE</c>).</summary>
    Lease = 0,

    /// <summary>A guest agent inside the domain (<c>VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_AGENT</c>).</summary>
    Agent = 1,

    /// <summary>The host's ARP table, for guests on a bridge (<c>VIR_DOMAIN_INTERFACE_ADDRESSES_SRC_ARP</c>).</summary>
    Arp = 2,
}

/// <summary>An address with its prefix length, as <c>10.0.0.5/24</c>.</summary>
public sealed record InterfaceAddress(IPAddress Address, int PrefixLength)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Address}/{PrefixLength}";
}

/// <summary>One network interface of a running domain and the addresses found for it.</summary>
/// <param name="Name">The interface's name on the host (<c>vnet0</c>) or in the guest, depending on the source.</param>
/// <param name="HardwareAddress">Its MAC address, when known.</param>
/// <param name="Addresses">Its addresses.</param>
public sealed record DomainInterfaceAddresses(string Name, string? HardwareAddress, IReadOnlyList<InterfaceAddress> Addresses);
