using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

internal static unsafe partial class Interop
{
    [LibraryImport(Libvirt)]
    internal static partial StreamHandle virStreamNew(ConnectionHandle conn, uint flags);

    /// <summary>Returns the bytes read, 0 at the end of the stream, -1 on error.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virStreamRecv(StreamHandle stream, byte* data, nuint nbytes);

    /// <summary>Returns the bytes sent, or -1 on error.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virStreamSend(StreamHandle stream, byte* data, nuint nbytes);

    [LibraryImport(Libvirt)]
    internal static partial int virStreamFinish(StreamHandle stream);

    [LibraryImport(Libvirt)]
    internal static partial int virStreamAbort(StreamHandle stream);

    [LibraryImport(Libvirt)]
    internal static partial int virStreamFree(IntPtr stream);
}
