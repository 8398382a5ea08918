using Microsoft.Extensions.Logging;
using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>Where a guest stands, as a listing shows it.</summary>
public enum GuestListStatus
{
    /// <summary>Its files are missing or corrupt (<see cref="GuestListing.Problem"/> says which): it is listed, not read.</summary>
    Broken,

    /// <summary>libvirt could not be reached on its URI.</summary>
    Unknown,

    /// <summary>A domain of its name exists that Miniguest did not define for it: it is left alone.</summary>
    Foreign,

    /// <summary>No domain is defined for it.</summary>
    NotDefined,

    /// <summary>Its domain is defined and not running.</summary>
    Stopped,

    /// <summary>Its domain runs its current generation.</summary>
    Current,

    /// <summary>Its domain runs its current generation's userspace, switched to without a restart, with the kernel, initrd
    /// or kernel command line of the generation it booted: a restart boots the current generation's.</summary>
    RestartPending,

    /// <summary>Its domain runs another generation than the current one (an older one after an upgrade, a newer one after a
    /// rollback): a restart runs the current one.</summary>
    Outdated,
}

/// <summary>One guest of a listing: what its files say and, where it has one, what its domain does.</summary>
public sealed record GuestListing
{
    /// <summary>The guest's name.</summary>
    public required string Name { get; init; }

    /// <summary>Where it stands.</summary>
    public required GuestListStatus Status { get; init; }

    /// <summary>Whether a NixOS host declares it (it has no profile of its own).</summary>
    public bool Declarative { get; init; }

    /// <summary>A VM or a container; <see langword="null"/> for a broken guest.</summary>
    public GuestType? Type { get; init; }

    /// <summary>Where it was installed from; <see langword="null"/> for a declarative or broken guest.</summary>
    public FlakeSource? Source { get; init; }

    /// <summary>Its current generation.</summary>
    public int? Generation { get; init; }

    /// <summary>The store path its link leads to.</summary>
    public string? StorePath { get; init; }

    /// <summary>The libvirt URI of its domain.</summary>
    public string? Uri { get; init; }

    /// <summary>The other host it lives on; <see langword="null"/> for a guest of this host.</summary>
    public string? Host { get; init; }

    /// <summary>Whether its domain runs; <see langword="null"/> without a domain of its own.</summary>
    public bool? Running { get; init; }

    /// <summary>The generation its running domain was started on; <see langword="null"/> when it does not run.</summary>
    public int? RunningGeneration { get; init; }

    /// <summary>Whether it starts with the host: its domain's libvirt autostart, or, for a guest its NixOS host declares
    /// with <c>autostart</c>, the host's <c>apply</c>, which starts it in libvirt's place; <see langword="null"/> without a
    /// domain of its own.</summary>
    public bool? Autostart { get; init; }

    /// <summary>What keeps it from writing to the host's store, where the listing assessed it.</summary>
    public StoreProtection? StoreProtection { get; init; }

    /// <summary>The file its serial console is logged to (VMs).</summary>
    public string? ConsoleLog { get; init; }

    /// <summary>The running guest's addresses (<see cref="GuestAddresses"/>); <see langword="null"/> when it does not run.</summary>
    public IReadOnlyList<GuestAddress>? Addresses { get; init; }

    /// <summary>Its network interfaces, where the listing read its domain's whole description (with store protection).</summary>
    public IReadOnlyList<GuestInterface>? Interfaces { get; init; }

    /// <summary>Whether a VM gives the memory its guest frees back to the host (free page reporting), where the listing read
    /// its domain's whole description (with store protection); <see langword="null"/> for a container.</summary>
    public bool? FreePageReporting { get; init; }

    /// <summary>Whether a container lives in the host's network namespace (its interfaces, ports and loopback services),
    /// where the listing read its domain's whole description; <see langword="null"/> for a VM.</summary>
    public bool? HostNetwork { get; init; }

    /// <summary>The memory of its domain (the running one's while it runs), where the listing read its whole description.</summary>
    public int? MemoryMiB { get; init; }

    /// <summary>The vCPUs of its domain (the running one's while it runs), where the listing read its whole description.</summary>
    public int? VCpus { get; init; }

    /// <summary>Its shares, each with the host directory it is (its own source, or its directory in Miniguest's state).</summary>
    public IReadOnlyList<GuestShare>? Shares { get; init; }

    /// <summary>Its volumes, each with its image or directory on its host and, for an image, its sizes there (the agent's
    /// word, for a guest of another host).</summary>
    public IReadOnlyList<VolumeFile>? Volumes { get; init; }

