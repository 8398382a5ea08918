using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;

namespace Miniguest.Cli;

/// <summary>Answers the shells' completion scripts (the <c>[suggest:POSITION]</c> directive): what can go in the word being
/// completed, one a line. Options only once the word starts with '-': before that, what takes the word's place (a
/// guest's name, a network, <c>on</c> or <c>off</c>) is all that is offered, so that it is not lost among the options.</summary>
internal sealed class SuggestAction(SuggestDirective directive) : SynchronousCommandLineAction
{
    public override bool ClearsParseErrors => true;

    public override int Invoke(ParseResult parseResult)
    {
        var line = parseResult.Tokens.LastOrDefault(token => token.Type != TokenType.Directive)?.Value ?? "";
        var position = int.TryParse(parseResult.GetResult(directive)?.Values.SingleOrDefault(), out var given) ? given : line.Length;
        var completing = parseResult.RootCommandResult.Command.Parse(line, parseResult.Configuration);
        // The word the cursor ends: what follows the last space before it.
        var typed = line[..Math.Clamp(position, 0, line.Length)];
        var options = typed[(typed.LastIndexOf(' ') + 1)..].StartsWith('-');
        foreach (var completion in completing.GetCompletions(position))
        {
            if (completion.Label.StartsWith('-') == options)
            {
                // One line a reply: a value cannot break it.
                parseResult.InvocationConfiguration.Output.WriteLine(
                    string.Join(' ', (completion.InsertText ?? completion.Label).Split(['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries)));
            }
        }
        return 0;
    }
}
