using System.CommandLine;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Cli.Commands;

internal static class ListCommand
{
    public static Command Create()
    {
        var json = GlobalOptions.Json();
        var command = new Command("list", "List the guests, their generations and the state of their domains") { json };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var rows = new List<GuestJson>();
            var connections = new Dictionary<string, Connection?>(StringComparer.Ordinal);
            try
            {
                foreach (var name in context.Store.Names())
                {
                    rows.Add(Describe(context, context.Store.Get(name), connections));
                }
            }
            finally
            {
                foreach (var connection in connections.Values)
                {
                    connection?.Dispose();
                }
            }
            if (parse.GetValue(json))
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(rows, CliJsonContext.Output.ListGuestJson));
                return CommandAction.Success;
            }
            await context.Out.WriteLineAsync($"{"NAME",-20} {"TYPE",-9} {"GEN",4} {"DOMAIN",-9} {"STATUS",-12} SOURCE");
            foreach (var row in rows)
            {
                await context.Out.WriteLineAsync(
                    $"{row.Name,-20} {row.GuestType ?? "?",-9} {row.Generation?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-",4} {row.DomainState ?? "-",-9} {row.Status,-12} {row.FlakeRef ?? row.Error ?? (row.Declarative ? "(declarative)" : "")}");
            }
            return CommandAction.Success;
        });
        return command;
    }

    private static GuestJson Describe(CliContext context, Guest guest, Dictionary<string, Connection?> connections)
    {
        GuestSystem? system = null;
        FlakeSource? source = null;
        string? error = null;
        try
        {
            source = guest.Source;
            system = guest.LoadSystem();
        }
        catch (GuestFileException e)
        {
            error = e.Message;
        }
        var row = new GuestJson
        {
            Name = guest.Name,
            Declarative = !guest.IsImperative,
            FlakeRef = source?.OriginalUrl,
            ResolvedRef = source?.ResolvedUrl,
            AttrPath = source?.AttrPath,
            Generation = guest.Profile.Current?.Number,
            StorePath = guest.StorePath,
            GuestType = system?.Config.GuestType switch { GuestType.Qemu => "vm", GuestType.Lxc => "container", _ => null },
            Status = "not defined",
            Error = error,
        };
        if (system is null)
        {
            return row with { Status = "broken" };
        }
        var uri = context.Domains.UriFor(guest, context.Connect);
        if (!connections.TryGetValue(uri, out var connection))
        {
            try
            {
                connection = Connection.OpenReadOnly(uri);
            }
            catch (LibvirtException e)
            {
                context.Logger.LogWarning("Cannot reach {Uri}: {Message}", uri, e.Message);
                connection = null;
            }
            connections[uri] = connection;
        }
        if (connection is null)
        {
            return row with { Uri = uri, Status = "unknown" };
        }
        try
        {
            using var domain = GuestDomains.Find(connection, guest.Name);
            var status = GuestDomains.Status(domain, guest);
            return row with
            {
                Uri = uri,
                DomainState = domain?.GetState().State.ToString().ToLowerInvariant(),
                Autostart = domain?.Autostart,
                Status = status switch
                {
                    GuestStatus.NotDefined => "not defined",
                    GuestStatus.Stopped => "stopped",
                    GuestStatus.Current => "current",
                    _ => "outdated",
                },
                ConsoleLog = system.Config.GuestType == GuestType.Qemu && domain is not null ? context.Paths.ConsoleLog(guest.Name) : null,
            };
        }
        catch (ForeignDomainException e)
        {
            return row with { Uri = uri, Status = "foreign", Error = e.Message };
        }
    }
}
