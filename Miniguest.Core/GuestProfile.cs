using System.Globalization;

namespace Miniguest.Core;

/// <summary>One generation of a guest's profile: <c>NAME-N-link</c> and the store path it holds.</summary>
public sealed record Generation(int Number, string StorePath, DateTime CreatedUtc);

/// <summary>A guest's Nix profile: a link to its current generation, and the generation links beside it. Each
/// generation is a garbage-collector root for the guest's closure.</summary>
internal sealed class GuestProfile
{
    private readonly MiniguestPaths _paths;

    // The profile's name: the guest's, or that of a profile of Miniguest's own beside the guests' (Staging).
    private readonly string _name;

    /// <summary>The profile of guest <paramref name="name"/>.</summary>
    public GuestProfile(MiniguestPaths paths, GuestName name)
        : this(paths, name.Value)
    {
    }

    private GuestProfile(MiniguestPaths paths, string profileName)
    {
        ArgumentNullException.ThrowIfNull(paths);
        _paths = paths;
        _name = profileName;
        Path = System.IO.Path.Combine(paths.Profiles, profileName);
    }

    /// <summary>The profile an install or upgrade of guest <paramref name="guest"/> builds into before the guest's own
    /// profile takes the build (<c>.staging-NAME</c>, which no guest's name can be).</summary>
    internal static GuestProfile Staging(MiniguestPaths paths, GuestName guest) => new(paths, ".staging-" + guest.Value);

    /// <summary>The profile link.</summary>
    public string Path { get; }

    /// <summary>Whether the profile exists.</summary>
    public bool Exists => new FileInfo(Path).LinkTarget is not null;

    /// <summary>The generations, oldest first.</summary>
    public IReadOnlyList<Generation> Generations
    {
        get
        {
            if (!Directory.Exists(_paths.Profiles))
            {
                return [];
            }
            return new DirectoryInfo(_paths.Profiles).EnumerateFileSystemInfos(_name + "-*-link")
                .Select(link => (link, number: GenerationOf(link.Name)))
                .Where(x => x.number is not null && x.link.LinkTarget is not null)
                .Select(x => new Generation(x.number!.Value, x.link.LinkTarget!, x.link.LastWriteTimeUtc))
                .OrderBy(g => g.Number)
                .ToList();
        }
    }

    /// <summary>The generation the profile points at, or <see langword="null"/> if it has none.</summary>
    public Generation? Current
    {
        get
        {
            // Read the one link rather than the whole directory: list asks this of every guest.
            var target = new FileInfo(Path).LinkTarget;
            if (target is null || GenerationOf(System.IO.Path.GetFileName(target)) is not { } number)
            {
                return null;
            }
            var link = new FileInfo(System.IO.Path.Combine(_paths.Profiles, System.IO.Path.GetFileName(target)));
            return link.LinkTarget is { } storePath ? new Generation(number, storePath, link.LastWriteTimeUtc) : null;
        }
    }

    /// <summary>Points the profile at generation <paramref name="number"/>, atomically (a new link renamed over it).</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such generation.</exception>
    public void SwitchTo(int number)
    {
        if (Generations.All(g => g.Number != number))
        {
            throw new ArgumentOutOfRangeException(nameof(number), number, $"guest '{_name}' has no generation {number}");
        }
        using var profiles = DirectoryHandle.Open(_paths.Profiles);
        profiles.ReplaceLink(_name, GenerationLinkName(number));
    }

    /// <summary>Deletes the profile link and every generation link (never what they point at), so that garbage
    /// collection can free the guest's closure.</summary>
    public void Delete()
    {
        foreach (var generation in Generations)
        {
            File.Delete(System.IO.Path.Combine(_paths.Profiles, GenerationLinkName(generation.Number)));
        }
        if (Exists)
        {
            File.Delete(Path);
        }
    }

