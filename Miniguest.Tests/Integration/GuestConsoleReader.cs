using System.Text;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Integration;

/// <summary>Reads a domain's console on a background thread, line by line, until the console closes.</summary>
internal sealed class GuestConsoleReader : IDisposable
{
    private readonly DomainStream _console;
    private readonly List<string> _lines = [];
    private readonly string _label;

    public GuestConsoleReader(Domain domain)
    {
        _label = domain.Name;
        _console = domain.OpenConsole();
        Completion = Task.Factory.StartNew(ReadLines, TaskCreationOptions.LongRunning);
    }

    /// <summary>Completes when the console closes (the guest stopped).</summary>
    public Task Completion { get; }

    /// <summary>The lines read so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Waits until a line starting with <paramref name="prefix"/> arrives; fails the test if the console
    /// closes first or <paramref name="timeout"/> passes.</summary>
    public async Task WaitForLineAsync(string prefix, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Lines.Any(l => l.StartsWith(prefix, StringComparison.Ordinal)))
        {
            if (Completion.IsCompleted || DateTime.UtcNow > deadline)
            {
                Assert.Fail($"'{_label}' never printed \"{prefix}\"; its console said:\n{string.Join('\n', Lines)}");
            }
            await Task.Delay(50);
        }
    }

    /// <summary>Writes what was read to the test's output, each line labelled with the domain's name.</summary>
    public void Print()
    {
        foreach (var line in Lines)
        {
            TestContext.Out.WriteLine($"[{_label}] {line}");
        }
    }

    public void Dispose() => _console.Dispose();

    private void ReadLines()
    {
        var pending = new StringBuilder();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = _console.Read(buffer)) > 0)
            {
                pending.Append(Encoding.UTF8.GetString(buffer, 0, read));
                var text = pending.ToString();
                var end = text.LastIndexOf('\n');
                if (end < 0)
                {
                    continue;
                }
                lock (_lines)
                {
                    _lines.AddRange(text[..end].Split('\n').Select(l => l.TrimEnd('\r')));
                }
                pending.Remove(0, end + 1);
            }
        }
        catch (LibvirtException)
        {
            // The console ends with an error rather than end-of-file when the domain is torn down.
        }
        lock (_lines)
        {
            if (pending.Length > 0)
            {
                _lines.Add(pending.ToString().TrimEnd('\r'));
            }
        }
    }
}
