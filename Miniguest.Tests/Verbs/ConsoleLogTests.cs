using Miniguest.Core;

namespace Miniguest.Tests.Verbs;

/// <summary>A VM's console log through the front door: whole, its last lines, followed across a restart that begins it
/// anew; and the guests that have none.</summary>
[TestFixture, System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ConsoleLogTests
{
    private TestDriverHost _host = null!;

    [SetUp]
    public void CreateHost() => _host = new TestDriverHost();

    [TearDown]
    public void DeleteHost() => _host.Dispose();

    [Test]
    public async Task The_log_is_read_whole_or_its_last_lines_with_the_unended_line_too()
    {
        var name = VmWithLog("one\r\ntwo\nthree\nfour, not ended yet");

        var all = await _host.Host.ConsoleLogAsync(name).ToListAsync();
        var last = await _host.Host.ConsoleLogAsync(name, last: 2).ToListAsync();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(all, Is.EqualTo(new[] { "one", "two", "three", "four, not ended yet" }));
            Assert.That(last, Is.EqualTo(new[] { "three", "four, not ended yet" }));
        }
    }

    [Test]
    public async Task A_followed_log_gives_each_line_as_it_is_ended_and_starts_over_when_a_restart_begins_it_anew()
    {
        var name = VmWithLog("booted\nrunning\n");
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await using var lines = _host.Host.ConsoleLogAsync(name, last: 1, follow: true, cancel.Token).GetAsyncEnumerator(cancel.Token);

        var log = _host.Paths.ConsoleLog(GuestName.Parse(name));
        var seen = new List<string>();
        async Task Next() => seen.Add(await lines.MoveNextAsync() ? lines.Current : "(ended)");
        await Next();
        File.AppendAllText(log, "half a ");
        File.AppendAllText(log, "line\n");
        await Next();
        File.WriteAllText(log, "new\n");
        await Next();

        Assert.That(seen, Is.EqualTo(new[] { "running", "half a line", "new" }));
    }

    [Test]
    public void Guests_without_a_log_are_refused_saying_why()
    {
        var container = _host.NewName("ct");
        _host.Install(container, GuestType.Lxc);
        var unstarted = _host.NewName("vm");
        _host.Install(unstarted, GuestType.Qemu);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => _host.Host.ConsoleLogAsync(container).ToListAsync().AsTask(),
                Throws.TypeOf<GuestStateException>().With.Message.Contain($"miniguest console {container}"));
            Assert.That(() => _host.Host.ConsoleLogAsync(unstarted).ToListAsync().AsTask(),
                Throws.TypeOf<GuestStateException>().With.Message.Contain("no console log yet"));
            Assert.That(() => _host.Host.ConsoleLogAsync("nobody").ToListAsync().AsTask(), Throws.TypeOf<GuestNotFoundException>());
        }
    }

    // A VM whose console log (written by QEMU from its start; here by the test) holds text.
    private string VmWithLog(string text)
    {
        var name = _host.NewName("log");
        _host.Install(name, GuestType.Qemu);
        var guest = GuestName.Parse(name);
        Directory.CreateDirectory(_host.Paths.GuestState(guest));
        File.WriteAllText(_host.Paths.ConsoleLog(guest), text);
        return name;
    }
}
