using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Miniguest.Core;
using Miniguest.Libvirt;
using Miniguest.Tests.Integration.Cli;
using Miniguest.Tests.Unit;

namespace Miniguest.Tests.Integration.Reliability;

/// <summary>
/// What a container reaches of the host and of another container, its own init doing the attack (a script the test puts
/// in its root, <c>/miniguest-test-attack</c>): nothing of the host's network without an interface, and nothing of another
/// container's files, nor a host user anything of its own. The container's root is read from its domain, so that these
/// tests run against an older <c>miniguest</c> too (<c>MINIGUEST_TEST_EXECUTABLE</c>).
/// </summary>
[TestFixture, Category(TestCategories.Reliability), Parallelizable]
public sealed class ContainerIsolationTests
{
    private static readonly TimeSpan AttackTimeout = TimeSpan.FromSeconds(90);
    private static readonly string Prefix = ReliabilitySuite.Prefix + "-ci";
    private MiniguestHost _host = null!;

    [SetUp]
    public void CreateHost() => _host = new MiniguestHost();

    [TearDown]
    public void RemoveHost()
    {
        HostState.RemoveDomains(Prefix);
        _host.Dispose();
    }

    private static string Name() => MiniguestHost.UniqueName("ci", ReliabilitySuite.Prefix);

