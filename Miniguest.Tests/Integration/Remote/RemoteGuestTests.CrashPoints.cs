using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Integration.Remote;

// The steps a command takes on another host's files are Core's own steps, run there by the agent: the agent is killed at
// each of them in turn (MINIGUEST_CRASH_AT in the simulated host's agent), and the command, run again, completes, leaving
// on the other host the guest as the command makes it and nothing temporary beside it. Part of RemoteGuestTests' fixture,
// whose simulated host it shares.
public sealed partial class RemoteGuestTests
{
    // Properties, not fields: the fields of the class's other part may not be set yet when the scenarios are.
    private static string CrashVm => TestGuestFlake.Reference + "#vm";
    private static string CrashContainer => TestGuestFlake.Reference + "#container";

    /// <summary>A command on a guest of the other host.</summary>
    /// <param name="Command">How the test names it.</param>
    /// <param name="SetUp">Prepares the guest of the given name; returns the arguments to run.</param>
    /// <param name="Done">Asserts what the command did there, once run again.</param>
    public sealed record CrashScenario(string Command, Func<RemoteGuestTests, string, string[]> SetUp, Action<RemoteGuestTests, string> Done)
    {
        public override string ToString() => Command;
    }

    private static readonly CrashScenario[] CrashScenarios =
    [
        new("install", (test, name) => ["-c", test.Remote.QemuUri, "install", "-n", name, CrashVm],
            (test, name) => Assert.That(test.Remote.Exec("readlink", $"/etc/miniguests/{name}").Out.Trim(), Is.EqualTo($"{Profiles}/{name}"))),
        new("create (container)", (test, name) =>
        {
            test.Host.Ok("-c", test.Remote.LxcUri, "install", "-n", name, CrashContainer);
            return ["create", name];
        }, (test, name) =>
        {
            Assert.That(test.Remote.Exec("virsh", "-c", "lxc:///", "domstate", name).Out.Trim(), Is.EqualTo("shut off"), "defined there");
            Assert.That(test.Remote.PathExists($"/var/lib/miniguest/guests/{name}/container/root/sys/fs/cgroup"), Is.True, "its root made ready");
        }),
        new("rollback", (test, name) =>
        {
            test.Host.Ok("-c", test.Remote.QemuUri, "install", "-n", name, CrashVm);
            test.Host.Ok("install", "--force", "-n", name, TestGuestFlake.Reference + "#vm-virtiofs");
            return ["rollback", name, "--to", "1"];
        }, (test, name) => Assert.That(test.Remote.Exec("readlink", $"{Profiles}/{name}").Out.Trim(), Is.EqualTo($"{name}-1-link"))),
        new("remove --purge (container)", (test, name) =>
        {
            test.Host.Ok("-c", test.Remote.LxcUri, "install", "-n", name, CrashContainer);
            test.Host.Ok("create", name);
            return ["remove", "--purge", name];
        }, (test, name) =>
        {
            Assert.That(test.Remote.PathExists($"/etc/miniguests/{name}"), Is.False, "no link there");
            Assert.That(test.Remote.PathExists($"{Profiles}/{name}"), Is.False, "no profile there");
            Assert.That(test.Remote.PathExists($"/var/lib/miniguest/guests/{name}"), Is.False, "no state there");
        }),
    ];

    [TestCaseSource(nameof(CrashScenarios))]
    public void Killed_at_each_of_its_steps_there_a_command_completes_when_run_again(CrashScenario scenario)
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
    private IReadOnlyList<string> LearnSteps(CrashScenario scenario)
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
