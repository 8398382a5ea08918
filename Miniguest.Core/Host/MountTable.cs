using System.Globalization;
using System.Text;
using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>One line of <c>/proc/PID/mountinfo</c> (see proc(5)).</summary>
/// <param name="Id">The mount's ID.</param>
/// <param name="ParentId">The ID of the mount it is mounted on (for the namespace's root: one outside the table).</param>
/// <param name="Device">The file system's device, <c>major:minor</c>.</param>
/// <param name="Root">The directory of the file system that the mount shows (<c>/nix/store</c> for a bind mount of it).</param>
/// <param name="MountPoint">Where it is mounted.</param>
/// <param name="MountOptions">The per-mount options (<c>ro</c> after a read-only bind remount).</param>
/// <param name="FileSystemType">The file system type, such as <c>ext4</c>.</param>
/// <param name="Source">The mount source, such as <c>/dev/vda</c>.</param>
/// <param name="SuperOptions">The file system's (superblock's) options.</param>
internal sealed record MountEntry(int Id, int ParentId, string Device, string Root, string MountPoint,
    string MountOptions, string FileSystemType, string Source, string SuperOptions)
{
    /// <summary>Whether nothing can be written through this mount: it, or its whole file system, is mounted <c>ro</c>.</summary>
    public bool IsReadOnly => HasOption(MountOptions, "ro") || HasOption(SuperOptions, "ro");

    private static bool HasOption(string options, string option) =>
        options.Split(',').Contains(option, StringComparer.Ordinal);
}

/// <summary>
/// The mounts of one mount namespace, as its <c>/proc/PID/mountinfo</c> lists them, and which mount a path
/// lands on there. libvirtd may run in a mount namespace of its own, and what virtiofsd shares is what
/// libvirtd's namespace holds: read the table of libvirtd's namespace (<see cref="OfLibvirtd"/>).
/// </summary>
internal sealed class MountTable
{
    /// <summary>The pid files of the daemons that run QEMU guests: the monolithic one, then the modular one.</summary>
    private static readonly (string PidFile, string Name)[] LibvirtDaemons =
        [("/run/libvirtd.pid", "libvirtd"), ("/run/virtqemud.pid", "virtqemud")];

    /// <summary>Makes a table of <paramref name="entries"/>, in the order the kernel lists them.</summary>
    public MountTable(IEnumerable<MountEntry> entries, string owner)
    {
        ArgumentNullException.ThrowIfNull(entries);
        ArgumentNullException.ThrowIfNull(owner);
        Entries = [.. entries];
        Owner = owner;
    }

    /// <summary>The mounts, in the kernel's order.</summary>
    public IReadOnlyList<MountEntry> Entries { get; }

    /// <summary>Whose mount namespace this is, for messages: <c>libvirtd (pid 4268)</c>, <c>this process</c>.</summary>
    public string Owner { get; }

    /// <summary>Parses the text of a <c>mountinfo</c> file.</summary>
    /// <exception cref="FormatException">A line is not a mountinfo line.</exception>
    public static MountTable Parse(string mountinfo, string owner)
    {
        ArgumentNullException.ThrowIfNull(mountinfo);
        return new MountTable(
            mountinfo.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(ParseLine),
            owner);
    }

    /// <summary>The mounts of this process's namespace.</summary>
    public static MountTable OfThisProcess() => Parse(File.ReadAllText("/proc/self/mountinfo"), "this process");

    /// <summary>The mounts of the namespace of process <paramref name="pid"/> (reading another root process's
    /// table needs root).</summary>
    public static MountTable OfProcess(int pid, string? owner = null) =>
        Parse(File.ReadAllText($"/proc/{pid}/mountinfo"), owner ?? $"process {pid}");

    /// <summary>
    /// The mounts of the namespace the local libvirt daemon that runs QEMU guests lives in (<c>libvirtd</c>, or
    /// the modular <c>virtqemud</c>), found through its pid file. When no such daemon runs, or its table cannot be
    /// read (not root), this process's table, with an <see cref="Owner"/> that says so: a daemon started later
    /// starts in the namespace of whoever starts it, normally the host's.
    /// </summary>
    public static MountTable OfLibvirtd()
    {
        if (ReadOfLibvirtd(out var why) is { } found)
        {
            return Parse(found.Mountinfo, found.Owner);
        }
        var own = OfThisProcess();
        return new MountTable(own.Entries, $"this process ({why})");
    }

