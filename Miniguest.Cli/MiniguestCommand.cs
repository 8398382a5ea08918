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
            RestartCommand.Create(), AutostartCommand.Create(), ConsoleCommand.Create(), ListCommand.Create(),
            TemplateCommand.Create(), ApplyCommand.Create(), CompletionsCommand.Create(),
        ];
        foreach (var command in commands)
        {
            root.Subcommands.Add(command);
            foreach (var name in command.Arguments.Where(a => a.Name == "NAME"))
            {
                name.CompletionSources.Add(_ => InstalledGuests());
            }
        }
        return root;
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
