using System.CommandLine;
using Microsoft.Extensions.Logging;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class UpgradeCommand
{
    public static Command Create()
    {
        var names = new Argument<string[]>("NAME") { Description = "The guests to upgrade", Arity = ArgumentArity.ZeroOrMore };
        var all = new Option<bool>("--all") { Description = "Upgrade every guest installed with miniguest install" };
        var restart = new Option<bool>("--restart")
        {
            Description = $"Restart each running guest the upgrade moved to a new generation (given {Shutdown.DefaultTimeoutSeconds} s to shut down, as restart does)",
        };
        var buildOnTarget = new Option<bool>("--build-on-target")
        {
            Description = "Build a guest that lives on another host there (evaluated here), and bring the build back for its profile",
        };
        var switching = SwitchCommand.AfterOption();
        var command = new Command("upgrade", "Rebuild guests from their flakes where the flake changed, each as a new generation")
        {
            names, all, restart, switching, buildOnTarget,
        };
        command.Validators.Add(result =>
        {
            var named = result.GetValue(names) is { Length: > 0 };
            if (named == result.GetValue(all))
            {
                result.AddError(named ? "give a guest NAME or --all, not both" : "give a guest NAME or --all");
            }
            if (result.GetValue(restart) && result.GetValue(switching))
            {
                result.AddError("give --restart or --switch, not both");
            }
        });
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var (restarting, switchingTo) = (parse.GetValue(restart), parse.GetValue(switching));
            if (!parse.GetValue(all))
            {
                return await EachGuest.RunAsync(context, parse.GetRequiredValue(names), async guestName =>
                {
                    (UpgradeResult Upgrade, DomainResync? Domain) upgraded;
                    using (var progress = context.BuildProgress())
                    {
                        upgraded = await context.Host.UpgradeAsync(guestName, parse.GetValue(buildOnTarget), progress, cancellationToken);
                    }
                    await ReportAsync(context, guestName, upgraded.Upgrade, upgraded.Domain, restarting, switchingTo, cancellationToken);
                });
            }
            var plan = await context.Host.PlanUpgradeAllAsync(cancellationToken);
            foreach (var skipped in plan.Skipped)
            {
                WarnSkipped(context, skipped);
            }
            await context.ReportAsync(plan.Guests.Count == 0 ? "no guest installed with miniguest install" : "upgrading: " + string.Join(", ", plan.Guests));
            var followed = true;
            await foreach (var guest in context.Host.UpgradeAllAsync(plan, parse.GetValue(buildOnTarget), _ => context.BuildProgress(), cancellationToken))
            {
                if (guest.Skipped is { } skipped)
                {
                    WarnSkipped(context, skipped);
                    continue;
                }
                try
                {
                    await ReportAsync(context, guest.Name, guest.Upgrade!, guest.Domain, restarting, switchingTo, cancellationToken);
                }
                catch (MiniguestException e)
                {
                    // One guest that does not restart or switch leaves the others to go on: its upgrade itself stands.
                    await context.Error.WriteLineAsync(CommandAction.ErrorLine(e, guest.Name));
                    followed = false;
                }
            }
            return followed ? CommandAction.Success : CommandAction.Failure;
        });
        return command;
    }

    private static void WarnSkipped(CliContext context, SkippedGuest skipped) =>
        context.Logger.LogWarning("skipping '{Guest}': {Problem}", skipped.Name, skipped.Problem);

    // What the upgrade did; then, with restart, the guest restarted where it runs another generation than its new one, or
    // with switch, switched to it.
    private static async Task ReportAsync(CliContext context, string guestName, UpgradeResult result, DomainResync? domain, bool restart,
        bool switching, CancellationToken cancellationToken)
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
        if (restart && domain is { RunsOtherGeneration: true })
        {
            var stopped = await context.Host.RestartAsync(guestName, TimeSpan.FromSeconds(Shutdown.DefaultTimeoutSeconds), force: false, cancellationToken);
            await context.ReportAsync(Shutdown.Told(guestName, stopped, Shutdown.DefaultTimeoutSeconds, restarted: true));
            return;
        }
        await DomainSync.FollowAsync(context, guestName, domain, switching, cancellationToken);
    }
}
