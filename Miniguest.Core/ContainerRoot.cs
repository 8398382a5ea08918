
namespace Miniguest.Core;

/// <summary>The host directory that becomes a container's <c>/</c>, made ready for libvirt-LXC.</summary>
/// <remarks>The running container owns that directory and may swap any name in it for a link at any moment, so
/// everything here goes through <see cref="DirectoryHandle"/>: a link is refused, never followed.</remarks>
internal static class ContainerRoot
{
    private const UnixFileMode DirectoryMode = (UnixFileMode)0b111_101_101; // 0755
    private const UnixFileMode OwnerOnly = (UnixFileMode)0b111_000_000; // 0700

    /// <summary>
    /// Creates the container's root directory if needed, in a directory of its own, and, for a container in the user
    /// namespace <paramref name="ids"/>, makes it usable there (run as root):
    /// <list type="bullet">
    /// <item>the directory above the root (its parent, which holds nothing else) is the container's root's alone, mode
    /// 0700: the mapped root's (<see cref="UserNamespaceMapping.UidTarget"/>), or host root's without a user namespace.
    /// The container's root makes setuid files and devices of its ids in its root; no host user can pass that parent
    /// to use them. The mapped root, its owner, passes it: libvirt-LXC sets the container up as that user;</item>
    /// <item>the root directory belongs to the mapped root, who must create <c>.oldroot</c>, <c>/proc</c> and the like
    /// in it;</item>
    /// <item>it holds <c>sys/fs/cgroup</c>: in a user namespace without a network namespace of its own the kernel
    /// refuses a fresh sysfs, so libvirt 9 binds the directory's own <c>sys</c>, read-only, at <c>/sys</c> and then
    /// creates <c>/sys/fs/cgroup</c> in it; a <c>sys</c> left by an earlier start without a user namespace lacks it,
    /// and the container fails with "Unable to create directory /sys/fs/cgroup: Read-only file system".</item>
    /// </list>
    /// A root directory still at <paramref name="formerDirectory"/> (where roots were before they had a parent of their
    /// own) is moved into place first, never through a link. Files already in the directory keep their owners: files
    /// that host root owns are no one's inside the namespace.
    /// </summary>
    /// <exception cref="IOException">A directory above its parent is not searchable by others, so the mapped root could
    /// not reach it; the container made <c>sys</c>, <c>sys/fs</c> or <c>sys/fs/cgroup</c> something other than a
    /// directory (a link is never followed); or changing owners failed (not root).</exception>
    public static void Prepare(string directory, UserNamespaceMapping? ids, string? formerDirectory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("libvirt-LXC containers run on Linux only");
        }
        directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory));
        var parentPath = Path.GetDirectoryName(directory) ?? throw new ArgumentException("the root directory needs a parent of its own", nameof(directory));
        var rootName = Path.GetFileName(directory);
        using var guestDirectory = DirectoryHandle.OpenOrCreate(Path.GetDirectoryName(parentPath) ?? parentPath, DirectoryMode);
        using var own = guestDirectory.CreateDirectory(Path.GetFileName(parentPath), OwnerOnly);
        own.SetMode(OwnerOnly);
        own.ChangeOwner(ids?.UidTarget ?? 0, ids?.GidTarget ?? 0);
        if (formerDirectory is not null && !own.Names().Contains(rootName))
        {
            MoveFormer(formerDirectory, own, rootName);
        }
        using var root = own.CreateDirectory(rootName, DirectoryMode);
        if (ids is null)
        {
            return;
        }
        var real = root.RealPath;
        for (var above = Path.GetDirectoryName(Path.GetDirectoryName(real)); above is not null; above = Path.GetDirectoryName(above))
        {
            var mode = File.GetUnixFileMode(above);
            if (!mode.HasFlag(UnixFileMode.OtherExecute))
            {
                throw new IOException(
                    $"{above} is not searchable by others (mode {Convert.ToString((int)mode, 8)}): the container's root, host uid " +
                    $"{ids.UidTarget}, could not reach its root directory {real}");
            }
        }
        using var sys = root.CreateDirectory("sys", DirectoryMode);
        using var fs = sys.CreateDirectory("fs", DirectoryMode);
        using var cgroup = fs.CreateDirectory("cgroup", DirectoryMode);
        foreach (var owned in new[] { root, sys, fs, cgroup })
        {
            owned.ChangeOwner(ids.UidTarget, ids.GidTarget);
        }
    }

    // The root directory where it was, moved into its own parent: a directory only (a link there is refused, never moved
    // or followed), in a parent that is root's.
    private static void MoveFormer(string formerDirectory, DirectoryHandle own, string rootName)
    {
        using var formerParent = DirectoryHandle.TryOpen(Path.GetDirectoryName(formerDirectory)!);
        var formerName = Path.GetFileName(formerDirectory);
        using var former = formerParent?.TryOpenDirectory(formerName);
        if (former is not null)
        {
            formerParent!.Move(formerName, own, rootName);
        }
    }
}
