using System.Diagnostics;
using System.Text;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>A command on a pseudo-terminal: what it shows is collected; keys are typed into it.</summary>
internal sealed class TerminalSession : IDisposable
{
    private readonly Process _process;
    private readonly TimeSpan _patience;
    private readonly StringBuilder _screen = new();
    private readonly Task _reader;

    /// <param name="process">The command, started on a pseudo-terminal (<see cref="MiniguestHost.StartOnTerminal"/>).</param>
    /// <param name="patience">How long <see cref="WaitForAsync"/> waits for a text.</param>
    public TerminalSession(Process process, TimeSpan? patience = null)
    {
        _process = process;
        _patience = patience ?? TimeSpan.FromSeconds(60);
        _reader = Task.Run(async () =>
        {
            var buffer = new char[1024];
            int read;
            while ((read = await process.StandardOutput.ReadAsync(buffer)) > 0)
            {
                lock (_screen)
                {
                    _screen.Append(buffer, 0, read);
                }
            }
        });
    }

    /// <summary>All the terminal was sent so far, escape sequences and all.</summary>
    public string Screen
    {
        get
        {
            lock (_screen)
            {
                return _screen.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public void Type(params byte[] keys)
    {
        _process.StandardInput.BaseStream.Write(keys);
        _process.StandardInput.BaseStream.Flush();
    }

    public async Task WaitForAsync(string text, string? alsoIn = null)
    {
        var deadline = DateTime.UtcNow + _patience;
        bool Shown() => Screen.Contains(text, StringComparison.Ordinal)
            || (alsoIn is not null && File.Exists(alsoIn) && File.ReadAllText(alsoIn).Contains(text, StringComparison.Ordinal));
        while (!Shown())
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                // What the command printed last may still be on its way to the reader: a command that shows the text and
                // exits at once is not a failure.
                await Task.WhenAny(_reader, Task.Delay(1000));
                if (Shown())
                {
                    return;
                }
                Assert.Fail($"the terminal never showed \"{text}\"; it showed:\n{Screen}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>The command's exit code, once all it showed is read; fails the test if it does not end within ten seconds.</summary>
    public int WaitForExit()
    {
        if (!_process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            Assert.Fail($"the command did not end; the terminal showed:\n{Screen}");
        }
        _process.WaitForExit();
        // What it printed last may still be on its way to the reader.
        _reader.Wait(TimeSpan.FromSeconds(10));
        return _process.ExitCode;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }
        TestContext.Out.WriteLine($"the terminal showed:\n{Screen}");
        _process.Dispose();
    }
}
