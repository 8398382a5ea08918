using System.Globalization;

namespace Miniguest.Core;

/// <summary>
/// The host ids of the containers' user namespaces: each container gets a range of <see cref="RangeSize"/> ids from
/// <see cref="FirstId"/> up, far above every user of the host. A range is allocated once, under a host-wide lock,
/// recorded in the guest's state (<see cref="MiniguestPaths.IdRangeFile"/>), and never given to another guest while it
/// is recorded: two containers sharing a range would be the same user on the host, each able to reach and change the
/// other's files. The record lasts as long as the container's root, which holds files of that range: a plain
/// <c>remove</c> keeps both, <c>remove --purge</c> deletes both. A container defined before ranges were recorded keeps
/// the range its domain has unless another guest's record holds it.
/// </summary>
internal sealed class ContainerIds(MiniguestPaths paths)
{
    /// <summary>The ids of one container: 0 to 65535 inside.</summary>
    public const uint RangeSize = 65_536;

    /// <summary>The lowest host id given to a container (the ranges below are the host's users' and <c>subuid</c>s').</summary>
    public const uint FirstId = 10 * RangeSize;

    // From 655360 up to just below 2^32.
    private const uint RangeCount = 60_000;

    /// <summary>The mapping of the range whose first host id is <paramref name="first"/>.</summary>
    public static UserNamespaceMapping Mapping(uint first) => new(first, first, RangeSize);

    /// <summary>The range recorded for guest <paramref name="name"/>, made and recorded now if it has none: the one its
    /// domain maps (<paramref name="existing"/>) where no other guest's record and no other domain holds it, else the
    /// lowest free one. Taken under the host-wide lock, so that two commands never give one range to two guests.</summary>
    /// <param name="name">The guest.</param>
    /// <param name="existing">The range its present domain maps, if any.</param>
    /// <param name="inUse">The ranges other domains on its connection map (those of hand-made domains, or of guests
    /// defined before ranges were recorded).</param>
    /// <exception cref="GuestStateException">A record is not a range, or every range is taken.</exception>
    public UserNamespaceMapping Allocate(GuestName name, UserNamespaceMapping? existing, IReadOnlyCollection<UserNamespaceMapping> inUse)
    {
        using var hostWide = GuestLock.AcquireHostWide(paths.ContainerIdsLockFile);
        var recorded = Recorded();
        var first = Choose(name, recorded, existing, inUse);
        if (!recorded.ContainsKey(name.Value))
        {
            new GuestStateDirectory(paths, name).Write(paths.IdRangeFile(name), first.ToString(CultureInfo.InvariantCulture) + "\n");
        }
        return Mapping(first);
    }

    /// <summary>Records <paramref name="first"/> as guest <paramref name="name"/>'s range, as another host chose it from
    /// what this host recorded (<see cref="Recorded"/>), under the host-wide lock: refused where another guest's record
    /// holds it, or the guest's own record names another, since then.</summary>
    /// <exception cref="GuestStateException">It is not a range, or the records changed since the choice.</exception>
    public void Claim(GuestName name, uint first)
    {
        if (!IsRange(first))
        {
            throw new GuestStateException($"{first} is not the first id of a container's range");
        }
        using var hostWide = GuestLock.AcquireHostWide(paths.ContainerIdsLockFile);
        var recorded = Recorded();
        if (recorded.FirstOrDefault(entry => entry.Key != name.Value && entry.Value == first).Key is { } holder)
        {
            throw new GuestStateException($"id range {first} is guest '{holder}''s since this command looked: run it again");
        }
        if (recorded.TryGetValue(name.Value, out var own))
        {
            if (own != first)
            {
                throw new GuestStateException($"guest '{name}' has id range {own} since this command looked: run it again");
            }
            return;
        }
        new GuestStateDirectory(paths, name).Write(paths.IdRangeFile(name), first.ToString(CultureInfo.InvariantCulture) + "\n");
    }

