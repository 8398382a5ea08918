using Miniguest.Libvirt;
using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Integration.Reliability;

/// <summary>
/// The share attacks of docs/SECURITY-NOTES.md ("Shares"), each made for real through the <c>miniguest</c> executable: a
/// build output that picks a host directory, a share's directory swapped for a link (or its parent opened to others)
/// after <c>create</c>, a share inside another guest's, and a virtiofs guest whose root leaves a setuid-root file and a
/// device node in a writable share for a host user.
/// </summary>
[TestFixture, Category(TestCategories.Reliability), Parallelizable]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ShareSecurityTests
{
    private MiniguestHost _host = null!;
    private string _outside = "";

    [SetUp]
    public void CreateHost()
    {
        _host = new MiniguestHost();
        // A directory of the admin's, root's and passable by others, as /srv is.
        _outside = Directory.CreateTempSubdirectory("mgrel-shares-").FullName;
        File.SetUnixFileMode(_outside, (UnixFileMode)0b111_101_101);
    }

    [TearDown]
    public void RemoveHost()
    {
        HostState.RemoveDomains(ReliabilitySuite.Prefix + "-x");
        _host.Dispose();
        Directory.Delete(_outside, recursive: true);
        File.Delete("/nix/store/miniguest-write-probe-vm-state");
    }

    private static string Name(string kind) => MiniguestHost.UniqueName(kind, ReliabilitySuite.Prefix + "-x");

    private string AdminDirectory(string name, UnixFileMode mode = (UnixFileMode)0b111_101_101)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_outside, name)).FullName;
        File.SetUnixFileMode(directory, mode);
        return directory;
    }

    [Test]
    public void A_build_output_that_names_a_host_directory_gets_none_without_the_admins_word()
    {
        var name = Name("out");
        _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#escape-share");

        var refused = _host.Run("create", name, "--virt-type", "qemu");
        // Given by the admin, the places no guest may have are refused all the same.
        var places = new[] { "/nix/var", "/dev/shm", "/proc/1", "/run", _host.Paths.State, _host.Paths.Guests, Path.GetDirectoryName(_host.Paths.State)! }
            .Select(place => (place, _host.Run("create", name, "--virt-type", "qemu", "--share", $"data={place}"))).ToList();

        Figures.Case(Groups.Security, () =>
        {
            using var connection = Connection.Open("qemu:///system");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(refused.ExitCode, Is.EqualTo(1));
                Assert.That(refused.ErrorLines, Has.Count.EqualTo(1), "one line");
                Assert.That(refused.Error, Does.Contain("asks for the host directory /root").And.Contain($"--share data=PATH"));
                foreach (var (place, result) in places)
                {
                    Assert.That(result.ExitCode, Is.EqualTo(1), place);
                    Assert.That(result.Error, Does.Contain("which no guest may share"), place);
                }
                Assert.That(connection.TryGetDomain(name, out _), Is.False, "nothing is defined");
            }
        });
    }

    [Test]
    public void A_share_swapped_for_a_link_or_opened_to_others_after_create_is_refused_at_start()
    {
        var name = Name("swap");
        var parent = AdminDirectory("parent");
        var data = AdminDirectory(Path.Combine("parent", "data"));
        _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm-state");
        var created = _host.Ok("create", name, "--virt-type", "qemu", "--memory", "256", "--share", $"data={data}");
        Assert.That(created.Out, Does.Contain($"  share 'data' at /var/lib/data: {data}\n"));
        Assert.That(_host.Ok("start", name, "--console").Out, Does.Contain("boots=1"), "the guest counts its boots in the admin's directory");

        // The way a user, or a guest writing as root in a share above it, would redirect QEMU (root) to the store.
        Directory.Move(data, data + ".moved");
        File.CreateSymbolicLink(data, "/nix/store");
        var swapped = _host.Run("start", name);
        File.Delete(data);
        Directory.Move(data + ".moved", data);
        File.SetUnixFileMode(parent, (UnixFileMode)0b111_111_111);
        var opened = _host.Run("start", name);
        File.SetUnixFileMode(parent, (UnixFileMode)0b111_101_101);
        var restored = _host.Run("start", name, "--console");

        Figures.Case(Groups.Security, () =>
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(swapped.ExitCode, Is.EqualTo(1));
                Assert.That(swapped.Error, Does.Contain($"{data} (that is, /nix) is in, on or above /nix, which no guest may share"), "swapped for a link to the store");
                Assert.That(opened.ExitCode, Is.EqualTo(1));
                Assert.That(opened.Error, Does.Contain($"others than root may write in {parent} (mode 0777)"), "its parent opened to others");
                Assert.That(restored.ExitCode, Is.Zero, "as the admin left it, it starts");
                Assert.That(restored.Out, Does.Contain("boots=2").And.Contain("store-write=refused"));
                Assert.That(File.Exists("/nix/store/miniguest-write-probe-vm-state"), Is.False, "nothing in the host's store");
            }
        });
    }

    [Test]
    public void A_share_in_on_or_above_another_guests_is_refused()
    {
        var first = Name("one");
        var second = Name("two");
        var data = AdminDirectory("data");
        AdminDirectory(Path.Combine("data", "inner"));
        var userOwned = AdminDirectory("users");
        File.SetUnixFileMode(userOwned, (UnixFileMode)0b111_101_101);
        TestCommand.Ok("chown", "65534:65534", userOwned);
        var belowUser = AdminDirectory(Path.Combine("users", "data"));
        _host.Ok("install", "-n", first, TestGuestFlake.Reference + "#vm-state");
        _host.Ok("install", "-n", second, TestGuestFlake.Reference + "#vm-state");
        _host.Ok("create", first, "--virt-type", "qemu", "--share", $"data={data}");

        var inside = _host.Run("create", second, "--virt-type", "qemu", "--share", $"data={data}/inner");
        var above = _host.Run("create", second, "--virt-type", "qemu", "--share", $"data={_outside}");
        var same = _host.Run("create", second, "--virt-type", "qemu", "--share", $"data={data}");
        var byUser = _host.Run("create", second, "--virt-type", "qemu", "--share", $"data={belowUser}");

        Figures.Case(Groups.Security, () =>
        {
            using (Assert.EnterMultipleScope())
            {
                foreach (var result in new[] { inside, above, same })
                {
                    Assert.That(result.ExitCode, Is.EqualTo(1));
                    Assert.That(result.Error, Does.Contain($"a share of guest '{first}'"));
                }
                Assert.That(byUser.ExitCode, Is.EqualTo(1));
                Assert.That(byUser.Error, Does.Contain($"{userOwned} belongs to uid 65534"), "a directory a user owns on the way");
            }
        });
    }

    [Test]
    public void A_virtiofs_guests_setuid_file_and_device_node_in_a_writable_share_are_out_of_a_host_users_reach()
    {
        var name = Name("vfs");
        var passable = AdminDirectory("passable");
        var data = AdminDirectory(Path.Combine("passable", "data"));
        _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm-virtiofs-state");

        var refused = _host.Run("create", name, "--virt-type", "qemu", "--memory", "256", "--share", $"data={data}");
        File.SetUnixFileMode(passable, (UnixFileMode)0b111_000_000);
        _host.Ok("create", name, "--virt-type", "qemu", "--memory", "256", "--share", $"data={data}");
        var boot = _host.Ok("start", name, "--console").Out;
        var setuid = Path.Combine(data, "setuid-shell");
        var device = Path.Combine(data, "device-node");
        var owner = TestCommand.Ok("stat", "-c", "%u %a", setuid).Out.Trim();
        var shellAsNobody = AsNobody.Run(setuid);
        var deviceAsNobody = AsNobody.Run("/bin/busybox", "dd", $"if={device}", "count=0");
        // What the parent only root passes keeps from host users: opened to them, the guest's device node is theirs to open.
        File.SetUnixFileMode(passable, (UnixFileMode)0b111_101_101);
        var deviceWhenPassable = AsNobody.Run("/bin/busybox", "dd", $"if={device}", "count=0");
        File.SetUnixFileMode(passable, (UnixFileMode)0b111_000_000);

        Figures.Case(Groups.Security, () =>
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(refused.ExitCode, Is.EqualTo(1));
                Assert.That(refused.Error, Does.Contain("below a directory only root can pass"));
                Assert.That(boot, Does.Contain("boots=1").And.Contain("store-write=refused"));
                Assert.That(owner, Is.EqualTo("0 4755"), "the guest's root made a setuid-root file on the host");
                Assert.That(shellAsNobody.ExitCode, Is.Not.Zero);
                Assert.That(shellAsNobody.Error, Does.Contain("Permission denied"));
                Assert.That(deviceAsNobody.ExitCode, Is.Not.Zero);
                Assert.That(deviceAsNobody.Error, Does.Contain("Permission denied"));
                Assert.That(deviceWhenPassable.ExitCode, Is.Zero, "without that parent, a host user opens the guest's device node: " + deviceWhenPassable.Error);
            }
        });
    }
}
