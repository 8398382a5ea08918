
namespace Miniguest.Core;

/// <summary>
/// The host directories a guest's domain shares besides the store and its boot directory, checked before the domain is
/// defined and again before every start: QEMU, virtiofsd and libvirt-LXC open them as root, following links, so what they
/// open must be what the admin meant at that moment, and nothing the guest makes there may serve a host user.
/// </summary>
/// <remarks>
/// A share's directory is either the guest's own (<see cref="MiniguestPaths.ShareDirectory"/>, below a directory only
/// the guest's root can enter) or one the admin gave (<see cref="GuestMetadata.ShareSources"/>); a build output only asks.
/// A given directory must be where root alone can change the way to it: every directory passed on the way, links
/// followed, and every link met, root's and writable by root alone (a sticky directory, such as <c>/tmp</c>, counts when
/// the name in it is root's), so that no one else can swap it for a link between this check and the start, libvirtd's
/// own autostart included. It must not be in, on or above the store, Miniguest's state and files, another guest's
/// share, <c>/proc</c>, <c>/sys</c>, <c>/dev</c> or <c>/run</c>. A writable one of a guest whose files keep their
/// owners and modes on the host (a virtiofs VM's, a container's) must lie below a directory only root can pass, so that
/// no host user reaches a setuid file or a device node the guest made there.
/// </remarks>
internal static class ShareSourceGuard
{
    private const int MostLinks = 40; // as the kernel's own limit on links followed in one lookup

    /// <summary>A share of another guest, as its domain names it.</summary>
    /// <param name="Guest">The guest.</param>
    /// <param name="Directory">The host directory.</param>
    internal readonly record struct OtherShare(string Guest, string Directory);

