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

    [LibraryImport(Libvirt)]
    internal static partial int virNodeGetInfo(ConnectionHandle conn, NodeInfoNative* info);

    /// <summary>An owned network pointer, or null (with <c>VIR_ERR_NO_NETWORK</c> when there is none of that name).</summary>
    [LibraryImport(Libvirt, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial IntPtr virNetworkLookupByName(ConnectionHandle conn, string name);

    [LibraryImport(Libvirt)]
    internal static partial int virNetworkIsActive(IntPtr network);

    [LibraryImport(Libvirt)]
    internal static partial int virNetworkFree(IntPtr network);

    /// <summary>Fills <paramref name="networks"/> with a malloc'ed array of owned network pointers.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virConnectListAllNetworks(ConnectionHandle conn, IntPtr** networks, uint flags);

    /// <summary>The network's name, owned by the network object.</summary>
    [LibraryImport(Libvirt)]
    internal static partial byte* virNetworkGetName(IntPtr network);

    /// <summary>libvirt's <c>virNodeInfo</c>; <c>unsigned long</c> is pointer-sized on Linux.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct NodeInfoNative
    {
        public fixed byte Model[32];
        public nuint Memory;
        public uint Cpus;
        public uint Mhz;
        public uint Nodes;
        public uint Sockets;
        public uint Cores;
        public uint Threads;
    }

    /// <summary>Fills <paramref name="domains"/> with a malloc'ed array of owned domain pointers.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virConnectListAllDomains(ConnectionHandle conn, IntPtr** domains, uint flags);

    /// <summary>Returns 1 when the connection is alive, 0 when it is not, -1 on error.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virConnectIsAlive(ConnectionHandle conn);

    /// <summary>Returns 0 on success, 1 when the remote end does not support keep-alive messages, -1 on error
    /// (drivers without a remote end, such as the test driver, report <c>VIR_ERR_NO_SUPPORT</c>).</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virConnectSetKeepAlive(ConnectionHandle conn, int interval, uint count);

    /// <summary>At most one per connection; the registration holds a reference on the connection until it is
    /// unregistered. libvirt calls <paramref name="cb"/> with its lock on the registration held, then calls
    /// <paramref name="freecb"/> and forgets the registration. Unregistering calls <paramref name="freecb"/> if it
    /// has not run. Drivers without a persistent connection (the test driver) accept the registration and never
    /// call either.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virConnectRegisterCloseCallback(ConnectionHandle conn,
        delegate* unmanaged[Cdecl]<IntPtr, int, void*, void> cb, void* opaque, delegate* unmanaged[Cdecl]<void*, void> freecb);

    [LibraryImport(Libvirt)]
    internal static partial int virConnectUnregisterCloseCallback(ConnectionHandle conn,
        delegate* unmanaged[Cdecl]<IntPtr, int, void*, void> cb);
}
