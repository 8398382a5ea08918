using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class ListCommand
{
    public static Command Create()
    {
        var json = GlobalOptions.Json();
        var command = new Command("list", "List the guests, their generations and the state of their domains") { json };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var asJson = parse.GetValue(json);
            // The table shows no store protection: only JSON pays for assessing it.
            var guests = await context.Host.ListAsync(withProtection: asJson, cancellationToken);
            var rows = guests.Select(Row).ToList();
            if (asJson)
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(rows, CliJsonContext.Output.ListGuestJson));
                return CommandAction.Success;
            }
            await context.Out.WriteLineAsync($"{"NAME",-20} {"TYPE",-9} {"GEN",4} {"DOMAIN",-9} {"STATUS",-12} SOURCE");
            foreach (var row in rows)
            {
                await context.Out.WriteLineAsync(
                    $"{row.Name,-20} {row.GuestType ?? "?",-9} {row.Generation?.ToString(CultureInfo.InvariantCulture) ?? "-",4} {row.DomainState ?? "-",-9} {row.Status,-12} {row.FlakeRef ?? row.Error ?? (row.Declarative ? "(declarative)" : "")}");
            }
            return CommandAction.Success;
        });
        return command;
    }

    private static GuestJson Row(GuestListing guest) => new()
    {
        Name = guest.Name,
        Declarative = guest.Declarative,
        GuestType = guest.Type switch { GuestType.Qemu => "vm", GuestType.Lxc => "container", _ => null },
        FlakeRef = guest.Source?.OriginalUrl,
        ResolvedRef = guest.Source?.ResolvedUrl,
        AttrPath = guest.Source?.AttrPath,
        Generation = guest.Generation,
        StorePath = guest.StorePath,
        Uri = guest.Uri,
        DomainState = guest.Running switch { true => "running", false => "shutoff", null => null },
        Status = guest.Status switch
        {
            GuestListStatus.Broken => "broken",
            GuestListStatus.Unknown => "unknown",
            GuestListStatus.Foreign => "foreign",
            GuestListStatus.NotDefined => "not defined",
            GuestListStatus.Stopped => "stopped",
            GuestListStatus.Current => "current",
            _ => "outdated",
        },
        StoreProtection = guest.StoreProtection?.ToString(),
        ConsoleLog = guest.ConsoleLog,
        Error = guest.Problem,
    };
}
