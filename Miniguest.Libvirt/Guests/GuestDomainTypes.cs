namespace Miniguest.Libvirt.Guests;

/// <summary>How QEMU runs a VM: with hardware virtualisation, or emulated in software.</summary>
public enum VirtType
{
    /// <summary>Hardware virtualisation through <c>/dev/kvm</c> (domain type <c>kvm</c>).</summary>
    Kvm,

    /// <summary>QEMU's software emulator, TCG (domain type <c>qemu</c>): slow, but works everywhere.</summary>
    Qemu,
}

/// <summary>How a VM sees the host's store.</summary>
public enum StoreShareType
{
    /// <summary>virtio-9p, exported read-only by QEMU itself.</summary>
    NineP,

    /// <summary>virtiofs, through a <c>virtiofsd</c> per share; needs shared memory backing.</summary>
    Virtiofs,
}

/// <summary>What Miniguest records in the domains it defines, in its own XML namespace: which guest the
/// domain belongs to, and which profile generation and store path it was defined from.</summary>
public sealed record GuestMetadata(string GuestName, int? Generation = null, string? StorePath = null)
{
    /// <summary>The XML namespace of Miniguest's domain metadata.</summary>
    public const string Namespace = "urn:miniguest:domain:1";
}

/// <summary>A container's user namespace: container uids and gids 0 to <see cref="Count"/> - 1 are host ids
/// from <see cref="UidTarget"/> and <see cref="GidTarget"/> on, so container root is no one on the host.</summary>
public sealed record UserNamespaceMapping(uint UidTarget, uint GidTarget, uint Count);
