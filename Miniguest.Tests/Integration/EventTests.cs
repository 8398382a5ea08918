using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Integration;

/// <summary>Events from the real daemon: lifecycle events of a booting guest, and the close callback of a
/// connection whose daemon goes away (through a private relay, so that the shared daemon never does).</summary>
[TestFixture, Category(TestCategories.Integration), Parallelizable]
public sealed class EventTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    // The detail codes (virDomainEvent*DetailType).
    private const int ResumedUnpaused = 0;
    private const int StartedBooted = 0;
    private const int SuspendedPaused = 0;
    private const int ShutdownGuest = 1;
    private const int StoppedShutdown = 0;

    private string _scratch = "";

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("mgevt-").FullName;

    [TearDown]
    public void RemoveScratch() => Directory.Delete(_scratch, recursive: true);

    [Test]
    public async Task The_vm_guest_raises_started_then_stopped_as_it_boots_and_powers_itself_off()
    {
        var guest = await TestGuestFlake.BuildAsync("vm");
        var vm = TestDomains.Vm(guest, UniqueName("vm"), Path.Combine(_scratch, "console.log"));

        using var connection = Connection.Open("qemu:///system");
        var domain = connection.DefineDomain(DomainXml.Write(vm));
        try
        {
            var uuid = domain.Uuid;
            using var events = connection.SubscribeLifecycleEvents(domain);
            await GuestRun.BootToPowerOffAsync(domain);

            var seen = new List<DomainLifecycleEvent>();
            using var timeout = new CancellationTokenSource(Patience);
            await events.WaitForAsync(e =>
            {
                seen.Add(e);
                return e.Type == DomainEventType.Stopped;
            }, timeout.Token);
            foreach (var lifecycleEvent in seen)
            {
                TestContext.Out.WriteLine(lifecycleEvent);
            }

            // Started paused (its console is attached before it runs, as start --console does), then resumed. The
            // guest's own power-off is a shutdown "by the guest", then a stop "by shutdown".
            Assert.That(seen, Is.EqualTo(new[]
            {
                new DomainLifecycleEvent(vm.Name, uuid, DomainEventType.Started, StartedBooted),
                new DomainLifecycleEvent(vm.Name, uuid, DomainEventType.Suspended, SuspendedPaused),
                new DomainLifecycleEvent(vm.Name, uuid, DomainEventType.Resumed, ResumedUnpaused),
                new DomainLifecycleEvent(vm.Name, uuid, DomainEventType.Shutdown, ShutdownGuest),
                new DomainLifecycleEvent(vm.Name, uuid, DomainEventType.Stopped, StoppedShutdown),
            }));
        }
        finally
        {
            GuestRun.Remove(domain);
        }
    }

    [Test]
    public async Task A_daemon_that_hangs_up_raises_closed_with_end_of_file_and_cancels_connection_lost()
    {
        await using var relay = new DaemonSocketRelay();
        using var connection = Connection.Open(relay.Uri);
        var closed = new TaskCompletionSource<ConnectionCloseReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += (_, e) => closed.TrySetResult(e.Reason);
        var lost = connection.ConnectionLost;
        Assert.That(connection.IsAlive, Is.True);

        relay.Cut();

        var reason = await closed.Task.WaitAsync(Patience);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(reason, Is.EqualTo(ConnectionCloseReason.EndOfFile));
            Assert.That(lost.IsCancellationRequested, Is.True);
            Assert.That(connection.IsAlive, Is.False);
            // libvirt reports a call on the lost connection as an internal error of its RPC layer.
            Assert.That(() => connection.HostName, Throws.InstanceOf<ConnectionFailedException>()
                .With.Property(nameof(LibvirtException.ErrorDomain)).EqualTo(ErrorDomain.Rpc));
        }
    }

    [Test]
    public async Task Keep_alive_closes_a_connection_whose_daemon_falls_silent()
    {
        await using var relay = new DaemonSocketRelay();
        using var connection = Connection.Open(relay.Uri);
        var closed = new TaskCompletionSource<ConnectionCloseReason>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Closed += (_, e) => closed.TrySetResult(e.Reason);

        Assert.That(connection.SetKeepAlive(TimeSpan.FromSeconds(1), 1), Is.True, "libvirtd supports keep-alive");
        relay.Swallow();

        Assert.That(await closed.Task.WaitAsync(Patience), Is.EqualTo(ConnectionCloseReason.KeepAlive));
        Assert.That(connection.IsAlive, Is.False);
    }

    [Test]
    public async Task A_connection_disposed_before_its_daemon_hangs_up_raises_nothing()
    {
        await using var relay = new DaemonSocketRelay();
        var raised = 0;
        var connection = Connection.Open(relay.Uri);
        connection.Closed += (_, _) => Interlocked.Increment(ref raised);
        var lost = connection.ConnectionLost;

        connection.Dispose();
        relay.Cut();
        await Task.Delay(TimeSpan.FromSeconds(1));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(raised, Is.Zero);
            Assert.That(lost.IsCancellationRequested, Is.False);
        }
    }

    private static string UniqueName(string kind) => TestDomains.UniqueName("mgevt", kind);
}
