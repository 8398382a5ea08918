using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>Settings of a guest's domain that <c>create</c> takes; <see langword="null"/> keeps what the domain
/// has (or the default, for a new one).</summary>
public sealed record DomainOptions
{
    /// <summary>Memory in MiB (default 1024 for VMs, 512 for containers).</summary>
    public int? MemoryMiB { get; init; }

    /// <summary>Virtual CPUs (default 1).</summary>
    public int? VCpus { get; init; }

    /// <summary>KVM or software emulation (default: KVM where the host offers it).</summary>
    public VirtType? VirtType { get; init; }

    /// <summary>Give the memory a VM's guest frees back to the host: a virtio balloon with free page reporting (default
    /// off). VMs only.</summary>
    public bool? FreePageReporting { get; init; }

    /// <summary>What the guest's network interfaces are plugged into, in order; empty for none. A new domain gets one on
    /// libvirt's <c>default</c> network where that network is active, as virt-install does, and none otherwise.
    /// Interfaces keep their MAC addresses across re-definitions.</summary>
    public IReadOnlyList<NetworkAttachment>? Interfaces { get; init; }

    /// <summary>Whether a container lives in the host's network namespace, with no interface of its own (recorded in
    /// the domain's metadata and kept). A container otherwise always has a network namespace of its own, with only
    /// <c>lo</c> when it has no interface. <see langword="null"/> keeps what the domain has; interfaces asked for end
    /// it. Containers only.</summary>
    public bool? HostNetwork { get; init; }

    /// <summary>Define the domain even where nothing keeps its guest from writing to the host's store (recorded
    /// in the domain's metadata). Off unless given.</summary>
    public bool? AllowWritableStore { get; init; }

    /// <summary>The admin's host directories for the guest's shares, by tag; a <see langword="null"/> directory takes the
    /// admin's back (the guest's own directory serves again). Tags not given keep what the domain records. A share whose
    /// build output asks for a directory of its own needs one given here: a build output never chooses one.</summary>
    public IReadOnlyDictionary<string, string?>? ShareSources { get; init; }

    /// <summary>Take over the domain of the guest's name that the original miniguest's <c>create</c> defined (a VM booting
    /// the kernel of the guest's link, with a <c>nix-store</c> share; see <see cref="TakenOverDomain"/>): the guest's domain
    /// is defined in its place with its UUID, its interfaces' MAC addresses on their networks or bridges, its memory, vCPUs
    /// and autostart, the settings given here winning. Any other domain of the guest's name is still refused, and so is
    /// the option where there is no domain to take over; a domain Miniguest defined for the guest is simply updated. Off
    /// unless given; VMs of this host only (the original defined no other).</summary>
    public bool TakeOver { get; init; }

    /// <summary>The type the caller takes the guest to be (the original miniguest's <c>create -t libvirt|lxc</c>): a guest
    /// of the other type is refused before anything is defined. <see langword="null"/>: whatever its build output says.</summary>
    public GuestType? ExpectedType { get; init; }
}

/// <summary>A guest's domain as Miniguest would define it: its XML, what keeps its guest from writing to the host's
/// store, its network interfaces, the guest's configuration it was built from, whether it gives the memory its guest
/// frees back to the host (a VM's free page reporting), and whether a container lives in the host's network namespace.</summary>
public sealed record GuestDomainDefinition(string Xml, Guid Uuid, StoreProtection Protection, ValueList<GuestInterface> Interfaces,
    GuestConfig Config, bool FreePageReporting = false, bool HostNetwork = false)
{
    /// <summary>The host directories the admin gave the guest's shares; the other shares are in the guest's own.</summary>
    public ValueList<GivenShareSource> GivenShareSources { get; init; } = [];

    /// <summary>What the domain keeps of the original miniguest's domain it takes over (<see cref="DomainOptions.TakeOver"/>);
    /// <see langword="null"/> when it takes over none.</summary>
    public TakenOverDomain? TakenOver { get; init; }

    /// <summary>The domain <see cref="Xml"/> describes, as built.</summary>
    internal DomainDescription Description { get; init; } = null!;

    /// <summary>The tags of the shares in the guest's own directories (<see cref="MiniguestPaths.ShareDirectory"/>).</summary>
    public IEnumerable<string> OwnShareTags => Config.Shares.Select(share => share.Tag).Where(tag => GivenShareSources.All(given => given.Tag != tag));
}

