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
        SilenceLibxml2();
        LibvirtLibrary.MarkLoaded();
    }

    // libvirt parses XML with libxml2, whose default handler prints its own warnings to stderr ("I/O warning :
    // failed to load external entity …") beside the error libvirt reports: silence it, for this thread and for
    // threads made from now on. Where libxml2 cannot be found by its usual name, its default stays.
    private static void SilenceLibxml2()
    {
        if (!NativeLibrary.TryLoad("libxml2.so.2", typeof(Interop).Assembly, null, out var libxml2))
        {
            return;
        }
        foreach (var setter in new[] { "xmlSetGenericErrorFunc", "xmlThrDefSetGenericErrorFunc" })
        {
            if (NativeLibrary.TryGetExport(libxml2, setter, out var address))
            {
                ((delegate* unmanaged[Cdecl]<void*, delegate* unmanaged[Cdecl]<void*, byte*, void>, void>)address)(null, &IgnoreXmlMessage);
            }
        }
    }

    // libxml2 declares the handler variadic; the arguments after the format are never read.
    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static void IgnoreXmlMessage(void* context, byte* format)
    {
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
