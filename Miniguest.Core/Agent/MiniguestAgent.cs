using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;

namespace Miniguest.Core;

/// <summary>
/// The agent another host's <c>miniguest</c> runs on this one over SSH (<c>miniguest agent</c>): it does to the files of
/// the guests that host puts here what <c>miniguest</c> does to a guest's files on its own host, with the same code
/// (<see cref="LocalGuestFiles"/>), each change under the guest's lock here. It speaks <see cref="AgentProtocol"/> on the
/// streams it is given, and works at the standard locations, where the asking host's domains name the guests' files.
/// </summary>
public static class MiniguestAgent
{
    // How long a request waits for another command that holds the guest's lock here.
    private static readonly TimeSpan LockPatience = TimeSpan.FromSeconds(60);

    /// <summary>The version of Miniguest the agent is part of.</summary>
    public static string Version { get; } =
        typeof(MiniguestAgent).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "unknown";

    /// <summary>The protocol this Miniguest speaks.</summary>
    public static int Protocol => AgentProtocol.Version;

    /// <summary>Says who it is on <paramref name="output"/>, then, if the asking host speaks its protocol
    /// (<paramref name="protocol"/>), answers each request read from <paramref name="input"/> until it ends.</summary>
    /// <returns>0 once the input ended; 1 where the asking host speaks another protocol.</returns>
    public static async Task<int> RunAsync(TextReader input, TextWriter output, int protocol, NixSettings nix, ILoggerFactory loggers,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(loggers);
        return await RunAsync(input, output, protocol, new MiniguestPaths(), new NixProcess(nix, loggers.CreateLogger<NixCli>()),
            loggers.CreateLogger("miniguest-agent"), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>As <see cref="RunAsync(TextReader, TextWriter, int, NixSettings, ILoggerFactory, CancellationToken)"/>, on the
    /// guests' files at <paramref name="paths"/>, with Nix run by <paramref name="nix"/>.</summary>
    internal static async Task<int> RunAsync(TextReader input, TextWriter output, int protocol, MiniguestPaths paths, INixRunner nix, ILogger logger,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        await WriteAsync(output, new AgentHello(AgentProtocol.Name, AgentProtocol.Version, Version), AgentJsonContext.Default.AgentHello).ConfigureAwait(false);
        if (protocol != AgentProtocol.Version)
        {
            return 1;
        }
        var nixCli = new NixCli(nix);
        var files = new LocalGuestFiles(new GuestStore(paths), nixCli, new GuestRoots(paths, nixCli, logger));
        while (await input.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            AgentAnswer answer;
            try
            {
                answer = new AgentAnswer(await AnswerAsync(files, logger, line, cancellationToken).ConfigureAwait(false), null);
            }
            catch (Exception e) when (e is MiniguestException or IOException or UnauthorizedAccessException or FormatException or JsonException
                                          or ArgumentException or InvalidOperationException)
            {
                logger.LogDebug(e, "request failed");
                answer = new AgentAnswer(null, e.Message, e is GuestAlreadyInstalledException ? AgentRefusal.AlreadyInstalled : null);
            }
            await WriteAsync(output, answer, AgentJsonContext.Default.AgentAnswer).ConfigureAwait(false);
        }
        return 0;
    }

    private static async Task<JsonElement> AnswerAsync(LocalGuestFiles files, ILogger logger, string line, CancellationToken cancellationToken)
    {
        var request = JsonSerializer.Deserialize(line, AgentJsonContext.Default.AgentRequest) ?? throw new FormatException("a request is an object");
        var context = AgentJsonContext.Default;
        switch (request.Operation)
        {
            case AgentOperation.Show:
            {
                var names = Arguments(request, context.GuestsArguments).Guests.Select(GuestName.Parse).ToList();
                var shown = await files.ShowAsync(names, cancellationToken).ConfigureAwait(false);
                return Result(new ShowAnswer(shown.ToDictionary(pair => pair.Key.Value, pair => Answer(pair.Value.Current)),
                    shown.ToDictionary(pair => pair.Key.Value, pair => pair.Value.VolumeImages)), context.ShowAnswer);
            }
            case AgentOperation.Realise:
                return Result(new PathsAnswer([await files.RealiseAsync(Arguments(request, context.StoreArguments).Path, cancellationToken).ConfigureAwait(false)]),
                    context.PathsAnswer);
            case AgentOperation.Closure:
                return Result(new PathsAnswer(await files.ClosureAsync(Arguments(request, context.StoreArguments).Path, cancellationToken).ConfigureAwait(false)),
                    context.PathsAnswer);
        }
        var arguments = Arguments(request, context.GuestArguments);
        var name = GuestName.Parse(arguments.Guest);
        switch (request.Operation)
        {
            case AgentOperation.Describe:
                return Result(files.Describe(name, arguments.Paths ?? []), context.HostDescription);
            case AgentOperation.Generations:
            {
                var (all, current) = await files.GenerationsAsync(name, cancellationToken).ConfigureAwait(false);
                return Result(new GenerationsAnswer([.. all.Select(Answer)], current), context.GenerationsAnswer);
            }
            case AgentOperation.CheckVolumes:
                await files.CheckVolumesAsync(name, Required(arguments.Volumes, "volumes"), cancellationToken).ConfigureAwait(false);
                return Result(new DoneAnswer(), context.DoneAnswer);
        }
        using var guestLock = await LockAsync(files, logger, name, cancellationToken).ConfigureAwait(false);
        switch (request.Operation)
        {
            case AgentOperation.Check:
                await files.CheckAsync(name, arguments.Force, cancellationToken).ConfigureAwait(false);
                return Result(new DoneAnswer(), context.DoneAnswer);
            case AgentOperation.Link:
                var number = await files.LinkAsync(name, Required(arguments.StorePath, "storePath"), arguments.Force, cancellationToken).ConfigureAwait(false);
                return Result(new NumberAnswer(number), context.NumberAnswer);
            case AgentOperation.Prepare:
                var prepare = Required(arguments.Prepare, "prepare");
                await files.PrepareAsync(name, prepare.Container ? GuestType.Lxc : GuestType.Qemu, prepare.Uuid, OneLine(prepare.Uri),
                    prepare.FirstId is { } first ? ContainerIds.Mapping(first) : null, prepare.Shares.Select(GuestShare.RequireTag).ToList(),
                    [.. (prepare.Volumes ?? []).Select(volume => GuestVolume.Create(volume?.Name, volume?.MountPoint, volume?.SizeMiB, volume?.FsType))],
                    prepare.Credentials, cancellationToken).ConfigureAwait(false);
                return Result(new DoneAnswer(), context.DoneAnswer);
            case AgentOperation.Rollback:
                return Result(Answer(await files.RollbackAsync(name, arguments.Generation, cancellationToken).ConfigureAwait(false)), context.GenerationAnswer);
            case AgentOperation.Unlink:
                return Result(new PathsAnswer(await files.UnlinkAsync(name, arguments.Purge, arguments.KeptDomain, cancellationToken).ConfigureAwait(false)),
                    context.PathsAnswer);
            case AgentOperation.Root:
                await files.RootAsync(name, Required(arguments.Root, "root"), arguments.StorePath, cancellationToken).ConfigureAwait(false);
                return Result(new DoneAnswer(), context.DoneAnswer);
            default:
                throw new FormatException($"no operation '{request.Operation}'");
        }
    }

    // The guest's lock here, waited for as long as LockPatience.
    private static async Task<GuestLock> LockAsync(LocalGuestFiles files, ILogger logger, GuestName name, CancellationToken cancellationToken)
    {
        using var patience = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        patience.CancelAfter(LockPatience);
        try
        {
            return await files.LockAsync(name, logger, patience.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new GuestStateException($"another miniguest command has held guest '{name}' for {LockPatience.TotalSeconds:0} s: try again once it is done");
        }
    }

    private static T Arguments<T>(AgentRequest request, JsonTypeInfo<T> type) =>
        request.Arguments.Deserialize(type) ?? throw new FormatException($"'{request.Operation}' needs its arguments");

    private static T Required<T>(T? value, string what) => value ?? throw new FormatException($"the request lacks {what}");

    private static string OneLine(string text) =>
        text.Any(char.IsControl) ? throw new FormatException("a URI is one line of printable characters") : text;

    private static GenerationAnswer Answer(Generation generation) =>
        new(generation.Number, generation.StorePath, new DateTimeOffset(DateTime.SpecifyKind(generation.CreatedUtc, DateTimeKind.Utc)).ToUnixTimeSeconds());

    private static JsonElement Result<T>(T value, JsonTypeInfo<T> type) => JsonSerializer.SerializeToElement(value, type);

    private static async Task WriteAsync<T>(TextWriter output, T value, JsonTypeInfo<T> type)
    {
        await output.WriteLineAsync(AgentProtocol.Line(value, type)).ConfigureAwait(false);
        await output.FlushAsync().ConfigureAwait(false);
    }
}
