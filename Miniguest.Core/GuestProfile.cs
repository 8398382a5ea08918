using System.Globalization;
using System.Text.RegularExpressions;

namespace Miniguest.Core;

/// <summary>One generation of a guest's profile: <c>NAME-N-link</c> and the store path it holds.</summary>
public sealed record Generation(int Number, string StorePath, DateTime CreatedUtc);

/// <summary>A guest's Nix profile: a link to its current generation, and the generation links beside it. Each
/// generation is a garbage-collector root for the guest's closure.</summary>
public sealed class GuestProfile(MiniguestPaths paths, string name)
{
    private readonly Regex _generationPattern = new($"^{Regex.Escape(name)}-([0-9]+)-link$", RegexOptions.CultureInvariant);

    /// <summary>The profile link.</summary>
    public string Path { get; } = paths.Profile(name);

    /// <summary>Whether the profile exists.</summary>
    public bool Exists => new FileInfo(Path).LinkTarget is not null;

    /// <summary>The generations, oldest first.</summary>
    public IReadOnlyList<Generation> Generations
    {
        get
        {
            if (!Directory.Exists(paths.Profiles))
            {
                return [];
            }
            var pattern = GenerationPattern();
            return new DirectoryInfo(paths.Profiles).EnumerateFileSystemInfos(name + "-*-link")
                .Select(link => (link, match: pattern.Match(link.Name)))
                .Where(x => x.match.Success && x.link.LinkTarget is not null)
                .Select(x => new Generation(int.Parse(x.match.Groups[1].Value, CultureInfo.InvariantCulture),
                    x.link.LinkTarget!, x.link.LastWriteTimeUtc))
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
            var match = target is null ? null : GenerationPattern().Match(System.IO.Path.GetFileName(target));
            if (match is not { Success: true })
            {
                return null;
            }
            var link = new FileInfo(System.IO.Path.Combine(paths.Profiles, System.IO.Path.GetFileName(target!)));
            return link.LinkTarget is { } storePath
                ? new Generation(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), storePath, link.LastWriteTimeUtc)
                : null;
        }
    }

    /// <summary>Points the profile at generation <paramref name="number"/>, atomically.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such generation.</exception>
    public void SwitchTo(int number)
    {
        if (Generations.All(g => g.Number != number))
        {
            throw new ArgumentOutOfRangeException(nameof(number), number, $"guest '{name}' has no generation {number}");
        }
        Links.ReplaceSymbolicLink(Path, GenerationLinkName(number));
    }

    /// <summary>Deletes the profile link and every generation link (never what they point at), so that garbage
    /// collection can free the guest's closure.</summary>
    public void Delete()
    {
        foreach (var generation in Generations)
        {
            File.Delete(System.IO.Path.Combine(paths.Profiles, GenerationLinkName(generation.Number)));
        }
        if (Exists)
        {
            File.Delete(Path);
        }
    }

    /// <summary>Deletes the temporary links Nix makes beside a profile while it switches it (<c>.N_NAME</c>), which a
    /// Nix killed at that moment leaves behind.</summary>
    public void DeleteTemporaryLinks()
    {
        if (!Directory.Exists(paths.Profiles))
        {
            return;
        }
        var temporary = new Regex($"^\\.[0-9]+_{Regex.Escape(name)}$", RegexOptions.CultureInvariant);
        foreach (var entry in Directory.EnumerateFileSystemEntries(paths.Profiles, "." + "*_" + name))
        {
            if (temporary.IsMatch(System.IO.Path.GetFileName(entry)) && new FileInfo(entry).LinkTarget is not null)
            {
                File.Delete(entry);
            }
        }
    }

    private string GenerationLinkName(int number) => $"{name}-{number.ToString(CultureInfo.InvariantCulture)}-link";

    private Regex GenerationPattern() => _generationPattern;
}