    [Test]
    public void A_container_without_an_interface_reaches_no_service_socket_or_interface_of_the_host()
    {
        // A service on the host's loopback, and an abstract unix socket (which belongs to a network namespace).
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var secret = "host-secret-" + Guid.NewGuid().ToString("N");
        var accepted = 0;
        using var serving = new CancellationTokenSource();
        var body = System.Text.Encoding.ASCII.GetBytes(secret + "\n");
        _ = Task.Run(async () =>
        {
            while (!serving.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(serving.Token);
                Interlocked.Increment(ref accepted);
                // Each client answered on its own: nc holds its connection open a while.
                _ = Task.Run(async () =>
                {
                    using (client)
                    {
                        await client.GetStream().WriteAsync(body, serving.Token);
                        await Task.Delay(500, serving.Token);
                    }
                });
            }
        });
        var abstractName = "miniguest-test-" + Guid.NewGuid().ToString("N");
        using var abstractSocket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        abstractSocket.Bind(new UnixDomainSocketEndPoint("\0" + abstractName));
        abstractSocket.Listen();

        var name = Name();
        _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#container");
        _host.Ok("create", name, "--network", "none");
        var root = RootOf(name);
        Plant(root, $$"""
            r=/miniguest-test-network
            echo "links=$($bb ip -o link | $bb wc -l)" >>$r
            if $bb sleep 3 | $bb nc 127.0.0.1 {{port}} 2>/dev/null | $bb grep -q {{secret}}; then echo tcp=reached >>$r; else echo tcp=refused >>$r; fi
            if $bb grep -q "@{{abstractName}}" /proc/net/unix; then echo abstract=seen >>$r; else echo abstract=unseen >>$r; fi
            echo done >>$r
            """);
        _host.Ok("start", name);
        var report = Path.Combine(root, "miniguest-test-network");
        WaitFor(() => File.Exists(report) && File.ReadAllText(report).Contains("done", StringComparison.Ordinal), "the container probed the host");
        serving.Cancel();
        var said = File.ReadAllText(report);
        TestContext.Out.WriteLine($"the container said:\n{said}");


        Figures.Case(Groups.Security, () =>
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(said, Does.Contain("tcp=refused"), "nc reached a service on the host's 127.0.0.1");
                Assert.That(Volatile.Read(ref accepted), Is.Zero, "the host's service took no connection");
                Assert.That(said, Does.Contain("abstract=unseen"), "the container saw the host's abstract unix socket");
                Assert.That(said, Does.Contain("links=1"), "the container sees only its own lo");
            }
        });
    }

    [Test]
    public void Two_containers_whose_names_hash_alike_get_ranges_of_their_own_and_no_host_user_reaches_their_files()
    {
        // Two names to which the name hash gave one id range: each container's root would own the other's files.
        var (first, second) = ContainerIdsTests.CollidingNames(Name());
        foreach (var name in new[] { first, second })
        {
            _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#container");
            _host.Ok("create", name, "--network", "none");
        }
        var (firstIds, secondIds) = (IdsOf(first), IdsOf(second));
        var (firstRoot, secondRoot) = (RootOf(first), RootOf(second));
        // The first container's root leaves a setuid copy of its shell in its root, as a hostile guest would.
        Plant(firstRoot, """
            $bb cp "$bb" /busybox-setuid
            $bb chmod 4755 /busybox-setuid
            echo planted >/miniguest-test-planted
            """);
        _host.Ok("start", first);
        WaitFor(() => File.Exists(Path.Combine(firstRoot, "miniguest-test-planted")), "the container left a setuid file");
        var setuid = Path.Combine(firstRoot, "busybox-setuid");
        TestContext.Out.WriteLine($"{first}: ids {firstIds}, root {firstRoot}\n{second}: ids {secondIds}, root {secondRoot}");

        // Through env, so that the path is looked up as nobody (setpriv itself still has root's capabilities then).
        var run = AsNobody.Run("/bin/busybox", "env", setuid, "id");
        var list = AsNobody.Run("/bin/busybox", "ls", secondRoot);

        Figures.Case(Groups.Security, () =>
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(firstIds?.UidTarget, Is.Not.EqualTo(secondIds?.UidTarget), "two containers map one id range");
                Assert.That(RecordedRange(first), Is.EqualTo(firstIds?.UidTarget), "the range is recorded");
                Assert.That(RecordedRange(second), Is.EqualTo(secondIds?.UidTarget), "the range is recorded");
                Assert.That(run.ExitCode, Is.Not.Zero, $"a host user ran the container's setuid file: {run.Out}");
                Assert.That(run.Error, Does.Contain("Permission denied"));
                Assert.That(list.ExitCode, Is.Not.Zero, "a host user listed the other container's root");
                var parent = Path.GetDirectoryName(firstRoot)!;
                Assert.That(Stat(parent, "%a"), Is.EqualTo("700"), "only the container's root passes above its root");
                Assert.That(Stat(parent, "%u"), Is.EqualTo(firstIds?.UidTarget.ToString(CultureInfo.InvariantCulture)),
                    "the mapped root owns that directory, and so reaches its root");
            }
        });
    }

    // The container's root directory, as its domain names it.
    private static string RootOf(string name)
    {
        using var connection = Connection.Open("lxc:///");
        using var domain = connection.GetDomain(name);
        return DomainXml.Read(domain.GetXml(DomainXmlFlags.Inactive)).Container!.RootDirectory;
    }

    private static UserNamespaceMapping? IdsOf(string name)
    {
        using var connection = Connection.Open("lxc:///");
        using var domain = connection.GetDomain(name);
        return DomainXml.Read(domain.GetXml(DomainXmlFlags.Inactive)).Container!.UserNamespace;
    }

    private uint? RecordedRange(string name) =>
        File.Exists(_host.Paths.IdRangeFile(GuestName.Parse(name))) ? uint.Parse(File.ReadAllText(_host.Paths.IdRangeFile(GuestName.Parse(name))).Trim(), CultureInfo.InvariantCulture) : null;

    private static string Stat(string path, string format) => TestCommand.Ok("stat", "-c", format, path).Out.Trim();

    // The container waits instead of powering off, and its init runs the script.
    private static void Plant(string root, string script)
    {
        File.WriteAllText(Path.Combine(root, "miniguest-test-wait"), "");
        File.WriteAllText(Path.Combine(root, "miniguest-test-attack"), script.ReplaceLineEndings("\n") + "\n");
    }

    private static void WaitFor(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + AttackTimeout;
        while (!condition())
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"timed out waiting until {what}");
            Thread.Sleep(200);
        }
    }
}
