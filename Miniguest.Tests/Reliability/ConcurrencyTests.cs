using System.Text.Json;
using Miniguest.Core;
using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Integration.Reliability;

/// <summary>Commands at once: on different guests they all succeed; on the same guest they take turns, and exactly the
/// ones that should succeed do.</summary>
[TestFixture, Category(TestCategories.Reliability), Parallelizable]
public sealed class ConcurrencyTests : HostFixture
{
    private const string Prefix = ReliabilitySuite.Prefix + "-conc";

    private static string Vm => TestGuestFlake.Reference + "#vm";

    [Test]
    public void Ten_installs_of_different_guests_at_once_all_succeed()
    {
        var names = Enumerable.Range(0, 10).Select(i => MiniguestHost.UniqueName($"p{i}", Prefix)).ToList();

        var results = RunAtOnce(names.Select(name => new[] { "install", "-n", name, Vm }));

        foreach (var (name, result) in names.Zip(results))
        {
            Figures.Case(Groups.Concurrency, () =>
            {
                Assert.That(result.ExitCode, Is.Zero, result.ToString());
                AssertIntact(name);
            });
        }
        RecordLeftovers();
    }

    [Test]
    public void Five_installs_of_the_same_guest_at_once_one_succeeds_without_force_and_all_with_force()
    {
        var name = MiniguestHost.UniqueName("same", Prefix);

        var unforced = RunAtOnce(Enumerable.Repeat(new[] { "install", "-n", name, Vm }, 5));
        Figures.Case(Groups.Concurrency, () =>
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(unforced.Count(r => r.ExitCode == 0), Is.EqualTo(1), "exactly one succeeds");
                Assert.That(unforced.Where(r => r.ExitCode != 0), Has.All.Matches<CommandResult>(
                    r => r.ExitCode == 1 && r.ErrorLines.Count(l => l.StartsWith("miniguest: error:", StringComparison.Ordinal)) == 1
                        && r.Error.Contains("--force", StringComparison.Ordinal)),
                    "the others fail with one error naming --force (after, maybe, a line saying they wait their turn)");
            }
            AssertIntact(name);
        });

        var forced = RunAtOnce(Enumerable.Range(0, 5).Select(i =>
            new[] { "install", "--force", "-n", name, TestGuestFlake.Reference + (i % 2 == 0 ? "#vm" : "#vm-virtiofs") }));
        Figures.Case(Groups.Concurrency, () =>
        {
            Assert.That(forced.Select(r => r.ExitCode), Is.All.Zero, string.Join("\n", forced));
            AssertIntact(name);
        });
        RecordLeftovers();
    }

    private List<CommandResult> RunAtOnce(IEnumerable<string[]> commands)
    {
        var runs = commands.Select(arguments => Task.Run(() => Host.Run(arguments))).ToArray();
        Task.WaitAll(runs);
        return [.. runs.Select(r => r.Result)];
    }

    // Link → profile → an existing generation, and list --json shows the guest.
    private void AssertIntact(string name)
    {
        var guest = GuestName.Parse(name);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(new FileInfo(Host.Paths.Link(guest)).LinkTarget, Is.EqualTo(Host.Paths.Profile(guest)));
            var generation = new FileInfo(Host.Paths.Profile(guest)).LinkTarget;
            Assert.That(generation, Does.Match($"^{name}-[0-9]+-link$"));
            Assert.That(Directory.Exists(Path.Combine(Host.Paths.Profiles, generation ?? "")), Is.True, "the generation exists");
            Assert.That(File.Exists(Path.Combine(Host.Paths.Link(guest), "miniguest-config.json")), Is.True);
            using var list = JsonDocument.Parse(Host.Ok("list", "--json").Out);
            Assert.That(list.RootElement.EnumerateArray().Select(g => g.GetProperty("name").GetString()), Does.Contain(name));
        }
    }

    private void RecordLeftovers()
    {
        var problems = HostState.Problems(Host, Prefix);
        Figures.Leftovers(Groups.Concurrency, problems.Count);
        Assert.That(problems, Is.Empty);
    }
}
