using Miniguest.Core;

namespace Miniguest.Cli.Commands;

/// <summary>Connects the terminal to a guest's console. On a terminal it is interactive until Ctrl+] (told on
/// entry); otherwise it copies the guest's output to standard output until the guest stops, all of it (a VM's from its
/// console log).</summary>
internal static class ConsoleSession
{
    private const byte Escape = 0x1d; // Ctrl+]

    /// <param name="context">The command's context: its warnings go to its error writer.</param>
    /// <param name="open">Attaches the console, for the session's use of it; <see langword="null"/> from it means the guest
    /// stopped first.</param>
    /// <param name="name">The guest.</param>
    /// <param name="cancellationToken">Stops the session.</param>
    public static async Task<int> RunAsync(CliContext context, Func<GuestConsoleMode, Task<GuestConsole?>> open, string name,
        CancellationToken cancellationToken)
    {
        var interactive = StandardStreams.InputIsTerminal && StandardStreams.OutputIsTerminal;
        using var console = await open(interactive ? GuestConsoleMode.Interactive : GuestConsoleMode.Output);
        if (console is null)
        {
            await context.Error.WriteLineAsync($"miniguest: warning: '{name}' stopped before its console could be attached");
            return CommandAction.Success;
        }
        var output = StandardStreams.OpenOutput();
        Task<(IOException? Error, long Copied)> StartCopyingOut() =>
            Task.Factory.StartNew(() => CopyOut(console.Stream, output), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        Task<(IOException? Error, long Copied)> copyOut;
        if (!interactive)
        {
            copyOut = StartCopyingOut();
            var (error, copied) = await copyOut;
            if (error is not null)
            {
                await console.ThrowIfTakenOverAsync(error, cancellationToken);
            }
            await console.WaitUntilStoppedAsync(cancellationToken);
            if (console.IsRunning)
            {
                await context.Error.WriteLineAsync($"miniguest: warning: '{name}' ended its console but libvirt has not yet reported it stopped");
            }
            // A container that finished as its console was attached may have printed all it had before: said, not hidden.
            if (copied == 0 && console.StartedBeforeAttached && !console.IsRunning)
            {
                await context.Error.WriteLineAsync($"miniguest: warning: '{name}' printed nothing on its console: it may have stopped before its console could be attached");
            }
            return CommandAction.Success;
        }
        using (RawTerminal.Enter())
        {
            // Raw before the banner shows: a key typed as soon as it does reaches the guest, not a cooked terminal that
            // would echo it or signal miniguest (Ctrl+C, Ctrl+Z). Raw output needs its carriage return.
            await context.Error.WriteAsync($"Connected to the console of '{name}'. Press Ctrl+] to leave.\r\n");
            copyOut = StartCopyingOut();
            var leave = Task.Factory.StartNew(() => CopyIn(console.Stream), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            await Task.WhenAny(copyOut, leave);
        }
        await context.Error.WriteLineAsync();
        if (copyOut.IsCompleted && (await copyOut).Error is { } failure)
        {
            await console.ThrowIfTakenOverAsync(failure, cancellationToken);
        }
        return CommandAction.Success;
    }

    // Returns the error the console ended with, if it did not simply close, and how many bytes it copied; a failure to
    // write the output is the command's own, and propagates.
    private static (IOException? Error, long Copied) CopyOut(Stream console, Stream output)
    {
        var buffer = new byte[4096];
        long copied = 0;
        while (true)
        {
            int read;
            try
            {
                read = console.Read(buffer);
            }
            catch (IOException e)
            {
                return (e, copied);
            }
            if (read == 0)
            {
                return (null, copied);
            }
            output.Write(buffer, 0, read);
            output.Flush();
            copied += read;
        }
    }

    // What is typed goes to the guest byte for byte, as it comes; Ctrl+] (or the end of input) ends the session.
    private static void CopyIn(Stream console)
    {
        var buffer = new byte[1024];
        int read;
        while ((read = RawTerminal.Read(buffer)) > 0)
        {
            var typed = buffer.AsSpan(0, read);
            var escape = typed.IndexOf(Escape);
            console.Write(escape < 0 ? typed : typed[..escape]);
            if (escape >= 0)
            {
                return;
            }
        }
    }
}
