using Miniguest.Libvirt;

namespace Miniguest.Cli;

/// <summary>Where the miniguest command loads libvirt from: <c>MINIGUEST_LIBVIRT_LIBRARY</c>, when set, names the
/// library's full path, for hosts that keep it outside the loader's search path (NixOS has no <c>/usr/lib</c>; the Nix
/// package sets it). Unset, the loader searches as usual.</summary>
internal static class LibvirtLocation
{
    /// <summary>The environment variable that names the libvirt library to load.</summary>
    public const string Variable = "MINIGUEST_LIBVIRT_LIBRARY";

    /// <summary>Gives the binding the library <see cref="Variable"/> names, if it names one; before the first
    /// connection.</summary>
    public static void ApplyEnvironment()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } path)
        {
            LibvirtLibrary.Path = path;
        }
    }
}
