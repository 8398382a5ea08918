using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Integration.Remote;

/// <summary>
/// The steps a command takes on another host's files are Core's own steps, run there by the agent: the agent is killed
/// at each of them in turn (<c>MINIGUEST_CRASH_AT</c> in the simulated host's agent), and the command, run again, completes,
/// leaving on the other host the guest as the command makes it and nothing temporary beside it.
/// </summary>
[TestFixture, Category(TestCategories.Remote), NonParallelizable]
public sealed class RemoteCrashPointTests : RemoteHostFixture
{
    private static readonly string Vm = TestGuestFlake.Reference + "#vm";
    private static readonly string Container = TestGuestFlake.Reference + "#container";

    /// <summary>A command on a guest of the other host.</summary>
    /// <param name="Command">How the test names it.</param>
    /// <param name="SetUp">Prepares the guest of the given name; returns the arguments to run.</param>
    /// <param name="Done">Asserts what the command did there, once run again.</param>
    public sealed record Scenario(string Command, Func<RemoteCrashPointTests, string, string[]> SetUp, Action<RemoteCrashPointTests, string> Done)
    {
        public override string ToString() => Command;
    }

    private static readonly Scenario[] Scenarios =
    [
        new("install", (test, name) => ["-c", test.Remote.QemuUri, "install", "-n", name, Vm],
            (test, name) => Assert.That(test.Remote.Exec("readlink", $"/etc/miniguests/{name}").Out.Trim(), Is.EqualTo($"{Profiles}/{name}"))),
        new("create (container)", (test, name) =>
        {
            test.Host.Ok("-c", test.Remote.LxcUri, "install", "-n", name, Container);
            return ["create", name];
        }, (test, name) =>
        {
            Assert.That(test.Remote.Exec("virsh", "-c", "lxc:///", "domstate", name).Out.Trim(), Is.EqualTo("shut off"), "defined there");
            Assert.That(test.Remote.PathExists($"/var/lib/miniguest/guests/{name}/container/root/sys/fs/cgroup"), Is.True, "its root made ready");
        }),
        new("rollback", (test, name) =>
        {
            test.Host.Ok("-c", test.Remote.QemuUri, "install", "-n", name, Vm);
            test.Host.Ok("install", "--force", "-n", name, TestGuestFlake.Reference + "#vm-virtiofs");
            return ["rollback", name, "--to", "1"];
        }, (test, name) => Assert.That(test.Remote.Exec("readlink", $"{Profiles}/{name}").Out.Trim(), Is.EqualTo($"{name}-1-link"))),
        new("remove --purge (container)", (test, name) =>
        {
            test.Host.Ok("-c", test.Remote.LxcUri, "install", "-n", name, Container);
            test.Host.Ok("create", name);
            return ["remove", "--purge", name];
        }, (test, name) =>
        {
            Assert.That(test.Remote.PathExists($"/etc/miniguests/{name}"), Is.False, "no link there");
            Assert.That(test.Remote.PathExists($"{Profiles}/{name}"), Is.False, "no profile there");
            Assert.That(test.Remote.PathExists($"/var/lib/miniguest/guests/{name}"), Is.False, "no state there");
        }),
    ];

    [TearDown]
    public void ForgetTheCrash() => Remote.SetAgentEnvironment();

    [TestCaseSource(nameof(Scenarios))]
    public void Killed_at_each_of_its_steps_there_a_command_completes_when_run_again(Scenario scenario)
    {
        var steps = LearnSteps(scenario);
        Assert.That(steps, Is.Not.Empty, "the agent reaches no step of the command: a build without crash points, or no agent ran");
        for (var step = 1; step <= steps.Count; step++)
        {
            var name = MiniguestHost.UniqueName("rc");
            var arguments = scenario.SetUp(this, name);
            Remote.SetAgentEnvironment($"MINIGUEST_CRASH_AT={step}");
            var crashed = Host.Run(arguments);
            Remote.SetAgentEnvironment();
            var again = Host.Run(arguments);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(crashed.ExitCode, Is.EqualTo(1), $"{scenario.Command} fails when the agent dies at step {step} ({steps[step - 1]})");
                Assert.That(crashed.ErrorLines.Where(line => line.StartsWith("miniguest: error:", StringComparison.Ordinal)).ToList(),
                    Has.Count.EqualTo(1).And.Some.Contains(Remote.Address).And.Some.Contains("agent ended"), crashed.ToString());
                Assert.That(again.ExitCode, Is.Zero, $"run again after the agent died at step {step} ({steps[step - 1]}), {scenario.Command} completes:\n{again}");
                scenario.Done(this, name);
                Assert.That(Remote.Exec("sh", "-c", $"ls -A /etc/miniguests {Profiles} /var/lib/miniguest/guests/{name} 2>/dev/null | grep -c -- '\\.tmp\\|^\\.'").Out.Trim(),
                    Is.EqualTo("0"), "nothing temporary left there");
            }
        }
    }

    // The steps the agent reaches when nothing stops it.
    private IReadOnlyList<string> LearnSteps(Scenario scenario)
    {
        var name = MiniguestHost.UniqueName("rc");
        var arguments = scenario.SetUp(this, name);
        var trace = Path.Combine(Remote.Directory, "fs", "root", "crash-trace");
        File.Delete(trace);
        Remote.SetAgentEnvironment("MINIGUEST_CRASH_TRACE=/root/crash-trace");
        Host.Ok(arguments);
        Remote.SetAgentEnvironment();
        var steps = File.Exists(trace) ? File.ReadAllLines(trace) : [];
        TestContext.Out.WriteLine($"{scenario.Command}: {steps.Length} steps there: {string.Join(", ", steps)}");
        return steps;
    }
}
