using System.CommandLine;

namespace Miniguest.Cli.Commands;

/// <summary><c>miniguest run NAME -- COMMAND…</c>: a command run inside a running guest as its root, its output and errors
/// on this command's, its exit status this command's (as <c>ssh</c> and <c>nixos-container run</c> give it).</summary>
internal static class RunCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("NAME") { Description = "The running guest" };
        var words = new Argument<string[]>("COMMAND")
        {
            Description = "The command and its arguments, after --; run by sh -c as the guest's root, its input empty",
            Arity = ArgumentArity.OneOrMore,
        };
        var command = new Command("run", "Run a command inside a running guest, through Miniguest's agent in it (no network, no SSH)")
        {
            name, words,
        };
        CommandAction.Set(command, async (context, parse, cancellationToken) =>
        {
            var output = new LineProgress(line => context.Out.WriteLine(line));
            var errors = new LineProgress(line => context.Error.WriteLine(line));
            return await context.Host.RunAsync(parse.GetRequiredValue(name), parse.GetRequiredValue(words), output, errors, cancellationToken);
        });
        return command;
    }
}
