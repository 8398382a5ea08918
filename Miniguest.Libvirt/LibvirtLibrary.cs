using System.Reflection;
using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

/// <summary>Where the native libvirt library is loaded from, and its loading: libvirt is loaded and initialised, and its
/// event loop started, by <see cref="Load"/>, which opening a connection calls.</summary>
public static unsafe class LibvirtLibrary
{
    private static readonly Lock Gate = new();
    private static string? _path;
    private static nint _library;
    private static volatile bool _loaded;

    /// <summary>
    /// The full path of <c>libvirt.so.0</c> for hosts that keep it outside the loader's search path (NixOS
    /// has no <c>/usr/lib</c>). <see langword="null"/>, the default, uses the loader's search. Set it before the first
    /// connection is opened.
    /// </summary>
    /// <exception cref="InvalidOperationException">libvirt is already loaded.</exception>
    public static string? Path
    {
        get => _path;
        set
        {
            lock (Gate)
            {
                if (_loaded)
                {
                    throw new InvalidOperationException("libvirt is already loaded; set LibvirtLibrary.Path before opening a connection");
                }
                _path = value;
            }
        }
    }

    /// <summary>
    /// Whether <see cref="Load"/> also silences libxml2's own printing of errors. libvirt parses XML with libxml2, whose
    /// default handler prints warnings to stderr ("I/O warning : failed to load external entity …") beside the error
    /// libvirt reports. Off unless set: it changes the whole process (this thread and threads made from then on); a
    /// command-line tool that reports libvirt's errors itself sets it before the first connection.
    /// </summary>
    public static bool SilenceXmlErrors { get; set; }

    /// <summary>
    /// Loads and initialises libvirt, stops it from printing errors (they reach callers as exceptions), and starts its
    /// event loop, once; opening a connection does so first. Loading libvirt and the libraries it needs takes several
    /// milliseconds: a program with other work to do first can start it with <see cref="LoadInBackground"/>, and its
    /// first connection finds libvirt ready.
    /// </summary>
    /// <exception cref="LibvirtLibraryNotFoundException">The library cannot be loaded.</exception>
    /// <exception cref="LibvirtException">libvirt failed to initialise.</exception>
    public static void Load()
    {
        if (_loaded)
        {
            return;
        }
        lock (Gate)
        {
            if (_loaded)
            {
                return;
            }
            var name = _path ?? Interop.Libvirt;
            try
            {
                // Loaded here, before any call into it, so that a missing library is a clear error of its own.
                _library = NativeLibrary.Load(name);
            }
            catch (DllNotFoundException e)
            {
                throw new LibvirtLibraryNotFoundException(name, e);
            }
            NativeLibrary.SetDllImportResolver(typeof(LibvirtLibrary).Assembly, Resolve);
            Ensure.Success(Interop.virInitialize(), "virInitialize");
            Interop.virSetErrorFunc(null, &Interop.IgnoreError);
            if (SilenceXmlErrors)
            {
                SilenceLibxml2();
            }
            EventLoop.Start();
            _loaded = true;
        }
    }

    /// <summary>
    /// Starts <see cref="Load"/> on a thread of its own and returns at once: the task completes when libvirt is loaded
    /// (continuations may run on that thread), or faults with what <see cref="Load"/> threw. While it loads, a thread
    /// made elsewhere in the process waits for the dynamic loader's lock, which loading a library holds throughout: a
    /// program gains most when it makes no thread until libvirt is loaded.
    /// </summary>
    public static Task LoadInBackground()
    {
        if (_loaded)
        {
            return Task.CompletedTask;
        }
        var loaded = new TaskCompletionSource();
        new Thread(() =>
        {
            try
            {
                Load();
                loaded.SetResult();
            }
            catch (Exception e)
            {
                loaded.SetException(e);
            }
        }) { Name = "libvirt loader", IsBackground = true }.Start();
        return loaded.Task;
    }

    // Every call of this assembly into libvirt goes to the library Load loaded.
    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath) =>
        name == Interop.Libvirt ? _library : 0;

    // Where libxml2 cannot be found by its usual name, its default stays.
    private static void SilenceLibxml2()
    {
        if (!NativeLibrary.TryLoad(Interop.Libxml2, typeof(LibvirtLibrary).Assembly, null, out var libxml2))
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
}
