using Miniguest.Core;

namespace Miniguest.Tests.Integration;

/// <summary>
/// A host without a read-only store for virtiofs gets a clear refusal, never an unsafe domain. The candidate views
/// here are bind mounts under a temporary directory in this process's mount namespace; libvirtd's is left alone.
/// </summary>
[TestFixture, Category(TestCategories.Integration)]
public sealed class VirtiofsRefusalTests
{
    private string _scratch = "";
    private readonly List<string> _mounts = [];

    [SetUp]
    public void CreateScratch()
    {
        _scratch = Directory.CreateTempSubdirectory("miniguest-view-").FullName;
        IntegrationEnvironment.RequireHost(!MountTable.OfThisProcess().Containing(NixStore.DefaultDirectory)!.IsReadOnly,
            "this host mounts its store read-only: every virtiofs share of it is safe, and there is nothing to refuse");
    }

    // Never a recursive delete: through a bind mount left behind, it would empty the host's store.
    [TearDown]
    public void RemoveMountsAndScratch()
    {
        foreach (var mount in Enumerable.Reverse(_mounts))
        {
            TestCommand.Run("umount", mount);
        }
        var left = _mounts.Where(m => MountTable.OfThisProcess().At(m) is not null).ToList();
        Assert.That(left, Is.Empty, "bind mounts the test could not unmount; the scratch directory is left as it is");
        foreach (var directory in Directory.GetDirectories(_scratch))
        {
            Directory.Delete(directory);
        }
        Directory.Delete(_scratch);
        _mounts.Clear();
    }

    [Test]
    public void A_virtiofs_vm_sharing_the_writable_store_is_refused_before_anything_is_defined()
    {
        var mounts = MountTable.OfLibvirtd();
        IntegrationEnvironment.RequireHost(!mounts.Containing(NixStore.DefaultDirectory)!.IsReadOnly, $"the store is read-only for {mounts.Owner}");
        var vm = new VmDomain
        {
            Name = "mgsec-refused",
            Kernel = "/k",
            Initrd = "/i",
            CommandLine = "",
            BootSource = "/nix/store",
            StoreSource = "/nix/store",
            StoreShare = StoreShareType.Virtiofs,
        };

        var refusal = Assert.Throws<UnprotectedStoreException>(() => StoreGuard.EnsureProtected(vm, mounts));

        Assert.That(refusal.Message, Does.Contain("store share /nix/store is writable").And.Contain(mounts.Owner)
            .And.Contain("scripts/setup-host").And.Contain("boot.readOnlyNixStore"));
    }

    [Test]
    public void A_directory_that_is_not_a_mount_point_is_no_view()
    {
        var candidate = Directory.CreateDirectory(Path.Combine(_scratch, "view")).FullName;

        var source = StoreView.ForVirtiofs(MountTable.OfThisProcess(), candidate);

        Assert.That(source.IsAvailable, Is.False);
        Assert.That(source.Problem, Does.Contain($"{candidate} is not a mount point"));
        Assert.Throws<UnprotectedStoreException>(() => source.RequireDirectory());
    }

    [Test]
    public void A_writable_bind_mount_of_the_store_is_refused()
    {
        var candidate = Bind(NixStore.DefaultDirectory, "view", readOnly: false);

        var source = StoreView.ForVirtiofs(MountTable.OfThisProcess(), candidate);

        Assert.That(source.Problem, Does.Contain($"{candidate} is a bind mount of /nix/store but read-write"));
    }

    [Test]
    public void A_read_only_mount_of_another_directory_is_refused()
    {
        var other = Directory.CreateDirectory(Path.Combine(_scratch, "other")).FullName;
        var candidate = Bind(other, "view", readOnly: true);

        var source = StoreView.ForVirtiofs(MountTable.OfThisProcess(), candidate);

        Assert.That(source.Problem, Does.Contain($"{candidate} is a mount of").And.Contain("not of /nix/store"));
    }

    [Test]
    public void A_read_only_view_made_after_libvirtd_started_in_its_own_namespace_is_refused()
    {
        var libvirtd = MountTable.OfLibvirtd();
        IntegrationEnvironment.RequireHost(!libvirtd.Owner.StartsWith("this process", StringComparison.Ordinal), "no libvirtd mount table to read");
        var pid = libvirtd.Owner.Split("pid ")[1].TrimEnd(')');
        IntegrationEnvironment.RequireHost(
            File.ResolveLinkTarget($"/proc/{pid}/ns/mnt", false)!.ToString() != File.ResolveLinkTarget("/proc/self/ns/mnt", false)!.ToString(),
            "libvirtd shares this process's mount namespace");
        var candidate = Bind(NixStore.DefaultDirectory, "view", readOnly: true);

        var here = StoreView.ForVirtiofs(MountTable.OfThisProcess(), candidate);
        var there = StoreView.ForVirtiofs(MountTable.OfLibvirtd(), candidate);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(here.Directory, Is.EqualTo(candidate), "the view is good in this namespace");
            Assert.That(there.IsAvailable, Is.False, "virtiofsd, in libvirtd's namespace, would see an empty directory");
            Assert.That(there.Problem, Does.Contain($"{candidate} is not a mount point there").And.Contain(libvirtd.Owner));
        }
    }

    private string Bind(string source, string name, bool readOnly)
    {
        var target = Directory.CreateDirectory(Path.Combine(_scratch, name)).FullName;
        TestCommand.Ok("mount", "--bind", source, target);
        _mounts.Add(target);
        if (readOnly)
        {
            TestCommand.Ok("mount", "-o", "remount,bind,ro", target);
        }
        return target;
    }

}
