using Miniguest.Core;
using System.Text.Json;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>A guest's whole life through <c>miniguest</c>, on the real stack, for a VM and a container.</summary>
[TestFixture, Category(TestCategories.Integration), Parallelizable]
public sealed class GuestLifeTests : EditableFlakeFixture
{
    [TearDown]
    public void DeleteWriteProbes()
    {
        File.Delete("/nix/store/miniguest-write-probe-container");
        File.Delete("/nix/store/miniguest-write-probe-vm-virtiofs");
    }

    [Test]
    public void Vm_install_create_start_upgrade_rollback_remove()
    {
        var name = MiniguestHost.UniqueName("vm");
        // A credential, which the guest finds among QEMU's fw_cfg entries, where systemd looks (CredentialTests has the rest).
        var credential = Path.Combine(Host.Root, "token");
        File.WriteAllText(credential, "first token");
        Host.Ok("install", "-n", name, $"path:{Flake}#vm");
        Host.Ok("create", name, "--virt-type", "qemu", "--memory", "256", "--credential", $"token={credential}");

        var boot = Host.Ok("start", name, "--console");
        Assert.That(boot.Out, Does.Contain("miniguest-test-guest: vm is up").And.Contain("store-write=refused"));
        Assert.That(boot.Out, Does.Contain($"miniguest-test-guest: credential token sha256={Sha256("first token")}"));
        var firstInit = InitOf(boot.Out);

        TestGuestFlake.ChangeGuest(Flake, "upgrade 1");
        var upgrade = Host.Ok("upgrade", name);
        Assert.That(upgrade.Out, Does.Contain("generation 1 -> 2"));
        Assert.That(upgrade.Out, Does.Match(@"\n  no version changes; [1-9][0-9]* new store paths?\n"), "the test guest's paths carry no versions");
        Assert.That(Host.Ok("upgrade", name).Out, Does.Contain("up to date"), "a second upgrade finds nothing new");

        File.WriteAllText(credential, "second token");
        Host.Ok("create", name, "--credential", $"token={credential}");
        var second = Host.Ok("start", name, "--console");
        Assert.That(InitOf(second.Out), Is.Not.EqualTo(firstInit), "the re-synced domain boots the new generation's init");
        Assert.That(second.Out, Does.Contain($"credential token sha256={Sha256("second token")}"), "a replaced credential, at the next start");

        Assert.That(Host.Ok("rollback", name).Out, Does.Contain("generation 1"));
        var third = Host.Ok("start", name, "--console");
        Assert.That(InitOf(third.Out), Is.EqualTo(firstInit), "after the rollback the first generation boots again");
        Assert.That(third.Out, Is.EqualTo(File.ReadAllText(Host.Paths.ConsoleLog(GuestName.Parse(name)))),
            "start --console, its output not a terminal, prints all the guest wrote to its console, its first byte to its last");

        Assert.That(Guest(name).GetProperty("consoleLog").GetString(), Is.EqualTo(Host.Paths.ConsoleLog(GuestName.Parse(name))));
        Assert.That(Guest(name).GetProperty("storeProtection").GetString(), Is.EqualTo("read-only-9p-share"));
        Assert.That(File.ReadAllText(Host.Paths.ConsoleLog(GuestName.Parse(name))), Does.Contain("miniguest-test-guest: vm is up"));
        var shown = Host.Ok("show", name).Out;
        Assert.That(shown, Does.Contain("memory:").And.Contain("256 MiB").And.Contain("generations:").And.Contain("1 (current), 2"));
        using (var details = JsonDocument.Parse(Host.Ok("show", name, "--json").Out))
        {
            Assert.That(details.RootElement.GetProperty("guest").GetProperty("memoryMiB").GetInt32(), Is.EqualTo(256));
            Assert.That(details.RootElement.GetProperty("generations").GetArrayLength(), Is.EqualTo(2));
        }
        var logs = Host.Ok("logs", name);
        Assert.That(logs.Out, Does.Contain("miniguest-test-guest: vm is up"), "logs prints the console log");
        Assert.That(Host.Ok("logs", name, "-n", "2").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(2));

        Host.Ok("remove", name);
        Assert.That(Host.Ok("list", "--json").Out.Trim(), Is.EqualTo("[]"));
        using var connection = Miniguest.Libvirt.Connection.Open("qemu:///system");
        Assert.That(connection.TryGetDomain(name, out _), Is.False, "remove undefines the domain");
    }

