using Miniguest.Core;
using Miniguest.Libvirt.Guests;

namespace Miniguest.Tests.Unit;

/// <summary>The domain Miniguest defines for a guest, built from what the host offers, without a host.</summary>
public sealed class GuestDomainBuilderTests
{
    private static readonly MiniguestPaths Paths = new() { State = "/var/lib/miniguest" };
    private static readonly HostFacts Debian = new(MountTable.Parse(MountTableTests.DebianWithView, "libvirtd (pid 1)"), VirtType.Qemu, UserNamespaces: true);
    private static readonly HostFacts NixOs = new(MountTable.Parse(MountTableTests.NixOs, "libvirtd (pid 1)"), VirtType.Kvm, UserNamespaces: true);
    private static readonly HostFacts WritableStore = new(MountTable.Parse("1 0 0:1 / / rw - ext4 /dev/x rw", "libvirtd (pid 1)"), VirtType.Kvm, UserNamespaces: false);

    private static GuestSystem Vm(StoreShareType share = StoreShareType.NineP) => new(
        "/etc/miniguests/web", new GuestConfig(GuestType.Qemu, share), "panic=-1",
        "/nix/store/aaa-linux/bzImage", "/nix/store/bbb-initrd/initrd", "/nix/store/ccc-miniguest-web/boot");

    private static readonly GuestSystem Container = new(
        "/etc/miniguests/db", new GuestConfig(GuestType.Lxc, StoreShareType.NineP), "", null, null, "/nix/store/ddd-miniguest-db/boot");

    private static readonly GuestMetadata Metadata = new("web", 3, "/nix/store/ccc-miniguest-web");

    [Test]
    public void A_new_vm_boots_its_store_files_over_read_only_9p_on_the_hosts_virtualisation_with_a_uuid_of_its_own()
    {
        var definition = GuestDomainBuilder.Build("web", Vm(), Metadata, new DomainOptions(), existingXml: null, Paths, Debian);
        var vm = DomainXml.ReadVm(definition.Xml);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(definition.Protection, Is.EqualTo(StoreProtection.ReadOnly9pShare));
            Assert.That(vm.Uuid, Is.EqualTo(definition.Uuid).And.Not.EqualTo(Guid.Empty));
            Assert.That(vm.Kernel, Is.EqualTo("/nix/store/aaa-linux/bzImage"));
            Assert.That(vm.BootSource, Is.EqualTo("/nix/store/ccc-miniguest-web/boot"));
            Assert.That(vm.VirtType, Is.EqualTo(VirtType.Qemu), "what the host offers");
            Assert.That(vm.ConsoleLog, Is.EqualTo(Paths.ConsoleLog("web")));
            Assert.That(vm.Metadata, Is.EqualTo(Metadata));
        }
    }

    [Test]
    public void A_vm_defined_again_keeps_its_uuid_and_every_setting_not_asked_for()
    {
        var first = GuestDomainBuilder.Build("web", Vm(), Metadata, new DomainOptions
        {
            MemoryMiB = 256, VCpus = 2, VirtType = VirtType.Kvm, Network = "default", AllowWritableStore = true,
        }, existingXml: null, Paths, Debian);

        var again = GuestDomainBuilder.Build("web", Vm(), Metadata with { Generation = 4 }, new DomainOptions { VCpus = 3 }, first.Xml, Paths, Debian);
        var vm = DomainXml.ReadVm(again.Xml);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(again.Uuid, Is.EqualTo(first.Uuid));
            Assert.That((vm.MemoryMiB, vm.VCpus, vm.VirtType, vm.Network), Is.EqualTo((256, 3, VirtType.Kvm, "default")));
            Assert.That(vm.Metadata?.AllowWritableStore, Is.True, "the opt-out stays");
            Assert.That(vm.Metadata?.Generation, Is.EqualTo(4));
        }
    }

    [Test]
    public void A_virtiofs_vm_shares_a_read_only_store_or_is_refused()
    {
        var onNixOs = GuestDomainBuilder.Build("web", Vm(StoreShareType.Virtiofs), Metadata, new DomainOptions(), null, Paths, NixOs);

        Assert.That(onNixOs.Protection, Is.EqualTo(StoreProtection.ReadOnlyHostStore));
        Assert.Throws<UnprotectedStoreException>(() =>
            GuestDomainBuilder.Build("web", Vm(StoreShareType.Virtiofs), Metadata, new DomainOptions(), null, Paths, WritableStore));
    }

    [Test]
    public void A_container_is_mapped_into_a_user_namespace_or_else_loses_the_capabilities_that_write_the_store()
    {
        var mapped = DomainXml.ReadContainer(GuestDomainBuilder.Build("db", Container, Metadata with { GuestName = "db" }, new DomainOptions(), null, Paths, Debian).Xml);
        var unmapped = GuestDomainBuilder.Build("db", Container, Metadata with { GuestName = "db" }, new DomainOptions(), null, Paths, WritableStore);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(mapped.UserNamespace?.UidTarget, Is.GreaterThanOrEqualTo(StoreGuard.LowestUnprivilegedId));
            Assert.That(mapped.RootDirectory, Is.EqualTo(Paths.ContainerRoot("db")));
            Assert.That(unmapped.Protection, Is.EqualTo(StoreProtection.DroppedCapabilities));
            Assert.That(DomainXml.ReadContainer(unmapped.Xml).DropCapabilities, Is.EqualTo(ContainerCapabilities.StoreWriters));
        }
    }
}
