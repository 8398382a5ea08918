using System.Text.Json;
using Miniguest.Core;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>
/// <c>miniguest switch</c> on the real stack: a running guest moved to a generation built after it booted, without a
/// restart, by Miniguest's agent inside it (the test guest runs the module's nix/guest-agent.sh) over its channel, a VM's
/// virtio-serial port or a container's second console; the guest's own activation output shown; the records following
/// (list, the running domain's generation, its garbage-collector root); a failed activation switched back and exit 1.
/// <c>miniguest run</c> goes through the same agent and channel.
/// Each new generation's system is visible inside the guest through the store share it booted with (9p with the module's
/// cache mode, virtiofs, a container's bind): the agent runs nothing it cannot see.
/// </summary>
[TestFixture, Category(TestCategories.Integration)]
public sealed class SwitchTests : EditableFlakeFixture
{
    [Test]
    public async Task A_container_switches_to_its_new_generation_without_a_restart_and_back_from_one_that_fails()
    {
        var name = MiniguestHost.UniqueName("swct");
        var guest = GuestName.Parse(name);
        Host.Ok("install", "-n", name, $"path:{Flake}#container-state-idle");
        Host.Ok("create", name, "--network", "none");
        Host.Ok("start", name);
        var report = Path.Combine(Host.Paths.ContainerRoot(guest), "miniguest-test-report");
        await GuestSays.WaitAsync(report, "miniguest-test-guest: waiting for shutdown");

        TestGuestFlake.ChangeGuest(Flake, "second");
        Host.Ok("upgrade", name);
        var second = SystemOf(name);
        var switched = Host.Run("switch", name);
        var afterSwitch = Listed(name);
        var root = new FileInfo(Path.Combine(Host.Paths.GenerationRoots(guest), GuestRoots.Booted)).LinkTarget;
        var current = Directory.ResolveLinkTarget(Host.Paths.Link(guest), returnFinalTarget: true)!.FullName;
        var again = Host.Run("switch", name);

        TestGuestFlake.ChangeGuest(Flake, "miniguest-test-fail-switch");
        Host.Ok("upgrade", name);
        var failed = Host.Run("switch", name);
        var afterFailure = Listed(name);
        var ran = Host.Run("run", name, "--", "sh", "-c", "echo \"$1\" from $(cat /proc/1/comm); echo to-errors >&2; printf last; exit 7", "sh", "it's 'quoted'");
        var said = await File.ReadAllTextAsync(report);
        var boots = await File.ReadAllTextAsync(Path.Combine(Host.Paths.ShareDirectory(guest, "data"), "boots"));
        Host.Ok("stop", name, "--force", "--timeout", "0");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(switched.ExitCode, Is.Zero, switched.ToString());
            Assert.That(switched.Out, Does.Contain($"{name}> activating {second}\n").And.Contain($"'{name}' switched to generation 2 without a restart"),
                "the guest's own output, then what happened");
            Assert.That(said, Does.Contain($"miniguest-test-guest: switched to {second}"), "the guest activated the new generation itself");
            Assert.That(boots.Trim(), Is.EqualTo("1"), "booted once: switched, not restarted");
            Assert.That(afterSwitch, Is.EqualTo(("current", 2)), "list: it runs its current generation");
            Assert.That(root, Is.EqualTo(current), "the running guest's root moved to the generation it now runs");
            Assert.That(again.Out.Trim(), Is.EqualTo($"'{name}' runs generation 2 already"));
            Assert.That(failed.ExitCode, Is.EqualTo(1));
            Assert.That(failed.Out, Does.Contain($"{name}> activation failed: the system is marked miniguest-test-fail-switch"));
            Assert.That(failed.ErrorLines, Has.Some.Contains($"'{name}': generation 3 failed to activate (exit 3); it switched back to generation 2"));
            Assert.That(said.Split('\n').Last(line => line.Contains("switched to", StringComparison.Ordinal)), Does.EndWith(second),
                "back on the generation it ran");
            Assert.That(afterFailure, Is.EqualTo(("outdated", 2)), "list: it still runs generation 2");
            Assert.That((ran.ExitCode, ran.Out, ran.Error), Is.EqualTo((7, "it's 'quoted' from init\nlast\n", "to-errors\n")),
                "run: the guest's output, errors and exit status, the words as given");
        }
    }

    [TestCase("vm-idle")]
    [TestCase("vm-virtiofs-idle")]
    public async Task A_vm_switches_over_its_channel_and_a_new_kernel_line_waits_for_its_restart(string variant)
    {
        var name = MiniguestHost.UniqueName("swvm");
        var guest = GuestName.Parse(name);
        Host.Ok("install", "-n", name, $"path:{Flake}#{variant}");
        Host.Ok("create", name, "--virt-type", "qemu", "--memory", "256", "--network", "none");
        Host.Ok("start", name);
        var log = Host.Paths.ConsoleLog(guest);
        await GuestSays.WaitAsync(log, "miniguest-test-guest: idle", GuestRun.BootTimeout);
        var qemu = await File.ReadAllTextAsync($"/run/libvirt/qemu/{name}.pid");

        // A new generation whose system changes, and whose kernel command line does too.
        var flake = Path.Combine(Flake, "flake.nix");
        await File.WriteAllTextAsync(flake, (await File.ReadAllTextAsync(flake)).Replace("\"loglevel=4\"", "\"loglevel=5\"", StringComparison.Ordinal));
        TestGuestFlake.ChangeGuest(Flake, "second");
        Host.Ok("upgrade", name);
        var second = SystemOf(name);
        var switched = Host.Run("switch", name);
        await GuestSays.WaitAsync(log, $"miniguest-test-guest: switched to {second}");
        var listed = Listed(name);
        var ran = Host.Run("run", name, "--", "cat", "/proc/cmdline");
        var sameProcess = await File.ReadAllTextAsync($"/run/libvirt/qemu/{name}.pid");
        var console = await File.ReadAllTextAsync(log);
        // The test guest's init ignores the power button: stop waits its whole time, counting down on a terminal.
        Host.Environment["TERM"] = "xterm-256color";
        string stopShown;
        using (var stop = new TerminalSession(Host.StartOnTerminal("stop", name, "--force", "--timeout", "3")))
        {
            Assert.That(stop.WaitForExit(), Is.Zero);
            stopShown = stop.Screen;
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(switched.ExitCode, Is.Zero, switched.ToString());
            Assert.That(switched.Out, Does.Contain($"{name}> activating {second}\n"));
            Assert.That(switched.Error, Does.Contain("differ from those it booted: they take effect at its next restart"));
            Assert.That(sameProcess, Is.EqualTo(qemu), "the same QEMU: no restart");
            Assert.That(console.Split("is up").Length - 1, Is.EqualTo(1), "booted once");
            Assert.That(listed, Is.EqualTo(("restart-pending", 2)), "list: it runs generation 2, but not yet its kernel line");
            Assert.That(ran.ExitCode, Is.Zero, "run over the VM's channel: " + ran);
            Assert.That(ran.Out, Does.Contain("loglevel=4").And.Not.Contain("loglevel=5"), "the kernel line it booted with: the new one waits for a restart");
            Assert.That(stopShown, Does.Contain("waiting up to 3 s").And.Contain("\r\x1b[Kminiguest: 2 s left").And.Contain("\r\x1b[K'" + name + "' did not shut down"),
                "stop counts down the seconds left, then clears the count for its outcome");
        }
    }

    [Test]
    public async Task A_guest_that_does_not_run_or_runs_a_domain_without_the_channel_is_told_what_to_do()
    {
        var name = MiniguestHost.UniqueName("swold");
        Host.Ok("install", "-n", name, $"path:{Flake}#container-idle");
        Host.Ok("create", name, "--network", "none");
        var stopped = Host.Run("switch", name);
        // Its domain as an older Miniguest defined it: one console, no channel.
        using (var connection = Miniguest.Libvirt.Connection.Open("lxc:///"))
        using (var domain = connection.GetDomain(name))
        {
            var before = System.Xml.Linq.XElement.Parse(domain.GetXml(Miniguest.Libvirt.DomainXmlFlags.Inactive));
            System.Xml.Linq.Extensions.Remove(before.Element("devices")!.Elements("console").Skip(1));
            connection.DefineDomain(before.ToString()).Dispose();
        }
        Host.Ok("start", name);
        await GuestSays.WaitAsync(Path.Combine(Host.Paths.ContainerRoot(GuestName.Parse(name)), "miniguest-test-report"),
            "miniguest-test-guest: waiting for shutdown");
        TestGuestFlake.ChangeGuest(Flake, "second");
        Host.Ok("upgrade", name);
        var old = Host.Run("switch", name);
        Host.Ok("stop", name, "--force", "--timeout", "0");

        using (Assert.EnterMultipleScope())
        {
            Assert.That((stopped.ExitCode, stopped.Error.Trim()),
                Is.EqualTo((1, $"miniguest: error: guest '{name}' is not running; start it with: miniguest start {name} --console")));
            Assert.That((old.ExitCode, old.Error.Trim()), Is.EqualTo((1, $"miniguest: error: guest '{name}' runs a domain without Miniguest's guest "
                + $"channel: restart it once, and it has one: miniguest restart {name}")));
        }
    }

    // The NixOS system of the guest's current generation: the top level its boot directory's init belongs to.
    private string SystemOf(string name) =>
        Path.GetDirectoryName(File.ResolveLinkTarget(Path.Combine(Host.Paths.Link(GuestName.Parse(name)), "boot", "init"), returnFinalTarget: false)!.FullName)!;

    private (string Status, int? Running) Listed(string name)
    {
        using var list = JsonDocument.Parse(Host.Ok("list", "--json", name).Out);
        var guest = list.RootElement[0];
        return (guest.GetProperty("status").GetString()!, guest.GetProperty("runningGeneration").GetInt32());
    }
}
