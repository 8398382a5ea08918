using System.Security.Cryptography;

namespace Miniguest.Tests;

/// <summary>An entry of a directory tree as <c>find</c> reports it: its type (<c>f</c>, <c>d</c>, <c>l</c>, …), owner
/// (<c>uid:gid</c>), mode (octal), path, and a link's own target (never followed; empty for anything else).</summary>
internal sealed record FileEntry(string Type, string Owner, string Mode, string Path, string LinkTarget);

/// <summary>
/// What is in a tree of the host's files, to compare before and after a command: one line an entry, in ordinal order,
/// with paths relative to the tree's root. Two levels of detail from one walk: <see cref="Names"/>, that nothing was
/// added, removed or relinked; <see cref="Files"/>, that nothing changed at all.
/// </summary>
internal static class HostSnapshot
{
    /// <summary>Every entry under <paramref name="root"/> by its path, and a link with its target
    /// (<c>profiles/web -&gt; web-1-link</c>).</summary>
    public static IReadOnlyList<string> Names(string root) =>
        Lines(root, entry => RelativePath(root, entry) + (entry.Type == "l" ? " -> " + entry.LinkTarget : ""));

    /// <summary>Every entry under <paramref name="root"/> with its type, owner, mode and link target, and for a file a
    /// hash of its bytes.</summary>
    public static IReadOnlyList<string> Files(string root) =>
        Lines(root, entry => $"{entry.Type} {entry.Owner} {entry.Mode} {RelativePath(root, entry)} -> {entry.LinkTarget}"
            + (entry.Type == "f" ? " sha256=" + Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(entry.Path))) : ""));

    /// <summary>Every entry under <paramref name="root"/>, in the order <c>find</c> walks them; none if there is no such
    /// directory.</summary>
    public static IReadOnlyList<FileEntry> Entries(string root)
    {
        if (!Directory.Exists(root))
        {
            return [];
        }
        // NUL-separated fields, so that no name can shift them; an entry that goes while find walks is left out.
        var fields = new TestCommand("find", [root, "-mindepth", "1", "-printf", @"%y\0%U:%G\0%m\0%p\0%l\0"]) { Quiet = true }
            .Run().Out.Split('\0');
        return [.. fields.SkipLast(1).Chunk(5).Select(entry => new FileEntry(entry[0], entry[1], entry[2], entry[3], entry[4]))];
    }

    private static List<string> Lines(string root, Func<FileEntry, string> line) =>
        [.. Entries(root).Select(line).Order(StringComparer.Ordinal)];

    private static string RelativePath(string root, FileEntry entry) => Path.GetRelativePath(root, entry.Path);
}
