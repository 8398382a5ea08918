namespace Miniguest.Core;

/// <summary>
/// The files of the guests of one host: profiles and their generations, links, state, a container's root, the shares'
/// directories, the generations' garbage-collector roots. One implementation does the work
/// (<see cref="LocalGuestFiles"/>): on this host directly, and for a guest on another host there, run by the agent
/// (<see cref="MiniguestAgent"/>) that <see cref="RemoteGuestFiles"/> speaks to. Each operation that changes a guest's files
/// runs under that guest's lock on the host that holds them.
/// </summary>
internal interface IGuestFiles
{
    /// <summary>Fails as <see cref="LinkAsync"/> would, changing nothing.</summary>
    /// <exception cref="ForeignFileException">The guest's link path holds something that is not Miniguest's.</exception>
    /// <exception cref="GuestAlreadyInstalledException">The guest is installed and <paramref name="force"/> is not given.</exception>
    Task CheckAsync(GuestName name, bool force, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="storePath"/>, which the host's store holds whole, the guest profile's next generation
    /// and links the guest to the profile; returns that generation's number.</summary>
    Task<int> LinkAsync(GuestName name, string storePath, bool force, CancellationToken cancellationToken);

    /// <summary>What the host says of the guest (its current generation and system) and of itself (its libvirtd's mounts,
    /// user namespaces, the containers' id ranges), and where each of <paramref name="paths"/> really is there.</summary>
    Task<TargetFacts> DescribeAsync(GuestName name, IReadOnlyList<string> paths, CancellationToken cancellationToken);

    /// <summary>Makes ready what the guest's domain needs before it is defined: a container's root and id range, the
    /// directories of its own shares (<paramref name="shares"/>), its volumes (<paramref name="volumes"/>), its credentials (<paramref name="credentials"/>' changes,
    /// <see cref="GuestCredentials.Write"/>), and the records of the domain (<paramref name="uuid"/> at <paramref name="uri"/>,
    /// as the host names it).</summary>
    Task PrepareAsync(GuestName name, GuestType type, Guid uuid, string uri, UserNamespaceMapping? ids, IReadOnlyList<string> shares,
        IReadOnlyList<GuestVolume> volumes, IReadOnlyDictionary<string, byte[]?>? credentials, CancellationToken cancellationToken);

    /// <summary>Refuses to start the guest's domain where what it gives the guest as volumes is not as Miniguest made it
    /// there (<see cref="GuestVolumes.CheckAtStart"/>).</summary>
    /// <exception cref="GuestStateException">A volume is not the guest's own.</exception>
    Task CheckVolumesAsync(GuestName name, DomainVolumes volumes, CancellationToken cancellationToken);

    /// <summary>Points the guest's profile at generation <paramref name="to"/>, or at the one before the current.</summary>
    Task<Generation> RollbackAsync(GuestName name, int? to, CancellationToken cancellationToken);

    /// <summary>Deletes the guest's link, profile, generations and state; its data (a container's root, its shares'
    /// directories) too with <paramref name="purge"/>. A domain kept (<paramref name="keptDomain"/>) keeps the generation it
    /// is defined on rooted, unless purged. Returns the guest's data directories: kept, or purged.</summary>
    Task<IReadOnlyList<string>> UnlinkAsync(GuestName name, bool purge, bool keptDomain, CancellationToken cancellationToken);

    /// <summary>Makes <paramref name="root"/> (<see cref="GuestRoots.Defined"/> or <see cref="GuestRoots.Booted"/>) root
    /// <paramref name="storePath"/>; drops it for <see langword="null"/>.</summary>
    Task RootAsync(GuestName name, string root, string? storePath, CancellationToken cancellationToken);

    /// <summary>Each guest named that is installed: its current generation and the sizes of its volumes' images.</summary>
    Task<IReadOnlyDictionary<GuestName, InstalledGuest>> ShowAsync(IReadOnlyCollection<GuestName> names, CancellationToken cancellationToken);

    /// <summary>The guest's generations, oldest first, and the current one's number; none where it is not installed.</summary>
    Task<(IReadOnlyList<Generation> All, int? Current)> GenerationsAsync(GuestName name, CancellationToken cancellationToken);

    /// <summary>Builds <paramref name="derivation"/>, whose closure the host's store holds, or substitutes it; returns its
    /// output.</summary>
    Task<string> RealiseAsync(string derivation, CancellationToken cancellationToken);

    /// <summary>The closure of <paramref name="storePath"/> in the host's store.</summary>
    Task<IReadOnlyList<string>> ClosureAsync(string storePath, CancellationToken cancellationToken);
}
