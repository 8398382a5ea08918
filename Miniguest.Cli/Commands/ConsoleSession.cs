using Miniguest.Libvirt;

namespace Miniguest.Cli.Commands;

/// <summary>Connects the terminal to a guest's console. On a terminal it is interactive until Ctrl+] (told on
/// entry); otherwise it copies the guest's output to standard output until the guest stops.</summary>
internal static class ConsoleSession
{
    private const char Escape = '\u001d'; // Ctrl+]

    /// <param name="domain">The running (or paused) domain.</param>
    /// <param name="attached">Runs once the console is open: resuming a domain started paused, so that not a
    /// line of its boot is missed.</param>
    /// <param name="cancellationToken">Stops the session.</param>
    public static async Task<int> RunAsync(Domain domain, Action? attached, CancellationToken cancellationToken)
    {
        DomainConsole console;
        try
        {
            console = domain.OpenConsole();
        }
        catch (LibvirtException)
        {
            // A container that finishes within milliseconds can stop before its console is attached.
            if (!await StoppedAsync(domain, cancellationToken))
            {
                throw;
            }
            await Console.Error.WriteLineAsync($"miniguest: warning: '{domain.Name}' stopped before its console could be attached");
            return CommandAction.Success;
        }
        using var _ = console;
        attached?.Invoke();
        var output = Console.OpenStandardOutput();
        var interactive = !Console.IsInputRedirected && !Console.IsOutputRedirected;
        if (interactive)
        {
            await Console.Error.WriteLineAsync($"Connected to the console of '{domain.Name}'. Press Ctrl+] to leave.");
        }
        var copyOut = Task.Factory.StartNew(() => CopyOut(console, output), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (!interactive)
        {
            var error = await copyOut;
            await SettleAsync(domain, cancellationToken);
            // A console torn down with its domain ends with an error rather than end-of-file: that is no failure.
            if (error is not null && domain.IsActive)
            {
                throw error;
            }
            return CommandAction.Success;
        }
        var leave = Task.Factory.StartNew(() => CopyIn(console), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        await Task.WhenAny(copyOut, leave);
        await Console.Error.WriteLineAsync();
        return CommandAction.Success;
    }

    private static async Task<bool> StoppedAsync(Domain domain, CancellationToken cancellationToken)
    {
        await SettleAsync(domain, cancellationToken);
        return !domain.IsActive;
    }

    // The console closes as the guest powers off, a moment before libvirt reports the domain stopped: wait for
    // that, so that whatever runs next (a list, a start) sees the guest as it is.
    private static async Task SettleAsync(Domain domain, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (domain.IsActive && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, cancellationToken);
        }
    }

    // Returns the error the console ended with, if it did not simply close.
    private static LibvirtException? CopyOut(DomainConsole console, Stream output)
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
    private static void CopyIn(DomainConsole console)
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
            console.Write(System.Text.Encoding.UTF8.GetBytes(text));
        }
    }
}
