using System.Text.Json.Serialization;

namespace Miniguest.Core;

/// <summary>Source-generated JSON for the files Miniguest reads and the output of <c>nix … --json</c>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(GuestConfigJson))]
[JsonSerializable(typeof(List<NixBuildResult>))]
[JsonSerializable(typeof(DeclarativeManifest))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(RemoteGuest))]
internal sealed partial class CoreJsonContext : JsonSerializerContext;
