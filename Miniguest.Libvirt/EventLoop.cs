namespace Miniguest.Libvirt;

/// <summary>
/// libvirt's default event loop, run on one dedicated background thread for the whole process. Domain events,
/// close callbacks and keep-alive all need it; so does the remote driver to notice a daemon that went away.
/// </summary>
/// <remarks>libvirt requires the loop to be registered before the first connection is opened, and
/// <see cref="Connection"/>'s <c>Open</c> methods are the only way this library opens one: they call
/// <see cref="EnsureStarted"/> first. Starting it there rather than in <c>Interop</c>'s static constructor keeps the
/// thread out of processes that only load the library.</remarks>
internal static class EventLoop
{
    private static readonly Lock Gate = new();
    private static volatile Thread? _thread;

    /// <summary>Registers the default event loop implementation and starts its thread, once.</summary>
    internal static void EnsureStarted()
    {
        if (_thread is not null)
        {
            return;
        }
        lock (Gate)
        {
            if (_thread is not null)
            {
                return;
            }
            LibvirtLibrary.EnsureLoadable();
            Ensure.Success(Interop.virEventRegisterDefaultImpl(), "virEventRegisterDefaultImpl");
            var thread = new Thread(Run) { Name = "libvirt event loop", IsBackground = true };
            thread.Start();
            _thread = thread;
        }
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
