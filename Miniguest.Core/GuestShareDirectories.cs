using Miniguest.Libvirt.Guests;

namespace Miniguest.Core;

/// <summary>
/// The host directories of a guest's shares: checked before its domain is defined, made when it is, kept by
/// <c>remove</c> and deleted by <c>remove --purge</c>. A share without a source of its own is
/// <see cref="MiniguestPaths.ShareDirectory"/>, below <see cref="MiniguestPaths.GuestShares"/>, which only the guest's
/// root can enter: host root for a VM, the mapped root for a user-namespaced container (no one on the host). So
/// nothing the guest makes there (a setuid file, a link) is within any host user's reach. The guest writes in those
/// directories, so everything there goes through <see cref="DirectoryHandle"/>: a link is refused or deleted, never followed.
/// </summary>
public static class GuestShareDirectories
{
    private const UnixFileMode TraverseOnly = (UnixFileMode)0b111_001_001; // 0711: a container's mapped root passes through
    private const UnixFileMode OwnerOnly = (UnixFileMode)0b111_000_000; // 0700
    private const UnixFileMode ShareMode = (UnixFileMode)0b111_101_101; // 0755: as the guest's root sees its share

    /// <summary>Refuses a share whose source is Miniguest's state (where other guests' data and container roots are) or
    /// holds it, is not a directory, or leads into the store through a link.</summary>
    /// <exception cref="InvalidDomainOptionsException">Such a share.</exception>
    public static void Check(MiniguestPaths paths, IEnumerable<GuestShare> shares) =>
        Check(paths, shares, source => RealPath.Of(source) is { } real ? new GuestSystem.ResolvedFile(real, Directory.Exists(real)) : null, "this host");

    /// <summary>As <see cref="Check(MiniguestPaths, IEnumerable{GuestShare})"/>, with each source resolved by
    /// <paramref name="resolve"/> on <paramref name="host"/>: this one, or another.</summary>
    internal static void Check(MiniguestPaths paths, IEnumerable<GuestShare> shares, Func<string, GuestSystem.ResolvedFile?> resolve, string host)
    {
        ArgumentNullException.ThrowIfNull(paths);
        foreach (var share in shares)
        {
            if (share.Source is not { } source)
            {
                continue;
            }
            CheckPlace(paths, share.Tag, source, source);
            if (resolve(source) is not { IsDirectory: true } real)
            {
                throw new InvalidDomainOptionsException($"share '{share.Tag}': its source {source} is not a directory on {host}");
            }
            CheckPlace(paths, share.Tag, source, real.RealPath);
        }
    }

    // Where a share's source is, as given or as its links lead.
    private static void CheckPlace(MiniguestPaths paths, string tag, string source, string path)
    {
        if (GuestShare.Contains(paths.State, path) || GuestShare.Contains(path, paths.State))
        {
            throw new InvalidDomainOptionsException($"share '{tag}': its source {source} is Miniguest's state, inside it or above it");
        }
        if (GuestShare.Contains(NixStore.DefaultDirectory, path) || GuestShare.Contains(path, NixStore.DefaultDirectory))
        {
            throw new InvalidDomainOptionsException($"share '{tag}': its source {source} leads to the Nix store, inside it or above it");
        }
    }

    /// <summary>Makes the directories of the guest's shares that have no source of their own, owned by the guest's root
    /// (<paramref name="ids"/>' mapped root for a container in a user namespace, else host root); those already there
    /// keep what the guest put in them.</summary>
    /// <exception cref="IOException">A directory is a link, or cannot be made or given its owner (not root).</exception>
    public static void Prepare(MiniguestPaths paths, string name, IEnumerable<GuestShare> shares, UserNamespaceMapping? ids)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var own = shares.Where(share => share.Source is null).ToList();
        if (own.Count == 0)
        {
            return;
        }
        var (uid, gid) = ids is null ? (0u, 0u) : (ids.UidTarget, ids.GidTarget);
        using var top = DirectoryHandle.OpenOrCreate(paths.Shares, TraverseOnly);
        top.SetMode(TraverseOnly);
        using var guest = top.CreateDirectory(name, OwnerOnly);
        guest.SetMode(OwnerOnly);
        guest.ChangeOwner(uid, gid);
        foreach (var share in own)
        {
            using var directory = guest.CreateDirectory(share.Tag, ShareMode);
            directory.ChangeOwner(uid, gid);
        }
    }

    /// <summary>The host directory of the guest's shares, if it has one: what <c>remove</c> keeps.</summary>
    public static string? Existing(MiniguestPaths paths, string name)
    {
        ArgumentNullException.ThrowIfNull(paths);
        return Directory.Exists(paths.GuestShares(name)) ? paths.GuestShares(name) : null;
    }

    /// <summary>Deletes the guest's share directories and everything in them, following no link (a link there is
    /// deleted, never its target).</summary>
    public static void Delete(MiniguestPaths paths, string name)
    {
        ArgumentNullException.ThrowIfNull(paths);
        using var top = DirectoryHandle.TryOpen(paths.Shares);
        top?.Delete(name);
    }
}
