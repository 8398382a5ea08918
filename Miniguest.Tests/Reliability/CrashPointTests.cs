using System.Collections.Concurrent;
using Miniguest.Core;
using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Integration.Reliability;

/// <summary>
/// Every crash point, not a random sample: each command that changes the host is run once to learn the steps it goes
/// through (<see cref="CrashPoint"/>), then killed dead at each of them in turn, on a host set up afresh. After each
/// crash the host must be consistent (what is left for the next command to clear aside) and <c>list</c> must work;
/// the same command run again must complete, and then nothing may be left behind.
/// </summary>
[TestFixture, Category(TestCategories.Reliability), Parallelizable]
public sealed class CrashPointTests
{
    private const string Prefix = ReliabilitySuite.Prefix + "-cr";
    private const int Killed = 128 + 9; // what a process killed by SIGKILL exits with

    private static readonly ConcurrentDictionary<string, byte> StepsCrashed = new(StringComparer.Ordinal);

    /// <summary>A command, the host it runs on, what must hold once it completed, and what a run again may answer
    /// instead of success.</summary>
    /// <param name="Command">How the figures name it.</param>
    /// <param name="SetUp">Prepares a fresh host for the guest of the given name; returns the arguments to run.</param>
    /// <param name="Done">Asserts what the command did, once run again.</param>
    /// <param name="DoneAlready">An error a run again may end with when the crash came after the work was done.</param>
    private sealed record Scenario(string Command, Func<MiniguestHost, string, string[]> SetUp, Action<MiniguestHost, string> Done,
        string? DoneAlready = null);

    // One copy of the test guest for every upgrade: each set-up changes it, so each upgrade has something to build.
    private static readonly Lazy<string> EditableFlake = new(TestGuestFlake.CopyForEditing);

    private static readonly Scenario[] Scenarios =
    [
        new("install", (_, name) => ["install", "-n", name, TestGuestFlake.Reference + "#vm"], Installed("\"9p\""), DoneAlready: "already installed"),
        new("install --force", (host, name) =>
        {
            host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
            host.Ok("create", name, "--virt-type", "qemu", "--memory", "64");
            return ["install", "--force", "-n", name, TestGuestFlake.Reference + "#vm-virtiofs"];
        }, Installed("\"virtiofs\"")),
        new("upgrade", (host, name) =>
        {
            var flake = EditableFlake.Value;
            host.Ok("install", "-n", name, $"path:{flake}#vm");
            host.Ok("create", name, "--virt-type", "qemu", "--memory", "64");
            TestGuestFlake.ChangeGuest(flake, "crash point " + name);
            return ["upgrade", name];
        }, (host, name) => Assert.That(Generation(host, name), Is.EqualTo(2), "upgraded to a second generation")),
        new("rollback", (host, name) =>
        {
            host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
            host.Ok("install", "--force", "-n", name, TestGuestFlake.Reference + "#vm-virtiofs");
            host.Ok("create", name, "--virt-type", "qemu", "--memory", "64");
            return ["rollback", name, "--to", "1"];
        }, (host, name) => Assert.That(Generation(host, name), Is.EqualTo(1), "back at generation 1")),
        new("remove", (host, name) =>
        {
            host.Ok("install", "-n", name, TestGuestFlake.Reference + "#container");
            host.Ok("create", name);
            return ["remove", name];
        }, Removed, DoneAlready: "no guest named"),
        new("remove --force (running)", (host, name) =>
        {
            host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
            host.Ok("create", name, "--virt-type", "qemu", "--memory", "64");
            host.Ok("start", name);
            return ["remove", "--force", name];
        }, Removed, DoneAlready: "no guest named"),
        new("create (VM)", (host, name) =>
        {
            host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
            return ["create", name, "--virt-type", "qemu", "--memory", "64"];
        }, (host, name) => Assert.That(Domain(host, name, domain => domain.IsActive), Is.False, "defined, not started")),
        new("create (container)", (host, name) =>
        {
            host.Ok("install", "-n", name, TestGuestFlake.Reference + "#container");
            return ["create", name];
        }, (host, name) => Assert.That(Domain(host, name, domain => domain.IsActive), Is.False, "defined, not started")),
        new("start", (host, name) =>
        {
            host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
            host.Ok("create", name, "--virt-type", "qemu", "--memory", "64");
            return ["start", name];
        }, (host, name) => Assert.That(Domain(host, name, domain => domain.IsActive), Is.True, "running")),
        new("autostart", (host, name) =>
        {
            host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
            host.Ok("create", name, "--virt-type", "qemu", "--memory", "64");
            return ["autostart", name, "on"];
        }, (host, name) => Assert.That(Domain(host, name, domain => domain.Autostart), Is.True, "autostart on")),
        new("apply", (host, name) => ["apply", "--manifest", Declare(host, name, declared: true)], (host, name) =>
        {
            Assert.That(Domain(host, name, domain => domain.IsActive), Is.True, "defined and started by apply");
            Assert.That(Domain(host, name, domain => domain.Autostart), Is.False, "apply starts it, not libvirtd");
        }),
        new("apply (pruning)", (host, name) =>
        {
            host.Ok("apply", "--manifest", Declare(host, name, declared: true));
            // Pruned stopped: whether a running guest shuts down in time or is forced off decides whether the step of
            // forcing it off comes, which moved every step after it between the run that counts the steps and the runs
            // killed at each. Forcing a guest off is remove --force's case.
            host.Ok("stop", name, "--force", "--timeout", "0");
            return ["apply", "--manifest", Declare(host, name, declared: false), "--stop-timeout", "1"];
        }, (host, name) => Assert.That(Domain(host, name, domain => domain.IsActive), Is.Null, "undefined")),
    ];

