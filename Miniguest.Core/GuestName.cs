namespace Miniguest.Core;

/// <summary>The rules for guest names, checked before anything is written. A name becomes a file name under
/// <c>/etc/miniguests</c>, a Nix profile name, a store path name and a libvirt domain name, so it keeps to the
/// characters all four accept; and it never takes a name that Nix or Miniguest give to other files beside it.</summary>
internal static class GuestName
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
        // Every character, to the very end: no trailing newline slips through.
        _ when !char.IsAsciiLetterOrDigit(name[0]) || name.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-')) =>
            "it may hold only ASCII letters, digits, '.', '_' and '-', and must start with a letter or digit",
        // NAME-N-link is generation N of the profile NAME: a guest of that name would be another guest's generation.
        _ when IsGenerationLinkName(name) => "it ends in -N-link, the name of a generation of another guest's profile",
        // NAME-N-link.tmp-PID-R is the link Nix makes before it names it NAME-N-link, which a command cut short clears.
        _ when IsTemporaryGenerationLinkName(name, null) =>
            "it ends in -N-link.tmp-N-N, the name Nix gives a generation of another guest's profile while it makes it",
        _ => null,
    };

    /// <summary>Whether <paramref name="fileName"/> is <c>PROFILE-N-link.tmp-PID-R</c>: the link Nix makes, then renames, for
    /// generation N of <paramref name="profile"/> (of any profile, where that is <see langword="null"/>).</summary>
    public static bool IsTemporaryGenerationLinkName(string fileName, string? profile)
    {
        const string marker = "-link.tmp-";
        var at = fileName.LastIndexOf(marker, StringComparison.Ordinal);
        if (at < 0 || !IsNumberPair(fileName.AsSpan(at + marker.Length)))
        {
            return false;
        }
        var generation = fileName[..(at + "-link".Length)];
        return profile is null ? IsGenerationLinkName(generation) : IsGenerationLinkName(generation)
            && generation.StartsWith(profile + "-", StringComparison.Ordinal) && IsNumber(generation.AsSpan(profile.Length + 1, generation.Length - profile.Length - 1 - "-link".Length));
    }

    // N-N: two numbers joined by a dash.
    private static bool IsNumberPair(ReadOnlySpan<char> text)
    {
        var dash = text.IndexOf('-');
        return dash > 0 && IsNumber(text[..dash]) && IsNumber(text[(dash + 1)..]);
    }

    private static bool IsNumber(ReadOnlySpan<char> text) => text.Length > 0 && !text.ContainsAnyExceptInRange('0', '9');

    private static bool IsGenerationLinkName(string name)
    {
        const string suffix = "-link";
        if (!name.EndsWith(suffix, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = name.AsSpan(0, name.Length - suffix.Length);
        var digits = rest.Length - 1 - rest.LastIndexOf('-');
        return digits > 0 && digits < rest.Length - 1 && !rest[^digits..].ContainsAnyExceptInRange('0', '9');
    }
}

/// <summary>A guest name breaks the naming rules.</summary>
public sealed class InvalidGuestNameException(string name, string problem)
    : MiniguestException($"invalid guest name '{Printable(name)}': {problem}")
{
    /// <summary>The name as given.</summary>
    public string Name { get; } = name;

    // Keep the one-line error one line, whatever the name holds.
    private static string Printable(string name) =>
        string.Concat(name.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
