using System.Text.Json.Serialization;

namespace Miniguest.Cli;

/// <summary>A guest as <c>list --json</c> prints it.</summary>
internal sealed record GuestJson
{
    public required string Name { get; init; }
    public bool Declarative { get; init; }
    public string? GuestType { get; init; }
    public string? FlakeRef { get; init; }
    public string? ResolvedRef { get; init; }
    public string? AttrPath { get; init; }
    public int? Generation { get; init; }
    public string? StorePath { get; init; }
    public string? Uri { get; init; }
    public string? DomainState { get; init; }
    public required string Status { get; init; }
    /// <summary>What keeps the guest from writing to the host's store (<c>StoreProtection</c>).</summary>
    public string? StoreProtection { get; init; }
    public string? ConsoleLog { get; init; }
    public string? Error { get; init; }
}

/// <summary>A generation as <c>generations --json</c> prints it.</summary>
internal sealed record GenerationJson(int Number, string StorePath, DateTime Created, bool Current);

/// <summary>The declarative manifest the NixOS host module writes for <c>apply</c>.</summary>
internal sealed record DeclarativeManifest(int Version, Dictionary<string, DeclarativeGuest> Guests);

/// <summary>One guest of the declarative manifest.</summary>
internal sealed record DeclarativeGuest(string? Uri, int Memory, int Vcpus, string? Network, bool Autostart, bool RestartIfChanged);

// Guest paths and flake URLs are printed as they are ('&', '+' unescaped): the output is for people and jq, not HTML.
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, WriteIndented = true)]
[JsonSerializable(typeof(List<GuestJson>))]
[JsonSerializable(typeof(List<GenerationJson>))]
[JsonSerializable(typeof(DeclarativeManifest))]
[JsonSerializable(typeof(List<string>))]
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
