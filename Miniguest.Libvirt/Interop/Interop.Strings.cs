using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

internal static unsafe partial class Interop
{
    /// <summary>Converts a string that libvirt allocated and the caller owns, and frees it.</summary>
    internal static string? TakeString(byte* value)
    {
        if (value == null)
        {
            return null;
        }
        try
        {
            return System.Runtime.InteropServices.Marshalling.Utf8StringMarshaller.ConvertToManaged(value);
        }
        finally
        {
            NativeMemory.Free(value);
        }
    }

    /// <summary>Converts a string that libvirt still owns (it must not be freed).</summary>
    internal static string? BorrowString(byte* value) =>
        System.Runtime.InteropServices.Marshalling.Utf8StringMarshaller.ConvertToManaged(value);
}
