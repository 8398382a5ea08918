using Miniguest.Cli;
using Miniguest.Core;

namespace Miniguest.Tests.Cli;

/// <summary>What <c>miniguest top</c> lays out from its samples: the busiest first or as the admin re-sorts, a sparkline of
/// each running guest's recent CPU, a host's problem under its guests' rows, and never a line wider or a screen taller than
/// the terminal.</summary>
public sealed class TopViewTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);

    private static GuestStats Running(string name, double cpu, ulong memory, TimeSpan up) => new()
    {
        Name = name, Type = GuestType.Lxc, Running = true, CpuPercent = cpu, MemoryBytes = memory, MemoryGivenBytes = 512UL << 20, Started = Now - up,
    };

    [Test]
    public void The_busiest_guest_comes_first_and_a_key_re_sorts_by_its_column()
    {
        var view = new TopView(TimeSpan.FromSeconds(2));
        view.Add([Running("idle", 0.5, 400UL << 20, TimeSpan.FromHours(3)), Running("busy", 97, 20UL << 20, TimeSpan.FromSeconds(42)),
            new GuestStats { Name = "off", Type = GuestType.Qemu }]);

        var byCpu = Rows(view.Render(200, 40, Now));
        view.Sort = TopSort.Memory;
        var byMemory = Rows(view.Render(200, 40, Now));
        view.Sort = TopSort.Name;
        var byName = Rows(view.Render(200, 40, Now));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(byCpu.Select(FirstWord), Is.EqualTo(new[] { "busy", "idle", "off" }));
            Assert.That(byMemory.Select(FirstWord), Is.EqualTo(new[] { "idle", "busy", "off" }));
            Assert.That(byName.Select(FirstWord), Is.EqualTo(new[] { "busy", "idle", "off" }), "the running before the stopped, then by name");
            Assert.That(byCpu[0], Does.Contain(" 97.0 ").And.Contain("20M").And.EndWith(" 42s"));
            Assert.That(byCpu[1], Does.EndWith(" 3h00m"));
            Assert.That(byCpu[2], Does.Contain(" stopped "));
        }
    }

    [Test]
    public void A_running_guests_sparkline_draws_its_recent_cpu_a_full_block_for_a_whole_core()
    {
        var view = new TopView(TimeSpan.FromSeconds(2));
        double[] web = [0, 50, 100, 180];
        for (var i = 0; i < TopView.HistoryLength + 3; i++)
        {
            view.Add([Running("db", i < 3 ? 100 : 15, 1UL << 20, TimeSpan.FromMinutes(5)),
                .. i < web.Length ? [Running("web", web[i], 1UL << 20, TimeSpan.FromMinutes(5))] : Array.Empty<GuestStats>()]);
        }
        var db = Rows(view.Render(200, 40, Now)).Single();
        var fresh = new TopView(TimeSpan.FromSeconds(2));
        foreach (var cpu in web)
        {
            fresh.Add([Running("web", cpu, 1UL << 20, TimeSpan.FromMinutes(5))]);
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Rows(fresh.Render(200, 40, Now)).Single(), Does.Contain("▁▅██"), "0, 50, 100 and 180 %");
            Assert.That(db, Does.StartWith("db ").And.Contain(" " + new string('▂', TopView.HistoryLength) + " "),
                "only the last samples; a guest that left the sample leaves the table");
        }
    }

    [Test]
    public void A_hosts_problem_shows_under_its_guest_and_nothing_outgrows_the_terminal()
    {
        var view = new TopView(TimeSpan.FromSeconds(2));
        view.Add([
            new GuestStats { Name = "far", Host = "web1", Type = GuestType.Qemu, Problem = "qemu+ssh://web1/system did not answer within 15 s" },
            .. Enumerable.Range(1, 30).Select(i => Running($"ct{i:00}", i, 1UL << 20, TimeSpan.FromMinutes(i))),
        ]);

        var wide = view.Render(300, 60, Now);
        var narrow = view.Render(40, 10, Now);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(wide[1], Does.StartWith("NAME").And.Contain("HOST").And.Contain("CPU HISTORY").And.Contain("UPTIME"));
            Assert.That(wide.SkipWhile(line => !line.StartsWith("far ", StringComparison.Ordinal)).ElementAt(1).Trim(),
                Is.EqualTo("qemu+ssh://web1/system did not answer within 15 s"));
            Assert.That(wide[0], Does.StartWith("miniguest top, by CPU, every 2 s: 31 guests, 30 running, CPU 465.0% of a core"));
            Assert.That(wide[^1], Does.StartWith("q quit"));
            Assert.That(narrow, Has.Count.EqualTo(10));
            Assert.That(narrow.Select(line => line.EnumerateRunes().Count()), Has.All.LessThanOrEqualTo(40));
            Assert.That(narrow[^1], Does.StartWith("q quit"), "the keys stay on screen");
        }
    }

    [TestCase(5, "5s")]
    [TestCase(125, "2m")]
    [TestCase(3 * 3600 + 5 * 60, "3h05m")]
    [TestCase(2 * 86400 + 4 * 3600, "2d04h")]
    public void Uptime_is_short(int seconds, string shown) => Assert.That(TopView.Uptime(TimeSpan.FromSeconds(seconds)), Is.EqualTo(shown));

    // The table's rows: after the title and the header, before the blank line and the keys.
    private static List<string> Rows(IReadOnlyList<string> screen) => [.. screen.Skip(2).TakeWhile(line => line.Length > 0)];

    private static string FirstWord(string row) => row.Split(' ')[0];
}
