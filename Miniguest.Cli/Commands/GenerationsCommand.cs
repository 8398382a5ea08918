using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Miniguest.Cli.Commands;

internal static class GenerationsCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The guest" };
        var json = GlobalOptions.Json();
        var command = new Command("generations", "List a guest's generations") { name, json };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var (all, current, running) = await context.Host.GenerationsAsync(parse.GetRequiredValue(name), cancellationToken);
            var generations = all
                .Select(g => GenerationJson.Of(g, current, running))
                .ToList();
            if (parse.GetValue(json))
            {
                await context.Out.WriteLineAsync(JsonSerializer.Serialize(generations, CliJsonContext.Output.ListGenerationJson));
                return CommandAction.Success;
            }
            foreach (var g in generations)
            {
                await context.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{g.Generation,5}  {g.Created.Replace('T', ' ').TrimEnd('Z')}  {g.StorePath}{(g.Current ? "  (current)" : "")}{(g.Running ? "  (running)" : "")}"));
            }
            return CommandAction.Success;
        });
        return command;
    }
}
