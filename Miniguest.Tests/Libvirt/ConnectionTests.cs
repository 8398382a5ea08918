using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Libvirt;

/// <summary>The binding against libvirt's in-process test driver: every connection starts from the same
/// fresh state, with one running domain named "test".</summary>
[TestFixture, Category(TestCategories.Libvirt)]
public sealed class ConnectionTests
{
    private const string TestUri = "test:///default";

    private static string MinimalDomainXml(string name) =>
        $"<domain type='test'><name>{name}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>";

    [Test]
    public void Open_reports_uri_host_and_versions()
    {
        using var connection = Connection.Open(TestUri);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.Uri, Is.EqualTo(TestUri));
            Assert.That(connection.HostName, Is.Not.Empty);
            Assert.That(connection.LibraryVersion, Is.GreaterThanOrEqualTo(new Version(6, 0, 0)));
            Assert.That(connection.HypervisorVersion.Major, Is.GreaterThanOrEqualTo(0));
            Assert.That(connection.GetCapabilities(), Does.Contain("<capabilities>"));
        }
    }

    [Test]
    public void Define_look_up_start_destroy_and_undefine_a_domain()
    {
        using var connection = Connection.Open(TestUri);
        using var defined = connection.DefineDomain(MinimalDomainXml("alpha"));
        using var found = connection.GetDomain("alpha");
        Assert.That(found.Uuid, Is.EqualTo(defined.Uuid));
        using var byUuid = connection.GetDomain(defined.Uuid);
        Assert.That(byUuid.Name, Is.EqualTo("alpha"));

        Assert.That(found.GetState().State, Is.EqualTo(DomainState.Shutoff));
        found.Start();
        Assert.That(found.GetState(), Is.EqualTo(new DomainStateInfo(DomainState.Running, 1)));
        found.Destroy();
        Assert.That(found.GetState().IsActive, Is.False);
        found.Undefine();
        Assert.That(connection.TryGetDomain("alpha", out _), Is.False);
    }

    [Test]
    public void List_all_domains_filters_by_state()
    {
        using var connection = Connection.Open(TestUri);
        using var defined = connection.DefineDomain(MinimalDomainXml("beta"));
        var all = connection.ListAllDomains();
        var inactive = connection.ListAllDomains(ConnectListAllDomainsFlags.Inactive);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(all.Select(d => d.Name), Is.EquivalentTo(new[] { "test", "beta" }));
            Assert.That(inactive.Select(d => d.Name), Is.EqualTo(new[] { "beta" }));
        }
        foreach (var domain in all.Concat(inactive))
        {
            domain.Dispose();
        }
    }

    [Test]
    public void List_all_networks_names_each_with_whether_it_is_active()
    {
        using var connection = Connection.Open(TestUri);

        // The test driver's one network, as TryGetNetwork finds it.
        Assert.That(connection.ListAllNetworks(), Is.EqualTo(new[] { ("default", true) }));
        Assert.That(connection.TryGetNetwork("default", out var active) && active, Is.True);
    }

    [Test]
    public void A_domain_stays_usable_after_its_connection_is_disposed()
    {
        Domain domain;
        using (var connection = Connection.Open(TestUri))
        {
            domain = connection.GetDomain("test");
        }
        using (domain)
        {
            Assert.That(domain.GetState().State, Is.EqualTo(DomainState.Running));
        }
    }

    [Test]
    public void Our_xml_round_trips_through_libvirt()
    {
        using var connection = Connection.Open(TestUri);
        var container = new ContainerDomain { Name = "gamma", RootDirectory = "/tmp", BootSource = "/tmp", StoreSource = "/nix/store", StoreTarget = "/nix/store", Metadata = new GuestMetadata("gamma", 2, "/nix/store/x") };
        // The test driver accepts any domain type; metadata and shares must come back as written.
        using var domain = connection.DefineDomain(DomainXml.Write(container).Replace("type=\"lxc\"", "type=\"test\""), DomainDefineFlags.None);
        var xml = domain.GetXml(DomainXmlFlags.Inactive);
        Assert.That(DomainXml.ReadMetadata(xml), Is.EqualTo(container.Metadata));
    }

    [Test]
    public void A_network_is_found_by_name_with_its_state_and_a_missing_one_is_not()
    {
        using var connection = Connection.Open("test:///default");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.TryGetNetwork("default", out var active), Is.True, "the test driver's network");
            Assert.That(active, Is.True);
            Assert.That(connection.TryGetNetwork("no-such-network", out _), Is.False);
        }
    }

    [Test]
    public void Node_info_reads_libvirts_struct_field_by_field()
    {
        using var connection = Connection.Open("test:///default");
        var node = connection.GetNodeInfo();
        // The test driver's host: a CPU count that is the product of the topology after it, and 3 GiB.
        using (Assert.EnterMultipleScope())
        {
            Assert.That(node.Model, Is.EqualTo("i686"), "the model, without the rest of its 32 bytes");
            Assert.That(node.MemoryKiB, Is.EqualTo(3UL * 1024 * 1024));
            Assert.That(node.Cpus, Is.EqualTo(node.Nodes * node.Sockets * node.Cores * node.Threads).And.Positive);
        }
    }

    [Test]
    public void Unknown_domain_throws_domain_not_found()
    {
        using var connection = Connection.Open(TestUri);
        var error = Assert.Throws<DomainNotFoundException>(() => connection.GetDomain("no-such-domain"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(error.Code, Is.EqualTo(ErrorCode.NoDomain));
            Assert.That(error.ErrorDomain, Is.EqualTo(ErrorDomain.Test));
            Assert.That(error.Message, Is.Not.Empty);
        }
        Assert.That(connection.TryGetDomain("no-such-domain", out var none), Is.False);
        Assert.That(none, Is.Null);
    }

    [Test]
    public void Malformed_xml_throws_invalid_xml()
    {
        using var connection = Connection.Open(TestUri);
        var error = Assert.Throws<InvalidXmlException>(() => connection.DefineDomain("<domain type='test'><name>x</name"));
        Assert.That(error.Code, Is.EqualTo(ErrorCode.XmlDetail));
    }

    [Test]
    public void Schema_validation_rejects_what_plain_parsing_accepts()
    {
        using var connection = Connection.Open(TestUri);
        var xml = "<domain type='test'><name>delta</name><memory>64</memory><os><type>hvm</type></os><bogus/></domain>";
        Assert.Throws<InvalidXmlException>(() => connection.DefineDomain(xml, DomainDefineFlags.Validate));
        using var domain = connection.DefineDomain(xml, DomainDefineFlags.None);
        Assert.That(domain.Name, Is.EqualTo("delta"));
    }

    [Test]
    public void Destroying_a_domain_that_is_not_running_throws_operation_invalid()
    {
        using var connection = Connection.Open(TestUri);
        using var domain = connection.DefineDomain(MinimalDomainXml("epsilon"));
        var error = Assert.Throws<OperationInvalidException>(() => domain.Destroy());
        Assert.That(error.Code, Is.EqualTo(ErrorCode.OperationInvalid));
    }

    [Test]
    public void Unknown_driver_throws_connection_failed()
    {
        var error = Assert.Throws<ConnectionFailedException>(() => Connection.Open("nosuchdriver:///system"));
        Assert.That(error.Code, Is.EqualTo(ErrorCode.NoConnect));
    }

    [Test]
    public void Errors_are_read_on_the_failing_thread()
    {
        using var connection = Connection.Open(TestUri);
        // Threads fail in two different ways at once: each must see its own error, never the other kind.
        var codes = new System.Collections.Concurrent.ConcurrentBag<(bool Lookup, ErrorCode Code)>();
        Parallel.For(0, 200, i =>
        {
            try
            {
                if (i % 2 == 0)
                {
                    connection.GetDomain($"missing-{i}").Dispose();
                }
                else
                {
                    connection.DefineDomain("<domain").Dispose();
                }
            }
            catch (LibvirtException e)
            {
                codes.Add((i % 2 == 0, e.Code));
            }
        });
        Assert.That(codes, Has.Count.EqualTo(200));
        Assert.That(codes.Where(c => c.Lookup).Select(c => c.Code), Has.All.EqualTo(ErrorCode.NoDomain));
        Assert.That(codes.Where(c => !c.Lookup).Select(c => c.Code), Has.All.EqualTo(ErrorCode.XmlDetail));
    }
}
