using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace Miniguest.Core;

/// <summary>A guest's name, checked once where it enters: a caller's string at <see cref="IGuestHost"/>'s door, a file
/// name read from one of Miniguest's directories. A name becomes a file name under <c>/etc/miniguests</c>, a Nix profile
/// name, a store path name and a libvirt domain name, so it keeps to the characters all four accept; and it never takes
/// a name that Nix or Miniguest give to other files beside it.</summary>
/// <remarks><c>default(GuestName)</c> names no guest: reading its name (<see cref="Value"/>, <see cref="ToString"/>)
/// throws, so it never becomes a path, a domain's name or an argument on another host, as <c>""</c> would.</remarks>
[DebuggerDisplay("{_value}")]
public readonly record struct GuestName : IComparable<GuestName>
{
    /// <summary>The longest name accepted.</summary>
    public const int MaxLength = 64;

    private readonly string? _value;

    private GuestName(string value) => _value = value;

    /// <summary>The name.</summary>
    /// <exception cref="InvalidOperationException">This is <c>default(GuestName)</c>, which names no guest.</exception>
    public string Value => _value ?? throw new InvalidOperationException("default(GuestName) names no guest: GuestName.Parse gives one");

    /// <summary>The guest name <paramref name="name"/>.</summary>
    /// <exception cref="InvalidGuestNameException">The name breaks a rule; the message says which.</exception>
    public static GuestName Parse(string? name) => TryParse(name, out var guest, out var error) ? guest : throw error;

    /// <summary>Whether <paramref name="name"/> is a valid guest name, and the name if it is.</summary>
    public static bool TryParse([NotNullWhen(true)] string? name, out GuestName guest) => Problem(name, out guest) is null;

    /// <summary>As <see cref="TryParse(string?, out GuestName)"/>, with the error <see cref="Parse"/> throws for a name it
    /// refuses: for a caller that reports it rather than throw it.</summary>
    internal static bool TryParse([NotNullWhen(true)] string? name, out GuestName guest, [NotNullWhen(false)] out InvalidGuestNameException? error)
    {
        error = Problem(name, out guest) is { } problem ? new InvalidGuestNameException(name ?? "", problem) : null;
        return error is null;
    }

    /// <summary>The name.</summary>
    /// <exception cref="InvalidOperationException">This is <c>default(GuestName)</c>, which names no guest.</exception>
    public override string ToString() => Value;

    /// <summary>Compares the names ordinally, as their files sort.</summary>
    public int CompareTo(GuestName other) => string.CompareOrdinal(_value, other._value);

    // The rule name breaks; null, and the guest name, where it breaks none.
    private static string? Problem(string? name, out GuestName guest)
    {
        var problem = Problem(name);
        guest = problem is null ? new GuestName(name!) : default;
        return problem;
    }

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
