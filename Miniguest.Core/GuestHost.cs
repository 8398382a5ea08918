using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>Where a <see cref="GuestHost"/> keeps things and how it reaches Nix and libvirt.</summary>
public sealed record GuestHostOptions
{
    /// <summary>Where guests' links, profiles and state are (default: the standard locations).</summary>
    public MiniguestPaths Paths { get; init; } = new();

    /// <summary>The libvirt URI of every guest's domain; <see langword="null"/> (the default) uses the one each guest's
    /// domain was defined on, else the default for its type (<c>qemu:///system</c> or <c>lxc:///</c>).</summary>
    public string? Uri { get; init; }

    /// <summary>How Nix is run.</summary>
    public NixSettings Nix { get; init; } = new();
}

/// <summary>What became of a guest's domain after its generation changed.</summary>
/// <param name="Outcome">Whether it had one, and whether it was defined again.</param>
/// <param name="RunsOlderGeneration">Whether it runs and runs an older generation: a restart runs the new one.</param>
public sealed record DomainResync(ResyncOutcome Outcome, bool RunsOlderGeneration);

/// <summary>What an install did: the guest, and its domain brought up to date where it has one.</summary>
public sealed record InstallResult(Guest Guest, DomainResync Domain);

/// <summary>What an install on another host did.</summary>
/// <param name="Name">The guest's name.</param>
/// <param name="Uri">The libvirt URI of its host, which the guest remembers.</param>
/// <param name="Host">The host's name.</param>
/// <param name="Generation">The generation it is at there.</param>
/// <param name="StorePath">That generation's store path, in the host's store.</param>
public sealed record RemoteInstallResult(string Name, string Uri, string Host, int Generation, string StorePath);

/// <summary>A guest's generations, oldest first.</summary>
/// <param name="All">The generations.</param>
/// <param name="Current">The current one's number.</param>
/// <param name="Running">The number of the one its running domain runs; <see langword="null"/> when it does not run.</param>
public sealed record GuestGenerations(IReadOnlyList<Generation> All, int? Current, int? Running);

/// <summary>What a rollback did: the generation the guest is now at, and its domain.</summary>
public sealed record RollbackResult(Generation Generation, DomainResync Domain);

/// <summary>A guest's domain as <see cref="GuestHost.DefineAsync"/> defined it.</summary>
/// <param name="Domain">The domain; the caller disposes of it.</param>
/// <param name="Definition">Its XML and what keeps its guest from writing to the host's store.</param>
/// <param name="Uri">The libvirt URI it is defined on.</param>
/// <param name="HostPaths">Where the guest's files (its shares' directories, say) are on the domain's host.</param>
public sealed record DefinedDomain(Domain Domain, GuestDomainDefinition Definition, string Uri, MiniguestPaths HostPaths);

/// <summary>What <see cref="GuestHost.RemoveAsync"/> did.</summary>
/// <param name="Installed">Whether a guest was installed (else only the data an earlier remove kept was purged).</param>
/// <param name="KeptDomain">Whether its domain was kept, as asked.</param>
/// <param name="KeptData">The directories of its data that were kept: its shares' and a container's root (<c>HOST:DIRECTORY</c> for a guest
/// of another host).</param>
public sealed record RemoveResult(bool Installed, bool KeptDomain, IReadOnlyList<string> KeptData);

/// <summary>How <see cref="GuestHost.StopAsync(string, TimeSpan, bool, CancellationToken)"/> stopped a guest.</summary>
public enum StopOutcome
{
    /// <summary>It was not running.</summary>
    NotRunning,

    /// <summary>It shut down when asked.</summary>
    ShutDown,

    /// <summary>It did not shut down in time and was pulled off, as asked.</summary>
    ForcedOff,

    /// <summary>libvirt refused to ask it to shut down (a paused VM; a container whose init libvirt-LXC lost track of),
    /// so it was pulled off at once, as asked.</summary>
    ForcedOffUnasked,
}

/// <summary>
/// Everything a user does to the guests of a host, one method per action, each safe on its own: it takes the guest's
/// lock where it changes the guest, clears what a command cut short left, and keeps every rule of the host (a domain
/// starts only with the store protected, a guest is removed with its domain, a running guest's files are never
/// deleted). The command line is one caller; a .NET tool embedding Miniguest is another.
/// </summary>
public sealed class GuestHost
{
    private readonly GuestHostOptions _options;
    private readonly GuestInstaller _installer;
    private readonly ILogger _logger;
    private readonly RemoteGuests _remoteGuests;
    private readonly RemoteGuestDomains _remoteDomains;
    private readonly GuestRoots _roots;

    /// <summary>A host with <paramref name="options"/> (default: the standard locations), logging to
    /// <paramref name="loggers"/>.</summary>
    public GuestHost(GuestHostOptions? options = null, ILoggerFactory? loggers = null)
    {
        _options = options ?? new GuestHostOptions();
        loggers ??= NullLoggerFactory.Instance;
        _logger = loggers.CreateLogger<GuestHost>();
        Store = new GuestStore(_options.Paths);
        Nix = new NixCli(_options.Nix, loggers.CreateLogger<NixCli>());
        Domains = new GuestDomains(_options.Paths);
        _installer = new GuestInstaller(Store, Nix);
        _remoteGuests = new RemoteGuests(_options.Paths);
        _remoteDomains = new RemoteGuestDomains(Domains, _logger);
        _roots = new GuestRoots(_options.Paths, Nix, _logger);
    }

    /// <summary>Where things are.</summary>
    public MiniguestPaths Paths => _options.Paths;

    /// <summary>The guests installed: their names, and each guest's files.</summary>
    public GuestStore Store { get; }

    /// <summary>The guests' domains: finding one, surveying them.</summary>
    public GuestDomains Domains { get; }

