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
        EventLoop.EnsureStarted();
        return new Connection(Ensure.Valid(Interop.virConnectOpen(uri), "virConnectOpen"), uri);
    }

    /// <summary>Opens a read-only connection: enough to list and inspect, and allowed to more users.</summary>
    /// <exception cref="ConnectionFailedException">The driver or daemon cannot be reached.</exception>
    public static Connection OpenReadOnly(string uri)
    {
        ArgumentException.ThrowIfNullOrEmpty(uri);
        EventLoop.EnsureStarted();
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
    public Domain DefineDomain(string xml, DefineDomainFlags flags = DefineDomainFlags.Validate)
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

    /// <summary>Looks a domain up by UUID.</summary>
    /// <exception cref="DomainNotFoundException">No domain has that UUID.</exception>
    public Domain GetDomain(Guid uuid) =>
        new(Ensure.Valid(Interop.virDomainLookupByUUIDString(_handle, uuid.ToString("D")), "virDomainLookupByUUIDString"));

    /// <summary>Every domain that matches <paramref name="flags"/> (all of them by default), in one call.</summary>
    public unsafe IReadOnlyList<Domain> ListAllDomains(ListDomainsFlags flags = ListDomainsFlags.None)
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

    /// <summary>Ends the event subscriptions and closes this reference to the connection.</summary>
    public void Dispose()
    {
        // libvirt's registration of the event callback holds a reference on the connection: without removing it,
        // closing the handle would leave the connection open.
        if (!_handle.IsClosed)
        {
            _lifecycleEvents.Close();
        }
        _handle.Dispose();
    }

    internal ConnectionHandle Handle => _handle;

    internal LifecycleEventSource LifecycleEvents => _lifecycleEvents;

    // libvirt encodes versions as major * 1,000,000 + minor * 1,000 + release.
    private static Version DecodeVersion(ulong encoded) =>
        new((int)(encoded / 1_000_000), (int)(encoded / 1_000 % 1_000), (int)(encoded % 1_000));
}
