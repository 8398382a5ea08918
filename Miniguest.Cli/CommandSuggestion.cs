using System.CommandLine;

namespace Miniguest.Cli;

/// <summary>The command a mistyped one most likely meant: within two edits (a letter left out, added, changed).</summary>
internal static class CommandSuggestion
{
    private const int MostEdits = 2;

    /// <summary>The subcommand closest to the first word the parser did not recognise, when no subcommand was
    /// recognised and one is close enough.</summary>
    public static string? For(ParseResult parse)
    {
        if (parse.CommandResult.Command != parse.RootCommandResult.Command || parse.UnmatchedTokens.Count == 0)
        {
            return null;
        }
        var typed = parse.UnmatchedTokens[0];
        return parse.RootCommandResult.Command.Subcommands
            .Select(command => (command.Name, Edits: Edits(typed, command.Name)))
            .Where(candidate => candidate.Edits <= MostEdits)
            .OrderBy(candidate => candidate.Edits)
            .Select(candidate => candidate.Name)
            .FirstOrDefault();
    }

    // Levenshtein distance, one row at a time.
    private static int Edits(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