/// <summary>Where a guest's domain stands against its installed generation.</summary>
public enum GuestStatus
{
    /// <summary>No domain is defined for the guest.</summary>
    NotDefined,

    /// <summary>The domain is defined and not running.</summary>
    Stopped,

    /// <summary>The domain runs the guest's current generation.</summary>
    Current,

    /// <summary>The domain runs another generation than the current one: restart it to run the current one.</summary>
    Outdated,
}

/// <summary>
/// A guest's libvirt domain: defines it from the guest's files (a VM or a container from its
/// <c>guestType</c>), re-syncs it after an upgrade, and finds it again. Only the domain Miniguest defined for the guest
/// is ever changed: the one whose UUID it recorded then, and that carries its metadata. Any other domain of the same
/// name belongs to someone else, even one with a copy of that metadata.
/// </summary>
/// <param name="paths">Where the guests' records are.</param>
/// <param name="connector">How libvirt is reached.</param>
/// <param name="requestedUri">The URI the command was told to act on (<c>-c</c>), if any: a guest whose domain that
/// connection does not hold, and that was defined on another URI, is refused there, naming that URI.</param>
internal sealed class GuestDomains(MiniguestPaths paths, ILibvirtConnector connector, string? requestedUri = null)
{
    /// <summary>How libvirt is reached.</summary>
    public ILibvirtConnector Connector => connector;

    /// <summary>The libvirt URI for a guest type when none is given: <c>qemu:///system</c> or <c>lxc:///</c>.</summary>
    public static string DefaultUri(GuestType type) => type == GuestType.Lxc ? "lxc:///" : "qemu:///system";

    /// <summary>The URI the guest's domain was defined on, or <see langword="null"/> if it never was.</summary>
    public string? RecordedUri(Guest guest) => RecordedUri(guest.Name);

    private string? RecordedUri(GuestName name)
    {
        var recorded = paths.ConnectionUriFile(name);
        return File.Exists(recorded) ? SmallFile.ReadText(recorded).Trim() : null;
    }

    /// <summary>The URI to act on <paramref name="guest"/> at: <paramref name="requested"/> if given, else the one its
    /// domain was defined on, else the default for its type.</summary>
    public string UriFor(Guest guest, string? requested) => requested ?? RecordedUri(guest) ?? DefaultUri(guest.LoadConfig().GuestType);

    /// <summary>The guest's domain, or <see langword="null"/> if none is defined.</summary>
    /// <exception cref="ForeignDomainException">A domain of that name exists that Miniguest did not define for the guest.</exception>
    /// <exception cref="GuestDomainElsewhereException">The connection is the one the command was told to act on, it holds no
    /// domain of the guest's, and the guest's domain was defined on another URI.</exception>
    public GuestDomain? Find(Connection connection, GuestName name)
    {
        if (!connection.TryGetDomain(name.Value, out var domain))
        {
            return connection.RequestedUri == requestedUri && RecordedUri(name) is { } recorded && recorded != requestedUri
                ? throw new GuestDomainElsewhereException(name.Value, recorded, requestedUri)
                : null;
        }
        return AsOwn(domain, name) ?? throw Foreign(connection, domain, name);
    }

    // The domain as the guest's when it is the one Miniguest defined for guest name: its UUID the one recorded, its
    // metadata the guest's; else null. Its description is read only where its UUID is the one recorded.
    private GuestDomain? AsOwn(Domain domain, GuestName name)
    {
        if (RecordedUuid(name) != domain.Uuid)
        {
            return null;
        }
        var found = new GuestDomain(domain, domain.GetXml(DomainXmlFlags.Inactive));
        return found.Metadata?.GuestName == name.Value ? found : null;
    }

