using System.Text.Json;
using Miniguest.Core;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>
/// <c>miniguest stats</c> and <c>top</c> on the real stack with containers (LXC's per-domain calls), one of them burning a
/// core, and a VM (QEMU's bulk statistics) burning its vCPU: the busy ones on top with their CPU use, the idle one near
/// nothing, each with the memory its cgroup holds; a guest that does not run says so; the Prometheus text names only the
/// guests asked for. (An idle VM's memory is proven beside free page reporting, in <see cref="FreePageReportingTests"/>.)
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
        // A VM that burns its vCPU too: a loop started in it through its agent (QEMU's bulk statistics, not LXC's calls).
        var busyVm = MiniguestHost.UniqueName("sbvm");
        Host.Ok("install", "-n", busyVm, TestGuestFlake.Reference + "#vm-idle");
        Host.Ok("create", busyVm, "--virt-type", "qemu", "--memory", "128", "--network", "none");
        Host.Ok("start", busyVm);
        Host.Ok("start", busy);
        Host.Ok("start", idle);
        await GuestSays.WaitAsync(Path.Combine(Host.Paths.ContainerRoot(GuestName.Parse(idle)), "miniguest-test-report"), "miniguest-test-guest: idle", GuestRun.BootTimeout);
        await GuestSays.WaitAsync(Host.Paths.ConsoleLog(GuestName.Parse(busyVm)), "miniguest-test-guest: waiting for shutdown", GuestRun.BootTimeout);
        Host.Ok("run", busyVm, "--", "sh", "-c", "while :; do :; done </dev/null >/dev/null 2>&1 &");

        var json = Host.Ok("stats", "--json", "--interval", "2");
        var table = Host.Ok("stats").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var prometheus = Host.Ok("stats", "--prometheus", busy, stopped).Out;
        var unknown = Host.Run("stats", "nosuchguest");
        var (sorted, resorted, quit) = await WatchWithTopAsync(busy, idle, stopped);
        var interrupted = await InterruptTopAsync(busy);
        Host.Ok("stop", busy, idle, busyVm, "--force", "--timeout", "0");

        using var document = JsonDocument.Parse(json.Out);
        var rows = document.RootElement.EnumerateArray().ToDictionary(row => row.GetProperty("name").GetString()!);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(rows[busy].GetProperty("cpuPercent").GetDouble(), Is.GreaterThan(50), "the busy container burns most of a core");
            Assert.That(rows[busyVm].GetProperty("cpuPercent").GetDouble(), Is.GreaterThan(50), "so does the busy VM");
            Assert.That(rows[busyVm].GetProperty("memoryBytes").GetUInt64(), Is.GreaterThan(0UL), "QEMU's resident memory");
            Assert.That(rows[idle].GetProperty("cpuPercent").GetDouble(), Is.LessThan(20), "the idle one next to nothing");
            Assert.That(rows[busy].GetProperty("intervalSeconds").GetDouble(), Is.EqualTo(2).Within(0.5));
            Assert.That(rows[idle].GetProperty("memoryBytes").GetUInt64(), Is.GreaterThan(0UL).And.LessThan(128UL << 20), "what its cgroup holds");
            Assert.That(rows[idle].GetProperty("memoryGivenBytes").GetUInt64(), Is.EqualTo(128UL << 20));
            Assert.That(rows[stopped].GetProperty("running").GetBoolean(), Is.False);
            Assert.That(rows[stopped].GetProperty("cpuSeconds").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(table[0], Does.StartWith("NAME").And.Contain("CPU%"));
            Assert.That(table.Skip(1).Where(line => line.StartsWith("mgt-", StringComparison.Ordinal)).Take(2).Select(line => line.Split(' ')[0]),
                Is.EquivalentTo(new[] { busy, busyVm }), "the busiest first");
            Assert.That(prometheus, Does.Contain($"miniguest_guest_cpu_seconds_total{{guest=\"{busy}\",type=\"container\",host=\"\"}}"));
            Assert.That(prometheus, Does.Contain($"miniguest_guest_running{{guest=\"{stopped}\",type=\"container\",host=\"\"}} 0"));
            Assert.That(prometheus, Does.Not.Contain(idle), "only the guests named");
            Assert.That(unknown.ExitCode, Is.EqualTo(1));
            Assert.That(unknown.Error, Does.Contain("nosuchguest"));
            Assert.That(rows[busy].GetProperty("started").GetString(), Is.Not.Null, "this host's running guest has its start");
            Assert.That(sorted.Select(FirstWord), Is.EqualTo(new[] { busy, idle, stopped }), "top: the busy one on top, the stopped last");
            Assert.That(sorted[0], Does.Match("[▅▆▇█]"), "its sparkline at more than half a core");
            Assert.That(sorted[0], Does.Match(@" [0-9]+s$"), "its uptime");
            Assert.That(resorted.Select(FirstWord), Is.EqualTo(new[] { busy, idle, stopped }.Take(2).Order(StringComparer.Ordinal).Append(stopped)),
                "n: by name, the running first");
            foreach (var (session, how) in new[] { (quit, "q"), (interrupted, "Ctrl+C") })
            {
                Assert.That(session.ExitCode, Is.Zero, how);
                Assert.That(session.ModesAfter, Is.EqualTo(session.ModesBefore).And.Not.Empty, $"{how}: the terminal's modes as they were");
                Assert.That(session.Shown, Does.Contain("\x1b[?1049h").And.EndsWith("\x1b[?25h\x1b[?1049l"), $"{how}: the screen and the cursor given back");
            }
        }
    }

    private sealed record TopSession(int ExitCode, string ModesBefore, string ModesAfter, string Shown);

    // top on a terminal of the guests named: the table's rows as first drawn with every guest's CPU, then after 'n'; and
    // how it ended on 'q'.
    private async Task<(List<string> Sorted, List<string> Resorted, TopSession Quit)> WatchWithTopAsync(params string[] names)
    {
        Host.Environment["TERM"] = "xterm-256color";
        using var top = new TerminalSession(Host.StartOnTerminal(["top", "--interval", "1", .. names], showModes: true, columns: 160));
        // Every running guest has its CPU use from the second sample on.
        await top.WaitForAsync("top, by CPU");
        var sorted = await FrameAsync(top, rows => rows.Count(row => row.Split(' ', StringSplitOptions.RemoveEmptyEntries)[3] != "-") == 2);
        top.Type((byte)'n');
        await top.WaitForAsync("top, by name");
        var resorted = Rows(LastFrame(top.Screen));
        top.Type((byte)'q');
        return (sorted, resorted, Ended(top));
    }

    // top ended by Ctrl+C, which raw mode makes a key rather than a signal.
    private async Task<TopSession> InterruptTopAsync(string name)
    {
        using var top = new TerminalSession(Host.StartOnTerminal(["top", name], showModes: true));
        await top.WaitForAsync("top, by CPU");
        top.Type(0x03);
        return Ended(top);
    }

    private static TopSession Ended(TerminalSession top)
    {
        var exitCode = top.WaitForExit();
        var modes = System.Text.RegularExpressions.Regex.Matches(top.Screen, "modes: ([^\r\n]*)").Select(match => match.Groups[1].Value).ToList();
        Assert.That(modes, Has.Count.EqualTo(2), top.Screen);
        var shown = top.Screen[(top.Screen.IndexOf("\n", StringComparison.Ordinal) + 1)..top.Screen.LastIndexOf("modes: ", StringComparison.Ordinal)];
        return new TopSession(exitCode, modes[0], modes[1], shown);
    }

    // The table's rows of the first frame that satisfies the condition.
    private static async Task<List<string>> FrameAsync(TerminalSession top, Func<List<string>, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!condition(Rows(LastFrame(top.Screen))))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"top never drew the frame awaited; it showed:\n{top.Screen}");
            }
            await Task.Delay(100);
        }
        return Rows(LastFrame(top.Screen));
    }

    // The last whole frame top drew: from its last move to the top left, through its clearing of the rest of the screen.
    private static string LastFrame(string screen)
    {
        var end = screen.LastIndexOf("\x1b[J", StringComparison.Ordinal);
        var start = screen.LastIndexOf("\x1b[H", end, StringComparison.Ordinal);
        return screen[(start + 3)..end];
    }

    // The table's rows in a frame: after the title and the header, up to the blank line.
    private static List<string> Rows(string frame) =>
        [.. frame.Split("\r\n").Select(line => line.Replace("\x1b[K", "", StringComparison.Ordinal)).Skip(2).TakeWhile(line => line.Length > 0)];

    private static string FirstWord(string row) => row.Split(' ')[0];
}
