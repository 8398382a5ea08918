using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

internal static class UpgradeCommand
{
    public static Command Create()
    {
        var name = new Argument<string?>("NAME") { Description = "The guest to upgrade", Arity = ArgumentArity.ZeroOrOne };
        var all = new Option<bool>("--all") { Description = "Upgrade every guest installed with miniguest install" };
        var command = new Command("upgrade", "Rebuild a guest from its flake if the flake changed, as a new generation") { name, all };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(name) is null) == !result.GetValue(all))
            {
                result.AddError("give a guest NAME or --all, not both");
            }
        });
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var names = parse.GetValue(all)
                ? context.Store.Names().Where(n => context.Store.Get(n).IsImperative).ToList()
                : [parse.GetValue(name)!];
            foreach (var guestName in names)
            {
                (UpgradeResult, DomainResync?) upgraded;
                using (var progress = context.BuildProgress())
                {
                    upgraded = await context.Host.UpgradeAsync(guestName, progress, cancellationToken);
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
                        foreach (var change in result.Changes)
                        {
                            await context.ReportAsync("  " + change);
                        }
                        break;
                }
                DomainSync.Report(context, guestName, domain);
            }
            return CommandAction.Success;
        });
        return command;
    }
}
