using Miniguest.Libvirt;

namespace Miniguest.Tests.Integration;

/// <summary>Boots test guests and cleans up after them.</summary>
internal static class GuestRun
{
    public static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Starts a defined domain, reads its console until the guest powers itself off, and returns the
    /// lines it printed. A guest that does not stop in time is destroyed and the test fails.</summary>
    public static async Task<IReadOnlyList<string>> BootToPowerOffAsync(Domain domain)
    {
        domain.Start();
        using var console = new GuestConsoleReader(domain);
        if (await Task.WhenAny(console.Completion, Task.Delay(BootTimeout)) != console.Completion)
        {
            domain.Destroy();
            await console.Completion;
            Assert.Fail($"'{domain.Name}' did not power off within {BootTimeout}; its console said:\n" + string.Join('\n', console.Lines));
        }
        await WaitForShutoffAsync(domain);
        console.Print();
        return console.Lines;
    }

    /// <summary>Waits until the domain no longer runs; fails the test after 30 seconds.</summary>
    public static async Task WaitForShutoffAsync(Domain domain)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (domain.IsActive)
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"'{domain.Name}' closed its console but is still {domain.GetState().State}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Destroys the domain if it runs, then undefines it; for test clean-up.</summary>
    public static void Remove(Domain domain)
    {
        if (domain.IsActive)
        {
            domain.Destroy();
        }
        domain.Undefine();
        domain.Dispose();
    }
}
