using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Miniguest.Libvirt;
using static Miniguest.Core.LibvirtGuard;

namespace Miniguest.Core;

/// <summary>Where a <see cref="GuestHost"/> keeps things and how it reaches Nix and libvirt.</summary>
public sealed record GuestHostOptions
{
    /// <summary>Where guests' links, profiles and state are (default: the standard locations).</summary>
    public MiniguestPaths Paths { get; init; } = new();

    /// <summary>The libvirt URI to act on, as <c>virsh -c</c> means it: a listing lists the guests whose domain that
    /// connection holds, a guest without a domain gets it there, and a guest whose domain it does not hold, defined on
    /// another URI, is refused (<see cref="GuestDomainElsewhereException"/>). <see langword="null"/> (the default) uses the one each guest's domain
    /// was defined on, else the default for its type (<c>qemu:///system</c> or <c>lxc:///</c>).</summary>
    public string? Uri { get; init; }

    /// <summary>How Nix is run.</summary>
    public NixSettings Nix { get; init; } = new();
}

/// <summary>What became of a guest's domain after its generation changed.</summary>
/// <param name="Outcome">Whether it had one, and whether it was defined again.</param>
/// <param name="RunsOtherGeneration">Whether it runs a generation other than the one it is now defined on (an older one
/// after an upgrade, a newer one after a rollback): a restart runs the one it is defined on.</param>
/// <param name="Running">The number of the generation it runs, where it runs another.</param>
/// <param name="Next">The number of the generation its next start runs, where it runs another.</param>
public sealed record DomainResync(ResyncOutcome Outcome, bool RunsOtherGeneration, int? Running = null, int? Next = null);

/// <summary>All that is known of one guest (<see cref="GuestHost.ShowAsync"/>).</summary>
/// <param name="Guest">Its listing, read whole: with its store's protection, its domain's memory and vCPUs.</param>
/// <param name="Generations">Its generations, oldest first (none for a broken guest).</param>
public sealed record GuestDetails(GuestListing Guest, IReadOnlyList<Generation> Generations)
{
    /// <summary>The IDs of its systemd credentials (never their content).</summary>
    public IReadOnlyList<string> Credentials { get; init; } = [];
}

/// <summary>What an install did, here or on another host.</summary>
/// <param name="Name">The guest's name.</param>
/// <param name="Generation">The generation it is at.</param>
/// <param name="StorePath">That generation's store path, in the store of the host it lives on.</param>
/// <param name="Host">The other host it lives on; <see langword="null"/> for this host.</param>
/// <param name="Uri">The libvirt URI of that other host, which the guest remembers; <see langword="null"/> for this host.</param>
/// <param name="Domain">Its domain on this host, brought up to date where it has one (an install with <c>force</c>);
/// <see langword="null"/> for a guest of another host, whose domain the install leaves as it is.</param>
public sealed record InstallResult(string Name, int? Generation, string? StorePath, string? Host = null, string? Uri = null, DomainResync? Domain = null);

/// <summary>A guest's generations, oldest first.</summary>
/// <param name="All">The generations.</param>
/// <param name="Current">The current one's number.</param>
/// <param name="Running">The number of the one its running domain runs; <see langword="null"/> when it does not run.</param>
public sealed record GuestGenerations(IReadOnlyList<Generation> All, int? Current, int? Running);

/// <summary>What a rollback did: the generation the guest is now at, and its domain.</summary>
public sealed record RollbackResult(Generation Generation, DomainResync Domain);

/// <summary>A guest's domain as <see cref="GuestHost.DefineAsync"/> defined it.</summary>
/// <param name="Definition">Its XML and what keeps its guest from writing to the host's store.</param>
/// <param name="Uri">The libvirt URI it is defined on.</param>
/// <param name="HostPaths">Where the guest's files (its shares' directories, say) are on the domain's host.</param>
public sealed record DefinedDomain(GuestDomainDefinition Definition, string Uri, MiniguestPaths HostPaths)
{
    /// <summary>Whether the guest runs on its previous definition, which the new one changed: the change applies from its
    /// next start.</summary>
    public bool ChangedWhileRunning { get; init; }

