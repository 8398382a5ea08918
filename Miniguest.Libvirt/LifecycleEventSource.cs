using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Miniguest.Libvirt;

/// <summary>
/// A connection's one libvirt registration for lifecycle events, shared by all its subscriptions, which filter by
/// domain themselves. It is made for the first subscription and kept until the connection is disposed.
/// </summary>
/// <remarks>
/// One registration, because libvirt accepts a callback function only once per connection, event and domain filter,
/// whatever its opaque pointer, and every registration here goes through the same trampoline. Kept, because
/// libvirt 9.0 loses events when a connection's last registration is removed while an event is being queued:
/// <c>virObjectEventStateQueueRemote</c> reads the dispatch timer outside its lock, queues the event after the
/// timer is gone, and from then on the queue is never flushed, for every later registration too (seen with the test
/// driver, also in plain C, by registering and deregistering in a loop while another thread defines domains).
/// </remarks>
internal sealed unsafe class LifecycleEventSource(ConnectionHandle connection)
{
    private readonly Lock _gate = new();
    private volatile DomainLifecycleSubscription[] _subscribers = [];
    private int _callbackId = -1;
    private bool _closed;
    private int _liveCallbackHandles;

    /// <summary>Whether libvirt holds a registration now.</summary>
    internal bool IsRegistered
    {
        get
        {
            lock (_gate)
            {
                return _callbackId >= 0;
            }
        }
    }

    /// <summary>How many handles given to libvirt it has not yet released with the free callback: a
    /// deregistration made while an event is being dispatched is only released once that dispatch is over.</summary>
    internal int LiveCallbackHandles => Volatile.Read(ref _liveCallbackHandles);

    internal DomainLifecycleSubscription Subscribe(Guid? domain)
    {
        var subscription = new DomainLifecycleSubscription(this, domain);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_closed, typeof(Connection));
            if (_callbackId < 0)
            {
                Register();
            }
            _subscribers = [.. _subscribers, subscription];
        }
        return subscription;
    }

    internal void Unsubscribe(DomainLifecycleSubscription subscription)
    {
        lock (_gate)
        {
            _subscribers = Array.FindAll(_subscribers, s => s != subscription);
        }
    }

    /// <summary>Deregisters, and completes every subscription: the connection is being disposed. This is the only
    /// deregistration, so nothing can be queued on this connection any more when it happens.</summary>
    internal void Close()
    {
        DomainLifecycleSubscription[] ended;
        lock (_gate)
        {
            if (_closed)
            {
                return;
            }
            _closed = true;
            if (_callbackId >= 0)
            {
                Deregister();
            }
            ended = _subscribers;
            _subscribers = [];
        }
        foreach (var subscription in ended)
        {
            subscription.Complete();
        }
    }

    // Caller holds _gate.
    private void Register()
    {
        var self = new GCHandle<LifecycleEventSource>(this);
        Interlocked.Increment(ref _liveCallbackHandles);
        var callbackId = Interop.virConnectDomainEventRegisterAny(connection, IntPtr.Zero,
            Interop.VIR_DOMAIN_EVENT_ID_LIFECYCLE, &OnLifecycleEvent, (void*)GCHandle<LifecycleEventSource>.ToIntPtr(self),
            &ReleaseCallback);
        if (callbackId < 0)
        {
            var error = LibvirtException.FromLastError("virConnectDomainEventRegisterAny");
            // A failed registration never calls the free callback: the handle is still ours.
            self.Dispose();
            Interlocked.Decrement(ref _liveCallbackHandles);
            throw error;
        }
        _callbackId = callbackId;
    }

    // Caller holds _gate. Deregistering never waits for a dispatch in progress (it defers the free callback
    // instead), and the callback takes no lock, so holding _gate here cannot deadlock. An error is dropped: this is
    // a disposal path, and the remote driver reports one for a lost daemon after it has let go of the callback
    // anyway.
    private void Deregister()
    {
        if (Interop.virConnectDomainEventDeregisterAny(connection, _callbackId) < 0)
        {
            Interop.virResetLastError();
        }
        _callbackId = -1;
    }

    // Runs on the event loop thread. The domain is borrowed: read it here, never free it. Nothing may unwind into
    // libvirt, so a failure to read the event ends the subscriptions with it: their readers see the exception.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static int OnLifecycleEvent(IntPtr connection, IntPtr domain, int type, int detail, void* opaque)
    {
        var subscribers = GCHandle<LifecycleEventSource>.FromIntPtr((IntPtr)opaque).Target._subscribers;
        if (subscribers.Length == 0)
        {
            return 0;
        }
        DomainLifecycleEvent lifecycleEvent;
        try
        {
            lifecycleEvent = ReadEvent(domain, (DomainEventType)type, detail);
        }
        catch (Exception e)
        {
            foreach (var subscription in subscribers)
            {
                subscription.Fail(e);
            }
            return 0;
        }
        foreach (var subscription in subscribers)
        {
            subscription.Deliver(lifecycleEvent);
        }
        return 0;
    }

    // libvirt's free callback: after it, libvirt never calls OnLifecycleEvent with this handle again. It must not
    // call into libvirt.
    [UnmanagedCallersOnly(CallConvs = [typeof(CallConvCdecl)])]
    private static void ReleaseCallback(void* opaque)
    {
        var self = GCHandle<LifecycleEventSource>.FromIntPtr((IntPtr)opaque);
        Interlocked.Decrement(ref self.Target._liveCallbackHandles);
        self.Dispose();
    }

    private static DomainLifecycleEvent ReadEvent(IntPtr domain, DomainEventType type, int detail)
    {
        var name = Interop.BorrowString(Interop.virDomainGetName(domain))
            ?? throw LibvirtException.FromLastError("virDomainGetName");
        var uuid = stackalloc byte[Interop.VIR_UUID_STRING_BUFLEN];
        Ensure.Success(Interop.virDomainGetUUIDString(domain, uuid), "virDomainGetUUIDString");
        return new DomainLifecycleEvent(name, Guid.Parse(new ReadOnlySpan<byte>(uuid, Interop.VIR_UUID_STRING_BUFLEN - 1)),
            type, detail);
    }
}
