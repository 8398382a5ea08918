using System.CommandLine;

namespace Miniguest.Cli.Commands;

/// <summary>Prints a shell completion script. The scripts ask miniguest itself (its [suggest] directive), so
/// they complete commands, options and installed guest names as this version knows them.</summary>
internal static class CompletionsCommand
{
    public static Command Create()
    {
        var shell = new Argument<string>("SHELL") { Description = "bash, zsh or fish" };
        shell.AcceptOnlyFromAmong("bash", "zsh", "fish");
        var command = new Command("completions", "Print a shell completion script (for example: miniguest completions bash > /etc/bash_completion.d/miniguest)") { shell };
        command.SetAction(parse =>
        {
            Console.Out.Write(parse.GetRequiredValue(shell) switch
            {
                "bash" => Bash,
                "zsh" => Zsh,
                _ => Fish,
            });
            return CommandAction.Success;
        });
        return command;
    }

    private const string Bash = """
        # bash completion for miniguest
        _miniguest() {
          local IFS=$'\n'
          COMPREPLY=($(miniguest "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null))
          # bash replaces only what follows a word's last ':' (COMP_WORDBREAKS), so the replies drop what precedes it
          # (a flake reference's path:, github:).
          local typed=${COMP_LINE:0:COMP_POINT}
          typed=${typed##*[[:space:]]}
          if [[ $COMP_WORDBREAKS == *:* && $typed == *:* ]]; then
            local before=${typed%"${typed##*:}"}
            COMPREPLY=("${COMPREPLY[@]#"$before"}")
          fi
        }
        complete -o default -F _miniguest miniguest

        """;

    private const string Zsh = """
        #compdef miniguest
        # zsh completion for miniguest
        _miniguest() {
          local -a completions
          completions=("${(@f)$(miniguest "[suggest:${#BUFFER}]" "${BUFFER}" 2>/dev/null)}")
          compadd -a completions
        }
        compdef _miniguest miniguest

        """;

    private const string Fish = """
        # fish completion for miniguest
        function __miniguest_complete
            set -l line (commandline -cp)
            miniguest "[suggest:"(string length -- $line)"]" "$line" 2>/dev/null
        end
        complete -c miniguest -f -a '(__miniguest_complete)'

        """;
}
