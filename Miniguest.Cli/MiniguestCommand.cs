using System.CommandLine;
using Miniguest.Cli.Commands;
using Miniguest.Core;

namespace Miniguest.Cli;

/// <summary>The <c>miniguest</c> command and its subcommands.</summary>
internal static class MiniguestCommand
{
    // A completion waits no longer for libvirt: past it, a guest's state is unknown and its name offered anyway.
    private static readonly TimeSpan SurveyTimeout = TimeSpan.FromSeconds(2);

    public static RootCommand Create()
    {
        var root = new RootCommand("Miniguest: low-footprint NixOS guests that boot from the host's Nix store through libvirt.")
        {
            GlobalOptions.Connect,
            GlobalOptions.Verbose,
            GlobalOptions.Quiet,
        };
        Command[] commands =
        [
            InstallCommand.Create(), UpgradeCommand.Create(), RollbackCommand.Create(), GenerationsCommand.Create(),
            RemoveCommand.Create(), CreateCommand.Create(), StartCommand.Create(), StopCommand.Create(),
            RestartCommand.Create(), AutostartCommand.Create(), ConsoleCommand.Create(), AddressCommand.Create(), ListCommand.Create(),
            TemplateCommand.Create(), ApplyCommand.Create(), CompletionsCommand.Create(),
        ];
        foreach (var command in commands)
        {
            root.Subcommands.Add(command);
            var wanted = GuestsWanted(command.Name);
            foreach (var name in command.Arguments.Where(a => a.Name == "NAME"))
            {
                // Guest names where the name goes, not again once it is given.
                name.CompletionSources.Add(context => context.ParseResult.GetResult(name) is { Tokens.Count: > 0 } given
                    && given.Tokens.All(token => token.Value != context.WordToComplete) ? [] : Guests(context.ParseResult, wanted));
            }
        }
        // Help is -h and --help, as on Linux; the DOS spellings (/?, /h, -?) would only crowd completion.
        foreach (var help in root.Options.OfType<System.CommandLine.Help.HelpOption>())
        {
            foreach (var alias in new[] { "/?", "/h", "-?" })
            {
                help.Aliases.Remove(alias);
            }
        }
        return root;
    }

    /// <summary>The generations of the guest the command line names, for <c>--to</c>.</summary>
    public static IEnumerable<string> GenerationsOf(string? guest)
    {
        try
        {
            return guest is null ? [] : Door(null).GenerationNumbers(guest)
                .Select(number => number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is MiniguestException or IOException)
        {
            return [];
        }
    }

    // Which guests a command's NAME offers, by whether they run (null: any, whether or not they run): a console or a stop
    // needs a running guest, a start a stopped one; a restart starts a stopped one too, and the rest take any.
    private static bool? GuestsWanted(string command) => command switch
    {
        "console" or "stop" => true,
        "start" => false,
        _ => null,
    };

    private static IEnumerable<string> Guests(ParseResult parse, bool? running)
    {
        try
        {
            var host = Door(parse.GetValue(GlobalOptions.Connect));
            return running is { } wanted ? host.GuestNames(wanted, SurveyTimeout) : host.GuestNames();
        }
        catch (IOException)
        {
            return [];
        }
    }

    // Completion's own door: no logging, and nothing done until it is asked.
    private static GuestHost Door(string? uri) => new(new GuestHostOptions { Paths = MiniguestPaths.FromEnvironment(), Uri = uri });
}