    /// <summary>What is wrong, for a broken or foreign guest.</summary>
    public string? Problem { get; init; }
}

/// <summary>Lists a host's guests fast: the guests' files are read while libvirt loads, then each URI is surveyed on a
/// thread of its own (loading libvirt and asking libvirtd take longer than reading the files).</summary>
internal sealed class GuestLister(GuestHostContext host)
{
    private readonly GuestStore store = host.Store;
    private readonly GuestDomains domains = host.Domains;
    private readonly string? uri = host.Options.Uri;
    private readonly ILogger logger = host.Logger;

    /// <summary>Every guest of the host, or only guest <paramref name="only"/> (its domain alone surveyed).</summary>
    public async Task<IReadOnlyList<GuestListing>> ListAsync(bool withProtection, CancellationToken cancellationToken, GuestName? only = null)
    {
        var names = only is { } one ? [.. store.Names().Where(name => name == one)] : store.Names();
        if (names.Count == 0 && uri is not null)
        {
            // Nothing to survey, but a URI given is still checked: a wrong one is an error, not an empty listing.
            using var _ = domains.Connector.OpenReadOnly(uri);
        }
        // The files are read while libvirt loads, and no thread is made before they are: a thread made while libvirt loads
        // waits for the dynamic loader's lock, which loading holds throughout.
        var loading = names.Count > 0 ? LibvirtLibrary.LoadInBackground() : Task.CompletedTask;
        var reads = names.Select(Read).ToList();
        var remote = new RemoteGuests(store.Paths).All()
            .Where(guest => (uri is null || guest.Value == uri) && (only is null || guest.Key == only)).ToDictionary();
        var remoteListing = remote.Count > 0 ? RemoteGuestSurvey.ListAsync(host, remote, cancellationToken) : null;
        // A failure to load shows again, and is reported, when a survey connects. The load is awaited, surveys or none: a
        // process that exits while libvirt initialises can crash in its library constructors.
        await loading.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var surveys = await SurveyAsync(reads.Select(read => read.Uri).OfType<string>().Distinct(StringComparer.Ordinal).ToList(),
            names.ToHashSet(), withProtection, cancellationToken).ConfigureAwait(false);
        var listing = new List<GuestListing>(reads.Count);
        foreach (var (name, guest, domainUri, home) in reads)
        {
            var found = domainUri is null ? null : surveys[domainUri];
            // With -c, the guests whose domain that connection holds (another URI may reach the same daemon), and those it
            // is the home of (where their domain was defined, or would be by default) though it holds none of theirs.
            if (uri is not null && found?.ContainsKey(name) != true && home != uri)
            {
                continue;
            }
            listing.Add(domainUri is null ? guest : WithDomain(name, guest, found));
        }
        if (remoteListing is not null)
        {
            foreach (var (name, guest, survey) in await remoteListing.ConfigureAwait(false))
            {
                // Not a guest of this host's: its console log is on its own host.
                listing.Add(survey is null ? guest : WithDomain(name, guest, survey) with { ConsoleLog = null });
            }
            listing.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        }
        return listing;
    }

    // Each URI's survey, each on a thread of its own: the first on this one, which has nothing else to do.
    private async Task<Dictionary<string, IReadOnlyDictionary<GuestName, GuestDomainInfo>?>> SurveyAsync(IReadOnlyList<string> uris,
        IReadOnlySet<GuestName> names, bool withProtection, CancellationToken cancellationToken)
    {
        var others = uris.Skip(1).Select(domainUri => (domainUri, Task.Factory.StartNew(() => Survey(domainUri, names, withProtection),
            cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default))).ToList();
        var surveys = new Dictionary<string, IReadOnlyDictionary<GuestName, GuestDomainInfo>?>(StringComparer.Ordinal);
        if (uris.Count > 0)
        {
            surveys[uris[0]] = Survey(uris[0], names, withProtection);
        }
        foreach (var (domainUri, survey) in others)
        {
            surveys[domainUri] = await survey.ConfigureAwait(false);
        }
        return surveys;
    }

    // One URI's survey; null when libvirt cannot be reached there (a warning, and the guests still listed), unless it is
    // the URI given with -c, the one the listing is about: then the listing fails.
    private IReadOnlyDictionary<GuestName, GuestDomainInfo>? Survey(string domainUri, IReadOnlySet<GuestName> names, bool withProtection)
    {
        try
        {
            using var connection = domains.Connector.OpenReadOnly(domainUri);
            return new GuestDomainSurvey(store.Paths).Survey(connection, names, withProtection);
        }
        catch (LibvirtException e) when (domainUri != uri)
        {
            logger.LogWarning("cannot reach {Uri}: {Message}", domainUri, e.Message);
            return null;
        }
    }

