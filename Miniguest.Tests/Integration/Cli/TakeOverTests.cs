using System.Text.Json;
using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>
/// A domain the original miniguest's <c>create</c> had its admin define, with the <c>virt-install</c> command it printed,
/// taken over with <c>create --take-over</c> on the real stack: refused without the option, which the error names; taken
/// over with its UUID, MAC address, vCPUs, memory and autostart, Miniguest's from then on, and booting; taken over while it
/// runs, on its next start; and any other foreign domain of the guest's name refused, untouched. The interfaces are on a
/// network the fixture makes: a bridge of its own, with no address and no DHCP, so that it needs no free subnet.
/// </summary>
[TestFixture, Category(TestCategories.Integration), Parallelizable]
public sealed class TakeOverTests : HostFixture
{
    private const string Uri = "qemu:///system";
    private readonly string _network = MiniguestHost.UniqueName("to");
    private bool _networkCreated;

    [OneTimeSetUp]
    public void CreateNetwork()
    {
        var xml = Path.GetTempFileName();
        try
        {
            File.WriteAllText(xml, $"<network><name>{_network}</name><bridge name='mgtto{_network[^8..]}'/></network>");
            TestCommand.Ok("virsh", "-c", Uri, "net-create", xml);
            _networkCreated = true;
        }
        finally
        {
            File.Delete(xml);
        }
    }

    [OneTimeTearDown]
    public void RemoveNetwork()
    {
        if (_networkCreated)
        {
            TestCommand.Ok("virsh", "-c", Uri, "net-destroy", _network);
        }
    }

