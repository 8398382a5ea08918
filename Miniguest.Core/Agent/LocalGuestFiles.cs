namespace Miniguest.Core;

/// <summary>
/// The files of this host's guests (<see cref="IGuestFiles"/>): the one implementation, which the verbs use for a guest
/// here and the agent (<see cref="MiniguestAgent"/>) runs for a guest that another host put here. The caller holds the
/// guest's lock (<see cref="LockAsync"/>) for every operation that changes the guest's files.
/// </summary>
internal sealed class LocalGuestFiles(GuestStore store, NixCli nix, GuestRoots roots) : IGuestFiles
{
    private MiniguestPaths Paths => store.Paths;

    /// <summary>The guest's lock, with what a command killed while it held the lock left behind cleared.</summary>
    public async Task<GuestLock> LockAsync(GuestName name, Microsoft.Extensions.Logging.ILogger logger, CancellationToken cancellationToken)
    {
        var guestLock = await GuestLock.AcquireAsync(Paths, name, logger, cancellationToken).ConfigureAwait(false);
        try
        {
            RemoveLeftovers(name);
            return guestLock;
        }
        catch
        {
            guestLock.Dispose();
            throw;
        }
    }

    public Task CheckAsync(GuestName name, bool force, CancellationToken cancellationToken)
    {
        Check(name, force);
        return Task.CompletedTask;
    }

    /// <summary>As <see cref="CheckAsync"/>. A profile without its link is an install cut short before the link was made,
    /// which the next one completes.</summary>
    public void Check(GuestName name, bool force)
    {
        var linkState = store.LinkState(name);
        if (linkState is GuestLinkState.Foreign or GuestLinkState.Declarative)
        {
            throw new ForeignFileException(Paths.Link(name), $"it is not a link to {Paths.Profile(name)}");
        }
        if (linkState == GuestLinkState.Profile && !force)
        {
            throw new GuestAlreadyInstalledException(name.Value);
        }
    }

    public async Task<int> LinkAsync(GuestName name, string storePath, bool force, CancellationToken cancellationToken)
    {
        if (!NixStore.IsRootable(storePath))
        {
            throw new GuestStateException($"{storePath} is not a path of the store to install");
        }
        Check(name, force);
        DirectoryHandle.OpenOrCreate(Paths.Profiles, GuestStateDirectory.DirectoryMode).Dispose();
        var profile = new GuestProfile(Paths, name);
        CrashPoint.Reach(CrashPoint.SetProfile);
        await nix.SetProfileAsync(profile.Path, storePath, cancellationToken).ConfigureAwait(false);
        CrashPoint.Reach(CrashPoint.LinkGuest);
        store.LinkToProfile(name);
        return profile.Current?.Number ?? throw new GuestStateException($"the profile of '{name}' names no generation after nix set it");
    }

    public Task<TargetFacts> DescribeAsync(GuestName name, IReadOnlyList<string> paths, CancellationToken cancellationToken) =>
        Task.FromResult(TargetFacts.From(name, "this host", Describe(name, paths), paths.Count));

    /// <summary>What this host says of the guest and of itself, raw, for a host that asks (<see cref="TargetFacts.From"/>
    /// checks it there): every file of the guest's build output where it really is, the small ones' bytes where they are
    /// files in the store, and where each of <paramref name="paths"/> really is.</summary>
    public HostDescription Describe(GuestName name, IReadOnlyList<string> paths)
    {
        var profile = new GuestProfile(Paths, name);
        var link = new FileInfo(profile.Path).LinkTarget;
        var top = link is null ? null : RealPath.Of(profile.Path);
        var files = new Dictionary<string, GuestSystem.ResolvedFile>(StringComparer.Ordinal);
        var contents = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        if (top is not null)
        {
            foreach (var file in GuestSystem.Files)
            {
                if (Resolve(Path.Combine(top, file)) is not { } resolved)
                {
                    continue;
                }
                files[file] = resolved;
                if (file is GuestConfig.FileName or "kernel-params" && !resolved.IsDirectory
                    && resolved.RealPath.StartsWith(NixStore.DefaultDirectory + "/", StringComparison.Ordinal))
                {
                    contents[file] = SmallFile.ReadOfGuest(resolved.RealPath);
                }
            }
        }
        var mounts = MountTable.ReadOfLibvirtd(out _);
        return new HostDescription(link, top, files, contents, [.. paths.Select(Resolve)],
            new ContainerIds(Paths).RecordedText(), StoreGuard.UserNamespacesAvailable(), GuestCredentials.Ids(Paths, name), mounts?.Owner,
            mounts?.Mountinfo, files.TryGetValue("boot", out var boot) && boot.IsDirectory ? SystemTopLevel.InitLinkOf(boot.RealPath) : null);
    }

