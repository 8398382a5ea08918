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
            var names = context.Store.Names();
            if (names.Count == 0 && context.Connect is not null)
            {
                // Nothing to survey, but a URI given is still checked: a wrong one is an error, not an empty table.
                using var _ = Connection.OpenReadOnly(context.Connect);
            }
            // Loading libvirt takes longer than reading the guests' files: start it now, on another thread. A failure
            // shows again, and is reported, when the survey connects. It is awaited before the end: a process that
            // exits while libvirt initialises can crash in its library constructors.
            var loading = names.Count > 0 ? Task.Run(LibvirtLibrary.Load, CancellationToken.None) : Task.CompletedTask;
            var guestNames = names.ToHashSet(StringComparer.Ordinal);
            var asJson = parse.GetValue(json);
            // Each URI is surveyed on a thread of its own from the moment the first guest on it is read: loading
            // libvirt and asking libvirtd take longer than reading the guests' files, which goes on meanwhile.
            var surveys = new Dictionary<string, Task<IReadOnlyDictionary<string, GuestDomainInfo>?>>(StringComparer.Ordinal);
            Task<IReadOnlyDictionary<string, GuestDomainInfo>?> SurveyOf(string uri)
            {
                if (!surveys.TryGetValue(uri, out var survey))
                {
                    // The table shows no store protection: only JSON pays for assessing it.
                    survey = Task.Run(() => Survey(context, uri, guestNames, withProtection: asJson), cancellationToken);
                    surveys[uri] = survey;
                }
                return survey;
            }
            var read = names.Select(name => Read(context, name, SurveyOf)).ToList();
            var rows = new List<GuestJson>(read.Count);
            foreach (var (row, survey) in read)
            {
                rows.Add(survey is null ? row : WithDomain(context, row, await survey));
            }
            await loading.ContinueWith(_ => { }, TaskScheduler.Default);
            if (asJson)
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

    // One URI's survey; null when libvirt cannot be reached there (a warning, and the guests still listed).
    private static IReadOnlyDictionary<string, GuestDomainInfo>? Survey(CliContext context, string uri, IReadOnlySet<string> names,
        bool withProtection)
    {
        try
        {
            using var connection = Connection.OpenReadOnly(uri);
            return context.Domains.Survey(connection, names, withProtection);
        }
        catch (LibvirtException e)
        {
            context.Logger.LogWarning("Cannot reach {Uri}: {Message}", uri, e.Message);
            return null;
        }
    }

    // What the guest's files say, and the survey of the URI its domain lives on (none for a broken guest).
    private static (GuestJson Row, Task<IReadOnlyDictionary<string, GuestDomainInfo>?>? Survey) Read(CliContext context,
        string name, Func<string, Task<IReadOnlyDictionary<string, GuestDomainInfo>?>> surveyOf)
    {
        Guest? guest = null;
        GuestConfig? config = null;
        FlakeSource? source = null;
        Generation? generation = null;
        string? storePath = null;
        string? error = null;
        // A broken guest (a profile gone, a file corrupt or out of the store) is a row saying so, never the end of
        // the listing.
        try
        {
            guest = context.Store.Get(name);
            source = guest.Source;
            generation = guest.Profile.Current;
            storePath = guest.StorePath;
            // The configuration says all list shows; create and start check the rest of the build output.
            config = guest.LoadConfig();
        }
        catch (GuestNotFoundException)
        {
            error = $"{context.Paths.Link(name)} leads to the profile {context.Paths.Profile(name)}, which does not exist";
        }
        catch (Exception e) when (e is GuestFileException or IOException or UnauthorizedAccessException)
        {
            error = e.Message;
        }
        var row = new GuestJson
        {
            Name = name,
            Declarative = guest is { IsImperative: false },
            FlakeRef = source?.OriginalUrl,
            ResolvedRef = source?.ResolvedUrl,
            AttrPath = source?.AttrPath,
            Generation = generation?.Number,
            StorePath = storePath,
            GuestType = config?.GuestType switch { GuestType.Qemu => "vm", GuestType.Lxc => "container", _ => null },
            Status = config is null ? "broken" : "not defined",
            Error = error,
        };
        if (guest is null || config is null)
        {
            return (row, null);
        }
        var uri = context.Domains.UriFor(guest, context.Connect);
        return (row with { Uri = uri }, surveyOf(uri));
    }

    // The row completed with what the survey found of the guest's domain.
    private static GuestJson WithDomain(CliContext context, GuestJson row, IReadOnlyDictionary<string, GuestDomainInfo>? domains)
    {
        if (domains is null)
        {
            return row with { Status = "unknown" };
        }
        if (!domains.TryGetValue(row.Name, out var domain))
        {
            return row;
        }
        if (!domain.DefinedByMiniguest)
        {
            return row with { Status = "foreign", Error = $"domain '{row.Name}' on {row.Uri} was not defined by Miniguest" };
        }
        return row with
        {
            DomainState = domain.IsActive ? "running" : "shutoff",
            StoreProtection = domain.Protection?.ToString(),
            ConsoleLog = row.GuestType == "vm" ? context.Paths.ConsoleLog(row.Name) : null,
            Status = GuestDomains.Status(domain, row.StorePath) switch
            {
                GuestStatus.NotDefined => "not defined",
                GuestStatus.Stopped => "stopped",
                GuestStatus.Current => "current",
                _ => "outdated",
            },
        };
    }
}