    private ForeignDomainException Foreign(Connection connection, Domain domain, GuestName name)
    {
        using (domain)
        {
            return new ForeignDomainException(name.Value, connection.RequestedUri,
                OriginalDomain.Mismatch(domain.GetXml(DomainXmlFlags.Inactive), paths.Link(name)) is null);
        }
    }

    /// <summary>The guest's domain.</summary>
    /// <exception cref="GuestHasNoDomainException">The guest has no domain.</exception>
    /// <exception cref="ForeignDomainException">A domain of that name exists that Miniguest did not define for the guest.</exception>
    public GuestDomain Get(Connection connection, GuestName name) =>
        Find(connection, name) ?? throw new GuestHasNoDomainException(name.Value);

    /// <summary>Defines <paramref name="definition"/>, built by <see cref="Build(Connection, Guest, DomainOptions, ExistingDomain, bool, GuestSystem)"/> to be
    /// defined, as the guest's domain (or updates the one it has): a container's root made ready first, the domain's URI
    /// and UUID recorded. The roots of the generations it needs are made by <see cref="Core.Define.HereAsync"/>, which
    /// defines it.</summary>
    internal Domain Define(Connection connection, Guest guest, GuestDomainDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(guest);
        ArgumentNullException.ThrowIfNull(definition);
        var config = definition.Config;
        var ids = definition.Description.Container?.UserNamespace;
        if (config.GuestType == GuestType.Lxc)
        {
            CrashPoint.Reach(CrashPoint.PrepareContainerRoot);
            ContainerRoot.Prepare(paths.ContainerRoot(guest.Name), ids, paths.FormerContainerRoot(guest.Name));
        }
        GuestShareDirectories.Prepare(paths, guest.Name, definition.OwnShareTags, ids);
        return DefineRecorded(connection, guest.Name, definition);
    }

    /// <summary>Records the domain's URI and UUID, then defines it; what it needs on its host is ready.</summary>
    internal Domain DefineRecorded(Connection connection, GuestName name, GuestDomainDefinition definition)
    {
        var state = new GuestStateDirectory(paths, name);
        // Recorded first: a domain defined but not recorded would be no one's (foreign) after a crash between the two,
        // while a record of a domain not yet defined is only a record. A definition libvirt refuses puts the records back
        // as they were: a record naming the UUID of a domain taken over would make that domain pass for the guest's.
        var records = new[] { paths.ConnectionUriFile(name), paths.DomainUuidFile(name) }
            .Select(file => (File: file, Before: File.Exists(file) ? SmallFile.ReadText(file) : null)).ToList();
        CrashPoint.Reach(CrashPoint.RecordDomain);
        state.Write(paths.ConnectionUriFile(name), connection.RequestedUri);
        state.Write(paths.DomainUuidFile(name), definition.Uuid.ToString("D"));
        CrashPoint.Reach(CrashPoint.DefineDomain);
        Domain domain;
        try
        {
            domain = connection.DefineDomain(definition.Xml);
        }
        catch (LibvirtException)
        {
            foreach (var (file, before) in records)
            {
                if (before is null)
                {
                    state.DeleteFile(file);
                }
                else
                {
                    state.Write(file, before);
                }
            }
            throw;
        }
        try
        {
            if (definition.TakenOver is { } takenOver)
            {
                KeepTakenOver(domain, name, takenOver);
            }
            return domain;
        }
        catch
        {
            domain.Dispose();
            throw;
        }
    }

    // A domain taken over starts with the host as it did. One that runs is marked as the guest's in its live description
    // too, so that every command takes it for the guest's while it runs on its old definition: it runs no generation
    // Miniguest knows, and shows as outdated until it restarts.
    private static void KeepTakenOver(Domain domain, GuestName name, TakenOverDomain takenOver)
    {
        if (domain.Autostart != takenOver.Autostart)
        {
            domain.Autostart = takenOver.Autostart;
        }
        try
        {
            if (domain.IsActive)
            {
                domain.SetMetadata(GuestMetadata.Namespace, DomainXml.MetadataPrefix, DomainXml.MetadataForDomain(new GuestMetadata(name.Value)),
                    DomainModificationImpact.Live);
            }
        }
        catch (OperationInvalidException) when (!domain.IsActive)
        {
            // It stopped meanwhile: its next start is on the new definition.
        }
    }

