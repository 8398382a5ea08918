using System.Globalization;

namespace Miniguest.Core;

/// <summary>When a running domain of this host's system daemon started: libvirt records no start time, so it is its
/// process's, found through the pid file libvirtd keeps for it (QEMU's, or the LXC controller's) under
/// <c>/run/libvirt</c>, which only root writes.</summary>
internal static class DomainStartTime
{
    // USER_HZ: /proc counts a process's start in these; Linux's ABI fixes it at 100 on every architecture .NET runs on.
    private const double TicksPerSecond = 100;

    private static readonly Lazy<long?> BootTime = new(ReadBootTime);

    /// <summary>When domain <paramref name="name"/> of <paramref name="uri"/> started; <see langword="null"/> for a URI of
    /// another daemon (a session's, another host's), or when its process is not found.</summary>
    public static DateTimeOffset? Of(string uri, string name)
    {
        var directory = uri switch
        {
            "qemu:///system" => "/run/libvirt/qemu",
            "lxc:///" or "lxc:///system" => "/run/libvirt/lxc",
            _ => null,
        };
        if (directory is null || BootTime.Value is not { } boot)
        {
            return null;
        }
        try
        {
            if (!int.TryParse(File.ReadAllText(Path.Combine(directory, name + ".pid")).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                return null;
            }
            var ticks = StartTicks(File.ReadAllText($"/proc/{pid}/stat"));
            return ticks is { } started ? DateTimeOffset.FromUnixTimeMilliseconds(boot * 1000 + (long)(started / TicksPerSecond * 1000)) : null;
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Field 22 of a <c>/proc/PID/stat</c> line, the process's start in ticks since boot; the second field (the
    /// command's name, in parentheses) may hold spaces and parentheses itself, so fields are counted from its last ')'.</summary>
    internal static long? StartTicks(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // fields[0] is field 3 (the state).
        return fields.Length > 19 && long.TryParse(fields[19], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) ? ticks : null;
    }

    // The boot's time in seconds since the epoch: /proc/stat's btime line.
    private static long? ReadBootTime()
    {
        try
        {
            return File.ReadLines("/proc/stat").Where(line => line.StartsWith("btime ", StringComparison.Ordinal))
                .Select(line => long.TryParse(line.AsSpan(6), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) ? seconds : (long?)null)
                .FirstOrDefault();
        }
        catch (IOException)
        {
            return null;
        }
    }
}
