using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace Miniguest.Cli;

/// <summary>What is wrong with a command line, as one line, and the help that tells how to write it.</summary>
internal static class UsageError
{
    /// <summary>What is wrong with the command line <paramref name="parse"/> read; <see langword="null"/> when it is one to
    /// run (or help or a completion is asked for, which any command line may ask). A word that looks like an option and is
    /// none comes first: the parser takes it for an argument and then blames the word after it.</summary>
    public static string? Of(ParseResult parse)
    {
        var runs = parse.Action is ParseErrorAction || parse.Action == parse.CommandResult.Command.Action;
        if (!runs)
        {
            return null;
        }
        if (UnknownOption(parse) is { } unknown)
        {
            return $"unknown option '{unknown}'" + (CommandSuggestion.ForOption(parse, unknown) is { } meant ? $". Did you mean '{meant}'?" : "");
        }
        if (parse.Errors.Count == 0)
        {
            return null;
        }
        // One line: the first error, flattened (a list of allowed values spans several).
        // A missing command is reported beside the word that should have been one: name that word.
        var first = parse.Errors.OrderBy(e => e.Message.StartsWith("Required command", StringComparison.Ordinal) ? 1 : 0).First();
        var message = string.Join(" ", first.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        return message + (CommandSuggestion.For(parse) is { } command ? $" Did you mean '{command}'?" : "");
    }

    /// <summary>The command whose help tells how to write the command line: <c>miniguest create --help</c>.</summary>
    public static string HelpCommand(ParseResult parse)
    {
        var names = new List<string>();
        for (SymbolResult? result = parse.CommandResult; result is CommandResult command && command != parse.RootCommandResult; result = result.Parent)
        {
            names.Insert(0, command.Command.Name);
        }
        return string.Join(' ', ["miniguest", .. names, "--help"]);
    }

    /// <summary>The options a command takes: its own and those every command takes.</summary>
    public static IEnumerable<Option> OptionsOf(ParseResult parse)
    {
        var own = parse.CommandResult.Command.Options;
        var inherited = new List<Option>();
        for (var result = parse.CommandResult.Parent; result is CommandResult command; result = result.Parent)
        {
            inherited.AddRange(command.Command.Options.Where(option => option.Recursive || option is HelpOption));
        }
        return own.Concat(inherited).Distinct();
    }

    // The first word before any "--" that starts with '-' where no option takes it as its value: the parser took it for an
    // argument (NAME), or for nothing at all. No guest name, flake reference or directory starts with '-'; after "--" one
    // may (and a guest name that does is refused as such).
    private static string? UnknownOption(ParseResult parse)
    {
        var values = new HashSet<Token>(ReferenceEqualityComparer.Instance);
        foreach (var option in OptionResults(parse.RootCommandResult))
        {
            values.UnionWith(option.Tokens);
        }
        return parse.Tokens
            .TakeWhile(token => token.Type != TokenType.DoubleDash)
            .FirstOrDefault(token => token.Type == TokenType.Argument && token.Value.Length > 1 && token.Value[0] == '-' && !values.Contains(token))
            ?.Value;
    }

    private static IEnumerable<OptionResult> OptionResults(CommandResult command) =>
        command.Children.OfType<OptionResult>().Concat(command.Children.OfType<CommandResult>().SelectMany(OptionResults));
}
