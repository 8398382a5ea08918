using System.Globalization;
using Miniguest.Core;
using Miniguest.Libvirt;
using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Integration.Reliability;

/// <summary>What a guest, another tool's domain, a planted link or a crafted argument can do to the host through
/// <c>miniguest</c>: nothing.</summary>
[TestFixture, Category(TestCategories.Reliability), Parallelizable]
public sealed class SecurityTests
{
    private MiniguestHost _host = null!;
    private string _outside = "";

    [SetUp]
    public void CreateHost()
    {
        _host = new MiniguestHost();
        _outside = Directory.CreateTempSubdirectory("mgrel-outside-").FullName;
    }

    [TearDown]
    public void RemoveHost()
    {
        Directory.Delete(_outside, recursive: true);
        // A guest that start --console left running (see LoadTests) would otherwise race the host's clean-up.
        HostState.RemoveDomains(ReliabilitySuite.Prefix + "-s");
        _host.Dispose();
        File.Delete("/nix/store/miniguest-write-probe-vm");
        File.Delete("/nix/store/miniguest-write-probe-container");
    }

    // What the guest printed: start --console's output or, as a container can finish before its console is attached
    // (LoadTests counts how often), the console log libvirt keeps of a VM or the report the guest leaves in a
    // container's root.
    private string WhatTheGuestPrinted(string name, CommandResult start)
    {
        if (start.Out.Contains("powering off", StringComparison.Ordinal))
        {
            return start.Out;
        }
        string[] records = [_host.Paths.ConsoleLog(GuestName.Parse(name)), Path.Combine(_host.Paths.ContainerRoot(GuestName.Parse(name)), "miniguest-test-report")];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        var log = "";
        while (DateTime.UtcNow < deadline
            && !(log = string.Concat(records.Where(File.Exists).Select(File.ReadAllText))).Contains("powering off", StringComparison.Ordinal))
        {
            Thread.Sleep(100);
        }
        TestContext.Out.WriteLine($"what {name} recorded:\n{log}");
        return log;
    }

    private static string Name(string kind) => MiniguestHost.UniqueName(kind, ReliabilitySuite.Prefix);

