using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

/// <summary>What the NixOS host module runs: brings the domains of declarative guests in line with the
/// configuration, and undefines those of guests it no longer declares.</summary>
internal static class ApplyCommand
{
    public static Command Create()
    {
        var manifest = new Option<string>("--manifest") { Description = "The manifest the host module wrote", Required = true };
        var command = new Command("apply", "Define, update and prune the domains of declarative guests (run by the NixOS host module)") { manifest };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var applied = await context.Host.ApplyAsync(DeclarativeManifest.Load(parse.GetRequiredValue(manifest)), cancellationToken);
            foreach (var (guest, uri) in applied)
            {
                await context.ReportAsync($"'{guest}': domain up to date on {uri}");
            }
            return CommandAction.Success;
        });
        return command;
    }
}
