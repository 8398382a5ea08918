using System.Text.Json.Serialization;
using Miniguest.Core;

namespace Miniguest.Cli;

/// <summary>A guest as <c>list --json</c> prints it (docs/output.schema.json): every word a lower-case one (<c>not-defined</c>,
/// <c>read-only-9p-share</c>), every list an array (empty where there is nothing, or nothing known).</summary>
internal sealed record GuestJson
{
    public required string Name { get; init; }
    public bool Declarative { get; init; }
    public string? GuestType { get; init; }
    public string? FlakeRef { get; init; }
    public string? ResolvedRef { get; init; }
    public string? AttrPath { get; init; }
    public int? Generation { get; init; }
    /// <summary>The generation the running domain was started on (older than <see cref="Generation"/> when outdated).</summary>
    public int? RunningGeneration { get; init; }
    public string? StorePath { get; init; }
    public string? Uri { get; init; }
    /// <summary>The other host the guest lives on; null for a guest of this host.</summary>
    public string? Host { get; init; }
    public string? DomainState { get; init; }
    public bool? Autostart { get; init; }
    public required string Status { get; init; }
    /// <summary>What keeps the guest from writing to the host's store (<c>StoreProtection</c>, as <see cref="Words.Of(Core.StoreProtection)"/>
    /// writes it).</summary>
    public string? StoreProtection { get; init; }
    public string? ConsoleLog { get; init; }
    /// <summary>The running guest's addresses, as <c>10.0.0.5/24</c>; none while it does not run.</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];
    /// <summary>Its network interfaces (read for <c>--json</c> only).</summary>
    public IReadOnlyList<InterfaceJson> Interfaces { get; init; } = [];
    /// <summary>Whether a VM gives the memory its guest frees back to the host (free page reporting); null for a container.</summary>
    public bool? FreePageReporting { get; init; }
    /// <summary>Whether a container lives in the host's network namespace (then it has no interfaces); null for a VM.</summary>
    public bool? HostNetwork { get; init; }
    /// <summary>Its domain's memory (the running one's while it runs; read for <c>--json</c> only).</summary>
    public int? MemoryMiB { get; init; }
    /// <summary>Its domain's vCPUs (the running one's while it runs; read for <c>--json</c> only).</summary>
    public int? VCpus { get; init; }
    /// <summary>Its shares, with the host directory of each.</summary>
    public IReadOnlyList<ShareJson> Shares { get; init; } = [];
    /// <summary>Its volumes, with the image or directory of each on this host.</summary>
    public IReadOnlyList<VolumeJson> Volumes { get; init; } = [];
    public string? Error { get; init; }
}

/// <summary>A guest's share as <c>list --json</c> prints it: <see cref="Source"/> is its host directory.</summary>
internal sealed record ShareJson(string Tag, string MountPoint, string Source, bool ReadOnly);

/// <summary>A guest's volume as <c>list --json</c> prints it: <see cref="File"/> is its image (a VM's) or directory (a
/// container's); an image's size as it reads (<see cref="ApparentBytes"/>) and what the host's disk holds of it
/// (<see cref="AllocatedBytes"/>), null for a directory or an image not made yet.</summary>
internal sealed record VolumeJson(string Name, string MountPoint, long SizeMiB, string FsType, string File, long? ApparentBytes, long? AllocatedBytes);

/// <summary>A guest's network interface as <c>list --json</c> prints it: its MAC and its network or bridge.</summary>
internal sealed record InterfaceJson(string Mac, string? Network, string? Bridge);

/// <summary>A guest as <c>show --json</c> prints it: as <c>list --json</c> does, with its generations.</summary>
internal sealed record GuestDetailsJson(GuestJson Guest, IReadOnlyList<GenerationJson> Generations, IReadOnlyList<string> Credentials);

/// <summary>A generation as <c>generations --json</c> prints it: its number (<c>generation</c>, as <c>list</c> names it), and when
/// it was made, to the second, in UTC (<c>2026-12-06T08:00:00Z</c>).</summary>
internal sealed record GenerationJson(int Generation, string StorePath, string Created, bool Current, bool Running)
{
    /// <summary>The generation as printed.</summary>
    public static GenerationJson Of(Core.Generation generation, int? current, int? running) =>
        new(generation.Number, generation.StorePath, generation.CreatedUtc.ToString(GuestStatsJson.Timestamp, System.Globalization.CultureInfo.InvariantCulture),
            generation.Number == current, generation.Number == running);
}

/// <summary>A guest's load as <c>stats --json</c> prints it (docs/output.schema.json's <c>guestStats</c>).</summary>
internal sealed record GuestStatsJson(string Name, string? Host, string? GuestType, bool Running, string? Started, double? IntervalSeconds, double? CpuSeconds,
    double? CpuPercent, ulong? MemoryBytes, ulong? MemoryGivenBytes, ulong? NetworkReceivedBytes, ulong? NetworkSentBytes, ulong? DiskReadBytes,
    ulong? DiskWrittenBytes, double? NetworkReceivedPerSecond, double? NetworkSentPerSecond, double? DiskReadPerSecond, double? DiskWrittenPerSecond,
    string? Problem)
{
    /// <summary>How the JSON writes a time: UTC, to the second.</summary>
    public const string Timestamp = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    /// <summary>The guest's load as printed.</summary>
    public static GuestStatsJson Of(GuestStats stats) => new(stats.Name, stats.Host, stats.Type is { } type ? Words.Of(type) : null, stats.Running,
        stats.Started?.UtcDateTime.ToString(Timestamp, System.Globalization.CultureInfo.InvariantCulture), stats.Interval?.TotalSeconds, stats.CpuSeconds, stats.CpuPercent, stats.MemoryBytes, stats.MemoryGivenBytes, stats.NetworkReceivedBytes,
        stats.NetworkSentBytes, stats.DiskReadBytes, stats.DiskWrittenBytes, stats.NetworkReceivedPerSecond, stats.NetworkSentPerSecond,
        stats.DiskReadPerSecond, stats.DiskWrittenPerSecond, stats.Problem);
}

// Guest paths and flake URLs are printed as they are ('&', '+' unescaped): the output is for people and jq, not HTML.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(List<GuestJson>))]
[JsonSerializable(typeof(GuestDetailsJson))]
[JsonSerializable(typeof(List<GenerationJson>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(List<GuestStatsJson>))]
internal sealed partial class CliJsonContext : JsonSerializerContext
{
    /// <summary>The context the CLI prints with.</summary>
    public static CliJsonContext Output { get; } = new(new System.Text.Json.JsonSerializerOptions
    {
        PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