    /// <summary>Whether the guest runs with the credentials it started with, which this definition changed: the new ones
    /// reach it at its next start.</summary>
    public bool CredentialsChangedWhileRunning { get; init; }

    /// <summary>The libvirt networks the domain is on that are not active: its start fails until they are started.</summary>
    public IReadOnlyList<string> InactiveNetworks { get; init; } = [];
}

/// <summary>What <see cref="GuestHost.RemoveAsync"/> did.</summary>
/// <param name="Installed">Whether a guest was installed (else only the data an earlier remove kept was purged).</param>
/// <param name="KeptDomain">Whether its domain was kept, as asked.</param>
/// <param name="KeptData">The directories of its data that were kept: its shares' and a container's root (<c>HOST:DIRECTORY</c> for a guest
/// of another host).</param>
/// <param name="ForcedOff">Whether it ran, and was pulled off as asked.</param>
/// <param name="Purged">The directories of its data that were deleted, as asked (this host's; another host's are not told).</param>
public sealed record RemoveResult(bool Installed, bool KeptDomain, IReadOnlyList<string> KeptData, bool ForcedOff = false, IReadOnlyList<string>? Purged = null);

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
/// The guests of this host, and of the other hosts it reaches over SSH (<see cref="IGuestHost"/>). Each action is a small
/// type of its own (<c>Verbs/</c>), which this door hands over to.
/// </summary>
public sealed class GuestHost : IGuestHost
{
    private readonly GuestHostContext _host;

    /// <summary>A host with <paramref name="options"/> (default: the standard locations), logging to
    /// <paramref name="loggers"/>.</summary>
    public GuestHost(GuestHostOptions? options = null, ILoggerFactory? loggers = null)
        : this(options, loggers, new GuestHostBackends())
    {
    }

    /// <summary>A host that reaches libvirt and Nix through <paramref name="backends"/>.</summary>
    internal GuestHost(GuestHostOptions? options, ILoggerFactory? loggers, GuestHostBackends backends) =>
        _host = new GuestHostContext(options ?? new GuestHostOptions(), loggers ?? NullLoggerFactory.Instance, backends);

    /// <inheritdoc/>
    public MiniguestPaths Paths => _host.Paths;

    /// <summary>The guests installed: their names, and each guest's files.</summary>
    internal GuestStore Store => _host.Store;

    /// <summary>The guests' domains: finding one, surveying them.</summary>
    internal GuestDomains Domains => _host.Domains;

    /// <summary>The Nix this host runs.</summary>
    internal NixCli Nix => _host.Nix;

