using System.Text;
using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Cli.Commands;

/// <summary>Connects the terminal to a guest's console. On a terminal it is interactive until Ctrl+] (told on
/// entry); otherwise it copies the guest's output to standard output until the guest stops.</summary>
internal static class ConsoleSession
{
    private const char Escape = '\u001d'; // Ctrl+]

    /// <param name="opening">Attaches the console; <see langword="null"/> from it means the guest stopped first.</param>
    /// <param name="name">The guest.</param>
    /// <param name="cancellationToken">Stops the session.</param>
    public static async Task<int> RunAsync(Task<GuestConsole?> opening, string name, CancellationToken cancellationToken)
    {
        using var console = await opening;
        if (console is null)
        {
            await Console.Error.WriteLineAsync($"miniguest: warning: '{name}' stopped before its console could be attached");
            return CommandAction.Success;
        }
        var output = Console.OpenStandardOutput();
        var interactive = !Console.IsInputRedirected && !Console.IsOutputRedirected;
        if (interactive)
        {
            await Console.Error.WriteLineAsync($"Connected to the console of '{name}'. Press Ctrl+] to leave.");
        }
        var copyOut = Task.Factory.StartNew(() => CopyOut(console.Stream, output), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (!interactive)
        {
            var error = await copyOut;
            await console.WaitUntilStoppedAsync(cancellationToken);
            // A console torn down with its domain ends with an error rather than end-of-file: that is no failure.
            if (error is not null && console.IsRunning)
            {
                throw error;
            }
            return CommandAction.Success;
        }
        var leave = Task.Factory.StartNew(() => CopyIn(console.Stream), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAny(copyOut, leave);
        await Console.Error.WriteLineAsync();
        return CommandAction.Success;
    }

    // Returns the error the console ended with, if it did not simply close.
    private static LibvirtException? CopyOut(Stream console, Stream output)
    {
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = console.Read(buffer)) > 0)
            {
                output.Write(buffer, 0, read);
                output.Flush();
            }
            return null;
        }
        catch (LibvirtException e)
        {
            return e;
        }
    }

    // Keys go to the guest one by one, unechoed; Ctrl+] ends the session.
    private static void CopyIn(Stream console)
    {
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            // Ctrl+] arrives as its control character, or decoded as Ctrl with ']' or (as .NET reads 0x1d) with '5'.
            if (key.KeyChar == Escape
                || (key.Modifiers.HasFlag(ConsoleModifiers.Control) && key.Key is ConsoleKey.Oem6 or ConsoleKey.D5))
            {
                return;
            }
            var text = key.Key == ConsoleKey.Enter ? "\r" : key.KeyChar.ToString();
            console.Write(Encoding.UTF8.GetBytes(text));
        }
    }
}
