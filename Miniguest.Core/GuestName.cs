using System.Text.RegularExpressions;

namespace Miniguest.Core;

/// <summary>The rules for guest names, checked before anything is written. A name becomes a file name under
/// <c>/etc/miniguests</c>, a Nix profile name, a store path name and a libvirt domain name, so it keeps to the
/// characters all four accept.</summary>
public static partial class GuestName
{
    /// <summary>The longest name accepted.</summary>
    public const int MaxLength = 64;

    /// <summary>Whether <paramref name="name"/> is a valid guest name.</summary>
    public static bool IsValid(string? name) => Problem(name) is null;

    /// <summary>Throws when <paramref name="name"/> is not a valid guest name.</summary>
    /// <exception cref="InvalidGuestNameException">The name breaks a rule; the message says which.</exception>
    public static string Validate(string? name) =>
        Problem(name) is { } problem ? throw new InvalidGuestNameException(name ?? "", problem) : name!;

    private static string? Problem(string? name) => name switch
    {
        null or "" => "it is empty",
        { Length: > MaxLength } => $"it is longer than {MaxLength} characters",
        "." or ".." => "it is a relative directory name",
        _ when name.Contains('/') => "it contains '/'",
        _ when !Allowed().IsMatch(name) =>
            "it may hold only ASCII letters, digits, '.', '_' and '-', and must start with a letter or digit",
        _ => null,
    };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]*$")]
    private static partial Regex Allowed();
}

/// <summary>A guest name breaks the naming rules.</summary>
public sealed class InvalidGuestNameException(string name, string problem)
    : Exception($"invalid guest name '{Printable(name)}': {problem}")
{
    /// <summary>The name as given.</summary>
    public string Name { get; } = name;

    // Keep the one-line error one line, whatever the name holds.
    private static string Printable(string name) =>
        string.Concat(name.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
