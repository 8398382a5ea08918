using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>The domain Miniguest defines for a guest, built from what the host offers, without a host.</summary>
public sealed class GuestDomainBuilderTests
{
    private static readonly GuestName Web = GuestName.Parse("web");
    private static readonly GuestName Db = GuestName.Parse("db");
    private static readonly MiniguestPaths Paths = new() { State = "/var/lib/miniguest" };
    private static readonly HostFacts Debian = new(MountTable.Parse(MountTableTests.DebianWithView, "libvirtd (pid 1)"), VirtType.Qemu, UserNamespaces: true)
    {
        ContainerIds = ContainerIds.Mapping(ContainerIds.FirstId),
    };
    private static readonly HostFacts NixOs = new(MountTable.Parse(MountTableTests.NixOs, "libvirtd (pid 1)"), VirtType.Kvm, UserNamespaces: true)
    {
        ContainerIds = ContainerIds.Mapping(ContainerIds.FirstId),
    };
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
        var definition = GuestDomainBuilder.Build(Web, Vm(), Metadata, new DomainOptions(), existing: null, Paths, Debian);
        var vm = DomainXml.Read(definition.Xml).Vm!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(definition.Protection, Is.EqualTo(StoreProtection.ReadOnly9pShare));
            Assert.That(vm.Uuid, Is.EqualTo(definition.Uuid).And.Not.EqualTo(Guid.Empty));
            Assert.That(vm.Kernel, Is.EqualTo("/nix/store/aaa-linux/bzImage"));
            Assert.That(vm.BootSource, Is.EqualTo("/nix/store/ccc-miniguest-web/boot"));
            Assert.That(vm.VirtType, Is.EqualTo(VirtType.Qemu), "what the host offers");
            Assert.That(vm.ConsoleLog, Is.EqualTo(Paths.ConsoleLog(Web)));
            Assert.That(vm.Metadata, Is.EqualTo(Metadata));
        }
    }

    [Test]
    public void A_vm_defined_again_keeps_its_uuid_and_every_setting_not_asked_for()
    {
        var first = GuestDomainBuilder.Build(Web, Vm(), Metadata, new DomainOptions
        {
            MemoryMiB = 256, VCpus = 2, VirtType = VirtType.Kvm, Interfaces = [OnNetwork("lan")], AllowWritableStore = true,
        }, existing: null, Paths, Debian);

        var again = GuestDomainBuilder.Build(Web, Vm(), Metadata with { Generation = 4 }, new DomainOptions { VCpus = 3 }, DomainXml.Read(first.Xml), Paths, Debian);
        var vm = DomainXml.Read(again.Xml).Vm!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(again.Uuid, Is.EqualTo(first.Uuid));
            Assert.That((vm.MemoryMiB, vm.VCpus, vm.VirtType), Is.EqualTo((256, 3, VirtType.Kvm)));
            Assert.That(vm.Interfaces, Is.EqualTo(DomainXml.Read(first.Xml).Vm!.Interfaces), "the same interfaces, MAC addresses and all");
            Assert.That(vm.Metadata?.AllowWritableStore, Is.True, "the opt-out stays");
            Assert.That(vm.Metadata?.Generation, Is.EqualTo(4));
        }
    }

    private static NetworkAttachment OnNetwork(string name) => new(AttachmentType.Network, name);

    private static NetworkAttachment OnBridge(string name) => new(AttachmentType.Bridge, name);

    [Test]
    public void A_new_guest_is_on_the_default_network_where_the_host_has_one_and_on_none_otherwise()
    {
        var withDefault = GuestDomainBuilder.Build(Web, Vm(), Metadata, new DomainOptions(), null, Paths, Debian with { DefaultNetwork = "default" });
        var without = GuestDomainBuilder.Build(Web, Vm(), Metadata, new DomainOptions(), null, Paths, Debian);
        var container = GuestDomainBuilder.Build(Db, Container, Metadata, new DomainOptions(), null, Paths, Debian with { DefaultNetwork = "default" });

        using (Assert.EnterMultipleScope())
        {
            Assert.That(withDefault.Interfaces.Select(nic => nic.Attachment), Is.EqualTo(new[] { OnNetwork("default") }));
            Assert.That(withDefault.Interfaces.Single().MacAddress, Does.Match("^52:54:00(:[0-9a-f]{2}){3}$"));
            Assert.That(without.Interfaces, Is.Empty);
            Assert.That(DomainXml.Read(container.Xml).Container!.Interfaces, Is.EqualTo(container.Interfaces).And.Count.EqualTo(1), "containers too");
        }
    }

    [Test]
    public void Interfaces_keep_their_MAC_addresses_through_every_redefinition()
    {
        var first = GuestDomainBuilder.Build(Web, Vm(), Metadata, new DomainOptions { Interfaces = [OnNetwork("a"), OnBridge("br0")] }, null, Paths, Debian);
        var macs = first.Interfaces.ToDictionary(nic => nic.Attachment, nic => nic.MacAddress);

        var resynced = GuestDomainBuilder.Build(Web, Vm(), Metadata, new DomainOptions(), DomainXml.Read(first.Xml), Paths, Debian with { DefaultNetwork = "default" });
        var reordered = GuestDomainBuilder.Build(Web, Vm(), Metadata, new DomainOptions { Interfaces = [OnBridge("br0"), OnNetwork("a")] }, DomainXml.Read(first.Xml), Paths, Debian);
        var moved = GuestDomainBuilder.Build(Web, Vm(), Metadata, new DomainOptions { Interfaces = [OnNetwork("b")] }, DomainXml.Read(first.Xml), Paths, Debian);
        var grown = GuestDomainBuilder.Build(Web, Vm(), Metadata, new DomainOptions { Interfaces = [OnNetwork("a"), OnBridge("br0"), OnNetwork("c")] }, DomainXml.Read(first.Xml), Paths, Debian);
        var none = GuestDomainBuilder.Build(Web, Vm(), Metadata, new DomainOptions { Interfaces = [] }, DomainXml.Read(first.Xml), Paths, Debian);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(macs.Values.Distinct().Count(), Is.EqualTo(2), "each interface its own MAC");
            Assert.That(resynced.Interfaces, Is.EqualTo(first.Interfaces), "a re-sync asks nothing and keeps them, default network or not");
            Assert.That(reordered.Interfaces.Select(nic => nic.MacAddress), Is.EqualTo(new[] { macs[OnBridge("br0")], macs[OnNetwork("a")] }));
            Assert.That(moved.Interfaces.Single().MacAddress, Is.EqualTo(macs[OnNetwork("a")]), "moved to another network, the guest keeps its first MAC");
            Assert.That(grown.Interfaces.Take(2), Is.EqualTo(first.Interfaces));
            Assert.That(grown.Interfaces[2].MacAddress, Is.Not.AnyOf(macs.Values.ToArray()));
            Assert.That(none.Interfaces, Is.Empty);
        }
    }

    [Test]
    public void Free_page_reporting_is_off_for_a_new_vm_and_stays_as_asked_through_every_redefinition()
    {
        var fresh = GuestDomainBuilder.Build(Web, Vm(), Metadata, new DomainOptions(), null, Paths, Debian);
        var on = GuestDomainBuilder.Build(Web, Vm(), Metadata, new DomainOptions { FreePageReporting = true }, DomainXml.Read(fresh.Xml), Paths, Debian);
        // An upgrade, a rollback or install --force re-syncs with nothing asked; create run again asks for other settings.
        var resynced = GuestDomainBuilder.Build(Web, Vm(), Metadata with { Generation = 4 }, new DomainOptions(), DomainXml.Read(on.Xml), Paths, Debian);
        var recreated = GuestDomainBuilder.Build(Web, Vm(), Metadata, new DomainOptions { MemoryMiB = 512 }, DomainXml.Read(resynced.Xml), Paths, Debian);
        var off = GuestDomainBuilder.Build(Web, Vm(), Metadata, new DomainOptions { FreePageReporting = false }, DomainXml.Read(recreated.Xml), Paths, Debian);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(DomainXml.Read(fresh.Xml).Vm!.FreePageReporting, Is.False);
            Assert.That(fresh.FreePageReporting, Is.False);
            Assert.That(DomainXml.Read(on.Xml).Vm!.FreePageReporting, Is.True);
            Assert.That(on.FreePageReporting, Is.True);
            Assert.That(DomainXml.Read(resynced.Xml).Vm!.FreePageReporting, Is.True, "a re-sync keeps it");
            Assert.That(DomainXml.Read(recreated.Xml).Vm!.FreePageReporting, Is.True, "create without it keeps it");
            Assert.That(DomainXml.Read(off.Xml).Vm!.FreePageReporting, Is.False);
        }
    }

    [Test]
    public void A_virtiofs_vm_shares_a_read_only_store_or_is_refused()
    {
        var onNixOs = GuestDomainBuilder.Build(Web, Vm(StoreShareType.Virtiofs), Metadata, new DomainOptions(), null, Paths, NixOs);

        Assert.That(onNixOs.Protection, Is.EqualTo(StoreProtection.ReadOnlyHostStore));
        Assert.Throws<UnprotectedStoreException>(() =>
            GuestDomainBuilder.Build(Web, Vm(StoreShareType.Virtiofs), Metadata, new DomainOptions(), null, Paths, WritableStore));
    }

    [Test]
    public void A_container_is_mapped_into_a_user_namespace_or_else_loses_the_capabilities_that_write_the_store()
    {
        var mapped = DomainXml.Read(GuestDomainBuilder.Build(Db, Container, Metadata with { GuestName = "db" }, new DomainOptions(), null, Paths, Debian).Xml).Container!;
        var unmapped = GuestDomainBuilder.Build(Db, Container, Metadata with { GuestName = "db" }, new DomainOptions(), null, Paths, WritableStore);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(mapped.UserNamespace?.UidTarget, Is.GreaterThanOrEqualTo(StoreGuard.LowestUnprivilegedId));
            Assert.That(mapped.RootDirectory, Is.EqualTo(Paths.ContainerRoot(Db)));
            Assert.That(unmapped.Protection, Is.EqualTo(StoreProtection.DroppedCapabilities));
            Assert.That(DomainXml.Read(unmapped.Xml).Container!.DropCapabilities, Is.EqualTo(ContainerCapabilities.StoreWriters));
        }
    }

    [Test]
    public void A_container_without_interfaces_has_a_network_namespace_of_its_own_unless_the_host_s_was_asked_for()
    {
        var own = GuestDomainBuilder.Build(Db, Container, Metadata with { GuestName = "db" }, new DomainOptions { Interfaces = [] }, null, Paths, Debian);
        var hostNetwork = GuestDomainBuilder.Build(Db, Container, Metadata with { GuestName = "db" }, new DomainOptions { HostNetwork = true }, null, Paths,
            Debian with { DefaultNetwork = "default" });
        var kept = GuestDomainBuilder.Build(Db, Container, Metadata with { GuestName = "db" }, new DomainOptions { VCpus = 2 }, DomainXml.Read(hostNetwork.Xml), Paths,
            Debian with { DefaultNetwork = "default" });
        var ended = GuestDomainBuilder.Build(Db, Container, Metadata with { GuestName = "db" }, new DomainOptions { Interfaces = [] }, DomainXml.Read(kept.Xml), Paths, Debian);
        // A domain an older Miniguest defined without an interface, and so in the host's namespace, recorded no choice.
        var older = DomainXml.Write(DomainXml.Read(own.Xml).Container! with { SharesHostNetwork = true });
        var upgraded = GuestDomainBuilder.Build(Db, Container, Metadata with { GuestName = "db" }, new DomainOptions(), DomainXml.Read(older), Paths, Debian);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(own.Xml, Does.Contain("<privnet />"));
            Assert.That(DomainXml.Read(own.Xml).Container!.SharesHostNetwork, Is.False);
            Assert.That(hostNetwork.Xml, Does.Not.Contain("privnet"));
            Assert.That(hostNetwork.Interfaces, Is.Empty, "no interface, not even on the default network");
            Assert.That(hostNetwork.HostNetwork, Is.True);
            Assert.That(DomainXml.ReadMetadata(hostNetwork.Xml)?.HostNetwork, Is.True, "the choice is recorded");
            Assert.That(DomainXml.Read(kept.Xml).Container!.SharesHostNetwork, Is.True, "create without network options keeps it");
            Assert.That(DomainXml.Read(ended.Xml).Container!.SharesHostNetwork, Is.False, "--network none ends it");
            Assert.That(DomainXml.Read(older).Container!.SharesHostNetwork, Is.True);
            Assert.That(upgraded.Xml, Does.Contain("<privnet />"), "a re-sync of an older domain gives it a namespace of its own");
            Assert.That(DomainXml.Read(upgraded.Xml).Container!.SharesHostNetwork, Is.False);
        }
    }

    [Test]
    public void A_container_with_interfaces_has_a_network_namespace_of_its_own_without_privnet()
    {
        var container = GuestDomainBuilder.Build(Db, Container, Metadata with { GuestName = "db" }, new DomainOptions { Interfaces = [OnNetwork("a")] }, null,
            Paths, Debian);

        Assert.That(container.Xml, Does.Not.Contain("privnet"), "libvirt gives a container with a veth a namespace of its own");
        Assert.That(DomainXml.Read(container.Xml).Container!.SharesHostNetwork, Is.False);
    }

    [Test]
    public void A_container_maps_the_id_range_the_host_allocated_to_it()
    {
        var ids = ContainerIds.Mapping(ContainerIds.FirstId + 7 * ContainerIds.RangeSize);
        var container = DomainXml.Read(GuestDomainBuilder.Build(Db, Container, Metadata with { GuestName = "db" }, new DomainOptions(), null, Paths,
            Debian with { ContainerIds = ids }).Xml).Container!;

        Assert.That(container.UserNamespace, Is.EqualTo(ids));
    }

    [Test]
    public void A_vm_gets_each_volume_as_a_raw_virtio_disk_named_by_its_serial_and_a_container_as_a_bound_directory()
    {
        var volumes = new ValueList<GuestVolume>([new GuestVolume("db", "/var/lib/db", 64, "ext4"), new GuestVolume("logs", "/var/log", 32, "xfs")]);
        var vmSystem = Vm() with { Config = new GuestConfig(GuestType.Qemu, StoreShareType.NineP) { Volumes = volumes } };
        var containerSystem = Container with { Config = new GuestConfig(GuestType.Lxc, StoreShareType.NineP) { Volumes = volumes } };
        var vmXml = GuestDomainBuilder.Build(Web, vmSystem, Metadata, new DomainOptions(), null, Paths, Debian).Xml;
        var container = DomainXml.Read(GuestDomainBuilder.Build(Db, containerSystem, Metadata with { GuestName = "db" }, new DomainOptions(), null, Paths,
            Debian).Xml).Container!;
        var disks = System.Xml.Linq.XElement.Parse(vmXml).Element("devices")!.Elements("disk").ToList();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(DomainXml.Read(vmXml).Vm!.Volumes, Is.EqualTo(new[]
            {
                new VolumeDisk("/var/lib/miniguest/volumes/web/db.img", "db"),
                new VolumeDisk("/var/lib/miniguest/volumes/web/logs.img", "logs"),
            }));
            Assert.That(disks.Select(disk => disk.Element("driver")!.ToString()),
                Is.All.EqualTo("<driver name=\"qemu\" type=\"raw\" />"), "the format is given, never probed");
            Assert.That(disks.Select(disk => (string?)disk.Element("target")!.Attribute("dev")), Is.EqualTo(new[] { "vda", "vdb" }));
            Assert.That(disks.Select(disk => (string?)disk.Element("target")!.Attribute("bus")), Is.All.EqualTo("virtio"));
            Assert.That(container.Shares, Is.EqualTo(new[]
            {
                new SharedDirectory("/var/lib/miniguest/volumes/db/db", "/var/lib/db", false),
                new SharedDirectory("/var/lib/miniguest/volumes/db/logs", "/var/log", false),
            }));
        }
    }
}
