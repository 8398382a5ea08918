using System.Text.Json;
using System.Text.Json.Serialization;

namespace Miniguest.Core;

/// <summary>
/// What <c>miniguest</c> and the agent it runs on another host (<c>miniguest agent</c>, <see cref="MiniguestAgent"/>) say to
/// each other over the SSH session's standard streams: JSON, one object a line. The agent first says who it is
/// (<see cref="AgentHello"/>); then it answers each request (<see cref="AgentRequest"/>) with one <see cref="AgentAnswer"/>,
/// in order, until its input ends. Its standard error is for people: the last line of it is what is told when the agent
/// ends without an answer.
/// </summary>
internal static class AgentProtocol
{
    /// <summary>The protocol's version: both ends speak the same one, or nothing is done. Raised whenever an agent of the
    /// version before would misread a request of this one: 2 brought volumes, which an agent of 1 would skip in silence.</summary>
    public const int Version = 2;

    /// <summary>The hidden subcommand that runs the agent.</summary>
    public const string Command = "agent";

    /// <summary>How the agent names itself in its hello.</summary>
    public const string Name = "miniguest-agent";

    /// <summary>One line of JSON, without its line break.</summary>
    public static string Line<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) => JsonSerializer.Serialize(value, type);
}

/// <summary>The agent's first line: what it is, the protocol it speaks and the Miniguest version it is part of.</summary>
internal sealed record AgentHello(string Agent, int Protocol, string Version);

/// <summary>One request: the operation (<see cref="AgentOperation"/>) and its arguments, an object of the operation's own.</summary>
internal sealed record AgentRequest(string Operation, JsonElement Arguments);

/// <summary>The answer to one request: its result, an object of the operation's own, or the one-line reason it failed,
/// with what the asking host acts on, where it is one of <see cref="AgentRefusal"/>.</summary>
internal sealed record AgentAnswer(JsonElement? Result, string? Error, string? Refusal = null);

/// <summary>The refusals the asking host acts on.</summary>
internal static class AgentRefusal
{
    /// <summary>The guest is installed there already (<see cref="GuestAlreadyInstalledException"/>).</summary>
    public const string AlreadyInstalled = "already-installed";
}

/// <summary>The operations the agent does, each on the files of one guest (<see cref="IGuestFiles"/>) but for the
/// store's own (<see cref="Realise"/>, <see cref="Closure"/>).</summary>
internal static class AgentOperation
{
    public const string Check = "check";
    public const string Link = "link";
    public const string Describe = "describe";
    public const string Prepare = "prepare";
    public const string CheckVolumes = "check-volumes";
    public const string Rollback = "rollback";
    public const string Unlink = "unlink";
    public const string Root = "root";
    public const string Show = "show";
    public const string Generations = "generations";
    public const string Realise = "realise";
    public const string Closure = "closure";
}

/// <summary>The arguments of the operations on one guest; each reads only its own.</summary>
internal sealed record GuestArguments(string Guest)
{
    public bool Force { get; init; }
    public string? StorePath { get; init; }
    public IReadOnlyList<string>? Paths { get; init; }
    public int? Generation { get; init; }
    public bool Purge { get; init; }
    public bool KeptDomain { get; init; }
    public string? Root { get; init; }
    public PrepareArguments? Prepare { get; init; }
    public DomainVolumes? Volumes { get; init; }
}

/// <summary>What the preparation of a guest's domain there needs (<see cref="IGuestFiles.PrepareAsync"/>).</summary>
/// <param name="Container">Whether the domain is a container's.</param>
/// <param name="Uuid">The domain's UUID.</param>
/// <param name="Uri">The domain's URI there.</param>
/// <param name="FirstId">The first host id of a user-namespaced container's range; <see langword="null"/> otherwise.</param>
/// <param name="Shares">The tags of the guest's own shares.</param>
/// <param name="Credentials">The changes to the guest's credentials: a content (base64 in JSON) gives one, a null takes one away.</param>
/// <param name="Volumes">The guest's volumes, as its <c>miniguest-config.json</c> declares them.</param>
internal sealed record PrepareArguments(bool Container, Guid Uuid, string Uri, uint? FirstId, IReadOnlyList<string> Shares,
    IReadOnlyDictionary<string, byte[]?>? Credentials = null, IReadOnlyList<VolumeJson?>? Volumes = null);

/// <summary>The arguments of an operation on several guests (<see cref="AgentOperation.Show"/>).</summary>
internal sealed record GuestsArguments(IReadOnlyList<string> Guests);

/// <summary>The argument of an operation on the store: a derivation to build, or a store path whose closure to list.</summary>
internal sealed record StoreArguments(string Path);

/// <summary>The number of the generation made.</summary>
internal sealed record NumberAnswer(int Number);

/// <summary>A generation, as the agent tells it.</summary>
internal sealed record GenerationAnswer(int Number, string StorePath, long CreatedUnixSeconds);

/// <summary>A guest's generations there, oldest first, and the current one's number.</summary>
internal sealed record GenerationsAnswer(IReadOnlyList<GenerationAnswer> All, int? Current);

/// <summary>The current generation of each guest named that is installed there, and the sizes of its volumes' images, by
/// the guest's name and by the volume's.</summary>
internal sealed record ShowAnswer(IReadOnlyDictionary<string, GenerationAnswer> Current,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, ImageSize>>? VolumeImages = null);

/// <summary>Paths: the data a remove kept, a build's outputs, a closure.</summary>
internal sealed record PathsAnswer(IReadOnlyList<string> Paths);

/// <summary>An answer that carries nothing but its success.</summary>
internal sealed record DoneAnswer;

/// <summary>Source-generated JSON for the agent's protocol.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(AgentHello))]
[JsonSerializable(typeof(AgentRequest))]
[JsonSerializable(typeof(AgentAnswer))]
[JsonSerializable(typeof(GuestArguments))]
[JsonSerializable(typeof(StoreArguments))]
[JsonSerializable(typeof(GuestsArguments))]
[JsonSerializable(typeof(GenerationAnswer))]
[JsonSerializable(typeof(NumberAnswer))]
[JsonSerializable(typeof(GenerationsAnswer))]
[JsonSerializable(typeof(ShowAnswer))]
[JsonSerializable(typeof(PathsAnswer))]
[JsonSerializable(typeof(DoneAnswer))]
[JsonSerializable(typeof(HostDescription))]
internal sealed partial class AgentJsonContext : JsonSerializerContext;
