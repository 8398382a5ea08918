namespace Miniguest.Libvirt;

/// <summary>
/// libvirt's default event loop, run on one dedicated background thread for the whole process. Domain events,
/// close callbacks and keep-alive all need it; so does the remote driver to notice a daemon that went away.
/// </summary>
/// <remarks>libvirt requires the loop to be registered before the first connection is opened: <see cref="LibvirtLibrary.Load"/>
/// starts it, once, and <see cref="Connection"/>'s <c>Open</c> methods, the only way this library opens one, call that
/// first. A process that only references the library has no such thread.</remarks>
internal static class EventLoop
{
    /// <summary>Registers the default event loop implementation and starts its thread (<see cref="LibvirtLibrary.Load"/>
    /// calls it once).</summary>
    internal static void Start()
    {
        Ensure.Success(Interop.virEventRegisterDefaultImpl(), "virEventRegisterDefaultImpl");
        new Thread(Run) { Name = "libvirt event loop", IsBackground = true }.Start();
    }

    private static void Run()
    {
        while (true)
        {
            if (Interop.virEventRunDefaultImpl() < 0)
            {
                // Only a failing poll() gets here. Nobody waits on this thread to be told: drop the error and
                // pause briefly so that a persistent failure does not spin a core.
                Interop.virResetLastError();
                Thread.Sleep(100);
            }
        }
    }
}
