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
}