    /// <summary>The domain <see cref="GuestHost.DefineAsync"/> would define, from what the host offers now
    /// (<see cref="GuestDomainBuilder"/>) and the domain it has (<paramref name="existing"/>, found by the caller once for
    /// the whole command); with <paramref name="allocate"/>, the domain to define: a container's id range is then
    /// allocated and recorded (<see cref="ContainerIds.Allocate"/>), else only looked at.</summary>
    /// <param name="connection">The connection to the domain's daemon.</param>
    /// <param name="guest">The guest.</param>
    /// <param name="options">The settings asked for.</param>
    /// <param name="existing">The domain the definition starts from (<see cref="FindExisting"/>).</param>
    /// <param name="allocate">Whether the domain is to be defined.</param>
    /// <param name="system">The guest's system, where the command has read it already; else it is read here.</param>
    /// <exception cref="UnprotectedStoreException">Nothing would keep the guest from writing to the host's store.</exception>
    internal GuestDomainDefinition Build(Connection connection, Guest guest, DomainOptions options, ExistingDomain existing, bool allocate,
        GuestSystem? system = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(guest);
        system ??= guest.LoadSystem();
        var ids = new ContainerIds(paths);
        var metadata = new GuestMetadata(guest.Name.Value, guest.Profile.Current?.Number, guest.StorePath);
        var (mounts, userNamespaces) = (MountTable.OfLibvirtd(), StoreGuard.UserNamespacesAvailable());
        (UserNamespaceMapping? Existing, IReadOnlyCollection<UserNamespaceMapping> InUse)? asked = null;
        var definition = Build(connection, guest.Name, system, metadata, options, paths, mounts, userNamespaces, existing, (own, inUse) =>
        {
            asked = (own, inUse);
            return ids.Peek(guest.Name, own, inUse);
        });
        ShareSourceGuard.Check(guest.Name, definition.Description, paths, () => OtherGuestsShares(guest.Name), atStart: false);
        if (!allocate || asked is not { } range)
        {
            return definition;
        }
        // A container's range is recorded only once nothing else refuses the domain: the one looked at, unless another
        // guest took it meanwhile.
        var allocated = ids.Allocate(guest.Name, range.Existing, range.InUse);
        return allocated == definition.Description.Container!.UserNamespace
            ? definition
            : Build(connection, guest.Name, system, metadata, options, paths, mounts, userNamespaces, existing, (_, _) => allocated);
    }

    /// <summary>The domain of guest <paramref name="name"/> of <paramref name="system"/>, on the host of
    /// <paramref name="connection"/>, whose files are at <paramref name="hostPaths"/> and whose libvirtd has
    /// <paramref name="mounts"/>: this host's, or another's, where <paramref name="idRange"/> gives a container in a
    /// user namespace its id range, from the range its domain maps now and those the host's other domains map.</summary>
    internal GuestDomainDefinition Build(Connection connection, GuestName name, GuestSystem system, GuestMetadata metadata, DomainOptions options,
        MiniguestPaths hostPaths, MountTable mounts, bool userNamespaces, ExistingDomain existing,
        Func<UserNamespaceMapping?, IReadOnlyCollection<UserNamespaceMapping>, UserNamespaceMapping> idRange)
    {
        CheckOptions(connection, name, system.Config.GuestType, options);
        var ids = system.Config.GuestType == GuestType.Lxc && userNamespaces
            ? idRange(existing.Own is { } own ? DomainXml.ReadIdRanges(own.Xml).FirstOrDefault() : null, OtherIdRanges(connection, name))
            : null;
        var host = new HostFacts(mounts, HostVirtualization.Choose(connection), userNamespaces,
            connection.TryGetNetwork(GuestDomainBuilder.DefaultNetwork, out var active) && active ? GuestDomainBuilder.DefaultNetwork : null)
        {
            ContainerIds = ids,
        };
        return GuestDomainBuilder.Build(name, system, metadata, options, existing.Own?.Description, hostPaths, host, existing.TakenOver);
    }

