using System.Threading.Channels;

namespace Miniguest.Libvirt;

/// <summary>
/// The lifecycle events of one domain, or of every domain of a connection, from
/// <see cref="Connection.SubscribeLifecycleEvents"/>: queued in the order libvirt raises them until read.
/// </summary>
/// <remarks>It ends, and its reader completes, when it or its connection is disposed. Unread events are kept
/// without bound. Thread-safe.</remarks>
public sealed class DomainLifecycleSubscription : IDisposable
{
    private readonly LifecycleEventSource _source;
    private readonly Guid? _domain;
    private readonly Channel<DomainLifecycleEvent> _events = Channel.CreateUnbounded<DomainLifecycleEvent>();
    private int _disposed;

    internal DomainLifecycleSubscription(LifecycleEventSource source, Guid? domain)
    {
        _source = source;
        _domain = domain;
    }

    /// <summary>The events, as they arrive. It completes when the subscription ends.</summary>
    public ChannelReader<DomainLifecycleEvent> Reader => _events.Reader;

    /// <summary>The events, as they arrive, until the subscription ends.</summary>
    public IAsyncEnumerable<DomainLifecycleEvent> ReadAllAsync(CancellationToken cancellationToken = default) =>
        _events.Reader.ReadAllAsync(cancellationToken);

    /// <summary>Reads events until one matches and returns it; the events before it are consumed. Subscribe before
    /// acting on the domain, then wait: an event raised in between is not missed.</summary>
    /// <exception cref="ChannelClosedException">The subscription ended first.</exception>
    public async ValueTask<DomainLifecycleEvent> WaitForAsync(Func<DomainLifecycleEvent, bool> match,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(match);
        await foreach (var lifecycleEvent in ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (match(lifecycleEvent))
            {
                return lifecycleEvent;
            }
        }
        throw new ChannelClosedException("The subscription ended before a matching event arrived");
    }

    /// <summary>Stops delivery and completes <see cref="Reader"/>; events already queued can still be read.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _source.Unsubscribe(this);
        _events.Writer.TryComplete();
    }

    // On the event loop thread; neither may throw.
    internal void Deliver(in DomainLifecycleEvent lifecycleEvent)
    {
        if (_domain is not { } domain || domain == lifecycleEvent.DomainUuid)
        {
            _events.Writer.TryWrite(lifecycleEvent);
        }
    }

    internal void Fail(Exception error) => _events.Writer.TryComplete(error);

    internal void Complete() => _events.Writer.TryComplete();
}
