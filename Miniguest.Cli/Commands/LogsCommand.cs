using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

/// <summary><c>miniguest logs NAME</c>: a VM's console log, the guest's boot and whatever it wrote to its console since.</summary>
internal static class LogsCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The guest (a VM: a container's console is miniguest console NAME)" };
        var follow = new Option<bool>("--follow", "-f") { Description = "Go on printing lines as the guest writes them, until Ctrl+C" };
        var lines = new Option<int?>("--lines", "-n")
        {
            Description = "Print only the last N lines",
            HelpName = "N",
            CustomParser = result => OptionParsers.AtLeast(result, 0, "lines"),
        };
        var command = new Command("logs", "Print a VM's console log: its boot, and what it wrote to its console since it last started")
        {
            name, follow, lines,
        };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var following = parse.GetValue(follow);
            try
            {
                // The guest wrote it: its colours and cursor moves are left out, any other control character escaped.
                await foreach (var line in context.Host.ConsoleLogAsync(parse.GetRequiredValue(name), parse.GetValue(lines), following, cancellationToken))
                {
                    await context.Out.WriteLineAsync(TerminalText.Readable(line));
                }
            }
            catch (OperationCanceledException) when (following && cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C is how following ends.
            }
            return CommandAction.Success;
        });
        return command;
    }
}
