using System.Reflection;
using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

internal static unsafe partial class Interop
{
    internal const string Libvirt = "libvirt.so.0";

    // Runs before the first call into libvirt: resolves the library (honouring LibvirtLibrary.Path),
    // initialises libvirt once, and stops it from printing errors to stderr; they reach callers as
    // exceptions instead.
    static Interop()
    {
        NativeLibrary.SetDllImportResolver(typeof(Interop).Assembly, ResolveLibrary);
        if (virInitialize() < 0)
        {
            throw new LibvirtException("libvirt failed to initialise", ErrorCode.InternalError, ErrorDomain.None);
        }
        virSetErrorFunc(null, &IgnoreError);
        LibvirtLibrary.MarkLoaded();
    }

    private static IntPtr ResolveLibrary(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Libvirt || LibvirtLibrary.Path is not { } path)
        {
            return IntPtr.Zero;
        }
        return NativeLibrary.Load(path);
    }

    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static void IgnoreError(void* userData, virError* error)
    {
    }

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
