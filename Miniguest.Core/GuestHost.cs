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
/// deleted). The command line is one caller; a .NET tool embedding Miniguest is another. Each action is a small type of
/// its own (<c>Verbs/</c>), which this door hands over to.
/// </summary>
public sealed class GuestHost
{
    private readonly GuestHostContext _host;

    /// <summary>A host with <paramref name="options"/> (default: the standard locations), logging to
    /// <paramref name="loggers"/>.</summary>
    public GuestHost(GuestHostOptions? options = null, ILoggerFactory? loggers = null) =>
        _host = new GuestHostContext(options ?? new GuestHostOptions(), loggers ?? NullLoggerFactory.Instance);

    /// <summary>Where things are.</summary>
    public MiniguestPaths Paths => _host.Paths;

    /// <summary>The guests installed: their names, and each guest's files.</summary>
    internal GuestStore Store => _host.Store;

    /// <summary>The guests' domains: finding one, surveying them.</summary>
    internal GuestDomains Domains => _host.Domains;

    /// <summary>The Nix this host runs.</summary>
    internal NixCli Nix => _host.Nix;

    /// <summary>The names of a flake's <c>nixosConfigurations</c> that a guest can have, as completion offers them: the flake
    /// is only evaluated (no builder runs, nothing of its <c>nixConfig</c> applies, no lock file is written).</summary>
    public Task<IReadOnlyList<string>> FlakeGuestNamesAsync(string flakeRef, CancellationToken cancellationToken = default) =>
        _host.Nix.ConfigurationNamesAsync(flakeRef, cancellationToken);

    /// <summary>Every guest of the host, broken ones too, with its domain where it has one; with
    /// <paramref name="withProtection"/> also what keeps each from writing to the host's store (costlier: each domain's
    /// whole description is read).</summary>
    public Task<IReadOnlyList<GuestListing>> ListAsync(bool withProtection = false, CancellationToken cancellationToken = default) =>
        new GuestLister(Store, Domains, _host.Options.Uri, _host.Logger).ListAsync(withProtection, cancellationToken);

    /// <summary>Opens the connection the guest's domain lives on.</summary>
    /// <exception cref="GuestStateException">The URI given names another host: this host's guest is not there.</exception>
    public Connection Connect(Guest guest) => _host.SiteOf(guest).Connect();

