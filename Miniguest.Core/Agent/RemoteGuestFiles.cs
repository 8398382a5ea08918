using System.Globalization;
using Microsoft.Extensions.Logging;

namespace Miniguest.Core;

/// <summary>
/// The files of the guests of another host (<see cref="IGuestFiles"/>), changed there by its agent
/// (<see cref="MiniguestAgent"/>), which runs the same code as this host (<see cref="LocalGuestFiles"/>) at the target's
/// standard locations, under the guest's lock there. Its answers are data: every path, number and text taken from them is
/// checked here before this host uses it, and escaped before it is printed. Disposing of it ends the agent.
/// </summary>
internal sealed class RemoteGuestFiles : IGuestFiles, IDisposable
{
    private readonly SshTarget _target;
    private readonly SshSession? _session;
    private readonly NixCli _nix;
    private readonly ILogger _logger;
    private readonly AgentProgram _program;
    private readonly AgentConnection _agent;
    private Task? _ready;

    public RemoteGuestFiles(SshTarget target, SshSession? session, NixCli nix, ILogger logger, AgentProgram? program = null)
    {
        _target = target;
        _session = session;
        _nix = nix;
        _logger = logger;
        _program = program ?? AgentProgram.OfThisProcess();
        _agent = new AgentConnection(target, session, _program, logger);
    }

    private static AgentJsonContext Json => AgentJsonContext.Default;

    public Task CheckAsync(GuestName name, bool force, CancellationToken cancellationToken) =>
        GuestAsync(AgentOperation.Check, name, new GuestArguments(name.Value) { Force = force }, Json.DoneAnswer, cancellationToken);

    public async Task<int> LinkAsync(GuestName name, string storePath, bool force, CancellationToken cancellationToken) =>
        (await GuestAsync(AgentOperation.Link, name, new GuestArguments(name.Value) { StorePath = storePath, Force = force }, Json.NumberAnswer,
            cancellationToken).ConfigureAwait(false)).Number;

    public async Task<TargetFacts> DescribeAsync(GuestName name, IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var description = await GuestAsync(AgentOperation.Describe, name, new GuestArguments(name.Value) { Paths = paths }, Json.HostDescription,
            cancellationToken).ConfigureAwait(false);
        return TargetFacts.From(name, _target.Host, description, paths.Count);
    }

    public Task PrepareAsync(GuestName name, GuestType type, Guid uuid, string uri, UserNamespaceMapping? ids, IReadOnlyList<string> shares,
        IReadOnlyList<GuestVolume> volumes, IReadOnlyDictionary<string, byte[]?>? credentials, CancellationToken cancellationToken) =>
        GuestAsync(AgentOperation.Prepare, name, new GuestArguments(name.Value)
        {
            Prepare = new PrepareArguments(type == GuestType.Lxc, uuid, uri, ids?.UidTarget, shares, credentials,
                [.. volumes.Select(volume => new VolumeJson(volume.Name, volume.MountPoint, volume.SizeMiB, volume.FsType))]),
        }, Json.DoneAnswer, cancellationToken);

    public Task CheckVolumesAsync(GuestName name, DomainVolumes volumes, CancellationToken cancellationToken) =>
        GuestAsync(AgentOperation.CheckVolumes, name, new GuestArguments(name.Value) { Volumes = volumes }, Json.DoneAnswer, cancellationToken);

    public async Task<Generation> RollbackAsync(GuestName name, int? to, CancellationToken cancellationToken) =>
        Generation(name, await GuestAsync(AgentOperation.Rollback, name, new GuestArguments(name.Value) { Generation = to }, Json.GenerationAnswer,
            cancellationToken).ConfigureAwait(false));

    public async Task<IReadOnlyList<string>> UnlinkAsync(GuestName name, bool purge, bool keptDomain, CancellationToken cancellationToken) =>
        [.. (await GuestAsync(AgentOperation.Unlink, name, new GuestArguments(name.Value) { Purge = purge, KeptDomain = keptDomain }, Json.PathsAnswer,
            cancellationToken).ConfigureAwait(false)).Paths.Select(path => TerminalText.Escape(path))];

    /// <inheritdoc/>
    /// <remarks>A domain there whose metadata names something else than a generation (its metadata is the other host's to
    /// write) has nothing to root: the root is dropped.</remarks>
    public Task RootAsync(GuestName name, string root, string? storePath, CancellationToken cancellationToken)
    {
        if (storePath is not null && !NixStore.IsRootable(storePath))
        {
            _logger.LogWarning("the domain of '{Guest}' on {Host} names {Path} as its generation, which is not a path of the store: nothing to root",
                name.Value, _target.Host, TerminalText.Escape(storePath));
            storePath = null;
        }
        return GuestAsync(AgentOperation.Root, name, new GuestArguments(name.Value) { Root = root, StorePath = storePath }, Json.DoneAnswer,
            cancellationToken);
    }