    /// <summary>Checks every share of the domain of <paramref name="description"/>, guest <paramref name="name"/>'s, whose
    /// own share directories are under <paramref name="paths"/>, beside <paramref name="others"/>, the other guests' shares
    /// (asked for only where needed). With <paramref name="atStart"/> the guest's own directories must exist; before a
    /// definition they may be still to make.</summary>
    /// <exception cref="UnsafeShareException">A share's directory is not the guest's own nor given by the admin, or is not
    /// safe to share.</exception>
    internal static void Check(GuestName name, DomainDescription description, MiniguestPaths paths, Func<IReadOnlyList<OtherShare>> others, bool atStart)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var (shares, metadata, ownersReachHost, mappedRoot) = Read(description);
        var given = metadata?.ShareSources ?? [];
        var otherShares = new Lazy<IReadOnlyList<OtherShare>>(others);
        // A container's volumes are binds too: GuestVolumes checks those.
        foreach (var share in shares.Where(share => GuestVolumes.VolumeOf(paths, name, share.Source, suffix: "") is null))
        {
            if (OwnTag(paths, name, share.Source) is { } tag)
            {
                CheckOwn(paths, name, tag, share.Source, mappedRoot, atStart);
                continue;
            }
            var admin = given.FirstOrDefault(g => g.Directory == share.Source)
                ?? throw new UnsafeShareException(name.Value,
                    $"its domain shares {share.Source} at {share.Target}, which is neither its own share directory nor one an admin gave it "
                    + "(a domain defined before a share's directory needed the admin's word, or edited since): define it again");
            var siblings = shares.Where(other => other != share).Select(other => new OtherShare(name.Value, other.Source));
            // The other guests' shares are read only for a directory of the admin's: the guest's own lie in Miniguest's
            // state, where no directory of an admin's may.
            CheckGiven(paths, name, admin.Tag, admin.Directory, writable: !share.ReadOnly && ownersReachHost, mappedRoot, [.. otherShares.Value, .. siblings]);
        }
    }

    /// <summary>Refuses a domain of <paramref name="description"/>, guest <paramref name="name"/>'s, that shares anything
    /// besides its own share directories under <paramref name="paths"/>: where this host cannot look at a directory (another
    /// host's), only those.</summary>
    /// <exception cref="UnsafeShareException">Such a share.</exception>
    internal static void RequireOwn(GuestName name, DomainDescription description, MiniguestPaths paths)
    {
        var (shares, _, _, _) = Read(description);
        if (shares.FirstOrDefault(share => OwnTag(paths, name, share.Source) is null && GuestVolumes.VolumeOf(paths, name, share.Source, suffix: "") is null)
            is { } other)
        {
            throw new UnsafeShareException(name.Value, $"its domain shares {other.Source} at {other.Target}, which is not its own share directory");
        }
    }

    // The tag of the guest's own share directory source is, or null when it is not one.
    private static string? OwnTag(MiniguestPaths paths, GuestName name, string source)
    {
        var prefix = paths.GuestShares(name) + "/";
        return source.StartsWith(prefix, StringComparison.Ordinal) && source[prefix.Length..] is var tag && tag.Length > 0 && !tag.Contains('/')
            ? tag
            : null;
    }

    // The guest's own directory: root's all the way to Miniguest's directory of shares, then the guest's own, no link.
    private static void CheckOwn(MiniguestPaths paths, GuestName name, string tag, string source, uint? mappedRoot, bool atStart)
    {
        if (!atStart && FileStatus.OfEntry(paths.Shares) is null)
        {
            return; // made with the guest's own directories, following no link
        }
        if (WhoElseCanChange(paths.Shares, leafOwners: [0u]) is { Problem: { } problem })
        {
            throw new UnsafeShareException(name.Value, $"share '{tag}': {problem}");
        }
        foreach (var directory in new[] { paths.GuestShares(name), source })
        {
            switch (FileStatus.OfEntry(directory))
            {
                case null when !atStart:
                    return;
                case null:
                    throw new UnsafeShareException(name.Value, $"share '{tag}': its directory {directory} is missing: define the guest again");
                case { Kind: not FileKind.Directory }:
                    throw new UnsafeShareException(name.Value, $"share '{tag}': {directory} is a link or not a directory; not following it");
                case { Uid: var uid } when uid != 0 && uid != mappedRoot:
                    throw new UnsafeShareException(name.Value, $"share '{tag}': {directory} belongs to uid {uid}, neither root nor the guest's root");
            }
        }
    }

    private static void CheckGiven(MiniguestPaths paths, GuestName name, string tag, string source, bool writable, uint? mappedRoot,
        IReadOnlyList<OtherShare> others)
    {
        CheckPlace(paths, name, tag, source, source, above: true);
        var otherShares = others.Select(other => (other.Directory, Real: RealPath.Of(other.Directory) ?? other.Directory,
            Whose: other.Guest == name.Value ? "another of its shares" : $"a share of guest '{other.Guest}'")).ToList();
        // No name met on the way may lie in a place no guest may share, or in another guest's share, whose guest may
        // swap it as root: the walk follows the links it meets.
        string? OffLimits(string entry) =>
            Places(paths).FirstOrDefault(place => GuestShare.Contains(place, entry)) is { } place
                ? $"the way to it passes {entry}, in {place}, which no guest may share"
                : otherShares.FirstOrDefault(other => GuestShare.Contains(other.Real, entry)) is { Directory: { } directory } share
                    ? $"the way to it passes {entry}, in {directory}, {share.Whose}"
                    : null;
        var walk = WhoElseCanChange(source, mappedRoot is { } mapped ? [0u, mapped] : [0u], OffLimits);
        // Where the way led says most: a walk cut short reached only a directory on the way, above anything beyond it.
        CheckPlace(paths, name, tag, source, walk.RealPath, above: walk.Problem is null);
        if (walk.Problem is { } problem)
        {
            throw new UnsafeShareException(name.Value, $"share '{tag}': {source}: {problem}");
        }
        foreach (var other in otherShares)
        {
            if (Overlap(source, other.Directory) || Overlap(walk.RealPath, other.Real))
            {
                throw new UnsafeShareException(name.Value, $"share '{tag}': {source} is in, on or above {other.Directory}, {other.Whose}");
            }
        }
        if (writable && !HasRootOnlyAncestor(walk.RealPath))
        {
            throw new UnsafeShareException(name.Value,
                $"share '{tag}': {source} is writable, and what the guest makes there (a setuid file, a device node) keeps its owner and mode "
                + "on the host: put it below a directory only root can pass (owned by root, mode 0700)");
        }
    }

    // The places no share may be in, on or above: the store and Nix's own files, Miniguest's, and the kernel's and the
    // running system's, where a directory means something else than files.
    private static void CheckPlace(MiniguestPaths paths, GuestName name, string tag, string source, string path, bool above)
    {
        if (Places(paths).FirstOrDefault(place => GuestShare.Contains(place, path) || above && GuestShare.Contains(path, place)) is { } place)
        {
            var how = path == source ? "" : $" (that is, {path})";
            throw new UnsafeShareException(name.Value, $"share '{tag}': {source}{how} is in, on or above {place}, which no guest may share");
        }
    }

    private static string[] Places(MiniguestPaths paths) =>
        ["/nix", NixStore.DefaultDirectory, paths.State, paths.Guests, paths.Profiles, "/proc", "/sys", "/dev", "/run"];

    private static bool Overlap(string a, string b) => GuestShare.Contains(a, b) || GuestShare.Contains(b, a);

    private static bool HasRootOnlyAncestor(string realPath)
    {
        for (var above = Path.GetDirectoryName(realPath); above is not null; above = Path.GetDirectoryName(above))
        {
            if (FileStatus.Of(above) is { Kind: FileKind.Directory, Uid: 0, OwnerOnly: true })
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Walks to <paramref name="path"/> as the kernel does, one name at a time, following each link met, and
    /// says who else than root could change where it leads: a directory passed that is not root's or that others may
    /// write in (a sticky one only where the name in it is root's), a link that is not root's, a name met that
    /// <paramref name="offLimits"/> has a reason against (one in another guest's share, which that guest may swap as
    /// root), or a last directory owned by neither root nor one of <paramref name="leafOwners"/> or that others may write
    /// in. Where it really leads comes with the answer: where the walk stopped, when it found a problem.</summary>
    internal static (string? Problem, string RealPath) WhoElseCanChange(string path, IReadOnlyCollection<uint> leafOwners,
        Func<string, string?>? offLimits = null)
    {
        var pending = new Stack<string>(Parts(path).Reverse());
        var directory = "/";
        var status = FileStatus.Of("/")!.Value;
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part == "..")
            {
                directory = Path.GetDirectoryName(directory) ?? "/";
                status = FileStatus.Of(directory)!.Value;
                continue;
            }
            var entry = directory == "/" ? "/" + part : directory + "/" + part;
            if (FileStatus.OfEntry(entry) is not { } next)
            {
                return ($"{entry} does not exist", directory);
            }
            if (status.Uid != 0 || status.WritableByOthers && !(status.Mode.HasFlag(UnixFileMode.StickyBit) && next.Uid == 0))
            {
                var whose = status.Uid == 0 ? "" : $"owned by uid {status.Uid}, ";
                return ($"others than root may write in {directory} ({whose}mode {status.OctalMode}), and so put something else at {entry}", directory);
            }
            if (offLimits?.Invoke(entry) is { } reason)
            {
                return (reason, entry);
            }
            switch (next.Kind)
            {
                case FileKind.SymbolicLink when next.Uid != 0:
                    return ($"{entry} is a link that uid {next.Uid} owns", directory);
                case FileKind.SymbolicLink when ++links > MostLinks:
                    return ($"{entry}: too many links", directory);
                case FileKind.SymbolicLink:
                    var target = new FileInfo(entry).LinkTarget ?? "";
                    foreach (var linked in Parts(target).Reverse())
                    {
                        pending.Push(linked);
                    }
                    if (target.StartsWith('/'))
                    {
                        directory = "/";
                        status = FileStatus.Of("/")!.Value;
                    }
                    continue;
                case FileKind.Other:
                    return ($"{entry} is not a directory", entry);
            }
            if (next.Uid != 0 && !(pending.Count == 0 && leafOwners.Contains(next.Uid)))
            {
                return ($"{entry} belongs to uid {next.Uid}", entry);
            }
            directory = entry;
            status = next;
        }
        // Where the walk ended, however it got there (a last "..", say).
        if (status.Uid != 0 && !leafOwners.Contains(status.Uid))
        {
            return ($"{directory} belongs to uid {status.Uid}", directory);
        }
        if (status.WritableByOthers)
        {
            return ($"others than its owner may write in {directory} (mode {status.OctalMode})", directory);
        }
        return (null, directory);
    }

    private static IEnumerable<string> Parts(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(part => part != ".");

    private static (IReadOnlyList<SharedDirectory> Shares, GuestMetadata? Metadata, bool OwnersReachHost, uint? MappedRoot) Read(
        DomainDescription description)
    {
        if (description.Container is { } container)
        {
            return (container.Shares, container.Metadata, true, container.UserNamespace?.UidTarget);
        }
        var vm = description.Vm!;
        // A writable 9p share is QEMU's mapped one: what the guest sets stays in extended attributes.
        return (vm.Shares, vm.Metadata, vm.StoreShare == StoreShareType.Virtiofs, null);
    }
}

/// <summary>A guest's domain would share a host directory that is not the guest's own nor given by the admin, or one that
/// is not safe to share: the message says which and why.</summary>
public sealed class UnsafeShareException(string name, string message) : MiniguestException($"guest '{name}': {message}")
{
    /// <summary>The guest's name.</summary>
    public string Name { get; } = name;
}

/// <summary>A guest's build output asks for a host directory for one of its shares, and no admin gave one: a build output
/// never chooses a host directory.</summary>
public sealed class ShareSourceNotGivenException(string name, string tag, string requested)
    : MiniguestException($"guest '{name}': share '{tag}' asks for the host directory {requested}, which only the host's admin may give it "
        + $"(miniguests.{name}.shares.{tag} on a NixOS host)")
{
    /// <summary>The guest's name.</summary>
    public string Name { get; } = name;

    /// <summary>The share's tag.</summary>
    public string Tag { get; } = tag;

    /// <summary>The directory the build output asked for.</summary>
    public string Requested { get; } = requested;
}
