using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

/// <summary>The few C library calls that .NET has no API for. Apart from <see cref="Interop"/>, so that calling
/// them does not load and initialise libvirt.</summary>
internal static unsafe partial class LibC
{
    private const string Name = "libc.so.6";

    /// <summary>The canonical absolute path, in a buffer the caller frees; null with errno set.</summary>
    [LibraryImport(Name, StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    internal static partial byte* realpath(string path, byte* resolved);

    /// <summary>The file's canonical path: absolute, every symbolic link resolved.</summary>
    /// <exception cref="IOException">It does not exist or cannot be reached.</exception>
    internal static string RealPath(string path)
    {
        var resolved = realpath(path, null);
        if (resolved == null)
        {
            throw new IOException($"cannot resolve {path}: {Marshal.GetLastPInvokeErrorMessage()}");
        }
        try
        {
            return System.Runtime.InteropServices.Marshalling.Utf8StringMarshaller.ConvertToManaged(resolved)!;
        }
        finally
        {
            NativeMemory.Free(resolved);
        }
    }
}
