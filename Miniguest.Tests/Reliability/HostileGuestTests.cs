using System.Diagnostics;
using System.Text.Json.Nodes;
using Miniguest.Core;
using Miniguest.Libvirt;
using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Integration.Reliability;

/// <summary>
/// The attacks of docs/SECURITY-NOTES.md ("A hostile guest"), each made for real through the <c>miniguest</c>
/// executable: a container whose own init swaps links in its root while root works there, build outputs whose links
/// lead out of the store, names that collide with another guest's files, a domain that copies Miniguest's metadata.
/// Each must leave the host as it was: the store verified by Nix, the victims' files intact.
/// </summary>
[TestFixture, Category(TestCategories.Reliability), Parallelizable]
public sealed class HostileGuestTests
{
    private static readonly TimeSpan AttackTimeout = TimeSpan.FromSeconds(90);
    private MiniguestHost _host = null!;
    private string _outside = "";
    private string? _storeVictim;

    [SetUp]
    public void CreateHost()
    {
        _host = new MiniguestHost();
        _outside = Directory.CreateTempSubdirectory("mgrel-victim-").FullName;
        File.WriteAllText(Path.Combine(_outside, "precious"), "root's, not the guest's");
        Directory.CreateDirectory(Path.Combine(_outside, "sub"));
        File.WriteAllText(Path.Combine(_outside, "sub", "also-precious"), "root's, not the guest's");
    }

    [TearDown]
    public void RemoveHost()
    {
        HostState.RemoveDomains(ReliabilitySuite.Prefix + "-h");
        _host.Dispose();
        Directory.Delete(_outside, recursive: true);
        if (_storeVictim is not null)
        {
            NixStoreCommand.Delete(_storeVictim);
        }
    }

    private static string Name(string kind) => MiniguestHost.UniqueName(kind, ReliabilitySuite.Prefix + "-h");

    private IReadOnlyList<string> Outside() => HostSnapshot.Files(_outside);

