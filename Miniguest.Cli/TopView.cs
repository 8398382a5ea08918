using System.Globalization;
using System.Text;
using Miniguest.Cli.Commands;
using Miniguest.Core;

namespace Miniguest.Cli;

/// <summary>What <c>miniguest top</c> draws: the latest sample of every guest as a table fitted to the terminal, sorted by
/// the column the admin chose, each running guest with its recent CPU use drawn as a sparkline. It only lays out text;
/// <see cref="TopCommand"/> owns the terminal.</summary>
internal sealed class TopView(TimeSpan interval)
{
    /// <summary>The samples a row's sparkline shows.</summary>
    public const int HistoryLength = 12;

    // Eight heights; a sample where the guest did not run is a blank.
    private const string Levels = "▁▂▃▄▅▆▇█";

    private readonly Dictionary<string, Queue<double?>> _history = new(StringComparer.Ordinal);
    private IReadOnlyList<GuestStats> _guests = [];

    /// <summary>The columns the table can be sorted by, each with its key.</summary>
    public static IReadOnlyList<(char Key, TopSort Sort, string Name)> SortKeys { get; } =
    [
        ('c', TopSort.Cpu, "CPU"), ('m', TopSort.Memory, "memory"), ('w', TopSort.Network, "network"), ('d', TopSort.Disk, "disk"),
        ('u', TopSort.Uptime, "uptime"), ('n', TopSort.Name, "name"),
    ];

    /// <summary>The column the rows are sorted by.</summary>
    public TopSort Sort { get; set; } = TopSort.Cpu;

    /// <summary>Takes in a sample: the rows to draw, and each guest's CPU use for its sparkline.</summary>
    public void Add(IReadOnlyList<GuestStats> guests)
    {
        _guests = guests;
        foreach (var guest in guests)
        {
            if (!_history.TryGetValue(Key(guest), out var history))
            {
                _history[Key(guest)] = history = new Queue<double?>();
            }
            history.Enqueue(guest.Running ? guest.CpuPercent : null);
            while (history.Count > HistoryLength)
            {
                history.Dequeue();
            }
        }
        foreach (var gone in _history.Keys.Except(guests.Select(Key)).ToList())
        {
            _history.Remove(gone);
        }
    }

    /// <summary>The screen: a title line, the table's header and as many rows as fit in <paramref name="rows"/> lines, each
    /// cut to <paramref name="columns"/>, and a line of keys.</summary>
    public IReadOnlyList<string> Render(int columns, int rows, DateTimeOffset now)
    {
        var withHost = _guests.Any(guest => guest.Host is not null);
        string[] header = ["NAME", .. withHost ? ["HOST"] : Array.Empty<string>(), "TYPE", "STATE", "CPU%", "CPU HISTORY", "MEMORY", "GIVEN",
            "NET-IN/S", "NET-OUT/S", "DISK-R/S", "DISK-W/S", "UPTIME"];
        var sorted = Sorted().ToList();
        var table = sorted.Select(guest => (string[])[
            guest.Name, .. withHost ? [guest.Host ?? "-"] : Array.Empty<string>(), guest.Type is { } type ? Words.Of(type) : "-",
            guest.Problem is not null ? "problem" : guest.Running ? "running" : "stopped",
            guest.CpuPercent is { } cpu ? cpu.ToString("0.0", CultureInfo.InvariantCulture) : "-",
            Sparkline(guest),
            StatsCommand.Size(guest.MemoryBytes), StatsCommand.Size(guest.MemoryGivenBytes), StatsCommand.Size(guest.NetworkReceivedPerSecond),
            StatsCommand.Size(guest.NetworkSentPerSecond), StatsCommand.Size(guest.DiskReadPerSecond), StatsCommand.Size(guest.DiskWrittenPerSecond),
            guest.Started is { } started ? Uptime(now - started) : "-",
        ]).Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(column => table.Max(cells => cells[column].Length)).ToArray();
        var state = Array.IndexOf(header, "STATE");
        var history = Array.IndexOf(header, "CPU HISTORY");
        string Line(string[] cells) => string.Join(' ', cells.Select((cell, column) =>
            column <= state || column == history ? cell.PadRight(widths[column]) : cell.PadLeft(widths[column]))).TrimEnd();
        // A guest's problem (its host did not answer, its files are broken) on a line of its own under its row.
        var lines = sorted.Zip(table.Skip(1)).SelectMany(row => row.First.Problem is { } problem
            ? [Line(row.Second), "  " + TerminalText.Escape(problem)] : new[] { Line(row.Second) }).Prepend(Line(header));
        var running = _guests.Count(guest => guest.Running);
        // What changes with a key first, so that a narrow terminal still shows it.
        var title = $"miniguest top, by {SortKeys.Single(key => key.Sort == Sort).Name}, every {interval.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s: " +
            $"{_guests.Count} guest{(_guests.Count == 1 ? "" : "s")}, {running} running, " +
            $"CPU {_guests.Sum(guest => guest.CpuPercent ?? 0).ToString("0.0", CultureInfo.InvariantCulture)}% of a core";
        var keys = "q quit  " + string.Join("  ", SortKeys.Select(key => $"{key.Key} {key.Name}"));
        var body = lines.Take(Math.Max(rows - 3, 1));
        return [.. new[] { title }.Concat(body).Append("").Append(keys).Take(Math.Max(rows, 1)).Select(line => Fit(line, columns))];
    }

