using System.Text;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Integration;

/// <summary>Starts a defined domain, reads its console until the guest stops, and returns the lines it printed.
/// A guest that does not stop in time is destroyed and the test fails with what it printed so far.</summary>
internal static class GuestRun
{
    public static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);

    public static async Task<IReadOnlyList<string>> BootToPowerOffAsync(Domain domain)
    {
        var lines = new List<string>();
        domain.Start();
        using var console = domain.OpenConsole();
        var reader = Task.Run(() => ReadLines(console, lines));
        var finished = await Task.WhenAny(reader, Task.Delay(BootTimeout)).ConfigureAwait(false);
        if (finished != reader)
        {
            domain.Destroy();
            await reader.ConfigureAwait(false);
            Assert.Fail($"'{domain.Name}' did not power off within {BootTimeout}; its console said:\n" + string.Join('\n', Snapshot(lines)));
        }
        await reader.ConfigureAwait(false);
        await WaitForShutoffAsync(domain).ConfigureAwait(false);
        var transcript = Snapshot(lines);
        foreach (var line in transcript)
        {
            TestContext.Out.WriteLine($"[{domain.Name}] {line}");
        }
        return transcript;
    }

    /// <summary>Destroys the domain if it runs, then undefines it; for test clean-up.</summary>
    public static void Remove(Domain domain)
    {
        if (domain.GetState().IsActive)
        {
            domain.Destroy();
        }
        domain.Undefine();
        domain.Dispose();
    }

    private static void ReadLines(DomainConsole console, List<string> lines)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        int read;
        try
        {
            while ((read = console.Read(buffer)) > 0)
            {
                text.Append(Encoding.UTF8.GetString(buffer, 0, read));
                var content = text.ToString();
                var end = content.LastIndexOf('\n');
                if (end < 0)
                {
                    continue;
                }
                lock (lines)
                {
                    lines.AddRange(content[..end].Split('\n').Select(l => l.TrimEnd('\r')));
                }
                text.Remove(0, end + 1);
            }
        }
        catch (LibvirtException)
        {
            // The console ends with an error rather than end-of-file when the domain is torn down.
        }
        lock (lines)
        {
            if (text.Length > 0)
            {
                lines.Add(text.ToString().TrimEnd('\r'));
            }
        }
    }

    private static async Task WaitForShutoffAsync(Domain domain)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (domain.GetState().IsActive)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"'{domain.Name}' closed its console but is still {domain.GetState().State}");
            }
            await Task.Delay(100).ConfigureAwait(false);
        }
    }

    private static List<string> Snapshot(List<string> lines)
    {
        lock (lines)
        {
            return [.. lines];
        }
    }
}
