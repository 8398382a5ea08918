namespace Miniguest.Core;

/// <summary>A libvirt-LXC container whose root is a per-guest directory, with the host's Nix store and the
/// guest's <c>boot</c> directory bound read-only, running the guest's init.</summary>
internal sealed record ContainerDomain
{
    /// <summary>The domain's name.</summary>
    public required string Name { get; init; }

    /// <summary>The domain's UUID; <see langword="null"/> lets libvirt choose one.</summary>
    public Guid? Uuid { get; init; }

    /// <summary>The host directory that becomes the container's <c>/</c>.</summary>
    public required string RootDirectory { get; init; }

    /// <summary>The host directory bound at <c>/boot</c>, normally <c>/etc/miniguests/NAME/boot</c>.</summary>
    public required string BootSource { get; init; }

    /// <summary>The host directory holding the Nix store the guest was built from, bound read-only at
    /// <see cref="StoreTarget"/>.</summary>
    public required string StoreSource { get; init; }

    /// <summary>Where the store is inside the container: the store directory the guest's system refers to.</summary>
    public required string StoreTarget { get; init; }

    /// <summary>The program the container runs as its init.</summary>
    public string Init { get; init; } = "/boot/init";

    /// <summary>Memory limit in MiB.</summary>
    public int MemoryMiB { get; init; } = 256;

    /// <summary>Virtual CPUs.</summary>
    public int VCpus { get; init; } = 1;

    /// <summary>The user namespace the container runs in, or <see langword="null"/> to share the host's ids. Its root
    /// directory must then belong to the mapped root (Miniguest.Core's <c>ContainerRoot.Prepare</c> does that).</summary>
    public UserNamespaceMapping? UserNamespace { get; init; }

    /// <summary>Capabilities the container's init starts without, beyond libvirt's defaults.
    /// <see cref="ContainerCapabilities.StoreWriters"/> keeps a container without a user namespace from writing
    /// to the host's store (Miniguest.Core's <c>StoreGuard</c> decides which).</summary>
    public ContainerCapabilities DropCapabilities { get; init; }

    /// <summary>Further host directories bound into the container, after the store.</summary>
    public ValueList<SharedDirectory> Shares { get; init; } = [];

    /// <summary>The container's network interfaces, veth pairs, in order (<c>eth0</c> first inside).</summary>
    public ValueList<GuestInterface> Interfaces { get; init; } = [];

    /// <summary>Whether a container without <see cref="Interfaces"/> lives in the host's network namespace: it then sees
    /// and uses the host's interfaces, ports, loopback services and abstract unix sockets. Otherwise it has a network
    /// namespace of its own (<c>&lt;features&gt;&lt;privnet/&gt;</c>), with only <c>lo</c> when it has no interface.
    /// A container with interfaces always has its own.</summary>
    public bool SharesHostNetwork { get; init; }

    /// <summary>The host directory of the guest's credentials, bound read-only at <see cref="GuestCredentials.ContainerDirectory"/>
    /// and named to its init by <c>CREDENTIALS_DIRECTORY</c>; <see langword="null"/> for none.</summary>
    public string? CredentialsDirectory { get; init; }

    /// <summary>Whether the container has a second console, the channel of Miniguest's agent (<see cref="GuestChannel"/>).</summary>
    public bool AgentChannel { get; init; }

    /// <summary>Miniguest's record of the guest, or <see langword="null"/> for an unmarked domain.</summary>
    public GuestMetadata? Metadata { get; init; }
}
