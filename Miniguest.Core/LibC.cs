using System.Runtime.InteropServices;

namespace Miniguest.Core;

/// <summary>The few C library calls that .NET has no API for: directory streams, and the calls relative to a
/// directory descriptor that never follow a symbolic link (<see cref="DirectoryHandle"/>).</summary>
internal static partial class LibC
{
    // glibc's soname, which the loader finds among the libraries already loaded; "libc" would send .NET probing
    // fifty paths first.
    private const string Name = "libc.so.6";

    public const int AtFdCwd = -100;
    public const int AtSymlinkNoFollow = 0x100;
    public const int AtRemoveDir = 0x200;

    public const int ReadOnly = 0;
    public const int WriteOnly = 1;
    public const int ReadWrite = 2;
    public const int Create = 0x40;
    public const int Exclusive = 0x80;
    public const int NonBlocking = 0x800;
    public const int CloseOnExec = 0x80000;
    public const int PathOnly = 0x200000;
    public const uint RenameNoReplace = 1;

    // O_DIRECTORY and O_NOFOLLOW are the only open flags used here whose values differ between x86-64 and AArch64.
    public static readonly int DirectoryOnly = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x4000 : 0x10000;
    public static readonly int NoFollow = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Arm ? 0x8000 : 0x20000;

    public const int ENOENT = 2;
    public const int EEXIST = 17;
    public const int ENOTDIR = 20;
    public const int EROFS = 30;
    public const int EISDIR = 21;
    public const int ENOTEMPTY = 39;
    public const int ELOOP = 40;

    public const int SIGKILL = 9;

    /// <summary>Opens a directory stream; 0 with errno set.</summary>
    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint opendir(string name);

    /// <summary>A directory stream over a descriptor, which the stream then owns; 0 with errno set.</summary>
    [LibraryImport(Name, SetLastError = true)]
    internal static partial nint fdopendir(int fd);

    /// <summary>The next entry of a directory stream; 0 at the end, and on an error with errno set.</summary>
    [LibraryImport(Name, SetLastError = true)]
    internal static partial nint readdir(nint stream);

    /// <summary>Closes a directory stream.</summary>
    [LibraryImport(Name)]
    internal static partial int closedir(nint stream);

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int openat(int dirfd, string path, int flags, uint mode);

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int mkdirat(int dirfd, string path, uint mode);

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int unlinkat(int dirfd, string path, int flags);

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int renameat(int olddirfd, string oldpath, int newdirfd, string newpath);

    // glibc 2.28 and later; flags: RenameNoReplace.
    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int renameat2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int symlinkat(string target, int newdirfd, string linkpath);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int fchown(int fd, uint owner, uint group);

    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int fchownat(int dirfd, string path, uint owner, uint group, int flags);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int fchmod(int fd, uint mode);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int close(int fd);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int ftruncate(int fd, long length);

    [LibraryImport(Name, SetLastError = true)]
    internal static partial int kill(int pid, int signal);

    public const int StatxBasicStats = 0x7ff;
    public const int StatxSize = 256;

    /// <summary>A file's status into a <see cref="StatxSize"/>-byte buffer; unlike <c>struct stat</c>, <c>struct statx</c>
    /// is laid out the same on every architecture (<see cref="FileStatus"/>).</summary>
    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static unsafe partial int statx(int dirfd, string path, int flags, uint mask, byte* buffer);
}
