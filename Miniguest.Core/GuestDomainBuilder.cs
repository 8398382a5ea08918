
namespace Miniguest.Core;

/// <summary>What the host offers a guest's domain, as the caller found it: the building itself inspects nothing.</summary>
/// <param name="Mounts">The mount table of libvirtd's namespace (<see cref="MountTable.OfLibvirtd"/>).</param>
/// <param name="Virtualization">What a VM runs on when nothing asks otherwise (<see cref="HostVirtualization.Choose(Miniguest.Libvirt.Connection, string)"/>);
/// <see langword="null"/> where the definition takes it from elsewhere, so that the host's capabilities are not asked for.</param>
/// <param name="UserNamespaces">Whether the kernel offers containers user namespaces (<see cref="StoreGuard.UserNamespacesAvailable"/>).</param>
/// <param name="DefaultNetwork">The network a new guest is attached to when none is asked for: libvirt's
/// <see cref="DomainOptions.DefaultNetwork"/> where it is active, else <see langword="null"/>.</param>
internal sealed record HostFacts(MountTable Mounts, VirtType? Virtualization, bool UserNamespaces, string? DefaultNetwork = null)
{
    /// <summary>The host ids a container's user namespace maps to where <see cref="UserNamespaces"/> are offered: the
    /// range the host allocated to the guest (<see cref="ContainerIds"/>).</summary>
    public UserNamespaceMapping? ContainerIds { get; init; }

    /// <summary>The IDs of the credentials the guest has on the host once the domain is defined (<see cref="GuestCredentials"/>).</summary>
    public IReadOnlyList<string> Credentials { get; init; } = [];
}

