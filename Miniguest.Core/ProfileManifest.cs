using System.Text.Json;

namespace Miniguest.Core;

/// <summary>Where a guest was installed from: the flake reference as given (<c>originalUrl</c>), as it resolved
/// (<c>url</c>, locked), and the attribute path built.</summary>
public sealed partial record FlakeSource(string OriginalUrl, string ResolvedUrl, string AttrPath)
{
    /// <summary>Whether the reference as given pins one revision or content hash: upgrades leave it alone.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsLocked =>
        OriginalUrl.Contains("rev=", StringComparison.Ordinal) || OriginalUrl.Contains("narHash=", StringComparison.Ordinal)
        || PinnedForgeReference().IsMatch(OriginalUrl);

    // github:OWNER/REPO/REV with a full commit hash.
    [System.Text.RegularExpressions.GeneratedRegex("^(github|gitlab|sourcehut):[^/]+/[^/]+/[0-9a-f]{40}")]
    private static partial System.Text.RegularExpressions.Regex PinnedForgeReference();
}

/// <summary>The <c>manifest.json</c> of a <c>nix profile</c> profile, as Nix 2.8 to current Nix and Lix write it
/// (versions 1 to 3). The original miniguest wrote the same file, so its guests read the same way.</summary>
internal static class ProfileManifest
{
    /// <summary>The file's name inside a profile.</summary>
    public const string FileName = "manifest.json";

    /// <summary>Reads the source of the profile's one element.</summary>
    /// <exception cref="GuestFileException">The manifest is missing, corrupt, or has no flake element.</exception>
    public static FlakeSource ReadSource(string manifestPath) => ParseSource(SmallFile.ReadOfGuest(manifestPath), manifestPath);

    /// <summary>Where the guest of the manifest read from <paramref name="manifestPath"/> (another host's, say) was
    /// installed from.</summary>
    /// <exception cref="GuestFileException">It does not parse, or records no flake.</exception>
    public static FlakeSource ParseSource(byte[] utf8Json, string manifestPath)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(utf8Json);
        }
        catch (JsonException e)
        {
            throw new GuestFileException(manifestPath, $"not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("elements", out var elements))
            {
                throw new GuestFileException(manifestPath, "has no \"elements\"");
            }
            // Version 3 keys elements by name; earlier versions list them.
            var all = elements.ValueKind switch
            {
                JsonValueKind.Array => elements.EnumerateArray().ToList(),
                JsonValueKind.Object => elements.EnumerateObject().Select(p => p.Value).ToList(),
                _ => [],
            };
            foreach (var element in all)
            {
                if (String(element, "originalUrl") is { } original && String(element, "url") is { } url
                    && String(element, "attrPath") is { } attrPath)
                {
                    return new FlakeSource(original, url, attrPath);
                }
            }
            throw new GuestFileException(manifestPath, "holds no element installed from a flake");
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