    /// <summary>Builds <paramref name="reference"/> and installs it as guest <paramref name="name"/> (default: the
    /// attribute's name), on this host or on the other host the guest lives on: the one the URI given names (an SSH
    /// transport), else the one it was installed on. There, its closure is copied with <c>nix copy</c> and its profile and
    /// link are made there; with <paramref name="buildOnTarget"/> it is built there instead (its derivation, evaluated
    /// here, copied there and built there, and the build brought back here for the guest's profile). With
    /// <paramref name="force"/> it replaces an installed guest, and here brings its domain up to date.</summary>
    /// <exception cref="InvalidDomainOptionsException"><paramref name="buildOnTarget"/> for a guest of this host.</exception>
    /// <exception cref="RemoteHostException">The other host cannot be reached, or refuses (the guest is installed there
    /// already, its link there is not Miniguest's).</exception>
    public Task<InstallResult> InstallAsync(InstallableReference reference, string? name = null, bool force = false, bool buildOnTarget = false,
        IProgress<NixProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Install.RunAsync(_host, reference, name, force, buildOnTarget, progress, cancellationToken);

    /// <summary>Re-resolves the guest's flake reference and, if it moved, builds a new generation; then brings the
    /// domain up to date (also when nothing was built: an upgrade cut short may have left it behind). A guest on another
    /// host is built there with <paramref name="buildOnTarget"/> (as <see cref="InstallAsync"/>); a guest of this
    /// host is built here.</summary>
    public Task<(UpgradeResult Upgrade, DomainResync? Domain)> UpgradeAsync(string name, bool buildOnTarget = false,
        IProgress<NixProgress>? progress = null, CancellationToken cancellationToken = default) =>
        Upgrade.RunAsync(_host, name, buildOnTarget, progress, cancellationToken);

    /// <summary>Which guests an upgrade of every guest (<see cref="UpgradeAllAsync"/>) upgrades: the guests
    /// <c>miniguest install</c> made, here and on other hosts, as the listing (<see cref="ListAsync"/>) finds them; a
    /// broken guest and a guest whose host does not answer are skipped, each with what is wrong, and a guest a NixOS host
    /// declares is left to that host.</summary>
    public Task<UpgradePlan> PlanUpgradeAllAsync(CancellationToken cancellationToken = default) =>
        UpgradeAll.PlanAsync(_host, cancellationToken);

    /// <summary>Upgrades the guests of <paramref name="plan"/> one after the other, each as <see cref="UpgradeAsync"/>
    /// does, answering for each as it is done. A guest of another host whose flake this host never recorded is skipped,
    /// with why, and the others are still upgraded. <paramref name="progress"/> gives each guest's upgrade its own display
    /// of build progress, disposed of (where it is <see cref="IDisposable"/>) when that guest's upgrade ends, before its
    /// answer.</summary>
    public IAsyncEnumerable<UpgradedGuest> UpgradeAllAsync(UpgradePlan plan, bool buildOnTarget = false,
        Func<string, IProgress<NixProgress>?>? progress = null, CancellationToken cancellationToken = default) =>
        UpgradeAll.RunAsync(_host, plan, buildOnTarget, progress, cancellationToken);

    /// <summary>Points the guest at generation <paramref name="to"/>, or at the one before the current, and brings its
    /// domain up to date.</summary>
    public Task<RollbackResult> RollbackAsync(string name, int? to = null, CancellationToken cancellationToken = default) =>
        Rollback.RunAsync(_host, name, to, cancellationToken);

    /// <summary>Removes the guest: its domain (unless <paramref name="keepDomain"/>), its link, profile, generations and
    /// state, but not its data (its shares' directories and a container's root), which a reinstalled guest of its name
    /// finds again, unless <paramref name="purge"/>. A running guest is stopped first with <paramref name="force"/>, else
    /// refused: its files are never deleted while it runs. With <paramref name="purge"/>, the data a guest removed before
    /// left is deleted too.</summary>
    /// <exception cref="GuestRunningException">It runs, and <paramref name="force"/> is not given.</exception>
    public Task<RemoveResult> RemoveAsync(string name, bool keepDomain = false, bool force = false, bool purge = false,
        CancellationToken cancellationToken = default) =>
        Remove.RunAsync(_host, name, keepDomain, force, purge, cancellationToken);

    /// <summary>The guest's generations, oldest first, which is current and which its running domain runs: on this host,
    /// or on the other host it lives on.</summary>
    /// <exception cref="GuestNotFoundException">No such guest is installed here or recorded elsewhere.</exception>
    /// <exception cref="RemoteHostException">Its host cannot be reached.</exception>
    public Task<GuestGenerations> GenerationsAsync(string name, CancellationToken cancellationToken = default) =>
        Generations.RunAsync(_host, name, cancellationToken);

    /// <summary>The names of every guest, sorted, read from the guests' files alone: for a caller that needs only those,
    /// such as completing a guest's name.</summary>
    /// <exception cref="IOException">The guests directory cannot be read.</exception>
    public IReadOnlyList<string> GuestNames() => Store.Names();

    /// <summary>The names of the guests that run (<paramref name="running"/>) or do not, sorted, asked of libvirt as
    /// cheaply as it allows (one listing of the running domains on each URI), waiting no longer than
    /// <paramref name="timeout"/> for it: a guest whose libvirt did not answer in time is named either way.</summary>
    /// <exception cref="IOException">The guests directory cannot be read.</exception>
    public IReadOnlyList<string> GuestNames(bool running, TimeSpan timeout) =>
        [.. RunningGuests.Survey(Paths, _host.Options.Uri, timeout).Where(guest => guest.Value != !running).Select(guest => guest.Key)];

    /// <summary>The numbers of the guest's generations on this host, oldest first, read from its profile alone (no libvirt,
    /// no other host): for a caller that needs only those, such as completing a generation.</summary>
    /// <exception cref="GuestNotFoundException">No such guest is installed here.</exception>
    /// <exception cref="GuestOnOtherHostException">It lives on another host.</exception>
    public IReadOnlyList<int> GenerationNumbers(string name) => [.. Store.Get(name).Profile.Generations.Select(generation => generation.Number)];

    /// <summary>The generation the guest's running domain was started on; <see langword="null"/> when it does not run
    /// (or the domain of its name is not its own).</summary>
    public int? RunningGeneration(string name) => Generations.Running(_host, name);

    /// <summary>The domain <see cref="DefineAsync"/> would define, without defining it.</summary>
    public Task<GuestDomainDefinition> BuildDefinitionAsync(string name, DomainOptions options, CancellationToken cancellationToken = default) =>
        Define.BuildAsync(_host, name, options, cancellationToken);

    /// <summary>Defines the guest's domain, or updates the one it has (keeping its UUID and the settings not given), or takes
    /// over the one the original miniguest defined for it (<see cref="DomainOptions.TakeOver"/>).</summary>
    /// <exception cref="UnprotectedStoreException">Nothing would keep the guest from writing to the host's store.</exception>
    /// <exception cref="ForeignDomainException">A domain of its name exists that Miniguest did not define for it (and, taking
    /// over, that does not look like the original miniguest's).</exception>
    public Task<DefinedDomain> DefineAsync(string name, DomainOptions options, CancellationToken cancellationToken = default) =>
        Define.RunAsync(_host, name, options, cancellationToken);

    /// <summary>Starts the guest's domain, paused if asked (to attach its console first), once the store is known to
    /// be protected and its boot files to lie in the store. The caller disposes of the domain returned.</summary>
    /// <exception cref="UnprotectedStoreException">Nothing keeps the guest from writing to the host's store.</exception>
    /// <exception cref="GuestFileException">A file the domain boots from lies outside the store.</exception>
    public async Task<Domain> StartAsync(string name, bool paused = false, CancellationToken cancellationToken = default) =>
        (await Start.RunAsync(_host, name, _ => paused, cancellationToken).ConfigureAwait(false)).Domain;

    /// <summary>Starts the guest (as <see cref="StartAsync(string, bool, CancellationToken)"/>) with its console attached
    /// from its first line: a VM starts paused and runs once the console is open. libvirt-LXC cannot start a container
    /// paused, so a container that finishes within milliseconds may stop first: then the answer is
    /// <see langword="null"/>.</summary>
    public Task<GuestConsole?> StartWithConsoleAsync(string name, CancellationToken cancellationToken = default) =>
        Start.WithConsoleAsync(_host, name, cancellationToken);

    /// <summary>Attaches to the running guest's console; <see langword="null"/> if it stopped meanwhile. With
    /// <paramref name="takeOver"/>, a console another client holds is taken from it.</summary>
    /// <exception cref="GuestNotRunningException">The guest is not running.</exception>
    public Task<GuestConsole?> OpenConsoleAsync(string name, bool takeOver = false, CancellationToken cancellationToken = default) =>
        OpenConsole.RunAsync(_host, name, takeOver, cancellationToken);

    /// <summary>The running guest's addresses (<see cref="GuestAddresses"/>), waiting up to <paramref name="wait"/> for one
    /// to appear; empty if none did.</summary>
    /// <exception cref="GuestNotRunningException">The guest is not running, or stopped while waited for.</exception>
    /// <exception cref="GuestHasNoInterfaceException">Its domain has no network interface to have an address on.</exception>
    public Task<IReadOnlyList<InterfaceAddress>> AddressesAsync(string name, TimeSpan wait = default, CancellationToken cancellationToken = default) =>
        Addresses.RunAsync(_host, name, wait, cancellationToken);

    /// <summary>Shuts the guest down, waiting up to <paramref name="timeout"/>; then pulls the plug with
    /// <paramref name="force"/>, or fails. The answer says which it took, or that it was not running.</summary>
    /// <exception cref="GuestStopTimeoutException">It did not shut down in time, and <paramref name="force"/> was not given.</exception>
    public Task<StopOutcome> StopAsync(string name, TimeSpan timeout, bool force = false, CancellationToken cancellationToken = default) =>
        Stop.RunAsync(_host, name, timeout, force, cancellationToken);

    /// <summary>Shuts the guest down (as <see cref="StopAsync(string, TimeSpan, bool, CancellationToken)"/>) if it runs,
    /// and starts it again, on its current generation.</summary>
    public Task RestartAsync(string name, TimeSpan timeout, bool force = false, CancellationToken cancellationToken = default) =>
        Restart.RunAsync(_host, name, timeout, force, cancellationToken);

    /// <summary>Starts the guest with the host, or stops doing so; returns the setting now in force.</summary>
    /// <exception cref="GuestStateException">The host's NixOS configuration declares the guest: the setting is its own, and
    /// its next apply would set it back.</exception>
    public bool SetAutostart(string name, bool on) => Autostart.Set(_host, name, on);

    /// <summary>The guest's domain; the caller disposes of it.</summary>
    /// <exception cref="GuestStateException">The guest has no domain.</exception>
    /// <exception cref="ForeignDomainException">A domain of its name exists that Miniguest did not define for it.</exception>
    public Domain OpenDomain(string name) => _host.OpenDomain(_host.DomainSite(name), name);

    /// <summary>Brings the guests a NixOS host declares in line with <paramref name="manifest"/>, as the host's life asks
    /// at each boot and each switch: defines or updates each guest's domain, one guest at a time; then starts each that
    /// starts with the host and is not running, and restarts each changed running one that asks for it; and shuts down
    /// gracefully and removes the guests declared before and no longer. The starts, restarts and removals run
    /// <see cref="ApplyOptions.Jobs"/> at a time, each guest under its lock. A guest of this host is started by apply,
    /// never by libvirt's autostart, which would start it on the generation defined before (after a
    /// <c>nixos-rebuild boot</c>) ahead of apply; a guest of another host, whose boot apply does not follow, keeps
    /// libvirt's autostart there. One guest failing stops none of the others: each guest's answer, in
    /// <paramref name="progress"/> as it is done and in the list returned, says what was done or what went wrong.</summary>
    public Task<IReadOnlyList<AppliedGuest>> ApplyAsync(DeclarativeManifest manifest, ApplyOptions? options = null,
        IProgress<AppliedGuest>? progress = null, CancellationToken cancellationToken = default) =>
        Apply.RunAsync(_host, manifest, options, progress, cancellationToken);
}
