using Miniguest.Core;

namespace Miniguest.Tests.Unit;

public sealed class GuestConfigTests
{
    private string _file = "";

    [SetUp]
    public void CreateFile() => _file = Path.GetTempFileName();

    [TearDown]
    public void DeleteFile() => File.Delete(_file);

    [TestCase("""{"enable":true,"guestType":"qemu","qemu":{"fsType":"9p"}}""", GuestType.Qemu, StoreShareType.NineP)]
    [TestCase("""{"enable":true,"guestType":"qemu","qemu":{"fsType":"virtiofs"}}""", GuestType.Qemu, StoreShareType.Virtiofs)]
    [TestCase("""{"enable":true,"guestType":"lxc","qemu":{"fsType":"9p"}}""", GuestType.Lxc, StoreShareType.NineP)]
    [TestCase("""{"enable":true,"guestType":"qemu"}""", GuestType.Qemu, StoreShareType.NineP)]
    [TestCase("""{"enable":true,"guestType":"lxc","future":{"x":1},"qemu":{"fsType":"9p","msize":65536}}""", GuestType.Lxc, StoreShareType.NineP)]
    public void Reads_what_the_module_writes(string json, GuestType type, StoreShareType share)
    {
        File.WriteAllText(_file, json);
        Assert.That(GuestConfig.Load(_file), Is.EqualTo(new GuestConfig(type, share)));
    }