    public Task PrepareAsync(GuestName name, GuestType type, Guid uuid, string uri, UserNamespaceMapping? ids, IReadOnlyList<string> shares,
        IReadOnlyList<GuestVolume> volumes, IReadOnlyDictionary<string, byte[]?>? credentials, CancellationToken cancellationToken)
    {
        if (!new GuestProfile(Paths, name).Exists)
        {
            throw new GuestNotFoundException(name.Value);
        }
        if (type == GuestType.Lxc)
        {
            if (ids is not null)
            {
                new ContainerIds(Paths).Claim(name, ids.UidTarget);
            }
            CrashPoint.Reach(CrashPoint.PrepareContainerRoot);
            ContainerRoot.Prepare(Paths.ContainerRoot(name), ids, Paths.FormerContainerRoot(name));
        }
        GuestShareDirectories.Prepare(Paths, name, shares, ids);
        GuestVolumes.Prepare(Paths, name, type, volumes, ids);
        GuestCredentials.Write(Paths, name, credentials, ids);
        CrashPoint.Reach(CrashPoint.RecordDomain);
        var state = new GuestStateDirectory(Paths, name);
        state.Write(Paths.ConnectionUriFile(name), uri);
        state.Write(Paths.DomainUuidFile(name), uuid.ToString("D"));
        return Task.CompletedTask;
    }

    public Task CheckVolumesAsync(GuestName name, DomainVolumes volumes, CancellationToken cancellationToken)
    {
        GuestVolumes.CheckAtStart(Paths, name, volumes);
        return Task.CompletedTask;
    }

    public Task<Generation> RollbackAsync(GuestName name, int? to, CancellationToken cancellationToken)
    {
        var guest = store.Get(name);
        if (!guest.IsImperative)
        {
            throw new GuestStateException($"guest '{name}' is declarative: roll back the host's NixOS configuration instead");
        }
        var current = guest.Profile.Current ?? throw new GuestStateException($"guest '{name}' has no current generation");
        var target = to is { } number
            ? guest.Profile.Generations.FirstOrDefault(g => g.Number == number)
                ?? throw new GuestStateException($"guest '{name}' has no generation {number}")
            : guest.Profile.Generations.LastOrDefault(g => g.Number < current.Number)
                ?? throw new GuestStateException($"guest '{name}' has no generation before {current.Number}");
        CrashPoint.Reach(CrashPoint.SwitchGeneration);
        guest.Profile.SwitchTo(target.Number);
        return Task.FromResult(target);
    }

    public Task<IReadOnlyList<string>> UnlinkAsync(GuestName name, bool purge, bool keptDomain, CancellationToken cancellationToken)
    {
        var data = GuestData(name);
        var keepContainerRoot = !purge;
        var keepGenerationRoots = keptDomain && !purge;
        if (store.Names().Contains(name))
        {
            var guest = store.Get(name);
            if (!guest.IsImperative)
            {
                throw new GuestStateException($"guest '{name}' is declarative: remove it from the host's NixOS configuration");
            }
            // The profile goes last: until it does, the guest is still found, so a remove cut short (a crash, a kill)
            // completes when it is run again.
            CrashPoint.Reach(CrashPoint.Unlink);
            store.Unlink(name);
            CrashPoint.Reach(CrashPoint.DeleteState);
            new GuestStateDirectory(Paths, name).Delete(keepContainerRoot, keepGenerationRoots);
            CrashPoint.Reach(CrashPoint.DeleteProfile);
            guest.Profile.Delete();
        }
        else
        {
            CrashPoint.Reach(CrashPoint.DeleteState);
            new GuestStateDirectory(Paths, name).Delete(keepContainerRoot, keepGenerationRoots);
        }
        if (purge)
        {
            Purge(name);
        }
        return Task.FromResult<IReadOnlyList<string>>(data);
    }

