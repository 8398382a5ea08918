namespace Miniguest.Core;

/// <summary>The bridges of this host, which guests can be plugged into to sit on its LAN.</summary>
internal static class HostBridges
{
    /// <summary>Whether <paramref name="name"/> can name a network interface: 1 to 15 characters, none of them
    /// <c>/</c>, whitespace or <c>:</c> (the kernel's rule), and not <c>.</c> or <c>..</c>.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 15 && name is not ("." or "..") && !name.Any(c => c is '/' or ':' || char.IsWhiteSpace(c) || char.IsControl(c));

    /// <summary>The bridges of this host, sorted.</summary>
    public static IReadOnlyList<string> Names() =>
        [.. DirectoryNames.Read("/sys/class/net").Where(Exists).Order(StringComparer.Ordinal)];

    /// <summary>Whether this host has a bridge named <paramref name="name"/> (a valid name, see <see cref="IsValidName"/>).</summary>
    public static bool Exists(string name) => IsValidName(name) && Directory.Exists(Path.Combine("/sys/class/net", name, "bridge"));
}