    [Test]
    public void Virtiofs_vm_shares_the_store_read_only_through_theHosts_view()
    {
        var name = MiniguestHost.UniqueName("vfs");
        Host.Ok("install", "-n", name, $"path:{Flake}#vm-virtiofs");
        var created = Host.Ok("create", name, "--virt-type", "qemu", "--memory", "256");
        Assert.That(created.Error, Does.Contain("miniguest: store protection: the store is shared over virtiofs"));

        var boot = Host.Ok("start", name, "--console");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(boot.Out, Does.Contain("miniguest-test-guest: vm-virtiofs is up").And.Contain("store-write=refused"));
            Assert.That(File.Exists("/nix/store/miniguest-write-probe-vm-virtiofs"), Is.False, "the guest wrote into the host's store");
        }
        Host.Ok("remove", name);
    }

    [Test]
    public void Start_and_stop_succeed_on_a_guest_already_as_asked_and_say_what_they_did()
    {
        var name = MiniguestHost.UniqueName("ct");
        Host.Ok("install", "-n", name, $"path:{Flake}#container");
        Host.Ok("create", name);
        File.WriteAllText(Path.Combine(Host.Paths.ContainerRoot(GuestName.Parse(name)), "miniguest-test-wait"), "");
        // Its init then has no initctl pipe: it ignores the shutdown request, and --force pulls the plug.
        File.WriteAllText(Path.Combine(Host.Paths.ContainerRoot(GuestName.Parse(name)), "miniguest-test-deaf"), "");

        var started = Host.Ok("start", name);
        var again = Host.Ok("start", name);
        var stopped = Host.Ok("stop", name, "--force", "--timeout", "2");
        var stoppedAgain = Host.Ok("stop", name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(started.Out.Trim(), Is.EqualTo($"started '{name}'"));
            Assert.That(again.Out.Trim(), Is.EqualTo($"'{name}' is already running"));
            Assert.That(stopped.Error, Does.Contain($"miniguest: waiting up to 2 s for '{name}' to shut down"));
            Assert.That(stopped.Out.Trim(), Is.EqualTo($"'{name}' did not shut down within 2 s: forced it off"));
            Assert.That(stoppedAgain.Out.Trim(), Is.EqualTo($"'{name}' is not running"));
            Assert.That(stoppedAgain.Error, Is.Empty, "nothing to wait for");
        }
    }

    [Test]
    public void Stop_force_pulls_off_a_guest_that_libvirt_refuses_to_ask_to_shut_down()
    {
        var name = MiniguestHost.UniqueName("vm");
        Host.Ok("install", "-n", name, $"path:{Flake}#vm");
        Host.Ok("create", name, "--virt-type", "qemu", "--memory", "128");
        using var connection = Miniguest.Libvirt.Connection.Open("qemu:///system");
        using var domain = connection.GetDomain(name);
        // libvirt refuses to ask a paused VM to shut down ("domain is not running"), as libvirt-LXC refuses for a
        // container whose init it lost track of under load.
        domain.Start(Miniguest.Libvirt.DomainCreateFlags.Paused);

        var refused = Host.Run("stop", name, "--timeout", "1");
        var stillRunning = domain.IsActive;
        var forced = Host.Ok("stop", name, "--force", "--timeout", "1");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused.ExitCode, Is.EqualTo(1), "without --force the refusal is the answer");
            Assert.That(refused.ErrorLines.Last(), Does.Contain("domain is not running"));
            Assert.That(stillRunning, Is.True, "nothing was forced without --force");
            Assert.That(forced.Out.Trim(), Is.EqualTo($"'{name}' could not be asked to shut down: forced it off"));
            Assert.That(domain.IsActive, Is.False);
        }
    }

    [Test]
    public void Container_runs_is_reported_outdated_after_an_upgrade_and_current_after_a_restart()
    {
        var name = MiniguestHost.UniqueName("ct");
        var guest = GuestName.Parse(name);
        Host.Ok("install", "-n", name, $"path:{Flake}#container");
        Host.Ok("create", name);
        Assert.That(Status(name), Is.EqualTo("stopped"));
        // The test guest then waits for a shutdown request instead of powering off at once.
        File.WriteAllText(Path.Combine(Host.Paths.ContainerRoot(guest), "miniguest-test-wait"), "");

        Host.Ok("start", name);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Status(name), Is.EqualTo("current"));
            Assert.That(Guest(name).GetProperty("storeProtection").GetString(), Is.EqualTo("user-namespace"));
        }

        TestGuestFlake.ChangeGuest(Flake, "upgrade 1");
        var upgrade = Host.Ok("upgrade", name);
        Assert.That(upgrade.Error, Does.Contain($"'{name}' runs generation 1; it runs generation 2 from its next start"));
        Assert.That(Status(name), Is.EqualTo("outdated"));
        Host.Ok("autostart", name, "on");
        var table = Host.Ok("list").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var generations = Host.Ok("generations", name).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Guest(name).GetProperty("generation").GetInt32(), Is.EqualTo(2));
            Assert.That(Guest(name).GetProperty("runningGeneration").GetInt32(), Is.EqualTo(1), "it runs the generation it started on");
            Assert.That(Guest(name).GetProperty("autostart").GetBoolean(), Is.True);
            Assert.That(table[0], Does.Match(@"^NAME +TYPE +STATUS +GEN +RUNNING +AUTO +ADDRESS +SOURCE$"));
            Assert.That(table, Has.Some.Match($@"^{name} +container +outdated +2 +1 +yes +- +path:.*#container$"));
            Assert.That(generations, Has.Some.Match(@"^ +1 .*\(running\)$").And.Some.Match(@"^ +2 .*\(current\)$"));
        }
        Host.Ok("autostart", name, "off");

        // Shut down when asked, or forced off after the timeout: either way restart says which.
        var restarted = Host.Ok("restart", name, "--force", "--timeout", "2");
        Assert.That(restarted.Out.Trim(), Is.EqualTo($"restarted '{name}'").Or.EqualTo($"'{name}' did not shut down within 2 s: forced it off and started it again"));
        Assert.That(restarted.Error, Does.Contain($"miniguest: waiting up to 2 s for '{name}' to shut down"));
        Assert.That(Status(name), Is.EqualTo("current"));

        var rollback = Host.Ok("rollback", name, "--to", "1");
        Assert.That(rollback.Error, Does.Contain($"'{name}' runs generation 2; it runs generation 1 from its next start"), "a rollback runs a newer one");
        Assert.That(Status(name), Is.EqualTo("outdated"));

        var refused = Host.Run("remove", name);
        Assert.That(refused.ExitCode, Is.EqualTo(1));
        Assert.That(refused.Error, Does.Contain("--force"));
        var removed = Host.Ok("remove", "--force", name);
        Assert.That(removed.Out, Does.Contain($"removed '{name}' (it was running: forced it off first)"));
        Assert.That(removed.Out, Does.Contain($"its data stays in {Host.Paths.ContainerRoot(guest)}"), "a container's root is its data");
        Assert.That(Host.Ok("remove", "--purge", name).Out, Does.Contain($"deleted its data: {Host.Paths.ContainerRoot(guest)}"));
        Assert.That(Directory.Exists(Host.Paths.GuestState(guest)), Is.False);
    }

    [Test]
    public void Start_and_stop_act_on_each_guest_named_and_tell_each_ones_failure()
    {
        var (first, second) = (MiniguestHost.UniqueName("ma"), MiniguestHost.UniqueName("mb"));
        foreach (var name in new[] { first, second })
        {
            Host.Ok("install", "-n", name, $"path:{Flake}#container-idle");
            Host.Ok("create", name);
        }

        var started = Host.Run("start", first, "nosuch", second);
        var stopped = Host.Ok("stop", first, second, "--force", "--timeout", "5");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(started.ExitCode, Is.EqualTo(1), "one of them failed");
            Assert.That(started.OutLines, Is.EqualTo(new[] { $"started '{first}'", $"started '{second}'" }), "the others still started");
            Assert.That(started.ErrorLines, Has.One.EqualTo("miniguest: error: 'nosuch': no guest named 'nosuch' is installed"));
            Assert.That(stopped.OutLines, Has.Count.EqualTo(2).And.Some.Contain($"'{first}'").And.Some.Contain($"'{second}'"));
            Assert.That(Status(first), Is.EqualTo("stopped"));
            Assert.That(Status(second), Is.EqualTo("stopped"));
        }
        Host.Ok("remove", "--purge", first);
        Host.Ok("remove", "--purge", second);
    }

    private JsonElement Guest(string name)
    {
        using var list = JsonDocument.Parse(Host.Ok("list", "--json").Out);
        return list.RootElement.EnumerateArray().Single(g => g.GetProperty("name").GetString() == name).Clone();
    }

    private string? Status(string name) => Guest(name).GetProperty("status").GetString();

    private static string InitOf(string console) =>
        console.Split('\n').Single(l => l.Contains("is up (init ", StringComparison.Ordinal)).Trim();

    private static string Sha256(string text) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
