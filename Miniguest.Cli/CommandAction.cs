using System.CommandLine;
using Miniguest.Core;

namespace Miniguest.Cli;

/// <summary>Runs a command's body with the context, and turns what can go wrong into one clear line on standard
/// error and exit code 1 (the stack trace only with <c>-v</c>).</summary>
internal static class CommandAction
{
    public const int Success = 0;
    public const int Failure = 1;
    public const int Usage = 2;

    public static void Set(Command command, Func<CliContext, ParseResult, CancellationToken, Task<int>> body) =>
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var context = new CliContext(parse);
            try
            {
                return await body(context, parse, cancellationToken);
            }
            catch (Exception e) when (IsExpected(e))
            {
                await context.Error.WriteLineAsync(ErrorLine(e));
                if (context.Verbose)
                {
                    await context.Error.WriteLineAsync(e.ToString());
                }
                return Failure;
            }
            catch (OperationCanceledException)
            {
                await context.Error.WriteLineAsync("miniguest: cancelled");
                return Failure;
            }
            catch (Exception e)
            {
                await context.Error.WriteLineAsync($"miniguest: internal error: {OneLine(e.Message)} (run with -v for details)");
                if (context.Verbose)
                {
                    await context.Error.WriteLineAsync(e.ToString());
                }
                return Failure;
            }
        });

    /// <summary>What went wrong, as one clear line (Nix's error as Nix prints it); about <paramref name="guest"/> where a
    /// command works through several.</summary>
    public static string ErrorLine(Exception e, string? guest = null)
    {
        if (e is NixException nix)
        {
            return NixError(nix, guest);
        }
        var about = guest is null ? "" : $"'{guest}': ";
        return IsExpected(e)
            ? $"miniguest: error: {about}{OneLine(e.Message)}{Hint(e)}"
            : $"miniguest: internal error: {about}{OneLine(e.Message)} (run with -v for details)";
    }

    private static bool IsExpected(Exception e) => e is MiniguestException or FormatException or IOException or UnauthorizedAccessException;

    // How to go on, in the command line's words: Core's messages say only what is wrong.
    private static string Hint(Exception e) => e switch
    {
        GuestAlreadyInstalledException => "; use --force to replace it",
        RootRequiredException => "; run it with sudo",
        ForeignDomainException { LooksLikeOriginal: true } original => $"; take it over with: miniguest create {original.Name} --take-over",
        GuestDomainElsewhereException elsewhere => $"; leave out -c, or give -c {elsewhere.Uri}",
        GuestHasNoDomainException noDomain => $"; define it with: miniguest create {noDomain.Name}",
        GuestRunningException => " or use --force",
        GuestNotRunningException notRunning => $"; start it with: miniguest start {notRunning.Name} --console",
        GuestStopTimeoutException => "; use --force to pull the plug",
        GuestSwitchFailedException { SwitchedBack: false } failed => $"; restart it: miniguest restart {failed.Name}",
        GuestHasNoChannelException noChannel => $": miniguest restart {noChannel.Name}",
        GuestConsoleBusyException busy => $"; take it over with: miniguest console --force {busy.Name}",
        GuestHasNoInterfaceException noInterface => $"; add one with: miniguest create {noInterface.Name} --network NAME",
        ShareSourceNotGivenException notGiven => $"; give it with: miniguest create {notGiven.Name} --share {notGiven.Tag}=PATH",
        UnsafeShareException unsafeShare => $" (miniguest create {unsafeShare.Name} --share TAG=PATH gives a share another directory)",
        _ => "",
    };

    // Nix's error is shown whole, as Nix prints it (its location and snippet, a build's last log lines), on the line of
    // the command when it is one line; Nix's hint at its --show-trace becomes -v, which passes it.
    // "miniguest: error: nix profile install: " and Nix's error from its first line on, without the "error: " it starts with.
    private static string NixError(NixException nix, string? guest = null)
    {
        const string TraceHint = "(use '--show-trace' to show detailed location information)";
        var lines = TerminalText.Escape(nix.ErrorWithoutPrefix, keepLineBreaks: true).Split('\n').Where(line => line.Trim() != TraceHint).ToList();
        var hint = lines.Count < nix.Error.Split('\n').Length ? " (-v shows Nix's trace)" : "";
        return $"miniguest: error: {(guest is null ? "" : $"'{guest}': ")}{nix.Command}: {string.Join('\n', lines).Trim()}{hint}";
    }

    // Messages carry text Miniguest did not write (another host's errors, its libvirtd's, names from a build output):
    // printed with its control characters escaped.
    private static string OneLine(string message) =>
        TerminalText.Escape(string.Join(" ", message.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
}
