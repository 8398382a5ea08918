using Miniguest.Libvirt;

namespace Miniguest.Core;

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
        GuestVolumes.Prepare(paths, guest.Name, config.GuestType, config.Volumes, ids);
        GuestCredentials.Write(paths, guest.Name, definition.CredentialChanges, ids);
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
        var credentials = GuestCredentials.Ids(paths, guest.Name);
        var definition = Build(connection, guest.Name, system, metadata, options, paths, mounts, userNamespaces, credentials, existing, (own, inUse) =>
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
            : Build(connection, guest.Name, system, metadata, options, paths, mounts, userNamespaces, credentials, existing, (_, _) => allocated);
    }

    /// <summary>The domain of guest <paramref name="name"/> of <paramref name="system"/>, on the host of
    /// <paramref name="connection"/>, whose files are at <paramref name="hostPaths"/>, whose libvirtd has
    /// <paramref name="mounts"/> and where the guest has the credentials <paramref name="credentials"/>: this host's, or
    /// another's, where <paramref name="idRange"/> gives a container in a user namespace its id range, from the range its
    /// domain maps now and those the host's other domains map.</summary>
    internal GuestDomainDefinition Build(Connection connection, GuestName name, GuestSystem system, GuestMetadata metadata, DomainOptions options,
        MiniguestPaths hostPaths, MountTable mounts, bool userNamespaces, IReadOnlyList<string> credentials, ExistingDomain existing,
        Func<UserNamespaceMapping?, IReadOnlyCollection<UserNamespaceMapping>, UserNamespaceMapping> idRange)
    {
        if (options is { OnlyTheseCredentials: true, Credentials: var declared })
        {
            var kept = declared ?? new Dictionary<string, byte[]?>();
            options = options with
            {
                Credentials = kept.Concat(credentials.Where(id => !kept.ContainsKey(id)).Select(id => KeyValuePair.Create(id, (byte[]?)null)))
                    .ToDictionary(StringComparer.Ordinal),
                OnlyTheseCredentials = false,
            };
        }
        foreach (var (id, content) in options.Credentials ?? new Dictionary<string, byte[]?>())
        {
            GuestCredentials.RequireId(id);
            if (content?.Length > GuestCredentials.MaxBytes)
            {
                throw new InvalidDomainOptionsException($"credential '{id}' is larger than {GuestCredentials.MaxBytes} bytes, systemd's limit");
            }
        }
        DomainOptionsCheck.Check(connection, name, system.Config.GuestType, options);
        var ids = system.Config.GuestType == GuestType.Lxc && userNamespaces
            ? idRange(existing.Own is { } own ? DomainXml.ReadIdRanges(own.Xml).FirstOrDefault() : null, OtherIdRanges(connection, name))
            : null;
        // The host's capabilities (a large answer, slow over SSH) only where the VM takes its virtualisation from them.
        var virtualization = system.Config.GuestType == GuestType.Qemu && options.VirtType is null && existing.Own?.Description.Vm is null
            ? HostVirtualization.Choose(connection)
            : (VirtType?)null;
        var host = new HostFacts(mounts, virtualization, userNamespaces,
            connection.TryGetNetwork(DomainOptions.DefaultNetwork, out var active) && active ? DomainOptions.DefaultNetwork : null)
        {
            ContainerIds = ids,
            Credentials = GuestCredentials.After(credentials, options.Credentials),
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

    /// <summary>Refuses to start <paramref name="domain"/>, guest <paramref name="name"/>'s, where its guest could write to
    /// the host's store (the host may have changed since it was defined: a read-only view gone, say), whose kernel, initrd
    /// or <c>boot</c> share lead out of the store (a domain defined by an older Miniguest names them through the guest's
    /// links), or whose shares are not safe to share now (<see cref="ShareSourceGuard"/>: a directory swapped for a link
    /// since, say); says what protects the store otherwise.</summary>
    /// <exception cref="UnprotectedStoreException">Nothing keeps the guest from writing to the host's store.</exception>
    /// <exception cref="GuestFileException">A file the domain boots from lies outside the store.</exception>
    /// <exception cref="UnsafeShareException">A share's directory is not safe to share.</exception>
    /// <exception cref="GuestStateException">A volume is not the guest's own as Miniguest made it (<see cref="GuestVolumes.CheckAtStart"/>).</exception>
    /// <exception cref="FormatException">The domain is not of the shape Miniguest defines (edited since, say).</exception>
    public StoreProtection EnsureSafeToStart(GuestDomain domain, GuestName name)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var description = domain.Description;
        var protection = StartSafety.EnsureProtected(description, MountTable.OfLibvirtd(), NixStore.Resolve);
        ShareSourceGuard.Check(name, description, paths, () => OtherGuestsShares(name), atStart: true);
        GuestVolumes.CheckAtStart(paths, name, DomainVolumes.Of(paths, name, description));
        StartSafety.RequireOwnCredentials(name, description, paths);
        StartSafety.RequireOwnNetwork(description);
        return protection;
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