    /// <summary>The Nix this host runs.</summary>
    public NixCli Nix { get; }

    /// <summary>Every guest of the host, broken ones too, with its domain where it has one; with
    /// <paramref name="withProtection"/> also what keeps each from writing to the host's store (costlier: each domain's
    /// whole description is read).</summary>
    public Task<IReadOnlyList<GuestListing>> ListAsync(bool withProtection = false, CancellationToken cancellationToken = default) =>
        new GuestLister(Store, Domains, _options.Uri, _logger).ListAsync(withProtection, cancellationToken);

    /// <summary>Opens the connection the guest's domain lives on.</summary>
    /// <exception cref="GuestStateException">The URI given names another host: this host's guest is not there.</exception>
    public Connection Connect(Guest guest) => ConnectTo(UriOf(guest));

    /// <summary>Builds <paramref name="reference"/> and installs it as guest <paramref name="name"/> (default: the
    /// attribute's name); with <paramref name="force"/> it replaces an installed one and brings its domain up to date.</summary>
    public async Task<InstallResult> InstallAsync(InstallableReference reference, string? name = null, bool force = false,
        IProgress<NixProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        name = GuestName.Validate(name ?? reference.Attribute);
        using var guestLock = await LockAsync(name, cancellationToken).ConfigureAwait(false);
        if (_remoteGuests.UriOf(name) is { } remoteUri)
        {
            throw new GuestStateException($"guest '{name}' lives on {remoteUri}: remove it there first, or give this one another name");
        }
        var guest = await _installer.InstallAsync(reference, name, force, progress, cancellationToken).ConfigureAwait(false);
        return new InstallResult(guest, force ? await ResyncAsync(guest, cancellationToken).ConfigureAwait(false) : new DomainResync(ResyncOutcome.NoDomain, false));
    }

    /// <summary>The libvirt URI of the other host guest <paramref name="name"/> lives on: the one given (where it names
    /// another host), else the one the guest was installed on; <see langword="null"/> for a guest of this host.</summary>
    public string? RemoteUriOf(string? name)
    {
        if (_options.Uri is not null)
        {
            return SshTarget.FromLibvirtUri(_options.Uri) is null ? null : _options.Uri;
        }
        return name is not null && GuestName.IsValid(name) ? _remoteGuests.UriOf(name) : null;
    }

    /// <summary>Builds <paramref name="reference"/> here and installs it as guest <paramref name="name"/> (default: the
    /// attribute's name) on the other host of <see cref="RemoteUriOf"/>: its closure is copied there with <c>nix copy</c>,
    /// and its profile and link are made there. With <paramref name="force"/> it replaces a guest installed there. With
    /// <paramref name="buildOnTarget"/> it is built there instead: its derivation, evaluated here, is copied there and
    /// built there, and the build comes back here for the guest's profile.</summary>
    /// <exception cref="InvalidDomainOptionsException">No other host is named.</exception>
    /// <exception cref="RemoteHostException">The host cannot be reached, or refuses (the guest is installed there
    /// already, its link there is not Miniguest's).</exception>
    public async Task<RemoteInstallResult> InstallRemoteAsync(InstallableReference reference, string? name = null, bool force = false,
        bool buildOnTarget = false, IProgress<NixProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        name = GuestName.Validate(name ?? reference.Attribute);
        var uri = RemoteUriOf(name) ?? throw new InvalidDomainOptionsException(
            $"no other host is named: give its libvirt URI with an SSH transport, such as -c qemu+ssh://root@HOST/system");
        var target = SshTarget.FromLibvirtUri(uri)!;
        using var guestLock = await LockAsync(name, cancellationToken).ConfigureAwait(false);
        if (Store.Names().Contains(name, StringComparer.Ordinal))
        {
            throw new GuestStateException($"guest '{name}' is installed on this host: remove it here first, or give the other one another name");
        }
        if (_remoteGuests.UriOf(name) is { } recorded && recorded != uri)
        {
            throw new GuestStateException($"guest '{name}' lives on {recorded}: remove it there first, or give the new one another name");
        }
        using var session = new SshSession(target);
        var remote = new RemoteTarget(target, session, _logger);
        var (generation, storePath) = await _installer.InstallRemoteAsync(reference.Installable, name, uri, target, remote, session, force, buildOnTarget,
            progress, cancellationToken)
            .ConfigureAwait(false);
        return new RemoteInstallResult(name, uri, target.Host, generation, storePath);
    }