    public async Task<IReadOnlyDictionary<GuestName, InstalledGuest>> ShowAsync(IReadOnlyCollection<GuestName> names, CancellationToken cancellationToken)
    {
        var shown = await RequestAsync(AgentOperation.Show, new GuestsArguments([.. names.Select(name => name.Value)]), Json.GuestsArguments,
            Json.ShowAnswer, null, cancellationToken).ConfigureAwait(false);
        var guests = new Dictionary<GuestName, InstalledGuest>();
        foreach (var (shownName, generation) in shown.Current)
        {
            if (GuestName.TryParse(shownName, out var name) && names.Contains(name))
            {
                guests[name] = new InstalledGuest(Generation(name, generation),
                    InstalledGuest.CheckImages(_target.Host, name, shown.VolumeImages?.GetValueOrDefault(shownName)));
            }
        }
        return guests;
    }

    public async Task<(IReadOnlyList<Generation> All, int? Current)> GenerationsAsync(GuestName name, CancellationToken cancellationToken)
    {
        var answer = await GuestAsync(AgentOperation.Generations, name, new GuestArguments(name.Value), Json.GenerationsAnswer, cancellationToken)
            .ConfigureAwait(false);
        return ([.. answer.All.Select(generation => Generation(name, generation)).OrderBy(generation => generation.Number)], answer.Current);
    }

    public async Task<string> RealiseAsync(string derivation, CancellationToken cancellationToken)
    {
        if (!NixStore.IsStorePath(derivation) || !derivation.EndsWith(".drv", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{derivation}' is not a derivation in the store", nameof(derivation));
        }
        var output = (await RequestAsync(AgentOperation.Realise, new StoreArguments(derivation), Json.StoreArguments, Json.PathsAnswer, null,
            cancellationToken).ConfigureAwait(false)).Paths;
        return output is [var storePath] && NixStore.IsStorePath(storePath)
            ? storePath
            : throw new RemoteHostException(_target.Host, $"building {derivation} there gave no single output: {string.Join(' ', output)}");
    }

    public async Task<IReadOnlyList<string>> ClosureAsync(string storePath, CancellationToken cancellationToken)
    {
        if (!NixStore.IsStorePath(storePath))
        {
            throw new ArgumentException($"'{storePath}' is not a store path", nameof(storePath));
        }
        var closure = (await RequestAsync(AgentOperation.Closure, new StoreArguments(storePath), Json.StoreArguments, Json.PathsAnswer, null,
            cancellationToken).ConfigureAwait(false)).Paths;
        return closure.FirstOrDefault(path => !NixStore.IsStorePath(path)) is { } odd
            ? throw new RemoteHostException(_target.Host, $"the closure of {storePath} there names '{odd}', which is not a store path")
            : closure;
    }

    /// <summary>Ends the agent there.</summary>
    public void Dispose() => _agent.Dispose();

    private Task<T> GuestAsync<T>(string operation, GuestName name, GuestArguments arguments,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> resultType, CancellationToken cancellationToken) =>
        RequestAsync(operation, arguments, Json.GuestArguments, resultType, name, cancellationToken);

    private async Task<TResult> RequestAsync<TArguments, TResult>(string operation, TArguments arguments,
        System.Text.Json.Serialization.Metadata.JsonTypeInfo<TArguments> argumentsType, System.Text.Json.Serialization.Metadata.JsonTypeInfo<TResult> resultType,
        GuestName? guest, CancellationToken cancellationToken)
    {
        await (_ready ??= ReadyAsync()).WaitAsync(cancellationToken).ConfigureAwait(false);
        return await _agent.RequestAsync(operation, arguments, argumentsType, resultType, guest, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Starts the agent there now (its program copied there first, where it is this one's package), without
    /// waiting for it: its login overlaps what the command does meanwhile.</summary>
    public void StartEarly() => _ready ??= ReadyAsync();

    // The agent started, once this miniguest's package is there, where the agent is that: copied once per command, and
    // nothing copied where the target holds it already.
    private async Task ReadyAsync()
    {
        if (_program.StorePath is not { } package)
        {
            _agent.StartEarly();
            return;
        }
        try
        {
            await _nix.CopyAsync(_target.NixStoreUri, [package], null, _session?.NixEnvironment, CancellationToken.None).ConfigureAwait(false);
            _agent.StartEarly();
        }
        catch (NixException e)
        {
            throw new RemoteHostException(_target.Host, "cannot copy miniguest there: " + e.OneLine());
        }
    }

    // A generation as the agent told it: its number and store path checked, its path escaped for printing.
    private Generation Generation(GuestName name, GenerationAnswer answer) =>
        answer.Number > 0 && NixStore.IsStorePath(answer.StorePath)
            ? new Generation(answer.Number, answer.StorePath, DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(answer.CreatedUnixSeconds, 0, 253402300799)).UtcDateTime)
            : throw new RemoteHostException(_target.Host,
                $"it names generation {answer.Number.ToString(CultureInfo.InvariantCulture)} of '{name}' {TerminalText.Escape(answer.StorePath)}, not a store path");
}

/// <summary>Something on another host failed, or the host could not be reached. The problem often holds that host's
/// own words: its control characters are escaped (<see cref="TerminalText"/>).</summary>
public sealed class RemoteHostException(string host, string problem)
    : MiniguestException($"{host}: {TerminalText.Escape(problem)}")
{
    /// <summary>The host.</summary>
    public string Host { get; } = host;
}
