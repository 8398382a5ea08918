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
            parse.InvocationConfiguration.Output.Write(parse.GetRequiredValue(shell) switch
            {
                "bash" => Bash,
                "zsh" => Zsh,
                _ => Fish,
            });
            return CommandAction.Success;
        });
        return command;
    }

    // bash inserts a reply as it is, so each is quoted (printf %q) to be read back as the one word it is; the replies
    // are read a line each (mapfile), with no word splitting or pathname expansion. zsh's compadd and fish quote what they
    // insert themselves, and expand nothing in the replies.
    private const string Bash = """
        # bash completion for miniguest
        _miniguest() {
          local reply before= replies=()
          mapfile -t replies < <(miniguest "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)
          # bash replaces only what follows a word's last ':' (COMP_WORDBREAKS), so the replies drop what precedes it
          # (a flake reference's path:, github:).
          local typed=${COMP_LINE:0:COMP_POINT}
          typed=${typed##*[[:space:]]}
          if [[ $COMP_WORDBREAKS == *:* && $typed == *:* ]]; then
            before=${typed%"${typed##*:}"}
          fi
          COMPREPLY=()
          for reply in "${replies[@]}"; do
            [[ -n $reply ]] || continue
            printf -v reply '%q' "${reply#"$before"}"
            COMPREPLY+=("$reply")
          done
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
