using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

internal static unsafe partial class Interop
{
    internal const int VIR_UUID_STRING_BUFLEN = 37;

    [LibraryImport(Libvirt, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainHandle virDomainDefineXMLFlags(ConnectionHandle conn, string xml, uint flags);

    [LibraryImport(Libvirt, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainHandle virDomainLookupByName(ConnectionHandle conn, string name);

    [LibraryImport(Libvirt, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial DomainHandle virDomainLookupByUUIDString(ConnectionHandle conn, string uuid);

    [LibraryImport(Libvirt)]
    internal static partial int virDomainFree(IntPtr domain);

    [LibraryImport(Libvirt)]
    internal static partial int virDomainUndefineFlags(DomainHandle domain, uint flags);

    [LibraryImport(Libvirt)]
    internal static partial int virDomainCreateWithFlags(DomainHandle domain, uint flags);

    [LibraryImport(Libvirt)]
    internal static partial int virDomainDestroy(DomainHandle domain);

    [LibraryImport(Libvirt)]
    internal static partial int virDomainShutdownFlags(DomainHandle domain, uint flags);

    /// <summary>Borrowed: the string lives as long as the domain object and must not be freed.</summary>
    [LibraryImport(Libvirt)]
    internal static partial byte* virDomainGetName(DomainHandle domain);

    /// <summary>Writes <see cref="VIR_UUID_STRING_BUFLEN"/> bytes, the terminating NUL included.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virDomainGetUUIDString(DomainHandle domain, byte* buf);

    [LibraryImport(Libvirt)]
    internal static partial int virDomainGetState(DomainHandle domain, out int state, out int reason, uint flags);

    [LibraryImport(Libvirt)]
    internal static partial byte* virDomainGetXMLDesc(DomainHandle domain, uint flags);

    [LibraryImport(Libvirt, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainOpenConsole(DomainHandle domain, string? devName, StreamHandle stream, uint flags);

    [LibraryImport(Libvirt, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainOpenChannel(DomainHandle domain, string name, StreamHandle stream, uint flags);

    /// <summary>Borrowed: the domain's connection, without a new reference.</summary>
    [LibraryImport(Libvirt)]
    internal static partial IntPtr virDomainGetConnect(DomainHandle domain);

    [LibraryImport(Libvirt)]
    internal static partial int virDomainReboot(DomainHandle domain, uint flags);

    [LibraryImport(Libvirt)]
    internal static partial int virDomainSuspend(DomainHandle domain);

    [LibraryImport(Libvirt)]
    internal static partial int virDomainResume(DomainHandle domain);

    /// <summary>Returns 1 if running, 0 if not, -1 on error.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virDomainIsActive(DomainHandle domain);

    /// <summary>Returns 1 if persistent, 0 if transient, -1 on error.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virDomainIsPersistent(DomainHandle domain);

    /// <summary>The hypervisor's ID of a running domain; (unsigned)-1 when it does not run.</summary>
    [LibraryImport(Libvirt)]
    internal static partial uint virDomainGetID(DomainHandle domain);

    [LibraryImport(Libvirt)]
    internal static partial int virDomainGetAutostart(DomainHandle domain, out int autostart);

    [LibraryImport(Libvirt)]
    internal static partial int virDomainSetAutostart(DomainHandle domain, int autostart);

    internal const int VIR_DOMAIN_METADATA_ELEMENT = 2;

    /// <summary>Owned: the metadata element's XML, or null with VIR_ERR_NO_DOMAIN_METADATA when absent.</summary>
    [LibraryImport(Libvirt, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial byte* virDomainGetMetadata(DomainHandle domain, int type, string? uri, uint flags);

    [LibraryImport(Libvirt, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainSetMetadata(DomainHandle domain, int type, string? metadata, string? key,
        string? uri, uint flags);
    /// <summary><c>virDomainInterface</c>: one interface of a running domain and the addresses found for it.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct DomainInterfaceNative
    {
        public byte* Name;
        public byte* HardwareAddress;
        public uint AddressCount;
        public DomainIPAddressNative* Addresses;
    }

    /// <summary><c>virDomainIPAddress</c>; <c>Type</c> is 0 for IPv4, 1 for IPv6.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct DomainIPAddressNative
    {
        public int Type;
        public byte* Address;
        public uint Prefix;
    }

    /// <summary>Owned: each element is freed with <see cref="virDomainInterfaceFree"/>, then the array with free().</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virDomainInterfaceAddresses(DomainHandle domain, DomainInterfaceNative*** interfaces, uint source, uint flags);

    [LibraryImport(Libvirt)]
    internal static partial void virDomainInterfaceFree(DomainInterfaceNative* iface);

    /// <summary><c>virDomainInfo</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct DomainInfoNative
    {
        public byte State;
        public nuint MaxMem;
        public nuint Memory;
        public ushort NrVirtCpu;
        public ulong CpuTime;
    }

    [LibraryImport(Libvirt)]
    internal static partial int virDomainGetInfo(DomainHandle domain, DomainInfoNative* info);

    /// <summary><c>virDomainInterfaceStatsStruct</c>: eight counters, -1 where the driver does not count one.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct InterfaceStatsNative
    {
        public long RxBytes;
        public long RxPackets;
        public long RxErrs;
        public long RxDrop;
        public long TxBytes;
        public long TxPackets;
        public long TxErrs;
        public long TxDrop;
    }

    [LibraryImport(Libvirt, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int virDomainInterfaceStats(DomainHandle domain, string device, InterfaceStatsNative* stats, nuint size);

    /// <summary><c>virDomainStatsRecord</c>: one domain's statistics. The list it is in owns the domain reference and
    /// the parameters (their strings too): <see cref="virDomainStatsRecordListFree"/> frees them all.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct DomainStatsRecordNative
    {
        public IntPtr Domain;
        public TypedParameterNative* Params;
        public int ParamCount;
    }

    /// <summary>Returns the records' count and fills <paramref name="retStats"/> with a NULL-terminated array of
    /// records, to be freed with <see cref="virDomainStatsRecordListFree"/>; on error returns -1 and leaves it
    /// NULL.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virConnectGetAllDomainStats(ConnectionHandle conn, uint stats, DomainStatsRecordNative*** retStats,
        uint flags);

    /// <summary>Frees the records, their parameters and domain references, and the array; NULL is a no-op.</summary>
    [LibraryImport(Libvirt)]
    internal static partial void virDomainStatsRecordListFree(DomainStatsRecordNative** stats);
}
