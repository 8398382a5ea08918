using System.Diagnostics;
using System.Text.Json;
using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Integration.Cli;

/// <summary><c>miniguest apply</c>, as the NixOS host module runs it at each boot and each switch: declared guests are
/// links straight into the store, their settings come in a manifest.</summary>
[TestFixture, Category(TestCategories.Integration), Parallelizable]
public sealed class ApplyTests : HostFixture
{
    /// <summary>One guest of a manifest.</summary>
    private sealed record Declared(string Name, bool Autostart = false, bool RestartIfChanged = true, int Memory = 128, int Vcpus = 1,
        IReadOnlyDictionary<string, string>? Shares = null, IReadOnlyDictionary<string, string>? Credentials = null, bool SwitchIfChanged = false);

    [Test]
    public async Task Apply_defines_declared_guests_and_undefines_those_no_longer_declared_but_never_an_installed_one()
    {
        var declared = MiniguestHost.UniqueName("decl");
        var installed = MiniguestHost.UniqueName("inst");
        Link(declared, await TestGuestFlake.BuildAsync("vm"));
        Host.Ok("install", "-n", installed, TestGuestFlake.Reference + "#vm");
        Host.Ok("create", installed, "--virt-type", "qemu", "--memory", "128");

        var manifest = Manifest(new Declared(declared, Memory: 192, Vcpus: 2));
        var applied = Host.Ok("apply", "--manifest", manifest);

        using var connection = Connection.Open("qemu:///system");
        using (var domain = connection.GetDomain(declared))
        {
            var vm = DomainXml.Read(domain.GetXml(DomainXmlFlags.Inactive)).Vm!;
            using (Assert.EnterMultipleScope())
            {
                Assert.That(applied.Out, Does.Contain($"'{declared}': defined on qemu:///system"));
                Assert.That(domain.IsActive, Is.False, "not declared to start with the host: not started");
                Assert.That(vm.MemoryMiB, Is.EqualTo(192));
                Assert.That(vm.VCpus, Is.EqualTo(2));
                Assert.That(vm.Metadata?.GuestName, Is.EqualTo(declared));
            }
        }
        Assert.That(Host.Ok("list", "--json").Out, Does.Contain("\"declarative\": true"));

        File.WriteAllText(manifest, """{"version":1,"guests":{}}""");
        var pruned = Host.Ok("apply", "--manifest", manifest);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.TryGetDomain(declared, out _), Is.False, "no longer declared: undefined");
            Assert.That(pruned.Out.Trim(), Is.EqualTo($"'{declared}': no longer declared: removed from qemu:///system"));
            Assert.That(connection.TryGetDomain(installed, out var kept), Is.True, "an installed guest's domain is not the manifest's");
            kept?.Dispose();
        }
    }

    [Test]
    public async Task Apply_starts_a_declared_autostart_guest_itself_with_libvirts_autostart_off_and_list_shows_it_autostarting()
    {
        var name = MiniguestHost.UniqueName("auto");
        Link(name, await TestGuestFlake.BuildAsync("container-idle"));
        var manifest = Manifest(new Declared(name, Autostart: true));

        var applied = Host.Ok("apply", "--manifest", manifest);
        var again = Host.Ok("apply", "--manifest", manifest);
        var refused = Host.Run("autostart", name, "off");

        using var connection = Connection.Open("lxc:///");
        using var domain = connection.GetDomain(name);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(domain.IsActive, Is.True, "started by apply");
            Assert.That(domain.Autostart, Is.False, "libvirtd does not start it: apply does, on its current generation");
            Assert.That(ListedAutostart(name), Is.True, "listed as starting with the host");
            Assert.That(Host.Ok("list").Out, Does.Match($@"(?m)^{name} +container +current +.* +yes "));
            Assert.That(applied.Out.Trim(), Is.EqualTo($"'{name}': defined on lxc:///, started"));
            Assert.That(again.Out.Trim(), Is.EqualTo($"'{name}': up to date on lxc:///"), "running already: left as it is");
            Assert.That(refused.ExitCode, Is.EqualTo(1));
            Assert.That(refused.Error, Does.Contain($"miniguests.{name}.autostart"), "the declaration decides, not a command that the next apply undoes");
        }
    }

    [Test]
    public async Task A_declared_guest_left_with_libvirts_autostart_on_has_it_off_after_apply_so_libvirtd_never_boots_its_old_generation()
    {
        var name = MiniguestHost.UniqueName("boot");
        Link(name, await TestGuestFlake.BuildAsync("container-idle"));
        var manifest = Manifest(new Declared(name, Autostart: true));
        Host.Ok("apply", "--manifest", manifest);
        using var connection = Connection.Open("lxc:///");
        using (var domain = connection.GetDomain(name))
        {
            // As an older Miniguest's apply left it: libvirtd would start it at boot, before apply redefines it.
            domain.Autostart = true;
        }

        Host.Ok("apply", "--manifest", manifest);

        using (var domain = connection.GetDomain(name))
        {
            Assert.That(domain.Autostart, Is.False);
        }
        Assert.That(ListedAutostart(name), Is.True);
    }

    [Test]
    public async Task A_running_guest_no_longer_declared_is_shut_down_cleanly_then_removed_and_the_others_stay()
    {
        var dropped = MiniguestHost.UniqueName("drop");
        var kept = MiniguestHost.UniqueName("keep");
        Link(dropped, await TestGuestFlake.BuildAsync("container-state-idle"));
        Link(kept, await TestGuestFlake.BuildAsync("container-idle"));
        var manifest = Manifest(new Declared(dropped, Autostart: true), new Declared(kept));
        Host.Ok("apply", "--manifest", manifest);
        await WaitUntilWaitingForShutdownAsync(dropped);

        Manifest(new Declared(kept));
        var removed = Host.Ok("apply", "--manifest", manifest, "--stop-timeout", "30");

        var droppedGuest = GuestName.Parse(dropped);
        var marker = Path.Combine(Host.Paths.ShareDirectory(droppedGuest, "data"), "shut-down");
        using var connection = Connection.Open("lxc:///");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(File.Exists(marker), Is.True, "the guest shut down cleanly: it took its time and left its mark, as a guest destroyed never does");
            Assert.That(removed.Out, Does.Contain($"'{dropped}': no longer declared: shut down, removed from lxc:///"));
            Assert.That(connection.TryGetDomain(dropped, out _), Is.False, "undefined");
            Assert.That(Directory.Exists(Host.Paths.GuestState(droppedGuest)), Is.False, "its state deleted");
            Assert.That(Directory.Exists(Host.Paths.ShareDirectory(droppedGuest, "data")), Is.True, "its data kept");
            Assert.That(connection.TryGetDomain(kept, out var still), Is.True, "still declared: kept");
            still?.Dispose();
        }
    }

    [Test]
    public async Task A_declared_guest_has_the_credentials_declared_read_at_each_apply_and_no_other()
    {
        var name = MiniguestHost.UniqueName("decl");
        var guest = Miniguest.Core.GuestName.Parse(name);
        Link(name, await TestGuestFlake.BuildAsync("container"));
        var (token, key) = (Path.Combine(Host.Root, "token"), Path.Combine(Host.Root, "key"));
        File.WriteAllText(token, "first token");
        File.WriteAllText(key, "host key");
        Host.Ok("apply", "--manifest", Manifest(new Declared(name, Credentials: new Dictionary<string, string> { ["token"] = token, ["key"] = key })));
        var first = CredentialsOf(guest);

        File.WriteAllText(token, "second token");
        Host.Ok("apply", "--manifest", Manifest(new Declared(name, Credentials: new Dictionary<string, string> { ["token"] = token })));
        var second = CredentialsOf(guest);
        File.Delete(token);
        var missing = Host.Run("apply", "--manifest", Manifest(new Declared(name, Credentials: new Dictionary<string, string> { ["token"] = token })));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(first, Is.EqualTo(new Dictionary<string, string> { ["key"] = "host key", ["token"] = "first token" }));
            Assert.That(second, Is.EqualTo(new Dictionary<string, string> { ["token"] = "second token" }), "read again, and the one no longer declared gone");
            Assert.That(missing.ExitCode, Is.EqualTo(1));
            Assert.That(missing.Error, Does.Contain(token), "a declared file that is gone is named");
        }
    }

    [Test]
    public async Task A_manifest_without_guests_removes_the_last_guest_declared()
    {
        var name = MiniguestHost.UniqueName("last");
        Link(name, await TestGuestFlake.BuildAsync("container-idle"));
        var manifest = Manifest(new Declared(name, Autostart: true));
        Host.Ok("apply", "--manifest", manifest);

        // A host module that declares no guest may leave the guests out altogether.
        File.WriteAllText(manifest, """{"version":1}""");
        Host.Ok("apply", "--manifest", manifest, "--stop-timeout", "5");

        using var connection = Connection.Open("lxc:///");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.TryGetDomain(name, out _), Is.False, "undefined");
            Assert.That(File.ReadAllText(Path.Combine(Host.Paths.State, "declarative-guests.json")), Is.EqualTo("[]"), "no guest is declared now");
        }
    }

    [Test]
    public async Task Changed_running_guests_restart_several_at_once_each_stop_limited_in_time()
    {
        // VMs whose init ignores the power button: each restart waits the whole stop timeout, then forces the guest off.
        const string StopTimeout = "4";
        var names = Enumerable.Range(0, 3).Select(_ => MiniguestHost.UniqueName("par")).ToList();
        var copy = TestGuestFlake.CopyForEditing();
        try
        {
            var first = await TestGuestFlake.BuildAsync("vm-idle");
            TestGuestFlake.ChangeGuest(copy, "a new generation");
            var second = await TestGuestFlake.BuildAsync("vm-idle", copy);
            foreach (var name in names)
            {
                Link(name, first);
                // Software emulation, as everywhere in these tests; apply keeps a domain's virtualisation.
                Host.Ok("create", name, "--virt-type", "qemu", "--memory", "128");
            }
            var manifest = Manifest([.. names.Select(name => new Declared(name, Autostart: true))]);
            Host.Ok("apply", "--manifest", manifest, "--jobs", "3");

            Link(names[0], second);
            var (one, single) = Timed(() => Host.Ok("apply", "--manifest", manifest, "--jobs", "3", "--stop-timeout", StopTimeout));
            // All three changed: the first back to the generation the others run, the others on to the new one.
            Link(names[0], first);
            Link(names[1], second);
            Link(names[2], second);
            var (all, three) = Timed(() => Host.Ok("apply", "--manifest", manifest, "--jobs", "3", "--stop-timeout", StopTimeout));

            var ratio = three.TotalSeconds / single.TotalSeconds;
            TestContext.Out.WriteLine($"one restart: {single.TotalSeconds:0.0} s; three with --jobs 3: {three.TotalSeconds:0.0} s; ratio {ratio:0.00}");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(one.Out, Does.Contain($"'{names[0]}': updated on qemu:///system, forced off (it did not shut down within 4 s), restarted on its new generation"));
                Assert.That(all.Out.Split('\n').Count(line => line.Contains("restarted on its new generation", StringComparison.Ordinal)), Is.EqualTo(3));
                Assert.That(names.Select(RunsCurrentGeneration), Is.All.True, "each runs its current generation");
                Assert.That(ratio, Is.LessThan(2.0), "three restarts at once take well under three times one");
            }
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Test]
    public async Task A_changed_running_guest_that_asks_to_switch_is_switched_without_a_restart()
    {
        var name = MiniguestHost.UniqueName("dsw");
        var copy = TestGuestFlake.CopyForEditing();
        try
        {
            Link(name, await TestGuestFlake.BuildAsync("container-idle"));
            var manifest = Manifest(new Declared(name, Autostart: true, SwitchIfChanged: true));
            Host.Ok("apply", "--manifest", manifest);
            var report = Path.Combine(Host.Paths.ContainerRoot(Miniguest.Core.GuestName.Parse(name)), "miniguest-test-report");
            await GuestSays.WaitAsync(report, "miniguest-test-guest: waiting for shutdown");
            TestGuestFlake.ChangeGuest(copy, "a new generation");
            var second = await TestGuestFlake.BuildAsync("container-idle", copy);
            Link(name, second);

            var applied = Host.Ok("apply", "--manifest", manifest);
            var said = await File.ReadAllTextAsync(report);
            var current = RunsCurrentGeneration(name);
            Host.Ok("stop", name, "--force", "--timeout", "0");

            using (Assert.EnterMultipleScope())
            {
                Assert.That(applied.Out.Trim(), Is.EqualTo($"'{name}': updated on lxc:///, switched to its new generation without a restart"));
                Assert.That(said, Does.Contain($"miniguest-test-guest: switched to {SystemTopLevel.Of(SystemTopLevel.InitLinkOf(second.BootDirectory))}"), "the guest activated it itself");
                Assert.That(said.Split("is up").Length - 1, Is.EqualTo(1), "booted once");
                Assert.That(current, Is.True, "it runs its current generation");
            }
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    [Test]
    public async Task A_guest_that_fails_stops_none_of_the_others_and_apply_fails_at_the_end()
    {
        var failing = MiniguestHost.UniqueName("fail");
        var good = MiniguestHost.UniqueName("good");
        // Its build output asks for a host directory its host does not give: refused.
        Link(failing, await TestGuestFlake.BuildAsync("escape-share"));
        Link(good, await TestGuestFlake.BuildAsync("container-idle"));
        // The failing guest comes first: the good one is defined and started after it failed.
        var manifest = Manifest(new Declared(failing, Autostart: true), new Declared(good, Autostart: true));
        Assert.That(string.CompareOrdinal(failing, good), Is.LessThan(0));

        var result = Host.Run("apply", "--manifest", manifest);

        using var connection = Connection.Open("lxc:///");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.ExitCode, Is.EqualTo(1));
            Assert.That(result.ErrorLines.Where(line => line.StartsWith("miniguest: error: ", StringComparison.Ordinal)).ToList(),
                Has.Count.EqualTo(1).And.All.StartWith($"miniguest: error: '{failing}': "), "one line, for the guest that failed");
            Assert.That(result.Error, Does.Contain($"miniguests.{failing}.shares.data"));
            Assert.That(result.Out, Does.Contain($"'{good}': defined on lxc:///, started"));
            Assert.That(connection.TryGetDomain(good, out var domain) && domain!.IsActive, Is.True, "the other guest runs");
            domain?.Dispose();
            Assert.That(File.ReadAllText(Path.Combine(Host.Paths.State, "declarative-guests.json")), Does.Contain(failing),
                "still declared, though it failed");
        }
    }

    [Test]
    public async Task A_declared_guest_gets_the_share_directories_its_host_declares_and_none_its_build_output_asks_for()
    {
        var declared = MiniguestHost.UniqueName("decl");
        Link(declared, await TestGuestFlake.BuildAsync("escape-share"));
        var data = Directory.CreateDirectory(Path.Combine(Host.Root, "srv", "data")).FullName;

        var manifest = Manifest(new Declared(declared, Shares: new Dictionary<string, string>()));
        var refused = Host.Run("apply", "--manifest", manifest);
        Manifest(new Declared(declared, Shares: new Dictionary<string, string> { ["data"] = data }));
        Host.Ok("apply", "--manifest", manifest);

        using var connection = Connection.Open("qemu:///system");
        using var domain = connection.GetDomain(declared);
        var vm = DomainXml.Read(domain.GetXml(DomainXmlFlags.Inactive)).Vm!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused.ExitCode, Is.EqualTo(1));
            Assert.That(refused.Error, Does.Contain("asks for the host directory /root").And.Contain($"miniguests.{declared}.shares.data"));
            Assert.That(vm.Shares.Select(share => share.Source), Is.EqualTo(new[] { data }), "the declared directory, not the one asked for");
        }
    }

    [Test]
    public void A_manifest_of_another_version_is_refused_in_one_line()
    {
        var manifest = Path.Combine(Host.Root, "manifest.json");
        File.WriteAllText(manifest, """{"version":2,"guests":{}}""");
        var result = Host.Run("apply", "--manifest", manifest);
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.ErrorLines, Has.Count.EqualTo(1).And.Some.Contains("version 2"));
    }

    // The guest declared as a NixOS host declares it: its link straight into the store, to the build given (replacing
    // the one it had).
    private void Link(string name, GuestSystem guest)
    {
        Directory.CreateDirectory(Host.Paths.Guests);
        File.Delete(Host.Paths.Link(GuestName.Parse(name)));
        File.CreateSymbolicLink(Host.Paths.Link(GuestName.Parse(name)), Directory.ResolveLinkTarget(guest.Directory, true)?.FullName ?? guest.Directory);
    }

    // The manifest of these guests, as the host module writes it (always to the same file); its path.
    private string Manifest(params Declared[] guests)
    {
        var manifest = Path.Combine(Host.Root, "manifest.json");
        File.WriteAllText(manifest, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["version"] = 1,
            ["guests"] = guests.ToDictionary(guest => guest.Name, guest => new Dictionary<string, object?>
            {
                ["autostart"] = guest.Autostart, ["memory"] = guest.Memory, ["vcpus"] = guest.Vcpus, ["networks"] = Array.Empty<string>(),
                ["bridges"] = Array.Empty<string>(), ["restartIfChanged"] = guest.RestartIfChanged, ["uri"] = null, ["shares"] = guest.Shares,
                ["credentials"] = guest.Credentials, ["switchIfChanged"] = guest.SwitchIfChanged,
            }),
        }));
        return manifest;
    }

    // The guest's credentials as Miniguest keeps them, by ID.
    private Dictionary<string, string> CredentialsOf(Miniguest.Core.GuestName guest) =>
        Directory.EnumerateFiles(Host.Paths.Credentials(guest)).ToDictionary(file => Path.GetFileName(file), File.ReadAllText);

    private bool ListedAutostart(string name)
    {
        using var list = JsonDocument.Parse(Host.Ok("list", "--json").Out);
        return list.RootElement.EnumerateArray().Single(guest => guest.GetProperty("name").GetString() == name).GetProperty("autostart").GetBoolean();
    }

    private bool RunsCurrentGeneration(string name)
    {
        using var list = JsonDocument.Parse(Host.Ok("list", "--json").Out);
        return list.RootElement.EnumerateArray().Single(guest => guest.GetProperty("name").GetString() == name).GetProperty("status").GetString() == "current";
    }

    private static (CommandResult Result, TimeSpan Took) Timed(Func<CommandResult> run)
    {
        var watch = Stopwatch.StartNew();
        var result = run();
        return (result, watch.Elapsed);
    }

    // A container's init ignores SIGTERM until it set its handler (it is the container's pid 1): the test waits for that.
    private async Task WaitUntilWaitingForShutdownAsync(string name)
    {
        var report = Path.Combine(Host.Paths.ContainerRoot(GuestName.Parse(name)), "miniguest-test-report");
        var deadline = DateTime.UtcNow + GuestRun.BootTimeout;
        while (!(File.Exists(report) && File.ReadAllText(report).Contains("miniguest-test-guest: waiting for shutdown", StringComparison.Ordinal)))
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"{name} never said it waits for its shutdown");
            await Task.Delay(100);
        }
    }
}