    // What the guest's files say, and the URI its domain lives on (none for a broken guest). A broken guest (a profile
    // gone, a file corrupt or out of the store) is listed as such, never the end of the listing.
    private (GuestName Name, GuestListing Guest, string? Uri, string? Home) Read(GuestName name)
    {
        Guest? guest = null;
        GuestConfig? config = null;
        FlakeSource? source = null;
        Generation? generation = null;
        string? storePath = null;
        string? problem = null;
        try
        {
            guest = store.Get(name);
            source = guest.Source;
            generation = guest.Profile.Current;
            storePath = guest.StorePath;
            // The configuration says all a listing shows; defining and starting check the rest of the build output.
            config = guest.LoadConfig();
        }
        catch (GuestNotFoundException)
        {
            problem = $"{store.Paths.Link(name)} leads to the profile {store.Paths.Profile(name)}, which does not exist";
        }
        catch (Exception e) when (e is GuestFileException or IOException or UnauthorizedAccessException or GuestOnOtherHostException)
        {
            problem = e.Message;
        }
        var listed = new GuestListing
        {
            Name = name.Value,
            Status = config is null ? GuestListStatus.Broken : GuestListStatus.NotDefined,
            Declarative = guest is { IsImperative: false },
            Type = config?.GuestType,
            Source = source,
            Generation = generation?.Number,
            StorePath = storePath,
            Shares = config?.Shares.Select(share => share with { Source = share.Source ?? store.Paths.ShareDirectory(name, share.Tag) }).ToList(),
            Volumes = config is null ? null : GuestVolumes.Describe(store.Paths, name, config.GuestType, config.Volumes, GuestVolumes.ImageSizes(store.Paths, name)),
            Problem = problem,
        };
        if (guest is null || config is null)
        {
            return (name, listed, null, null);
        }
        // Its home: where its domain was defined, else where it would be by default.
        var home = domains.UriFor(guest, null);
        var domainUri = uri ?? home;
        return (name, listed with { Uri = domainUri }, domainUri, home);
    }

    // The listing of guest name completed with what the survey found of its domain.
    private GuestListing WithDomain(GuestName name, GuestListing guest, IReadOnlyDictionary<GuestName, GuestDomainInfo>? survey)
    {
        if (survey is null)
        {
            return guest with { Status = GuestListStatus.Unknown };
        }
        if (!survey.TryGetValue(name, out var domain))
        {
            return guest;
        }
        if (!domain.DefinedByMiniguest)
        {
            return guest with { Status = GuestListStatus.Foreign, Problem = $"domain '{guest.Name}' on {guest.Uri} was not defined by Miniguest" };
        }
        return guest with
        {
            Running = domain.IsActive,
            RunningGeneration = domain.IsActive ? domain.Metadata?.Generation : null,
            Autostart = domain.Autostart || (guest.Declarative && File.Exists(store.Paths.DeclaredAutostartFile(name))),
            StoreProtection = domain.Protection,
            Addresses = domain.IsActive ? domain.Addresses ?? [] : null,
            Interfaces = domain.Interfaces,
            FreePageReporting = domain.FreePageReporting,
            HostNetwork = domain.HostNetwork,
            MemoryMiB = domain.MemoryMiB,
            VCpus = domain.VCpus,
            // The directories the admin gave, where the survey read them: the build output only asked.
            Shares = domain.Metadata is { } metadata
                ? guest.Shares?.Select(share => share with
                    {
                        Source = metadata.ShareSources.FirstOrDefault(given => given.Tag == share.Tag)?.Directory
                            ?? store.Paths.ShareDirectory(name, share.Tag),
                    }).ToList()
                : guest.Shares,
            ConsoleLog = guest.Type == GuestType.Qemu ? store.Paths.ConsoleLog(name) : null,
            Status = GuestDomainSurvey.Status(domain, guest.StorePath) switch
            {
                GuestStatus.NotDefined => GuestListStatus.NotDefined,
                GuestStatus.Stopped => GuestListStatus.Stopped,
                GuestStatus.Current => GuestListStatus.Current,
                GuestStatus.RestartPending => GuestListStatus.RestartPending,
                _ => GuestListStatus.Outdated,
            },
        };
    }
}
