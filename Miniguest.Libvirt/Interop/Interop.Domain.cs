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
    internal static partial int virDomainShutdown(DomainHandle domain);

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

    /// <summary>Borrowed: the domain's connection, without a new reference.</summary>
    [LibraryImport(Libvirt)]
    internal static partial IntPtr virDomainGetConnect(DomainHandle domain);
}
