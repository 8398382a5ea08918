using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

/// <summary>Where the native libvirt library is loaded from.</summary>
public static class LibvirtLibrary
{
    /// <summary>The environment variable that, when set, names the libvirt library to load.</summary>
    public const string PathVariable = "MINIGUEST_LIBVIRT_LIBRARY";

    private static string? _path = Environment.GetEnvironmentVariable(PathVariable) is { Length: > 0 } fromEnvironment
        ? fromEnvironment
        : null;
    private static volatile bool _loaded;

    /// <summary>
    /// The full path of <c>libvirt.so.0</c> for hosts that keep it outside the loader's search path (NixOS
    /// has no <c>/usr/lib</c>). <see langword="null"/> uses the loader's search. Defaults to
    /// <see cref="PathVariable"/>; set it before the first connection is opened.
    /// </summary>
    /// <exception cref="InvalidOperationException">libvirt is already loaded.</exception>
    public static string? Path
    {
        get => _path;
        set
        {
            if (_loaded)
            {
                throw new InvalidOperationException("libvirt is already loaded; set LibvirtLibrary.Path before opening a connection");
            }
            _path = value;
        }
    }

    /// <summary>
    /// Loads libvirt and starts its event loop now rather than when the first connection opens. Loading libvirt and
    /// the libraries it needs takes several milliseconds: a program with other work to do first can call this on
    /// another thread, and its first connection finds libvirt ready.
    /// </summary>
    /// <exception cref="LibvirtLibraryNotFoundException">The library cannot be loaded.</exception>
    /// <exception cref="LibvirtException">libvirt failed to initialise.</exception>
    public static void Load() => EventLoop.EnsureStarted();

    // Loaded before the first call into libvirt, so that a missing library is a clear error of its own rather than a
    // type initializer's failure. It stays loaded: the calls that follow find it so, at no further cost.
    internal static void EnsureLoadable()
    {
        var name = _path ?? Interop.Libvirt;
        try
        {
            _ = NativeLibrary.Load(name);
        }
        catch (DllNotFoundException e)
        {
            throw new LibvirtLibraryNotFoundException(name, e);
        }
    }

    internal static void MarkLoaded() => _loaded = true;
}
