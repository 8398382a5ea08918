using System.CommandLine;
using Miniguest.Cli.Commands;
using Miniguest.Core;

namespace Miniguest.Cli;

/// <summary>The <c>miniguest</c> command and its subcommands.</summary>
internal static class MiniguestCommand
{
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
            foreach (var name in command.Arguments.Where(a => a.Name == "NAME"))
            {
                // Guest names where the name goes, not again once it is given.
                name.CompletionSources.Add(context => context.ParseResult.GetResult(name) is { Tokens.Count: > 0 } given
                    && given.Tokens.All(token => token.Value != context.WordToComplete) ? [] : InstalledGuests());
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
            return guest is null ? [] : new GuestStore(MiniguestPaths.FromEnvironment()).Get(guest).Profile.Generations
                .Select(generation => generation.Number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is MiniguestException or IOException)
        {
            return [];
        }
    }

    private static IEnumerable<string> InstalledGuests()
    {
        try
        {
            return new GuestStore(MiniguestPaths.FromEnvironment()).Names();
        }
        catch (IOException)
        {
            return [];
        }
    }
}