    /// <summary>The domain a definition of guest <paramref name="name"/> starts from on <paramref name="connection"/>: its
    /// own (<see cref="Find"/>); or, taking over, what is kept of the domain of its name that the original miniguest's
    /// create defined, and of no other (a guest whose domain is Miniguest's has nothing to take over). The caller disposes
    /// of it.</summary>
    /// <exception cref="ForeignDomainException">A domain of that name is neither the guest's nor, taking over, the original's.</exception>
    internal ExistingDomain FindExisting(Connection connection, GuestName name, bool takeOver, MiniguestPaths hostPaths)
    {
        if (!takeOver)
        {
            return new ExistingDomain(Find(connection, name), null);
        }
        if (!connection.TryGetDomain(name.Value, out var domain))
        {
            throw new InvalidDomainOptionsException($"there is no domain '{name}' on {connection.RequestedUri} to take over");
        }
        if (AsOwn(domain, name) is { } own)
        {
            return new ExistingDomain(own, null);
        }
        using (domain)
        {
            var xml = domain.GetXml(DomainXmlFlags.Inactive);
            return OriginalDomain.Mismatch(xml, hostPaths.Link(name)) is { } why
                ? throw new ForeignDomainException(name.Value, connection.RequestedUri, notTheOriginals: why)
                : new ExistingDomain(null, OriginalDomain.Read(xml, domain.Uuid, domain.Autostart, domain.IsActive));
        }
    }

    // The host ids the other domains on the connection map their user namespaces onto: none of them is given to another.
    private static List<UserNamespaceMapping> OtherIdRanges(Connection connection, GuestName name)
    {
        var ranges = new List<UserNamespaceMapping>();
        foreach (var domain in connection.ListAllDomains())
        {
            using (domain)
            {
                if (domain.Name != name.Value)
                {
                    ranges.AddRange(DomainXml.ReadIdRanges(domain.GetXml(DomainXmlFlags.Inactive)));
                }
            }
        }
        return ranges;
    }

    // What was asked must fit the guest and the host, so that create refuses it rather than a later start.
    private static void CheckOptions(Connection connection, GuestName name, GuestType type, DomainOptions options)
    {
        if (options.ExpectedType is { } expected && expected != type)
        {
            throw new InvalidDomainOptionsException(
                $"'{name}' is {(type == GuestType.Lxc ? "a container" : "a VM")}, not {(expected == GuestType.Lxc ? "a container" : "a VM")} as -t says");
        }
        if (type == GuestType.Lxc && options.VirtType is not null)
        {
            throw new InvalidDomainOptionsException($"'{name}' is a container: a virtualisation type (kvm or qemu) applies to VMs only");
        }
        if (type == GuestType.Lxc && options.FreePageReporting is not null)
        {
            throw new InvalidDomainOptionsException($"'{name}' is a container: free page reporting applies to VMs only (a container's memory is the host's)");
        }
        if (type == GuestType.Lxc && options.TakeOver)
        {
            throw new InvalidDomainOptionsException($"'{name}' is a container: only a VM's domain can be taken over (the original miniguest "
                + "defined no libvirt domain for a container)");
        }
        if (options.HostNetwork == true && type != GuestType.Lxc)
        {
            throw new InvalidDomainOptionsException($"'{name}' is a VM: sharing the host's network namespace applies to containers only");
        }
        if (options.HostNetwork == true && options.Interfaces is { Count: > 0 })
        {
            throw new InvalidDomainOptionsException("a container that shares the host's network namespace has no interface of its own");
        }
        foreach (var attachment in options.Interfaces ?? [])
        {
            CheckAttachment(connection, attachment);
        }
        var host = options.MemoryMiB is null && options.VCpus is null ? null : connection.GetNodeInfo();
        if (options.MemoryMiB is { } memory && host!.MemoryKiB is var hostKiB && (ulong)memory * 1024 > hostKiB)
        {
            throw new InvalidDomainOptionsException($"{memory} MiB of memory is more than the host has ({hostKiB / 1024} MiB)");
        }
        if (options.VCpus is { } vcpus && host!.Cpus is var cpus && vcpus > cpus)
        {
            throw new InvalidDomainOptionsException($"{vcpus} vCPUs are more than the host has CPUs ({cpus})");
        }
    }

