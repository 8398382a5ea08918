using System.Text.Json;
using Miniguest.Core;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>
/// <c>miniguest stats</c> on the real stack with containers (LXC's per-domain calls), one of them burning a core: the busy
/// one on top with its CPU use, the idle one near nothing, each with the memory its cgroup holds; a guest that does not run
/// says so; the Prometheus text names only the guests asked for. (A VM's, through QEMU's bulk statistics, is proven beside
/// free page reporting, in <see cref="FreePageReportingTests"/>.)
/// </summary>
[TestFixture, Category(TestCategories.Integration)]
public sealed class StatsTests : HostFixture
{
    [Test]
    public async Task The_busy_guest_shows_on_top_and_every_running_guest_has_its_counters()
    {
        var (busy, idle, stopped) = (MiniguestHost.UniqueName("sbusy"), MiniguestHost.UniqueName("sidle"), MiniguestHost.UniqueName("sstop"));
        foreach (var container in new[] { busy, idle, stopped })
        {
            Host.Ok("install", "-n", container, TestGuestFlake.Reference + "#container-idle");
            Host.Ok("create", container, "--network", "none", "--memory", "128");
        }
        // A script the container's init runs as its root beside the rest: it burns a core.
        File.WriteAllText(Path.Combine(Host.Paths.ContainerRoot(GuestName.Parse(busy)), "miniguest-test-attack"), "while :; do :; done\n");
        Host.Ok("start", busy);
        Host.Ok("start", idle);
        await WaitUntilIdleAsync(idle);

        var json = Host.Ok("stats", "--json", "--interval", "2");
        var table = Host.Ok("stats").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var prometheus = Host.Ok("stats", "--prometheus", busy, stopped).Out;
        var unknown = Host.Run("stats", "nosuchguest");
        Host.Ok("stop", busy, idle, "--force", "--timeout", "0");

        using var document = JsonDocument.Parse(json.Out);
        var rows = document.RootElement.EnumerateArray().ToDictionary(row => row.GetProperty("name").GetString()!);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(rows[busy].GetProperty("cpuPercent").GetDouble(), Is.GreaterThan(50), "the busy container burns most of a core");
            Assert.That(rows[idle].GetProperty("cpuPercent").GetDouble(), Is.LessThan(20), "the idle one next to nothing");
            Assert.That(rows[busy].GetProperty("intervalSeconds").GetDouble(), Is.EqualTo(2).Within(0.5));
            Assert.That(rows[idle].GetProperty("memoryBytes").GetUInt64(), Is.GreaterThan(0UL).And.LessThan(128UL << 20), "what its cgroup holds");
            Assert.That(rows[idle].GetProperty("memoryGivenBytes").GetUInt64(), Is.EqualTo(128UL << 20));
            Assert.That(rows[stopped].GetProperty("running").GetBoolean(), Is.False);
            Assert.That(rows[stopped].GetProperty("cpuSeconds").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(table[0], Does.StartWith("NAME").And.Contain("CPU%"));
            Assert.That(table.Skip(1).First(line => line.StartsWith("mgt-", StringComparison.Ordinal)), Does.StartWith(busy + " "), "the busiest first");
            Assert.That(prometheus, Does.Contain($"miniguest_guest_cpu_seconds_total{{guest=\"{busy}\",type=\"container\",host=\"\"}}"));
            Assert.That(prometheus, Does.Contain($"miniguest_guest_running{{guest=\"{stopped}\",type=\"container\",host=\"\"}} 0"));
            Assert.That(prometheus, Does.Not.Contain(idle), "only the guests named");
            Assert.That(unknown.ExitCode, Is.EqualTo(1));
            Assert.That(unknown.Error, Does.Contain("nosuchguest"));
        }
    }

    private async Task WaitUntilIdleAsync(string name)
    {
        var report = Path.Combine(Host.Paths.ContainerRoot(GuestName.Parse(name)), "miniguest-test-report");
        var deadline = DateTime.UtcNow + GuestRun.BootTimeout;
        while (!(File.Exists(report) && (await File.ReadAllTextAsync(report)).Contains("miniguest-test-guest: idle", StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"'{name}' was not idle within {GuestRun.BootTimeout}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }
}
