using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Integration;

/// <summary>Boots test guests and cleans up after them.</summary>
internal static class GuestRun
{
    public static readonly TimeSpan BootTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Starts a defined domain, reads its console until the guest powers itself off, and returns the
    /// lines it printed. A guest that does not stop in time is destroyed and the test fails. A container can finish
    /// before its console is attached (libvirt-LXC cannot start one paused): then the lines are those the test guest
    /// reports in its root as well.</summary>
    public static async Task<IReadOnlyList<string>> BootToPowerOffAsync(Domain domain)
    {
        var xml = domain.GetXml(DomainXmlFlags.Inactive);
        var report = (string?)System.Xml.Linq.XElement.Parse(xml).Attribute("type") == "lxc"
            ? Path.Combine(DomainXml.Read(xml).Container!.RootDirectory, "miniguest-test-report")
            : null;
        // A VM starts paused and runs once its console is attached, so that not a line is missed.
        domain.Start(report is null ? DomainCreateFlags.Paused : DomainCreateFlags.None);
        GuestConsoleReader console;
        try
        {
            console = new GuestConsoleReader(domain);
            if (report is null)
            {
                domain.Resume();
            }
        }
        catch (LibvirtException) when (report is not null)
        {
            await WaitForShutoffAsync(domain);
            return ReportOf(domain, report);
        }
        using (console)
        {
            if (await Task.WhenAny(console.Completion, Task.Delay(BootTimeout)) != console.Completion)
            {
                domain.Destroy();
                await console.Completion;
                Assert.Fail($"'{domain.Name}' did not power off within {BootTimeout}; its console said:\n" + string.Join('\n', console.Lines));
            }
            await WaitForShutoffAsync(domain);
            console.Print();
            return report is not null && !console.Lines.Any(l => l.Contains("powering off", StringComparison.Ordinal))
                ? ReportOf(domain, report)
                : console.Lines;
        }
    }

    private static string[] ReportOf(Domain domain, string report)
    {
        var lines = File.Exists(report) ? File.ReadAllLines(report) : [];
        TestContext.Out.WriteLine($"'{domain.Name}' finished before its console was attached; it reported:\n{string.Join('\n', lines)}");
        return lines;
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
