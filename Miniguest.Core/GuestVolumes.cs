using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Miniguest.Core;

/// <summary>
/// The guest's volumes on its host (<see cref="GuestVolume"/>): made when its domain is defined, grown when their declared
/// size grows, kept by <c>remove</c> and deleted by <c>remove --purge</c>. A VM's is a sparse raw image,
/// <see cref="MiniguestPaths.VolumeImage"/>, host root's and mode 0600 in a directory of the guest's mode 0700
/// (<see cref="GuestDataDirectory"/>), which QEMU opens as root; a container's is a directory of its root's,
/// <see cref="MiniguestPaths.VolumeDirectory"/>, bound at its mount point. The guest writes what it likes into them, so root reaches them only through <see cref="DirectoryHandle"/>,
/// and checks them again before every start: an image swapped for a link, given another name or owner, is refused.
/// </summary>
internal static class GuestVolumes
{
    /// <summary>What a VM's volume's name is followed by in its image's name.</summary>
    public const string ImageSuffix = ".img";

    private const UnixFileMode ImageMode = (UnixFileMode)0b110_000_000; // 0600
    private const UnixFileMode VolumeDirectoryMode = (UnixFileMode)0b111_101_101; // 0755: as the guest's root sees it

    /// <summary>Makes the guest's <paramref name="volumes"/>, or grows those there to their declared sizes: a VM's images
    /// (<paramref name="type"/>), made sparse and exclusively, never replaced nor shrunk; a container's directories, owned
    /// by its root (<paramref name="ids"/>' mapped root in a user namespace, else host root).</summary>
    /// <exception cref="GuestStateException">A volume would take more than the host's free space, or its image is not one
    /// Miniguest made (a link, another owner, another name for the same file).</exception>
    /// <exception cref="IOException">A directory is a link, or cannot be made or given its owner (not root).</exception>
    public static void Prepare(MiniguestPaths paths, GuestName name, GuestType type, IReadOnlyList<GuestVolume> volumes, UserNamespaceMapping? ids)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(volumes);
        if (volumes.Count == 0)
        {
            return;
        }
        var (uid, gid) = type == GuestType.Lxc && ids is not null ? (ids.UidTarget, ids.GidTarget) : (0u, 0u);
        using var guest = GuestDataDirectory.Open(paths.Volumes, name, (uid, gid));
        foreach (var volume in volumes)
        {
            if (type == GuestType.Lxc)
            {
                using var directory = guest.CreateDirectory(volume.Name, VolumeDirectoryMode);
                directory.ChangeOwner(uid, gid);
                continue;
            }
            PrepareImage(guest, name, volume);
        }
    }

    /// <summary>Refuses to start guest <paramref name="name"/>'s domain where what it gives the guest as volumes
    /// (<paramref name="volumes"/>) is not as Miniguest made it: a disk that is not one of its images
    /// (<see cref="RequireOwnImage"/>), or a directory that is not one of its volumes' directories of a container's.</summary>
    /// <exception cref="GuestStateException">Such a disk or directory.</exception>
    public static void CheckAtStart(MiniguestPaths paths, GuestName name, DomainVolumes volumes)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(volumes);
        foreach (var directory in volumes.Directories)
        {
            RequireOwnDirectory(paths, name, directory, volumes.MappedRoot);
        }
        foreach (var disk in volumes.Disks)
        {
            RequireOwnImage(paths, name, disk);
        }
    }

    /// <summary>The name of the volume whose image (<paramref name="suffix"/> <see cref="ImageSuffix"/>) or directory
    /// (<paramref name="suffix"/> empty) <paramref name="path"/> is, among guest <paramref name="name"/>'s; else
    /// <see langword="null"/>.</summary>
    public static string? VolumeOf(MiniguestPaths paths, GuestName name, string path, string suffix)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(path);
        var prefix = paths.GuestVolumes(name) + "/";
        return path.StartsWith(prefix, StringComparison.Ordinal) && path.EndsWith(suffix, StringComparison.Ordinal)
            && path[prefix.Length..^suffix.Length] is var volume && GuestVolume.IsName(volume)
            ? volume
            : null;
    }

    /// <summary>Each of <paramref name="volumes"/>, guest <paramref name="name"/>'s on the host whose files are at
    /// <paramref name="paths"/>, with its image or directory there and, for a VM's, the sizes of its image, where
    /// <paramref name="images"/> (<see cref="ImageSizes"/>) has them.</summary>
    public static IReadOnlyList<VolumeFile> Describe(MiniguestPaths paths, GuestName name, GuestType type, IEnumerable<GuestVolume> volumes,
        IReadOnlyDictionary<string, ImageSize> images)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(images);
        return [.. volumes.Select(volume => type == GuestType.Lxc
            ? new VolumeFile(volume, paths.VolumeDirectory(name, volume.Name), null, null)
            : images.TryGetValue(volume.Name, out var image)
                ? new VolumeFile(volume, paths.VolumeImage(name, volume.Name), image.ApparentBytes, image.AllocatedBytes)
                : new VolumeFile(volume, paths.VolumeImage(name, volume.Name), null, null))];
    }

    /// <summary>The sizes of the guest's images there are, each a regular file, by volume name: as cheap as reading its
    /// directory, and no link followed.</summary>
    public static IReadOnlyDictionary<string, ImageSize> ImageSizes(MiniguestPaths paths, GuestName name)
    {
        ArgumentNullException.ThrowIfNull(paths);
        using var guest = DirectoryHandle.TryOpen(paths.GuestVolumes(name));
        var sizes = new Dictionary<string, ImageSize>(StringComparer.Ordinal);
        foreach (var file in guest?.Names() ?? [])
        {
            if (file.EndsWith(ImageSuffix, StringComparison.Ordinal) && file[..^ImageSuffix.Length] is var volume && GuestVolume.IsName(volume)
                && FileStatus.OfEntry(Path.Combine(guest!.Path, file)) is { IsRegularFile: true } image)
            {
                sizes[volume] = new ImageSize((long)image.Size, (long)image.AllocatedBytes);
            }
        }
        return sizes;
    }

    /// <summary>Deletes the guest's volumes, following no link (a link there is deleted, never its target).</summary>
    public static void Delete(MiniguestPaths paths, GuestName name)
    {
        ArgumentNullException.ThrowIfNull(paths);
        GuestDataDirectory.Delete(paths.Volumes, name);
    }

    // Makes the image, or grows it, never through a link: made with O_EXCL, opened with O_NOFOLLOW, then looked at as
    // opened. The free space asked for is what the image may still take: its declared size less what it holds already.
    private static void PrepareImage(DirectoryHandle guest, GuestName name, GuestVolume volume)
    {
        var imageName = volume.Name + ImageSuffix;
        var existing = guest.TryOpenFile(imageName);
        var held = existing is null ? 0 : (long)RequireOwnImageFile(existing, name, volume.Name, guest.Path + "/" + imageName).AllocatedBytes;
        using var image = existing ?? guest.CreateFile(imageName, ImageMode);
        var length = RandomAccess.GetLength(image);
        if (length >= volume.SizeBytes)
        {
            return; // never shrunk: the guest's file system fills it
        }
        var free = new DriveInfo(guest.RealPath).AvailableFreeSpace;
        if (volume.SizeBytes - held > free)
        {
            if (existing is null)
            {
                guest.Delete(imageName);
            }
            throw new GuestStateException($"guest '{name}': volume '{volume.Name}' of {volume.SizeMiB} MiB does not fit in the "
                + $"{(free / 1024 / 1024).ToString(CultureInfo.InvariantCulture)} MiB free under {guest.Path}: free space there or declare a smaller size");
        }
        if (LibC.ftruncate((int)image.DangerousGetHandle(), volume.SizeBytes) != 0)
        {
            throw new IOException($"{guest.Path}/{imageName}: cannot grow it to {volume.SizeMiB} MiB: "
                + System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(System.Runtime.InteropServices.Marshal.GetLastPInvokeError()));
        }
    }

    // A disk of the domain is one of the guest's images, in raw format, as Miniguest made it.
    private static void RequireOwnImage(MiniguestPaths paths, GuestName name, VolumeDisk disk)
    {
        if (VolumeOf(paths, name, disk.File, ImageSuffix) is not { } volume || volume != disk.Serial)
        {
            throw new GuestStateException($"guest '{name}': its domain gives it the disk {TerminalText.Escape(disk.File)}, which is not one of its "
                + $"volumes in {paths.GuestVolumes(name)}: define it again (miniguest create {name})");
        }
        if (disk.Format != VolumeDisk.RawFormat)
        {
            throw new GuestStateException($"guest '{name}': its domain reads volume '{volume}' as '{TerminalText.Escape(disk.Format)}', not raw, "
                + $"so QEMU would follow what the guest wrote in it: define it again (miniguest create {name})");
        }
        using var top = DirectoryHandle.TryOpen(paths.Volumes);
        RequireRootOnly(name, top, paths.Volumes);
        using var guest = top!.TryOpenDirectory(name.Value);
        RequireRootOnly(name, guest, paths.GuestVolumes(name));
        using var image = guest!.TryOpenFile(volume + ImageSuffix)
            ?? throw new GuestStateException($"guest '{name}': volume '{volume}' has no image at {disk.File}: define the guest again");
        RequireOwnImageFile(image, name, volume, disk.File);
    }

    // The image as opened: a regular file of root's, with one name, that no one else may write.
    private static FileStatus RequireOwnImageFile(SafeFileHandle image, GuestName name, string volume, string path)
    {
        var status = FileStatus.OfDescriptor(image);
        if (!status.IsRegularFile || status.Uid != 0 || status.Links != 1 || status.WritableByOthers)
        {
            image.Dispose();
            throw new GuestStateException($"guest '{name}': volume '{volume}': {path} is not a regular file of root's with one name, "
                + "as Miniguest made it; not using it (move it away, or remove --purge the guest to start the volume over)");
        }
        return status;
    }

    // The volumes' directories on the way to an image: root's, and no one else may change them.
    private static void RequireRootOnly(GuestName name, DirectoryHandle? directory, string path)
    {
        var status = directory?.Status;
        if (status is not { Kind: FileKind.Directory, Uid: 0, WritableByOthers: false })
        {
            throw new GuestStateException($"guest '{name}': {path} is missing, not a directory, or not root's alone: define the guest again");
        }
    }

    // A container's volume directory: one of its volumes', a directory (not a link) of host root's or of the container's
    // mapped root, as are those above it.
    private static void RequireOwnDirectory(MiniguestPaths paths, GuestName name, string source, uint? mappedRoot)
    {
        if (VolumeOf(paths, name, source, suffix: "") is null)
        {
            throw new GuestStateException($"guest '{name}': its domain binds {TerminalText.Escape(source)}, which is not one of its volumes in "
                + $"{paths.GuestVolumes(name)}: define it again (miniguest create {name})");
        }
        foreach (var directory in new[] { paths.Volumes, paths.GuestVolumes(name), source })
        {
            switch (FileStatus.OfEntry(directory))
            {
                case null:
                    throw new GuestStateException($"guest '{name}': its volume directory {directory} is missing: define the guest again");
                case { Kind: not FileKind.Directory }:
                    throw new GuestStateException($"guest '{name}': {directory} is a link or not a directory; not following it");
                case { Uid: var uid } when uid != 0 && uid != mappedRoot:
                    throw new GuestStateException($"guest '{name}': {directory} belongs to uid {uid}, neither root nor the guest's root");
            }
        }
    }
}

/// <summary>A guest's volume on its host, as <c>list</c> shows it.</summary>
/// <param name="Volume">The volume, as the guest declares it.</param>
/// <param name="File">Its image (a VM's) or directory (a container's).</param>
/// <param name="ApparentBytes">The image's size, holes counted; <see langword="null"/> for a directory or where none is yet.</param>
/// <param name="AllocatedBytes">The bytes the host's disk holds for the image; <see langword="null"/> as <paramref name="ApparentBytes"/>.</param>
public sealed record VolumeFile(GuestVolume Volume, string File, long? ApparentBytes, long? AllocatedBytes);

/// <summary>The sizes of a VM's volume's image.</summary>
/// <param name="ApparentBytes">Its size, holes counted.</param>
/// <param name="AllocatedBytes">The bytes the host's disk holds for it.</param>
internal sealed record ImageSize(long ApparentBytes, long AllocatedBytes);