    private static void CheckAttachment(Connection connection, NetworkAttachment attachment)
    {
        switch (attachment.Type)
        {
            case AttachmentType.Network when !connection.TryGetNetwork(attachment.Source, out _):
                throw new InvalidDomainOptionsException(
                    $"there is no libvirt network '{attachment.Source}' on {connection.RequestedUri} (virsh net-list --all lists them)");
            case AttachmentType.Bridge when !HostBridges.IsValidName(attachment.Source):
                throw new InvalidDomainOptionsException($"'{attachment.Source}' is not a network interface name");
            // Only this host's bridges can be looked at; a remote daemon refuses a missing one when the guest starts.
            case AttachmentType.Bridge when IsLocal(connection.RequestedUri) && !HostBridges.Exists(attachment.Source):
                throw new InvalidDomainOptionsException($"there is no bridge '{attachment.Source}' on this host (ip link show type bridge lists them)");
        }
    }

    private static bool IsLocal(string uri) => Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.Host.Length == 0;

    /// <summary>Refuses to start <paramref name="domain"/>, guest <paramref name="name"/>'s, where its guest could write to
    /// the host's store (the host may have changed since it was defined: a read-only view gone, say), whose kernel, initrd
    /// or <c>boot</c> share lead out of the store (a domain defined by an older Miniguest names them through the guest's
    /// links), or whose shares are not safe to share now (<see cref="ShareSourceGuard"/>: a directory swapped for a link
    /// since, say); says what protects the store otherwise.</summary>
    /// <exception cref="UnprotectedStoreException">Nothing keeps the guest from writing to the host's store.</exception>
    /// <exception cref="GuestFileException">A file the domain boots from lies outside the store.</exception>
    /// <exception cref="UnsafeShareException">A share's directory is not safe to share.</exception>
    /// <exception cref="FormatException">The domain is not of the shape Miniguest defines (edited since, say).</exception>
    public StoreProtection EnsureSafeToStart(GuestDomain domain, GuestName name)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var description = domain.Description;
        var protection = EnsureSafeToStart(description, MountTable.OfLibvirtd(), NixStore.Resolve);
        ShareSourceGuard.Check(name, description, paths, () => OtherGuestsShares(name), atStart: true);
        RequireOwnNetwork(description);
        return protection;
    }

    /// <summary>Refuses a container that would live in the host's network namespace (no interface and no
    /// <c>&lt;privnet/&gt;</c>: a domain defined by an earlier Miniguest) unless an admin asked for that.</summary>
    /// <exception cref="GuestStateException">Such a container.</exception>
    internal static void RequireOwnNetwork(DomainDescription description)
    {
        if (description.Container is { SharesHostNetwork: true, Metadata: { HostNetwork: false } metadata })
        {
            throw new GuestStateException($"guest '{metadata.GuestName}': its domain would share the host's network namespace (its loopback "
                + "services, abstract sockets and ports), which no admin asked for: define it again to give it a namespace of its own "
                + "(miniguest create), or share the host's on purpose (create --network host)");
        }
    }

    // Refused rather than unchecked: a share of a guest there could hold this one's.
    private Connection OpenForOthers(string uri, IReadOnlyList<GuestName> names)
    {
        try
        {
            return connector.Open(uri);
        }
        catch (LibvirtException e)
        {
            throw new GuestStateException($"the shares of {string.Join(", ", names.Select(other => $"'{other}'"))} on {uri} cannot be read "
                + $"({e.Message}), and no guest's share may lie in another's: bring that daemon back, or remove those guests");
        }
    }

    /// <summary>The shares of the domains of this host's other guests, as each names them: no share of one guest may lie
    /// in, on or above another's, where that guest could swap what the other opens.</summary>
    /// <exception cref="GuestStateException">A daemon holding one of them does not answer: refused rather than unchecked.</exception>
    internal IReadOnlyList<ShareSourceGuard.OtherShare> OtherGuestsShares(GuestName name)
    {
        var guestsDirectory = Path.Combine(paths.State, "guests");
        if (!Directory.Exists(guestsDirectory))
        {
            return [];
        }
        var byUri = new Dictionary<string, List<GuestName>>(StringComparer.Ordinal);
        foreach (var file in DirectoryNames.Read(guestsDirectory))
        {
            if (!GuestName.TryParse(file, out var other) || other == name || RecordedUuid(other) is null || !File.Exists(paths.ConnectionUriFile(other)))
            {
                continue;
            }
            var uri = SmallFile.ReadText(paths.ConnectionUriFile(other)).Trim();
            // Another host's guest shares that host's directories, not this one's.
            if (SshTarget.FromLibvirtUri(uri) is null)
            {
                (byUri.TryGetValue(uri, out var names) ? names : byUri[uri] = []).Add(other);
            }
        }
        var shares = new List<ShareSourceGuard.OtherShare>();
        foreach (var (uri, names) in byUri)
        {
            using var connection = OpenForOthers(uri, names);
            foreach (var other in names)
            {
                if (!connection.TryGetDomain(other.Value, out var domain))
                {
                    continue;
                }
                using (domain)
                {
                    if (domain.Uuid != RecordedUuid(other))
                    {
                        continue;
                    }
                    var sources = DomainXml.Read(domain.GetXml(DomainXmlFlags.Inactive)).Shares;
                    shares.AddRange(sources.Select(share => new ShareSourceGuard.OtherShare(other.Value, share.Source)));
                }
            }
        }
        return shares;
    }

    /// <summary>As <see cref="EnsureSafeToStart(GuestDomain, GuestName)"/>, for the domain of <paramref name="description"/> on a host
    /// whose libvirtd has <paramref name="mounts"/>, and where <paramref name="requireInStore"/> resolves a path and refuses
    /// it outside the store given: this host's, or another's.</summary>
    internal static StoreProtection EnsureSafeToStart(DomainDescription description, MountTable mounts, Func<string, string, string> requireInStore)
    {
        foreach (var (path, store) in BootFiles(description, mounts))
        {
            requireInStore(path, store);
        }
        return description.Container is { } container ? StoreGuard.EnsureProtected(container) : StoreGuard.EnsureProtected(description.Vm!, mounts);
    }

    /// <summary>The files the domain of <paramref name="description"/> boots from, each with the store it must lie in: virtiofs
    /// shares boot through the read-only view of the store, where the view is what protects it.</summary>
    internal static IReadOnlyList<(string Path, string Store)> BootFiles(DomainDescription description, MountTable mounts)
    {
        if (description.Container is { } container)
        {
            return [(container.BootSource, NixStore.DefaultDirectory)];
        }
        var vm = description.Vm!;
        var bootStore = StoreView.ForVirtiofs(mounts) is { Protection: StoreProtection.ReadOnlyStoreView, Directory: { } view }
            && vm.StoreShare == StoreShareType.Virtiofs ? view : NixStore.DefaultDirectory;
        return [(vm.Kernel, NixStore.DefaultDirectory), (vm.Initrd, NixStore.DefaultDirectory), (vm.BootSource, bootStore)];
    }

    /// <summary>Where the domain stands against the guest's installed generation.</summary>
    public GuestStatus Status(Domain? domain, Guest guest) => Status(domain, guest.Name, guest.StorePath);

    /// <summary>Where the domain of guest <paramref name="name"/> stands against the generation of
    /// <paramref name="installedStorePath"/>.</summary>
    internal GuestStatus Status(Domain? domain, GuestName name, string? installedStorePath) =>
        GuestDomainSurvey.Status(domain is null ? null : Describe(domain, name), installedStorePath);

    /// <summary>What the current description of guest <paramref name="name"/>'s domain says (the live one while it runs:
    /// the generation it runs).</summary>
    internal GuestDomainInfo Describe(Domain domain, GuestName name) => new GuestDomainSurvey(paths).Describe(domain, name, domain.IsActive, mounts: null);

    private Guid? RecordedUuid(GuestName name) => new GuestStateDirectory(paths, name).RecordedDomainUuid();

}

