using System.Runtime.InteropServices;

namespace Miniguest.Core;

/// <summary>The few C library calls that .NET has no API for.</summary>
internal static partial class LibC
{
    // glibc's soname, which the loader finds among the libraries already loaded; "libc" would send .NET probing
    // fifty paths first.
    private const string Name = "libc.so.6";

    /// <summary>Renames a file, replacing <paramref name="newpath"/> (a link itself, never what it points at); 0, or -1
    /// with errno set.</summary>
    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int rename(string oldpath, string newpath);

    /// <summary>Opens a directory stream; 0 with errno set.</summary>
    [LibraryImport(Name, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial nint opendir(string name);

    /// <summary>The next entry of a directory stream; 0 at the end, and on an error with errno set.</summary>
    [LibraryImport(Name, SetLastError = true)]
    internal static partial nint readdir(nint stream);

    /// <summary>Closes a directory stream.</summary>
    [LibraryImport(Name)]
    internal static partial int closedir(nint stream);
}