    [Test]
    public void A_vm_made_by_the_cli_cannot_write_to_the_store()
    {
        var name = Name("sv");
        _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
        _host.Ok("create", name, "--virt-type", "qemu", "--memory", "256");

        var boot = WhatTheGuestPrinted(name, _host.Ok("start", name, "--console"));

        Figures.Case(Groups.Security, () =>
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(boot, Does.Contain("miniguest-test-guest: vm is up"));
                Assert.That(boot, Does.Contain("miniguest-test-guest: store-write=refused"));
                Assert.That(File.Exists("/nix/store/miniguest-write-probe-vm"), Is.False, "nothing in the host's store");
            }
        });
    }

    [Test]
    public void A_container_made_by_the_cli_is_uid_mapped_and_cannot_write_to_the_store()
    {
        var name = Name("sc");
        _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#container");
        _host.Ok("create", name);
        using var connection = Connection.Open("lxc:///");
        using var domain = connection.GetDomain(name);
        var xml = domain.GetXml(DomainXmlFlags.Inactive);

        var boot = WhatTheGuestPrinted(name, _host.Ok("start", name, "--console"));

        var uidMap = boot.Split('\n').SingleOrDefault(l => l.StartsWith("miniguest-test-guest: uid_map=", StringComparison.Ordinal));
        TestContext.Out.WriteLine($"inside the container: {uidMap}");
        Figures.Case(Groups.Security, () =>
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(boot, Does.Contain("miniguest-test-guest: container is up"));
                Assert.That(boot, Does.Contain("miniguest-test-guest: store-write=refused"));
                Assert.That(File.Exists("/nix/store/miniguest-write-probe-container"), Is.False, "nothing in the host's store");
            }
        });
        Figures.Case(Groups.Security, () =>
        {
            Assert.That(xml, Does.Contain("<idmap>"), "the domain maps its ids");
            Assert.That(uidMap, Is.Not.Null, "the guest printed its uid_map");
            var ids = uidMap!["miniguest-test-guest: uid_map=".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(ids[0], Is.EqualTo("0"), "container root…");
                Assert.That(long.Parse(ids[1], CultureInfo.InvariantCulture), Is.Not.Zero, "…is not host root");
                Assert.That(long.Parse(ids[2], CultureInfo.InvariantCulture), Is.LessThan(uint.MaxValue), "only a range of ids is mapped");
            }
        });
    }

    [Test]
    public void A_domain_without_miniguest_metadata_is_never_modified_or_undefined_even_with_force()
    {
        var name = Name("sf");
        using var connection = Connection.Open("qemu:///system");
        using var foreign = HostState.DefineForeignDomain(connection, name);
        try
        {
            var before = foreign.GetXml(DomainXmlFlags.Inactive);
            _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
            string[][] commands =
            [
                ["install", "--force", "-n", name, TestGuestFlake.Reference + "#vm-virtiofs"], ["create", name, "--virt-type", "qemu"],
                ["start", name], ["stop", "--force", name], ["restart", "--force", "--timeout", "1", name], ["autostart", name, "on"],
                ["rollback", name], ["remove", "--force", name],
            ];
            foreach (var command in commands)
            {
                Figures.Case(Groups.Security, () =>
                {
                    _host.Run(command);
                    using (Assert.EnterMultipleScope())
                    {
                        Assert.That(connection.TryGetDomain(name, out var still), Is.True, $"{command[0]} left the domain defined");
                        Assert.That(still?.GetXml(DomainXmlFlags.Inactive), Is.EqualTo(before), $"{command[0]} left the domain as it was");
                        Assert.That(still?.IsActive, Is.False, $"{command[0]} did not start it");
                        Assert.That(still?.Autostart, Is.False, $"{command[0]} did not mark it for autostart");
                        still?.Dispose();
                    }
                });
            }
        }
        finally
        {
            foreign.Undefine();
        }
    }

    [Test]
    public void A_link_planted_at_the_guests_path_is_never_followed()
    {
        var name = Name("sl");
        var target = Path.Combine(_outside, "precious");
        File.WriteAllText(target, "not miniguest's");
        Directory.CreateDirectory(_host.Paths.Guests);
        File.CreateSymbolicLink(_host.Paths.Link(GuestName.Parse(name)), target);
        var outside = HostSnapshot.Files(_outside);

        foreach (var command in new[] { new[] { "install", "-n", name, TestGuestFlake.Reference + "#vm" },
                     ["install", "--force", "-n", name, TestGuestFlake.Reference + "#vm"], ["rollback", name], ["remove", "--force", name] })
        {
            Figures.Case(Groups.Security, () =>
            {
                var result = _host.Run(command);
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(result.ExitCode, Is.EqualTo(1), $"{command[0]} refuses");
                    Assert.That(new FileInfo(_host.Paths.Link(GuestName.Parse(name))).LinkTarget, Is.EqualTo(target), "the planted link stays");
                    Assert.That(HostSnapshot.Files(_outside), Is.EqualTo(outside), "its target is unchanged");
                }
            });
        }
    }

    [TestCase(".staging-{0}")]
    [TestCase(".staging-{0}-1-link")]
    [TestCase("{0}")]
    [TestCase("{0}-1-link")]
    public void A_link_planted_in_the_profiles_directory_is_never_followed_to_write_elsewhere(string planted)
    {
        var name = Name("sp");
        File.WriteAllText(Path.Combine(_outside, "precious"), "not miniguest's");
        Directory.CreateDirectory(Path.Combine(_outside, "subdirectory"));
        Directory.CreateDirectory(_host.Paths.Profiles);
        File.CreateSymbolicLink(Path.Combine(_host.Paths.Profiles, string.Format(CultureInfo.InvariantCulture, planted, name)), _outside);
        var outside = HostSnapshot.Files(_outside);

        foreach (var command in new[] { new[] { "install", "-n", name, TestGuestFlake.Reference + "#vm" },
                     ["install", "--force", "-n", name, TestGuestFlake.Reference + "#vm-virtiofs"], ["rollback", name],
                     ["remove", name] })
        {
            Figures.Case(Groups.Security, () =>
            {
                _host.Run(command);
                Assert.That(HostSnapshot.Files(_outside), Is.EqualTo(outside), $"{command[0]}: what the planted link points at is unchanged");
            });
        }
    }

    [Test]
    public void No_argument_reaches_a_shell()
    {
        var marker = Path.Combine(_outside, "pwned");
        var name = Name("ss");
        _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
        string[] payloads = [$"$(touch {marker})", $"`touch {marker}`", $";touch {marker}", $"|touch {marker}", $"&&touch {marker}", $"\ntouch {marker}"];
        foreach (var payload in payloads)
        {
            Figures.Case(Groups.Security, () =>
            {
                _host.Run("install", "-n", "a" + payload, TestGuestFlake.Reference + "#vm");
                _host.Run("install", "-n", name + "x", "path:" + _outside + "/" + payload + "#vm");
                _host.Run("install", "-n", name + "x", TestGuestFlake.Reference + "#vm" + payload);
                _host.Run("create", name, "--network", payload, "--print-xml");
                _host.Run("create", name, "-c", "qemu:///system?socket=" + payload, "--print-xml");
                _host.Run("start", name + payload);
                Assert.That(File.Exists(marker), Is.False, $"no shell ran {payload.Trim()}");
            });
        }
    }

    [Test]
    public void Files_and_links_belong_to_root_and_none_is_world_writable()
    {
        // Whatever the caller's umask: Miniguest gives what it makes modes of its own.
        _host.Umask = "000";
        var vm = Name("so");
        var container = Name("so");
        _host.Ok("install", "-n", vm, TestGuestFlake.Reference + "#vm");
        _host.Ok("create", vm, "--virt-type", "qemu", "--memory", "64");
        _host.Ok("install", "-n", container, TestGuestFlake.Reference + "#container");
        _host.Ok("create", container);
        _host.Ok("start", container, "--console");
        var containerRoot = _host.Paths.ContainerRoot(GuestName.Parse(container));

        var entries = HostSnapshot.Entries(_host.Root);
        TestContext.Out.WriteLine(string.Join('\n', entries));
        Figures.Case(Groups.Security, () =>
        {
            using (Assert.EnterMultipleScope())
            {
                foreach (var entry in entries)
                {
                    var (type, owner, mode, path) = (entry.Type, entry.Owner, Convert.ToInt32(entry.Mode, 8), entry.Path);
                    if (path.StartsWith(containerRoot + "/", StringComparison.Ordinal))
                    {
                        continue; // the container's own files, written by its mapped root
                    }
                    var mapped = path == containerRoot || path == _host.Paths.ContainerDirectory(GuestName.Parse(container));
                    Assert.That(owner, mapped ? Is.Not.EqualTo("0:0") : Is.EqualTo("0:0"),
                        $"{path}: root's, but for the container's root directory and the one above it, its mapped root's");
                    if (type != "l")
                    {
                        Assert.That(mode & 0b000_010_010, Is.Zero, $"{path} ({entry.Mode}): writable by its owner only");
                    }
                }
            }
        });
    }

    [Test]
    public void Template_replaces_links_planted_in_its_directory_and_never_writes_through_them()
    {
        var directory = Directory.CreateDirectory(Path.Combine(_host.Root, "guests-flake")).FullName;
        var precious = Path.Combine(_outside, "precious");
        File.WriteAllText(precious, "not miniguest's");
        File.CreateSymbolicLink(Path.Combine(directory, "flake.nix"), precious);
        File.CreateSymbolicLink(Path.Combine(directory, "vm.nix"), Path.Combine(_outside, "made-elsewhere"));
        var outside = HostSnapshot.Files(_outside);

        Figures.Case(Groups.Security, () =>
        {
            var refused = _host.Run("template", directory, "--miniguest", "path:" + Repository.Root);
            Assert.That((refused.ExitCode, refused.Error), Is.EqualTo((1, $"miniguest: error: {directory}/flake.nix exists; use --force to overwrite\n")),
                "a planted link, dangling or not, is a file that exists: --force is needed");
            Assert.That(HostSnapshot.Files(_outside), Is.EqualTo(outside));
        });
        Figures.Case(Groups.Security, () =>
        {
            _host.Ok("template", "--force", directory, "--miniguest", "path:" + Repository.Root);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(HostSnapshot.Files(_outside), Is.EqualTo(outside), "nothing written or made outside the directory");
                Assert.That(File.ReadAllText(precious), Is.EqualTo("not miniguest's"));
                foreach (var file in new[] { "flake.nix", "vm.nix" })
                {
                    Assert.That(new FileInfo(Path.Combine(directory, file)).LinkTarget, Is.Null, $"{file} is a file of its own now");
                    Assert.That(File.ReadAllText(Path.Combine(directory, file)), Does.Contain("{"), $"{file} holds the template");
                }
            }
        });
    }

    [Test]
    public void A_broken_guest_is_a_row_of_list_which_never_fails_or_crashes_for_it()
    {
        const int Runs = 5;
        var good = Name("sb");
        var broken = Name("sb");
        var stray = Name("sb");
        _host.Ok("install", "-n", good, TestGuestFlake.Reference + "#vm");
        _host.Ok("install", "-n", broken, TestGuestFlake.Reference + "#vm");
        // Its generation now leads to a store path that is gone (collected, or deleted by hand).
        var generation = Path.Combine(_host.Paths.Profiles, broken + "-1-link");
        File.Delete(generation);
        File.CreateSymbolicLink(generation, "/nix/store/00000000000000000000000000000000-gone");
        // A stray guest link, whose profile was never made or is gone.
        File.CreateSymbolicLink(_host.Paths.Link(GuestName.Parse(stray)), _host.Paths.Profile(GuestName.Parse(stray)));

        for (var run = 0; run < Runs; run++)
        {
            Figures.Case(Groups.Security, () =>
            {
                var table = _host.Run("list");
                var json = _host.Run("list", "--json");
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(table.ExitCode, Is.Zero, "list does not fail for one broken guest");
                    Assert.That(json.ExitCode, Is.Zero, "nor does list --json");
                    Assert.That(table.Out.Split('\n').Single(line => line.StartsWith(good, StringComparison.Ordinal)), Does.Not.Contain("broken"));
                    var rows = System.Text.Json.Nodes.JsonNode.Parse(json.Out)!.AsArray();
                    foreach (var name in new[] { broken, stray })
                    {
                        Assert.That(table.Out.Split('\n').Single(line => line.StartsWith(name, StringComparison.Ordinal)), Does.Contain("broken"));
                        Assert.That((string?)rows.Single(row => (string?)row!["name"] == name)!["status"], Is.EqualTo("broken"));
                        Assert.That((string?)rows.Single(row => (string?)row!["name"] == name)!["error"], Is.Not.Empty, "the row says what is broken");
                    }
                }
            });
        }
    }
}