/// <summary>What a re-sync did to a guest's domain.</summary>
public enum ResyncOutcome
{
    /// <summary>The guest has no domain.</summary>
    NoDomain,

    /// <summary>The domain was already defined with the guest's current generation.</summary>
    Unchanged,

    /// <summary>The domain was defined again, with the guest's current generation.</summary>
    Updated,
}

/// <summary>What a survey found of a guest's domain.</summary>
/// <param name="IsActive">Whether it runs.</param>
/// <param name="DefinedByMiniguest">Whether it is the guest's domain; if not, Miniguest leaves it alone.</param>
/// <param name="Metadata">Miniguest's metadata in its current description (the live one while it runs), when the survey
/// read it: always for a running domain of Miniguest's.</param>
/// <param name="Protection">What keeps its guest from writing to the host's store, when the survey assessed it.</param>
/// <param name="Autostart">Whether it starts with the host.</param>
/// <param name="Addresses">The addresses of a running domain of Miniguest's (<see cref="GuestAddresses"/>).</param>
/// <param name="Interfaces">Its network interfaces, when the survey read its whole description.</param>
/// <param name="FreePageReporting">Whether a VM gives the memory its guest frees back to the host, when the survey read its
/// whole description; <see langword="null"/> for a container.</param>
/// <param name="HostNetwork">Whether a container lives in the host's network namespace, when the survey read its whole
/// description; <see langword="null"/> for a VM.</param>
/// <param name="MemoryMiB">Its memory, when the survey read its whole description.</param>
/// <param name="VCpus">Its vCPUs, when the survey read its whole description.</param>
internal sealed record GuestDomainInfo(bool IsActive, bool DefinedByMiniguest, GuestMetadata? Metadata, StoreProtection? Protection,
    bool Autostart = false, IReadOnlyList<GuestAddress>? Addresses = null, ValueList<GuestInterface>? Interfaces = null,
    bool? FreePageReporting = null, bool? HostNetwork = null, int? MemoryMiB = null, int? VCpus = null);

