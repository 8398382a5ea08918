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
        _ when GuestProfile.IsGenerationLinkName(name) => "it ends in -N-link, the name of a generation of another guest's profile",
        // NAME-N-link.tmp-PID-R is the link Nix makes before it names it NAME-N-link, which a command cut short clears.
        _ when GuestProfile.TemporaryLinkTarget(name) is { } link && GuestProfile.IsGenerationLinkName(link) =>
            "it ends in -N-link.tmp-N-N, the name Nix gives a generation of another guest's profile while it makes it",
        _ => null,
    };
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
