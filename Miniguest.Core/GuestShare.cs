using System.Text.RegularExpressions;

namespace Miniguest.Core;

/// <summary>
/// A host directory a guest mounts (<c>boot.miniguest.shares.&lt;tag&gt;</c>): its state, which outlives its
/// restarts, upgrades, rollbacks and reinstalls. A VM mounts it by its tag over 9p or virtiofs, as it does the store;
/// a container gets it bound at its mount point.
/// </summary>
/// <param name="Tag">Its name: the VM's mount tag, and the name of its host directory.</param>
/// <param name="MountPoint">Where the guest sees it.</param>
/// <param name="Source">The host directory the guest's build output asks for, or <see langword="null"/> for the guest's
/// own, <see cref="MiniguestPaths.ShareDirectory"/>, which Miniguest makes. A build output only asks: the admin gives the
/// directory (<see cref="DomainOptions.ShareSources"/>).</param>
/// <param name="ReadOnly">Whether the guest may only read it.</param>
public sealed partial record GuestShare(string Tag, string MountPoint, string? Source, bool ReadOnly)
{
    /// <summary>A share, checked: a tag of letters, digits, <c>_</c> and <c>-</c> (at most 31, the length of a 9p tag),
    /// not one of the store's or boot directory's; a mount point and a source that are absolute and plain (no <c>.</c>
    /// or <c>..</c>, no empty part); a mount point that hides neither the store nor <c>/boot</c>; a source outside the
    /// store that does not hold it.</summary>
    /// <exception cref="FormatException">One of them is not so.</exception>
    public static GuestShare Create(string? tag, string? mountPoint, string? source, bool readOnly)
    {
        tag = RequireTag(tag);
        RequireMountPoint($"share '{tag}'", "a share", mountPoint);
        if (source is not null && !IsPlainAbsolute(source))
        {
            throw new FormatException($"share '{tag}': its source '{source}' is not an absolute path without . or .. parts");
        }
        if (source is not null && (Contains(source, NixStore.DefaultDirectory) || Contains(NixStore.DefaultDirectory, source)))
        {
            throw new FormatException($"share '{tag}': its source {source} is the Nix store, inside it or above it");
        }
        return new GuestShare(tag, mountPoint, source, readOnly);
    }

    /// <summary>Refuses a mount point, of <paramref name="what"/> (<c>share 'TAG'</c>; <paramref name="kind"/>, <c>a share</c>),
    /// that is not absolute and plain, is <c>/</c>, or hides the store or <c>/boot</c>.</summary>
    /// <exception cref="FormatException">It is so.</exception>
    internal static void RequireMountPoint(string what, string kind, [System.Diagnostics.CodeAnalysis.NotNull] string? mountPoint)
    {
        if (mountPoint is null || !IsPlainAbsolute(mountPoint) || mountPoint == "/")
        {
            throw new FormatException($"{what}: its mount point '{mountPoint}' is not an absolute path without . or .. parts");
        }
        if (Contains(mountPoint, NixStore.DefaultDirectory) || Contains(NixStore.DefaultDirectory, mountPoint) || Contains("/boot", mountPoint))
        {
            throw new FormatException($"{what}: {kind} at {mountPoint} would hide the guest's store or /boot");
        }
    }

    /// <summary><paramref name="tag"/>, checked as <see cref="Create"/> checks it.</summary>
    /// <exception cref="FormatException">It is not a share's tag.</exception>
    internal static string RequireTag(string? tag) =>
        tag is null || !TagPattern().IsMatch(tag) || tag is DomainXml.StoreTag or DomainXml.BootTag
            ? throw new FormatException($"'{tag}' is not a share tag (1 to 31 letters, digits, _ and -; not nix-store or boot)")
            : tag;

    /// <summary>Whether <paramref name="inner"/> is <paramref name="outer"/> or lies below it (both plain absolute paths).</summary>
    public static bool Contains(string outer, string inner) =>
        inner == outer || inner.StartsWith(outer == "/" ? "/" : outer + "/", StringComparison.Ordinal);

    internal static bool IsPlainAbsolute(string path) =>
        path.StartsWith('/') && (path == "/" || path.Split('/').Skip(1).All(part => part is not ("" or "." or ".."))) && !path.Contains('\0');

    [GeneratedRegex("^[A-Za-z0-9_-]{1,31}$")]
    private static partial Regex TagPattern();
}
