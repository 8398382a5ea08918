using System.CommandLine;
using System.CommandLine.Invocation;
using Miniguest.Cli;
using Miniguest.Libvirt;

// miniguest reports libvirt's errors itself, one line each: libxml2's own warnings beside them would only confuse.
LibvirtLibrary.SilenceXmlErrors = true;
LibvirtLocation.ApplyEnvironment();

var parse = MiniguestCommand.Create().Parse(args);
if (parse.Action is ParseErrorAction)
{
    // One line: the first error, flattened (a list of allowed values spans several).
    // A missing command is reported beside the word that should have been one: name that word.
    var first = parse.Errors.OrderBy(e => e.Message.StartsWith("Required command", StringComparison.Ordinal) ? 1 : 0).First();
    var message = string.Join(" ", first.Message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    Console.Error.WriteLine("miniguest: " + message + (CommandSuggestion.For(parse) is { } meant ? $" Did you mean '{meant}'?" : ""));
    Console.Error.WriteLine("Run 'miniguest --help' for usage.");
    return CommandAction.Usage;
}
return await parse.InvokeAsync();
