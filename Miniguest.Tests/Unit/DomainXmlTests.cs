using System.Xml.Linq;
using Miniguest.Core;

namespace Miniguest.Tests.Unit;

public sealed class DomainXmlTests
{
    private static readonly VmDomain Vm = new()
    {
        Name = "web",
        Kernel = "/etc/miniguests/web/kernel",
        Initrd = "/etc/miniguests/web/initrd",
        CommandLine = "loglevel=4 init=/boot/init console=ttyS0",
        BootSource = "/etc/miniguests/web/boot",
        StoreSource = "/nix/store",
        MemoryMiB = 1024,
        VCpus = 2,
        VirtType = VirtType.Qemu,
        ConsoleLog = "/var/log/miniguest/web.log",
        Metadata = new GuestMetadata("web", 3, "/nix/store/abc-miniguest"),
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

    [Test]
    public void Vm_boots_the_guests_kernel_directly_with_its_command_line()
    {
        var os = XElement.Parse(DomainXml.Write(Vm)).Element("os")!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(os.Element("type")!.Value, Is.EqualTo("hvm"));
            Assert.That(os.Element("kernel")!.Value, Is.EqualTo(Vm.Kernel));
            Assert.That(os.Element("initrd")!.Value, Is.EqualTo(Vm.Initrd));
            Assert.That(os.Element("cmdline")!.Value, Is.EqualTo(Vm.CommandLine));
        }
    }

    [Test]
    public void Vm_over_9p_shares_store_and_boot_read_only_with_squash()
    {
        var shares = XElement.Parse(DomainXml.Write(Vm)).Element("devices")!.Elements("filesystem").ToList();
        Assert.That(shares.Select(s => s.Element("target")!.Attribute("dir")!.Value), Is.EqualTo(new[] { "nix-store", "boot" }));
        Assert.That(shares, Has.All.Matches<XElement>(s =>
            s.Attribute("accessmode")!.Value == "squash" && s.Element("readonly") is not null && s.Element("driver") is null));
        Assert.That(shares[0].Element("source")!.Attribute("dir")!.Value, Is.EqualTo("/nix/store"));
    }