/// <summary>Domain settings that do not fit the guest (a virtualisation type or free page reporting for a container) or the
/// host (a network or bridge it does not have, more memory than it has).</summary>
public sealed class InvalidDomainOptionsException(string message) : MiniguestException(message);

/// <summary>A domain of a guest's name exists but was not defined by Miniguest: it is never touched, unless it looks like one
/// the original miniguest's <c>create</c> defined and taking it over was asked for (<see cref="DomainOptions.TakeOver"/>).</summary>
public sealed class ForeignDomainException : MiniguestException
{
    internal ForeignDomainException(string name, string uri, bool looksLikeOriginal)
        : base($"domain '{name}' on {uri} was not defined by Miniguest (it has no Miniguest metadata"
            + (looksLikeOriginal ? "; it looks like one the original miniguest's create defined" : "") + "); refusing to touch it")
    {
        Name = name;
        LooksLikeOriginal = looksLikeOriginal;
    }

    internal ForeignDomainException(string name, string uri, string notTheOriginals)
        : base($"domain '{name}' on {uri} was not defined by Miniguest, and does not look like one the original miniguest's create "
            + $"defined ({notTheOriginals}); refusing to take it over")
    {
        Name = name;
    }

    /// <summary>The domain's name.</summary>
    public string Name { get; }

    /// <summary>Whether it looks like a domain the original miniguest's <c>create</c> defined for the guest, which
    /// <see cref="DomainOptions.TakeOver"/> takes over.</summary>
    public bool LooksLikeOriginal { get; }
}
