using System.CommandLine;

namespace Miniguest.Cli.Commands;

internal static class RollbackCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The guest to roll back" };
        var to = new Option<int?>("--to")
        {
            Description = "The generation to go to (default: the one before the current)",
            HelpName = "N",
            CustomParser = result => OptionParsers.Generation(result),
        };
        to.CompletionSources.Add(context => MiniguestCommand.GenerationsOf(context.ParseResult, context.ParseResult.GetValue(name)));
        var switching = SwitchCommand.AfterOption();
        var command = new Command("rollback", "Point a guest at an earlier generation") { name, to, switching };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var guestName = parse.GetRequiredValue(name);
            var (generation, domain) = await context.Host.RollbackAsync(guestName, parse.GetValue(to), cancellationToken);
            await context.ReportAsync($"'{guestName}': now at generation {generation.Number}");
            await DomainSync.FollowAsync(context, guestName, domain, parse.GetValue(switching), cancellationToken);
            return CommandAction.Success;
        });
        return command;
    }
}