/// <summary>
/// The domain Miniguest defines for a guest, from the guest's system, the settings asked for, the domain it has now (its
/// UUID and the settings not asked for are kept) and the host's facts; with what keeps the guest from writing to the
/// host's store, or the refusal when nothing would. Pure: it reads no file and calls no daemon.
/// </summary>
internal static class GuestDomainBuilder
{
    /// <summary>The domain of guest <paramref name="name"/>.</summary>
    /// <param name="name">The guest's name.</param>
    /// <param name="system">Its system, read from its link (<see cref="Guest.LoadSystem"/>).</param>
    /// <param name="metadata">What the domain records of the guest (its generation and store path); the opt-out of the
    /// store's protection is taken from <paramref name="options"/>, else kept from <paramref name="existing"/>.</param>
    /// <param name="options">The settings asked for.</param>
    /// <param name="existing">The domain's present description, or <see langword="null"/> for a new one.</param>
    /// <param name="paths">Where the guest's console log and container root are.</param>
    /// <param name="host">What the host offers.</param>
    /// <param name="takenOver">What a VM keeps of the original miniguest's domain it takes over, in place of
    /// <paramref name="existing"/> (<see cref="DomainOptions.TakeOver"/>): its UUID, memory, vCPUs and interfaces, where
    /// the settings asked for do not replace them.</param>
    /// <exception cref="UnprotectedStoreException">Nothing would keep the guest from writing to the host's store.</exception>
    /// <exception cref="FormatException">The present domain is not of the guest's type: a VM for a container, or the reverse.</exception>
    internal static GuestDomainDefinition Build(GuestName name, GuestSystem system, GuestMetadata metadata, DomainOptions options,
        DomainDescription? existing, MiniguestPaths paths, HostFacts host, TakenOverDomain? takenOver = null)
    {
        ArgumentNullException.ThrowIfNull(system);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(host);
        var existingMetadata = existing?.Metadata;
        metadata = metadata with
        {
            AllowWritableStore = options.AllowWritableStore ?? existingMetadata?.AllowWritableStore == true,
            ShareSources = GivenShareSources(name, system.Config, options.ShareSources, existingMetadata?.ShareSources ?? []),
        };
        if (takenOver is not null && (existing is not null || system.Config.GuestType == GuestType.Lxc))
        {
            throw new ArgumentException("only a VM without a domain of Miniguest's takes over another", nameof(takenOver));
        }
        if (system.Config.GuestType == GuestType.Lxc)
        {
            var existingContainer = existing is null ? null : existing.Container ?? throw new FormatException("the domain is not an LXC container");
            // The host's network only as the admin asked, now or before (recorded in the metadata); any other container,
            // an older Miniguest's without an interface included, gets a namespace of its own.
            var hostNetwork = options.HostNetwork ?? (options.Interfaces is null && existingContainer?.Metadata?.HostNetwork == true);
            var container = StoreGuard.Protect(new ContainerDomain
            {
                Name = name.Value,
                // A new domain's UUID is chosen here, so that it is recorded before the domain is defined.
                Uuid = existingContainer?.Uuid ?? Guid.NewGuid(),
                RootDirectory = paths.ContainerRoot(name),
                StoreSource = NixStore.DefaultDirectory,
                StoreTarget = NixStore.DefaultDirectory,
                BootSource = system.BootDirectory,
                MemoryMiB = options.MemoryMiB ?? existingContainer?.MemoryMiB ?? 512,
                VCpus = options.VCpus ?? existingContainer?.VCpus ?? 1,
                Interfaces = hostNetwork ? [] : Interfaces(options.Interfaces, existingContainer?.Interfaces, host.DefaultNetwork),
                SharesHostNetwork = hostNetwork,
                // A container has no disks: each volume is a directory of its own, bound after the shares.
                Shares = [.. Shares(name, system, metadata.ShareSources, paths, share => share.MountPoint),
                    .. system.Config.Volumes.Select(volume => new SharedDirectory(paths.VolumeDirectory(name, volume.Name), volume.MountPoint, ReadOnly: false))],
                Metadata = metadata with { HostNetwork = hostNetwork },
                CredentialsDirectory = host.Credentials.Count > 0 ? paths.Credentials(name) : null,
                AgentChannel = true,
            }, host.ContainerIds, host.UserNamespaces);
            return new GuestDomainDefinition(DomainXml.Write(container), container.Uuid!.Value, StoreGuard.EnsureProtected(container), container.Interfaces,
                system.Config, HostNetwork: container.SharesHostNetwork)
            {
                GivenShareSources = metadata.ShareSources,
                Description = DomainDescription.Of(container),
                CredentialChanges = options.Credentials,
            };
        }
        var existingVm = existing is null ? null : existing.Vm ?? throw new FormatException("the domain is not a Miniguest VM");
        var vm = new VmDomain
        {
            Name = name.Value,
            Uuid = existingVm?.Uuid ?? takenOver?.Uuid ?? Guid.NewGuid(),
            // The files where they really are in the store, checked there: the build output's own links are not the
            // domain's to follow (an upgrade or a rollback defines the domain again).
            Kernel = system.Kernel!,
            Initrd = system.Initrd!,
            CommandLine = KernelCommandLine.Compose(system.KernelParams, "/boot/init"),
            StoreSource = NixStore.DefaultDirectory,
            BootSource = system.BootDirectory,
            StoreShare = system.Config.StoreShare,
            MemoryMiB = options.MemoryMiB ?? existingVm?.MemoryMiB ?? takenOver?.MemoryMiB ?? 1024,
            VCpus = options.VCpus ?? existingVm?.VCpus ?? takenOver?.VCpus ?? 1,
            VirtType = options.VirtType ?? existingVm?.VirtType ?? host.Virtualization
                ?? throw new InvalidOperationException("the host's virtualisation was not asked for a VM that needs it"),
            FreePageReporting = options.FreePageReporting ?? existingVm?.FreePageReporting ?? false,
            Interfaces = Interfaces(options.Interfaces, existingVm?.Interfaces ?? takenOver?.Interfaces, host.DefaultNetwork),
            Shares = Shares(name, system, metadata.ShareSources, paths, share => share.Tag),
            Volumes = system.Config.Volumes.Select(volume => new VolumeDisk(paths.VolumeImage(name, volume.Name), volume.Name)).ToValueList(),
            ConsoleLog = paths.ConsoleLog(name),
            AgentChannel = true,
            FirmwareFiles = host.Credentials
                .Select(id => new FirmwareFile(GuestCredentials.FwCfgPrefix + id, Path.Combine(paths.Credentials(name), id))).ToValueList(),
            Metadata = metadata,
        };
        if (vm.StoreShare == StoreShareType.Virtiofs && StoreView.ForVirtiofs(host.Mounts) is { IsAvailable: true } view)
        {
            // virtiofsd follows links: both shares go through the read-only view of the store.
            vm = vm with { StoreSource = view.Directory!, BootSource = view.Translate(vm.BootSource) };
        }
        return new GuestDomainDefinition(DomainXml.Write(vm), vm.Uuid!.Value, StoreGuard.EnsureProtected(vm, host.Mounts), vm.Interfaces, system.Config,
            vm.FreePageReporting)
        {
            GivenShareSources = metadata.ShareSources,
            TakenOver = takenOver is null ? null : Kept(takenOver, vm),
            Description = DomainDescription.Of(vm),
            CredentialChanges = options.Credentials,
        };
    }