    [OneTimeTearDown]
    public void DeleteEditableFlake()
    {
        if (EditableFlake.IsValueCreated)
        {
            Directory.Delete(EditableFlake.Value, recursive: true);
        }
        HostState.RemoveDomains(Prefix);
    }

    private static IEnumerable<string> Commands => Scenarios.Select(scenario => scenario.Command);

    [TestCaseSource(nameof(Commands)), Order(1)]
    public void Killed_at_each_step_a_command_leaves_the_host_consistent_and_completes_when_run_again(string command)
    {
        var scenario = Scenarios.Single(scenario => scenario.Command == command);
        var steps = LearnSteps(scenario);
        Assert.That(steps, Is.Not.Empty,
            "this build of miniguest has no crash points: they exist in the Debug configuration only, which the tests run");
        var passed = 0;
        for (var step = 1; step <= steps.Count; step++)
        {
            var crashAt = step;
            try
            {
                Figures.Case(Groups.CrashPoints, () =>
                {
                using var host = new MiniguestHost();
                var name = MiniguestHost.UniqueName("c", Prefix);
                var arguments = scenario.SetUp(host, name);
                host.Environment["MINIGUEST_CRASH_AT"] = crashAt.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var crashed = host.Run(arguments);
                host.Environment.Clear();
                Assert.That(crashed.ExitCode, Is.EqualTo(Killed), $"{scenario.Command} died at step {crashAt} ({steps[crashAt - 1]})");
                StepsCrashed.TryAdd(steps[crashAt - 1], 0);

                var afterCrash = HostState.Problems(host, Prefix, leftoversAllowed: true);
                var list = host.Run("list");
                var again = host.Run(arguments);
                var leftovers = HostState.Leftovers(host);
                Figures.Leftovers(Groups.CrashPoints, leftovers.Count);
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(afterCrash, Is.Empty, $"after a crash at step {crashAt} ({steps[crashAt - 1]}), the host is consistent");
                    Assert.That(list.ExitCode, Is.Zero, "list works after the crash");
                    if (again.ExitCode != 0)
                    {
                        Assert.That(scenario.DoneAlready, Is.Not.Null.And.Matches<string>(done => again.Error.Contains(done, StringComparison.Ordinal)),
                            $"run again after a crash at step {crashAt} ({steps[crashAt - 1]}), {scenario.Command} completes:\n{again}");
                    }
                    Assert.That(HostState.Problems(host, Prefix), Is.Empty, "then the host is consistent and nothing is left behind");
                    Assert.That(HostState.DomainsBehind(host), Is.Empty, "every guest's domain is defined with its current generation");
                    scenario.Done(host, name);
                }
                });
                passed++;
            }
            catch (Exception e) when (e is AssertionException or MultipleAssertException)
            {
                // Recorded in the test's result; the other steps are still tried.
            }
        }
        Figures.CrashPoints(scenario.Command, steps, passed);
    }

    [Test, Order(2)]
    public void Every_step_has_a_crash_case()
    {
        // Every step is a constant of CrashPoint: a new one joins this check without being listed anywhere else.
        var steps = typeof(CrashPoint).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)
            .Where(field => field.IsLiteral)
            .Select(field => (string)field.GetRawConstantValue()!)
            .ToList();
        Assert.That(steps, Has.Count.GreaterThan(10));
        Assert.That(steps.Except(StepsCrashed.Keys), Is.Empty,
            "each crash point is reached by a command the tests crash there: add a scenario for a new step");
    }

    private static Action<MiniguestHost, string> Installed(string fsType) => (host, name) =>
    {
        var guest = GuestName.Parse(name);
        Assert.That(new FileInfo(host.Paths.Link(guest)).LinkTarget, Is.EqualTo(host.Paths.Profile(guest)), "linked to its profile");
        Assert.That(File.ReadAllText(Path.Combine(host.Paths.Link(guest), GuestConfig.FileName)), Does.Contain(fsType), "the guest installed last");
    };

    private static void Removed(MiniguestHost host, string name)
    {
        var guest = GuestName.Parse(name);
        Assert.That(new FileInfo(host.Paths.Link(guest)).LinkTarget, Is.Null, "no link");
        Assert.That(Directory.GetFileSystemEntries(host.Paths.Profiles, name + "*"), Is.Empty, "no profile or generation");
        // A container's root is its data, which remove keeps (remove --purge deletes it), with the id range its files are of:
        // nothing else of its state stays.
        Assert.That(Directory.Exists(host.Paths.GuestState(guest)) ? Directory.GetFileSystemEntries(host.Paths.GuestState(guest)) : [],
            Is.Empty.Or.EquivalentTo(new[] { host.Paths.ContainerDirectory(guest), host.Paths.IdRangeFile(guest) }), "no state but a container's root");
        Assert.That(Domain(host, name, domain => domain.IsActive), Is.Null, "no domain");
    }

    private static int? Generation(MiniguestHost host, string name) => new GuestStore(host.Paths).Get(GuestName.Parse(name)).Profile.Current?.Number;

    // What the guest's domain says, on either driver; null where it has none.
    private static T? Domain<T>(MiniguestHost host, string name, Func<Miniguest.Libvirt.Domain, T> read) where T : struct
    {
        foreach (var uri in HostState.Uris)
        {
            using var connection = Miniguest.Libvirt.Connection.Open(uri);
            if (connection.TryGetDomain(name, out var domain))
            {
                using (domain)
                {
                    return read(domain);
                }
            }
        }
        return null;
    }

    // The steps the command goes through when nothing stops it, on a host set up as for each crash.
    private static IReadOnlyList<string> LearnSteps(Scenario scenario)
    {
        using var host = new MiniguestHost();
        var trace = Path.Combine(host.Root, "crash-trace");
        var arguments = scenario.SetUp(host, MiniguestHost.UniqueName("c", Prefix));
        host.Environment["MINIGUEST_CRASH_TRACE"] = trace;
        host.Ok(arguments);
        var steps = File.Exists(trace) ? File.ReadAllLines(trace) : [];
        TestContext.Out.WriteLine($"{scenario.Command}: {steps.Length} steps: {string.Join(", ", steps)}");
        return steps;
    }

    // A guest declared by a NixOS host (a link straight into the store, its domain made for software emulation, which
    // apply keeps) and the manifest that declares it, started with the host, or that no longer does.
    private static string Declare(MiniguestHost host, string name, bool declared)
    {
        var link = host.Paths.Link(GuestName.Parse(name));
        if (!File.Exists(link) && !Directory.Exists(link))
        {
            // A container: apply's steps are a VM's and more (its root is made), and it starts and stops in a fraction
            // of the seconds a VM takes under software emulation.
            var built = TestGuestFlake.BuildAsync("container-idle").GetAwaiter().GetResult();
            Directory.CreateDirectory(host.Paths.Guests);
            File.CreateSymbolicLink(link, built.Directory);
            host.Ok("create", name);
        }
        var manifest = Path.Combine(host.Root, declared ? "declared.json" : "none.json");
        File.WriteAllText(manifest, declared
            ? """{"version":1,"guests":{"NAME":{"autostart":true,"memory":64,"networks":[],"bridges":[],"restartIfChanged":false,"uri":null,"vcpus":1}}}""".Replace("NAME", name, StringComparison.Ordinal)
            : """{"version":1,"guests":{}}""");
        return manifest;
    }
}
