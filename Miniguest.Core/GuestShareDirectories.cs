
namespace Miniguest.Core;

/// <summary>
/// The guest's own share directories: made when its domain is defined, kept by <c>remove</c> and deleted by
/// <c>remove --purge</c> (<see cref="ShareSourceGuard"/> checks every share's directory). A share without a source of its own is
/// <see cref="MiniguestPaths.ShareDirectory"/>, below <see cref="MiniguestPaths.GuestShares"/>, which only the guest's
/// root can enter (<see cref="GuestDataDirectory"/>): host root for a VM, the mapped root for a user-namespaced container
/// (no one on the host). So nothing the guest makes there (a setuid file, a link) is within any host user's reach. The
/// guest writes in those directories, so everything there goes through <see cref="DirectoryHandle"/>: a link is refused or
/// deleted, never followed.
/// </summary>
internal static class GuestShareDirectories
{
    private const UnixFileMode ShareMode = (UnixFileMode)0b111_101_101; // 0755: as the guest's root sees its share

    /// <summary>Makes the directories of the guest's own shares, <paramref name="tags"/> (those no admin gave a directory
    /// of its own), owned by the guest's root (<paramref name="ids"/>' mapped root for a container in a user namespace, else
    /// host root); those already there keep what the guest put in them.</summary>
    /// <exception cref="IOException">A directory is a link, or cannot be made or given its owner (not root).</exception>
    public static void Prepare(MiniguestPaths paths, GuestName name, IEnumerable<string> tags, UserNamespaceMapping? ids)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var own = tags.ToList();
        if (own.Count == 0)
        {
            return;
        }
        var (uid, gid) = ids is null ? (0u, 0u) : (ids.UidTarget, ids.GidTarget);
        using var guest = GuestDataDirectory.Open(paths.Shares, name, (uid, gid));
        foreach (var tag in own)
        {
            using var directory = guest.CreateDirectory(tag, ShareMode);
            directory.ChangeOwner(uid, gid);
        }
    }

    /// <summary>Deletes the guest's share directories and everything in them, following no link (a link there is
    /// deleted, never its target).</summary>
    public static void Delete(MiniguestPaths paths, GuestName name)
    {
        ArgumentNullException.ThrowIfNull(paths);
        GuestDataDirectory.Delete(paths.Shares, name);
    }
}
