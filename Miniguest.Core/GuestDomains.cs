using Miniguest.Libvirt;
using Miniguest.Libvirt.Guests;

namespace Miniguest.Core;

/// <summary>Settings of a guest's domain that <c>create</c> takes; <see langword="null"/> keeps what the domain
/// has (or the default, for a new one).</summary>
public sealed record DomainOptions
{
    /// <summary>Memory in MiB (default 1024 for VMs, 512 for containers).</summary>
    public int? MemoryMiB { get; init; }

    /// <summary>Virtual CPUs (default 1).</summary>
    public int? VCpus { get; init; }

    /// <summary>KVM or software emulation (default: KVM where the host offers it).</summary>
    public VirtType? VirtType { get; init; }

    /// <summary>A libvirt network to attach, or <see cref="NoNetwork"/> for none (default none).</summary>
    public string? Network { get; init; }

    /// <summary>The value of <see cref="Network"/> that means no network interface.</summary>
    public const string NoNetwork = "none";
}

/// <summary>Where a guest's domain stands against its installed generation.</summary>
public enum GuestStatus
{
    /// <summary>No domain is defined for the guest.</summary>
    NotDefined,

    /// <summary>The domain is defined and not running.</summary>
    Stopped,

    /// <summary>The domain runs the guest's current generation.</summary>
    Current,

    /// <summary>The domain runs an older generation: restart it to run the current one.</summary>
    Outdated,
}

/// <summary>
/// A guest's libvirt domain: defines it from the guest's files (a VM or a container from its
/// <c>guestType</c>), re-syncs it after an upgrade, and finds it again. Only domains that carry Miniguest's
/// metadata are ever changed; a domain of the same name without it belongs to someone else.
/// </summary>
public sealed class GuestDomains(MiniguestPaths paths)
{
    /// <summary>The libvirt URI for a guest type when none is given: <c>qemu:///system</c> or <c>lxc:///</c>.</summary>
    public static string DefaultUri(GuestType type) => type == GuestType.Lxc ? "lxc:///" : "qemu:///system";

    /// <summary>The URI to reach the guest's domain on: <paramref name="requested"/>, else the one it was
    /// created on, else the default for its type.</summary>
    public string UriFor(Guest guest, string? requested)
    {
        if (requested is not null)
        {
            return requested;
        }
        var recorded = paths.ConnectionUriFile(guest.Name);
        return File.Exists(recorded) ? File.ReadAllText(recorded).Trim() : DefaultUri(guest.LoadSystem().Config.GuestType);
    }

    /// <summary>The guest's domain, or <see langword="null"/> if none is defined.</summary>
    /// <exception cref="ForeignDomainException">A domain of that name exists without Miniguest's metadata.</exception>
    public static Domain? Find(Connection connection, string name)
    {
        if (!connection.TryGetDomain(name, out var domain))
        {
            return null;
        }
        if (DomainXml.ReadMetadata(domain.GetXml(DomainXmlFlags.Inactive))?.GuestName != name)
        {
            domain.Dispose();
            throw new ForeignDomainException(name, connection.RequestedUri);
        }
        return domain;
    }

    /// <summary>Defines the guest's domain, or updates the one it has (keeping its UUID and the settings not
    /// given in <paramref name="options"/>).</summary>
    public Domain Define(Connection connection, Guest guest, DomainOptions options)
    {
        var xml = BuildXml(connection, guest, options);
        Directory.CreateDirectory(paths.GuestState(guest.Name));
        if (guest.LoadSystem().Config.GuestType == GuestType.Lxc)
        {
            Directory.CreateDirectory(paths.ContainerRoot(guest.Name));
        }
        var domain = connection.DefineDomain(xml);
        File.WriteAllText(paths.ConnectionUriFile(guest.Name), connection.RequestedUri);
        return domain;
    }

    /// <summary>The XML <see cref="Define"/> would define, without defining it.</summary>
    public string BuildXml(Connection connection, Guest guest, DomainOptions options)
    {
        var system = guest.LoadSystem();
        var metadata = new GuestMetadata(guest.Name, guest.Profile.Current?.Number, guest.StorePath);
        using var existing = Find(connection, guest.Name);
        return system.Config.GuestType == GuestType.Lxc
            ? DomainXml.Write(Container(guest, options, metadata, existing is null ? null : DomainXml.ReadContainer(existing.GetXml(DomainXmlFlags.Inactive))))
            : DomainXml.Write(Vm(connection, guest, system, options, metadata, existing is null ? null : DomainXml.ReadVm(existing.GetXml(DomainXmlFlags.Inactive))));
    }

