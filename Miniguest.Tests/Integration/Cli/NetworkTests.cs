using System.Text.Json;
using System.Text.RegularExpressions;
using Miniguest.Core;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>
/// Guests that serve, on the real stack: a VM and a container on an isolated libvirt network the fixture makes (no
/// <c>&lt;forward&gt;</c>: its guests reach nothing but this host) get an address by DHCP, which <c>address</c> and
/// <c>list</c> report, serve a page the host fetches, and keep their MAC address, and so their address, through a
/// reinstall. Traffic goes only to the fixture's own guests, a few requests, each bounded in time.
/// </summary>
[TestFixture, Category(TestCategories.Integration), Parallelizable]
public sealed partial class NetworkTests
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private readonly string _network = MiniguestHost.UniqueName("net");
    private string _subnet = "";
    private MiniguestHost _host = null!;

    [OneTimeSetUp]
    public void CreateNetwork()
    {
        _subnet = FreeSubnet();
        var bridge = "mgtbr" + _network[^6..];
        var xml = Path.GetTempFileName();
        File.WriteAllText(xml, $"""
            <network>
              <name>{_network}</name>
              <bridge name='{bridge}'/>
              <ip address='{_subnet}.1' netmask='255.255.255.0'>
                <dhcp><range start='{_subnet}.10' end='{_subnet}.99'/></dhcp>
              </ip>
            </network>
            """);
        TestCommand.Ok("virsh", "-c", "qemu:///system", "net-create", xml);
        File.Delete(xml);
    }

    [OneTimeTearDown]
    public void RemoveNetwork()
    {
        if (_subnet.Length > 0)
        {
            TestCommand.Ok("virsh", "-c", "qemu:///system", "net-destroy", _network);
        }
    }

    [SetUp]
    public void CreateHost() => _host = new MiniguestHost();

    [TearDown]
    public void RemoveHost() => _host.Dispose();

    [TestCase("vm-server")]
    [TestCase("container-server")]
    public async Task A_guest_on_a_network_gets_an_address_serves_from_it_and_keeps_it_through_a_reinstall(string variant)
    {
        var name = MiniguestHost.UniqueName(variant == "vm-server" ? "vm" : "ct");
        _host.Ok("install", "-n", name, $"{TestGuestFlake.Reference}#{variant}");
        string[] vmSettings = variant == "vm-server" ? ["--virt-type", "qemu", "--memory", "256"] : [];
        var created = _host.Ok(["create", name, "--network", _network, .. vmSettings]);
        var mac = MacOf(created.Out);
        Assert.That(created.Out, Does.Contain($"interface {mac} on network '{_network}'"));

        _host.Ok("start", name);
        var said = await GuestSaysAddressAsync(name, variant);
        var address = _host.Ok("address", name, "--wait", "90").Out.Trim();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(said, Does.StartWith(_subnet + "."), "the guest's lease is from the fixture's network");
            Assert.That(address, Is.EqualTo(said.Split('/')[0]), "address NAME gives the address the guest got");
            Assert.That(await FetchAsync(address), Does.Contain($"served by {variant}"));
            var listed = Listed(name);
            Assert.That(listed.GetProperty("addresses").EnumerateArray().Select(a => a.GetString()), Is.EqualTo(new[] { said }));
            var nic = listed.GetProperty("interfaces").EnumerateArray().Single();
            Assert.That((nic.GetProperty("mac").GetString(), nic.GetProperty("network").GetString()), Is.EqualTo((mac, _network)));
            Assert.That(_host.Ok("list").Out, Does.Contain($" {address} "), "the table's ADDRESS column");
        }

        // A reinstall of a changed guest defines the domain anew; a restart runs it: the same MAC, so the same lease.
        var changed = TestGuestFlake.CopyForEditing();
        try
        {
            TestGuestFlake.ChangeGuest(changed, "reinstalled");
            _host.Ok("install", "--force", "-n", name, $"path:{changed}#{variant}");
        }
        finally
        {
            Directory.Delete(changed, recursive: true);
        }
        _host.Ok("restart", name, "--force", "--timeout", "1");
        var again = _host.Ok("address", name, "--wait", "90").Out.Trim();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(again, Is.EqualTo(address), "the guest keeps its address");
            Assert.That(Listed(name).GetProperty("interfaces")[0].GetProperty("mac").GetString(), Is.EqualTo(mac));
        }
        _host.Ok("stop", name, "--force", "--timeout", "1");
        _host.Ok("remove", name);
    }

    [Test]
    public void A_guest_on_an_inactive_network_is_defined_with_a_warning_and_refused_at_start_with_the_way_out()
    {
        var inactive = MiniguestHost.UniqueName("off");
        var xml = Path.GetTempFileName();
        File.WriteAllText(xml, $"<network><name>{inactive}</name><bridge name='mgtoff{inactive[^6..]}'/></network>");
        TestCommand.Ok("virsh", "-c", "qemu:///system", "net-define", xml);
        File.Delete(xml);
        try
        {
            var name = MiniguestHost.UniqueName("ct");
            _host.Ok("install", "-n", name, $"{TestGuestFlake.Reference}#container");
            var created = _host.Ok("create", name, "--network", inactive);
            var started = _host.Run("start", name);

            using (Assert.EnterMultipleScope())
            {
                Assert.That(created.Error, Does.Contain($"libvirt network '{inactive}' is not active: '{name}' starts once it is (virsh net-start {inactive};"));
                Assert.That(started.ExitCode, Is.EqualTo(1));
                Assert.That(started.Error.Trim(), Is.EqualTo($"miniguest: error: guest '{name}' is on libvirt network '{inactive}', which is not active: "
                    + $"start it with virsh net-start {inactive} (virsh net-autostart {inactive} starts it with the host)"));
            }
            _host.Ok("remove", name);
        }
        finally
        {
            TestCommand.Ok("virsh", "-c", "qemu:///system", "net-undefine", inactive);
        }
    }

    [Test]
    public void Address_of_a_guest_without_an_interface_or_not_running_fails_with_one_line()
    {
        var name = MiniguestHost.UniqueName("ct");
        _host.Ok("install", "-n", name, $"{TestGuestFlake.Reference}#container");
        var created = _host.Ok("create", name, "--network", "none");
        var noInterface = _host.Run("address", name);
        _host.Ok("create", name, "--network", _network);
        var notRunning = _host.Run("address", name, "--wait", "1");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(created.Out, Does.Contain("no network interface"));
            Assert.That((noInterface.ExitCode, noInterface.ErrorLines.Count), Is.EqualTo((1, 1)), noInterface.ToString());
            Assert.That(noInterface.Error, Does.Contain($"guest '{name}' has no network interface; add one with: miniguest create {name} --network NAME"));
            Assert.That((notRunning.ExitCode, notRunning.ErrorLines.Count), Is.EqualTo((1, 1)), notRunning.ToString());
            Assert.That(notRunning.Error, Does.Contain($"guest '{name}' is not running"));
        }
        _host.Ok("remove", name);
    }

    [Test]
    public void Create_refuses_a_network_or_bridge_the_host_does_not_have_and_changes_nothing()
    {
        var name = MiniguestHost.UniqueName("ct");
        _host.Ok("install", "-n", name, $"{TestGuestFlake.Reference}#container");
        var before = _host.Snapshot();
        var noNetwork = _host.Run("create", name, "--network", "mgt-no-such-network");
        var noBridge = _host.Run("create", name, "--bridge", "mgtnobr0");
        var badBridge = _host.Run("create", name, "--bridge", "../eth0");
        var noneAndMore = _host.Run("create", name, "--network", "none", "--bridge", "br0");

        using (Assert.EnterMultipleScope())
        {
            foreach (var refused in new[] { noNetwork, noBridge, badBridge })
            {
                Assert.That((refused.ExitCode, refused.ErrorLines.Count), Is.EqualTo((1, 1)), refused.ToString());
            }
            Assert.That(noneAndMore.ExitCode, Is.EqualTo(2), "a usage error: " + noneAndMore);
            Assert.That(noNetwork.Error, Does.Contain("there is no libvirt network 'mgt-no-such-network'"));
            Assert.That(noBridge.Error, Does.Contain("there is no bridge 'mgtnobr0' on this host"));
            Assert.That(badBridge.Error, Does.Contain("'../eth0' is not a network interface name"));
            Assert.That(noneAndMore.Error, Does.Contain("--network none cannot be given with other networks or bridges"));
            Assert.That(_host.Snapshot(), Is.EqualTo(before), "nothing defined, nothing recorded");
        }
    }

    [Test]
    public void A_container_shares_the_host_s_network_only_when_asked_and_keeps_that_choice()
    {
        var name = MiniguestHost.UniqueName("ct");
        var vm = MiniguestHost.UniqueName("vm");
        _host.Ok("install", "-n", name, $"{TestGuestFlake.Reference}#container");
        _host.Ok("install", "-n", vm, $"{TestGuestFlake.Reference}#vm");
        var shared = _host.Ok("create", name, "--network", "host");
        var xml = _host.Ok("create", name, "--print-xml").Out;
        _host.Ok("create", name, "--memory", "300");
        var kept = Listed(name);
        var hostAndMore = _host.Run("create", name, "--network", "host", "--network", _network);
        var forVm = _host.Run("create", vm, "--network", "host");
        _host.Ok("create", name, "--network", "none");
        var own = Listed(name);
        var ownXml = _host.Ok("create", name, "--print-xml").Out;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(shared.Out, Does.Contain("the host's network namespace"));
            Assert.That(xml, Does.Not.Contain("privnet").And.Contain("network=\"host\""), "no namespace of its own, the choice recorded");
            Assert.That(kept.GetProperty("hostNetwork").GetBoolean(), Is.True, "create without network options keeps it");
            Assert.That(kept.GetProperty("interfaces").GetArrayLength(), Is.Zero);
            Assert.That(hostAndMore.ExitCode, Is.EqualTo(2), "a usage error: " + hostAndMore);
            Assert.That(hostAndMore.Error, Does.Contain("--network host cannot be given with other networks or bridges"));
            Assert.That((forVm.ExitCode, forVm.ErrorLines.Count), Is.EqualTo((1, 1)), forVm.ToString());
            Assert.That(forVm.Error, Does.Contain("is a VM: sharing the host's network namespace applies to containers only"));
            Assert.That(own.GetProperty("hostNetwork").GetBoolean(), Is.False);
            Assert.That(ownXml, Does.Contain("<privnet"));
        }
        _host.Ok("remove", name);
        _host.Ok("remove", vm);
    }

    // What the guest printed as it got its lease: a VM's console log, a container's report in its root.
    private async Task<string> GuestSaysAddressAsync(string name, string variant)
    {
        var said = variant == "vm-server" ? _host.Paths.ConsoleLog(GuestName.Parse(name)) : Path.Combine(_host.Paths.ContainerRoot(GuestName.Parse(name)), "miniguest-test-report");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            if (File.Exists(said) && AddressLine().Match(await File.ReadAllTextAsync(said)) is { Success: true } match)
            {
                return match.Groups[1].Value;
            }
            await Task.Delay(250);
        }
        Assert.Fail($"the guest said no address within 2 minutes: {(File.Exists(said) ? await File.ReadAllTextAsync(said) : "(nothing)")}");
        return "";
    }

    private static async Task<string> FetchAsync(string address)
    {
        using var http = new HttpClient { Timeout = RequestTimeout };
        // busybox httpd starts right after the address is said: a few tries, a second apart.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await http.GetStringAsync(new Uri($"http://{address}/"));
            }
            catch (HttpRequestException) when (attempt < 5)
            {
                await Task.Delay(TimeSpan.FromSeconds(1));
            }
        }
    }

    private JsonElement Listed(string name) =>
        JsonDocument.Parse(_host.Ok("list", "--json").Out).RootElement.EnumerateArray().Single(g => g.GetProperty("name").GetString() == name);

    private static string MacOf(string createOutput) =>
        MacLine().Match(createOutput) is { Success: true } match ? match.Groups[1].Value : throw new AssertionException($"no interface in: {createOutput}");

    // A /24 in 10.213.0.0/16 that no interface of this host is on.
    private static string FreeSubnet()
    {
        var inUse = TestCommand.Ok("ip", "-4", "-o", "addr", "show").Out;
        for (var third = 7; third < 250; third++)
        {
            var subnet = $"10.213.{third}";
            if (!inUse.Contains($" {subnet}.", StringComparison.Ordinal))
            {
                return subnet;
            }
        }
        throw new AssertionException("no free /24 in 10.213.0.0/16 for the test network");
    }

    [GeneratedRegex(@"miniguest-test-guest: address=(\d+\.\d+\.\d+\.\d+/\d+)")]
    private static partial Regex AddressLine();

    [GeneratedRegex(@"interface ([0-9a-f:]{17}) on")]
    private static partial Regex MacLine();
}