    [TestCase("{", "not valid JSON")]
    [TestCase("null", "null")]
    [TestCase("""{"enable":false,"guestType":"qemu"}""", "\"enable\" is not true")]
    [TestCase("""{"guestType":"qemu"}""", "\"enable\" is not true")]
    [TestCase("""{"enable":true}""", "\"guestType\" is missing")]
    [TestCase("""{"enable":true,"guestType":"xen"}""", "\"guestType\" is \"xen\"")]
    [TestCase("""{"enable":true,"guestType":"qemu","qemu":{"fsType":"nfs"}}""", "\"qemu.fsType\" is \"nfs\"")]
    [TestCase("""{"enable":"yes","guestType":"qemu"}""", "not valid JSON")]
    [TestCase("""{"enable":true,"guestType":7}""", "not valid JSON")]
    public void A_corrupt_file_is_an_error_that_names_the_file_and_the_problem(string json, string problem)
    {
        File.WriteAllText(_file, json);
        var error = Assert.Throws<GuestFileException>(() => GuestConfig.Load(_file));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Path, Is.EqualTo(_file));
            Assert.That(error.Message, Does.StartWith(_file + ": ").And.Contain(problem));
        }
    }

    [Test]
    public void A_missing_file_is_an_error_that_names_the_file()
    {
        File.Delete(_file);
        var error = Assert.Throws<GuestFileException>(() => GuestConfig.Load(_file));
        Assert.That(error.Message, Does.StartWith(_file + ": "));
    }

    private const string Vm = "\"enable\":true,\"guestType\":\"qemu\"";

    [Test]
    public void Shares_are_read_in_the_order_of_their_tags()
    {
        File.WriteAllText(_file, "{" + Vm + """
            ,"shares":[
              {"tag":"state","mountPoint":"/var/lib/app","source":null,"readOnly":false},
              {"tag":"conf","mountPoint":"/etc/app","source":"/srv/app-conf","readOnly":true},
              {"tag":"cache","mountPoint":"/var/cache/app"}]}
            """);
        Assert.That(GuestConfig.Load(_file).Shares, Is.EqualTo(new[]
        {
            new GuestShare("cache", "/var/cache/app", null, false),
            new GuestShare("conf", "/etc/app", "/srv/app-conf", true),
            new GuestShare("state", "/var/lib/app", null, false),
        }));
    }

    [TestCase("""[{"tag":"a b","mountPoint":"/a"}]""", "'a b' is not a share tag")]
    [TestCase("""[{"tag":"nix-store","mountPoint":"/a"}]""", "is not a share tag")]
    [TestCase("""[{"tag":"boot","mountPoint":"/a"}]""", "is not a share tag")]
    [TestCase("""[{"tag":"abcdefghijklmnopqrstuvwxyz0123456","mountPoint":"/a"}]""", "is not a share tag")]
    [TestCase("""[{"mountPoint":"/a"}]""", "is not a share tag")]
    [TestCase("""[{"tag":"a","mountPoint":"var/lib"}]""", "its mount point 'var/lib' is not an absolute path")]
    [TestCase("""[{"tag":"a","mountPoint":"/var/../etc"}]""", "is not an absolute path without . or .. parts")]
    [TestCase("""[{"tag":"a","mountPoint":"/var//lib"}]""", "is not an absolute path without . or .. parts")]
    [TestCase("""[{"tag":"a","mountPoint":"/"}]""", "is not an absolute path")]
    [TestCase("""[{"tag":"a","mountPoint":"/nix/store"}]""", "would hide the guest's store or /boot")]
    [TestCase("""[{"tag":"a","mountPoint":"/nix"}]""", "would hide the guest's store or /boot")]
    [TestCase("""[{"tag":"a","mountPoint":"/nix/store/x"}]""", "would hide the guest's store or /boot")]
    [TestCase("""[{"tag":"a","mountPoint":"/boot/x"}]""", "would hide the guest's store or /boot")]
    [TestCase("""[{"tag":"a","mountPoint":"/a","source":"srv"}]""", "its source 'srv' is not an absolute path")]
    [TestCase("""[{"tag":"a","mountPoint":"/a","source":"/srv/../etc"}]""", "is not an absolute path without . or .. parts")]
    [TestCase("""[{"tag":"a","mountPoint":"/a","source":"/nix/store/abc-x"}]""", "is the Nix store, inside it or above it")]
    [TestCase("""[{"tag":"a","mountPoint":"/a","source":"/nix"}]""", "is the Nix store, inside it or above it")]
    [TestCase("""[{"tag":"a","mountPoint":"/a","source":"/"}]""", "is the Nix store, inside it or above it")]
    [TestCase("""[{"tag":"a","mountPoint":"/a"},{"tag":"a","mountPoint":"/b"}]""", "the tag 'a' is given twice")]
    [TestCase("""[{"tag":"a","mountPoint":"/a"},{"tag":"b","mountPoint":"/a"}]""", "two shares are mounted at /a")]
    [TestCase("""[null]""", "a share is null")]
    public void A_share_that_is_not_plain_or_would_reach_the_store_is_refused(string shares, string problem)
    {
        File.WriteAllText(_file, "{" + Vm + ",\"shares\":" + shares + "}");
        var error = Assert.Throws<GuestFileException>(() => GuestConfig.Load(_file));
        Assert.That(error.Message, Does.StartWith(_file + ": \"shares\": ").And.Contain(problem));
    }

    [Test]
    public void A_read_only_share_over_virtiofs_is_refused_as_virtiofs_cannot_enforce_it()
    {
        File.WriteAllText(_file, """{"enable":true,"guestType":"qemu","qemu":{"fsType":"virtiofs"},"shares":[{"tag":"a","mountPoint":"/a","readOnly":true}]}""");
        Assert.That(() => GuestConfig.Load(_file), Throws.TypeOf<GuestFileException>().With.Message.Contain("virtiofs cannot enforce"));
    }

    [Test]
    public void Volumes_are_read_in_the_order_of_their_names()
    {
        File.WriteAllText(_file, "{" + Vm + """
            ,"volumes":[
              {"name":"store","mountPoint":"/nix/.rw-store","sizeMiB":8192,"fsType":"ext4"},
              {"name":"db","mountPoint":"/var/lib/postgresql","sizeMiB":1024,"fsType":"xfs"}]}
            """);
        Assert.That(GuestConfig.Load(_file).Volumes, Is.EqualTo(new[]
        {
            new GuestVolume("db", "/var/lib/postgresql", 1024, "xfs"),
            new GuestVolume("store", "/nix/.rw-store", 8192, "ext4"),
        }));
    }

    [TestCase("""[{"name":"a b","mountPoint":"/a","sizeMiB":1,"fsType":"ext4"}]""", "'a b' is not a volume name")]
    [TestCase("""[{"name":"../../etc/x","mountPoint":"/a","sizeMiB":1,"fsType":"ext4"}]""", "is not a volume name")]
    [TestCase("""[{"name":"abcdefghijklmnopqrstu","mountPoint":"/a","sizeMiB":1,"fsType":"ext4"}]""", "is not a volume name")]
    [TestCase("""[{"mountPoint":"/a","sizeMiB":1,"fsType":"ext4"}]""", "is not a volume name")]
    [TestCase("""[{"name":"a","mountPoint":"var/lib","sizeMiB":1,"fsType":"ext4"}]""", "volume 'a': its mount point 'var/lib' is not an absolute path")]
    [TestCase("""[{"name":"a","mountPoint":"/var/../etc","sizeMiB":1,"fsType":"ext4"}]""", "is not an absolute path without . or .. parts")]
    [TestCase("""[{"name":"a","mountPoint":"/","sizeMiB":1,"fsType":"ext4"}]""", "is not an absolute path")]
    [TestCase("""[{"name":"a","mountPoint":"/nix","sizeMiB":1,"fsType":"ext4"}]""", "a volume at /nix would hide the guest's store or /boot")]
    [TestCase("""[{"name":"a","mountPoint":"/boot","sizeMiB":1,"fsType":"ext4"}]""", "would hide the guest's store or /boot")]
    [TestCase("""[{"name":"a","mountPoint":"/a","sizeMiB":0,"fsType":"ext4"}]""", "volume 'a': its size 0 MiB is not from 1 to 16777216 MiB")]
    [TestCase("""[{"name":"a","mountPoint":"/a","sizeMiB":-5,"fsType":"ext4"}]""", "is not from 1 to")]
    [TestCase("""[{"name":"a","mountPoint":"/a","sizeMiB":16777217,"fsType":"ext4"}]""", "is not from 1 to")]
    [TestCase("""[{"name":"a","mountPoint":"/a","fsType":"ext4"}]""", "its size (none) MiB")]
    [TestCase("""[{"name":"a","mountPoint":"/a","sizeMiB":1,"fsType":"qcow2"}]""", "its file system 'qcow2' is not one of ext4, ext3, ext2, xfs, btrfs")]
    [TestCase("""[{"name":"a","mountPoint":"/a","sizeMiB":1}]""", "its file system '' is not one of")]
    [TestCase("""[{"name":"a","mountPoint":"/a","sizeMiB":1,"fsType":"ext4"},{"name":"a","mountPoint":"/b","sizeMiB":1,"fsType":"ext4"}]""",
        "the name 'a' is given twice")]
    [TestCase("""[{"name":"a","mountPoint":"/a","sizeMiB":1,"fsType":"ext4"},{"name":"b","mountPoint":"/a","sizeMiB":1,"fsType":"ext4"}]""",
        "volume 'b' is mounted at /a, where another volume or a share is")]
    [TestCase("""[null]""", "a volume is null")]
    public void A_volume_that_is_not_plain_bounded_or_of_a_known_file_system_is_refused(string volumes, string problem)
    {
        File.WriteAllText(_file, "{" + Vm + ",\"volumes\":" + volumes + "}");
        var error = Assert.Throws<GuestFileException>(() => GuestConfig.Load(_file));
        Assert.That(error.Message, Does.StartWith(_file + ": \"volumes\": ").And.Contain(problem));
    }

    [Test]
    public void A_volume_and_a_share_on_one_mount_point_are_refused()
    {
        File.WriteAllText(_file, "{" + Vm + """
            ,"shares":[{"tag":"data","mountPoint":"/var/lib/data"}],"volumes":[{"name":"data","mountPoint":"/var/lib/data","sizeMiB":64,"fsType":"ext4"}]}
            """);
        Assert.That(() => GuestConfig.Load(_file), Throws.TypeOf<GuestFileException>().With.Message.Contain("where another volume or a share is"));
    }

    [Test]
    public void More_volumes_than_a_vm_has_disk_names_for_are_refused()
    {
        var volumes = string.Join(",", Enumerable.Range(0, 27).Select(i => $$"""{"name":"v{{i}}","mountPoint":"/v{{i}}","sizeMiB":1,"fsType":"ext4"}"""));
        File.WriteAllText(_file, "{" + Vm + ",\"volumes\":[" + volumes + "]}");
        Assert.That(() => GuestConfig.Load(_file), Throws.TypeOf<GuestFileException>().With.Message.Contain("27 volumes; a guest has at most 26"));
    }
}
