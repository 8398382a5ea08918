using System.Diagnostics.CodeAnalysis;

namespace Miniguest.Libvirt;

/// <summary>
/// A connection to a libvirt hypervisor driver: <c>qemu:///system</c>, <c>qemu:///session</c>,
/// <c>lxc:///</c>, <c>test:///default</c>, or a remote URI such as <c>qemu+ssh://host/system</c>.
/// </summary>
/// <remarks>Thread-safe: libvirt serialises calls on one connection, so it may be shared between threads.
/// Domains obtained from it keep the underlying connection alive after this object is disposed; its event
/// subscriptions end with it.</remarks>
public sealed class Connection : IDisposable
{
    private readonly ConnectionHandle _handle;
    private readonly LifecycleEventSource _lifecycleEvents;
    private readonly Lock _closeGate = new();
    private ConnectionCloseCallback? _closeCallback;
    private CancellationTokenSource? _lost;
    private EventHandler<ConnectionClosedEventArgs>? _closed;

    private Connection(ConnectionHandle handle, string requestedUri)
    {
        _handle = handle;
        _lifecycleEvents = new LifecycleEventSource(handle);
        RequestedUri = requestedUri;
    }

    /// <summary>The URI this connection was opened with.</summary>
    public string RequestedUri { get; }

    /// <summary>Opens a read-write connection.</summary>
    /// <exception cref="ConnectionFailedException">The driver or daemon cannot be reached.</exception>
    public static Connection Open(string uri)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        LibvirtLibrary.Load();
        return new Connection(Ensure.Valid(Interop.virConnectOpen(uri), "virConnectOpen"), uri);
    }

    /// <summary>Opens a read-only connection: enough to list and inspect, and allowed to more users.</summary>
    /// <exception cref="ConnectionFailedException">The driver or daemon cannot be reached.</exception>
    public static Connection OpenReadOnly(string uri)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        LibvirtLibrary.Load();
        return new Connection(Ensure.Valid(Interop.virConnectOpenReadOnly(uri), "virConnectOpenReadOnly"), uri);
    }

    /// <summary>The canonical URI of the driver that answered.</summary>
    public unsafe string Uri => Ensure.OwnedString(Interop.virConnectGetURI(_handle), "virConnectGetURI");

    /// <summary>The host name of the hypervisor's machine.</summary>
    public unsafe string HostName => Ensure.OwnedString(Interop.virConnectGetHostname(_handle), "virConnectGetHostname");

    /// <summary>The version of libvirt behind this connection (the daemon's, for remote drivers).</summary>
    public Version LibraryVersion
    {
        get
        {
            Ensure.Success(Interop.virConnectGetLibVersion(_handle, out var version), "virConnectGetLibVersion");
            return DecodeVersion(version);
        }
    }

    /// <summary>The hypervisor's version (QEMU's, for the QEMU driver).</summary>
    public Version HypervisorVersion
    {
        get
        {
            Ensure.Success(Interop.virConnectGetVersion(_handle, out var version), "virConnectGetVersion");
            return DecodeVersion(version);
        }
    }

    /// <summary>The host's capabilities XML.</summary>
    public unsafe string GetCapabilities() =>
        Ensure.OwnedString(Interop.virConnectGetCapabilities(_handle), "virConnectGetCapabilities");

    /// <summary>The domain capabilities XML for one emulator, architecture, machine and virtualisation type;
    /// <see langword="null"/> arguments take the driver's defaults. It tells whether KVM is offered.</summary>
    public unsafe string GetDomainCapabilities(string? emulator = null, string? arch = null, string? machine = null,
        string? virtType = null) =>
        Ensure.OwnedString(Interop.virConnectGetDomainCapabilities(_handle, emulator, arch, machine, virtType, 0),
            "virConnectGetDomainCapabilities");

    /// <summary>Defines (or redefines) a persistent domain from its XML.</summary>
    /// <exception cref="InvalidXmlException">The XML is malformed or, with validation, breaks libvirt's schema.</exception>
    public Domain DefineDomain(string xml, DomainDefineFlags flags = DomainDefineFlags.Validate)
    {
        ArgumentNullException.ThrowIfNull(xml);
        return new Domain(Ensure.Valid(Interop.virDomainDefineXMLFlags(_handle, xml, (uint)flags), "virDomainDefineXMLFlags"));
    }

    /// <summary>Looks a domain up by name.</summary>
    /// <exception cref="DomainNotFoundException">No domain has that name.</exception>
    public Domain GetDomain(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return new Domain(Ensure.Valid(Interop.virDomainLookupByName(_handle, name), "virDomainLookupByName"));
    }

    /// <summary>Looks a domain up by name; <see langword="false"/> when none has it. Other errors throw.</summary>
    public bool TryGetDomain(string name, [NotNullWhen(true)] out Domain? domain)
    {
        try
        {
            domain = GetDomain(name);
            return true;
        }
        catch (DomainNotFoundException)
        {
            domain = null;
            return false;
        }
    }

    /// <summary>Whether a network of that name is defined, and if so whether it is active (<c>virNetworkLookupByName</c>).</summary>
    public bool TryGetNetwork(string name, out bool isActive)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var network = Interop.virNetworkLookupByName(_handle, name);
        if (network == IntPtr.Zero)
        {
            var error = LibvirtException.FromLastError("virNetworkLookupByName");
            isActive = false;
            return error.Code == ErrorCode.NoNetwork ? false : throw error;
        }
        try
        {
            isActive = Ensure.Success(Interop.virNetworkIsActive(network), "virNetworkIsActive") == 1;
            return true;
        }
        finally
        {
            _ = Interop.virNetworkFree(network);
        }
    }

    /// <summary>What the host is: its CPU model, memory and CPUs (<c>virNodeGetInfo</c>).</summary>
    public unsafe NodeInfo GetNodeInfo()
    {
        Interop.NodeInfoNative info;
        Ensure.Success(Interop.virNodeGetInfo(_handle, &info), "virNodeGetInfo");
        var model = new ReadOnlySpan<byte>(info.Model, 32);
        var end = model.IndexOf((byte)0);
        return new NodeInfo(System.Text.Encoding.UTF8.GetString(end < 0 ? model : model[..end]), info.Memory, info.Cpus, info.Mhz,
            info.Nodes, info.Sockets, info.Cores, info.Threads);
    }

    /// <summary>Looks a domain up by UUID.</summary>
    /// <exception cref="DomainNotFoundException">No domain has that UUID.</exception>
    public Domain GetDomain(Guid uuid) =>
        new(Ensure.Valid(Interop.virDomainLookupByUUIDString(_handle, uuid.ToString("D")), "virDomainLookupByUUIDString"));

    /// <summary>Every domain that matches <paramref name="flags"/> (all of them by default), in one call.</summary>
    public unsafe IReadOnlyList<Domain> ListAllDomains(ConnectListAllDomainsFlags flags = ConnectListAllDomainsFlags.None)
    {
        IntPtr* array = null;
        var count = Ensure.Success(Interop.virConnectListAllDomains(_handle, &array, (uint)flags), "virConnectListAllDomains");
        try
        {
            var domains = new Domain[count];
            for (var i = 0; i < count; i++)
            {
                domains[i] = new Domain(new DomainHandle(array[i]));
            }
            return domains;
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(array);
        }
    }

    /// <summary>
    /// The statistics of every domain that matches <paramref name="flags"/> (all of them by default), in one call
    /// (<c>virConnectGetAllDomainStats</c>): a record per domain, in libvirt's order, holding the groups in
    /// <paramref name="stats"/> that the driver supports (<see cref="DomainStatsTypes.Supported"/>: all of those).
    /// </summary>
    /// <exception cref="LibvirtException">With <see cref="ErrorCode.ArgumentUnsupported"/>: a group asked for with
    /// <see cref="ConnectGetAllDomainStatsFlags.EnforceStats"/> is not supported by the driver.</exception>
    public unsafe IReadOnlyList<DomainStatsRecord> GetAllDomainStats(DomainStatsTypes stats,
        ConnectGetAllDomainStatsFlags flags = ConnectGetAllDomainStatsFlags.None)
    {
        Interop.DomainStatsRecordNative** array = null;
        try
        {
            var count = Ensure.Success(Interop.virConnectGetAllDomainStats(_handle, (uint)stats, &array, (uint)flags),
                "virConnectGetAllDomainStats");
            var records = new DomainStatsRecord[count];
            var uuid = stackalloc byte[Interop.VIR_UUID_STRING_BUFLEN];
            for (var i = 0; i < count; i++)
            {
                records[i] = DomainStatsRecord.FromNative(array[i], uuid);
            }
            return records;
        }
        finally
        {
            // The list owns the records' domain references, parameters and strings: all are copied by now.
            Interop.virDomainStatsRecordListFree(array);
        }
    }

    /// <summary>Every network defined on the connection, with whether it is active, in one call
    /// (<c>virConnectListAllNetworks</c>).</summary>
    public unsafe IReadOnlyList<(string Name, bool IsActive)> ListAllNetworks()
    {
        IntPtr* array = null;
        var count = Ensure.Success(Interop.virConnectListAllNetworks(_handle, &array, 0), "virConnectListAllNetworks");
        try
        {
            var networks = new (string, bool)[count];
            for (var i = 0; i < count; i++)
            {
                networks[i] = (Interop.BorrowString(Interop.virNetworkGetName(array[i])) ?? "",
                    Ensure.Success(Interop.virNetworkIsActive(array[i]), "virNetworkIsActive") == 1);
            }
            return networks;
        }
        finally
        {
            for (var i = 0; i < count; i++)
            {
                _ = Interop.virNetworkFree(array[i]);
            }
            System.Runtime.InteropServices.NativeMemory.Free(array);
        }
    }

    /// <summary>Whether the connection is usable: always for local drivers, and for remote ones until the link to
    /// the daemon closes.</summary>
    public bool IsAlive => Ensure.Success(Interop.virConnectIsAlive(_handle), "virConnectIsAlive") == 1;

    /// <summary>
    /// Makes the client send a keep-alive message after <paramref name="interval"/> without traffic, and close the
    /// connection (raising <see cref="Closed"/> with <see cref="ConnectionCloseReason.KeepAlive"/>) once
    /// <paramref name="count"/> of them in a row went unanswered; with <paramref name="count"/> 0 it closes after
    /// one silent <paramref name="interval"/>. <see cref="TimeSpan.Zero"/> sends none.
    /// </summary>
    /// <param name="interval">Whole seconds.</param>
    /// <param name="count">Unanswered messages tolerated.</param>
    /// <returns><see langword="false"/> when the daemon does not support keep-alive messages.</returns>
    /// <exception cref="LibvirtException">With <see cref="ErrorCode.NoSupport"/>: the driver has no daemon to
    /// keep alive (<c>test:///default</c>, for one).</exception>
    public bool SetKeepAlive(TimeSpan interval, int count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNotEqual(interval.Ticks % TimeSpan.TicksPerSecond, 0, nameof(interval));
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var seconds = checked((int)(interval.Ticks / TimeSpan.TicksPerSecond));
        return Ensure.Success(Interop.virConnectSetKeepAlive(_handle, seconds, (uint)count), "virConnectSetKeepAlive") == 0;
    }

    /// <summary>
    /// Raised once, on a thread-pool thread, when the driver loses its connection to the daemon: the daemon
    /// stopped or restarted, the socket failed, or keep-alive gave up. Drivers without a daemon
    /// (<c>test:///default</c>) never raise it. Not raised after <see cref="Dispose"/>.
    /// </summary>
    /// <remarks>The first handler or <see cref="ConnectionLost"/> registers libvirt's close callback; disposing the
    /// connection removes it.</remarks>
    public event EventHandler<ConnectionClosedEventArgs>? Closed
    {
        add
        {
            lock (_closeGate)
            {
                EnsureCloseCallback();
                _closed += value;
            }
        }
        remove
        {
            lock (_closeGate)
            {
                _closed -= value;
            }
        }
    }

    /// <summary>Cancelled, just before <see cref="Closed"/> is raised, when the driver loses its connection to the
    /// daemon. Disposing the connection does not cancel it.</summary>
    public CancellationToken ConnectionLost
    {
        get
        {
            lock (_closeGate)
            {
                return EnsureCloseCallback().Token;
            }
        }
    }

    /// <summary>
    /// Subscribes to the lifecycle events (defined, started, stopped, …) of <paramref name="domain"/>, or of every
    /// domain when it is <see langword="null"/>. Subscribe before acting, then read: nothing raised in between is
    /// missed (and an event raised just before subscribing may still arrive). It ends when disposed, or when this
    /// connection is.
    /// </summary>
    public DomainLifecycleSubscription SubscribeLifecycleEvents(Domain? domain = null)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        return _lifecycleEvents.Subscribe(domain?.Uuid);
    }

    /// <summary>Ends the event subscriptions, removes the close callback, and closes this reference to the
    /// connection.</summary>
    public void Dispose()
    {
        lock (_closeGate)
        {
            // libvirt's registrations of callbacks hold references on the connection: without removing them,
            // closing the handle would leave the connection open.
            if (!_handle.IsClosed)
            {
                _lifecycleEvents.Close();
                _closeCallback?.Unregister(_handle);
                _closeCallback = null;
            }
            _handle.Dispose();
        }
    }

    internal ConnectionHandle Handle => _handle;

    internal LifecycleEventSource LifecycleEvents => _lifecycleEvents;

    // Caller holds _closeGate.
    private CancellationTokenSource EnsureCloseCallback()
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (_closeCallback is null)
        {
            // OnClosed takes _closeGate, so it cannot run before _lost is set.
            _closeCallback = ConnectionCloseCallback.Register(_handle, OnClosed);
            _lost = new CancellationTokenSource();
        }
        return _lost!;
    }

    // On a thread-pool thread, from the close callback.
    private void OnClosed(ConnectionCloseReason reason)
    {
        EventHandler<ConnectionClosedEventArgs>? handlers;
        CancellationTokenSource? lost;
        lock (_closeGate)
        {
            if (_handle.IsClosed)
            {
                return;
            }
            handlers = _closed;
            lost = _lost;
        }
        lost?.Cancel();
        handlers?.Invoke(this, new ConnectionClosedEventArgs(reason));
    }

    // libvirt encodes versions as major * 1,000,000 + minor * 1,000 + release.
    private static Version DecodeVersion(ulong encoded) =>
        new((int)(encoded / 1_000_000), (int)(encoded / 1_000 % 1_000), (int)(encoded % 1_000));
}
