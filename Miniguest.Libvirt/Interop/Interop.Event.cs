using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

// libvirt-event.h (the event loop) and the event registration half of libvirt-domain.h.
internal static unsafe partial class Interop
{
    /// <summary><c>VIR_DOMAIN_EVENT_ID_LIFECYCLE</c>: the callback is a <c>virConnectDomainEventCallback</c>.</summary>
    internal const int VIR_DOMAIN_EVENT_ID_LIFECYCLE = 0;

    /// <summary>Must run before the first connection is opened.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virEventRegisterDefaultImpl();

    /// <summary>Runs one iteration of the default event loop: waits for, then dispatches, timers and I/O.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virEventRunDefaultImpl();

    /// <summary>Returns the callback ID, or -1 on error (then <paramref name="freecb"/> is not called and the
    /// caller still owns <paramref name="opaque"/>). <paramref name="dom"/> is a domain to filter on, or
    /// <see cref="IntPtr.Zero"/> for every domain's events. The registration holds a reference on the connection
    /// until it is deregistered. libvirt refuses a second registration of the same <paramref name="cb"/> for the
    /// same connection, event and filter, whatever its <paramref name="opaque"/>. C declares <paramref name="cb"/>
    /// as the generic callback type; for <see cref="VIR_DOMAIN_EVENT_ID_LIFECYCLE"/> libvirt calls it as a
    /// <c>virConnectDomainEventCallback</c>, which is the signature declared here.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virConnectDomainEventRegisterAny(ConnectionHandle conn, IntPtr dom, int eventID,
        delegate* unmanaged[Cdecl]<IntPtr, IntPtr, int, int, void*, int> cb, void* opaque,
        delegate* unmanaged[Cdecl]<void*, void> freecb);

    /// <summary>Calls the registration's free callback at once, or, while an event is being dispatched on the
    /// event loop thread, once that dispatch is over.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virConnectDomainEventDeregisterAny(ConnectionHandle conn, int callbackID);

    // An event callback, like a statistics record (DomainStatsRecordNative), holds a borrowed virDomainPtr: it must
    // not be freed, so it cannot be a DomainHandle. These overloads of Interop.Domain.cs's imports read it.

    /// <summary>Borrowed: the string lives as long as the domain object and must not be freed.</summary>
    [LibraryImport(Libvirt)]
    internal static partial byte* virDomainGetName(IntPtr domain);

    /// <summary>Writes <see cref="VIR_UUID_STRING_BUFLEN"/> bytes, the terminating NUL included.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virDomainGetUUIDString(IntPtr domain, byte* buf);
}