    /// <summary>The rows in the order chosen: the largest first (the newest start, for uptime: the shortest), then the
    /// running, then by name.</summary>
    private IEnumerable<GuestStats> Sorted()
    {
        Func<GuestStats, double> value = Sort switch
        {
            TopSort.Memory => guest => (double?)guest.MemoryBytes ?? -1,
            TopSort.Network => guest => (guest.NetworkReceivedPerSecond ?? 0) + (guest.NetworkSentPerSecond ?? 0) - (guest.Running ? 0 : 1),
            TopSort.Disk => guest => (guest.DiskReadPerSecond ?? 0) + (guest.DiskWrittenPerSecond ?? 0) - (guest.Running ? 0 : 1),
            TopSort.Uptime => guest => guest.Started?.ToUnixTimeMilliseconds() ?? long.MinValue,
            TopSort.Name => _ => 0,
            _ => guest => guest.CpuPercent ?? -1,
        };
        return _guests.OrderByDescending(value).ThenByDescending(guest => guest.Running).ThenBy(guest => guest.Name, StringComparer.Ordinal)
            .ThenBy(guest => guest.Host, StringComparer.Ordinal);
    }

    private string Sparkline(GuestStats guest)
    {
        var history = _history.GetValueOrDefault(Key(guest));
        if (history is null || !guest.Running)
        {
            return "";
        }
        // Scaled to one core: a guest on several shows its full height from one core's worth up.
        return string.Concat(history.Select(percent => percent is { } value
            ? Levels[(int)Math.Clamp(Math.Round(value / 100 * (Levels.Length - 1)), 0, Levels.Length - 1)]
            : ' ')).PadLeft(HistoryLength);
    }

    private static string Key(GuestStats guest) => guest.Host + "\0" + guest.Name;

    /// <summary>A duration as <c>top</c> shows it: <c>45s</c>, <c>12m</c>, <c>3h05m</c>, <c>2d04h</c>.</summary>
    internal static string Uptime(TimeSpan time) => time switch
    {
        { TotalSeconds: < 0 } => "0s",
        { TotalMinutes: < 1 } => $"{(int)time.TotalSeconds}s",
        { TotalHours: < 1 } => $"{(int)time.TotalMinutes}m",
        { TotalDays: < 1 } => $"{(int)time.TotalHours}h{time.Minutes:00}m",
        _ => $"{(int)time.TotalDays}d{time.Hours:00}h",
    };

    // A line cut to the terminal's width, so that no line wraps and scrolls the screen.
    private static string Fit(string line, int columns)
    {
        var fitted = new StringBuilder();
        foreach (var rune in line.EnumerateRunes().Take(columns))
        {
            fitted.Append(rune.ToString());
        }
        return fitted.ToString();
    }
}

/// <summary>The columns <c>miniguest top</c> sorts by.</summary>
internal enum TopSort
{
    Cpu,
    Memory,
    Network,
    Disk,
    Uptime,
    Name,
}