    /// <inheritdoc/>
    public Task<IReadOnlyList<string>> FlakeGuestNamesAsync(string flakeRef, CancellationToken cancellationToken = default) =>
        _host.Nix.ConfigurationNamesAsync(flakeRef, cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<GuestListing>> ListAsync(bool withProtection = false, CancellationToken cancellationToken = default) =>
        Guarded(() => new GuestLister(_host).ListAsync(withProtection, cancellationToken));

    /// <inheritdoc/>
    public Task<GuestDetails> ShowAsync(string name, CancellationToken cancellationToken = default) =>
        Guarded(() => Show.RunAsync(_host, GuestName.Parse(name), cancellationToken));

    /// <inheritdoc/>
    public Task<IReadOnlyList<GuestStats>> StatsAsync(IReadOnlyList<string> names, TimeSpan? interval = null, CancellationToken cancellationToken = default) =>
        Guarded(() => Stats.RunAsync(_host, [.. names.Select(GuestName.Parse)], interval, cancellationToken));

    /// <inheritdoc/>
    public IAsyncEnumerable<IReadOnlyList<GuestStats>> WatchStatsAsync(IReadOnlyList<string> names, TimeSpan interval, CancellationToken cancellationToken = default) =>
        Guarded(Stats.WatchAsync(_host, [.. names.Select(GuestName.Parse)], interval, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<InstallResult> InstallAsync(InstallableReference reference, string? name = null, bool force = false, bool buildOnTarget = false,
        IProgress<NixProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Guarded(() =>
        {
            ArgumentNullException.ThrowIfNull(reference);
            return Install.RunAsync(_host, reference, GuestName.Parse(name ?? reference.Attribute), force, buildOnTarget, progress, cancellationToken);
        });

    /// <inheritdoc/>
    public Task<(UpgradeResult Upgrade, DomainResync? Domain)> UpgradeAsync(string name, bool buildOnTarget = false,
        IProgress<NixProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Guarded(() => Upgrade.RunAsync(_host, GuestName.Parse(name), buildOnTarget, progress, cancellationToken));

    /// <inheritdoc/>
    public Task<UpgradePlan> PlanUpgradeAllAsync(CancellationToken cancellationToken = default) =>
        Guarded(() => UpgradeAll.PlanAsync(_host, cancellationToken));

    /// <inheritdoc/>
    public IAsyncEnumerable<UpgradedGuest> UpgradeAllAsync(UpgradePlan plan, bool buildOnTarget = false,
        Func<string, IProgress<NixProgress>?>? progress = null, CancellationToken cancellationToken = default) =>
        Guarded(UpgradeAll.RunAsync(_host, plan, buildOnTarget, progress, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<RollbackResult> RollbackAsync(string name, int? to = null, CancellationToken cancellationToken = default) =>
        Guarded(() => Rollback.RunAsync(_host, GuestName.Parse(name), to, cancellationToken));

    /// <inheritdoc/>
    public Task<RemoveResult> RemoveAsync(string name, bool keepDomain = false, bool force = false, bool purge = false,
        CancellationToken cancellationToken = default) =>
        Guarded(() => Remove.RunAsync(_host, GuestName.Parse(name), keepDomain, force, purge, cancellationToken));

    /// <inheritdoc/>
    public Task<GuestGenerations> GenerationsAsync(string name, CancellationToken cancellationToken = default) =>
        Guarded(() => Generations.RunAsync(_host, GuestName.Parse(name), cancellationToken));

    /// <inheritdoc/>
    public IReadOnlyList<string> GuestNames() => Guarded<IReadOnlyList<string>>(() => [.. Store.Names().Select(name => name.Value)]);

    /// <inheritdoc/>
    public IReadOnlyList<string> NetworkNames(TimeSpan timeout)
    {
        // libvirt's calls cannot be interrupted: one that outlasts the limit is left to finish on its own.
        var listing = Task.Run(() =>
        {
            using var connection = _host.Connector.OpenReadOnly(_host.Options.Uri ?? GuestDomains.DefaultUri(GuestType.Qemu));
            return connection.ListAllNetworks().Select(network => network.Name).Order(StringComparer.Ordinal).ToList();
        });
        try
        {
            return listing.Wait(timeout) ? listing.Result : [];
        }
        catch (AggregateException e) when (e.InnerException is LibvirtException)
        {
            return [];
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<string> BridgeNames() => HostBridges.Names();

    /// <inheritdoc/>
    public IReadOnlyList<string> GuestNames(bool running, TimeSpan timeout) =>
        Guarded<IReadOnlyList<string>>(() => [.. RunningGuests.Survey(Paths, _host.Options.Uri, _host.Connector, timeout).Where(guest => guest.Value != !running).Select(guest => guest.Key.Value)]);

    /// <inheritdoc/>
    public IReadOnlyList<int> GenerationNumbers(string name) =>
        Guarded<IReadOnlyList<int>>(() => [.. Store.Get(GuestName.Parse(name)).Profile.Generations.Select(generation => generation.Number)]);

    /// <inheritdoc/>
    public int? RunningGeneration(string name) => Guarded(() => Generations.Running(_host, GuestName.Parse(name)));

    /// <inheritdoc/>
    public Task<GuestDomainDefinition> BuildDefinitionAsync(string name, DomainOptions options, CancellationToken cancellationToken = default) =>
        Guarded(() => Define.BuildAsync(_host, GuestName.Parse(name), options, cancellationToken));

    /// <inheritdoc/>
    public Task<DefinedDomain> DefineAsync(string name, DomainOptions options, CancellationToken cancellationToken = default) =>
        Guarded(() => Define.RunAsync(_host, GuestName.Parse(name), options, cancellationToken));

    /// <inheritdoc/>
    public Task StartAsync(string name, bool paused = false, CancellationToken cancellationToken = default) =>
        Guarded(async () => (await Start.RunAsync(_host, GuestName.Parse(name), _ => paused, cancellationToken).ConfigureAwait(false)).Domain.Dispose());

    /// <inheritdoc/>
    public Task<GuestConsole?> StartWithConsoleAsync(string name, GuestConsoleMode mode = GuestConsoleMode.Interactive,
        CancellationToken cancellationToken = default) =>
        Guarded(() => Start.WithConsoleAsync(_host, GuestName.Parse(name), mode, cancellationToken));

    /// <inheritdoc/>
    public Task<GuestConsole?> OpenConsoleAsync(string name, bool takeOver = false, GuestConsoleMode mode = GuestConsoleMode.Interactive,
        CancellationToken cancellationToken = default) =>
        Guarded(() => OpenConsole.RunAsync(_host, GuestName.Parse(name), takeOver, mode, cancellationToken));

    /// <inheritdoc/>
    public IAsyncEnumerable<string> ConsoleLogAsync(string name, int? last = null, bool follow = false, CancellationToken cancellationToken = default) =>
        Guarded(ConsoleLog.ReadAsync(_host, GuestName.Parse(name), last, follow, cancellationToken), cancellationToken);

    /// <inheritdoc/>
    public Task<IReadOnlyList<GuestAddress>> AddressesAsync(string name, TimeSpan wait = default, CancellationToken cancellationToken = default) =>
        Guarded(() => Addresses.RunAsync(_host, GuestName.Parse(name), wait, cancellationToken));

    /// <inheritdoc/>
    public Task<SwitchResult> SwitchAsync(string name, IProgress<string>? output = null, CancellationToken cancellationToken = default) =>
        Guarded(() => Switch.RunAsync(_host, GuestName.Parse(name), output, cancellationToken));

    /// <inheritdoc/>
    public Task<int> RunAsync(string name, IReadOnlyList<string> command, IProgress<string> output, IProgress<string> errors,
        CancellationToken cancellationToken = default) =>
        Guarded(() => Run.RunAsync(_host, GuestName.Parse(name), command, output, errors, cancellationToken));

    /// <inheritdoc/>
    public Task<StopOutcome> StopAsync(string name, TimeSpan timeout, bool force = false, CancellationToken cancellationToken = default) =>
        Guarded(() => Stop.RunAsync(_host, GuestName.Parse(name), timeout, force, cancellationToken));

    /// <inheritdoc/>
    public Task<StopOutcome> RestartAsync(string name, TimeSpan timeout, bool force = false, CancellationToken cancellationToken = default) =>
        Guarded(() => Restart.RunAsync(_host, GuestName.Parse(name), timeout, force, cancellationToken));

    /// <inheritdoc/>
    public bool SetAutostart(string name, bool on) => Guarded(() => Autostart.Set(_host, GuestName.Parse(name), on));

    /// <summary>The guest's domain; the caller disposes of it.</summary>
    /// <exception cref="GuestStateException">The guest has no domain.</exception>
    /// <exception cref="ForeignDomainException">A domain of its name exists that Miniguest did not define for it.</exception>
    internal GuestDomain OpenDomain(GuestName name) => _host.OpenDomain(_host.DomainSite(name), name);

    /// <inheritdoc/>
    public Task<IReadOnlyList<AppliedGuest>> ApplyAsync(DeclarativeManifest manifest, ApplyOptions? options = null,
        IProgress<AppliedGuest>? progress = null, CancellationToken cancellationToken = default) =>
        Guarded(() => Apply.RunAsync(_host, manifest, options, progress, cancellationToken));
}
