using Microsoft.Extensions.Logging;
using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>
/// What the verbs behind <see cref="GuestHost"/> share: the host's options, its store of guests, their domains, Nix,
/// the installer, the guests of other hosts, the generations' roots; each guest's lock; and the one place that says where
/// a guest lives (<see cref="Elsewhere"/>, <see cref="DomainSite"/>), which a verb asks once and hands down.
/// </summary>
internal sealed class GuestHostContext
{
    public GuestHostContext(GuestHostOptions options, ILoggerFactory loggers, GuestHostBackends backends)
    {
        Options = options;
        Logger = loggers.CreateLogger<GuestHost>();
        Connector = backends.Libvirt ?? LibvirtConnector.Instance;
        Store = new GuestStore(options.Paths);
        Nix = new NixCli(backends.Nix ?? new NixProcess(options.Nix, loggers.CreateLogger<NixCli>()));
        Domains = new GuestDomains(options.Paths, Connector, options.Uri);
        Roots = new GuestRoots(options.Paths, Nix, Logger);
        Files = new LocalGuestFiles(Store, Nix, Roots);
        Installer = new GuestInstaller(Store, Nix, Files);
        RemoteGuests = new RemoteGuests(options.Paths);
        RemoteDomains = new RemoteGuestDomains(this);
    }

    public GuestHostOptions Options { get; }

    public MiniguestPaths Paths => Options.Paths;

    public ILogger Logger { get; }

    public ILibvirtConnector Connector { get; }

    public GuestStore Store { get; }

    public NixCli Nix { get; }

    public GuestDomains Domains { get; }

    public GuestInstaller Installer { get; }

    public RemoteGuests RemoteGuests { get; }

    public RemoteGuestDomains RemoteDomains { get; }

    public GuestRoots Roots { get; }

    /// <summary>The files of this host's guests.</summary>
    public LocalGuestFiles Files { get; }

    /// <summary>The files of the guests of the other host of <paramref name="site"/>, through its agent, over
    /// <paramref name="session"/> where given; the caller disposes of it, which ends the agent.</summary>
    public RemoteGuestFiles FilesOn(GuestSite site, SshSession? session) =>
        new(site.Target ?? throw new InvalidDomainOptionsException($"'{site.Uri}' names no other host reached over SSH"), session, Nix, Logger);

    /// <summary>The guest's lock, and what a command killed while it held the lock left behind cleared.</summary>
    public Task<GuestLock> LockAsync(GuestName name, CancellationToken cancellationToken) => Files.LockAsync(name, Logger, cancellationToken);

    /// <summary>The other host the guest lives on; <see langword="null"/> for a guest installed here (a guest of this host's
    /// link or profile wins over a record of another host), or of no host at all.</summary>
    /// <exception cref="GuestDomainElsewhereException">It lives on another host than the URI given names.</exception>
    public GuestSite? Elsewhere(GuestName name) =>
        Store.LinkState(name) is not (GuestLinkState.Profile or GuestLinkState.Declarative) && !new GuestProfile(Paths, name).Exists
            && RemoteGuests.UriOf(name) is { } uri
            ? Options.Uri is { } requested && requested != uri ? throw new GuestDomainElsewhereException(name.Value, uri, requested) : GuestSite.At(uri)
            : null;

    /// <summary>The other host guest <paramref name="name"/> lives on: the one given (where it names another host), else
    /// the one the guest was installed on; <see langword="null"/> for a guest of this host.</summary>
    public GuestSite? RemoteSiteOf(GuestName name)
    {
        if (Options.Uri is not null)
        {
            return SshTarget.FromLibvirtUri(Options.Uri) is { } target ? new GuestSite(Options.Uri, target) : null;
        }
        return RemoteGuests.UriOf(name) is { } uri ? GuestSite.At(uri) : null;
    }

    /// <summary>Where the guest's domain is: on the host the guest lives on, or at the URI given, or where its domain was
    /// defined (another host's, for a declared guest whose domain lives there), or at the default for its type.</summary>
    public GuestSite DomainSite(GuestName name) => Elsewhere(name) ?? SiteOf(Store.Get(name));

    /// <summary>Where the domain of a guest installed here is; never another host given with <c>-c</c>, where its files
    /// are not.</summary>
    /// <exception cref="GuestStateException">The URI given names another host.</exception>
    public GuestSite SiteOf(Guest guest) =>
        SshTarget.FromLibvirtUri(Options.Uri) is null
            ? GuestSite.At(Domains.UriFor(guest, Options.Uri))
            : throw new GuestStateException(
                $"guest '{guest.Name}' is installed on this host, not on {Options.Uri}: install it there first (miniguest -c URI install)");

    /// <summary>The guest's domain at <paramref name="site"/>; the caller disposes of it.</summary>
    /// <exception cref="GuestStateException">The guest has no domain.</exception>
    /// <exception cref="ForeignDomainException">A domain of its name exists that Miniguest did not define for it.</exception>
    public GuestDomain OpenDomain(GuestSite site, GuestName name)
    {
        using var connection = site.Connect(Connector);
        return Domains.Get(connection, name);
    }

    /// <summary>Looks <paramref name="domain"/> up again by its UUID, at <paramref name="site"/>, on a connection of its own;
    /// the caller disposes of what it returns.</summary>
    public Func<Domain> Reopener(GuestSite site, GuestDomain domain)
    {
        var uuid = domain.Handle.Uuid;
        return () =>
        {
            using var connection = site.Connect(Connector);
            return connection.GetDomain(uuid);
        };
    }

    /// <summary>Whether the guest may have a domain: one was defined for it (recorded here, for a guest of another host
    /// too), or a URI was given to look at.</summary>
    public bool HasDomainRecord(GuestName name) => Options.Uri is not null || File.Exists(Paths.ConnectionUriFile(name));
}
