using System.CommandLine;
using Microsoft.Extensions.Logging;
using Miniguest.Core;

namespace Miniguest.Cli.Commands;

/// <summary><c>miniguest agent</c>, hidden: what another host's <c>miniguest</c> runs here over SSH to work on the guests it
/// puts here (<see cref="MiniguestAgent"/>). Its standard streams are the protocol's; its log goes to standard error.</summary>
internal static class AgentCommand
{
    public static Command Create()
    {
        var protocol = new Option<int>("--protocol")
        {
            Description = "The protocol the asking miniguest speaks",
            HelpName = "N",
            Required = true,
            CustomParser = result => OptionParsers.AtLeast(result, 1, "protocol"),
        };
        var command = new Command("agent", "Serve another host's miniguest over standard input and output") { protocol };
        command.Hidden = true;
        command.SetAction(async (parse, cancellationToken) =>
        {
            var level = parse.GetValue(GlobalOptions.Verbose) ? LogLevel.Debug : LogLevel.Warning;
            using var loggers = new LoggerFactory([new StderrLoggerProvider(level, parse.InvocationConfiguration.Error)],
                new LoggerFilterOptions { MinLevel = level });
            using var input = new StreamReader(StandardStreams.OpenInput(), new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            return await MiniguestAgent.RunAsync(input, parse.InvocationConfiguration.Output, parse.GetRequiredValue(protocol),
                CliContext.NixSettingsFrom(MiniguestRootCommand.EnvironmentOf(parse)), loggers, cancellationToken);
        });
        return command;
    }
}
