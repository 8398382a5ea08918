namespace Miniguest.Libvirt;

internal static partial class Interop
{
    /// <summary>libvirt's client library, by its soname.</summary>
    internal const string Libvirt = "libvirt.so.0";

    /// <summary>libxml2, which libvirt parses XML with, by its soname.</summary>
    internal const string Libxml2 = "libxml2.so.2";
}
