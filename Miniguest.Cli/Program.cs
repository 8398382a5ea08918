using System.CommandLine;
using System.CommandLine.Invocation;
using Miniguest.Cli;

var parse = MiniguestCommand.Create().Parse(args);
if (parse.Action is ParseErrorAction)
{
    foreach (var error in parse.Errors)
    {
        Console.Error.WriteLine("miniguest: " + error.Message);
    }
    Console.Error.WriteLine("Run 'miniguest --help' for usage.");
    return CommandAction.Usage;
}
return await parse.InvokeAsync();
