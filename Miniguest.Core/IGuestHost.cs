namespace Miniguest.Core;

/// <summary>
/// Everything a user does to the guests of a host, one method per action, each safe on its own: it takes the guest's
/// lock where it changes the guest, clears what a command cut short left, and keeps every rule of the host (a domain
/// starts only with the store protected, a guest is removed with its domain, a running guest's files are never
/// deleted). <see cref="GuestHost"/> is the host's own; the command line is one caller, a .NET tool embedding
/// Miniguest another. A guest's name comes in as a string and is checked here, once, as a <see cref="GuestName"/>: one that
/// breaks the rules fails with <see cref="InvalidGuestNameException"/> before anything is done to that guest (which
/// <see cref="ApplyAsync"/> reports as that guest's error). Errors are <see cref="MiniguestException"/>s (libvirt's as
/// <see cref="LibvirtFailedException"/>), <see cref="NixException"/> among them, or the file system's.
/// </summary>
public interface IGuestHost
{
    /// <summary>Where things are.</summary>
    MiniguestPaths Paths { get; }

    /// <summary>The names of a flake's <c>nixosConfigurations</c> that a guest can have, as completion offers them: the flake
    /// is only evaluated (no builder runs, nothing of its <c>nixConfig</c> applies, no lock file is written).</summary>
    Task<IReadOnlyList<string>> FlakeGuestNamesAsync(string flakeRef, CancellationToken cancellationToken = default);

    /// <summary>Every guest of the host, broken ones too, with its domain where it has one; with
    /// <paramref name="withProtection"/> also what keeps each from writing to the host's store (costlier: each domain's
    /// whole description is read).</summary>
    Task<IReadOnlyList<GuestListing>> ListAsync(bool withProtection = false, CancellationToken cancellationToken = default);

    /// <summary>All that is known of one guest: its listing read whole (its store's protection, its domain's memory and
    /// vCPUs), and its generations.</summary>
    /// <exception cref="GuestNotFoundException">No such guest is installed, here or on another host.</exception>
    Task<GuestDetails> ShowAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>What the guests named (every guest, for none) do to their hosts: the counters of each running guest's domain,
    /// and, with <paramref name="interval"/>, their rates between two samples that far apart. A host that does not answer
    /// gives its guests a problem, never the failure of the whole.</summary>
    /// <exception cref="GuestNotFoundException">A guest named is not installed.</exception>
    Task<IReadOnlyList<GuestStats>> StatsAsync(IReadOnlyList<string> names, TimeSpan? interval = null, CancellationToken cancellationToken = default);

    /// <summary>What the guests named (every guest, for none) do to their hosts, sampled at once and then every
    /// <paramref name="interval"/> until <paramref name="cancellationToken"/> ends it, each sample's rates from the one
    /// before: for a live view. Each host's connection stays open between samples; guests installed or removed meanwhile
    /// show within half a minute.</summary>
    /// <exception cref="GuestNotFoundException">A guest named is not installed.</exception>
    IAsyncEnumerable<IReadOnlyList<GuestStats>> WatchStatsAsync(IReadOnlyList<string> names, TimeSpan interval, CancellationToken cancellationToken = default);

