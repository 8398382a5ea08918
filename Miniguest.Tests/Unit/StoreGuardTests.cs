using Miniguest.Core;

namespace Miniguest.Tests.Unit;

public sealed class StoreGuardTests
{
    private static readonly MountTable Debian = MountTable.Parse(MountTableTests.DebianWithView, "libvirtd (pid 1)");
    private static readonly MountTable NixOs = MountTable.Parse(MountTableTests.NixOs, "libvirtd (pid 1)");

    private static readonly VmDomain Vm = new()
    {
        Name = "web",
        Kernel = "/etc/miniguests/web/kernel",
        Initrd = "/etc/miniguests/web/initrd",
        CommandLine = "init=/boot/init",
        BootSource = "/etc/miniguests/web/boot",
        StoreSource = "/nix/store",
        Metadata = new GuestMetadata("web"),
    };

    private static readonly VmDomain VirtiofsVmOnTheView = Vm with
    {
        StoreShare = StoreShareType.Virtiofs,
        StoreSource = "/run/miniguest/store",
        BootSource = "/run/miniguest/store/abc-miniguest-web/boot",
    };

    private static readonly ContainerDomain Container = new()
    {
        Name = "db",
        RootDirectory = "/var/lib/miniguest/db",
        BootSource = "/etc/miniguests/db/boot",
        StoreSource = "/nix/store",
        StoreTarget = "/nix/store",
        Metadata = new GuestMetadata("db"),
    };

    private static readonly UserNamespaceMapping Unprivileged = new(100_000, 100_000, 65_536);

    [Test]
    public void A_vm_over_9p_is_guarded_by_its_read_only_share_whatever_the_host()
    {
        Assert.That(StoreGuard.Of(Vm, Debian), Is.EqualTo(StoreProtection.ReadOnly9pShare));
        Assert.That(StoreGuard.EnsureProtected(Vm, MountTable.Parse("1 0 0:1 / / rw - ext4 /dev/x rw", "test")),
            Is.EqualTo(StoreProtection.ReadOnly9pShare));
    }

