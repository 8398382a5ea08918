namespace Miniguest.Core;

/// <summary>What a guest's network interface is plugged into.</summary>
public enum AttachmentType
{
    /// <summary>A libvirt network (<c>&lt;interface type='network'&gt;</c>), such as libvirt's NATed <c>default</c>.</summary>
    Network,

    /// <summary>An existing bridge on the host (<c>&lt;interface type='bridge'&gt;</c>), for guests on the host's LAN.</summary>
    Bridge,
}

/// <summary>Where a guest's interface is plugged in: a libvirt network or a host bridge, by name.</summary>
public sealed record NetworkAttachment(AttachmentType Type, string Source)
{
    /// <inheritdoc/>
    public override string ToString() => $"{(Type == AttachmentType.Network ? "network" : "bridge")} '{Source}'";
}

/// <summary>A guest's network interface: a virtio NIC in a VM, a veth pair for a container. Its MAC address is the
/// guest's for its whole life, so that its DHCP lease, and so its address, stay.</summary>
public sealed record GuestInterface(NetworkAttachment Attachment, string MacAddress);
