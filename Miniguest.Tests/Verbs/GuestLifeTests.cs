using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Verbs;

/// <summary>A guest's life through the front door, with libvirt's test driver for libvirt and a recording Nix: define,
/// list, start, stop, autostart and remove, and where each looks. The real-stack tiers boot the same steps for real.</summary>
[TestFixture, System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GuestLifeTests
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);
    private TestDriverHost _host = null!;

    [SetUp]
    public void CreateHost() => _host = new TestDriverHost();

    [TearDown]
    public void DeleteHost() => _host.Dispose();

    [TestCase(GuestType.Qemu)]
    [TestCase(GuestType.Lxc)]
    public async Task A_guest_is_defined_started_stopped_and_removed_on_the_uri_given(GuestType type)
    {
        const string uri = TestDriverConnector.TestUri;
        var name = _host.NewName(type.ToString().ToLowerInvariant());
        var storePath = _host.Install(name, type);

        var defined = await _host.Host.DefineAsync(name, new DomainOptions());
        var recordedUri = File.ReadAllText(_host.Paths.ConnectionUriFile(name)).Trim();
        var listedStopped = (await _host.Host.ListAsync()).Single(guest => guest.Name == name);
        await _host.Host.StartAsync(name);
        var listedRunning = (await _host.Host.ListAsync()).Single(guest => guest.Name == name);
        var stopped = await _host.Host.StopAsync(name, StopTimeout);
        var removed = await _host.Host.RemoveAsync(name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(defined.Uri, Is.EqualTo(uri), "the URI given");
            Assert.That(recordedUri, Is.EqualTo(uri), "the URI recorded");
            Assert.That(listedStopped.Status, Is.EqualTo(GuestListStatus.Stopped));
            Assert.That(listedStopped.Generation, Is.EqualTo(1));
            Assert.That(listedStopped.StorePath, Is.EqualTo(storePath));
            Assert.That(listedRunning.Status, Is.EqualTo(GuestListStatus.Current));
            Assert.That(listedRunning.RunningGeneration, Is.EqualTo(1));
            Assert.That(stopped, Is.EqualTo(StopOutcome.ShutDown));
            Assert.That(removed.Installed, Is.True);
            Assert.That(_host.DomainOf(name), Is.Null, "its domain undefined");
            Assert.That(Path.Exists(_host.Paths.Link(name)), Is.False, "its link gone");
            Assert.That(_host.Libvirt.Opened, Is.All.EqualTo(uri), "no other URI looked at");
            Assert.That(_host.Nix.CommandLines, Is.EqualTo(new[]
            {
                $"build --out-link {_host.Paths.GenerationRoots(name)}/defined {storePath}",
                $"build --out-link {_host.Paths.GenerationRoots(name)}/booted {storePath}",
            }), "the generation defined rooted at the definition, the one booted at the start, and Nix asked nothing else");
        }
    }

    [Test]
    public async Task Each_command_connects_once()
    {
        var name = _host.NewName("connect");
        _host.Install(name, GuestType.Qemu);
        var opened = new List<int>();
        async Task Counted(Func<Task> command)
        {
            var before = _host.Libvirt.Opened.Count;
            await command();
            opened.Add(_host.Libvirt.Opened.Count - before);
        }

        await Counted(() => _host.Host.DefineAsync(name, new DomainOptions()));
        await Counted(() => _host.Host.ListAsync());
        await Counted(() => _host.Host.StartAsync(name));
        await Counted(() => _host.Host.StopAsync(name, StopTimeout));
        await Counted(() => Task.FromResult(_host.Host.SetAutostart(name, true)));
        await Counted(() => _host.Host.RemoveAsync(name));

        Assert.That(opened, Is.EqualTo(new[] { 1, 1, 1, 1, 1, 1 }), "define, list, start, stop, autostart, remove");
    }
}
