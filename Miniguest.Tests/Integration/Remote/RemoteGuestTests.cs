using System.Text.Json;
using Miniguest.Core;
using Miniguest.Tests.Integration.Cli;
using Miniguest.Tests.Integration.Reliability;

namespace Miniguest.Tests.Integration.Remote;

/// <summary>
/// Guests on another host, through the real <c>miniguest</c>, Nix and the simulated second host's sshd and libvirtd:
/// install copies the closure there and links the guest there only; list shows it with its host, and keeps listing
/// when the host is unreachable; remove leaves nothing there; and a failure leaves nothing half-done on either host.
/// </summary>
[TestFixture, Category(TestCategories.Remote), Parallelizable]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class RemoteGuestTests : RemoteHostFixture
{
    private static readonly string Vm = TestGuestFlake.Reference + "#vm";
    private static readonly TimeSpan BootPatience = TimeSpan.FromMinutes(3);

    [Test]
    public async Task Create_defines_the_vm_there_and_it_boots_there_with_its_console_read_through_the_connection()
    {
        var name = MiniguestHost.UniqueName("rvm");
        Host.Ok("-c", Remote.QemuUri, "install", "-n", name, Vm);

        var created = Host.Ok("create", name, "--virt-type", "qemu", "--memory", "256");
        using (var console = new TerminalSession(Host.StartOnTerminal("start", "--console", name), BootPatience))
        {
            await console.WaitForAsync("miniguest-test-guest: vm is up");
            await console.WaitForAsync("miniguest-test-guest: store-write=refused");
            Assert.That(console.WaitForExit(), Is.Zero, "the console ends with the guest, which powers off");
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(created.Out, Does.Contain($"defined '{name}' on {Remote.QemuUri}"));
            Assert.That(created.Error, Does.Contain("shared read-only over 9p"), "the store's protection, reported");
            Assert.That(Remote.Exec("virsh", "-c", "qemu:///system", "list", "--all", "--name").Out, Does.Contain(name), "defined there");
            Assert.That(Remote.RunHere("virsh", "-c", "qemu:///system", "dominfo", name).ExitCode, Is.Not.Zero, "not here");
            Assert.That(Remote.Exec("cat", $"/var/lib/miniguest/guests/{name}/connection-uri").Out.Trim(), Is.EqualTo("qemu:///system"),
                "the host there knows the domain as the guest's");
            Assert.That(Remote.Exec("cat", $"/var/lib/miniguest/guests/{name}/console.log").Out, Does.Contain("miniguest-test-guest: vm is up"),
                "its console log is there");
            Assert.That(Remote.PathExists("/nix/store/miniguest-write-probe-vm"), Is.False, "the guest did not write to the store there");
        }
    }

    [Test]
    public async Task A_container_there_runs_in_a_user_namespace_and_is_stopped_from_here()
    {
        var name = MiniguestHost.UniqueName("rct");
        Host.Ok("-c", Remote.LxcUri, "install", "-n", name, TestGuestFlake.Reference + "#container");
        Host.Ok("create", name);
        var root = $"/var/lib/miniguest/guests/{name}/container/root";
        // The test container waits for its shutdown while this file is in its root.
        Remote.Exec("touch", $"{root}/miniguest-test-wait");

        using (var console = new TerminalSession(Host.StartOnTerminal("start", "--console", name), BootPatience))
        {
            await console.WaitForAsync("miniguest-test-guest: waiting for shutdown");
        }
        var owner = Remote.Exec("stat", "--format=%u", root).Out.Trim();
        var above = Remote.Exec("stat", "--format=%u %a", $"/var/lib/miniguest/guests/{name}/container").Out.Trim();
        var recorded = Remote.Exec("cat", $"/var/lib/miniguest/guests/{name}/id-range").Out.Trim();
        var running = Host.Ok("list", "--json").Out;
        // The generation it runs, rooted there while it runs (GuestRoots, on the host the guest lives on).
        var roots = $"/var/lib/miniguest/guests/{name}/gcroots";
        var generation = Remote.Exec("readlink", "-f", $"{Profiles}/{name}").Out.Trim();
        var rootsWhileRunning = Remote.Exec("nix-store", "--query", "--roots", generation).Out;
        // A new generation there, switched to through the container's channel, over the connection to that host.
        var copy = TestGuestFlake.CopyForEditing();
        CommandResult switched, ran;
        try
        {
            TestGuestFlake.ChangeGuest(copy, "a second generation there");
            switched = Host.Run("install", "--force", "--switch", "-n", name, $"path:{copy}#container");
            ran = Host.Run("run", name, "--", "cat", "/proc/1/comm");
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
        var second = Remote.Exec("readlink", "-f", $"{Profiles}/{name}").Out.Trim();
        var report = Remote.Exec("cat", $"{root}/miniguest-test-report").Out;
        var bootedAfterSwitch = Remote.Exec("readlink", $"{roots}/booted").Out.Trim();
        // The test container's init is a shell that libvirt-LXC's default request does not reach: it is pulled off.
        var stop = Host.Ok("stop", "--force", "--timeout", "2", name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(rootsWhileRunning, Does.Contain($"{roots}/booted").And.Contain($"{roots}/defined"),
                "the generation the domain is defined on and runs is rooted there");
            Assert.That(Remote.PathExists($"{roots}/booted"), Is.False, "stopped, it no longer holds the generation it ran");
            Assert.That(Remote.PathExists($"{roots}/defined"), Is.True, "its domain still boots that generation");
            Assert.That(uint.Parse(owner, System.Globalization.CultureInfo.InvariantCulture), Is.GreaterThanOrEqualTo(65536u),
                "its root belongs to the container's own root, an unprivileged id there");
            Assert.That(above, Is.EqualTo($"{owner} 700"), "only the container's root passes the directory above its root");
            Assert.That(recorded, Is.EqualTo(owner), "its id range is recorded there");
            Assert.That(running, Does.Contain("\"domainState\": \"running\""), "list sees it run there");
            Assert.That(stop.Out, Does.Contain("forced it off").Or.Contain("stopped"));
            Assert.That(Remote.Exec("virsh", "-c", "lxc:///", "domstate", name).Out.Trim(), Is.EqualTo("shut off"));
            Assert.That(switched.ExitCode, Is.Zero, switched.ToString());
            Assert.That(switched.Out, Does.Contain($"{name}> activating /nix/store/").And.Contain($"'{name}' switched to generation 2 without a restart"));
            Assert.That(report.Split("is up").Length - 1, Is.EqualTo(1), "switched there without a restart");
            Assert.That(report, Does.Contain("miniguest-test-guest: switched to /nix/store/"));
            Assert.That(bootedAfterSwitch, Is.EqualTo(second), "the root there moved to the generation it now runs");
            Assert.That((ran.ExitCode, ran.Out), Is.EqualTo((0, "init\n")), "run there, through the same channel");
        }
    }

    [Test]
    public void Remove_undefines_the_domain_there()
    {
        var name = MiniguestHost.UniqueName("rvm");
        Host.Ok("-c", Remote.QemuUri, "install", "-n", name, Vm);
        Host.Ok("create", name, "--virt-type", "qemu");
        Host.Ok("autostart", name, "on");
        var autostart = Remote.Exec("virsh", "-c", "qemu:///system", "dominfo", name).Out;

        var definedRoot = Remote.PathExists($"/var/lib/miniguest/guests/{name}/gcroots/defined");

        Host.Ok("remove", name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(autostart, Does.Match(@"Autostart:\s+enable"));
            Assert.That(definedRoot, Is.True, "the generation libvirt's autostart boots there is rooted there");
            Assert.That(Remote.PathExists($"/var/lib/miniguest/guests/{name}/gcroots"), Is.False, "and no longer once the domain is gone");
            Assert.That(Remote.Exec("virsh", "-c", "qemu:///system", "list", "--all", "--name").Out, Does.Not.Contain(name));
            Assert.That(Remote.PathExists($"/var/lib/miniguest/guests/{name}/domain-uuid"), Is.False, "nor its record there");
            Assert.That(Directory.Exists(Host.Paths.GuestState(GuestName.Parse(name))), Is.False, "nor here");
        }
    }

    [Test]
    public void Install_copies_the_closure_there_and_links_the_guest_there_only()
    {
        var name = MiniguestHost.UniqueName("rvm");

        var installed = Host.Ok("-c", Remote.QemuUri, "install", "-n", name, Vm);

        var storePath = Remote.Exec("readlink", "-f", $"{Profiles}/{name}").Out.Trim();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(installed.Out, Does.Contain($"installed '{name}' on {Remote.Address}, generation 1"));
            Assert.That(Remote.Exec("readlink", $"/etc/miniguests/{name}").Out.Trim(), Is.EqualTo($"{Profiles}/{name}"));
            Assert.That(Remote.Exec("readlink", $"{Profiles}/{name}").Out.Trim(), Is.EqualTo($"{name}-1-link"));
            Assert.That(Remote.StorePathValid(storePath), Is.True, "the profile's store path is whole in the other host's store");
            Assert.That(Remote.Exec("test", "-e", $"{storePath}/miniguest-config.json").ExitCode, Is.Zero, "and so are the guest's files");
            var link = Host.Paths.Link(GuestName.Parse(name));
            Assert.That(File.Exists(link) || Directory.Exists(link), Is.False, "no link on this host");
            Assert.That(new FileInfo(Host.Paths.Profile(GuestName.Parse(name))).LinkTarget, Is.Null, "no profile on this host");
        }
    }

    [Test]
    public void List_shows_the_guest_with_its_host_beside_this_hosts_guests()
    {
        var remoteName = MiniguestHost.UniqueName("rvm");
        var localName = MiniguestHost.UniqueName("lvm");
        Host.Ok("-c", Remote.QemuUri, "install", "-n", remoteName, Vm);
        Host.Ok("install", "-n", localName, Vm);

        var table = Host.Ok("list").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var json = JsonDocument.Parse(Host.Ok("list", "--json").Out);

        var rows = json.RootElement.EnumerateArray().ToDictionary(row => row.GetProperty("name").GetString()!);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(table[0], Does.StartWith("NAME").And.Contain(" HOST "));
            Assert.That(table.Single(line => line.StartsWith(remoteName + " ", StringComparison.Ordinal)),
                Does.Contain(Remote.Address).And.Contain("not-defined"));
            Assert.That(rows[remoteName].GetProperty("host").GetString(), Is.EqualTo(Remote.Address));
            Assert.That(rows[remoteName].GetProperty("generation").GetInt32(), Is.EqualTo(1));
            Assert.That(rows[remoteName].GetProperty("guestType").GetString(), Is.EqualTo("vm"));
            Assert.That(rows[localName].GetProperty("host").ValueKind, Is.EqualTo(JsonValueKind.Null));
        }
    }

    [Test]
    public void A_second_install_needs_force_and_force_makes_a_new_generation_there()
    {
        var name = MiniguestHost.UniqueName("rvm");
        Host.Ok("-c", Remote.QemuUri, "install", "-n", name, Vm);

        var again = Host.Run("install", "-n", name, Vm);
        var forced = Host.Ok("install", "--force", "-n", name, TestGuestFlake.Reference + "#vm-virtiofs");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(again.ExitCode, Is.EqualTo(1));
            Assert.That(again.ErrorLines, Has.Count.EqualTo(1).And.Some.Contains("already installed").And.Some.Contains("--force"));
            Assert.That(forced.Out, Does.Contain("generation 2"), "without -c: the guest remembers its host");
            Assert.That(Remote.Exec("readlink", $"{Profiles}/{name}").Out.Trim(), Is.EqualTo($"{name}-2-link"));
        }
    }

    [Test]
    public void Generations_lists_the_guests_generations_there()
    {
        var name = MiniguestHost.UniqueName("rvm");
        Host.Ok("-c", Remote.QemuUri, "install", "-n", name, Vm);
        Host.Ok("install", "--force", "-n", name, TestGuestFlake.Reference + "#vm-virtiofs");
        var paths = Remote.Exec("sh", "-c", $"readlink {Profiles}/{name}-1-link {Profiles}/{name}-2-link").Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        var table = Host.Ok("generations", name).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using var json = JsonDocument.Parse(Host.Ok("generations", name, "--json").Out);

        var rows = json.RootElement.EnumerateArray().ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(rows.Select(row => row.GetProperty("generation").GetInt32()), Is.EqualTo(new[] { 1, 2 }));
            Assert.That(rows.Select(row => row.GetProperty("storePath").GetString()), Is.EqualTo(paths));
            Assert.That(rows.Select(row => row.GetProperty("current").GetBoolean()), Is.EqualTo(new[] { false, true }));
            Assert.That(rows[0].GetProperty("created").GetDateTime(), Is.EqualTo(DateTime.UtcNow).Within(TimeSpan.FromMinutes(10)));
            Assert.That(table, Has.Length.EqualTo(2));
            Assert.That(table[1], Does.Contain(paths[1]).And.Contain("(current)"));
        }
    }

    [Test]
    public void Remove_leaves_nothing_of_the_guest_there_nor_here()
    {
        var name = MiniguestHost.UniqueName("rvm");
        Host.Ok("-c", Remote.QemuUri, "install", "-n", name, Vm);

        Host.Ok("remove", name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Remote.Exec("sh", "-c", $"ls -a /etc/miniguests {Profiles} | grep -c -- {name}").Out.Trim(), Is.EqualTo("0"));
            Assert.That(Host.Ok("list", "--json").Out, Does.Not.Contain(name));
            Assert.That(Host.Run("remove", name).ExitCode, Is.EqualTo(1), "it is gone: a second remove finds nothing");
        }
    }

    [Test]
    public void A_host_without_miniguest_or_with_one_of_another_protocol_is_refused_in_one_line_that_says_what_to_install()
    {
        var name = MiniguestHost.UniqueName("rvm");
        var agent = Path.Combine(Remote.Directory, "fs", "usr", "local", "bin", "miniguest");
        var own = File.ReadAllText(agent);
        CommandResult missing, other;
        try
        {
            File.Delete(agent);
            missing = Host.Run("-c", Remote.QemuUri, "install", "-n", name, Vm);
            File.WriteAllText(agent, "#!/bin/sh\necho '{\"agent\":\"miniguest-agent\",\"protocol\":99,\"version\":\"9.9\"}'\n");
            File.SetUnixFileMode(agent, (UnixFileMode)0b111_101_101);
            other = Host.Run("-c", Remote.QemuUri, "install", "-n", name, Vm);
        }
        finally
        {
            File.WriteAllText(agent, own);
            File.SetUnixFileMode(agent, (UnixFileMode)0b111_101_101);
        }

        using (Assert.EnterMultipleScope())
        {
            foreach (var refused in new[] { missing, other })
            {
                Assert.That(refused.ExitCode, Is.EqualTo(1));
                Assert.That(refused.ErrorLines.Where(line => line.StartsWith("miniguest: error:", StringComparison.Ordinal)).ToList(),
                    Has.Count.EqualTo(1).And.Some.Contains(Remote.Address).And.Some.Contains($"install miniguest {MiniguestAgent.Version} there"));
            }
            Assert.That(missing.Error, Does.Contain("no miniguest to run"));
            Assert.That(other.Error, Does.Contain("9.9").And.Contain("protocol 99"));
            Assert.That(missing.Error + other.Error, Does.Not.Contain("copying"), "nothing copied there");
            Assert.That(Remote.PathExists($"{Profiles}/{name}"), Is.False, "nothing made there");
            Assert.That(Host.Ok("list", "--json").Out, Does.Not.Contain(name), "nor recorded here");
        }
    }

    [Test]
    public void A_credential_given_to_a_guest_there_is_copied_there_root_only_and_its_domain_names_the_copy()
    {
        var name = MiniguestHost.UniqueName("rct");
        var source = Path.Combine(Host.Root, "token");
        var secret = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        File.WriteAllText(source, secret);
        Host.Ok("-c", Remote.LxcUri, "install", "-n", name, TestGuestFlake.Reference + "#container");

        Host.Ok("create", name, "--credential", $"token={source}");

        var copy = $"/var/lib/miniguest/guests/{name}/credentials/token";
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Remote.Exec("stat", "-c", "%a", copy, Path.GetDirectoryName(copy)!).Out.Split('\n', StringSplitOptions.RemoveEmptyEntries),
                Is.EqualTo(new[] { "400", "700" }));
            Assert.That(Remote.Exec("cat", copy).Out, Is.EqualTo(secret), "copied whole");
            var xml = Remote.Exec("virsh", "-c", "lxc:///", "dumpxml", name).Out;
            Assert.That(xml, Does.Contain("CREDENTIALS_DIRECTORY").And.Contain(Path.GetDirectoryName(copy)!).And.Not.Contain(secret));
            Assert.That(Directory.Exists(Host.Paths.Credentials(GuestName.Parse(name))), Is.False, "nothing of it kept here");
        }
        Host.Ok("remove", "--purge", name);
        Assert.That(Remote.PathExists(copy), Is.False, "remove deletes the copy there");
    }

    [Test]
    public void A_link_there_that_is_not_miniguests_is_left_alone()
    {
        var name = MiniguestHost.UniqueName("rvm");
        Remote.Exec("ln", "-s", "/etc/hostname", $"/etc/miniguests/{name}");

        var install = Host.Run("-c", Remote.QemuUri, "install", "-n", name, Vm);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(install.ExitCode, Is.EqualTo(1));
            Assert.That(install.ErrorLines, Has.Count.EqualTo(1).And.Some.Contains("refusing to touch it"));
            Assert.That(Remote.Exec("readlink", $"/etc/miniguests/{name}").Out.Trim(), Is.EqualTo("/etc/hostname"));
            Assert.That(Remote.PathExists($"{Profiles}/{name}"), Is.False, "no profile made either");
            Assert.That(Host.Ok("list", "--json").Out, Does.Not.Contain(name), "and this host records no guest");
        }
    }

    [Test]
    public void An_unreachable_host_fails_install_in_one_line_and_list_still_lists_the_rest()
    {
        var remoteName = MiniguestHost.UniqueName("rvm");
        var localName = MiniguestHost.UniqueName("lvm");
        Host.Ok("-c", Remote.QemuUri, "install", "-n", remoteName, Vm);
        Host.Ok("install", "-n", localName, Vm);
        var before = Host.Snapshot();
        Remote.StopSshd();

        var install = Host.Run("-c", Remote.QemuUri, "install", "-n", MiniguestHost.UniqueName("rvm"), Vm);
        var started = DateTime.UtcNow;
        var list = Host.Run("list", "--json");
        var listing = DateTime.UtcNow - started;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(install.ExitCode, Is.EqualTo(1));
            Assert.That(install.ErrorLines, Has.Count.EqualTo(1));
            Assert.That(install.Error, Does.Contain(Remote.Address));
            Assert.That(Host.Snapshot(), Is.EqualTo(before), "nothing half-done here: no record, no staging profile");
            Assert.That(list.ExitCode, Is.Zero, list.ToString());
            using var json = JsonDocument.Parse(list.Out);
            var rows = json.RootElement.EnumerateArray().ToDictionary(row => row.GetProperty("name").GetString()!);
            Assert.That(rows[remoteName].GetProperty("status").GetString(), Is.EqualTo("unknown"));
            Assert.That(rows[remoteName].GetProperty("error").GetString(), Does.Contain(Remote.Address));
            Assert.That(rows[localName].GetProperty("status").GetString(), Is.EqualTo("not-defined"));
            Assert.That(listing, Is.LessThan(TimeSpan.FromSeconds(30)), "within the host's time limit");
        }
        Remote.StartSshdIfStopped();
        Assert.That(Remote.PathExists($"/etc/miniguests/{remoteName}"), Is.True, "the guest there is untouched");
    }

    [Test]
    public void Install_logs_in_there_once_for_all_its_commands()
    {
        var log = Path.Combine(Remote.Directory, "log", "sshd.log");
        int Logins() => File.ReadLines(log).Count(line => line.Contains("Accepted publickey", StringComparison.Ordinal));
        var before = Logins();

        Host.Ok("-c", Remote.QemuUri, "install", "-n", MiniguestHost.UniqueName("rvm"), Vm);

        Assert.That(Logins() - before, Is.EqualTo(1), "asking the target, nix copy and linking the guest share one login");
    }

    [Test]
    public void A_failed_copy_links_nothing_there_and_records_nothing_here()
    {
        var name = MiniguestHost.UniqueName("rvm");
        // The other host's store can no longer be written: its nix-store --serve fails on the first path it is sent.
        Assert.That(Remote.Exec("mount", "-o", "remount,bind,ro", "/nix").ExitCode, Is.Zero);
        CommandResult? remounted = null;
        CommandResult install;
        try
        {
            install = Host.Run("-c", Remote.QemuUri, "install", "-n", name, TestGuestFlake.Reference + "#container");
        }
        finally
        {
            remounted = Remote.Exec("mount", "-o", "remount,bind,rw", "/nix");
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(remounted.ExitCode, Is.Zero, remounted.ToString());
            Assert.That(install.ExitCode, Is.EqualTo(1), install.ToString());
            Assert.That(install.ErrorLines.Where(line => line.StartsWith("miniguest: error:", StringComparison.Ordinal)).ToList(),
                Has.Count.EqualTo(1).And.Some.Contains("cannot copy the closure there"));
            Assert.That(Remote.PathExists($"/etc/miniguests/{name}"), Is.False, "no link there");
            Assert.That(Remote.PathExists($"{Profiles}/{name}"), Is.False, "no profile there");
            Assert.That(Host.Snapshot().Where(entry => entry.Contains(name, StringComparison.Ordinal)), Is.Empty,
                "no record, no staging profile here");
        }
    }

    [Test]
    public void The_hosts_libvirtd_down_fails_create_and_start_in_one_line_and_leaves_nothing()
    {
        var name = MiniguestHost.UniqueName("rvm");
        Host.Ok("-c", Remote.QemuUri, "install", "-n", name, Vm);
        Remote.StopLibvirtd();
        CommandResult create, start;
        try
        {
            create = Host.Run("create", name, "--virt-type", "qemu");
            start = Host.Run("start", name);
        }
        finally
        {
            Remote.StartLibvirtdIfStopped();
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(create.ExitCode, Is.EqualTo(1), create.ToString());
            Assert.That(create.ErrorLines, Has.Count.EqualTo(1).And.Some.Contains(Remote.Address).And.Some.Contains("libvirt"));
            Assert.That(start.ErrorLines, Has.Count.EqualTo(1).And.Some.Contains(Remote.Address));
            Assert.That(Directory.Exists(Host.Paths.GuestState(GuestName.Parse(name))), Is.False, "no domain recorded here");
            Assert.That(Remote.PathExists($"/var/lib/miniguest/guests/{name}/domain-uuid"), Is.False, "nor there");
        }
        Assert.That(Host.Run("create", name, "--virt-type", "qemu").ExitCode, Is.Zero, "once it is back, create works");
    }

    [Test]
    public async Task A_copy_cut_midway_links_nothing_there_records_nothing_here_and_a_second_install_completes()
    {
        var name = MiniguestHost.UniqueName("rvm");
        var flake = TestGuestFlake.CopyForEditing();
        // A guest with paths the other host has never had, big enough to take seconds over a slow link.
        TestGuestFlake.ChangeGuest(flake, Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(150_000)));
        CommandResult cut;
        try
        {
            Remote.Throttle(kilobits: 256);
            using var install = Host.Start("-c", Remote.QemuUri, "install", "-n", name, $"path:{flake}#vm");
            var output = install.StandardOutput.ReadToEndAsync();
            var error = install.StandardError.ReadToEndAsync();
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(5);
            while (Remote.ProcessesNamed("nix-store").Count == 0 && !install.HasExited)
            {
                Assert.That(DateTime.UtcNow, Is.LessThan(deadline), "the copy never started there");
                await Task.Delay(20);
            }
            await Task.Delay(500);
            Assert.That(install.HasExited, Is.False, "the copy was over before it could be cut");
            Remote.KillSshd();
            await install.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            cut = new CommandResult(install.ExitCode, await output, await error);
            TestContext.Out.WriteLine($"$ miniguest install, cut:\n{cut}");
        }
        finally
        {
            Remote.Throttle(kilobits: null);
            Remote.StartSshdIfStopped();
        }

        try
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(cut.ExitCode, Is.EqualTo(1), cut.ToString());
                Assert.That(cut.ErrorLines.Where(line => line.StartsWith("miniguest: error:", StringComparison.Ordinal)).ToList(),
                    Has.Count.EqualTo(1).And.Some.Contains(Remote.Address));
                Assert.That(Remote.PathExists($"/etc/miniguests/{name}"), Is.False, "no link there");
                Assert.That(Remote.PathExists($"{Profiles}/{name}"), Is.False, "no profile there");
                Assert.That(Host.Snapshot().Where(entry => entry.Contains(name, StringComparison.Ordinal)), Is.Empty, "no record here");
            }
            Host.Ok("-c", Remote.QemuUri, "install", "-n", name, $"path:{flake}#vm");
            Assert.That(Remote.StorePathValid(Remote.Exec("readlink", "-f", $"{Profiles}/{name}").Out.Trim()), Is.True,
                "installed again, the closure is whole there");
        }
        finally
        {
            Directory.Delete(flake, recursive: true);
        }
    }

    [Test]
    public async Task Apply_puts_a_guest_declared_with_the_other_hosts_uri_there_and_takes_it_away_when_no_longer_declared()
    {
        var name = MiniguestHost.UniqueName("rdecl");
        var guest = await TestGuestFlake.BuildAsync("vm");
        var storePath = Directory.ResolveLinkTarget(guest.Directory, true)?.FullName ?? guest.Directory;
        Directory.CreateDirectory(Host.Paths.Guests);
        File.CreateSymbolicLink(Host.Paths.Link(GuestName.Parse(name)), storePath);
        var manifest = Path.Combine(Host.Root, "manifest.json");
        File.WriteAllText(manifest, JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["version"] = 1,
            ["guests"] = new Dictionary<string, object>
            {
                [name] = new Dictionary<string, object?>
                {
                    ["autostart"] = true, ["memory"] = 192, ["vcpus"] = 1, ["networks"] = Array.Empty<string>(), ["bridges"] = Array.Empty<string>(),
                    ["restartIfChanged"] = true, ["uri"] = Remote.QemuUri,
                },
            },
        }));

        Host.Ok("apply", "--manifest", manifest);
        var info = Remote.Exec("virsh", "-c", "qemu:///system", "dominfo", name).Out;
        var profile = Remote.Exec("readlink", $"{Profiles}/{name}").Out.Trim();
        Host.Ok("apply", "--manifest", manifest);
        var profileAgain = Remote.Exec("readlink", $"{Profiles}/{name}").Out.Trim();
        File.WriteAllText(manifest, """{"version":1,"guests":{}}""");
        // Started there by apply; the test guest ignores the power button: forced off after a second.
        Host.Ok("apply", "--manifest", manifest, "--stop-timeout", "1");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(info, Does.Match(@"Autostart:\s+enable").And.Match(@"Max memory:\s+196608 KiB"), "defined there with its settings");
            Assert.That(info, Does.Match(@"State:\s+running"), "started there by apply");
            Assert.That(Remote.StorePathValid(storePath), Is.True, "its closure is there");
            Assert.That(profile, Is.EqualTo($"{name}-1-link"));
            Assert.That(profileAgain, Is.EqualTo(profile), "applied again, nothing new there");
            Assert.That(Remote.Exec("virsh", "-c", "qemu:///system", "list", "--all", "--name").Out, Does.Not.Contain(name),
                "no longer declared: undefined there");
            Assert.That(Remote.PathExists($"{Profiles}/{name}"), Is.False, "and its profile there removed");
            Assert.That(Remote.RunHere("virsh", "-c", "qemu:///system", "dominfo", name).ExitCode, Is.Not.Zero, "never defined here");
        }
    }

    [Test]
    public void Upgrade_all_reaches_every_host_and_skips_one_that_does_not_answer()
    {
        var remoteName = MiniguestHost.UniqueName("rvm");
        var localName = MiniguestHost.UniqueName("lvm");
        Host.Ok("-c", Remote.QemuUri, "install", "-n", remoteName, Vm);
        Host.Ok("install", "-n", localName, Vm);

        var all = Host.Ok("upgrade", "--all");
        Remote.StopSshd();
        var withoutTheHost = Host.Run("upgrade", "--all");
        Remote.StartSshdIfStopped();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(all.Out, Does.Contain($"'{remoteName}': up to date (generation 1)").And.Contain($"'{localName}': up to date (generation 1)"));
            Assert.That(withoutTheHost.ExitCode, Is.Zero, withoutTheHost.ToString());
            Assert.That(withoutTheHost.Error, Does.Contain($"skipping '{remoteName}'").And.Contain(Remote.Address));
            Assert.That(withoutTheHost.Out, Does.Contain($"'{localName}': up to date"));
        }
    }

    [Test]
    public async Task A_virtiofs_vm_there_shares_the_hosts_read_only_store_view_and_boots_from_it()
    {
        var name = MiniguestHost.UniqueName("rvf");
        Host.Ok("-c", Remote.QemuUri, "install", "-n", name, TestGuestFlake.Reference + "#vm-virtiofs");

        var created = Host.Ok("create", name, "--virt-type", "qemu", "--memory", "256");
        var xml = Remote.Exec("virsh", "-c", "qemu:///system", "dumpxml", "--inactive", name).Out;
        using (var console = new TerminalSession(Host.StartOnTerminal("start", "--console", name), BootPatience))
        {
            await console.WaitForAsync("miniguest-test-guest: vm-virtiofs is up");
            await console.WaitForAsync("miniguest-test-guest: store-write=refused");
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(created.Error, Does.Contain("read-only bind mount"), "the protection the other host's mounts give, reported");
            Assert.That(xml, Does.Contain("<source dir='/run/miniguest/store'/>"), "shared from the other host's read-only view");
            Assert.That(Remote.PathExists("/nix/store/miniguest-write-probe-vm-virtiofs"), Is.False, "the guest did not write to the store there");
        }
    }

    [Test]
    public void A_domain_of_the_guests_name_there_that_is_not_miniguests_is_left_alone()
    {
        var name = MiniguestHost.UniqueName("rvm");
        Host.Ok("-c", Remote.QemuUri, "install", "-n", name, Vm);
        var xml = Path.Combine(Remote.Directory, name + ".xml");
        File.WriteAllText(xml, $"<domain type='qemu'><name>{name}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>");
        Assert.That(Remote.Exec("virsh", "-c", "qemu:///system", "define", xml).ExitCode, Is.Zero);
        var before = Remote.Exec("virsh", "-c", "qemu:///system", "dumpxml", "--inactive", name).Out;

        var create = Host.Run("create", name, "--virt-type", "qemu");
        var remove = Host.Run("remove", name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(create.ExitCode, Is.EqualTo(1));
            Assert.That(create.ErrorLines, Has.Count.EqualTo(1).And.Some.Contains("was not defined by Miniguest"));
            Assert.That(remove.ExitCode, Is.Zero, remove.ToString());
            Assert.That(Remote.Exec("virsh", "-c", "qemu:///system", "dumpxml", "--inactive", name).Out, Is.EqualTo(before),
                "the domain there is as it was, after create and remove");
            Assert.That(Remote.PathExists($"/var/lib/miniguest/guests/{name}/domain-uuid"), Is.False, "no record of it there");
        }
    }

    [Test]
    public void Remove_keeps_a_containers_root_there_and_says_where_and_purge_deletes_it_following_no_link()
    {
        var name = MiniguestHost.UniqueName("rct");
        var root = $"/var/lib/miniguest/guests/{name}/container/root";
        void InstallAndCreate()
        {
            Host.Ok("-c", Remote.LxcUri, "install", "-n", name, TestGuestFlake.Reference + "#container");
            Host.Ok("create", name);
        }
        InstallAndCreate();

        var removed = Host.Ok("remove", name);
        var kept = Remote.PathExists(root);
        InstallAndCreate();
        // What the container could have left in its root: a link to a directory of its host.
        Remote.Exec("mkdir", "-p", "/root/outside");
        Remote.Exec("touch", "/root/outside/precious");
        Remote.Exec("ln", "-s", "/root/outside", $"{root}/escape");
        var purged = Host.Ok("remove", "--purge", name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(removed.Out, Does.Contain($"{Remote.Address}:{root}"), "where its data stays, with the host");
            Assert.That(kept, Is.True);
            Assert.That(purged.Out, Does.Not.Contain("stays"));
            Assert.That(Remote.PathExists($"/var/lib/miniguest/guests/{name}"), Is.False, "purged there");
            Assert.That(Remote.PathExists("/root/outside/precious"), Is.True, "and nothing a link in it led to");
        }
    }

    [Test]
    public void A_vms_volume_is_made_there_listed_with_its_sizes_there_and_refused_at_start_there_once_swapped_for_a_link()
    {
        var name = MiniguestHost.UniqueName("rvm");
        Host.Ok("-c", Remote.QemuUri, "install", "-n", name, TestGuestFlake.Reference + "#vm-volume");
        Host.Ok("create", name, "--virt-type", "qemu", "--memory", "256");
        var image = $"/var/lib/miniguest/volumes/{name}/data.img";
        var made = Remote.Exec("stat", "--format=%u %a %s %b %F", image).Out.Trim();
        var listed = JsonDocument.Parse(Host.Ok("list", "--json").Out).RootElement.EnumerateArray()
            .Single(row => row.GetProperty("name").GetString() == name).GetProperty("volumes")[0];
        // What only someone on that host could do: the image swapped for a link to another file there.
        Remote.Exec("mv", image, "/root/volume-target.img");
        Remote.Exec("ln", "-s", "/root/volume-target.img", image);
        var refused = Host.Run("start", name);
        var state = Remote.Exec("virsh", "-c", "qemu:///system", "domstate", name).Out.Trim();
        Remote.Exec("rm", "-f", "/root/volume-target.img");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(made, Is.EqualTo($"0 600 {64L << 20} 0 regular file"), "a sparse image of root's, made there by create");
            Assert.That((listed.GetProperty("file").GetString(), listed.GetProperty("apparentBytes").GetInt64()), Is.EqualTo((image, 64L << 20)),
                "list gives its image there with its size there");
            Assert.That(refused.ExitCode, Is.EqualTo(1));
            Assert.That(refused.Error, Does.StartWith($"miniguest: error: {Remote.Address}: ").And.Contain("a symbolic link, where a file should be; not following it"));
            Assert.That(refused.Error.TrimEnd().Split('\n'), Has.Length.EqualTo(1), "in one line");
            Assert.That(state, Is.EqualTo("shut off"), "never started");
        }
    }

    [Test]
    public void A_guest_of_this_host_is_not_defined_on_the_other_host_given_with_c()
    {
        var name = MiniguestHost.UniqueName("lvm");
        Host.Ok("install", "-n", name, Vm);

        var create = Host.Run("-c", Remote.QemuUri, "create", name, "--virt-type", "qemu");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(create.ExitCode, Is.EqualTo(1));
            Assert.That(create.ErrorLines, Has.Count.EqualTo(1).And.Some.Contains("installed on this host").And.Some.Contains("install it there first"));
            Assert.That(Remote.Exec("virsh", "-c", "qemu:///system", "list", "--all", "--name").Out, Does.Not.Contain(name));
        }
    }

    [Test]
    public void Install_and_upgrade_with_build_on_target_build_the_guest_there_and_link_that_build_there()
    {
        var name = MiniguestHost.UniqueName("rvm");
        var flake = TestGuestFlake.CopyForEditing();
        try
        {
            // Derivations built nowhere yet.
            TestGuestFlake.ChangeGuest(flake, "built on the other host " + name);
            var installable = $"path:{flake}#vm";
            // Where a derivation was built, its log is.
            string BuildLog()
            {
                var derivation = Path.GetFileName(Remote.RunHere("nix", "--extra-experimental-features", "nix-command flakes", "eval", "--raw",
                    $"path:{flake}#nixosConfigurations.vm.config.system.build.miniguest.drvPath").Out.Trim());
                Assert.That(derivation, Does.EndWith(".drv"));
                return $"/nix/var/log/nix/drvs/{derivation[..2]}/{derivation[2..]}.bz2";
            }
            var installLog = BuildLog();

            var installed = Host.Ok("-c", Remote.QemuUri, "install", "--build-on-target", "-n", name, installable);
            var refused = Host.Run("install", "--build-on-target", "-n", MiniguestHost.UniqueName("lvm"), installable);
            TestGuestFlake.ChangeGuest(flake, "upgraded on the other host " + name);
            var upgradeLog = BuildLog();
            var upgraded = Host.Ok("upgrade", "--build-on-target", name);

            var storePath = Remote.Exec("readlink", "-f", $"{Profiles}/{name}").Out.Trim();
            using (Assert.EnterMultipleScope())
            {
                Assert.That(installed.Out, Does.Contain($"installed '{name}' on {Remote.Address}, generation 1"));
                Assert.That(upgraded.Out, Does.Contain("generation 1 -> 2"));
                foreach (var log in new[] { installLog, upgradeLog })
                {
                    Assert.That(Remote.PathExists(log), Is.True, "built there: its build log is there");
                    Assert.That(File.Exists(log), Is.False, "and not here");
                }
                Assert.That(Remote.StorePathValid(storePath), Is.True, "the profile there holds it whole");
                Assert.That(refused.ErrorLines, Has.Count.EqualTo(1).And.Some.Contains("--build-on-target builds on another host"));
            }
        }
        finally
        {
            Directory.Delete(flake, recursive: true);
        }
    }

    [Test]
    public void Build_on_target_imports_nothing_of_a_closure_that_claims_a_path_no_derivation_evaluated_here_outputs()
    {
        var name = MiniguestHost.UniqueName("rvm");
        var flake = TestGuestFlake.CopyForEditing();
        string[] nix = ["nix", "--extra-experimental-features", "nix-command flakes"];
        // An unrelated package this host has not built: only its derivation is evaluated here, so its output path is known.
        var unrelated = Remote.RunHere(nix[0], [.. nix[1..], "eval", "--raw", "--expr",
            $"(derivation {{ name = \"unrelated-{name}\"; system = \"x86_64-linux\"; builder = \"/bin/sh\"; }}).outPath"]).Out.Trim();
        var forgedOutputs = new List<string> { unrelated };
        try
        {
            TestGuestFlake.ChangeGuest(flake, "forged on the other host " + name);
            var installable = $"path:{flake}#vm";
            var guestOutput = Remote.RunHere(nix[0], [.. nix[1..], "eval", "--raw",
                $"path:{flake}#nixosConfigurations.vm.config.system.build.miniguest.outPath"]).Out.Trim();
            forgedOutputs.Add(guestOutput);
            Assert.That(unrelated, Does.StartWith("/nix/store/").And.EndWith("-unrelated-" + name));
            Assert.That(guestOutput, Does.StartWith("/nix/store/"));
            // The lying host: forged content at the guest's output path, registered as valid with a reference to the unrelated
            // package's output path, forged too; its nix-store --realise of the guest's derivation then builds nothing.
            var forged = Remote.Exec("sh", "-euc", """
                mkdir "$1" "$2"
                echo 'forged: runs as root wherever it is used' > "$1/forged"
                echo "forged guest, needs $1" > "$2/forged"
                printf '%s\n\n0\n%s\n\n1\n%s\n' "$1" "$2" "$1" | nix-store --register-validity
                """, "forge", unrelated, guestOutput);
            Assert.That(forged.ExitCode, Is.Zero, forged.ToString());

            var install = Host.Run("-c", Remote.QemuUri, "install", "--build-on-target", "-n", name, installable);

            Figures.Case(Groups.Security, () =>
            {
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(install.ExitCode, Is.EqualTo(1), install.ToString());
                    Assert.That(install.ErrorLines.Where(line => line.StartsWith("miniguest: error:", StringComparison.Ordinal)).ToList(),
                        Has.Count.EqualTo(1).And.Some.Contains(unrelated));
                    Assert.That(ValidHere(unrelated), Is.False, "the unrelated package's forged output did not get into this host's store");
                    Assert.That(ValidHere(guestOutput), Is.False, "nor the forged guest");
                    Assert.That(Host.Snapshot().Where(entry => entry.Contains(name, StringComparison.Ordinal)), Is.Empty,
                        "no link, profile or staging profile here");
                    Assert.That(Remote.PathExists($"{Profiles}/{name}"), Is.False, "no profile there");
                }
            });
        }
        finally
        {
            Directory.Delete(flake, recursive: true);
            // What an import that should not have happened brought here goes, with whatever refers to it.
            foreach (var path in forgedOutputs.Where(ValidHere))
            {
                Remote.RunHere("sh", "-c", "nix-store --delete $(nix-store --query --referrers-closure \"$0\")", path);
            }
        }
    }

    private bool ValidHere(string storePath) =>
        Remote.RunHere("nix-store", "--option", "substituters", "", "--check-validity", storePath).ExitCode == 0;

    [Test]
    public void Upgrade_builds_the_flake_recorded_here_and_never_one_the_other_hosts_manifest_names()
    {
        var name = MiniguestHost.UniqueName("rvm");
        var flake = TestGuestFlake.CopyForEditing();
        var other = Directory.CreateTempSubdirectory("miniguest-test-other-flake-").FullName;
        const string AttrPath = "nixosConfigurations.vm.config.system.build.miniguest";
        // Built nowhere yet: its output in this host's store would say that this host built it.
        File.WriteAllText(Path.Combine(other, "flake.nix"), $$"""
            {
              outputs = _: {
                {{AttrPath}} = derivation {
                  name = "not-the-guest-{{name}}";
                  system = "x86_64-linux";
                  builder = "/bin/sh";
                  args = [ "-c" "echo > $out" ];
                };
              };
            }
            """);
        var lie = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["version"] = 2,
            ["elements"] = new[] { new Dictionary<string, string> { ["attrPath"] = AttrPath, ["originalUrl"] = $"path:{other}", ["url"] = $"path:{other}?narHash=moved" } },
        });
        string? otherOutput = null;
        try
        {
            otherOutput = Remote.RunHere("nix", "--extra-experimental-features", "nix-command flakes", "eval", "--raw", $"path:{other}#{AttrPath}.outPath")
                .Out.Trim();
            Assert.That(otherOutput, Does.StartWith("/nix/store/").And.EndWith("-not-the-guest-" + name));
            Host.Ok("-c", Remote.QemuUri, "install", "-n", name, $"path:{flake}#vm");
            // The lying host: its guest's current generation now says it came from the other flake, which moved since.
            var lied = Remote.Exec("sh", "-euc", """
                top=$(readlink -f "$1")
                chmod u+w "$top"
                rm -f "$top/manifest.json"
                printf '%s' "$2" > "$top/manifest.json"
                """, "lie", $"{Profiles}/{name}", lie);
            Assert.That(lied.ExitCode, Is.Zero, lied.ToString());
            TestGuestFlake.ChangeGuest(flake, "upgraded from the flake recorded here " + name);

            var upgrade = Host.Run("upgrade", name);
            var storePath = Remote.Exec("readlink", "-f", $"{Profiles}/{name}").Out.Trim();
            // A guest installed before this host recorded its flake: only the URI is recorded.
            File.WriteAllText(Path.Combine(Host.Paths.RemoteGuests, name), Remote.QemuUri + "\n");
            var old = Host.Run("upgrade", name);
            var all = Host.Run("upgrade", "--all");

            Figures.Case(Groups.Security, () =>
            {
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(ValidHere(otherOutput), Is.False, "the flake the other host named was not built here");
                    Assert.That(upgrade.ExitCode, Is.Zero, upgrade.ToString());
                    Assert.That(upgrade.Out, Does.Contain($"'{name}': generation 1 -> 2"), "upgraded from the flake recorded here");
                    Assert.That(Remote.Exec("test", "-e", $"{storePath}/miniguest-config.json").ExitCode, Is.Zero, "a guest's build there");
                    Assert.That(old.ExitCode, Is.EqualTo(1), old.ToString());
                    Assert.That(old.ErrorLines, Has.Count.EqualTo(1).And.Some.Contains("install --force"));
                    Assert.That(all.ExitCode, Is.Zero, "upgrade --all goes on past it: " + all);
                    Assert.That(all.Error, Does.Contain($"skipping '{name}'").And.Contain("install --force"));
                    Assert.That(ValidHere(otherOutput), Is.False, "nor for a guest installed before");
                }
            });
        }
        finally
        {
            Directory.Delete(flake, recursive: true);
            Directory.Delete(other, recursive: true);
            if (otherOutput is not null && ValidHere(otherOutput))
            {
                Remote.RunHere("sh", "-c", "nix-store --delete $(nix-store --query --referrers-closure \"$0\")", otherOutput);
            }
        }
    }

    [Test]
    public void Upgrade_and_rollback_move_the_profile_there_and_bring_its_domain_along()
    {
        var name = MiniguestHost.UniqueName("rvm");
        var flake = TestGuestFlake.CopyForEditing();
        try
        {
            Host.Ok("-c", Remote.QemuUri, "install", "-n", name, $"path:{flake}#vm");
            Host.Ok("create", name, "--virt-type", "qemu");
            string DomainStorePath() => Remote.Exec("virsh", "-c", "qemu:///system", "dumpxml", "--inactive", name).Out;
            var first = Remote.Exec("readlink", "-f", $"{Profiles}/{name}").Out.Trim();
            var upToDate = Host.Ok("upgrade", name);

            TestGuestFlake.ChangeGuest(flake, "remote upgrade");
            var upgrade = Host.Ok("upgrade", name);
            var second = Remote.Exec("readlink", "-f", $"{Profiles}/{name}").Out.Trim();
            var upgradedDomain = DomainStorePath();
            var rollback = Host.Ok("rollback", name);
            var rolledBack = Remote.Exec("readlink", $"{Profiles}/{name}").Out.Trim();
            var rolledBackDomain = DomainStorePath();

            using (Assert.EnterMultipleScope())
            {
                Assert.That(upToDate.Out, Does.Contain("up to date (generation 1)"));
                Assert.That(upgrade.Out, Does.Contain("generation 1 -> 2"));
                Assert.That(second, Is.Not.EqualTo(first));
                Assert.That(Remote.StorePathValid(second), Is.True, "the new generation's closure is whole there");
                Assert.That(upgradedDomain, Does.Contain(second).And.Not.Contain(first), "the domain there was defined again on it");
                Assert.That(rollback.Out, Does.Contain("now at generation 1"));
                Assert.That(rolledBack, Is.EqualTo($"{name}-1-link"));
                Assert.That(rolledBackDomain, Does.Contain(first).And.Not.Contain(second), "and again on the generation rolled back to");
                Assert.That(Host.Run("rollback", name).ErrorLines, Has.Some.Contains("no generation before 1"));
            }
        }
        finally
        {
            Directory.Delete(flake, recursive: true);
        }
    }
}
