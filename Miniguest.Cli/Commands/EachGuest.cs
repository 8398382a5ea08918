using System.CommandLine;

namespace Miniguest.Cli.Commands;

/// <summary>The commands that act on several guests at once (<c>start A B</c>): each guest named, in order, once.</summary>
internal static class EachGuest
{
    /// <summary>The NAME argument of such a command: one guest or more.</summary>
    public static Argument<string[]> Names(string description) => new("NAME") { Description = description, Arity = ArgumentArity.OneOrMore };

    /// <summary>Runs <paramref name="action"/> on each guest of <paramref name="names"/>. One guest's failure is told in the
    /// command's error line, naming the guest, and the others still run; the exit code is 1 when any failed. A single guest
    /// fails as any command does.</summary>
    public static async Task<int> RunAsync(CliContext context, IReadOnlyList<string> names, Func<string, Task> action)
    {
        var guests = names.Distinct(StringComparer.Ordinal).ToList();
        if (guests.Count == 1)
        {
            await action(guests[0]);
            return CommandAction.Success;
        }
        var failed = false;
        foreach (var guest in guests)
        {
            try
            {
                await action(guest);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await context.Error.WriteLineAsync(CommandAction.ErrorLine(e, guest));
                failed = true;
            }
        }
        return failed ? CommandAction.Failure : CommandAction.Success;
    }
}
