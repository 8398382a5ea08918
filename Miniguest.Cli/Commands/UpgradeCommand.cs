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
            if (!parse.GetValue(all))
            {
                var guestName = parse.GetValue(name)!;
                (UpgradeResult Upgrade, DomainResync? Domain) upgraded;
                using (var progress = context.BuildProgress())
                {
                    upgraded = await context.Host.UpgradeAsync(guestName, parse.GetValue(buildOnTarget), progress, cancellationToken);
                }
                await ReportAsync(context, guestName, upgraded.Upgrade, upgraded.Domain);
                return CommandAction.Success;
            }
            var plan = await context.Host.PlanUpgradeAllAsync(cancellationToken);
            foreach (var skipped in plan.Skipped)
            {
                WarnSkipped(context, skipped);
            }
            await context.ReportAsync(plan.Guests.Count == 0 ? "no guest installed with miniguest install" : "upgrading: " + string.Join(", ", plan.Guests));
            await foreach (var guest in context.Host.UpgradeAllAsync(plan, parse.GetValue(buildOnTarget), _ => context.BuildProgress(), cancellationToken))
            {
                if (guest.Skipped is { } skipped)
                {
                    WarnSkipped(context, skipped);
                }
                else
                {
                    await ReportAsync(context, guest.Name, guest.Upgrade!, guest.Domain);
                }
            }
            return CommandAction.Success;
        });
        return command;
    }

    private static void WarnSkipped(CliContext context, SkippedGuest skipped) =>
        context.Logger.LogWarning("skipping '{Guest}': {Problem}", skipped.Name, skipped.Problem);

    private static async Task ReportAsync(CliContext context, string guestName, UpgradeResult result, DomainResync? domain)
    {
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
}
