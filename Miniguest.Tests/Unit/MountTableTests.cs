using Miniguest.Core;

namespace Miniguest.Tests.Unit;

public sealed class MountTableTests
{
    // A Debian host as libvirtd's namespace sees it: the store is a directory of the root file system, with the
    // read-only view bound from it; /sys/fs/cgroup and two stacked mounts at /mnt/stack for good measure.
    internal const string DebianWithView = """
        43 42 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
        45 43 0:21 / /proc rw,relatime - proc proc rw
        46 43 0:22 / /sys rw,relatime - sysfs sysfs rw
        47 46 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        64 43 254:0 /nix/store /run/miniguest/store ro,relatime - ext4 /dev/vda rw,discard
        70 43 0:40 / /mnt/stack rw,relatime - tmpfs first rw
        71 70 0:41 / /mnt/stack ro,relatime - tmpfs second rw
        """;

    // NixOS: the store is a read-only bind mount of itself (boot.readOnlyNixStore), with peer-group fields.
    internal const string NixOs = """
        22 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw
        23 22 259:2 /nix/store /nix/store ro,relatime shared:2 - ext4 /dev/nvme0n1p2 rw
        24 22 0:5 / /run rw,nosuid,nodev shared:3 master:1 - tmpfs tmpfs rw,mode=755
        """;

    [Test]
    public void Parses_every_field_of_a_line_with_optional_fields()
    {
        var entry = MountTable.Parse(NixOs, "test").Entries[1];
        Assert.That(entry, Is.EqualTo(new MountEntry(23, 22, "259:2", "/nix/store", "/nix/store", "ro,relatime", "ext4", "/dev/nvme0n1p2", "rw")));
    }

    [Test]
    public void Unescapes_the_kernels_octal_escapes_in_paths()
    {
        var entry = MountTable.Parse(@"50 1 8:1 /with\040space /mnt/a\011tab\134slash rw - ext4 /dev/odd\040disk rw", "test").Entries.Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(entry.Root, Is.EqualTo("/with space"));
            Assert.That(entry.MountPoint, Is.EqualTo("/mnt/a\ttab\\slash"));
            Assert.That(entry.Source, Is.EqualTo("/dev/odd disk"));
        }
    }

    [TestCase("ro,relatime", "rw", ExpectedResult = true)]
    [TestCase("rw,relatime", "ro,errors=remount-ro", ExpectedResult = true)]
    [TestCase("rw,relatime", "rw,errors=remount-ro", ExpectedResult = false)]
    [TestCase("rw,nosuid,rootcontext=ro", "rw", ExpectedResult = false)]
    public bool A_mount_is_read_only_when_the_mount_or_its_file_system_is(string mountOptions, string superOptions) =>
        new MountEntry(1, 0, "0:1", "/", "/", mountOptions, "ext4", "/dev/x", superOptions).IsReadOnly;

    [Test]
    public void A_path_lands_on_the_deepest_mount_above_it()
    {
        var table = MountTable.Parse(DebianWithView, "test");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(table.Containing("/nix/store")!.Id, Is.EqualTo(43));
            Assert.That(table.Containing("/run/miniguest/store/abc-guest/boot")!.Id, Is.EqualTo(64));
            Assert.That(table.Containing("/run/miniguest/store/")!.Id, Is.EqualTo(64));
            Assert.That(table.Containing("/run/miniguest")!.Id, Is.EqualTo(43));
            Assert.That(table.Containing("/sys/fs/cgroup/cpu")!.Id, Is.EqualTo(47));
        }
    }

    [Test]
    public void Of_mounts_stacked_on_one_place_the_top_one_shows()
    {
        var table = MountTable.Parse(DebianWithView, "test");
        Assert.That(table.At("/mnt/stack")!.Source, Is.EqualTo("second"));
        Assert.That(table.Containing("/mnt/stack/file")!.Source, Is.EqualTo("second"));
    }

    [Test]
    public void A_mount_hidden_under_a_later_mount_of_a_directory_above_it_does_not_show()
    {
        // /run mounted again over the root's /run after the view was made hides the view.
        var table = MountTable.Parse(DebianWithView + "\n80 43 0:50 / /run rw - tmpfs tmpfs rw", "test");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(table.At("/run/miniguest/store"), Is.Null);
            Assert.That(table.Containing("/run/miniguest/store")!.Id, Is.EqualTo(80));
        }
    }

    [Test]
    public void Nothing_is_at_a_directory_that_is_not_a_mount_point()
    {
        Assert.That(MountTable.Parse(DebianWithView, "test").At("/nix/store"), Is.Null);
    }

    [Test]
    public void A_bind_mount_of_the_store_is_located_where_the_store_is()
    {
        var table = MountTable.Parse(DebianWithView, "test");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(table.Locate("/nix/store"), Is.EqualTo(("254:0", "/nix/store")));
            Assert.That(table.Locate("/run/miniguest/store"), Is.EqualTo(("254:0", "/nix/store")));
            Assert.That(table.Locate("/run/miniguest/store/abc"), Is.EqualTo(("254:0", "/nix/store/abc")));
            Assert.That(table.Locate("/"), Is.EqualTo(("254:0", "/")));
        }
        var nixos = MountTable.Parse(NixOs, "test");
        Assert.That(nixos.Locate("/nix/store/abc"), Is.EqualTo(("259:2", "/nix/store/abc")));
    }

    [TestCase("not a mountinfo line")]
    [TestCase("1 2 3:4 / / rw shared:1 ext4 /dev/x rw")]
    [TestCase("x 2 3:4 / / rw - ext4 /dev/x rw")]
    public void A_line_that_is_not_mountinfo_is_a_format_error(string line)
    {
        Assert.Throws<FormatException>(() => MountTable.Parse(line, "test"));
    }

    [Test]
    public void Relative_paths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => MountTable.Parse(NixOs, "test").Containing("nix/store"));
    }

    [Test]
    public void This_processs_own_table_has_a_root_mount()
    {
        var table = MountTable.OfThisProcess();
        Assert.That(table.Containing("/"), Is.Not.Null);
        Assert.That(table.Owner, Is.EqualTo("this process"));
    }
}