    /// <summary>Deletes the temporary links Nix makes beside a profile, which a Nix killed at that moment leaves
    /// behind: while it switches the profile (<c>.N_NAME</c>), and while it makes a generation's link, a garbage
    /// collector root (<c>NAME-N-link.tmp-PID-R</c>).</summary>
    public void DeleteTemporaryLinks()
    {
        if (!Directory.Exists(_paths.Profiles))
        {
            return;
        }
        foreach (var entry in Directory.EnumerateFileSystemEntries(_paths.Profiles, "." + "*_" + _name)
                     .Concat(Directory.EnumerateFileSystemEntries(_paths.Profiles, _name + "-*-link.tmp-*")))
        {
            var fileName = System.IO.Path.GetFileName(entry);
            if ((IsTemporaryLink(fileName) || TemporaryLinkTarget(fileName) is { } link && GenerationOf(link) is not null)
                && new FileInfo(entry).LinkTarget is not null)
            {
                File.Delete(entry);
            }
        }
    }

    /// <summary>The name of the link Nix is making when it writes <paramref name="fileName"/>, <c>LINK.tmp-PID-R</c>
    /// (then renames it to LINK); <see langword="null"/> for any other name.</summary>
    internal static string? TemporaryLinkTarget(string fileName)
    {
        const string marker = ".tmp-";
        var at = fileName.LastIndexOf(marker, StringComparison.Ordinal);
        if (at <= 0)
        {
            return null;
        }
        var suffix = fileName.AsSpan(at + marker.Length);
        var dash = suffix.IndexOf('-');
        return dash > 0 && dash < suffix.Length - 1
            && !suffix[..dash].ContainsAnyExceptInRange('0', '9') && !suffix[(dash + 1)..].ContainsAnyExceptInRange('0', '9')
            ? fileName[..at]
            : null;
    }

    /// <summary>Whether <paramref name="fileName"/> is <c>NAME-N-link</c>, generation N of some profile NAME.</summary>
    internal static bool IsGenerationLinkName(string fileName)
    {
        const string suffix = "-link";
        if (!fileName.EndsWith(suffix, StringComparison.Ordinal))
        {
            return false;
        }
        var rest = fileName.AsSpan(0, fileName.Length - suffix.Length);
        var digits = rest.Length - 1 - rest.LastIndexOf('-');
        return digits > 0 && digits < rest.Length - 1 && !rest[^digits..].ContainsAnyExceptInRange('0', '9');
    }

    private string GenerationLinkName(int number) => $"{_name}-{number.ToString(CultureInfo.InvariantCulture)}-link";

    // Whether the name is .N_NAME: a number, then the profile's name.
    private bool IsTemporaryLink(string fileName)
    {
        var digits = fileName.Length - _name.Length - 2;
        return digits > 0 && fileName[0] == '.' && fileName.EndsWith("_" + _name, StringComparison.Ordinal)
            && !fileName.AsSpan(1, digits).ContainsAnyExceptInRange('0', '9');
    }

    /// <summary>The number of <paramref name="link"/>, when it is <c>NAME-N-link</c>, generation N of the guest's profile;
    /// <see langword="null"/> for any other name.</summary>
    internal static int? GenerationNumber(GuestName guest, string link) => GenerationOf(guest.Value, link);

    private int? GenerationOf(string fileName) => GenerationOf(_name, fileName);

    // The number of the generation link called NAME-N-link; null for any other name.
    private static int? GenerationOf(string name, string fileName)
    {
        const string suffix = "-link";
        var prefixLength = name.Length + 1;
        if (fileName.Length <= prefixLength + suffix.Length || !fileName.StartsWith(name, StringComparison.Ordinal)
            || fileName[name.Length] != '-' || !fileName.EndsWith(suffix, StringComparison.Ordinal))
        {
            return null;
        }
        var digits = fileName.AsSpan(prefixLength, fileName.Length - prefixLength - suffix.Length);
        return int.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number : null;
    }
}
