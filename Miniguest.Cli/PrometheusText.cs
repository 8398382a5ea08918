using System.Globalization;
using System.Text;
using Miniguest.Core;

namespace Miniguest.Cli;

/// <summary>The guests' load in Prometheus's text exposition format (version 0.0.4), for node_exporter's textfile collector
/// or a timer: one family a metric, with its HELP and TYPE, one sample a guest, labelled by guest, type and host (empty for
/// this host). Counters are the domain's own (Prometheus makes the rates); a guest not running has only
/// <c>miniguest_guest_running 0</c>.</summary>
internal static class PrometheusText
{
    private sealed record Family(string Name, string Type, string Help, Func<GuestStats, double?> Value);

    private static readonly Family[] Families =
    [
        new("miniguest_guest_running", "gauge", "Whether the guest's domain runs (1) or not (0).", stats => stats.Running ? 1 : 0),
        new("miniguest_guest_start_time_seconds", "gauge", "When the guest's domain started, in seconds since the epoch (this host's guests).",
            stats => stats.Started?.ToUnixTimeMilliseconds() / 1000.0),
        new("miniguest_guest_cpu_seconds_total", "counter", "CPU time the guest has used, in seconds.", stats => stats.CpuSeconds),
        new("miniguest_guest_memory_bytes", "gauge", "Memory the host really holds for the guest, in bytes.", stats => stats.MemoryBytes),
        new("miniguest_guest_memory_given_bytes", "gauge", "Memory the guest was given, in bytes.", stats => stats.MemoryGivenBytes),
        new("miniguest_guest_network_receive_bytes_total", "counter", "Bytes the guest's interfaces have received.", stats => stats.NetworkReceivedBytes),
        new("miniguest_guest_network_transmit_bytes_total", "counter", "Bytes the guest's interfaces have sent.", stats => stats.NetworkSentBytes),
        new("miniguest_guest_disk_read_bytes_total", "counter", "Bytes the guest's disks have read.", stats => stats.DiskReadBytes),
        new("miniguest_guest_disk_written_bytes_total", "counter", "Bytes the guest's disks have written.", stats => stats.DiskWrittenBytes),
    ];

    /// <summary>The exposition of <paramref name="guests"/>.</summary>
    public static string Of(IEnumerable<GuestStats> guests)
    {
        var all = guests.ToList();
        var text = new StringBuilder();
        foreach (var family in Families)
        {
            text.Append("# HELP ").Append(family.Name).Append(' ').Append(family.Help).Append('\n');
            text.Append("# TYPE ").Append(family.Name).Append(' ').Append(family.Type).Append('\n');
            foreach (var guest in all)
            {
                if (family.Value(guest) is { } value)
                {
                    text.Append(family.Name).Append("{guest=\"").Append(Label(guest.Name)).Append("\",type=\"")
                        .Append(guest.Type is { } type ? Words.Of(type) : "").Append("\",host=\"").Append(Label(guest.Host ?? ""))
                        .Append("\"} ").Append(value.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
                }
            }
        }
        return text.ToString();
    }

    // A label value as the format escapes it: backslash, double quote and line feed.
    private static string Label(string value) =>
        value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
