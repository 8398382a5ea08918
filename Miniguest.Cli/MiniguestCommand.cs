using System.CommandLine;
using System.CommandLine.Help;
using Miniguest.Cli.Commands;
using Miniguest.Core;

namespace Miniguest.Cli;

/// <summary>The <c>miniguest</c> command and its subcommands.</summary>
internal static class MiniguestCommand
{
    // A completion waits no longer for libvirt: past it, a guest's state is unknown and its name offered anyway.
    private static readonly TimeSpan SurveyTimeout = TimeSpan.FromSeconds(2);

    /// <summary>Runs <c>miniguest</c> with <paramref name="args"/>, writing to <paramref name="invocation"/>'s output and
    /// error (the process's standard streams are <see cref="StandardStreams"/>'s) and reading its settings from <paramref name="environment"/> (default: the
    /// process's environment); returns the exit code. A usage error is one line and the command's help to read, and exit code
    /// 2.</summary>
    public static async Task<int> InvokeAsync(string[] args, InvocationConfiguration? invocation = null, Func<string, string?>? environment = null)
    {
        invocation ??= new InvocationConfiguration();
        var parse = Create(environment ?? Environment.GetEnvironmentVariable).Parse(args);
        if (UsageError.Of(parse) is { } error)
        {
            // What was typed may hold control characters: escaped, as in every other error.
            await invocation.Error.WriteLineAsync("miniguest: " + TerminalText.Escape(error));
            await invocation.Error.WriteLineAsync($"Run '{UsageError.HelpCommand(parse)}' for usage.");
            return CommandAction.Usage;
        }
        if (parse.Action is HelpAction help)
        {
            // As wide as the terminal it is written to; unwrapped elsewhere (System.CommandLine would ask the console).
            help.MaxWidth = ReferenceEquals(invocation.Output, StandardStreams.Out) && StandardStreams.Columns() is { } columns ? columns : int.MaxValue;
        }
        return await parse.InvokeAsync(invocation);
    }

    /// <summary>The command tree, whose commands read their settings from <paramref name="environment"/>.</summary>
    public static MiniguestRootCommand Create(Func<string, string?> environment)
    {
        var root = new MiniguestRootCommand(environment)
        {
            GlobalOptions.Connect,
            GlobalOptions.Verbose,
            GlobalOptions.Quiet,
        };
        Command[] commands =
        [
            InstallCommand.Create(), UpgradeCommand.Create(), RollbackCommand.Create(), GenerationsCommand.Create(),
            RemoveCommand.Create(), CreateCommand.Create(), StartCommand.Create(), StopCommand.Create(),
            RestartCommand.Create(), SwitchCommand.Create(), RunCommand.Create(), AutostartCommand.Create(), ConsoleCommand.Create(), LogsCommand.Create(), ShowCommand.Create(), AddressCommand.Create(), ListCommand.Create(), StatsCommand.Create(), TopCommand.Create(),
            TemplateCommand.Create(), ApplyCommand.Create(), CompletionsCommand.Create(), AgentCommand.Create(),
        ];
        foreach (var command in commands)
        {
            root.Subcommands.Add(command);
            var wanted = GuestsWanted(command.Name);
            foreach (var name in command.Arguments.Where(a => a.Name == "NAME"))
            {
                // Help names the argument; without a name of its own, it would list the host's guests in its place.
                name.HelpName = "NAME";
                // Guest names where a name goes: one not given yet where the command takes several, none once given where it takes one.
                name.CompletionSources.Add(context =>
                {
                    var given = context.ParseResult.GetResult(name)?.Tokens.Select(token => token.Value).Where(value => value != context.WordToComplete).ToList() ?? [];
                    return given.Count > 0 && name.Arity.MaximumNumberOfValues == 1 ? [] : Guests(context.ParseResult, wanted).Where(guest => !given.Contains(guest));
                });
            }
        }
        foreach (var suggest in root.Directives.OfType<System.CommandLine.Completions.SuggestDirective>())
        {
            suggest.Action = new SuggestAction(suggest);
        }
        // Help is -h and --help, as on Linux; the DOS spellings (/?, /h, -?) would only crowd completion.
        foreach (var help in root.Options.OfType<HelpOption>())
        {
            foreach (var alias in new[] { "/?", "/h", "-?" })
            {
                help.Aliases.Remove(alias);
            }
        }
        return root;
    }

    /// <summary>The generations of the guest the command line names, for <c>--to</c>.</summary>
    public static IEnumerable<string> GenerationsOf(ParseResult parse, string? guest)
    {
        try
        {
            return guest is null ? [] : Door(parse, null).GenerationNumbers(guest)
                .Select(number => number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is MiniguestException or IOException)
        {
            return [];
        }
    }

    // Which guests a command's NAME offers, by whether they run (null: any, whether or not they run): a console, a stop, a switch or a run
    // needs a running guest, a start a stopped one; a restart starts a stopped one too, and the rest take any.
    private static bool? GuestsWanted(string command) => command switch
    {
        "console" or "stop" or "switch" or "run" => true,
        "start" => false,
        _ => null,
    };

    private static IEnumerable<string> Guests(ParseResult parse, bool? running)
    {
        try
        {
            var host = Door(parse, parse.GetValue(GlobalOptions.Connect));
            return running is { } wanted ? host.GuestNames(wanted, SurveyTimeout) : host.GuestNames();
        }
        catch (IOException)
        {
            return [];
        }
    }

    /// <summary>The libvirt networks of the URI the command line names (or <c>qemu:///system</c>), for <c>--network</c>.</summary>
    public static IEnumerable<string> NetworksOf(ParseResult parse) =>
        Door(parse, parse.GetValue(GlobalOptions.Connect)).NetworkNames(SurveyTimeout);

    /// <summary>The bridges of this host, for <c>--bridge</c>.</summary>
    public static IEnumerable<string> BridgesOf(ParseResult parse) => Door(parse, null).BridgeNames();

    // Completion's own door: no logging, and nothing done until it is asked.
    private static GuestHost Door(ParseResult parse, string? uri) =>
        new(new GuestHostOptions { Paths = MiniguestPaths.FromEnvironment(MiniguestRootCommand.EnvironmentOf(parse)), Uri = uri });
}
