using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

/// <summary><c>miniguest stats [NAME…]</c>: what the guests do to their hosts, for scripts: a table (the busiest first),
/// <c>--json</c>, or <c>--prometheus</c>'s text exposition format.</summary>
internal static class StatsCommand
{
    public static Command Create()
    {
        var names = new Argument<string[]>("NAME") { Description = "The guests (default: every guest)", Arity = ArgumentArity.ZeroOrMore };
        var json = GlobalOptions.Json();
        var prometheus = new Option<bool>("--prometheus")
        {
            Description = "Print Prometheus's text exposition format, one sample of the counters (node_exporter's textfile collector reads it)",
        };
        var interval = new Option<int>("--interval")
        {
            Description = "The seconds between the two samples the rates come from (default 1)",
            HelpName = "SECONDS",
            DefaultValueFactory = _ => 1,
            CustomParser = result => OptionParsers.AtLeast(result, 1, "seconds"),
        };
        var command = new Command("stats", "Show what each guest does to its host: CPU, memory held and given, network and disk, from libvirt's counters")
        {
            names, json, prometheus, interval,
        };
        command.Validators.Add(result =>
        {
            if (result.GetValue(json) && result.GetValue(prometheus))
            {
                result.AddError("give --json or --prometheus, not both");
            }
        });
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var asPrometheus = parse.GetValue(prometheus);
            // Prometheus makes the rates from the counters: one sample is enough.
            var stats = await context.Host.StatsAsync(parse.GetValue(names) ?? [],
                asPrometheus ? null : TimeSpan.FromSeconds(parse.GetValue(interval)), cancellationToken);
            if (asPrometheus)
            {
                await context.Out.WriteAsync(PrometheusText.Of(stats));
                return CommandAction.Success;
            }
            if (parse.GetValue(json))
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(stats.Select(GuestStatsJson.Of).ToList(), CliJsonContext.Output.ListGuestStatsJson));
                return CommandAction.Success;
            }
            await context.Out.WriteAsync(Table(stats, context.Out.NewLine));
            return CommandAction.Success;
        });
        return command;
    }

    // The busiest first, then the running, then by name; a column for the host where a guest lives on another.
    private static string Table(IReadOnlyList<GuestStats> stats, string newLine)
    {
        var withHost = stats.Any(guest => guest.Host is not null);
        string[] header = ["NAME", .. withHost ? ["HOST"] : Array.Empty<string>(), "TYPE", "STATE", "CPU%", "MEMORY", "GIVEN", "NET-IN/S", "NET-OUT/S",
            "DISK-READ/S", "DISK-WRITE/S"];
        var rows = stats.OrderByDescending(guest => guest.CpuPercent ?? -1).ThenByDescending(guest => guest.Running).ThenBy(guest => guest.Name, StringComparer.Ordinal)
            .Select(guest => (string[])[
                guest.Name, .. withHost ? [guest.Host ?? "-"] : Array.Empty<string>(), guest.Type is { } type ? Words.Of(type) : "-",
                guest.Problem is { } problem ? TerminalText.Escape(problem) : guest.Running ? "running" : "stopped",
                guest.CpuPercent is { } cpu ? cpu.ToString("0.0", CultureInfo.InvariantCulture) : "-",
                Size(guest.MemoryBytes), Size(guest.MemoryGivenBytes), Size(guest.NetworkReceivedPerSecond), Size(guest.NetworkSentPerSecond),
                Size(guest.DiskReadPerSecond), Size(guest.DiskWrittenPerSecond),
            ]).Prepend(header).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(column => rows.Max(cells => cells[column].Length)).ToArray();
        var state = Array.IndexOf(header, "STATE");
        return string.Concat(rows.Select(cells => string.Join(' ', cells.Select((cell, column) =>
            column <= state ? cell.PadRight(widths[column]) : cell.PadLeft(widths[column]))).TrimEnd() + newLine));
    }

    // Bytes (or bytes a second) in the largest unit that keeps a number of at least 1: 512K, 1.5G; "-" for none.
    internal static string Size(double? bytes)
    {
        if (bytes is not { } value)
        {
            return "-";
        }
        string[] units = ["", "K", "M", "G", "T"];
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return (unit == 0 || value >= 10 ? value.ToString("0", CultureInfo.InvariantCulture) : value.ToString("0.0", CultureInfo.InvariantCulture)) + units[unit];
    }
}
