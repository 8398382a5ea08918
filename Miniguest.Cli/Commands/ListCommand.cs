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
            var guests = context.Store.Names().Select(context.Store.Get).ToList();
            var rows = new List<GuestJson>();
            var surveys = new Dictionary<string, IReadOnlyDictionary<string, GuestDomainInfo>?>(StringComparer.Ordinal);
            var names = guests.Select(g => g.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var guest in guests)
            {
                // The table shows no store protection: only JSON pays for assessing it.
                rows.Add(Describe(context, guest, uri => Survey(context, uri, names, parse.GetValue(json), surveys)));
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

    // One survey a URI; null when libvirt cannot be reached there (a warning, and the guests still listed).
    private static IReadOnlyDictionary<string, GuestDomainInfo>? Survey(CliContext context, string uri, IReadOnlySet<string> names,
        bool withProtection, Dictionary<string, IReadOnlyDictionary<string, GuestDomainInfo>?> surveys)
    {
        if (!surveys.TryGetValue(uri, out var survey))
        {
            try
            {
                using var connection = Connection.OpenReadOnly(uri);
                survey = GuestDomains.Survey(connection, names, withProtection);
            }
            catch (LibvirtException e)
            {
                context.Logger.LogWarning("Cannot reach {Uri}: {Message}", uri, e.Message);
                survey = null;
            }
            surveys[uri] = survey;
        }
        return survey;
    }

    private static GuestJson Describe(CliContext context, Guest guest, Func<string, IReadOnlyDictionary<string, GuestDomainInfo>?> survey)
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
        if (survey(uri) is not { } domains)
        {
            return row with { Uri = uri, Status = "unknown" };
        }
        if (!domains.TryGetValue(guest.Name, out var domain))
        {
            return row with { Uri = uri };
        }
        if (domain.Metadata is null)
        {
            return row with { Uri = uri, Status = "foreign", Error = $"domain '{guest.Name}' on {uri} was not defined by Miniguest" };
        }
        return row with
        {
            Uri = uri,
            DomainState = domain.IsActive ? "running" : "shutoff",
            StoreProtection = domain.Protection?.ToString(),
            Status = GuestDomains.Status(domain, guest) switch
            {
                GuestStatus.NotDefined => "not defined",
                GuestStatus.Stopped => "stopped",
                GuestStatus.Current => "current",
                _ => "outdated",
            },
            ConsoleLog = system.Config.GuestType == GuestType.Qemu ? context.Paths.ConsoleLog(guest.Name) : null,
        };
    }
}