    [Test]
    public void Vm_over_virtiofs_has_shared_memory_and_a_virtiofs_driver()
    {
        var domain = XElement.Parse(DomainXml.Write(Vm with { StoreShare = StoreShareType.Virtiofs, VirtiofsdPath = "/usr/lib/qemu/virtiofsd" }));
        var shares = domain.Element("devices")!.Elements("filesystem").ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(domain.Element("memoryBacking")!.Element("access")!.Attribute("mode")!.Value, Is.EqualTo("shared"));
            Assert.That(shares.Select(s => s.Element("driver")?.Attribute("type")?.Value), Has.All.EqualTo("virtiofs"));
            Assert.That(shares.Select(s => s.Element("binary")?.Attribute("path")?.Value), Has.All.EqualTo("/usr/lib/qemu/virtiofsd"));
        }
    }

    [Test]
    public void Vm_type_follows_the_virtualisation_asked_for()
    {
        Assert.That(XElement.Parse(DomainXml.Write(Vm with { VirtType = VirtType.Kvm })).Attribute("type")!.Value, Is.EqualTo("kvm"));
        Assert.That(XElement.Parse(DomainXml.Write(Vm)).Attribute("type")!.Value, Is.EqualTo("qemu"));
    }

    [Test]
    public void Vm_has_no_usb_controller()
    {
        var controllers = XElement.Parse(DomainXml.Write(Vm)).Element("devices")!.Elements("controller").ToList();
        Assert.That(controllers.Select(c => $"{c.Attribute("type")?.Value}:{c.Attribute("model")?.Value}"), Is.EqualTo(new[] { "usb:none" }));
    }

    [Test]
    public void Vm_has_no_balloon_unless_it_asks_for_free_page_reporting()
    {
        var without = XElement.Parse(DomainXml.Write(Vm)).Element("devices")!.Elements("memballoon").Single();
        var with = XElement.Parse(DomainXml.Write(Vm with { FreePageReporting = true })).Element("devices")!.Elements("memballoon").Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(without.Attributes().Select(a => $"{a.Name}={a.Value}"), Is.EqualTo(new[] { "model=none" }));
            Assert.That(with.Attributes().Select(a => $"{a.Name}={a.Value}"), Is.EqualTo(new[] { "model=virtio", "freePageReporting=on" }));
            Assert.That(DomainXml.Read(DomainXml.Write(Vm)).Vm!.FreePageReporting, Is.False);
            Assert.That(DomainXml.Read(DomainXml.Write(Vm with { FreePageReporting = true })).Vm!.FreePageReporting, Is.True);
        }
    }

    // libvirt adds an alias and a PCI address; a balloon that does not report (libvirt's default one, one edited off) reads as off.
    [TestCase("<memballoon model='virtio' freePageReporting='on'><alias name='balloon0'/><address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></memballoon>", true)]
    [TestCase("<memballoon model='virtio'><address type='pci' domain='0x0000' bus='0x00' slot='0x05' function='0x0'/></memballoon>", false)]
    [TestCase("<memballoon model='virtio' freePageReporting='off'/>", false)]
    [TestCase("<memballoon model='none'/>", false)]
    [TestCase("", false)]
    public void Free_page_reporting_reads_back_from_libvirts_rendering(string balloon, bool reporting)
    {
        var xml = XElement.Parse(DomainXml.Write(Vm));
        xml.Element("devices")!.Element("memballoon")!.Remove();
        if (balloon.Length > 0)
        {
            xml.Element("devices")!.Add(XElement.Parse(balloon));
        }
        Assert.That(DomainXml.Read(xml.ToString()).Vm!.FreePageReporting, Is.EqualTo(reporting));
    }

    [Test]
    public void Interfaces_are_virtio_nics_in_vms_and_veth_pairs_in_containers_each_with_its_MAC()
    {
        ValueList<GuestInterface> interfaces =
        [
            new(new NetworkAttachment(AttachmentType.Network, "default"), "52:54:00:00:00:01"),
            new(new NetworkAttachment(AttachmentType.Bridge, "br0"), "52:54:00:00:00:02"),
        ];
        Assert.That(XElement.Parse(DomainXml.Write(Vm)).Element("devices")!.Element("interface"), Is.Null);
        var nics = XElement.Parse(DomainXml.Write(Vm with { Interfaces = interfaces })).Element("devices")!.Elements("interface").ToList();
        var veths = XElement.Parse(DomainXml.Write(Container with { Interfaces = interfaces })).Element("devices")!.Elements("interface").ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(nics.Select(n => (string?)n.Attribute("type")), Is.EqualTo(new[] { "network", "bridge" }));
            Assert.That((string?)nics[0].Element("source")!.Attribute("network"), Is.EqualTo("default"));
            Assert.That((string?)nics[1].Element("source")!.Attribute("bridge"), Is.EqualTo("br0"));
            Assert.That(nics.Select(n => (string?)n.Element("mac")!.Attribute("address")), Is.EqualTo(new[] { "52:54:00:00:00:01", "52:54:00:00:00:02" }));
            Assert.That(nics.Select(n => (string?)n.Element("model")?.Attribute("type")), Is.All.EqualTo("virtio"));
            Assert.That(veths.Select(n => n.Element("model")), Is.All.Null, "libvirt-LXC makes veth pairs, no model");
            Assert.That(DomainXml.Read(DomainXml.Write(Container with { Interfaces = interfaces })).Container!.Interfaces, Is.EqualTo(interfaces));
        }
    }

    [Test]
    public void Container_binds_root_writable_and_store_and_boot_read_only()
    {
        var domain = XElement.Parse(DomainXml.Write(Container));
        var binds = domain.Element("devices")!.Elements("filesystem")
            .ToDictionary(f => f.Element("target")!.Attribute("dir")!.Value, f => f.Element("readonly") is not null);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(domain.Attribute("type")!.Value, Is.EqualTo("lxc"));
            Assert.That(domain.Element("os")!.Element("init")!.Value, Is.EqualTo("/boot/init"));
            Assert.That(binds, Is.EqualTo(new Dictionary<string, bool> { ["/"] = false, ["/nix/store"] = true, ["/boot"] = true }));
        }
    }

    [Test]
    public void Container_without_the_store_writing_capabilities_says_so_in_its_features()
    {
        var capabilities = XElement.Parse(DomainXml.Write(Container with { DropCapabilities = ContainerCapabilities.StoreWriters }))
            .Element("features")!.Element("capabilities")!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(capabilities.Attribute("policy")!.Value, Is.EqualTo("default"));
            Assert.That(capabilities.Elements().Select(c => c.Name.LocalName), Is.EquivalentTo(new[] { "sys_admin", "dac_read_search" }));
            Assert.That(capabilities.Elements().Select(c => c.Attribute("state")!.Value), Has.All.EqualTo("off"));
        }
        Assert.That(XElement.Parse(DomainXml.Write(Container)).Element("features")?.Element("capabilities"), Is.Null);
    }

    [Test]
    public void Container_without_interfaces_gets_a_network_namespace_of_its_own_unless_it_shares_the_host_s()
    {
        var own = XElement.Parse(DomainXml.Write(Container with { Interfaces = [] }));
        var host = XElement.Parse(DomainXml.Write(Container with { Interfaces = [], SharesHostNetwork = true }));
        var both = XElement.Parse(DomainXml.Write(Container with { Interfaces = [], DropCapabilities = ContainerCapabilities.StoreWriters }));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(own.Element("features")?.Element("privnet"), Is.Not.Null);
            Assert.That(host.Element("features"), Is.Null);
            Assert.That(both.Element("features")?.Element("privnet"), Is.Not.Null);
            Assert.That(both.Element("features")?.Element("capabilities"), Is.Not.Null);
            Assert.That(DomainXml.Read(own.ToString()).Container!.SharesHostNetwork, Is.False);
            Assert.That(DomainXml.Read(host.ToString()).Container!.SharesHostNetwork, Is.True);
            Assert.That(DomainXml.Read(both.ToString()).Container!.DropCapabilities, Is.EqualTo(ContainerCapabilities.StoreWriters));
        }
    }

    [Test]
    public void Container_in_a_user_namespace_maps_ids_from_zero()
    {
        var idmap = XElement.Parse(DomainXml.Write(Container with { UserNamespace = new UserNamespaceMapping(100_000, 200_000, 65_536) }))
            .Element("idmap")!;
        Assert.That(idmap.Element("uid")!.Attributes().Select(a => $"{a.Name}={a.Value}"), Is.EqualTo(new[] { "start=0", "target=100000", "count=65536" }));
        Assert.That(idmap.Element("gid")!.Attribute("target")!.Value, Is.EqualTo("200000"));
    }

    [Test]
    public void Dropped_capabilities_read_back_from_libvirts_rendering()
    {
        const string Xml = """
            <domain type='lxc'>
              <name>db</name><memory unit='KiB'>262144</memory><vcpu placement='static'>1</vcpu>
              <os><type arch='x86_64'>exe</type><init>/boot/init</init></os>
              <features>
                <capabilities policy='default'>
                  <dac_read_search state='off'/>
                  <sys_admin state='off'/>
                  <net_admin state='on'/>
                </capabilities>
              </features>
              <devices>
                <filesystem type='mount' accessmode='passthrough'><source dir='/r'/><target dir='/'/></filesystem>
                <filesystem type='mount' accessmode='passthrough'><source dir='/nix/store'/><target dir='/nix/store'/><readonly/></filesystem>
                <filesystem type='mount' accessmode='passthrough'><source dir='/b'/><target dir='/boot'/><readonly/></filesystem>
              </devices>
            </domain>
            """;
        Assert.That(DomainXml.Read(Xml).Container!.DropCapabilities, Is.EqualTo(ContainerCapabilities.StoreWriters));
        Assert.Throws<FormatException>(() => DomainXml.Read(Xml.Replace("policy='default'", "policy='deny'", StringComparison.Ordinal)));
    }

    [Test]
    public void The_writable_store_opt_out_is_recorded_in_the_metadata_only_when_asked_for()
    {
        var optedOut = new GuestMetadata("web") { AllowWritableStore = true };
        var guest = XElement.Parse(DomainXml.Write(Vm with { Metadata = optedOut })).Element("metadata")!.Elements().Single();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(guest.Attribute("allow-writable-store")!.Value, Is.EqualTo("true"));
            Assert.That(DomainXml.ReadMetadata(DomainXml.Write(Vm with { Metadata = optedOut })), Is.EqualTo(optedOut));
            Assert.That(XElement.Parse(DomainXml.Write(Vm)).Element("metadata")!.Elements().Single().Attribute("allow-writable-store"), Is.Null);
            Assert.That(DomainXml.MetadataForDomain(optedOut), Does.Contain("allow-writable-store=\"true\""));
        }
    }

    [Test]
    public void Metadata_lives_in_miniguests_namespace()
    {
        var guest = XElement.Parse(DomainXml.Write(Vm)).Element("metadata")!.Elements().Single();
        Assert.That(guest.Name, Is.EqualTo(XName.Get("guest", GuestMetadata.Namespace)));
        Assert.That(DomainXml.ReadMetadata(DomainXml.Write(Vm)), Is.EqualTo(Vm.Metadata));
    }

    [Test]
    public void A_domain_without_miniguests_metadata_reads_as_unmarked()
    {
        Assert.That(DomainXml.ReadMetadata("<domain type='kvm'><name>other</name><metadata><x xmlns='urn:other'/></metadata></domain>"), Is.Null);
    }

    [TestCase("web & <db> \"quoted\" 'single'")]
    [TestCase("/path with spaces/and ünïcödé/kernel")]
    [TestCase("]]><!-- not a comment -->")]
    public void Odd_names_and_paths_are_escaped_and_read_back_unchanged(string odd)
    {
        var vm = Vm with { Name = odd, Kernel = odd, CommandLine = odd, ConsoleLog = odd, Metadata = new GuestMetadata(odd, 1, odd) };
        Assert.That(DomainXml.Read(DomainXml.Write(vm)).Vm!, Is.EqualTo(vm));
        var container = Container with { Name = odd, RootDirectory = odd };
        Assert.That(DomainXml.Read(DomainXml.Write(container)).Container!, Is.EqualTo(container));
    }

    [Test]
    public void Every_vm_setting_survives_a_round_trip()
    {
        var vm = Vm with
        {
            Uuid = Guid.NewGuid(), StoreShare = StoreShareType.Virtiofs, VirtiofsdPath = "/run/virtiofsd",
            StoreSource = "/run/miniguest/store", Machine = "q35", VirtType = VirtType.Kvm, FreePageReporting = true,
            Interfaces = [new(new NetworkAttachment(AttachmentType.Network, "default"), "52:54:00:12:34:56")],
        };
        Assert.That(DomainXml.Read(DomainXml.Write(vm)).Vm!, Is.EqualTo(vm));
    }

    [Test]
    public void Every_container_setting_survives_a_round_trip()
    {
        var container = Container with
        {
            Uuid = Guid.NewGuid(), Init = "/boot/other-init", MemoryMiB = 64, VCpus = 3, StoreSource = "/srv/store",
            UserNamespace = new UserNamespaceMapping(100_000, 100_000, 65_536), DropCapabilities = ContainerCapabilities.StoreWriters,
            Metadata = new GuestMetadata("db", 2, "/nix/store/abc-db") { AllowWritableStore = true },
        };
        Assert.That(DomainXml.Read(DomainXml.Write(container)).Container!, Is.EqualTo(container));
    }

    [TestCase("not xml")]
    [TestCase("<network/>")]
    [TestCase("<domain type='lxc'><name>x</name></domain>")]
    public void Xml_that_is_not_a_miniguest_domain_is_a_format_error(string xml)
    {
        Assert.Throws<FormatException>(() => DomainXml.Read(xml));
    }
}