    [Test]
    public void A_domain_the_original_defined_is_refused_naming_take_over_then_taken_over_keeping_its_identity_and_it_boots()
    {
        var name = MiniguestHost.UniqueName("vm");
        Host.Ok("install", "-n", name, $"{TestGuestFlake.Reference}#vm");
        var (uuid, mac) = (Guid.NewGuid(), NewMacAddress());
        using var connection = Connection.Open(Uri);
        using (var original = connection.DefineDomain(OriginalXml(name, uuid, mac)))
        {
            original.Autostart = true;
        }
        try
        {
            var listedBefore = Listed(name);
            var refused = Host.Run("create", name, "--virt-type", "qemu");
            var printed = Host.Ok("create", name, "--take-over", "--virt-type", "qemu", "--print-xml");
            var listedPrinted = Listed(name);
            var taken = Host.Ok("create", name, "--take-over", "--virt-type", "qemu");

            using var domain = connection.GetDomain(name);
            var vm = DomainXml.Read(domain.GetXml(DomainXmlFlags.Inactive)).Vm!;
            var listed = Listed(name);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(listedBefore.GetProperty("status").GetString(), Is.EqualTo("foreign"));
                Assert.That((refused.ExitCode, refused.ErrorLines.Count), Is.EqualTo((1, 1)), refused.ToString());
                Assert.That(refused.Error, Does.Contain($"domain '{name}' on {Uri} was not defined by Miniguest")
                    .And.Contain($"; take it over with: miniguest create {name} --take-over"));

                Assert.That(DomainXml.Read(printed.Out).Vm!.Uuid, Is.EqualTo(uuid), "--print-xml shows the domain it would define");
                Assert.That(listedPrinted.GetProperty("status").GetString(), Is.EqualTo("foreign"), "and defines nothing");

                Assert.That(taken.Out, Does.Contain($"took over the original miniguest's domain, keeping its UUID {uuid:D}, 128 MiB of memory, 2 vCPUs, "
                    + $"autostart on, MAC {mac} on network '{_network}'"));
                Assert.That(domain.Uuid, Is.EqualTo(uuid));
                Assert.That(vm.Interfaces, Is.EqualTo(new[] { new GuestInterface(new NetworkAttachment(AttachmentType.Network, _network), mac) }));
                Assert.That((vm.VCpus, vm.MemoryMiB, domain.Autostart), Is.EqualTo((2, 128, true)));
                Assert.That(vm.Metadata?.GuestName, Is.EqualTo(name));
                Assert.That(vm.Kernel, Does.StartWith("/nix/store/"), "the guest's kernel where it is in the store, not the link's");
                Assert.That(vm.CommandLine, Does.Match("(^| )init="), "the init the systemd stage 1 needs");

                Assert.That(listed.GetProperty("status").GetString(), Is.EqualTo("stopped"), "Miniguest's own domain");
                Assert.That(listed.GetProperty("autostart").GetBoolean(), Is.True);
                Assert.That(listed.GetProperty("interfaces")[0].GetProperty("mac").GetString(), Is.EqualTo(mac));
            }

            Assert.That(Host.Ok("start", name, "--console").Out, Does.Contain("miniguest-test-guest: vm is up"));
            Host.Ok("remove", name);
            Assert.That(connection.TryGetDomain(name, out _), Is.False, "remove undefines the domain taken over, as any of Miniguest's");
        }
        finally
        {
            RemoveLeft(connection, name);
        }
    }

    [Test]
    public void A_running_domain_the_original_defined_is_taken_over_for_its_next_start_and_is_Miniguests_while_it_runs()
    {
        var name = MiniguestHost.UniqueName("vm");
        Host.Ok("install", "-n", name, $"{TestGuestFlake.Reference}#vm");
        using var connection = Connection.Open(Uri);
        var mac = NewMacAddress();
        using var original = connection.DefineDomain(OriginalXml(name, Guid.NewGuid(), mac));
        try
        {
            // Paused: QEMU runs, the guest does not, which is all the take-over sees.
            original.Start(DomainCreateFlags.Paused);

            var taken = Host.Ok("create", name, "--take-over", "--virt-type", "qemu");
            var listed = Listed(name);
            var stopped = Host.Ok("stop", name, "--force", "--timeout", "1");

            using (Assert.EnterMultipleScope())
            {
                Assert.That(taken.Out, Does.Contain($"autostart off, MAC {mac} on network '{_network}'")
                    .And.Contain($"it runs on its old definition: the new one takes effect at its next start (miniguest restart {name})"));
                Assert.That((listed.GetProperty("domainState").GetString(), listed.GetProperty("status").GetString()), Is.EqualTo(("running", "outdated")),
                    "Miniguest's while it runs, on no generation it knows");
                Assert.That(stopped.Out.Trim(), Is.EqualTo($"'{name}' could not be asked to shut down: forced it off"));
                Assert.That(DomainXml.Read(original.GetXml(DomainXmlFlags.Inactive)).Vm!.CommandLine, Does.Match("(^| )init="), "its next start boots the guest");
            }
        }
        finally
        {
            RemoveLeft(connection, name);
        }
    }

    [Test]
    public void Another_foreign_domain_is_not_taken_over_and_is_left_as_it_was()
    {
        var name = MiniguestHost.UniqueName("vm");
        Host.Ok("install", "-n", name, $"{TestGuestFlake.Reference}#vm");
        using var connection = Connection.Open(Uri);
        // A VM of the same name that boots a kernel of its own: the original's share, not its kernel.
        var xml = OriginalXml(name, Guid.NewGuid(), NewMacAddress()).Replace($"{Host.Paths.Link(GuestName.Parse(name))}/kernel", "/boot/vmlinuz-other", StringComparison.Ordinal);
        using var other = connection.DefineDomain(xml);
        try
        {
            var definedBefore = other.GetXml(DomainXmlFlags.Inactive);
            var before = Host.Snapshot();
            var plain = Host.Run("create", name);
            var takeOver = Host.Run("create", name, "--take-over", "--virt-type", "qemu");

            using (Assert.EnterMultipleScope())
            {
                Assert.That((plain.ExitCode, plain.ErrorLines.Count), Is.EqualTo((1, 1)), plain.ToString());
                Assert.That(plain.Error, Does.Contain("was not defined by Miniguest").And.Not.Contain("--take-over"), "no option to suggest");
                Assert.That((takeOver.ExitCode, takeOver.ErrorLines.Count), Is.EqualTo((1, 1)), takeOver.ToString());
                Assert.That(takeOver.Error, Does.Contain($"domain '{name}' on {Uri} was not defined by Miniguest, and does not look like one the original "
                    + $"miniguest's create defined (it boots /boot/vmlinuz-other, not {Host.Paths.Link(GuestName.Parse(name))}/kernel); refusing to take it over"));
                Assert.That(other.GetXml(DomainXmlFlags.Inactive), Is.EqualTo(definedBefore), "the domain is untouched");
                Assert.That(Host.Snapshot(), Is.EqualTo(before), "nothing recorded");
            }

            GuestRun.Remove(connection.GetDomain(name));
            var nothing = Host.Run("create", name, "--take-over");
            Assert.That((nothing.ExitCode, nothing.ErrorLines.Count), Is.EqualTo((1, 1)), nothing.ToString());
            Assert.That(nothing.Error, Does.Contain($"there is no domain '{name}' on {Uri} to take over"));
        }
        finally
        {
            RemoveLeft(connection, name);
        }
    }

    [Test]
    public void A_take_over_libvirt_refuses_records_nothing_and_leaves_the_domain_foreign()
    {
        var name = MiniguestHost.UniqueName("vm");
        Host.Ok("install", "-n", name, $"{TestGuestFlake.Reference}#vm");
        using var connection = Connection.Open(Uri);
        // An interface on a bridge whose name libvirt's schema refuses, which virsh define (no validation) took: whoever
        // defined the domain chose it, and the take-over carries it over (escaped) to a definition libvirt refuses.
        var xml = OriginalXml(name, Guid.NewGuid(), NewMacAddress()).Replace(
            "</devices>", "<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br&quot;&lt;x'/></interface></devices>",
            StringComparison.Ordinal);
        using var original = connection.DefineDomain(xml, DomainDefineFlags.None); // as virsh define takes it, unchecked
        try
        {
            var definedBefore = original.GetXml(DomainXmlFlags.Inactive);
            var takeOver = Host.Run("create", name, "--take-over", "--virt-type", "qemu");

            using (Assert.EnterMultipleScope())
            {
                Assert.That((takeOver.ExitCode, takeOver.ErrorLines.Count), Is.EqualTo((1, 1)), takeOver.ToString());
                Assert.That(original.GetXml(DomainXmlFlags.Inactive), Is.EqualTo(definedBefore), "the domain is untouched");
                Assert.That(File.Exists(Host.Paths.DomainUuidFile(GuestName.Parse(name))) || File.Exists(Host.Paths.ConnectionUriFile(GuestName.Parse(name))), Is.False,
                    "no record of the domain that was not defined");
                Assert.That(Listed(name).GetProperty("status").GetString(), Is.EqualTo("foreign"), "still no one's but its definer's");
            }
        }
        finally
        {
            RemoveLeft(connection, name);
        }
    }

    // The domain the original's printed command defines (virt-install --os-variant nixos-unstable --memory 1536 --disk none
    // --import --boot kernel=…,initrd=… --filesystem /nix/store/,nix-store,readonly=yes,accessmode=squash --filesystem
    // …/boot/,boot,…), with its NIC on the fixture's network, as small as the tests' VMs, on QEMU's software emulator, and
    // with the guest's link where this host layout has it.
    private string OriginalXml(string name, Guid uuid, string mac)
    {
        var link = Host.Paths.Link(GuestName.Parse(name));
        return $"""
            <domain type='qemu'>
              <name>{name}</name>
              <uuid>{uuid:D}</uuid>
              <memory unit='MiB'>128</memory>
              <currentMemory unit='MiB'>128</currentMemory>
              <vcpu>2</vcpu>
              <os>
                <type arch='x86_64' machine='pc'>hvm</type>
                <kernel>{link}/kernel</kernel>
                <initrd>{link}/initrd</initrd>
              </os>
              <features><acpi/><apic/></features>
              <devices>
                <filesystem type='mount' accessmode='squash'>
                  <source dir='/nix/store/'/>
                  <target dir='nix-store'/>
                  <readonly/>
                </filesystem>
                <filesystem type='mount' accessmode='squash'>
                  <source dir='{link}/boot/'/>
                  <target dir='boot'/>
                  <readonly/>
                </filesystem>
                <interface type='network'>
                  <mac address='{mac}'/>
                  <source network='{_network}'/>
                  <model type='virtio'/>
                </interface>
                <serial type='pty'/>
                <console type='pty'/>
              </devices>
            </domain>
            """;
    }

    private JsonElement Listed(string name) =>
        JsonDocument.Parse(Host.Ok("list", "--json").Out).RootElement.EnumerateArray().Single(guest => guest.GetProperty("name").GetString() == name);

    private static string NewMacAddress() => $"52:54:00:{Random.Shared.Next(256):x2}:{Random.Shared.Next(256):x2}:{Random.Shared.Next(256):x2}";

    // What a failed test left of the domain, whoever's it is by then.
    private static void RemoveLeft(Connection connection, string name)
    {
        if (connection.TryGetDomain(name, out var left))
        {
            GuestRun.Remove(left);
        }
    }
}
