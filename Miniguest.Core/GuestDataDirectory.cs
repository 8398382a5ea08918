namespace Miniguest.Core;

/// <summary>
/// A guest's directory in one of the directories of Miniguest's state that hold the guests' data (<see cref="MiniguestPaths.Shares"/>,
/// <see cref="MiniguestPaths.Volumes"/>): the top one root's, 0711, so that a container's mapped root passes through it; the
/// guest's 0700 and its root's (the mapped root for a container in a user namespace, else host root), so that only the
/// guest's root enters it. The guest writes below it, so it is reached only through <see cref="DirectoryHandle"/>.
/// </summary>
internal static class GuestDataDirectory
{
    private const UnixFileMode TraverseOnly = (UnixFileMode)0b111_001_001; // 0711
    private const UnixFileMode OwnerOnly = (UnixFileMode)0b111_000_000; // 0700

    /// <summary>Opens guest <paramref name="name"/>'s directory in <paramref name="top"/>, both made where missing and given
    /// their modes, the guest's given to <paramref name="owner"/>; what is in it stays.</summary>
    /// <exception cref="IOException">A directory is a link, or cannot be made or given its owner (not root).</exception>
    public static DirectoryHandle Open(string top, GuestName name, (uint Uid, uint Gid) owner)
    {
        using var topHandle = DirectoryHandle.OpenOrCreate(top, TraverseOnly);
        topHandle.SetMode(TraverseOnly);
        var guest = topHandle.CreateDirectory(name.Value, OwnerOnly);
        try
        {
            guest.SetMode(OwnerOnly);
            guest.ChangeOwner(owner.Uid, owner.Gid);
            return guest;
        }
        catch
        {
            guest.Dispose();
            throw;
        }
    }

    /// <summary>Deletes guest <paramref name="name"/>'s directory in <paramref name="top"/> and everything in it, following no
    /// link (a link there is deleted, never its target).</summary>
    public static void Delete(string top, GuestName name)
    {
        using var topHandle = DirectoryHandle.TryOpen(top);
        topHandle?.Delete(name.Value);
    }
}
