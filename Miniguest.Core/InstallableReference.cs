namespace Miniguest.Core;

/// <summary>A guest as the user names it: <c>FLAKEREF#ATTR</c>, where ATTR (default <c>default</c>) names
/// <c>nixosConfigurations.ATTR</c>, as in the original miniguest.</summary>
public sealed record InstallableReference(string FlakeRef, string Attribute)
{
    /// <summary>The attribute a guest's build output is at, under <c>nixosConfigurations.ATTR</c>.</summary>
    public const string BuildAttribute = "config.system.build.miniguest";

    /// <summary>The attribute path built.</summary>
    public string AttrPath => $"nixosConfigurations.{Attribute}.{BuildAttribute}";

    /// <summary>The ATTR of an attribute path built from one (<see cref="AttrPath"/>); <see langword="null"/> for any
    /// other path.</summary>
    public static string? AttributeOf(string attrPath)
    {
        ArgumentNullException.ThrowIfNull(attrPath);
        const string Prefix = "nixosConfigurations.";
        const string Suffix = "." + BuildAttribute;
        return attrPath.StartsWith(Prefix, StringComparison.Ordinal) && attrPath.EndsWith(Suffix, StringComparison.Ordinal)
            && attrPath.Length > Prefix.Length + Suffix.Length
            ? attrPath[Prefix.Length..^Suffix.Length]
            : null;
    }

    /// <summary>Whether <c>FLAKEREF#<paramref name="attribute"/></c> names <c>nixosConfigurations.<paramref name="attribute"/></c>
    /// as it is (no '.' that Nix would read as a path) and installs a guest of that name: a valid <see cref="GuestName"/>.
    /// Such a name holds nothing a shell reads as more than a word.</summary>
    public static bool IsGuestAttribute(string attribute) => GuestName.TryParse(attribute, out _) && !attribute.Contains('.', StringComparison.Ordinal);

    /// <summary>What nix builds.</summary>
    public string Installable => $"{FlakeRef}#{AttrPath}";

    /// <summary>Parses <c>FLAKEREF[#ATTR]</c>.</summary>
    /// <exception cref="FormatException">The reference or the attribute is empty.</exception>
    public static InstallableReference Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var hash = text.IndexOf('#', StringComparison.Ordinal);
        var flakeRef = hash < 0 ? text : text[..hash];
        var attribute = hash < 0 ? "default" : text[(hash + 1)..];
        if (flakeRef.Length == 0)
        {
            throw new FormatException($"'{text}' names no flake (expected FLAKEREF[#ATTR])");
        }
        if (attribute.Length == 0 || attribute.Contains('#'))
        {
            throw new FormatException($"'{text}' names no attribute after '#' (expected FLAKEREF[#ATTR])");
        }
        return new InstallableReference(flakeRef, attribute);
    }
}
