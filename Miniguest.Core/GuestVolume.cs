using System.Text.RegularExpressions;

namespace Miniguest.Core;

/// <summary>
/// A block device a guest formats and mounts (<c>boot.miniguest.volumes.&lt;name&gt;</c>): state that needs a real file
/// system (a database, a writable store kept across boots), with the same life as a share. A VM gets a sparse raw image
/// in Miniguest's state as a virtio disk whose serial is the volume's name; a container, which has no disks, gets a
/// directory bound at the mount point instead.
/// </summary>
/// <param name="Name">Its name: the disk's serial (<c>/dev/disk/by-id/virtio-NAME</c> in the guest) and its image's name.</param>
/// <param name="MountPoint">Where the guest mounts it.</param>
/// <param name="SizeMiB">The image's size in MiB: it grows when this grows, and never shrinks.</param>
/// <param name="FsType">The file system the guest makes on it the first time.</param>
public sealed partial record GuestVolume(string Name, string MountPoint, long SizeMiB, string FsType)
{
    /// <summary>The largest size a volume may declare: 16 TiB, in MiB.</summary>
    public const long MaxSizeMiB = 16L * 1024 * 1024;

    /// <summary>The file systems a guest may make on a volume.</summary>
    public static readonly IReadOnlyList<string> FsTypes = ["ext4", "ext3", "ext2", "xfs", "btrfs"];

    /// <summary>The volume's size in bytes.</summary>
    public long SizeBytes => SizeMiB * 1024 * 1024;

    /// <summary>A volume, checked: a name as a share's tag (at most 20 characters, what a virtio disk's serial holds); a
    /// mount point as a share's; a size from 1 MiB to <see cref="MaxSizeMiB"/>; a file system of <see cref="FsTypes"/>.</summary>
    /// <exception cref="FormatException">One of them is not so.</exception>
    public static GuestVolume Create(string? name, string? mountPoint, long? sizeMiB, string? fsType)
    {
        if (name is null || !NamePattern().IsMatch(name))
        {
            throw new FormatException($"'{name}' is not a volume name (1 to 20 letters, digits, _ and -)");
        }
        GuestShare.RequireMountPoint($"volume '{name}'", "a volume", mountPoint);
        if (sizeMiB is not (>= 1 and <= MaxSizeMiB))
        {
            throw new FormatException($"volume '{name}': its size {sizeMiB?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(none)"} MiB "
                + $"is not from 1 to {MaxSizeMiB} MiB");
        }
        if (fsType is null || !FsTypes.Contains(fsType))
        {
            throw new FormatException($"volume '{name}': its file system '{fsType}' is not one of {string.Join(", ", FsTypes)}");
        }
        return new GuestVolume(name, mountPoint, sizeMiB.Value, fsType);
    }

    /// <summary>Whether <paramref name="name"/> is a volume's name, as <see cref="Create"/> checks it.</summary>
    internal static bool IsName(string name) => NamePattern().IsMatch(name);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,20}$")]
    private static partial Regex NamePattern();
}