    /// <summary>Builds <paramref name="reference"/> and installs it as guest <paramref name="name"/> (default: the
    /// attribute's name), on this host or on the other host the guest lives on: the one the URI given names (an SSH
    /// transport), else the one it was installed on. There, its closure is copied with <c>nix copy</c> and its profile and
    /// link are made there; with <paramref name="buildOnTarget"/> it is built there instead (its derivation, evaluated
    /// here, copied there and built there, and the build brought back here for the guest's profile). With
    /// <paramref name="force"/> it replaces an installed guest, and here brings its domain up to date.</summary>
    /// <exception cref="InvalidDomainOptionsException"><paramref name="buildOnTarget"/> for a guest of this host.</exception>
    /// <exception cref="RemoteHostException">The other host cannot be reached, or refuses (the guest is installed there
    /// already, its link there is not Miniguest's).</exception>
    Task<InstallResult> InstallAsync(InstallableReference reference, string? name = null, bool force = false, bool buildOnTarget = false,
        IProgress<NixProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Re-resolves the guest's flake reference and, if it moved, builds a new generation; then brings the
    /// domain up to date (also when nothing was built: an upgrade cut short may have left it behind). A guest on another
    /// host is built there with <paramref name="buildOnTarget"/> (as <see cref="InstallAsync"/>); a guest of this
    /// host is built here.</summary>
    Task<(UpgradeResult Upgrade, DomainResync? Domain)> UpgradeAsync(string name, bool buildOnTarget = false,
        IProgress<NixProgress>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Which guests an upgrade of every guest (<see cref="UpgradeAllAsync"/>) upgrades: the guests
    /// <c>miniguest install</c> made, here and on other hosts, as the listing (<see cref="ListAsync"/>) finds them; a
    /// broken guest and a guest whose host does not answer are skipped, each with what is wrong, and a guest a NixOS host
    /// declares is left to that host.</summary>
    Task<UpgradePlan> PlanUpgradeAllAsync(CancellationToken cancellationToken = default);

    /// <summary>Upgrades the guests of <paramref name="plan"/> one after the other, each as <see cref="UpgradeAsync"/>
    /// does, answering for each as it is done. A guest of another host whose flake this host never recorded is skipped,
    /// with why, and the others are still upgraded. <paramref name="progress"/> gives each guest's upgrade its own display
    /// of build progress, disposed of (where it is <see cref="IDisposable"/>) when that guest's upgrade ends, before its
    /// answer.</summary>
    IAsyncEnumerable<UpgradedGuest> UpgradeAllAsync(UpgradePlan plan, bool buildOnTarget = false,
        Func<string, IProgress<NixProgress>?>? progress = null, CancellationToken cancellationToken = default);

    /// <summary>Points the guest at generation <paramref name="to"/>, or at the one before the current, and brings its
    /// domain up to date.</summary>
    Task<RollbackResult> RollbackAsync(string name, int? to = null, CancellationToken cancellationToken = default);

    /// <summary>Removes the guest: its domain (unless <paramref name="keepDomain"/>), its link, profile, generations and
    /// state, but not its data (its shares' directories and a container's root), which a reinstalled guest of its name
    /// finds again, unless <paramref name="purge"/>. A running guest is stopped first with <paramref name="force"/>, else
    /// refused: its files are never deleted while it runs. With <paramref name="purge"/>, the data a guest removed before
    /// left is deleted too.</summary>
    /// <exception cref="GuestRunningException">It runs, and <paramref name="force"/> is not given.</exception>
    Task<RemoveResult> RemoveAsync(string name, bool keepDomain = false, bool force = false, bool purge = false,
        CancellationToken cancellationToken = default);

    /// <summary>The guest's generations, oldest first, which is current and which its running domain runs: on this host,
    /// or on the other host it lives on.</summary>
    /// <exception cref="GuestNotFoundException">No such guest is installed here or recorded elsewhere.</exception>
    /// <exception cref="RemoteHostException">Its host cannot be reached.</exception>
    Task<GuestGenerations> GenerationsAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The names of every guest, sorted, read from the guests' files alone: for a caller that needs only those,
    /// such as completing a guest's name.</summary>
    /// <exception cref="IOException">The guests directory cannot be read.</exception>
    IReadOnlyList<string> GuestNames();

    /// <summary>The names of the guests that run (<paramref name="running"/>) or do not, sorted, asked of libvirt as
    /// cheaply as it allows (one listing of the running domains on each URI), waiting no longer than
    /// <paramref name="timeout"/> for it: a guest whose libvirt did not answer in time is named either way.</summary>
    /// <exception cref="IOException">The guests directory cannot be read.</exception>
    IReadOnlyList<string> GuestNames(bool running, TimeSpan timeout);

    /// <summary>The libvirt networks a guest can be attached to (<c>create --network</c>), on the URI given or else
    /// <c>qemu:///system</c>, sorted; none where libvirt cannot be reached or does not answer within <paramref name="timeout"/>.</summary>
    IReadOnlyList<string> NetworkNames(TimeSpan timeout);

    /// <summary>The bridges of this host a guest can be plugged into (<c>create --bridge</c>), sorted.</summary>
    IReadOnlyList<string> BridgeNames();

    /// <summary>The numbers of the guest's generations on this host, oldest first, read from its profile alone (no libvirt,
    /// no other host): for a caller that needs only those, such as completing a generation.</summary>
    /// <exception cref="GuestNotFoundException">No such guest is installed here.</exception>
    /// <exception cref="GuestOnOtherHostException">It lives on another host.</exception>
    IReadOnlyList<int> GenerationNumbers(string name);

    /// <summary>The generation the guest's running domain was started on; <see langword="null"/> when it does not run
    /// (or the domain of its name is not its own).</summary>
    int? RunningGeneration(string name);

    /// <summary>The domain <see cref="DefineAsync"/> would define, without defining it.</summary>
    Task<GuestDomainDefinition> BuildDefinitionAsync(string name, DomainOptions options, CancellationToken cancellationToken = default);

    /// <summary>Defines the guest's domain, or updates the one it has (keeping its UUID and the settings not given), or takes
    /// over the one the original miniguest defined for it (<see cref="DomainOptions.TakeOver"/>).</summary>
    /// <exception cref="UnprotectedStoreException">Nothing would keep the guest from writing to the host's store.</exception>
    /// <exception cref="ForeignDomainException">A domain of its name exists that Miniguest did not define for it (and, taking
    /// over, that does not look like the original miniguest's).</exception>
    Task<DefinedDomain> DefineAsync(string name, DomainOptions options, CancellationToken cancellationToken = default);

    /// <summary>Starts the guest's domain, paused if asked (to attach its console first), once the store is known to
    /// be protected and its boot files to lie in the store.</summary>
    /// <exception cref="GuestAlreadyRunningException">It runs already.</exception>
    /// <exception cref="UnprotectedStoreException">Nothing keeps the guest from writing to the host's store.</exception>
    /// <exception cref="GuestFileException">A file the domain boots from lies outside the store.</exception>
    Task StartAsync(string name, bool paused = false, CancellationToken cancellationToken = default);

    /// <summary>Starts the guest (as <see cref="StartAsync(string, bool, CancellationToken)"/>) with its console attached
    /// from its first line: a VM starts paused and runs once the console is open. libvirt-LXC cannot start a container
    /// paused, so a container that finishes within milliseconds may stop first: then the answer is
    /// <see langword="null"/>. For its output only (<paramref name="mode"/>), a VM of this host's is read from its console
    /// log from its start.</summary>
    Task<GuestConsole?> StartWithConsoleAsync(string name, GuestConsoleMode mode = GuestConsoleMode.Interactive,
        CancellationToken cancellationToken = default);

    /// <summary>Attaches to the running guest's console; <see langword="null"/> if it stopped meanwhile. With
    /// <paramref name="takeOver"/>, a console another client holds is taken from it. For its output only
    /// (<paramref name="mode"/>), a VM of this host's is read from its console log from now on, and its console is
    /// left to whoever holds it.</summary>
    /// <exception cref="GuestNotRunningException">The guest is not running.</exception>
    Task<GuestConsole?> OpenConsoleAsync(string name, bool takeOver = false, GuestConsoleMode mode = GuestConsoleMode.Interactive,
        CancellationToken cancellationToken = default);

    /// <summary>The lines of a VM's console log, the guest's serial console since its last start (<c>console.log</c> in its
    /// state), as the guest wrote them, control characters included: all, or the last <paramref name="last"/>; with
    /// <paramref name="follow"/>, then each line as the guest writes it, until cancelled (a restart begins the log anew,
    /// and the lines follow from its start).</summary>
    /// <exception cref="GuestStateException">The guest is a container (it has no console log), lives on another host, or
    /// has not started since it was defined.</exception>
    IAsyncEnumerable<string> ConsoleLogAsync(string name, int? last = null, bool follow = false, CancellationToken cancellationToken = default);

    /// <summary>The running guest's addresses (<see cref="GuestAddresses"/>), waiting up to <paramref name="wait"/> for one
    /// to appear; empty if none did.</summary>
    /// <exception cref="GuestNotRunningException">The guest is not running, or stopped while waited for.</exception>
    /// <exception cref="GuestHasNoInterfaceException">Its domain has no network interface to have an address on.</exception>
    Task<IReadOnlyList<GuestAddress>> AddressesAsync(string name, TimeSpan wait = default, CancellationToken cancellationToken = default);

    /// <summary>Moves running guest <paramref name="name"/> to its current generation without a restart: Miniguest's agent
    /// in the guest activates that generation's NixOS system with its own <c>switch-to-configuration switch</c>, each line of
    /// its output going to <paramref name="output"/> (escaped) as it comes. On success the domain is defined on the
    /// generation, the running domain's record names it, and its garbage-collector root moves to it; when the generation's
    /// kernel, initrd or command line differ from those booted, they take effect at the next restart
    /// (<see cref="SwitchResult.RestartNeeded"/>).</summary>
    /// <exception cref="GuestNotRunningException">The guest does not run.</exception>
    /// <exception cref="GuestHasNoChannelException">Its running domain has no channel to the agent.</exception>
    /// <exception cref="GuestAgentException">The agent does not answer, or answers out of its protocol.</exception>
    /// <exception cref="GuestSwitchFailedException">The activation failed (the guest then activates the generation it ran
    /// again), or the agent refused the generation: nothing is recorded.</exception>
    Task<SwitchResult> SwitchAsync(string name, IProgress<string>? output = null, CancellationToken cancellationToken = default);

    /// <summary>Runs <paramref name="command"/> (its words, as <c>exec</c> takes them) inside running guest
    /// <paramref name="name"/> as its root, its input empty: Miniguest's agent in the guest runs it, over the guest's
    /// channel, on this host's guest or another's. Each line of its standard output and error goes to
    /// <paramref name="output"/> and <paramref name="errors"/>, escaped, as it comes.</summary>
    /// <returns>The command's exit status.</returns>
    /// <exception cref="GuestNotRunningException">The guest does not run.</exception>
    /// <exception cref="GuestHasNoChannelException">Its running domain has no channel to the agent.</exception>
    /// <exception cref="GuestAgentException">The agent does not answer, cannot run commands, or answers out of its protocol.</exception>
    Task<int> RunAsync(string name, IReadOnlyList<string> command, IProgress<string> output, IProgress<string> errors,
        CancellationToken cancellationToken = default);

    /// <summary>Shuts the guest down, waiting up to <paramref name="timeout"/>; then pulls the plug with
    /// <paramref name="force"/>, or fails. The answer says which it took, or that it was not running.</summary>
    /// <exception cref="GuestStopTimeoutException">It did not shut down in time, and <paramref name="force"/> was not given.</exception>
    Task<StopOutcome> StopAsync(string name, TimeSpan timeout, bool force = false, CancellationToken cancellationToken = default);

    /// <summary>Shuts the guest down (as <see cref="StopAsync(string, TimeSpan, bool, CancellationToken)"/>) if it runs,
    /// and starts it again, on its current generation; says how it was stopped, or that it was not running.</summary>
    /// <exception cref="GuestStopTimeoutException">It did not shut down in time, and <paramref name="force"/> was not given: it
    /// runs on.</exception>
    Task<StopOutcome> RestartAsync(string name, TimeSpan timeout, bool force = false, CancellationToken cancellationToken = default);

    /// <summary>Starts the guest with the host, or stops doing so; returns the setting now in force.</summary>
    /// <exception cref="GuestStateException">The host's NixOS configuration declares the guest: the setting is its own, and
    /// its next apply would set it back.</exception>
    bool SetAutostart(string name, bool on);

    /// <summary>Brings the guests a NixOS host declares in line with <paramref name="manifest"/>, as the host's life asks
    /// at each boot and each switch: defines or updates each guest's domain, one guest at a time; then starts each that
    /// starts with the host and is not running, and restarts each changed running one that asks for it; and shuts down
    /// gracefully and removes the guests declared before and no longer. The starts, restarts and removals run
    /// <see cref="ApplyOptions.Jobs"/> at a time, each guest under its lock. A guest of this host is started by apply,
    /// never by libvirt's autostart, which would start it on the generation defined before (after a
    /// <c>nixos-rebuild boot</c>) ahead of apply; a guest of another host, whose boot apply does not follow, keeps
    /// libvirt's autostart there. One guest failing stops none of the others: each guest's answer, in
    /// <paramref name="progress"/> as it is done and in the list returned, says what was done or what went wrong.</summary>
    Task<IReadOnlyList<AppliedGuest>> ApplyAsync(DeclarativeManifest manifest, ApplyOptions? options = null,
        IProgress<AppliedGuest>? progress = null, CancellationToken cancellationToken = default);
}
