using System.Threading.Channels;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Libvirt;

/// <summary>Domain lifecycle events from the test driver, dispatched by the library's event loop thread. Open
/// connections to <c>test:///default</c> share one driver state, so every test uses domain names of its own and
/// looks only at their events.</summary>
[TestFixture, Category(TestCategories.Libvirt)]
public sealed class LifecycleEventTests
{
    private const string TestUri = "test:///default";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    // The detail codes the test driver gives (virDomainEvent*DetailType).
    private const int DefinedAdded = 0;
    private const int UndefinedRemoved = 0;
    private const int StartedBooted = 0;
    private const int StoppedDestroyed = 1;

    [Test]
    public async Task Define_start_destroy_undefine_raise_defined_started_stopped_undefined_in_order()
    {
        using var connection = Connection.Open(TestUri);
        using var events = connection.SubscribeLifecycleEvents();
        var name = UniqueName();
        Guid uuid;
        using (var domain = connection.DefineDomain(MinimalDomainXml(name)))
        {
            uuid = domain.Uuid;
            domain.Start();
            domain.Destroy();
            domain.Undefine();
        }

        var seen = await ReadEventsOfAsync(events, name, count: 4);

        Assert.That(seen, Is.EqualTo(new[]
        {
            new DomainLifecycleEvent(name, uuid, DomainEventType.Defined, DefinedAdded),
            new DomainLifecycleEvent(name, uuid, DomainEventType.Started, StartedBooted),
            new DomainLifecycleEvent(name, uuid, DomainEventType.Stopped, StoppedDestroyed),
            new DomainLifecycleEvent(name, uuid, DomainEventType.Undefined, UndefinedRemoved),
        }));
    }

    [Test]
    public async Task A_subscription_to_one_domain_sees_none_of_another_domains_events()
    {
        using var connection = Connection.Open(TestUri);
        var watchedName = UniqueName();
        using var watched = await DefineSettledAsync(connection, watchedName);
        using var events = connection.SubscribeLifecycleEvents(watched);

        using (var other = connection.DefineDomain(MinimalDomainXml(UniqueName())))
        {
            other.Start();
            other.Destroy();
            other.Undefine();
        }
        watched.Start();
        watched.Destroy();
        watched.Undefine();

        // libvirt dispatches in order: the other domain's events, had they been delivered, would come first.
        var seen = new List<DomainLifecycleEvent>();
        using var timeout = new CancellationTokenSource(Patience);
        await foreach (var lifecycleEvent in events.ReadAllAsync(timeout.Token))
        {
            seen.Add(lifecycleEvent);
            if (lifecycleEvent.Type == DomainEventType.Undefined)
            {
                break;
            }
        }
        using (Assert.EnterMultipleScope())
        {
            Assert.That(seen.Select(e => e.DomainName), Has.All.EqualTo(watchedName));
            Assert.That(seen.Select(e => e.Type),
                Is.EqualTo(new[] { DomainEventType.Started, DomainEventType.Stopped, DomainEventType.Undefined }));
        }
    }

    [Test]
    public async Task Every_subscription_on_a_connection_receives_every_event()
    {
        // libvirt takes a callback function only once per connection and filter, so the subscriptions share one
        // registration: this pins that they all still hear everything.
        using var connection = Connection.Open(TestUri);
        using var first = connection.SubscribeLifecycleEvents();
        using var second = connection.SubscribeLifecycleEvents();
        var name = UniqueName();
        using var domain = connection.DefineDomain(MinimalDomainXml(name));
        var defined = await ReadEventsOfAsync(first, name, 1); // dispatched: the next subscriptions cannot see it
        using var third = connection.SubscribeLifecycleEvents(domain);
        using var fourth = connection.SubscribeLifecycleEvents(domain);
        domain.Start();
        domain.Destroy();
        domain.Undefine();

        var expected = new[] { DomainEventType.Defined, DomainEventType.Started, DomainEventType.Stopped, DomainEventType.Undefined };
        using (Assert.EnterMultipleScope())
        {
            Assert.That(defined.Concat(await ReadEventsOfAsync(first, name, 3)).Select(e => e.Type), Is.EqualTo(expected));
            Assert.That((await ReadEventsOfAsync(second, name, 4)).Select(e => e.Type), Is.EqualTo(expected));
            Assert.That((await ReadEventsOfAsync(third, name, 3)).Select(e => e.Type), Is.EqualTo(expected[1..]));
            Assert.That((await ReadEventsOfAsync(fourth, name, 3)).Select(e => e.Type), Is.EqualTo(expected[1..]));
        }
    }

