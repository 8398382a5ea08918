namespace Miniguest.Core;

/// <summary>What a domain must be to start, whatever host it is on: its guest kept from writing to that host's store, the
/// files it boots from in the store, and a container in a network namespace of its own unless an admin asked otherwise.
/// <see cref="GuestDomains.EnsureSafeToStart"/> asks it for this host's domains, with this host's shares' checks.</summary>
internal static class StartSafety
{
    /// <summary>As <see cref="GuestDomains.EnsureSafeToStart"/>, for the domain of <paramref name="description"/> on a host
    /// whose libvirtd has <paramref name="mounts"/>, and where <paramref name="requireInStore"/> resolves a path and refuses
    /// it outside the store given: this host's, or another's.</summary>
    public static StoreProtection EnsureProtected(DomainDescription description, MountTable mounts, Func<string, string, string> requireInStore)
    {
        foreach (var (path, store) in BootFiles(description, mounts))
        {
            requireInStore(path, store);
        }
        return description.Container is { } container ? StoreGuard.EnsureProtected(container) : StoreGuard.EnsureProtected(description.Vm!, mounts);
    }

    /// <summary>The files the domain of <paramref name="description"/> boots from, each with the store it must lie in: virtiofs
    /// shares boot through the read-only view of the store, where the view is what protects it.</summary>
    public static IReadOnlyList<(string Path, string Store)> BootFiles(DomainDescription description, MountTable mounts)
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

    /// <summary>Refuses a container that would live in the host's network namespace (no interface and no
    /// <c>&lt;privnet/&gt;</c>: a domain defined by an earlier Miniguest) unless an admin asked for that.</summary>
    /// <exception cref="GuestStateException">Such a container.</exception>
    public static void RequireOwnNetwork(DomainDescription description)
    {
        if (description.Container is { SharesHostNetwork: true, Metadata: { HostNetwork: false } metadata })
        {
            throw new GuestStateException($"guest '{metadata.GuestName}': its domain would share the host's network namespace (its loopback "
                + "services, abstract sockets and ports), which no admin asked for: define it again to give it a namespace of its own "
                + "(miniguest create), or share the host's on purpose (create --network host)");
        }
    }

    /// <summary>Refuses a domain that hands its guest any file but its own credentials (<see cref="GuestCredentials"/>),
    /// at <paramref name="paths"/>: a fw_cfg entry QEMU fills from another file, or a credentials directory elsewhere,
    /// would give the guest that file, which root reads.</summary>
    /// <exception cref="GuestStateException">Such a domain.</exception>
    public static void RequireOwnCredentials(GuestName name, DomainDescription description, MiniguestPaths paths)
    {
        var own = paths.Credentials(name);
        var foreign = description.Container is { } container
            ? container.CredentialsDirectory is { } directory && directory != own ? directory : null
            : description.Vm!.FirmwareFiles.FirstOrDefault(file => !file.Name.StartsWith(GuestCredentials.FwCfgPrefix, StringComparison.Ordinal)
                || file.Name[GuestCredentials.FwCfgPrefix.Length..] is var id && (!GuestCredentials.IsId(id) || file.File != Path.Combine(own, id)))?.File;
        if (foreign is not null)
        {
            throw new GuestStateException($"guest '{name}': its domain hands it {TerminalText.Escape(foreign)}, which is not one of its credentials in "
                + $"{own}: define it again (miniguest create {name})");
        }
    }
}