    /// <summary>What <c>remove</c> keeps of a guest: its shares' directories, its volumes and a container's root (where it
    /// is, or was before it had a directory of its own).</summary>
    public IReadOnlyList<string> GuestData(GuestName name) =>
        [.. new[] { Paths.GuestShares(name), Paths.GuestVolumes(name), Paths.ContainerRoot(name), Paths.FormerContainerRoot(name) }
            .Where(Directory.Exists)];

    /// <summary>Deletes the guest's data and state, following no link.</summary>
    public void Purge(GuestName name)
    {
        CrashPoint.Reach(CrashPoint.DeleteState);
        GuestShareDirectories.Delete(Paths, name);
        GuestVolumes.Delete(Paths, name);
        new GuestStateDirectory(Paths, name).Delete();
    }

    public async Task RootAsync(GuestName name, string root, string? storePath, CancellationToken cancellationToken)
    {
        if (root is not (GuestRoots.Defined or GuestRoots.Booted))
        {
            throw new GuestStateException($"no root '{root}'");
        }
        if (storePath is null)
        {
            roots.Drop(name, root);
            return;
        }
        await roots.KeepAsync(name, root, storePath, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyDictionary<GuestName, InstalledGuest>> ShowAsync(IReadOnlyCollection<GuestName> names, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyDictionary<GuestName, InstalledGuest>>(names
            .Select(name => (Name: name, Current: new GuestProfile(Paths, name).Current))
            .Where(found => found.Current is not null)
            .ToDictionary(found => found.Name, found => new InstalledGuest(found.Current!, GuestVolumes.ImageSizes(Paths, found.Name))));

    public Task<(IReadOnlyList<Generation> All, int? Current)> GenerationsAsync(GuestName name, CancellationToken cancellationToken)
    {
        var profile = new GuestProfile(Paths, name);
        return Task.FromResult<(IReadOnlyList<Generation>, int?)>(profile.Exists ? (profile.Generations, profile.Current?.Number) : ([], null));
    }

    public async Task<string> RealiseAsync(string derivation, CancellationToken cancellationToken) =>
        await nix.RealiseAsync(derivation, cancellationToken).ConfigureAwait(false) is [var output]
            ? output
            : throw new GuestStateException($"building {derivation} gave no single output");

    public Task<IReadOnlyList<string>> ClosureAsync(string storePath, CancellationToken cancellationToken) =>
        nix.ClosureAsync(storePath, cancellationToken);

    // What a command killed while it held the guest's lock leaves behind: the staging profile, the links Nix makes while
    // it switches a profile, and Miniguest's own temporary links and state files. Every command that takes the lock
    // clears them first, whether or not it goes on to build.
    private void RemoveLeftovers(GuestName name)
    {
        var staging = GuestProfile.Staging(Paths, name);
        staging.Delete();
        staging.DeleteTemporaryLinks();
        new GuestProfile(Paths, name).DeleteTemporaryLinks();
        foreach (var directory in new[] { Paths.Guests, Paths.Profiles })
        {
            using var handle = DirectoryHandle.TryOpen(directory);
            handle?.Delete(DirectoryHandle.TemporaryName(name.Value));
        }
        new GuestStateDirectory(Paths, name).DeleteTemporaryFiles();
    }

    // Where a path really is, and whether it is a directory; null where nothing is.
    private static GuestSystem.ResolvedFile? Resolve(string path) =>
        RealPath.Of(path) is { } real && Path.Exists(real) ? new GuestSystem.ResolvedFile(real, Directory.Exists(real)) : null;
}
