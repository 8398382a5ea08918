using Miniguest.Core;
using Miniguest.Libvirt.Guests;

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
}
