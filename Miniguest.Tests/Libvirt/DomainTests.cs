using System.Xml.Linq;
using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Libvirt;

/// <summary>Domain operations against <c>test:///default</c>.</summary>
[TestFixture, Category(TestCategories.Libvirt)]
public sealed class DomainTests
{
    private const string TestUri = "test:///default";

    private Connection _connection = null!;
    private Domain _domain = null!;
    private string _name = "";

    // The test driver's state lives as long as any object of it: names are unique so tests stay independent.
    [SetUp]
    public void DefineDomain()
    {
        _connection = Connection.Open(TestUri);
        _name = "zeta-" + Guid.NewGuid().ToString("N");
        _domain = _connection.DefineDomain(
            $"<domain type='test'><name>{_name}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>");
    }

    [TearDown]
    public void Close()
    {
        _domain.Dispose();
        _connection.Dispose();
    }

    [Test]
    public void Info_gives_state_memory_vcpus_and_cpu_time_and_interface_counters_come_by_device()
    {
        var stopped = _domain.GetInfo();
        _domain.Start();
        var running = _domain.GetInfo();
        using var test = _connection.GetDomain("test");
        var counters = test.GetInterfaceStats("testnet0");

        using (Assert.EnterMultipleScope())
        {
            Assert.That((stopped.State, stopped.MaxMemoryKiB, stopped.VCpus), Is.EqualTo((DomainState.Shutoff, 64UL * 1024, (ushort)1)));
            Assert.That(running.State, Is.EqualTo(DomainState.Running));
            Assert.That(running.CpuTimeNanoseconds, Is.GreaterThan(0UL), "the test driver's running domains count CPU time");
            Assert.That(counters.RxBytes, Is.GreaterThan(0));
            Assert.That(counters.TxBytes, Is.GreaterThan(0));
            Assert.That(() => test.GetInterfaceStats("nosuchif0"), Throws.InstanceOf<LibvirtException>());
        }
    }

    [Test]
    public void Activity_persistence_and_id_follow_the_life_of_the_domain()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_domain.IsActive, Is.False);
            Assert.That(_domain.IsPersistent, Is.True);
            Assert.That(_domain.Id, Is.Null);
        }
        _domain.Start();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_domain.IsActive, Is.True);
            Assert.That(_domain.Id, Is.GreaterThan(0));
        }
        _domain.Undefine();
        Assert.That(_domain.IsPersistent, Is.False, "a running domain that is undefined becomes transient");
        _domain.Destroy();
        Assert.That(_connection.TryGetDomain(_name, out _), Is.False);
    }

    [Test]
    public void Suspend_and_resume_pause_and_continue_it()
    {
        _domain.Start();
        _domain.Suspend();
        Assert.That(_domain.GetState().State, Is.EqualTo(DomainState.Paused));
        _domain.Resume();
        Assert.That(_domain.GetState().State, Is.EqualTo(DomainState.Running));
    }

    [Test]
    public async Task Graceful_shutdown_waits_until_the_domain_is_off()
    {
        _domain.Start();
        Assert.That(await _domain.ShutdownAsync(TimeSpan.FromSeconds(10)), Is.True);
        Assert.That(_domain.GetState().State, Is.EqualTo(DomainState.Shutoff));
    }

    [Test]
    public void Reboot_keeps_it_running()
    {
        _domain.Start();
        _domain.Reboot();
        Assert.That(_domain.IsActive, Is.True);
    }

    [Test]
    public void Autostart_can_be_set_and_cleared()
    {
        Assert.That(_domain.Autostart, Is.False);
        _domain.Autostart = true;
        Assert.That(_domain.Autostart, Is.True);
        var autostarting = _connection.ListAllDomains(ConnectListAllDomainsFlags.Autostart);
        Assert.That(autostarting.Select(d => d.Name), Does.Contain(_name));
        foreach (var domain in autostarting)
        {
            domain.Dispose();
        }
        _domain.Autostart = false;
        Assert.That(_domain.Autostart, Is.False);
    }

    [Test]
    public void Interface_addresses_of_a_running_domain_are_read_with_their_MAC_and_prefix()
    {
        using var domain = _connection.DefineDomain(
            $"<domain type='test'><name>{_name}-nic</name><memory unit='MiB'>64</memory><os><type>hvm</type></os><devices>"
            + "<interface type='network'><mac address='52:54:00:aa:bb:01'/><source network='default'/></interface>"
            + "<interface type='network'><mac address='52:54:00:aa:bb:02'/><source network='default'/></interface>"
            + "</devices></domain>");
        Assert.That(() => domain.GetInterfaceAddresses(), Throws.TypeOf<OperationInvalidException>(), "a domain that does not run has none to give");
        domain.Start();

        var interfaces = domain.GetInterfaceAddresses();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(interfaces.Select(i => i.HardwareAddress), Is.EqualTo(new[] { "52:54:00:aa:bb:01", "52:54:00:aa:bb:02" }));
            Assert.That(interfaces.SelectMany(i => i.Addresses).Select(a => a.PrefixLength), Is.All.InRange(1, 128));
            Assert.That(interfaces.SelectMany(i => i.Addresses).Select(a => a.ToString()), Is.All.Match(@"^[0-9.]+/\d+$"));
            Assert.That(interfaces.SelectMany(i => i.Addresses).Select(a => a.Address).Distinct().Count(), Is.EqualTo(2),
                "the test driver makes one address per interface");
        }
        domain.Destroy();
        domain.Undefine();
    }

    [Test]
    public void Metadata_in_our_namespace_is_written_read_and_removed()
    {
        Assert.That(_domain.GetMetadata(GuestMetadata.Namespace), Is.Null);
        _domain.SetMetadata(GuestMetadata.Namespace, DomainXml.MetadataPrefix,
            DomainXml.MetadataForDomain(new GuestMetadata(_name, 4, "/nix/store/abc")));

        var read = XElement.Parse(_domain.GetMetadata(GuestMetadata.Namespace)!);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(read.Name, Is.EqualTo(XName.Get("guest")), "libvirt gives the element back without its namespace");
            Assert.That((string?)read.Attribute("store-path"), Is.EqualTo("/nix/store/abc"));
            Assert.That(DomainXml.ReadMetadata(_domain.GetXml()), Is.EqualTo(new GuestMetadata(_name, 4, "/nix/store/abc")));
        }

        _domain.SetMetadata(GuestMetadata.Namespace, DomainXml.MetadataPrefix, null);
        Assert.That(_domain.GetMetadata(GuestMetadata.Namespace), Is.Null);
    }

    [Test]
    public void Metadata_of_another_namespace_is_not_ours()
    {
        _domain.SetMetadata("urn:someone-else", "other", "<thing/>");
        Assert.That(_domain.GetMetadata(GuestMetadata.Namespace), Is.Null);
        Assert.That(DomainXml.ReadMetadata(_domain.GetXml()), Is.Null);
    }

    [Test]
    public void A_closed_connection_is_refused_without_reaching_libvirt()
    {
        var connection = Connection.Open(TestUri);
        connection.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _ = connection.HostName);
        Assert.Throws<ObjectDisposedException>(() => connection.GetDomain("test"));
    }

    [Test]
    public void A_disposed_domain_is_refused()
    {
        var domain = _connection.GetDomain(_name);
        domain.Dispose();
        Assert.Throws<ObjectDisposedException>(() => domain.Start());
    }
}
