namespace Miniguest.Libvirt;

/// <summary>A libvirt domain: a VM or a container, defined or running.</summary>
/// <remarks>Thread-safe, as libvirt's domain objects are. It keeps its connection alive until disposed.</remarks>
public sealed class Domain : IDisposable
{
    private readonly DomainHandle _handle;

    internal Domain(DomainHandle handle) => _handle = handle;

    /// <summary>The domain's name.</summary>
    public unsafe string Name =>
        Interop.BorrowString(Interop.virDomainGetName(_handle)) ?? throw LibvirtException.FromLastError("virDomainGetName");

    /// <summary>The domain's UUID.</summary>
    public unsafe Guid Uuid
    {
        get
        {
            var buffer = stackalloc byte[Interop.VIR_UUID_STRING_BUFLEN];
            Ensure.Success(Interop.virDomainGetUUIDString(_handle, buffer), "virDomainGetUUIDString");
            return Guid.Parse(new ReadOnlySpan<byte>(buffer, Interop.VIR_UUID_STRING_BUFLEN - 1));
        }
    }

    /// <summary>The domain's current state and its reason.</summary>
    public DomainStateInfo GetState()
    {
        Ensure.Success(Interop.virDomainGetState(_handle, out var state, out var reason, 0), "virDomainGetState");
        return new DomainStateInfo((DomainState)state, reason);
    }

    /// <summary>The domain's XML description.</summary>
    public unsafe string GetXml(DomainXmlFlags flags = DomainXmlFlags.None) =>
        Ensure.OwnedString(Interop.virDomainGetXMLDesc(_handle, (uint)flags), "virDomainGetXMLDesc");

    /// <summary>Starts the defined domain.</summary>
    /// <exception cref="OperationInvalidException">It is already running.</exception>
    public void Start(StartDomainFlags flags = StartDomainFlags.None) =>
        Ensure.Success(Interop.virDomainCreateWithFlags(_handle, (uint)flags), "virDomainCreateWithFlags");

    /// <summary>Stops the domain at once, as pulling the plug would.</summary>
    /// <exception cref="OperationInvalidException">It is not running.</exception>
    public void Destroy() => Ensure.Success(Interop.virDomainDestroy(_handle), "virDomainDestroy");

    /// <summary>Asks the guest to shut down; returns before it has.</summary>
    public void Shutdown() => Ensure.Success(Interop.virDomainShutdown(_handle), "virDomainShutdown");

    /// <summary>Removes the persistent definition; a running domain keeps running as a transient one.</summary>
    public void Undefine(UndefineDomainFlags flags = UndefineDomainFlags.None) =>
        Ensure.Success(Interop.virDomainUndefineFlags(_handle, (uint)flags), "virDomainUndefineFlags");

    /// <summary>Attaches to the domain's console (its first console, or <paramref name="device"/>).</summary>
    /// <param name="device">A console or serial alias, such as <c>serial0</c>; <see langword="null"/> for the first.</param>
    /// <param name="force">Take the console over from another client that holds it.</param>
    public DomainConsole OpenConsole(string? device = null, bool force = false)
    {
        using var connection = OwningConnection();
        var stream = Ensure.Valid(Interop.virStreamNew(connection, 0), "virStreamNew");
        try
        {
            const uint ConsoleForce = 1 << 0;
            Ensure.Success(Interop.virDomainOpenConsole(_handle, device, stream, force ? ConsoleForce : 0),
                "virDomainOpenConsole");
            return new DomainConsole(stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Releases this reference to the domain (the domain itself is untouched).</summary>
    public void Dispose() => _handle.Dispose();

    private ConnectionHandle OwningConnection()
    {
        var connection = Interop.virDomainGetConnect(_handle);
        if (connection == IntPtr.Zero)
        {
            throw LibvirtException.FromLastError("virDomainGetConnect");
        }
        // virDomainGetConnect returns a borrowed pointer: take a reference of our own for the handle.
        Ensure.Success(Interop.virConnectRef(connection), "virConnectRef");
        var handle = new ConnectionHandle();
        System.Runtime.InteropServices.Marshal.InitHandle(handle, connection);
        return handle;
    }
}
