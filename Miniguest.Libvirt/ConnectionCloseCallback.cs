using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

/// <summary>
/// A connection's registration of libvirt's close callback, which the driver calls when it loses the connection
/// to its daemon. The handler runs on a thread-pool thread.
/// </summary>
internal sealed unsafe class ConnectionCloseCallback
{
    private readonly Action<ConnectionCloseReason> _onClosed;
    private GCHandle<ConnectionCloseCallback> _self;
    private volatile bool _released;

    private ConnectionCloseCallback(Action<ConnectionCloseReason> onClosed) => _onClosed = onClosed;

    /// <summary>Whether the handle libvirt was given has been freed, by libvirt or by <see cref="Unregister"/>.</summary>
    internal bool IsReleased => _released;

    /// <summary>Registers <paramref name="onClosed"/> as <paramref name="connection"/>'s close callback. The
    /// registration holds a reference on the connection: call <see cref="Unregister"/> before closing it.</summary>
    internal static ConnectionCloseCallback Register(ConnectionHandle connection, Action<ConnectionCloseReason> onClosed)
    {
        var callback = new ConnectionCloseCallback(onClosed);
        callback._self = new GCHandle<ConnectionCloseCallback>(callback);
        var opaque = (void*)GCHandle<ConnectionCloseCallback>.ToIntPtr(callback._self);
        if (Interop.virConnectRegisterCloseCallback(connection, &OnClosed, opaque, &Release) < 0)
        {
            var error = LibvirtException.FromLastError("virConnectRegisterCloseCallback");
            callback._self.Dispose();
            throw error;
        }
        return callback;
    }

    /// <summary>Unregisters the callback; it is not called once this returns.</summary>
    internal void Unregister(ConnectionHandle connection)
    {
        if (Interop.virConnectUnregisterCloseCallback(connection, &OnClosed) < 0)
        {
            // Only a mismatched callback fails here, which leaves the registration in place: keep the handle
            // (a leak) rather than free what libvirt may still call with. Dispose paths must not throw.
            Interop.virResetLastError();
            return;
        }
        // libvirt holds its lock on the registration while it calls either callback, and unregistering takes that
        // lock, so neither runs now. Release has run, from here or after a close, unless the driver never kept the
        // registration (the test driver accepts and ignores it): then the handle is still ours to free.
        if (!_released)
        {
            _released = true;
            _self.Dispose();
        }
    }

    // Runs on the event loop thread with libvirt's lock on the registration held; unregistering takes that lock.
    // The handler goes to the thread pool so that it may dispose the connection without a deadlock.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void OnClosed(IntPtr connection, int reason, void* opaque)
    {
        var callback = GCHandle<ConnectionCloseCallback>.FromIntPtr((IntPtr)opaque).Target;
        ThreadPool.QueueUserWorkItem(static state => state.Handler(state.Reason),
            (Handler: callback._onClosed, Reason: (ConnectionCloseReason)reason), preferLocal: false);
    }

    // libvirt's free callback, after a close or on unregistering; it must not call into libvirt.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void Release(void* opaque)
    {
        var self = GCHandle<ConnectionCloseCallback>.FromIntPtr((IntPtr)opaque);
        self.Target._released = true;
        self.Dispose();
    }
}
