using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

internal static unsafe partial class Interop
{
    [LibraryImport(Libvirt, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ConnectionHandle virConnectOpen(string? name);

    [LibraryImport(Libvirt, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial ConnectionHandle virConnectOpenReadOnly(string? name);

    /// <summary>Drops one reference; returns the references left, or -1 on error.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virConnectClose(IntPtr conn);

    [LibraryImport(Libvirt)]
    internal static partial int virConnectRef(IntPtr conn);

    [LibraryImport(Libvirt)]
    internal static partial int virConnectGetLibVersion(ConnectionHandle conn, out ulong libVer);

    [LibraryImport(Libvirt)]
    internal static partial int virConnectGetVersion(ConnectionHandle conn, out ulong hvVer);

    [LibraryImport(Libvirt)]
    internal static partial byte* virConnectGetHostname(ConnectionHandle conn);

    [LibraryImport(Libvirt)]
    internal static partial byte* virConnectGetURI(ConnectionHandle conn);

    [LibraryImport(Libvirt)]
    internal static partial byte* virConnectGetCapabilities(ConnectionHandle conn);

    [LibraryImport(Libvirt, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial byte* virConnectGetDomainCapabilities(ConnectionHandle conn, string? emulatorbin, string? arch,
        string? machine, string? virttype, uint flags);

    /// <summary>Fills <paramref name="domains"/> with a malloc'ed array of owned domain pointers.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virConnectListAllDomains(ConnectionHandle conn, IntPtr** domains, uint flags);
}