    /// <summary>The text of the mount table of the local libvirt daemon that runs QEMU guests, and which daemon it is;
    /// <see langword="null"/>, with <paramref name="why"/>, where none runs or its table cannot be read.</summary>
    internal static (string Owner, string Mountinfo)? ReadOfLibvirtd(out string why)
    {
        why = "no running libvirtd or virtqemud was found through /run/libvirtd.pid or /run/virtqemud.pid";
        foreach (var (pidFile, name) in LibvirtDaemons)
        {
            try
            {
                var pid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
                if (File.ReadAllText($"/proc/{pid}/comm").Trim() != name)
                {
                    continue; // a stale pid file
                }
                return ($"{name} (pid {pid})", File.ReadAllText($"/proc/{pid}/mountinfo"));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
            {
                if (e is UnauthorizedAccessException)
                {
                    why = $"{name}'s mount table could not be read ({e.Message})";
                }
            }
        }
        return null;
    }

    /// <summary>The mount that shows at exactly <paramref name="mountPoint"/> (the top one, when several are stacked
    /// there), or <see langword="null"/> when nothing is mounted there or what is mounted there is hidden.</summary>
    public MountEntry? At(string mountPoint)
    {
        var path = Normalize(mountPoint);
        var (mount, at) = Walk(path);
        return mount is not null && at == path ? mount : null;
    }

    /// <summary>The mount that holds <paramref name="path"/> (an absolute path without symbolic links): the one a
    /// lookup of the path lands on, following the mounts from the root down.</summary>
    public MountEntry? Containing(string path) => Walk(Normalize(path)).Mount;

    /// <summary>Where <paramref name="path"/> lives: the device of its file system and its path inside that
    /// file system. Two directories with the same location show the same files (one may be a bind mount of the
    /// other); <see langword="null"/> when the table has no root mount.</summary>
    public (string Device, string PathInFileSystem)? Locate(string path)
    {
        var normalized = Normalize(path);
        var (mount, at) = Walk(normalized);
        if (mount is null)
        {
            return null;
        }
        var rest = at == "/" ? normalized : normalized[at.Length..];
        var inside = (mount.Root.TrimEnd('/') + rest).TrimEnd('/');
        return (mount.Device, inside.Length == 0 ? "/" : inside);
    }

    // Follows the path from the namespace's root mount: at each directory, a mount whose parent is the current
    // mount covers it, and mounts stacked on that one cover it in turn.
    private (MountEntry? Mount, string At) Walk(string path)
    {
        var ids = Entries.Select(e => e.Id).ToHashSet();
        var current = Entries.LastOrDefault(e => e.MountPoint == "/" && (!ids.Contains(e.ParentId) || e.ParentId == e.Id));
        if (current is null)
        {
            return (null, "/");
        }
        current = Top(current, "/");
        var at = "/";
        var prefix = "";
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            prefix += "/" + part;
            var parent = current;
            var child = Entries.LastOrDefault(e => e.MountPoint == prefix && e.ParentId == parent.Id);
            if (child is not null)
            {
                current = Top(child, prefix);
                at = prefix;
            }
        }
        return (current, at);
    }

    private MountEntry Top(MountEntry mount, string mountPoint)
    {
        while (Entries.LastOrDefault(e => e.MountPoint == mountPoint && e.ParentId == mount.Id && e.Id != mount.Id) is { } above)
        {
            mount = above;
        }
        return mount;
    }

    private static string Normalize(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (path[0] != '/')
        {
            throw new ArgumentException($"'{path}' is not an absolute path", nameof(path));
        }
        var trimmed = path.TrimEnd('/');
        return trimmed.Length == 0 ? "/" : trimmed;
    }

    // 36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
    // (1)(2) (3)  (4)   (5)      (6)         (7)  (8)(9)    (10)      (11)
    private static MountEntry ParseLine(string line)
    {
        var fields = line.Split(' ');
        var separator = fields.Length < 10 ? -1 : Array.IndexOf(fields, "-", 6);
        if (separator < 0 || fields.Length < separator + 4)
        {
            throw new FormatException($"not a mountinfo line: '{line}'");
        }
        try
        {
            return new MountEntry(
                int.Parse(fields[0], CultureInfo.InvariantCulture),
                int.Parse(fields[1], CultureInfo.InvariantCulture),
                fields[2],
                Unescape(fields[3]),
                Unescape(fields[4]),
                fields[5],
                fields[separator + 1],
                Unescape(fields[separator + 2]),
                fields[separator + 3]);
        }
        catch (OverflowException e)
        {
            throw new FormatException($"not a mountinfo line: '{line}'", e);
        }
    }

    // The kernel writes space, tab, newline and backslash in paths as octal escapes (\040 and so on): all ASCII.
    private static string Unescape(string field)
    {
        if (!field.Contains('\\', StringComparison.Ordinal))
        {
            return field;
        }
        var text = new StringBuilder(field.Length);
        for (var i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && IsOctal(field, i + 1) && IsOctal(field, i + 2) && IsOctal(field, i + 3))
            {
                text.Append((char)(((field[i + 1] - '0') << 6) | ((field[i + 2] - '0') << 3) | (field[i + 3] - '0')));
                i += 3;
            }
            else
            {
                text.Append(field[i]);
            }
        }
        return text.ToString();
    }

    private static bool IsOctal(string text, int index) => index < text.Length && text[index] is >= '0' and <= '7';
}