    /// <summary>Updates the guest's domain, if it has one, to its current generation; <see langword="false"/> if
    /// it has none.</summary>
    public bool Resync(Connection connection, Guest guest)
    {
        using var existing = Find(connection, guest.Name);
        if (existing is null)
        {
            return false;
        }
        Define(connection, guest, new DomainOptions()).Dispose();
        return true;
    }

    /// <summary>Where the domain stands against the guest's installed generation.</summary>
    public static GuestStatus Status(Domain? domain, Guest guest) =>
        Status(domain is null ? null : Describe(domain, domain.IsActive), guest);

    /// <summary>Where a surveyed domain stands against the guest's installed generation.</summary>
    public static GuestStatus Status(GuestDomainInfo? domain, Guest guest) => domain switch
    {
        null => GuestStatus.NotDefined,
        { IsActive: false } => GuestStatus.Stopped,
        // The live XML keeps the metadata the domain was started with, even after a re-sync.
        _ when domain.Metadata?.StorePath == guest.StorePath => GuestStatus.Current,
        _ => GuestStatus.Outdated,
    };

    /// <summary>The domains of <paramref name="names"/> on a connection, in as few calls as libvirt allows: two
    /// listings, then one XML description a domain. A domain without Miniguest's metadata for its name is
    /// reported with <see cref="GuestDomainInfo.Metadata"/> <see langword="null"/>: it is not the guest's.</summary>
    public static IReadOnlyDictionary<string, GuestDomainInfo> Survey(Connection connection, IReadOnlySet<string> names)
    {
        var active = new HashSet<string>(StringComparer.Ordinal);
        foreach (var domain in connection.ListAllDomains(ListDomainsFlags.Active))
        {
            using (domain)
            {
                active.Add(domain.Name);
            }
        }
        var survey = new Dictionary<string, GuestDomainInfo>(StringComparer.Ordinal);
        foreach (var domain in connection.ListAllDomains())
        {
            using (domain)
            {
                var name = domain.Name;
                if (names.Contains(name))
                {
                    survey[name] = Describe(domain, active.Contains(name));
                }
            }
        }
        return survey;
    }

    private static GuestDomainInfo Describe(Domain domain, bool isActive)
    {
        var metadata = DomainXml.ReadMetadata(domain.GetXml());
        return new GuestDomainInfo(isActive, metadata?.GuestName == domain.Name ? metadata : null);
    }

    private VmDomain Vm(Connection connection, Guest guest, GuestSystem system, DomainOptions options, GuestMetadata metadata,
        VmDomain? existing) => new()
    {
        Name = guest.Name,
        Uuid = existing?.Uuid,
        Kernel = Path.Combine(guest.Link, "kernel"),
        Initrd = Path.Combine(guest.Link, "initrd"),
        CommandLine = KernelCommandLine.Compose(system.KernelParams, "/boot/init"),
        BootSource = Path.Combine(guest.Link, "boot"),
        StoreShare = system.Config.StoreShare,
        MemoryMiB = options.MemoryMiB ?? existing?.MemoryMiB ?? 1024,
        VCpus = options.VCpus ?? existing?.VCpus ?? 1,
        VirtType = options.VirtType ?? existing?.VirtType ?? HostVirtualization.Choose(connection),
        Network = options.Network switch
        {
            null => existing?.Network,
            DomainOptions.NoNetwork => null,
            var network => network,
        },
        ConsoleLog = paths.ConsoleLog(guest.Name),
        Metadata = metadata,
    };

    private ContainerDomain Container(Guest guest, DomainOptions options, GuestMetadata metadata, ContainerDomain? existing) =>
        new()
        {
            Name = guest.Name,
            Uuid = existing?.Uuid,
            RootDirectory = paths.ContainerRoot(guest.Name),
            BootSource = Path.Combine(guest.Link, "boot"),
            MemoryMiB = options.MemoryMiB ?? existing?.MemoryMiB ?? 512,
            VCpus = options.VCpus ?? existing?.VCpus ?? 1,
            Metadata = metadata,
        };
}

/// <summary>What a survey found of a guest's domain: whether it runs, and Miniguest's metadata in its current
/// description (the live one while it runs), <see langword="null"/> if it is not Miniguest's.</summary>
public sealed record GuestDomainInfo(bool IsActive, GuestMetadata? Metadata);

/// <summary>A domain of a guest's name exists but was not defined by Miniguest: it is never touched.</summary>
public sealed class ForeignDomainException(string name, string uri)
    : Exception($"domain '{name}' on {uri} was not defined by Miniguest (it has no Miniguest metadata); refusing to touch it")
{
    /// <summary>The domain's name.</summary>
    public string Name { get; } = name;
}