    /// <summary>Re-resolves the guest's flake reference and, if it moved, builds a new generation; then brings the
    /// domain up to date (also when nothing was built: an upgrade cut short may have left it behind). A guest on another
    /// host is built there with <paramref name="buildOnTarget"/> (as <see cref="InstallRemoteAsync"/>); a guest of this
    /// host is built here.</summary>
    public async Task<(UpgradeResult Upgrade, DomainResync? Domain)> UpgradeAsync(string name, bool buildOnTarget = false,
        IProgress<NixProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        using var guestLock = await LockAsync(name, cancellationToken).ConfigureAwait(false);
        if (ElsewhereUri(name) is { } uri)
        {
            var target = SshTarget.FromLibvirtUri(uri)!;
            UpgradeResult upgraded;
            using (var session = new SshSession(target))
            {
                upgraded = await _installer.UpgradeRemoteAsync(name, _remoteGuests.Get(name)!, target, new RemoteTarget(target, session, _logger), session,
                    buildOnTarget, progress, cancellationToken)
                    .ConfigureAwait(false);
            }
            return (upgraded, upgraded.Outcome == UpgradeOutcome.Locked ? null : await ResyncRemoteAsync(name, uri, cancellationToken).ConfigureAwait(false));
        }
        var result = await _installer.UpgradeAsync(name, progress, cancellationToken).ConfigureAwait(false);
        return (result, result.Outcome == UpgradeOutcome.Locked ? null : await ResyncAsync(Store.Get(name), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Points the guest at generation <paramref name="to"/>, or at the one before the current, and brings its
    /// domain up to date.</summary>
    public async Task<RollbackResult> RollbackAsync(string name, int? to = null, CancellationToken cancellationToken = default)
    {
        using var guestLock = await LockAsync(name, cancellationToken).ConfigureAwait(false);
        if (ElsewhereUri(name) is { } uri)
        {
            var rolledBack = await new RemoteTarget(SshTarget.FromLibvirtUri(uri)!, session: null, _logger).RollbackAsync(name, to, cancellationToken)
                .ConfigureAwait(false);
            return new RollbackResult(rolledBack, await ResyncRemoteAsync(name, uri, cancellationToken).ConfigureAwait(false));
        }
        var generation = _installer.Rollback(name, to);
        return new RollbackResult(generation, await ResyncAsync(Store.Get(name), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Removes the guest: its domain (unless <paramref name="keepDomain"/>), its link, profile, generations and
    /// state, but not its data (its shares' directories and a container's root), which a reinstalled guest of its name
    /// finds again, unless <paramref name="purge"/>. A running guest is stopped first with <paramref name="force"/>, else
    /// refused: its files are never deleted while it runs. With <paramref name="purge"/>, the data a guest removed before
    /// left is deleted too.</summary>
    /// <exception cref="GuestRunningException">It runs, and <paramref name="force"/> is not given.</exception>
    public async Task<RemoveResult> RemoveAsync(string name, bool keepDomain = false, bool force = false, bool purge = false,
        CancellationToken cancellationToken = default)
    {
        var keptDomain = false;
        using var guestLock = await LockAsync(name, cancellationToken).ConfigureAwait(false);
        if (purge && !Store.Names().Contains(name, StringComparer.Ordinal) && (GuestData(name).Count > 0 || Directory.Exists(Paths.GenerationRoots(name))))
        {
            PurgeData(name);
            return new RemoveResult(Installed: false, KeptDomain: false, KeptData: []);
        }
        if (ElsewhereUri(name) is { } remoteUri)
        {
            return await RemoveRemoteAsync(name, remoteUri, keepDomain, force, purge, cancellationToken).ConfigureAwait(false);
        }
        var guest = Store.Get(name);
        if (!guest.IsImperative)
        {
            throw new GuestStateException($"guest '{name}' is declarative: remove it from the host's NixOS configuration");
        }
        if (HasDomainRecord(name))
        {
            using var connection = Connect(guest);
            keptDomain = RemoveDomain(connection, name, keepDomain, force);
        }
        // A kept domain keeps the generation it boots rooted, unless the purge asks for everything to go.
        _installer.Remove(name, keepContainerRoot: !purge, keepGenerationRoots: keptDomain && !purge);
        if (purge)
        {
            PurgeData(name);
        }
        return new RemoveResult(Installed: true, keptDomain, purge ? [] : GuestData(name));
    }

    // The URI of the other host the guest lives on; null for a guest installed here (a guest of this host's link or
    // profile wins over a record of another host), or of no host at all.
    private string? ElsewhereUri(string name) =>
        Store.LinkState(GuestName.Validate(name)) is not (GuestLinkState.Profile or GuestLinkState.Declarative) && !new GuestProfile(Paths, name).Exists
            ? _remoteGuests.UriOf(name)
            : null;

    // The guest's domain stopped (with force, else a running one is refused) and undefined unless it is kept; whether
    // one was kept.
    private bool RemoveDomain(Connection connection, string name, bool keepDomain, bool force)
    {
        using var domain = Domains.Find(connection, name);
        if (domain is null)
        {
            return false;
        }
        if (domain.IsActive)
        {
            if (!force)
            {
                throw new GuestRunningException(name);
            }
            CrashPoint.Reach(CrashPoint.StopDomain);
            domain.Destroy();
        }
        _roots.Drop(name, GuestRoots.Booted);
        if (!keepDomain)
        {
            CrashPoint.Reach(CrashPoint.UndefineDomain);
            domain.Undefine();
        }
        return keepDomain;
    }

    // A guest on another host: its domain there, then its profile, link and state there, then this host's record of it,
    // last, so that a remove cut short is found and completed when run again.
    private async Task<RemoveResult> RemoveRemoteAsync(string name, string uri, bool keepDomain, bool force, bool purge,
        CancellationToken cancellationToken)
    {
        var keptDomain = false;
        var state = new GuestStateDirectory(Paths, name);
        if (state.RecordedDomainUuid() is not null)
        {
            using var connection = ConnectTo(uri);
            keptDomain = RemoveDomain(connection, name, keepDomain, force);
        }
        var target = SshTarget.FromLibvirtUri(uri)!;
        var kept = await new RemoteTarget(target, session: null, _logger).UnlinkAsync(name, purge, cancellationToken, keptDomain).ConfigureAwait(false);
        state.Delete();
        _remoteGuests.Forget(name);
        return new RemoveResult(Installed: true, keptDomain, [.. kept.Select(directory => $"{target.Host}:{directory}")]);
    }

    // What remove keeps of a guest: its shares' directories and a container's root (where it is, or was before it had
    // a directory of its own).
    private IReadOnlyList<string> GuestData(string name) =>
        new[] { GuestShareDirectories.Existing(Paths, name), Paths.ContainerRoot(name), Paths.FormerContainerRoot(name) }
            .OfType<string>().Where(Directory.Exists).ToList();

    private void PurgeData(string name)
    {
        CrashPoint.Reach(CrashPoint.DeleteState);
        GuestShareDirectories.Delete(Paths, name);
        new GuestStateDirectory(Paths, name).Delete();
    }

    /// <summary>The guest's generations, oldest first, which is current and which its running domain runs: on this host,
    /// or on the other host it lives on.</summary>
    /// <exception cref="GuestNotFoundException">No such guest is installed here or recorded elsewhere.</exception>
    /// <exception cref="RemoteHostException">Its host cannot be reached.</exception>
    public async Task<GuestGenerations> GenerationsAsync(string name, CancellationToken cancellationToken = default)
    {
        if (ElsewhereUri(name) is { } uri)
        {
            var (all, current) = await new RemoteTarget(SshTarget.FromLibvirtUri(uri)!, session: null, _logger)
                .GenerationsAsync(name, cancellationToken).ConfigureAwait(false);
            return new GuestGenerations(all, current, RunningGeneration(name));
        }
        var guest = Store.Get(name);
        return new GuestGenerations(guest.Profile.Generations, guest.Profile.Current?.Number, RunningGeneration(name));
    }

    /// <summary>The generation the guest's running domain was started on; <see langword="null"/> when it does not run
    /// (or the domain of its name is not its own).</summary>
    public int? RunningGeneration(string name)
    {
        if (!HasDomainRecord(name))
        {
            return null;
        }
        using var connection = ConnectTo(DomainUri(name));
        try
        {
            using var domain = Domains.Find(connection, name);
            return domain is { IsActive: true }
                ? DomainXml.ReadMetadataElement(domain.GetMetadata(GuestMetadata.Namespace))?.Generation
                : null;
        }
        catch (ForeignDomainException)
        {
            return null;
        }
    }

    /// <summary>The domain <see cref="DefineAsync"/> would define, without defining it.</summary>
    public async Task<GuestDomainDefinition> BuildDefinitionAsync(string name, DomainOptions options, CancellationToken cancellationToken = default)
    {
        if (ElsewhereUri(name) is { } uri)
        {
            return await _remoteDomains.BuildAsync(name, uri, options, cancellationToken).ConfigureAwait(false);
        }
        var guest = Store.Get(name);
        using var connection = Connect(guest);
        return Domains.Build(connection, guest, options);
    }

    /// <summary>Defines the guest's domain, or updates the one it has (keeping its UUID and the settings not given), or takes
    /// over the one the original miniguest defined for it (<see cref="DomainOptions.TakeOver"/>).</summary>
    /// <exception cref="UnprotectedStoreException">Nothing would keep the guest from writing to the host's store.</exception>
    /// <exception cref="ForeignDomainException">A domain of its name exists that Miniguest did not define for it (and, taking
    /// over, that does not look like the original miniguest's).</exception>
    public async Task<DefinedDomain> DefineAsync(string name, DomainOptions options, CancellationToken cancellationToken = default)
    {
        if (ElsewhereUri(name) is null)
        {
            // A guest whose files are broken fails before anything is made for it, its lock included.
            Store.Get(name).LoadSystem();
        }
        using var guestLock = await LockAsync(name, cancellationToken).ConfigureAwait(false);
        if (ElsewhereUri(name) is { } uri)
        {
            return await _remoteDomains.DefineAsync(name, uri, options, cancellationToken).ConfigureAwait(false);
        }
        var guest = Store.Get(name);
        using var connection = Connect(guest);
        var definition = Domains.Build(connection, guest, options, allocate: true);
        return new DefinedDomain(await DefineHereAsync(connection, guest, definition, cancellationToken).ConfigureAwait(false), definition,
            connection.RequestedUri, Paths);
    }

    /// <summary>Starts the guest's domain, paused if asked (to attach its console first), once the store is known to
    /// be protected and its boot files to lie in the store. The caller disposes of the domain returned.</summary>
    /// <exception cref="UnprotectedStoreException">Nothing keeps the guest from writing to the host's store.</exception>
    /// <exception cref="GuestFileException">A file the domain boots from lies outside the store.</exception>
    public async Task<Domain> StartAsync(string name, bool paused = false, CancellationToken cancellationToken = default) =>
        (await StartAsync(name, _ => paused, cancellationToken).ConfigureAwait(false)).Domain;

    /// <summary>Starts the guest (as <see cref="StartAsync(string, bool, CancellationToken)"/>) with its console attached
    /// from its first line: a VM starts paused and runs once the console is open. libvirt-LXC cannot start a container
    /// paused, so a container that finishes within milliseconds may stop first: then the answer is
    /// <see langword="null"/>.</summary>
    public async Task<GuestConsole?> StartWithConsoleAsync(string name, CancellationToken cancellationToken = default)
    {
        // Nothing between the start and the console: a container runs at once, and may be over in milliseconds.
        var (domain, vm) = await StartAsync(name, xml => !GuestDomains.IsContainer(xml), cancellationToken).ConfigureAwait(false);
        return await GuestConsole.AttachAsync(name, domain, vm ? domain.Resume : null, takeOver: false, cancellationToken, startedBeforeAttached: !vm)
            .ConfigureAwait(false);
    }

    // The guest's domain, through one connection, started paused if pausedFor says so of its description; and whether it was.
    private async Task<(Domain Domain, bool Paused)> StartAsync(string name, Func<string, bool> pausedFor, CancellationToken cancellationToken)
    {
        var uri = DomainUri(name);
        var domain = OpenDomain(name, uri);
        try
        {
            if (domain.IsActive)
            {
                throw new GuestAlreadyRunningException(name);
            }
            var paused = pausedFor(domain.GetXml(DomainXmlFlags.Inactive));
            await StartCheckedAsync(uri, name, domain, paused, cancellationToken).ConfigureAwait(false);
            return (domain, paused);
        }
        catch
        {
            domain.Dispose();
            throw;
        }
    }

    /// <summary>Attaches to the running guest's console; <see langword="null"/> if it stopped meanwhile. With
    /// <paramref name="takeOver"/>, a console another client holds is taken from it.</summary>
    /// <exception cref="GuestNotRunningException">The guest is not running.</exception>
    public async Task<GuestConsole?> OpenConsoleAsync(string name, bool takeOver = false, CancellationToken cancellationToken = default)
    {
        var domain = OpenDomain(name);
        try
        {
            if (!domain.IsActive)
            {
                throw new GuestNotRunningException(name);
            }
        }
        catch
        {
            domain.Dispose();
            throw;
        }
        return await GuestConsole.AttachAsync(name, domain, attached: null, takeOver, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The running guest's addresses (<see cref="GuestAddresses"/>), waiting up to <paramref name="wait"/> for one
    /// to appear; empty if none did.</summary>
    /// <exception cref="GuestNotRunningException">The guest is not running, or stopped while waited for.</exception>
    /// <exception cref="GuestHasNoInterfaceException">Its domain has no network interface to have an address on.</exception>
    public async Task<IReadOnlyList<InterfaceAddress>> AddressesAsync(string name, TimeSpan wait = default, CancellationToken cancellationToken = default)
    {
        using var domain = OpenDomain(name);
        var interfaces = DomainXml.ReadInterfaces(domain.GetXml(DomainXmlFlags.Inactive));
        if (interfaces.Count == 0)
        {
            throw new GuestHasNoInterfaceException(name);
        }
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            IReadOnlyList<InterfaceAddress> found;
            try
            {
                found = domain.IsActive ? GuestAddresses.Of(domain, interfaces) : throw new GuestNotRunningException(name);
            }
            catch (OperationInvalidException)
            {
                throw new GuestNotRunningException(name);
            }
            var left = wait - waited.Elapsed;
            if (found.Count > 0 || left <= TimeSpan.Zero)
            {
                return found;
            }
            await Task.Delay(left < AddressPollInterval ? left : AddressPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    // dnsmasq tells libvirt of a lease at once; a guest takes seconds to ask for one.
    private static readonly TimeSpan AddressPollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Shuts the guest down, waiting up to <paramref name="timeout"/>; then pulls the plug with
    /// <paramref name="force"/>, or fails. The answer says which it took, or that it was not running.</summary>
    /// <exception cref="GuestStopTimeoutException">It did not shut down in time, and <paramref name="force"/> was not given.</exception>
    public async Task<StopOutcome> StopAsync(string name, TimeSpan timeout, bool force = false, CancellationToken cancellationToken = default)
    {
        var uri = DomainUri(name);
        using var domain = OpenDomain(name, uri);
        if (!domain.IsActive)
        {
            await DropBootedAsync(uri, name, cancellationToken).ConfigureAwait(false);
            return StopOutcome.NotRunning;
        }
        return await StopAsync(uri, domain, name, timeout, force, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Shuts the guest down (as <see cref="StopAsync(string, TimeSpan, bool, CancellationToken)"/>) if it runs,
    /// and starts it again, on its current generation.</summary>
    public async Task RestartAsync(string name, TimeSpan timeout, bool force = false, CancellationToken cancellationToken = default)
    {
        var uri = DomainUri(name);
        using var domain = OpenDomain(name, uri);
        if (domain.IsActive)
        {
            await StopAsync(uri, domain, name, timeout, force, cancellationToken).ConfigureAwait(false);
        }
        await StartCheckedAsync(uri, name, domain, paused: false, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the guest with the host, or stops doing so; returns the setting now in force.</summary>
    /// <exception cref="GuestStateException">The host's NixOS configuration declares the guest: the setting is its own, and
    /// its next apply would set it back.</exception>
    public bool SetAutostart(string name, bool on)
    {
        if (IsApplied(name))
        {
            throw new GuestStateException(
                $"guest '{name}' is declarative: whether it starts with the host is miniguests.{name}.autostart in the host's NixOS configuration");
        }
        using var domain = OpenDomain(name);
        CrashPoint.Reach(CrashPoint.SetAutostart);
        domain.Autostart = on;
        return domain.Autostart;
    }

    /// <summary>The guest's domain; the caller disposes of it.</summary>
    /// <exception cref="GuestStateException">The guest has no domain.</exception>
    /// <exception cref="ForeignDomainException">A domain of its name exists that Miniguest did not define for it.</exception>
    public Domain OpenDomain(string name) => OpenDomain(name, DomainUri(name));

    private Domain OpenDomain(string name, string uri)
    {
        using var connection = ConnectTo(uri);
        return Domains.Get(connection, name);
    }

    // The URI of the guest's domain: on the host the guest lives on, or the one given, or the one its domain was defined on
    // (another host's, for a declared guest whose domain lives there), or the default for its type.
    private string DomainUri(string name) => ElsewhereUri(name) ?? UriOf(Store.Get(name));

    // The URI of the domain of a guest installed here; never another host's given with -c, where its files are not.
    private string UriOf(Guest guest) =>
        SshTarget.FromLibvirtUri(_options.Uri) is null
            ? Domains.UriFor(guest, _options.Uri)
            : throw new GuestStateException(
                $"guest '{guest.Name}' is installed on this host, not on {_options.Uri}: install it there first (miniguest -c URI install)");

    private static Connection ConnectTo(string uri) => SshTarget.FromLibvirtUri(uri) is null ? Connection.Open(uri) : RemoteGuestDomains.Connect(uri);

    /// <summary>Brings the guests a NixOS host declares in line with <paramref name="manifest"/>, as the host's life asks
    /// at each boot and each switch: defines or updates each guest's domain, one guest at a time; then starts each that
    /// starts with the host and is not running, and restarts each changed running one that asks for it; and shuts down
    /// gracefully and removes the guests declared before and no longer. The starts, restarts and removals run
    /// <see cref="ApplyOptions.Jobs"/> at a time, each guest under its lock. A guest of this host is started by apply,
    /// never by libvirt's autostart, which would start it on the generation defined before (after a
    /// <c>nixos-rebuild boot</c>) ahead of apply; a guest of another host, whose boot apply does not follow, keeps
    /// libvirt's autostart there. One guest failing stops none of the others: each guest's answer, in
    /// <paramref name="progress"/> as it is done and in the list returned, says what was done or what went wrong.</summary>
    public async Task<IReadOnlyList<AppliedGuest>> ApplyAsync(DeclarativeManifest manifest, ApplyOptions? options = null,
        IProgress<AppliedGuest>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        options ??= new ApplyOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Jobs, 1);
        using var jobs = new SemaphoreSlim(options.Jobs);
        var appliedFile = Path.Combine(Paths.State, DeclaredGuestsFile);
        var declared = manifest.Guests.Keys.Order(StringComparer.Ordinal).ToList();
        var gone = DeclarativeManifest.ReadApplied(appliedFile).Except(declared).ToList();
        async Task<AppliedGuest> Reported(Task<AppliedGuest> work)
        {
            var applied = await work.ConfigureAwait(false);
            progress?.Report(applied);
            return applied;
        }
        // The guests no longer declared go first: what they held (memory, say) is the new ones'.
        var work = gone.Select(name => Reported(RemoveUndeclaredAsync(name, options, jobs, cancellationToken))).ToList();
        foreach (var name in declared)
        {
            work.Add(Reported(await ApplyGuestAsync(name, manifest.Guests[name], options, jobs, cancellationToken).ConfigureAwait(false)));
        }
        var results = await Task.WhenAll(work).ConfigureAwait(false);
        CrashPoint.Reach(CrashPoint.RecordDeclared);
        // A guest whose removal failed stays recorded: the next apply removes it.
        var recorded = declared.Concat(results.Where(result => result.Error is not null && result.Domain == AppliedDomain.Removed).Select(result => result.Name));
        using var state = DirectoryHandle.OpenOrCreate(Paths.State, GuestStateDirectory.DirectoryMode);
        state.WriteFile(DeclaredGuestsFile, DeclarativeManifest.WriteApplied(recorded), GuestStateDirectory.FileMode);
        return results;
    }

    private const string DeclaredGuestsFile = "declarative-guests.json";

    // Whether the guest is one the host's NixOS configuration declares and apply keeps: its settings are the configuration's.
    private bool IsApplied(string name) =>
        Store.LinkState(GuestName.Validate(name)) == GuestLinkState.Declarative
        && DeclarativeManifest.ReadApplied(Path.Combine(Paths.State, DeclaredGuestsFile)).Contains(name, StringComparer.Ordinal);

    // A declared guest's domain defined under its lock; then, its lock still held, what it needs besides (a start, a
    // restart), as work that waits for one of the jobs. A failure ends this guest's work, and no one else's.
    private async Task<Task<AppliedGuest>> ApplyGuestAsync(string name, DeclarativeGuest settings, ApplyOptions options, SemaphoreSlim jobs,
        CancellationToken cancellationToken)
    {
        GuestLock? guestLock = null;
        try
        {
            guestLock = await LockAsync(name, cancellationToken).ConfigureAwait(false);
            var defined = await DefineDeclaredAsync(Store.Get(name), settings, cancellationToken).ConfigureAwait(false);
            return RunDeclaredAsync(defined, settings, guestLock, options, jobs, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            guestLock?.Dispose();
            return Task.FromResult(new AppliedGuest(name) { Error = e });
        }
    }

    // A declared guest's domain, as apply defined it, and what that changed.
    private sealed record DeclaredDomain(Guest Guest, string Uri, Domain Domain, AppliedDomain Change);

    // A declared guest's domain defined where its uri says: on this host, or on another, where its closure is copied and
    // its profile there moved to it first; with whether it starts with the host recorded.
    private async Task<DeclaredDomain> DefineDeclaredAsync(Guest guest, DeclarativeGuest settings, CancellationToken cancellationToken)
    {
        var config = guest.LoadConfig();
        var uri = settings.Uri ?? GuestDomains.DefaultUri(config.GuestType);
        var options = new DomainOptions
        {
            MemoryMiB = settings.Memory,
            VCpus = settings.Vcpus,
            Interfaces = settings.Attachments,
            HostNetwork = settings.HostNetwork,
            ShareSources = settings.ShareSources(config.Shares.Select(share => share.Tag)),
        };
        var target = SshTarget.FromLibvirtUri(uri);
        string? before;
        using (var connection = ConnectTo(uri))
        using (var existing = Domains.Find(connection, guest.Name))
        {
            before = existing?.GetXml(DomainXmlFlags.Inactive);
        }
        Domain domain;
        if (target is not null)
        {
            await _installer.PlaceRemoteAsync(guest, target, _logger, cancellationToken).ConfigureAwait(false);
            domain = (await _remoteDomains.DefineAsync(guest.Name, uri, options, cancellationToken).ConfigureAwait(false)).Domain;
        }
        else
        {
            using var connection = Connection.Open(uri);
            domain = await DefineHereAsync(connection, guest, Domains.Build(connection, guest, options, allocate: true), cancellationToken)
                .ConfigureAwait(false);
        }
        try
        {
            var change = before is null ? AppliedDomain.Defined
                : SameDefinition(domain.GetXml(DomainXmlFlags.Inactive), before) ? AppliedDomain.Unchanged : AppliedDomain.Updated;
            CrashPoint.Reach(CrashPoint.SetAutostart);
            // Here, apply starts the guest itself once its domain is on its current generation: libvirtd would start it
            // before apply runs, on the generation it was defined on (the one before a `nixos-rebuild boot`). Another
            // host boots without this host's apply: its libvirtd starts the guest there.
            domain.Autostart = target is not null && settings.Autostart;
            var state = new GuestStateDirectory(Paths, guest.Name);
            if (target is null && settings.Autostart)
            {
                state.Write(Paths.DeclaredAutostartFile(guest.Name), "");
            }
            else
            {
                state.DeleteFile(Paths.DeclaredAutostartFile(guest.Name));
            }
            return new DeclaredDomain(guest, uri, domain, change);
        }
        catch
        {
            domain.Dispose();
            throw;
        }
    }

    // A declared guest started if it starts with the host and is not running, or restarted on its new generation if it
    // asks for that, once one of the jobs is free; then its lock and domain let go.
    private async Task<AppliedGuest> RunDeclaredAsync(DeclaredDomain defined, DeclarativeGuest settings, GuestLock guestLock, ApplyOptions options,
        SemaphoreSlim jobs, CancellationToken cancellationToken)
    {
        var (guest, uri, domain, change) = defined;
        var applied = new AppliedGuest(guest.Name) { Uri = uri, Domain = change };
        using (guestLock)
        using (domain)
        {
            var restart = settings.RestartIfChanged && Domains.Status(domain, guest) == GuestStatus.Outdated;
            if (!restart && !(settings.Autostart && !domain.IsActive))
            {
                return applied;
            }
            try
            {
                await jobs.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    if (restart)
                    {
                        var stopped = await StopAsync(uri, domain, guest.Name, options.StopTimeout, force: true, cancellationToken).ConfigureAwait(false);
                        await StartCheckedAsync(uri, guest.Name, domain, paused: false, cancellationToken).ConfigureAwait(false);
                        return applied with { Run = AppliedRun.Restarted, Stop = stopped };
                    }
                    if (domain.IsActive)
                    {
                        return applied; // started meanwhile, by libvirtd or an admin
                    }
                    await StartCheckedAsync(uri, guest.Name, domain, paused: false, cancellationToken).ConfigureAwait(false);
                    return applied with { Run = AppliedRun.Started };
                }
                finally
                {
                    jobs.Release();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return applied with { Error = e };
            }
        }
    }

    // A guest declared before and no longer, under its lock and once one of the jobs is free: shut down as stop does
    // (forced off after the time given), its domain undefined and its state deleted; its data stays.
    private async Task<AppliedGuest> RemoveUndeclaredAsync(string name, ApplyOptions options, SemaphoreSlim jobs, CancellationToken cancellationToken)
    {
        var removed = new AppliedGuest(name) { Domain = AppliedDomain.Removed };
        try
        {
            using var guestLock = await LockAsync(name, cancellationToken).ConfigureAwait(false);
            await jobs.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await RemoveUndeclaredAsync(removed, options.StopTimeout, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                jobs.Release();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return removed with { Error = e };
        }
    }

    private async Task<AppliedGuest> RemoveUndeclaredAsync(AppliedGuest removed, TimeSpan stopTimeout, CancellationToken cancellationToken)
    {
        var name = removed.Name;
        var uriFile = Paths.ConnectionUriFile(name);
        if (!File.Exists(uriFile))
        {
            return removed;
        }
        var uri = SmallFile.ReadText(uriFile).Trim();
        removed = removed with { Uri = uri };
        using (var connection = ConnectTo(uri))
        using (var domain = Domains.Find(connection, name))
        {
            if (domain is not null)
            {
                if (domain.IsActive)
                {
                    removed = removed with { Stop = await StopAsync(uri, domain, name, stopTimeout, force: true, cancellationToken).ConfigureAwait(false) };
                }
                CrashPoint.Reach(CrashPoint.UndefineDomain);
                domain.Undefine();
            }
        }
        if (SshTarget.FromLibvirtUri(uri) is { } target)
        {
            await new RemoteTarget(target, session: null, _logger).UnlinkAsync(name, purge: false, cancellationToken).ConfigureAwait(false);
        }
        CrashPoint.Reach(CrashPoint.DeleteState);
        new GuestStateDirectory(Paths, name).Delete();
        return removed;
    }

    // The guest's domain, on the host of uri, started once that host's store is known to be protected.
    private async Task StartCheckedAsync(string uri, string name, Domain domain, bool paused, CancellationToken cancellationToken)
    {
        if (SshTarget.FromLibvirtUri(uri) is not null)
        {
            await _remoteDomains.PrepareToStartAsync(name, uri, domain, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Domains.EnsureSafeToStart(domain);
            // Whatever the definition changes to while the guest runs, the generation it boots stays.
            await _roots.KeepAsync(name, GuestRoots.Booted, DomainXml.ReadMetadata(domain.GetXml(DomainXmlFlags.Inactive))?.StorePath, cancellationToken)
                .ConfigureAwait(false);
        }
        CrashPoint.Reach(CrashPoint.StartDomain);
        domain.Start(paused ? DomainCreateFlags.Paused : DomainCreateFlags.None);
    }

    // The guest's domain, on the host of uri, stopped, and the root of the generation it ran dropped there.
    private async Task<StopOutcome> StopAsync(string uri, Domain domain, string name, TimeSpan timeout, bool force, CancellationToken cancellationToken)
    {
        var outcome = await ShutDownAsync(domain, name, timeout, force, cancellationToken).ConfigureAwait(false);
        await DropBootedAsync(uri, name, cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    private async Task DropBootedAsync(string uri, string name, CancellationToken cancellationToken)
    {
        if (SshTarget.FromLibvirtUri(uri) is not null)
        {
            await _remoteDomains.DropBootedAsync(name, uri, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            _roots.Drop(name, GuestRoots.Booted);
        }
    }

    private static async Task<StopOutcome> ShutDownAsync(Domain domain, string name, TimeSpan timeout, bool force, CancellationToken cancellationToken)
    {
        try
        {
            if (await domain.ShutdownAsync(timeout, DomainShutdownFlags.Default, cancellationToken).ConfigureAwait(false))
            {
                return StopOutcome.ShutDown;
            }
            if (!force)
            {
                throw new GuestStopTimeoutException(name, timeout);
            }
            return ForceOff(domain, StopOutcome.ForcedOff);
        }
        catch (OperationInvalidException) when (!domain.IsActive)
        {
            // The guest powered itself off between a look at its state and the request: it stopped, as asked.
            return StopOutcome.ShutDown;
        }
        catch (OperationInvalidException) when (force)
        {
            // The request itself was refused while the guest runs on: nothing to wait for.
            return ForceOff(domain, StopOutcome.ForcedOffUnasked);
        }
    }

    private static StopOutcome ForceOff(Domain domain, StopOutcome outcome)
    {
        CrashPoint.Reach(CrashPoint.StopDomain);
        domain.Destroy();
        return outcome;
    }

    // The guest's domain brought up to date with its current generation, where it has one.
    private async Task<DomainResync> ResyncAsync(Guest guest, CancellationToken cancellationToken)
    {
        if (!HasDomainRecord(guest.Name))
        {
            return new DomainResync(ResyncOutcome.NoDomain, false); // never created: no daemon to bother
        }
        using var connection = Connect(guest);
        string before;
        using (var existing = Domains.Find(connection, guest.Name))
        {
            if (existing is null)
            {
                return new DomainResync(ResyncOutcome.NoDomain, false);
            }
            before = existing.GetXml(DomainXmlFlags.Inactive);
        }
        var definition = Domains.Build(connection, guest, new DomainOptions(), allocate: true);
        using var updated = await DefineHereAsync(connection, guest, definition, cancellationToken).ConfigureAwait(false);
        return Resynced(updated, before, guest.StorePath);
    }

    // Whether two descriptions of a domain say the same, whatever the order of their elements, and but for the <resource>
    // partition libvirt adds to a domain's definition when it starts it, which Miniguest never sets (and a definition
    // made again leaves out).
    private static bool SameDefinition(string xml, string other)
    {
        static List<string> Elements(string xml) =>
            [.. System.Xml.Linq.XElement.Parse(xml).Elements().Where(element => element.Name != "resource")
                .Select(element => element.ToString()).Order(StringComparer.Ordinal)];
        return xml == other || Elements(xml).SequenceEqual(Elements(other), StringComparer.Ordinal);
    }

    // What became of a domain defined again from the description before, now on the generation of installedStorePath.
    private DomainResync Resynced(Domain updated, string before, string? installedStorePath) =>
        new(SameDefinition(updated.GetXml(DomainXmlFlags.Inactive), before) ? ResyncOutcome.Unchanged : ResyncOutcome.Updated,
            Domains.Status(updated, installedStorePath) == GuestStatus.Outdated);

    // The guest's domain defined on this host, with the generations it needs rooted (GuestRoots): first the one it runs,
    // where it runs, which the new definition may leave; then, once defined, the one it is defined on. That one is the
    // guest's current generation, which its profile (or a declaring host's system) roots meanwhile: a command cut short
    // between the two loses no root a guest needs.
    private async Task<Domain> DefineHereAsync(Connection connection, Guest guest, GuestDomainDefinition definition, CancellationToken cancellationToken)
    {
        // A domain taken over runs, if it does, no generation Miniguest knows of: there is none to root.
        using (var existing = definition.TakenOver is null ? Domains.Find(connection, guest.Name) : null)
        {
            if (existing is { IsActive: true })
            {
                await _roots.KeepAsync(guest.Name, GuestRoots.Booted, DomainXml.ReadMetadataElement(existing.GetMetadata(GuestMetadata.Namespace))?.StorePath,
                    cancellationToken).ConfigureAwait(false);
            }
            else
            {
                _roots.Drop(guest.Name, GuestRoots.Booted);
            }
        }
        var domain = Domains.Define(connection, guest, definition);
        try
        {
            await _roots.KeepAsync(guest.Name, GuestRoots.Defined, DomainXml.ReadMetadata(definition.Xml)?.StorePath, cancellationToken).ConfigureAwait(false);
            return domain;
        }
        catch
        {
            domain.Dispose();
            throw;
        }
    }

    // The domain of the guest on another host brought up to date with its current generation there, where it has one.
    private async Task<DomainResync> ResyncRemoteAsync(string name, string uri, CancellationToken cancellationToken)
    {
        if (!HasDomainRecord(name))
        {
            return new DomainResync(ResyncOutcome.NoDomain, false);
        }
        string before;
        using (var connection = ConnectTo(uri))
        using (var existing = Domains.Find(connection, name))
        {
            if (existing is null)
            {
                return new DomainResync(ResyncOutcome.NoDomain, false);
            }
            before = existing.GetXml(DomainXmlFlags.Inactive);
        }
        var defined = await _remoteDomains.DefineAsync(name, uri, new DomainOptions(), cancellationToken).ConfigureAwait(false);
        using var updated = defined.Domain;
        return Resynced(updated, before, DomainXml.ReadMetadata(defined.Definition.Xml)?.StorePath);
    }

    // Whether the guest may have a domain: one was defined for it (recorded here, for a guest of another host too), or a
    // URI was given to look at.
    private bool HasDomainRecord(string name) => _options.Uri is not null || File.Exists(Paths.ConnectionUriFile(name));

    // The guest's lock, and what a command killed while it held the lock left behind cleared.
    private async Task<GuestLock> LockAsync(string name, CancellationToken cancellationToken)
    {
        var guestLock = await GuestLock.AcquireAsync(Paths, name, _logger, cancellationToken).ConfigureAwait(false);
        try
        {
            _installer.RemoveLeftovers(name);
            return guestLock;
        }
        catch
        {
            guestLock.Dispose();
            throw;
        }
    }
}
