using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class ListCommand
{
    public static Command Create()
    {
        var names = new Argument<string[]>("NAME") { Description = "Only these guests (default: every guest)", Arity = ArgumentArity.ZeroOrMore };
        var running = new Option<bool>("--running") { Description = "Only the guests that run" };
        var host = new Option<string?>("--host") { Description = "Only the guests that live on this other host (as the HOST column names it)", HelpName = "HOST" };
        var json = GlobalOptions.Json();
        var command = new Command("list", "List the guests, their generations and the state of their domains") { names, running, host, json };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var asJson = parse.GetValue(json);
            // The table shows no store protection: only JSON pays for assessing it.
            var guests = await context.Host.ListAsync(withProtection: asJson, cancellationToken);
            var named = parse.GetValue(names) ?? [];
            if (named.FirstOrDefault(name => guests.All(guest => guest.Name != name)) is { } unknown)
            {
                throw new GuestNotFoundException(unknown);
            }
            var rows = guests
                .Where(guest => (named.Length == 0 || named.Contains(guest.Name)) && (!parse.GetValue(running) || guest.Running == true)
                    && (parse.GetValue(host) is not { } other || guest.Host == other))
                .Select(Row).ToList();
            if (asJson)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(rows, CliJsonContext.Output.ListGuestJson));
                return CommandAction.Success;
            }
            // Each column as wide as its longest entry, so that long names and sources never shift the others.
            // A HOST column where some guest lives on another host: a single host's table stays as it always was.
            var hosts = rows.Any(row => row.Host is not null);
            // STATUS says whether the domain runs (current, outdated) or not (stopped); RUNNING which generation it runs.
            string[] header = ["NAME", .. hosts ? ["HOST"] : Array.Empty<string>(), "TYPE", "STATUS", "GEN", "RUNNING", "AUTO", "ADDRESS", "SOURCE"];
            var table = rows.Select(row => (string[])
            [
                row.Name, .. hosts ? [row.Host ?? "-"] : Array.Empty<string>(), row.GuestType ?? "?", row.Status, Number(row.Generation),
                Number(row.RunningGeneration), row.Autostart switch { true => "yes", false => "no", null => "-" }, Address(row.Addresses), Source(row),
            ]).Prepend(header).ToList();
            var widths = Enumerable.Range(0, header.Length).Select(column => table.Max(cells => cells[column].Length)).ToArray();
            var numbers = new[] { Array.IndexOf(header, "GEN"), Array.IndexOf(header, "RUNNING") };
            // The table in one write: standard output is flushed at each write, a system call each.
            await context.Out.WriteAsync(string.Concat(table.Select(cells => string.Join(' ', cells.Select((cell, column) =>
                column == cells.Length - 1 ? cell : numbers.Contains(column) ? cell.PadLeft(widths[column]) : cell.PadRight(widths[column]))).TrimEnd()
                + context.Out.NewLine)));
            return CommandAction.Success;
        });
        return command;
    }

    // The first address, and how many more there are; the rest are for address NAME and --json.
    private static string Address(IReadOnlyList<string> addresses) => addresses switch
    {
        [] => "-",
        [var only] => Bare(only),
        [var first, ..] => $"{Bare(first)} (+{addresses.Count - 1})",
    };

    private static string Bare(string address) => address.Split('/')[0];

    private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "-";

    // What is wrong with a broken or foreign guest; else FLAKEREF#ATTR as it was given to install, or where a declared one
    // comes from.
    internal static string Source(GuestJson row) =>
        row.Error is { } problem ? TerminalText.Escape(problem)
        : row.FlakeRef is { } flake ? $"{flake}#{(row.AttrPath is { } path ? InstallableReference.AttributeOf(path) ?? path : "")}"
        : row.Declarative ? "(declarative)" : "";

    internal static GuestJson Row(GuestListing guest) => new()
    {
        Name = guest.Name,
        Declarative = guest.Declarative,
        GuestType = guest.Type is { } type ? Words.Of(type) : null,
        FlakeRef = guest.Source?.OriginalUrl,
        ResolvedRef = guest.Source?.ResolvedUrl,
        AttrPath = guest.Source?.AttrPath,
        Generation = guest.Generation,
        RunningGeneration = guest.RunningGeneration,
        Autostart = guest.Autostart,
        StorePath = guest.StorePath,
        Uri = guest.Uri,
        Host = guest.Host,
        DomainState = guest.Running switch { true => "running", false => "shutoff", null => null },
        Status = Words.Of(guest.Status),
        StoreProtection = guest.StoreProtection is { } protection ? Words.Of(protection) : null,
        ConsoleLog = guest.ConsoleLog,
        Addresses = guest.Addresses?.Select(address => address.ToString()).ToList() ?? [],
        Interfaces = guest.Interfaces?.Select(nic => new InterfaceJson(nic.MacAddress,
            nic.Attachment.Type == AttachmentType.Network ? nic.Attachment.Source : null,
            nic.Attachment.Type == AttachmentType.Bridge ? nic.Attachment.Source : null)).ToList() ?? [],
        FreePageReporting = guest.FreePageReporting,
        HostNetwork = guest.HostNetwork,
        MemoryMiB = guest.MemoryMiB,
        VCpus = guest.VCpus,
        Shares = guest.Shares?.Select(share => new ShareJson(share.Tag, share.MountPoint, share.Source!, share.ReadOnly)).ToList() ?? [],
        Volumes = guest.Volumes?.Select(volume => new VolumeJson(volume.Volume.Name, volume.Volume.MountPoint, volume.Volume.SizeMiB,
            volume.Volume.FsType, volume.File, volume.ApparentBytes, volume.AllocatedBytes)).ToList() ?? [],
        Error = guest.Problem,
    };
}