    // What the VM kept of the domain it takes over: what the settings asked for did not replace.
    private static TakenOverDomain Kept(TakenOverDomain takenOver, VmDomain vm) => takenOver with
    {
        MemoryMiB = vm.MemoryMiB == takenOver.MemoryMiB ? vm.MemoryMiB : null,
        VCpus = vm.VCpus == takenOver.VCpus ? vm.VCpus : null,
        Interfaces = vm.Interfaces.Where(nic => takenOver.Interfaces.Any(old => old.MacAddress == nic.MacAddress)).ToValueList(),
    };

    // The guest's shares, each in the directory the admin gave it or else in the guest's own: a VM mounts each by its tag,
    // a container has it bound at its mount point.
    private static ValueList<SharedDirectory> Shares(GuestName name, GuestSystem system, ValueList<GivenShareSource> given, MiniguestPaths paths,
        Func<GuestShare, string> target) =>
        system.Config.Shares
            .Select(share => new SharedDirectory(given.FirstOrDefault(g => g.Tag == share.Tag)?.Directory ?? paths.ShareDirectory(name, share.Tag),
                target(share), share.ReadOnly))
            .ToValueList();

    // The admin's directories for the guest's shares: those asked for now, else those the domain records, for the tags the
    // guest has. A share whose build output asks for a directory is refused without one.
    private static ValueList<GivenShareSource> GivenShareSources(GuestName name, GuestConfig config, IReadOnlyDictionary<string, string?>? asked,
        IReadOnlyList<GivenShareSource> recorded)
    {
        foreach (var (tag, directory) in asked ?? new Dictionary<string, string?>())
        {
            if (config.Shares.All(share => share.Tag != tag))
            {
                throw new InvalidDomainOptionsException($"guest '{name}' has no share '{tag}' (its shares: "
                    + (config.Shares.Count == 0 ? "none" : string.Join(", ", config.Shares.Select(share => share.Tag))) + ")");
            }
            if (directory is not null && !GuestShare.IsPlainAbsolute(directory))
            {
                throw new InvalidDomainOptionsException($"share '{tag}': '{directory}' is not an absolute path without . or .. parts");
            }
        }
        var given = new List<GivenShareSource>();
        foreach (var share in config.Shares)
        {
            var directory = asked is not null && asked.TryGetValue(share.Tag, out var now) ? now : recorded.FirstOrDefault(g => g.Tag == share.Tag)?.Directory;
            if (directory is not null)
            {
                given.Add(new GivenShareSource(share.Tag, directory));
            }
            else if (share.Source is { } requested)
            {
                throw new ShareSourceNotGivenException(name.Value, share.Tag, requested);
            }
        }
        return given.ToValueList();
    }

    // The interfaces asked for keep the MAC addresses the domain's interfaces have: first those of an interface on the
    // same network or bridge, then the rest in order, so that a guest moved to another network keeps its MAC too.
    // Nothing asked keeps the interfaces as they are; a new domain gets the default network where there is one.
    private static ValueList<GuestInterface> Interfaces(IReadOnlyList<NetworkAttachment>? asked, IReadOnlyList<GuestInterface>? existing,
        string? defaultNetwork)
    {
        if (asked is null)
        {
            return existing is not null ? existing.ToValueList()
                : defaultNetwork is null ? []
                : [new GuestInterface(new NetworkAttachment(AttachmentType.Network, defaultNetwork), NewMacAddress())];
        }
        var unclaimed = (existing ?? []).ToList();
        var macs = new string?[asked.Count];
        for (var i = 0; i < asked.Count; i++)
        {
            var index = unclaimed.FindIndex(nic => nic.Attachment == asked[i]);
            if (index >= 0)
            {
                macs[i] = unclaimed[index].MacAddress;
                unclaimed.RemoveAt(index);
            }
        }
        var leftOver = new Queue<string>(unclaimed.Select(nic => nic.MacAddress));
        return asked.Select((attachment, i) => new GuestInterface(attachment, macs[i] ?? (leftOver.TryDequeue(out var mac) ? mac : NewMacAddress())))
            .ToValueList();
    }

    // A random address under QEMU's prefix, as libvirt picks them; chosen here so that the domain records it from the start.
    private static string NewMacAddress()
    {
        Span<byte> suffix = stackalloc byte[3];
        System.Security.Cryptography.RandomNumberGenerator.Fill(suffix);
        return $"52:54:00:{suffix[0]:x2}:{suffix[1]:x2}:{suffix[2]:x2}";
    }
}
