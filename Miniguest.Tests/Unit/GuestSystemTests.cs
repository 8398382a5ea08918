using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>A build output is read only where its links land inside the store: here a scratch directory stands for it.</summary>
public sealed class GuestSystemTests
{
    private const string VmConfig = """{"enable":true,"guestType":"qemu","qemu":{"fsType":"9p"}}""";
    private string _store = "";
    private string _output = "";
    private string _outside = "";

    [SetUp]
    public void CreateOutput()
    {
        _store = Directory.CreateTempSubdirectory("miniguest-store-").FullName;
        _outside = Directory.CreateTempSubdirectory("miniguest-outside-").FullName;
        File.WriteAllText(Path.Combine(_outside, "secret"), "root only");
        var system = Directory.CreateDirectory(Path.Combine(_store, "hash-system")).FullName;
        File.WriteAllText(Path.Combine(system, "bzImage"), "");
        File.WriteAllText(Path.Combine(system, "initrd"), "");
        File.WriteAllText(Path.Combine(system, "init"), "");
        _output = Directory.CreateDirectory(Path.Combine(_store, "hash-miniguest")).FullName;
        Directory.CreateDirectory(Path.Combine(_output, "boot"));
        File.CreateSymbolicLink(Path.Combine(_output, "boot", "init"), Path.Combine(system, "init"));
        File.CreateSymbolicLink(Path.Combine(_output, "kernel"), "../hash-system/bzImage");
        File.CreateSymbolicLink(Path.Combine(_output, "initrd"), Path.Combine(system, "initrd"));
        File.WriteAllText(Path.Combine(_output, "kernel-params"), "panic=-1\n");
        File.WriteAllText(Path.Combine(_output, GuestConfig.FileName), VmConfig);
    }

    [TearDown]
    public void DeleteOutput()
    {
        Directory.Delete(_store, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    [Test]
    public void The_files_are_given_where_they_really_are_in_the_store()
    {
        var guest = GuestSystem.Load(_output, _store);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(guest.Kernel, Is.EqualTo(Path.Combine(_store, "hash-system", "bzImage")));
            Assert.That(guest.Initrd, Is.EqualTo(Path.Combine(_store, "hash-system", "initrd")));
            Assert.That(guest.BootDirectory, Is.EqualTo(Path.Combine(_output, "boot")));
            Assert.That(guest.KernelParams, Is.EqualTo("panic=-1"));
        }
    }

    [TestCase("kernel")]
    [TestCase("initrd")]
    [TestCase("boot")]
    [TestCase("boot/init")]
    [TestCase("kernel-params")]
    [TestCase(GuestConfig.FileName)]
    public void A_file_that_leads_out_of_the_store_is_refused(string file)
    {
        var path = Path.Combine(_output, file);
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            File.Delete(path);
        }
        File.CreateSymbolicLink(path, file == "boot" ? _outside : Path.Combine(_outside, "secret"));

        var error = Assert.Throws<GuestFileException>(() => GuestSystem.Load(_output, _store));
        Assert.That(error!.Message, Does.Contain("outside the Nix store"));
    }

    [Test]
    public void A_link_that_leaves_the_store_and_comes_back_is_where_it_lands()
    {
        // Only where a path lands counts, and the domain is given that place: a link on the way cannot change it later.
        File.Delete(Path.Combine(_output, "kernel"));
        File.CreateSymbolicLink(Path.Combine(_outside, "hop"), Path.Combine(_store, "hash-system", "bzImage"));
        File.CreateSymbolicLink(Path.Combine(_output, "kernel"), Path.Combine(_outside, "hop"));

        Assert.That(GuestSystem.Load(_output, _store).Kernel, Is.EqualTo(Path.Combine(_store, "hash-system", "bzImage")));
    }

    [Test]
    public void A_missing_kernel_is_named()
    {
        File.Delete(Path.Combine(_output, "kernel"));

        var error = Assert.Throws<GuestFileException>(() => GuestSystem.Load(_output, _store));
        Assert.That(error!.Message, Does.Contain("kernel").And.Contain("missing"));
    }

    [Test]
    public void A_vm_of_the_original_module_has_no_kernel_parameters_and_an_empty_file_is_an_empty_line()
    {
        // null and "" differ: without the file the CLI adds the serial console, with an empty one (a guest whose module
        // turned the console off and has no parameters) it adds none.
        File.Delete(Path.Combine(_output, "kernel-params"));
        var original = GuestSystem.Load(_output, _store);
        File.WriteAllText(Path.Combine(_output, "kernel-params"), "\n");
        var empty = GuestSystem.Load(_output, _store);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(original.KernelParams, Is.Null);
            Assert.That(empty.KernelParams, Is.Empty);
        }
    }
}
