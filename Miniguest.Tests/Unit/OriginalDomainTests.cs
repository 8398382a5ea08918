using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>A domain the original miniguest's <c>create</c> had its admin define, told from any other, and what Miniguest
/// keeps of it when it takes it over: its identity and size, never what it boots or shares.</summary>
public sealed class OriginalDomainTests
{
    private const string Link = "/etc/miniguests/web";
    private static readonly Guid Uuid = Guid.Parse("0b6c1c5e-5a63-4d3e-9a2b-2f0e4a1c9d11");
    private static readonly MiniguestPaths Paths = new() { State = "/var/lib/miniguest" };
    private static readonly HostFacts Host = new(MountTable.Parse(MountTableTests.DebianWithView, "libvirtd (pid 1)"), VirtType.Qemu, UserNamespaces: true);

    private static readonly GuestSystem Web = new(
        Link, new GuestConfig(GuestType.Qemu, StoreShareType.NineP), "panic=-1",
        "/nix/store/aaa-linux/bzImage", "/nix/store/bbb-initrd/initrd", "/nix/store/ccc-miniguest-web/boot");

    /// <summary>libvirt's rendering of what the original's printed <c>virt-install</c> command defines (libvirt 9), with
    /// what an admin might have added since: a bridge, user networking, a command line and an emulator of their own.</summary>
    private static string VirtInstalled(string type = "kvm", string kernel = Link + "/kernel", string storeTag = "nix-store", string memoryKiB = "1572864") => $"""
        <domain type='{type}'>
          <name>web</name>
          <uuid>{Uuid}</uuid>
          <metadata>
            <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
              <libosinfo:os id="http://nixos.org/nixos/unstable"/>
            </libosinfo:libosinfo>
          </metadata>
          <memory unit='KiB'>{memoryKiB}</memory>
          <currentMemory unit='KiB'>{memoryKiB}</currentMemory>
          <vcpu placement='static'>2</vcpu>
          <os>
            <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
            <kernel>{kernel}</kernel>
            <initrd>{Link}/initrd</initrd>
            <cmdline>init=/tmp/not-the-guests</cmdline>
            <boot dev='hd'/>
          </os>
          <features><acpi/><apic/></features>
          <cpu mode='host-passthrough' check='none' migratable='on'/>
          <devices>
            <emulator>/tmp/not-qemu</emulator>
            <filesystem type='mount' accessmode='squash'>
              <source dir='/nix/store/'/>
              <target dir='{storeTag}'/>
              <readonly/>
            </filesystem>
            <filesystem type='mount' accessmode='squash'>
              <source dir='{Link}/boot/'/>
              <target dir='boot'/>
              <readonly/>
            </filesystem>
            <filesystem type='mount' accessmode='passthrough'>
              <source dir='/'/>
              <target dir='host-root'/>
            </filesystem>
            <interface type='network'>
              <mac address='52:54:00:12:34:56'/>
              <source network='default'/>
              <model type='virtio'/>
            </interface>
            <interface type='bridge'>
              <mac address='52:54:00:12:34:57'/>
              <source bridge='br0'/>
              <model type='virtio'/>
            </interface>
            <interface type='user'>
              <mac address='52:54:00:12:34:58'/>
              <model type='virtio'/>
            </interface>
            <serial type='pty'><target type='isa-serial' port='0'/></serial>
            <console type='pty'><target type='serial' port='0'/></console>
            <graphics type='spice' autoport='yes'/>
          </devices>
        </domain>
        """;

    private static readonly GuestInterface OnDefault = new(new NetworkAttachment(AttachmentType.Network, "default"), "52:54:00:12:34:56");
    private static readonly GuestInterface OnBridge = new(new NetworkAttachment(AttachmentType.Bridge, "br0"), "52:54:00:12:34:57");

    [TestCase("kvm")]
    [TestCase("qemu")]
    public void The_domain_of_the_originals_virt_install_command_looks_like_the_originals(string type) =>
        Assert.That(OriginalDomain.Mismatch(VirtInstalled(type), Link), Is.Null);

