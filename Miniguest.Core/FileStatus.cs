using System.Runtime.InteropServices;

namespace Miniguest.Core;

/// <summary>What a directory entry is and who may change it, as <c>statx</c> tells it.</summary>
/// <param name="Kind">A directory, a symbolic link, or something else.</param>
/// <param name="Uid">Its owner.</param>
/// <param name="Mode">Its permission bits, the setuid, setgid and sticky bits among them.</param>
/// <param name="Inode">Its inode number.</param>
/// <param name="Device">The device of its file system, major and minor number: with <paramref name="Inode"/>, which file
/// it is.</param>
internal readonly record struct FileStatus(FileKind Kind, uint Uid, UnixFileMode Mode, ulong Inode, (uint Major, uint Minor) Device)
{
    private const int AtSymlinkNoFollow = 0x100;
    private const int AtEmptyPath = 0x1000;
    private const int TypeMask = 0xF000; // S_IFMT
    private const int DirectoryType = 0x4000; // S_IFDIR
    private const int LinkType = 0xA000; // S_IFLNK
    private const int RegularType = 0x8000; // S_IFREG

    /// <summary>Whether it is a regular file (not a link, a device, a socket or a pipe).</summary>
    public bool IsRegularFile { get; init; }

    /// <summary>How many names it has (its hard links).</summary>
    public uint Links { get; init; }

    /// <summary>Its size in bytes, as it reads (a sparse file's holes counted).</summary>
    public ulong Size { get; init; }

    /// <summary>The bytes its file system holds for it (a sparse file's holes not counted).</summary>
    public ulong AllocatedBytes { get; init; }

    /// <summary>Whether a user other than its owner may create, rename or delete names in it (a directory) or write it.</summary>
    public bool WritableByOthers => (Mode & (UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0;

    /// <summary>Whether only its owner (and root) may pass through it.</summary>
    public bool OwnerOnly => (Mode & (UnixFileMode.GroupExecute | UnixFileMode.OtherExecute)) == 0;

    /// <summary>The entry at <paramref name="path"/> itself, a final link not followed; <see langword="null"/> where
    /// nothing is.</summary>
    /// <exception cref="IOException">It cannot be looked at.</exception>
    public static FileStatus? OfEntry(string path) => Read(path, AtSymlinkNoFollow);

    /// <summary>What <paramref name="path"/> leads to, every link followed; <see langword="null"/> where nothing is.</summary>
    /// <exception cref="IOException">It cannot be looked at.</exception>
    public static FileStatus? Of(string path) => Read(path, 0);

    /// <summary>The file open as <paramref name="file"/>, wherever it is now, deleted or not.</summary>
    /// <exception cref="IOException">It cannot be looked at.</exception>
    public static FileStatus OfDescriptor(Microsoft.Win32.SafeHandles.SafeFileHandle file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var added = false;
        file.DangerousAddRef(ref added);
        try
        {
            return Read((int)file.DangerousGetHandle(), "", AtEmptyPath, "an open file") ?? throw new IOException("an open file: cannot be looked at");
        }
        finally
        {
            if (added)
            {
                file.DangerousRelease();
            }
        }
    }

    /// <summary>Whether <paramref name="other"/> is the status of the same file: the same inode on the same device.</summary>
    public bool IsSameFile(FileStatus other) => Inode == other.Inode && Device == other.Device;

    /// <summary>The octal permission bits, as <c>ls</c> and <c>chmod</c> write them.</summary>
    public string OctalMode => Convert.ToString((int)Mode, 8).PadLeft(4, '0');

    private static FileStatus? Read(string path, int flags) => Read(LibC.AtFdCwd, path, flags, path);

    private static unsafe FileStatus? Read(int directory, string path, int flags, string what)
    {
        var buffer = stackalloc byte[LibC.StatxSize];
        if (LibC.statx(directory, path, flags, LibC.StatxBasicStats, buffer) != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            return error is LibC.ENOENT or LibC.ENOTDIR ? null : throw new IOException($"{what}: {Marshal.GetPInvokeErrorMessage(error)}");
        }
        // struct statx: stx_nlink at 16, stx_uid at 20, stx_mode (16 bits) at 28, stx_ino at 32, stx_size at 40, stx_blocks
        // (of 512 bytes) at 48, stx_dev_major and stx_dev_minor at 136 and 140, on every architecture.
        var bytes = new ReadOnlySpan<byte>(buffer, LibC.StatxSize);
        var mode = MemoryMarshal.Read<ushort>(bytes[28..]);
        var kind = (mode & TypeMask) switch
        {
            DirectoryType => FileKind.Directory,
            LinkType => FileKind.SymbolicLink,
            _ => FileKind.Other,
        };
        return new FileStatus(kind, MemoryMarshal.Read<uint>(bytes[20..]), (UnixFileMode)(mode & 0xFFF),
            MemoryMarshal.Read<ulong>(bytes[32..]), (MemoryMarshal.Read<uint>(bytes[136..]), MemoryMarshal.Read<uint>(bytes[140..])))
        {
            IsRegularFile = (mode & TypeMask) == RegularType,
            Links = MemoryMarshal.Read<uint>(bytes[16..]),
            Size = MemoryMarshal.Read<ulong>(bytes[40..]),
            AllocatedBytes = MemoryMarshal.Read<ulong>(bytes[48..]) * 512,
        };
    }
}

/// <summary>What kind of file a directory entry is.</summary>
internal enum FileKind
{
    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A symbolic link.</summary>
    SymbolicLink,

    /// <summary>Anything else: a regular file, a device, a socket, a pipe.</summary>
    Other,
}
