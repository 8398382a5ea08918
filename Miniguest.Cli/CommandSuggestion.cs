using System.CommandLine;

namespace Miniguest.Cli;

/// <summary>The command or long option a mistyped one most likely meant: within two edits (a letter left out, added, changed),
/// and at most one edit in three letters, so that a short word is not taken for another short word.</summary>
internal static class CommandSuggestion
{
    private const int MostEdits = 2;

    /// <summary>The subcommand closest to the first word the parser did not recognise, when no subcommand was
    /// recognised and one is close enough.</summary>
    public static string? For(ParseResult parse) =>
        parse.CommandResult.Command != parse.RootCommandResult.Command || parse.UnmatchedTokens.Count == 0
            ? null
            : Closest(parse.UnmatchedTokens[0], parse.RootCommandResult.Command.Subcommands.Select(command => command.Name));

    /// <summary>The long option of the command <paramref name="parse"/> names that is closest to <paramref name="typed"/>,
    /// a long option it does not take (<c>--memroy</c>: <c>--memory</c>); none for a short one, a letter that any other
    /// letter is as close to.</summary>
    public static string? ForOption(ParseResult parse, string typed) =>
        typed.StartsWith("--", StringComparison.Ordinal)
            ? Closest(typed[2..], UsageError.OptionsOf(parse).SelectMany(option => option.Aliases.Prepend(option.Name))
                .Where(name => name.StartsWith("--", StringComparison.Ordinal)), name => name[2..])
            : null;

    private static string? Closest(string typed, IEnumerable<string> candidates, Func<string, string>? word = null) =>
        candidates
            .Select(candidate => (Candidate: candidate, Edits: Edits(typed, word is null ? candidate : word(candidate))))
            .Where(candidate => candidate.Edits <= Math.Min(MostEdits, (typed.Length + 2) / 3))
            .OrderBy(candidate => candidate.Edits)
            .Select(candidate => candidate.Candidate)
            .FirstOrDefault();

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
