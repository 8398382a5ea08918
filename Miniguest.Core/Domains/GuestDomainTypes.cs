namespace Miniguest.Core;

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
/// domain belongs to, which profile generation and store path it was defined from, whether its admin
/// accepted that the guest may write to the host's store, and whether a container is to share the host's network.</summary>
internal sealed record GuestMetadata(string GuestName, int? Generation = null, string? StorePath = null)
{
    /// <summary>The XML namespace of Miniguest's domain metadata.</summary>
    public const string Namespace = "urn:miniguest:domain:1";

    /// <summary>
    /// The opt-out of the store's protection: <see langword="true"/> lets a store guard (Miniguest.Core's <c>StoreGuard.EnsureProtected</c>)
    /// pass a guest that can write to the host's Nix store (and so corrupt every other guest and the host).
    /// Off unless an admin asked for it; recorded in the domain so that every later start knows it was asked for.
    /// </summary>
    public bool AllowWritableStore { get; init; }

    /// <summary>The host directories an admin gave the guest's shares, by tag: the only directories besides the guest's
    /// own that its domain may share (Miniguest.Core's <c>ShareSourceGuard</c>). Recorded in the domain so that a later
    /// definition keeps them and every start can tell them from a directory that someone else chose.</summary>
    public ValueList<GivenShareSource> ShareSources { get; init; } = [];

    /// <summary>
    /// An admin's choice that a container lives in the host's network namespace (recorded as <c>network="host"</c>), so
    /// that a later definition keeps it. Without it, a container without interfaces has a network namespace of its own.
    /// </summary>
    public bool HostNetwork { get; init; }

    /// <summary>Set on a running domain by a switch (<see cref="IGuestHost.SwitchAsync"/>) to a generation whose kernel, initrd
    /// or kernel command line differ from those the domain booted: its userspace runs <see cref="Generation"/>, the rest
    /// waits for a restart. Never in a definition.</summary>
    public bool RestartPending { get; init; }
}

/// <summary>A host directory an admin gave one of a guest's shares.</summary>
/// <param name="Tag">The share's tag.</param>
/// <param name="Directory">The host directory, an absolute path.</param>
public sealed record GivenShareSource(string Tag, string Directory);

/// <summary>A container's user namespace: container uids and gids 0 to <see cref="Count"/> - 1 are host ids
/// from <see cref="UidTarget"/> and <see cref="GidTarget"/> on, so container root is no one on the host.</summary>
internal sealed record UserNamespaceMapping(uint UidTarget, uint GidTarget, uint Count);

/// <summary>Capabilities a container's init can be started without (libvirt's <c>&lt;features&gt;&lt;capabilities&gt;</c>,
/// on top of those libvirt drops by default: CAP_SYS_MODULE, CAP_SYS_TIME, CAP_MKNOD, CAP_AUDIT_CONTROL, CAP_MAC_ADMIN).</summary>
[Flags]
internal enum ContainerCapabilities
{
    /// <summary>None beyond libvirt's defaults.</summary>
    None = 0,

    /// <summary>CAP_SYS_ADMIN: without it, container root cannot mount, and so cannot remount a read-only bind read-write.</summary>
    SysAdmin = 1,

    /// <summary>CAP_DAC_READ_SEARCH: without it, container root cannot open files by handle (<c>open_by_handle_at</c>),
    /// which reaches any file of a file system through any mount of it, such as a writable container root on the
    /// store's file system.</summary>
    DacReadSearch = 2,

    /// <summary>The capabilities a container whose root is host root must lose for its read-only binds of the
    /// store to hold (Miniguest.Core's <c>StoreProtection.DroppedCapabilities</c>).</summary>
    StoreWriters = SysAdmin | DacReadSearch,
}

/// <summary>A host directory a guest mounts besides the store and its boot directory, for its state.</summary>
/// <param name="Source">The host directory.</param>
/// <param name="Target">In a VM, the tag the guest mounts it by; in a container, the directory it is bound at.</param>
/// <param name="ReadOnly">Whether the guest may only read it (<c>&lt;readonly/&gt;</c>: QEMU or the bind refuses writes;
/// libvirt cannot make a virtiofs share read-only).</param>
internal sealed record SharedDirectory(string Source, string Target, bool ReadOnly);
