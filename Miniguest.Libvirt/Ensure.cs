using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

/// <summary>
/// The one error path: checks what a libvirt call returned and, on failure, throws the calling thread's last
/// libvirt error at once. Every libvirt call resets that error, so the operation named here must be a
/// constant: computing it (a domain's name, say) after the failing call would call libvirt and lose the error.
/// </summary>
internal static class Ensure
{
    internal static int Success(int result, string operation) =>
        result >= 0 ? result : throw LibvirtException.FromLastError(operation);

    internal static T Valid<T>(T handle, string operation) where T : SafeHandle
    {
        if (!handle.IsInvalid)
        {
            return handle;
        }
        var error = LibvirtException.FromLastError(operation);
        handle.Dispose();
        throw error;
    }

    internal static unsafe string OwnedString(byte* value, string operation) =>
        Interop.TakeString(value) ?? throw LibvirtException.FromLastError(operation);
}
