using System.CommandLine;
using Microsoft.Extensions.Logging;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class UpgradeCommand
{
    public static Command Create()
    {
        var name = new Argument<string?>("NAME") { Description = "The guest to upgrade", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Upgrade every guest installed with miniguest install" };
        var buildOnTarget = new Option<bool>("--build-on-target")
        {
            Description = "Build a guest that lives on another host there (evaluated here), and bring the build back for its profile",
        };
        var command = new Command("upgrade", "Rebuild a guest from its flake if the flake changed, as a new generation") { name, all, buildOnTarget };
        command.Validators.Add(result =>
        {
            var named = result.GetValue(name) is not null;
            if (named == result.GetValue(all))
            {
                result.AddError(named ? "give a guest NAME or --all, not both" : "give a guest NAME or --all");
            }
        });
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var names = parse.GetValue(all) ? await InstalledGuestsAsync(context, cancellationToken) : [parse.GetValue(name)!];
            if (parse.GetValue(all))
            {
                await context.ReportAsync(names.Count == 0 ? "no guest installed with miniguest install" : "upgrading: " + string.Join(", ", names));
            }
            foreach (var guestName in names)
            {
                (UpgradeResult, DomainResync?) upgraded;
                try
                {
                    using var progress = context.BuildProgress();
                    upgraded = await context.Host.UpgradeAsync(guestName, parse.GetValue(buildOnTarget), progress, cancellationToken);
                }
                catch (GuestSourceNotRecordedException e) when (parse.GetValue(all))
                {
                    // The others are still upgraded: this one needs the admin to name its flake once more.
                    context.Logger.LogWarning("skipping '{Guest}': {Problem}", guestName, e.Message);
                    continue;
                }
                var (result, domain) = upgraded;
                switch (result.Outcome)
                {
                    case UpgradeOutcome.Locked:
                        await context.ReportAsync($"'{guestName}': installed from a locked reference; left as it is");
                        break;
                    case UpgradeOutcome.Unchanged:
                        await context.ReportAsync($"'{guestName}': up to date (generation {result.After?.Number})");
                        break;
                    case UpgradeOutcome.Upgraded:
                        await context.ReportAsync($"'{guestName}': generation {result.Before?.Number} -> {result.After?.Number}");
                        if (result.Changes.Count == 0)
                        {
                            await context.ReportAsync($"  no version changes; {result.NewPaths} new store path{(result.NewPaths == 1 ? "" : "s")}");
                        }
                        foreach (var change in result.Changes)
                        {
                            await context.ReportAsync("  " + ClosureChange.Readable(change));
                        }
                        break;
                }
                DomainSync.Report(context, guestName, domain);
            }
            return CommandAction.Success;
        });
        return command;
    }

    // The guests miniguest install made, here and on other hosts (a NixOS host's declared ones are the host's to upgrade);
    // a broken one is skipped with what is wrong with it, as the listing says, so that one stray link does not stop the
    // others.
    private static async Task<List<string>> InstalledGuestsAsync(CliContext context, CancellationToken cancellationToken)
    {
        var guests = new List<string>();
        foreach (var guest in await context.Host.ListAsync(cancellationToken: cancellationToken))
        {
            // A guest whose host does not answer now is skipped the same way: the others are still upgraded.
            if (guest.Status == GuestListStatus.Broken || (guest.Host is not null && guest.Status == GuestListStatus.Unknown))
            {
                context.Logger.LogWarning("skipping '{Guest}': {Problem}", guest.Name, guest.Problem);
            }
            else if (!guest.Declarative)
            {
                guests.Add(guest.Name);
            }
        }
        return guests;
    }
}