    [Test]
    public void A_container_that_links_its_sys_fs_into_the_store_cannot_make_root_write_there()
    {
        // The store path the attack aims at: one this test adds, so that Nix can tell whether it changed.
        var source = Directory.CreateTempSubdirectory("mgrel-store-victim-").FullName;
        File.WriteAllText(Path.Combine(source, "file"), Guid.NewGuid().ToString());
        _storeVictim = NixStoreCommand.Add(source);
        Directory.Delete(source, recursive: true);
        var name = Name("sys");
        _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#container");
        _host.Ok("create", name);
        var root = _host.Paths.ContainerRoot(GuestName.Parse(name));
        // The container's root reaches the directory beneath the read-only /sys that libvirt binds over it through a
        // bind mount of / (its own mount namespace), and swaps sys/fs for a link to the store path.
        Plant(root, _storeVictim, """
            $bb mkdir -p /attack-view
            $bb mount --bind / /attack-view
            $bb mv /attack-view/sys/fs /attack-view/sys/fs.moved
            $bb ln -s "$($bb cat /miniguest-test-victim)" /attack-view/sys/fs
            """);
        _host.Ok("start", name);
        WaitFor(() => new FileInfo(Path.Combine(root, "sys", "fs")).LinkTarget == _storeVictim, "the container linked sys/fs to the store");

        foreach (var command in new[] { new[] { "create", name }, ["install", "--force", "-n", name, TestGuestFlake.Reference + "#container"] })
        {
            Figures.Case(Groups.Security, () =>
            {
                var result = _host.Run(command);
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(result.Error, Does.Contain("not following it"), $"{command[0]} names the link it refused");
                    Assert.That(Directory.GetFileSystemEntries(_storeVictim).Select(Path.GetFileName), Is.EqualTo(new[] { "file" }),
                        $"{command[0]} made nothing in the store path");
                    Assert.That(NixStoreCommand.IsUnmodified(_storeVictim), Is.True, "Nix finds the store path unmodified");
                }
            });
        }
    }

    [Test]
    public void A_running_container_that_swaps_its_directories_for_links_gets_none_of_its_files_deleted()
    {
        var name = Name("del");
        _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#container");
        _host.Ok("create", name);
        var root = _host.Paths.ContainerRoot(GuestName.Parse(name));
        // Fifty directories, each swapped again and again for a link to the victim: a deletion by path that reaches
        // one of them while it is a link deletes the victim's files.
        Plant(root, _outside, """
            victim=$($bb cat /miniguest-test-victim)
            for i in $($bb seq 50); do $bb mkdir -p /trap/d$i/inner; $bb touch /trap/d$i/inner/file; done
            while :; do
              for i in $($bb seq 50); do
                if [ -d /trap/d$i ] && [ ! -L /trap/d$i ]; then $bb mv /trap/d$i /trap/d$i.moved; else $bb rm -f /trap/d$i; $bb mkdir -p /trap/d$i/inner; fi
                $bb ln -s "$victim" /trap/d$i 2>/dev/null
              done
            done
            """);
        var before = Outside();
        _host.Ok("start", name);
        WaitFor(() => Directory.Exists(Path.Combine(root, "trap")) && Directory.EnumerateFileSystemEntries(Path.Combine(root, "trap"))
            .Any(entry => new FileInfo(entry).LinkTarget == _outside), "the container swapped a directory for a link");

        Figures.Case(Groups.Security, () =>
        {
            var result = _host.Run("remove", "--keep-domain", name);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(result.ExitCode, Is.EqualTo(1), "remove --keep-domain refuses a running guest");
                Assert.That(result.Error, Does.Contain("running"));
                Assert.That(Directory.Exists(Path.Combine(root, "trap")), Is.True, "none of the container's files went");
                Assert.That(Outside(), Is.EqualTo(before), "the victim is intact");
            }
        });
        Figures.Case(Groups.Security, () =>
        {
            // --purge: the container's root, its data, goes too, through the traps.
            _host.Ok("remove", "--keep-domain", "--force", "--purge", name);
            using var connection = Connection.Open("lxc:///");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(connection.TryGetDomain(name, out var kept), Is.True, "the domain is kept");
                Assert.That(kept?.IsActive, Is.False, "it was stopped before its files went");
                kept?.Dispose();
                Assert.That(Directory.Exists(_host.Paths.GuestState(GuestName.Parse(name))), Is.False, "the guest's state is gone");
                Assert.That(Outside(), Is.EqualTo(before), "the victim is intact");
            }
        });
    }

    [TestCase("escape-kernel", "kernel")]
    [TestCase("escape-initrd", "initrd")]
    [TestCase("escape-boot", "boot")]
    [TestCase("escape-init", "boot/init")]
    [TestCase("escape-container-boot", "boot")]
    public void A_build_output_whose_links_leave_the_store_is_never_defined(string variant, string file)
    {
        var name = Name("esc");
        _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#" + variant);

        foreach (var command in new[] { new[] { "create", name }, ["create", name, "--print-xml"],
                     ["install", "--force", "-n", name, TestGuestFlake.Reference + "#" + variant] })
        {
            Figures.Case(Groups.Security, () =>
            {
                var result = _host.Run(command);
                using var connection = Connection.Open(variant.Contains("container", StringComparison.Ordinal) ? "lxc:///" : "qemu:///system");
                using (Assert.EnterMultipleScope())
                {
                    if (command[0] == "create")
                    {
                        Assert.That(result.ExitCode, Is.EqualTo(1), $"{string.Join(' ', command)} refuses");
                        Assert.That(result.Error, Does.Contain($"/{file}: leads to").And.Contain("outside the Nix store"));
                    }
                    Assert.That(connection.TryGetDomain(name, out var domain), Is.False, "no domain was defined");
                    domain?.Dispose();
                }
            });
        }
    }

    [Test]
    public void A_domain_that_boots_through_a_guests_links_out_of_the_store_is_never_started()
    {
        // A domain defined by an earlier Miniguest names the guest's files through its link; the output it leads to now
        // has an initrd that is a host file.
        var name = Name("old");
        _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#escape-initrd");
        var guest = GuestName.Parse(name);
        var link = _host.Paths.Link(guest);
        using var connection = Connection.Open("qemu:///system");
        using var domain = connection.DefineDomain(DomainXml.Write(new VmDomain
        {
            Name = name, Kernel = Path.Combine(link, "kernel"), Initrd = Path.Combine(link, "initrd"), BootSource = Path.Combine(link, "boot"), StoreSource = "/nix/store",
            CommandLine = "init=/boot/init console=ttyS0", VirtType = VirtType.Qemu, MemoryMiB = 64, Metadata = new GuestMetadata(name),
        }));
        Directory.CreateDirectory(_host.Paths.GuestState(guest));
        File.WriteAllText(_host.Paths.ConnectionUriFile(guest), "qemu:///system");
        File.WriteAllText(_host.Paths.DomainUuidFile(guest), domain.Uuid.ToString("D"));

        foreach (var command in new[] { "start", "restart" })
        {
            Figures.Case(Groups.Security, () =>
            {
                var result = _host.Run(command, name);
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(result.ExitCode, Is.EqualTo(1), $"{command} refuses");
                    Assert.That(result.Error, Does.Contain("/initrd: leads to /etc/shadow"));
                    Assert.That(domain.IsActive, Is.False, $"{command} did not start it");
                }
            });
        }
    }

    [Test]
    public void A_guest_cannot_be_named_as_another_guests_generation()
    {
        var name = Name("gen");
        _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
        var before = _host.Snapshot();

        foreach (var command in new[] { new[] { "install", "-n", name + "-1-link", TestGuestFlake.Reference + "#vm" },
                     ["install", "-n", name + "-2-link", TestGuestFlake.Reference + "#vm"] })
        {
            Figures.Case(Groups.Security, () =>
            {
                var result = _host.Run(command);
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(result.ExitCode, Is.EqualTo(1));
                    Assert.That(result.Error, Does.Contain("generation of another guest's profile"));
                    Assert.That(_host.Snapshot(), Is.EqualTo(before), "the other guest's profile and generations are as they were");
                }
            });
        }
        Figures.Case(Groups.Security, () =>
        {
            var generations = JsonNode.Parse(_host.Ok("generations", name, "--json").Out)!.AsArray();
            Assert.That(generations.Select(g => (int)g!["generation"]!), Is.EqualTo(new[] { 1 }), "the guest has its one generation");
        });
    }

    [Test]
    public void A_domain_with_a_copy_of_miniguests_metadata_but_no_record_is_foreign()
    {
        var name = Name("cpy");
        _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
        using var connection = Connection.Open("qemu:///system");
        using var copied = connection.DefineDomain(DomainXml.Write(new VmDomain
        {
            Name = name, Kernel = "/nonexistent/kernel", Initrd = "/nonexistent/initrd", BootSource = "/nonexistent/boot", StoreSource = "/nix/store",
            CommandLine = "", VirtType = VirtType.Qemu, MemoryMiB = 64, Metadata = new GuestMetadata(name),
        }));
        var before = copied.GetXml(DomainXmlFlags.Inactive);

        foreach (var command in new[] { new[] { "-c", "qemu:///system", "remove", "--force", name }, ["-c", "qemu:///system", "create", name],
                     ["-c", "qemu:///system", "autostart", name, "on"], ["-c", "qemu:///system", "stop", "--force", name] })
        {
            Figures.Case(Groups.Security, () =>
            {
                var result = _host.Run(command);
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(result.ExitCode, Is.EqualTo(1), $"{command[2]} refuses");
                    Assert.That(result.Error, Does.Contain("was not defined by Miniguest"));
                    Assert.That(connection.TryGetDomain(name, out var still), Is.True, $"{command[2]} left the domain defined");
                    Assert.That(still?.GetXml(DomainXmlFlags.Inactive), Is.EqualTo(before), $"{command[2]} left it as it was");
                    still?.Dispose();
                }
            });
        }
        Figures.Case(Groups.Security, () =>
        {
            var rows = JsonNode.Parse(_host.Ok("-c", "qemu:///system", "list", "--json").Out)!.AsArray();
            Assert.That(rows.Single(row => (string?)row!["name"] == name)!["status"]!.GetValue<string>(), Is.EqualTo("foreign"));
        });
    }

    // Puts the attack in the container's root, where the test guest's init runs it as the container's root, and keeps
    // the container running meanwhile.
    private static void Plant(string root, string victim, string script)
    {
        File.WriteAllText(Path.Combine(root, "miniguest-test-wait"), "");
        File.WriteAllText(Path.Combine(root, "miniguest-test-victim"), victim);
        File.WriteAllText(Path.Combine(root, "miniguest-test-attack"), script.ReplaceLineEndings("\n") + "\n");
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > AttackTimeout)
            {
                Assert.Fail($"the attack did not happen within {AttackTimeout}: {what}");
            }
            Thread.Sleep(100);
        }
        TestContext.Out.WriteLine($"after {clock.Elapsed.TotalSeconds:F1} s: {what}");
    }
}
