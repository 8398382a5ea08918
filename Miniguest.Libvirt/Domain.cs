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

    /// <summary>Whether the domain runs (or is paused): it has a live process.</summary>
    public bool IsActive => Ensure.Success(Interop.virDomainIsActive(_handle), "virDomainIsActive") == 1;

    /// <summary>Whether the domain has a persistent definition (it is not transient).</summary>
    public bool IsPersistent => Ensure.Success(Interop.virDomainIsPersistent(_handle), "virDomainIsPersistent") == 1;

    /// <summary>The hypervisor's ID of the running domain, or <see langword="null"/> when it does not run.</summary>
    public int? Id => Interop.virDomainGetID(_handle) is var id && id != uint.MaxValue ? (int)id : null;

    /// <summary>Whether the domain starts when the host (libvirtd) starts.</summary>
    public bool Autostart
    {
        get
        {
            Ensure.Success(Interop.virDomainGetAutostart(_handle, out var autostart), "virDomainGetAutostart");
            return autostart != 0;
        }
        set => Ensure.Success(Interop.virDomainSetAutostart(_handle, value ? 1 : 0), "virDomainSetAutostart");
    }

    /// <summary>The domain's current state and its reason.</summary>
    public DomainStateInfo GetState()
    {
        Ensure.Success(Interop.virDomainGetState(_handle, out var state, out var reason, 0), "virDomainGetState");
        return new DomainStateInfo((DomainState)state, reason);
    }

    /// <summary>The domain's state, memory and CPU time in one call (<c>virDomainGetInfo</c>): what a driver without bulk
    /// statistics (LXC's) tells of a domain.</summary>
    public unsafe DomainInfo GetInfo()
    {
        Interop.DomainInfoNative info;
        Ensure.Success(Interop.virDomainGetInfo(_handle, &info), "virDomainGetInfo");
        return new DomainInfo((DomainState)info.State, info.MaxMem, info.Memory, info.NrVirtCpu, info.CpuTime);
    }

    /// <summary>The traffic counters of the domain's interface <paramref name="device"/> (its host-side name, such as
    /// <c>vnet0</c>, or its MAC address) (<c>virDomainInterfaceStats</c>).</summary>
    public unsafe InterfaceStats GetInterfaceStats(string device)
    {
        ArgumentException.ThrowIfNullOrEmpty(device);
        Interop.InterfaceStatsNative stats;
        Ensure.Success(Interop.virDomainInterfaceStats(_handle, device, &stats, (nuint)sizeof(Interop.InterfaceStatsNative)), "virDomainInterfaceStats");
        return new InterfaceStats(stats.RxBytes, stats.RxPackets, stats.RxErrs, stats.RxDrop, stats.TxBytes, stats.TxPackets, stats.TxErrs, stats.TxDrop);
    }

    /// <summary>The domain's XML description.</summary>
    public unsafe string GetXml(DomainXmlFlags flags = DomainXmlFlags.None) =>
        Ensure.OwnedString(Interop.virDomainGetXMLDesc(_handle, (uint)flags), "virDomainGetXMLDesc");

    /// <summary>Starts the defined domain.</summary>
    /// <exception cref="OperationInvalidException">It is already running.</exception>
    public void Start(DomainCreateFlags flags = DomainCreateFlags.None) =>
        Ensure.Success(Interop.virDomainCreateWithFlags(_handle, (uint)flags), "virDomainCreateWithFlags");

    /// <summary>Stops the domain at once, as pulling the plug would.</summary>
    /// <exception cref="OperationInvalidException">It is not running.</exception>
    public void Destroy() => Ensure.Success(Interop.virDomainDestroy(_handle), "virDomainDestroy");

    /// <summary>Asks the guest to shut down; returns before it has.</summary>
    public void Shutdown(DomainShutdownFlags flags = DomainShutdownFlags.Default) =>
        Ensure.Success(Interop.virDomainShutdownFlags(_handle, (uint)flags), "virDomainShutdownFlags");

    /// <summary>
    /// Asks the guest to shut down and waits until it has, polling its state. Returns <see langword="false"/>
    /// if it still runs after <paramref name="timeout"/> (it is left running: destroy it if it must stop).
    /// </summary>
    public async Task<bool> ShutdownAsync(TimeSpan timeout, DomainShutdownFlags flags = DomainShutdownFlags.Default,
        CancellationToken cancellationToken = default)
    {
        Shutdown(flags);
        var deadline = DateTime.UtcNow + timeout;
        while (IsActive)
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            await Task.Delay(ShutdownPollInterval, cancellationToken).ConfigureAwait(false);
        }
        return true;
    }

    private static readonly TimeSpan ShutdownPollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>Asks the guest to reboot.</summary>
    public void Reboot() => Ensure.Success(Interop.virDomainReboot(_handle, 0), "virDomainReboot");

    /// <summary>Pauses the domain's CPUs; it keeps its memory.</summary>
    public void Suspend() => Ensure.Success(Interop.virDomainSuspend(_handle), "virDomainSuspend");

    /// <summary>Resumes a suspended domain.</summary>
    public void Resume() => Ensure.Success(Interop.virDomainResume(_handle), "virDomainResume");

    /// <summary>The domain's metadata element in namespace <paramref name="namespaceUri"/>, as XML without that namespace, or
    /// <see langword="null"/> if it has none.</summary>
    public unsafe string? GetMetadata(string namespaceUri, DomainModificationImpact impact = DomainModificationImpact.Current)
    {
        ArgumentException.ThrowIfNullOrEmpty(namespaceUri);
        var xml = Interop.virDomainGetMetadata(_handle, Interop.VIR_DOMAIN_METADATA_ELEMENT, namespaceUri, (uint)impact);
        if (xml != null)
        {
            return Interop.TakeString(xml);
        }
        var error = LibvirtException.FromLastError("virDomainGetMetadata");
        return error.Code == ErrorCode.NoDomainMetadata ? null : throw error;
    }

    /// <summary>Sets the domain's metadata element in namespace <paramref name="namespaceUri"/> (its elements
    /// written with <paramref name="prefix"/>), or removes it when <paramref name="xml"/> is <see langword="null"/>.</summary>
    public void SetMetadata(string namespaceUri, string prefix, string? xml, DomainModificationImpact impact = DomainModificationImpact.Current)
    {
        ArgumentException.ThrowIfNullOrEmpty(namespaceUri);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        Ensure.Success(Interop.virDomainSetMetadata(_handle, Interop.VIR_DOMAIN_METADATA_ELEMENT, xml, xml is null ? null : prefix,
            namespaceUri, (uint)impact), "virDomainSetMetadata");
    }

    /// <summary>Removes the persistent definition; a running domain keeps running as a transient one.</summary>
    public void Undefine(DomainUndefineFlags flags = DomainUndefineFlags.None) =>
        Ensure.Success(Interop.virDomainUndefineFlags(_handle, (uint)flags), "virDomainUndefineFlags");

    /// <summary>Attaches to the domain's console (its first console, or <paramref name="device"/>).</summary>
    /// <param name="device">A console or serial alias, such as <c>serial0</c>; <see langword="null"/> for the first.</param>
    /// <param name="flags">Whether to take the console over from another client that holds it, or refuse to.</param>
    public DomainStream OpenConsole(string? device = null, DomainConsoleFlags flags = DomainConsoleFlags.None)
    {
        using var connection = OwningConnection();
        var stream = Ensure.Valid(Interop.virStreamNew(connection, 0), "virStreamNew");
        try
        {
            Ensure.Success(Interop.virDomainOpenConsole(_handle, device, stream, (uint)flags),
                "virDomainOpenConsole");
            return new DomainStream(stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Opens one of the domain's channels (<c>virDomainOpenChannel</c>): a QEMU domain's virtio-serial port
    /// <c>&lt;channel type='unix'&gt;</c>, by its target name (<c>org.example.agent.0</c>) or alias.</summary>
    /// <param name="name">The channel's target name or alias.</param>
    /// <param name="flags">Whether to take the channel over from another client that holds it, or refuse to.</param>
    public DomainStream OpenChannel(string name, DomainChannelFlags flags = DomainChannelFlags.None)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        using var connection = OwningConnection();
        var stream = Ensure.Valid(Interop.virStreamNew(connection, 0), "virStreamNew");
        try
        {
            Ensure.Success(Interop.virDomainOpenChannel(_handle, name, stream, (uint)flags), "virDomainOpenChannel");
            return new DomainStream(stream);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The running domain's network interfaces and their addresses as <paramref name="source"/> knows them
    /// (<c>virDomainInterfaceAddresses</c>).</summary>
    public unsafe IReadOnlyList<DomainInterfaceAddresses> GetInterfaceAddresses(InterfaceAddressSource source = InterfaceAddressSource.Lease)
    {
        Interop.DomainInterfaceNative** array = null;
        var count = Ensure.Success(Interop.virDomainInterfaceAddresses(_handle, &array, (uint)source, 0), "virDomainInterfaceAddresses");
        try
        {
            var interfaces = new DomainInterfaceAddresses[count];
            for (var i = 0; i < count; i++)
            {
                var native = array[i];
                var addresses = new InterfaceAddress[native->AddressCount];
                for (var j = 0; j < addresses.Length; j++)
                {
                    var address = native->Addresses[j];
                    addresses[j] = new InterfaceAddress(System.Net.IPAddress.Parse(Interop.BorrowString(address.Address)!), (int)address.Prefix);
                }
                interfaces[i] = new DomainInterfaceAddresses(Interop.BorrowString(native->Name) ?? "", Interop.BorrowString(native->HardwareAddress), addresses);
            }
            return interfaces;
        }
        finally
        {
            for (var i = 0; i < count; i++)
            {
                Interop.virDomainInterfaceFree(array[i]);
            }
            System.Runtime.InteropServices.NativeMemory.Free(array);
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
