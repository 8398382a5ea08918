using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>Surveys the guests' domains on a connection in as few calls as libvirt allows, and tells where each stands
/// against its guest's installed generation.</summary>
internal sealed class GuestDomainSurvey(MiniguestPaths paths)
{
    /// <summary>Where a surveyed domain stands against the generation installed now.</summary>
    /// <param name="domain">The domain, from <see cref="Survey"/>; <see langword="null"/> if none is defined.</param>
    /// <param name="installedStorePath">The store path the guest's link leads to (<see cref="Guest.StorePath"/>).</param>
    public static GuestStatus Status(GuestDomainInfo? domain, string? installedStorePath) => domain switch
    {
        null => GuestStatus.NotDefined,
        { IsActive: false } => GuestStatus.Stopped,
        // The live XML keeps the metadata the domain was started with, even after a re-sync.
        _ when domain.Metadata?.StorePath == installedStorePath => domain.Metadata?.RestartPending == true ? GuestStatus.RestartPending : GuestStatus.Current,
        _ => GuestStatus.Outdated,
    };

    /// <summary>The domains of <paramref name="names"/> on a connection, in as few calls as libvirt allows: two listings
    /// (all, and those that start with the host), then one call for each domain of Miniguest's that runs (its description:
    /// the generation it runs and its interfaces), and one more for the addresses of a running guest with interfaces.</summary>
    /// <param name="connection">The connection to survey.</param>
    /// <param name="names">The guests' names.</param>
    /// <param name="withProtection">Also assess each domain's store protection, from its full description (costlier:
    /// without it, a survey reads only Miniguest's metadata element of each domain).</param>
    public IReadOnlyDictionary<GuestName, GuestDomainInfo> Survey(Connection connection, IReadOnlySet<GuestName> names,
        bool withProtection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(names);
        var listed = connection.ListAllDomains();
        try
        {
            var mounts = withProtection ? MountTable.OfLibvirtd() : null;
            var survey = new Dictionary<GuestName, GuestDomainInfo>();
            foreach (var domain in listed)
            {
                if (GuestOf(domain, names) is { } name)
                {
                    survey[name] = SurveyOne(domain, name, mounts);
                }
            }
            // Which start with the host: one more listing, filtered by libvirt, rather than a call per domain.
            foreach (var domain in connection.ListAllDomains(ConnectListAllDomainsFlags.Autostart))
            {
                using (domain)
                {
                    if (GuestOf(domain, names) is { } name && survey.TryGetValue(name, out var info))
                    {
                        survey[name] = info with { Autostart = true };
                    }
                }
            }
            return survey;
        }
        finally
        {
            foreach (var domain in listed)
            {
                domain.Dispose();
            }
        }
    }

    // The guest of names whose name the domain has, if any: a domain whose name is no guest's is no guest's.
    private static GuestName? GuestOf(Domain domain, IReadOnlySet<GuestName> names) =>
        GuestName.TryParse(domain.Name, out var name) && names.Contains(name) ? name : null;

    private GuestDomainInfo SurveyOne(Domain domain, GuestName name, MountTable? mounts)
    {
        // A listed domain has an id while it runs: no call needed to tell.
        var isActive = domain.Id is not null;
        if (isActive || mounts is not null)
        {
            return Describe(domain, name, isActive, mounts);
        }
        // Only the domain whose UUID Miniguest recorded when it defined the guest's domain is the guest's: the listing
        // gave its UUID, so a stopped one needs no call. (Commands that change a domain also check its metadata.)
        return new GuestDomainInfo(IsActive: false, DefinedByMiniguest: RecordedUuid(name) == domain.Uuid, Metadata: null, Protection: null);
    }

    private Guid? RecordedUuid(GuestName name) => new GuestStateDirectory(paths, name).RecordedDomainUuid();

    // The domain of guest name read whole, in one call: the generation a running one runs, its interfaces (which tell whom
    // to ask for its addresses, if anyone) and, given the mounts, what protects the store from it.
    public GuestDomainInfo Describe(Domain domain, GuestName name, bool isActive, MountTable? mounts)
    {
        if (RecordedUuid(name) != domain.Uuid)
        {
            return new GuestDomainInfo(isActive, DefinedByMiniguest: false, Metadata: null, Protection: null);
        }
        var xml = domain.GetXml();
        var summary = DomainSummary.Read(xml);
        if (summary.Metadata?.GuestName != name.Value)
        {
            return new GuestDomainInfo(isActive, DefinedByMiniguest: false, Metadata: null, Protection: null);
        }
        var (metadata, interfaces) = summary;
        // The whole model only where the store's protection is asked for (list --json): a plain listing needs no more.
        var model = mounts is null ? null : ModelOf(xml);
        return new GuestDomainInfo(isActive, DefinedByMiniguest: true, metadata, mounts is null ? null : ProtectionOf(model, mounts),
            Addresses: isActive ? AddressesOf(domain, interfaces) : null, Interfaces: interfaces, FreePageReporting: model?.Vm?.FreePageReporting,
            HostNetwork: model?.Container?.SharesHostNetwork, MemoryMiB: model?.Vm?.MemoryMiB ?? model?.Container?.MemoryMiB,
            VCpus: model?.Vm?.VCpus ?? model?.Container?.VCpus);
    }

    // A domain that stopped since it was listed has none; a listing shows that rather than fail.
    private static IReadOnlyList<GuestAddress>? AddressesOf(Domain domain, IReadOnlyList<GuestInterface> interfaces)
    {
        try
        {
            return GuestAddresses.Of(domain, interfaces);
        }
        catch (LibvirtException)
        {
            return null;
        }
    }

    // The domain read as a VM or a container; null for a shape Miniguest does not define, of which there is nothing to say.
    private static DomainDescription? ModelOf(string xml)
    {
        try
        {
            return DomainXml.Read(xml);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static StoreProtection? ProtectionOf(DomainDescription? model, MountTable mounts)
    {
        try
        {
            return model switch
            {
                { Container: { } container } => StoreGuard.Of(container),
                { Vm: { } vm } => StoreGuard.Of(vm, mounts),
                _ => null,
            };
        }
        catch (IOException)
        {
            return null;
        }
    }
}
