using System.Net;
using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>An address of a running guest, with its prefix length where it is known.</summary>
public sealed record GuestAddress(IPAddress Address, int PrefixLength)
{
    /// <summary>As people write it: <c>10.0.0.5/24</c>, or the bare address where its prefix is unknown (ARP).</summary>
    public override string ToString() => PrefixLength == 0 ? Address.ToString() : $"{Address}/{PrefixLength}";
}

/// <summary>The addresses of a running guest, as libvirt knows them: the DHCP leases of the libvirt networks it is on,
/// then the host's ARP table for what those do not cover (a guest on a bridge, or with an address of its own).</summary>
internal static class GuestAddresses
{
    /// <summary>The running <paramref name="domain"/>'s addresses, those of its interfaces in order; empty while it has
    /// none. Its <paramref name="interfaces"/> (from its XML) tell whom to ask: the leases only for an interface on a
    /// libvirt network, and no one for a domain without interfaces.</summary>
    public static IReadOnlyList<GuestAddress> Of(Domain domain, IReadOnlyList<GuestInterface> interfaces)
    {
        ArgumentNullException.ThrowIfNull(domain);
        ArgumentNullException.ThrowIfNull(interfaces);
        if (interfaces.Count == 0)
        {
            return [];
        }
        var found = interfaces.Any(nic => nic.Attachment.Type == AttachmentType.Network) ? Read(domain, InterfaceAddressSource.Lease) : [];
        if (found.Count == 0)
        {
            found = Read(domain, InterfaceAddressSource.Arp);
        }
        return found;
    }

    private static IReadOnlyList<GuestAddress> Read(Domain domain, InterfaceAddressSource source)
    {
        try
        {
            return domain.GetInterfaceAddresses(source).SelectMany(nic => nic.Addresses).Distinct()
                .Select(address => new GuestAddress(address.Address, address.PrefixLength)).ToList();
        }
        // A source this driver cannot read (libvirt-LXC's ARP reader fails on some kernels) knows nothing, nothing more.
        catch (LibvirtException e) when (e is not OperationInvalidException && source == InterfaceAddressSource.Arp)
        {
            return [];
        }
    }
}
