using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

// libvirt-event.h: the event loop.
internal static unsafe partial class Interop
{
    /// <summary>Must run before the first connection is opened.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virEventRegisterDefaultImpl();

    /// <summary>Runs one iteration of the default event loop: waits for, then dispatches, timers and I/O.</summary>
    [LibraryImport(Libvirt)]
    internal static partial int virEventRunDefaultImpl();
}