    [Test]
    public async Task Disposing_a_subscription_completes_its_reader_and_stops_its_delivery()
    {
        using var connection = Connection.Open(TestUri);
        var disposed = connection.SubscribeLifecycleEvents();
        using var witness = connection.SubscribeLifecycleEvents();

        disposed.Dispose();
        var name = UniqueName();
        using (var domain = connection.DefineDomain(MinimalDomainXml(name)))
        {
            domain.Undefine();
        }
        // The witness proves that events were dispatched after the dispose; none reached the disposed subscription.
        await ReadEventsOfAsync(witness, name, count: 2);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(disposed.Reader.Completion.IsCompletedSuccessfully, Is.True);
            Assert.That(disposed.Reader.TryRead(out _), Is.False);
            Assert.That(disposed.Dispose, Throws.Nothing, "a second Dispose");
        }
    }

    [Test]
    public void Subscriptions_share_one_registration_that_lasts_until_the_connection_is_disposed()
    {
        var connection = Connection.Open(TestUri);
        var source = connection.LifecycleEvents;
        Assert.That(source.IsRegistered, Is.False, "nothing is registered before the first subscription");
        var first = connection.SubscribeLifecycleEvents();
        var second = connection.SubscribeLifecycleEvents();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(source.IsRegistered, Is.True);
            Assert.That(source.LiveCallbackHandles, Is.EqualTo(1), "one registration for both");
        }

        first.Dispose();
        second.Dispose();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(source.IsRegistered, Is.True, "kept, as removing it can stall libvirt's event queue");
            Assert.That(source.LiveCallbackHandles, Is.EqualTo(1));
        }

        connection.Dispose();
        Assert.That(source.IsRegistered, Is.False);
        Assert.That(() => source.LiveCallbackHandles, Is.Zero.After(5).Seconds.PollEvery(10).MilliSeconds,
            "libvirt's free callback released the handle");
    }

    [Test]
    public async Task Events_queued_before_the_dispose_can_still_be_read()
    {
        using var connection = Connection.Open(TestUri);
        using var domain = await DefineSettledAsync(connection, UniqueName());
        var events = connection.SubscribeLifecycleEvents(domain);
        domain.Start();
        domain.Destroy();
        Assert.That(() => events.Reader.Count, Is.EqualTo(2).After(5).Seconds.PollEvery(10).MilliSeconds);

        events.Dispose();

        var seen = new List<DomainEventType>();
        await foreach (var lifecycleEvent in events.ReadAllAsync())
        {
            seen.Add(lifecycleEvent.Type);
        }
        Assert.That(seen, Is.EqualTo(new[] { DomainEventType.Started, DomainEventType.Stopped }));
        domain.Undefine();
    }

    [Test]
    public async Task Many_subscriptions_come_and_go_while_events_are_dispatched()
    {
        using var connection = Connection.Open(TestUri);
        var name = UniqueName();
        using var stop = new CancellationTokenSource();
        // Events keep coming while subscriptions are made and disposed from several threads, so that registration
        // and deregistration race the dispatch on the event loop thread (libvirt then defers the free callback).
        var churn = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var domain = connection.DefineDomain(MinimalDomainXml(name));
                domain.Undefine();
            }
        });
        var subscriptions = new System.Collections.Concurrent.ConcurrentBag<DomainLifecycleSubscription>();
        try
        {
            Parallel.For(0, 2000, _ =>
            {
                var subscription = connection.SubscribeLifecycleEvents();
                subscriptions.Add(subscription);
                subscription.Dispose();
            });
        }
        finally
        {
            await stop.CancelAsync();
            await churn;
        }

        using (Assert.EnterMultipleScope())
        {
            Assert.That(subscriptions.Select(s => s.Reader.Completion.IsCompleted), Has.All.True);
            Assert.That(connection.LifecycleEvents.LiveCallbackHandles, Is.EqualTo(1));
        }
        // And events still flow to a new subscription: with a registration per subscription, libvirt 9.0's event
        // queue stalled here.
        using var events = connection.SubscribeLifecycleEvents();
        var last = UniqueName();
        using (var domain = connection.DefineDomain(MinimalDomainXml(last)))
        {
            domain.Undefine();
        }
        await ReadEventsOfAsync(events, last, 2);
    }

    [Test]
    public void Disposing_the_connection_ends_its_subscriptions()
    {
        var connection = Connection.Open(TestUri);
        var events = connection.SubscribeLifecycleEvents();
        var source = connection.LifecycleEvents;

        connection.Dispose();

        using (Assert.EnterMultipleScope())
        {
            Assert.That(events.Reader.Completion.IsCompletedSuccessfully, Is.True);
            Assert.That(source.IsRegistered, Is.False);
            Assert.That(() => source.LiveCallbackHandles, Is.Zero.After(5).Seconds.PollEvery(10).MilliSeconds);
            Assert.Throws<ObjectDisposedException>(() => connection.SubscribeLifecycleEvents());
            Assert.That(events.Dispose, Throws.Nothing, "disposing the ended subscription");
        }
    }

    [Test]
    public async Task WaitForAsync_skips_to_the_first_match_and_fails_once_the_subscription_ends()
    {
        using var connection = Connection.Open(TestUri);
        var name = UniqueName();
        using var domain = connection.DefineDomain(MinimalDomainXml(name));
        var events = connection.SubscribeLifecycleEvents(domain);
        domain.Start();
        domain.Destroy();

        using var timeout = new CancellationTokenSource(Patience);
        var stopped = await events.WaitForAsync(e => e.Type == DomainEventType.Stopped, timeout.Token);
        events.Dispose();

        Assert.That(stopped, Is.EqualTo(new DomainLifecycleEvent(name, domain.Uuid, DomainEventType.Stopped, StoppedDestroyed)));
        Assert.That(async () => await events.WaitForAsync(_ => true, timeout.Token), Throws.InstanceOf<ChannelClosedException>());
        domain.Undefine();
    }

    private static string UniqueName() => $"mgevt-{Guid.NewGuid():N}";

    private static string MinimalDomainXml(string name) =>
        $"<domain type='test'><name>{name}</name><memory unit='MiB'>64</memory><os><type>hvm</type></os></domain>";

    /// <summary>Defines a domain and waits until its Defined event has been dispatched, so that a subscription made
    /// next does not receive it.</summary>
    private static async Task<Domain> DefineSettledAsync(Connection connection, string name)
    {
        using var settle = connection.SubscribeLifecycleEvents();
        var domain = connection.DefineDomain(MinimalDomainXml(name));
        await ReadEventsOfAsync(settle, name, count: 1);
        return domain;
    }

    /// <summary>Reads until <paramref name="count"/> events of the named domain have arrived, skipping others.</summary>
    private static async Task<List<DomainLifecycleEvent>> ReadEventsOfAsync(DomainLifecycleSubscription events, string name, int count)
    {
        var seen = new List<DomainLifecycleEvent>();
        using var timeout = new CancellationTokenSource(Patience);
        while (seen.Count < count)
        {
            var lifecycleEvent = await events.Reader.ReadAsync(timeout.Token);
            if (lifecycleEvent.DomainName == name)
            {
                seen.Add(lifecycleEvent);
            }
        }
        return seen;
    }
}