    [Test]
    public void A_vm_over_9p_whose_shares_lost_readonly_is_refused_and_read_back_so()
    {
        var edited = DomainXml.Read(DomainXml.Write(Vm).Replace("<readonly />", "", StringComparison.Ordinal)).Vm!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(DomainXml.Read(DomainXml.Write(Vm)).Vm!.ReadOnly9pShares, Is.True, "written read-only");
            Assert.That(edited.ReadOnly9pShares, Is.False, "read back as the domain has it");
            Assert.That(StoreGuard.Of(edited, Debian), Is.EqualTo(StoreProtection.None));
            Assert.That(() => StoreGuard.EnsureProtected(edited, Debian), Throws.TypeOf<UnprotectedStoreException>().With.Message.Contains("<readonly/>"));
        }
    }

    [Test]
    public void A_vm_over_virtiofs_sharing_the_view_is_guarded_by_it()
    {
        Assert.That(StoreGuard.EnsureProtected(VirtiofsVmOnTheView, Debian), Is.EqualTo(StoreProtection.ReadOnlyStoreView));
    }

    [Test]
    public void A_vm_over_virtiofs_sharing_the_read_only_host_store_is_guarded_by_it()
    {
        var vm = Vm with { StoreShare = StoreShareType.Virtiofs, BootSource = "/nix/store/abc-miniguest-web/boot" };
        Assert.That(StoreGuard.EnsureProtected(vm, NixOs), Is.EqualTo(StoreProtection.ReadOnlyHostStore));
    }

    [Test]
    public void A_vm_over_virtiofs_sharing_the_writable_store_is_refused()
    {
        var vm = Vm with { StoreShare = StoreShareType.Virtiofs };
        Assert.That(StoreGuard.Of(vm, Debian), Is.EqualTo(StoreProtection.None));
        var refusal = Assert.Throws<UnprotectedStoreException>(() => StoreGuard.EnsureProtected(vm, Debian));
        Assert.That(refusal.Message, Does.Contain("VM 'web'").And.Contain("store share /nix/store is writable")
            .And.Contain("libvirtd (pid 1)").And.Contain("scripts/setup-host"));
    }

    [Test]
    public void A_vm_over_virtiofs_whose_boot_share_lies_in_the_writable_store_is_refused()
    {
        var vm = VirtiofsVmOnTheView with { BootSource = "/nix/store/abc-miniguest-web/boot" };
        var refusal = Assert.Throws<UnprotectedStoreException>(() => StoreGuard.EnsureProtected(vm, Debian));
        Assert.That(refusal.Message, Does.Contain("boot share /nix/store/abc-miniguest-web/boot is writable"));
    }

    [Test]
    public void The_opt_out_recorded_in_the_metadata_lets_a_writable_store_through()
    {
        var vm = Vm with { StoreShare = StoreShareType.Virtiofs, Metadata = new GuestMetadata("web") { AllowWritableStore = true } };
        Assert.That(StoreGuard.EnsureProtected(vm, Debian), Is.EqualTo(StoreProtection.None));
        var container = Container with { Metadata = new GuestMetadata("db") { AllowWritableStore = true } };
        Assert.That(StoreGuard.EnsureProtected(container), Is.EqualTo(StoreProtection.None));
    }

    [Test]
    public void A_container_in_a_user_namespace_on_unprivileged_ids_is_guarded_by_it()
    {
        Assert.That(StoreGuard.EnsureProtected(Container with { UserNamespace = Unprivileged }), Is.EqualTo(StoreProtection.UserNamespace));
    }

    [Test]
    public void A_container_without_the_store_writing_capabilities_is_guarded_by_their_loss()
    {
        var container = Container with { DropCapabilities = ContainerCapabilities.StoreWriters };
        Assert.That(StoreGuard.EnsureProtected(container), Is.EqualTo(StoreProtection.DroppedCapabilities));
    }

    [Test]
    public void A_container_that_is_host_root_with_every_capability_is_refused()
    {
        var refusal = Assert.Throws<UnprotectedStoreException>(() => StoreGuard.EnsureProtected(Container));
        Assert.That(refusal.Message, Does.Contain("container 'db'").And.Contain("container root is host root")
            .And.Contain("CAP_SYS_ADMIN").And.Contain("user namespace"));
    }

    [Test]
    public void Dropping_only_cap_sys_admin_is_not_enough()
    {
        var container = Container with { DropCapabilities = ContainerCapabilities.SysAdmin };
        Assert.That(StoreGuard.Of(container), Is.EqualTo(StoreProtection.None));
        Assert.That(Assert.Throws<UnprotectedStoreException>(() => StoreGuard.EnsureProtected(container)).Message,
            Does.Contain("CAP_DAC_READ_SEARCH"));
    }

    [TestCase(0u, 0u)]
    [TestCase(1000u, 100_000u)]
    [TestCase(100_000u, 30_000u)]
    public void A_user_namespace_onto_privileged_host_ids_is_no_protection(uint uid, uint gid)
    {
        var container = Container with { UserNamespace = new UserNamespaceMapping(uid, gid, 65_536) };
        Assert.That(StoreGuard.Of(container), Is.EqualTo(StoreProtection.None));
        Assert.That(Assert.Throws<UnprotectedStoreException>(() => StoreGuard.EnsureProtected(container)).Message,
            Does.Contain($"host uid {uid} and gid {gid}, below 65536"));
    }

    [Test]
    public void Protect_uses_a_user_namespace_where_the_host_offers_one_and_drops_capabilities_where_not()
    {
        var withUserNamespace = StoreGuard.Protect(Container, Unprivileged, userNamespaces: true);
        var withoutUserNamespace = StoreGuard.Protect(Container, Unprivileged, userNamespaces: false);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(withUserNamespace, Is.EqualTo(Container with { UserNamespace = Unprivileged }));
            Assert.That(withoutUserNamespace, Is.EqualTo(Container with { DropCapabilities = ContainerCapabilities.StoreWriters }));
            Assert.That(StoreGuard.Of(withUserNamespace), Is.EqualTo(StoreProtection.UserNamespace));
            Assert.That(StoreGuard.Of(withoutUserNamespace), Is.EqualTo(StoreProtection.DroppedCapabilities));
        }
    }

    [Test]
    public void Every_protection_has_words_for_people()
    {
        Assert.That(Enum.GetValues<StoreProtection>().Select(p => p.Describe()), Has.All.Not.Empty);
        Assert.That(StoreProtection.None.Describe(), Does.Contain("can write"));
    }
}