    [Test]
    public void Any_other_domain_is_told_apart_saying_why()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(OriginalDomain.Mismatch(VirtInstalled(kernel: "/boot/vmlinuz"), Link), Is.EqualTo($"it boots /boot/vmlinuz, not {Link}/kernel"));
            Assert.That(OriginalDomain.Mismatch(VirtInstalled(kernel: "/etc/miniguests/db/kernel"), Link), Does.StartWith("it boots /etc/miniguests/db/kernel"),
                "another guest's kernel");
            Assert.That(OriginalDomain.Mismatch(VirtInstalled(), "/etc/miniguests/db"), Does.StartWith($"it boots {Link}/kernel"), "another guest's domain");
            Assert.That(OriginalDomain.Mismatch(VirtInstalled(storeTag: "store"), Link), Is.EqualTo("it has no 'nix-store' share"));
            Assert.That(OriginalDomain.Mismatch(VirtInstalled(type: "lxc"), Link), Is.EqualTo("it is a container, not a VM"));
            Assert.That(OriginalDomain.Mismatch(VirtInstalled(type: "xen"), Link), Is.EqualTo("it is a 'xen' domain, not a QEMU VM"));
            Assert.That(OriginalDomain.Mismatch("<domain type='kvm'><name>web</name><os><type>hvm</type></os></domain>", Link),
                Is.EqualTo($"it boots no kernel directly, not {Link}/kernel"), "a domain that boots a disk");
        }
    }

    [Test]
    public void What_is_kept_is_its_uuid_size_autostart_and_interfaces_on_networks_and_bridges()
    {
        var kept = OriginalDomain.Read(VirtInstalled(), Uuid, autostart: true, running: false);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(kept, Is.EqualTo(new TakenOverDomain(Uuid, 1536, 2, [OnDefault, OnBridge], Autostart: true) { DroppedInterfaces = ["user"] }));
            Assert.That(OriginalDomain.Read(VirtInstalled(memoryKiB: "131073"), Uuid, false, running: true),
                Has.Property(nameof(TakenOverDomain.MemoryMiB)).EqualTo(129).And.Property(nameof(TakenOverDomain.Running)).True, "rounded up to whole MiB");
            Assert.That(() => OriginalDomain.Read(VirtInstalled(memoryKiB: "-1"), Uuid, false, false), Throws.TypeOf<FormatException>());
            Assert.That(() => OriginalDomain.Read(VirtInstalled(memoryKiB: "1024"), Uuid, false, false), Throws.TypeOf<FormatException>(), "1 MiB");
        }
    }

    [Test]
    public void The_guests_domain_takes_over_its_identity_and_size_and_nothing_it_boots_or_shares()
    {
        var takenOver = OriginalDomain.Read(VirtInstalled(), Uuid, autostart: true, running: false);

        var definition = GuestDomainBuilder.Build(GuestName.Parse("web"), Web, new GuestMetadata("web", 1, "/nix/store/ccc-miniguest-web"), new DomainOptions(),
            existing: null, Paths, Host, takenOver);
        var vm = DomainXml.Read(definition.Xml).Vm!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That((vm.Uuid, definition.Uuid), Is.EqualTo(((Guid?)Uuid, Uuid)));
            Assert.That((vm.MemoryMiB, vm.VCpus), Is.EqualTo((1536, 2)));
            Assert.That(vm.Interfaces, Is.EqualTo(new[] { OnDefault, OnBridge }), "the MACs on their networks; no user networking");
            Assert.That(vm.VirtType, Is.EqualTo(VirtType.Qemu), "the host's choice, not the old domain's");
            Assert.That((vm.Kernel, vm.Initrd, vm.BootSource), Is.EqualTo((Web.Kernel, Web.Initrd, Web.BootDirectory)));
            Assert.That(vm.CommandLine, Does.Contain("init=/boot/init").And.Not.Contain("not-the-guests"));
            Assert.That((vm.StoreSource, vm.Shares.Count), Is.EqualTo(("/nix/store", 0)), "only the guest's shares");
            Assert.That(definition.Xml, Does.Not.Contain("/tmp/not-qemu").And.Not.Contain("spice").And.Not.Contain("libosinfo"));
            Assert.That(vm.Metadata?.GuestName, Is.EqualTo("web"));
            Assert.That(definition.TakenOver, Is.EqualTo(takenOver));
        }
    }

    [Test]
    public void Settings_asked_for_win_over_those_of_the_domain_taken_over_and_are_not_reported_kept()
    {
        var takenOver = OriginalDomain.Read(VirtInstalled(), Uuid, autostart: false, running: false);
        var lan = new NetworkAttachment(AttachmentType.Network, "lan");

        var definition = GuestDomainBuilder.Build(GuestName.Parse("web"), Web, new GuestMetadata("web"), new DomainOptions { MemoryMiB = 512, Interfaces = [lan, OnDefault.Attachment] },
            existing: null, Paths, Host, takenOver);
        var vm = DomainXml.Read(definition.Xml).Vm!;

        using (Assert.EnterMultipleScope())
        {
            Assert.That((vm.MemoryMiB, vm.VCpus), Is.EqualTo((512, 2)));
            Assert.That(vm.Interfaces, Is.EqualTo(new[] { new GuestInterface(lan, OnBridge.MacAddress), OnDefault }),
                "the interface on the same network keeps its MAC; the other takes the MAC left over");
            Assert.That(definition.TakenOver, Is.EqualTo(takenOver with { MemoryMiB = null, Interfaces = [vm.Interfaces[0], OnDefault] }));
        }
    }
}