    /// <summary>The range <see cref="Allocate"/> would give the guest now, recording nothing (for a domain only shown).</summary>
    public UserNamespaceMapping Peek(GuestName name, UserNamespaceMapping? existing, IReadOnlyCollection<UserNamespaceMapping> inUse) =>
        Mapping(Choose(name, Recorded(), existing, inUse));

    /// <summary>The first id of each guest's recorded range, by the name of its state directory: every one that holds a
    /// record, whatever its name, so that no range recorded is ever given again.</summary>
    /// <exception cref="GuestStateException">A record is not a range.</exception>
    public IReadOnlyDictionary<string, uint> Recorded() =>
        RecordedText().ToDictionary(record => record.Key,
            record => Parse(record.Value, Path.Combine(paths.State, "guests", record.Key, MiniguestPaths.IdRangeFileName)), StringComparer.Ordinal);

    /// <summary>The text of every guest's record (<see cref="Recorded"/>), unread: for another host to read.</summary>
    public IReadOnlyDictionary<string, string> RecordedText()
    {
        var recorded = new Dictionary<string, string>(StringComparer.Ordinal);
        var guests = Path.Combine(paths.State, "guests");
        if (!Directory.Exists(guests))
        {
            return recorded;
        }
        foreach (var directory in Directory.EnumerateDirectories(guests))
        {
            var file = Path.Combine(directory, MiniguestPaths.IdRangeFileName);
            if (File.Exists(file))
            {
                recorded[Path.GetFileName(directory)] = SmallFile.ReadText(file);
            }
        }
        return recorded;
    }

    /// <summary>A recorded range's first id, from the text of its record.</summary>
    /// <exception cref="GuestStateException">It is not the first id of a range.</exception>
    internal static uint Parse(string text, string where) =>
        uint.TryParse(text.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var first) && IsRange(first)
            ? first
            : throw new GuestStateException($"{where}: '{text.Trim()}' is not the first id of a container's range");

    /// <summary>The first id of the range for <paramref name="name"/>: its own record; else the range its domain maps
    /// (refused where another guest recorded it); else the lowest range nothing overlaps.</summary>
    /// <exception cref="GuestStateException">Every range is taken, or the range its domain maps is another guest's.</exception>
    internal static uint Choose(GuestName name, IReadOnlyDictionary<string, uint> recorded, UserNamespaceMapping? existing,
        IReadOnlyCollection<UserNamespaceMapping> inUse)
    {
        if (recorded.TryGetValue(name.Value, out var own))
        {
            return own;
        }
        var taken = recorded.Where(entry => entry.Key != name.Value).Select(entry => ((ulong)entry.Value, (ulong)RangeSize))
            .Concat(inUse.SelectMany(ids => new[] { ((ulong)ids.UidTarget, (ulong)ids.Count), ((ulong)ids.GidTarget, (ulong)ids.Count) }))
            .ToList();
        bool Free(uint first) => !taken.Any(range => first < range.Item1 + range.Item2 && range.Item1 < first + (ulong)RangeSize);
        if (existing is { } mapped && mapped.UidTarget == mapped.GidTarget && mapped.Count == RangeSize && IsRange(mapped.UidTarget))
        {
            // The files of its root belong to the ids it maps: it keeps them, unless another guest recorded them first,
            // and then a new range would leave those files to the other guest's root.
            return recorded.FirstOrDefault(entry => entry.Key != name.Value && entry.Value == mapped.UidTarget).Key is { } holder
                ? throw new GuestStateException($"guest '{name}': its container maps host ids from {mapped.UidTarget}, which guest '{holder}' "
                    + "holds too, and the files of its root belong to them: remove one of the two with --purge and install it again")
                : mapped.UidTarget;
        }
        for (var index = 0u; index < RangeCount; index++)
        {
            var first = FirstId + index * RangeSize;
            if (Free(first))
            {
                return first;
            }
        }
        throw new GuestStateException($"every one of the {RangeCount} id ranges for containers is taken");
    }

    private static bool IsRange(uint first) => first >= FirstId && first % RangeSize == 0 && (first - FirstId) / RangeSize < RangeCount;
}
