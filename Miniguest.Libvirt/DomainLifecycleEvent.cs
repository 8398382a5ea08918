namespace Miniguest.Libvirt;

/// <summary>What happened to a domain: libvirt's <c>virDomainEventType</c>.</summary>
public enum DomainEventType
{
    /// <summary>Defined or redefined (<c>VIR_DOMAIN_EVENT_DEFINED</c>).</summary>
    Defined = 0,

    /// <summary>Its persistent definition was removed (<c>VIR_DOMAIN_EVENT_UNDEFINED</c>).</summary>
    Undefined = 1,

    /// <summary>Started (<c>VIR_DOMAIN_EVENT_STARTED</c>).</summary>
    Started = 2,

    /// <summary>Paused (<c>VIR_DOMAIN_EVENT_SUSPENDED</c>).</summary>
    Suspended = 3,

    /// <summary>Running again after a pause (<c>VIR_DOMAIN_EVENT_RESUMED</c>).</summary>
    Resumed = 4,

    /// <summary>Stopped: shut down, destroyed, crashed, saved or migrated away (<c>VIR_DOMAIN_EVENT_STOPPED</c>).</summary>
    Stopped = 5,

    /// <summary>The guest is shutting down; <see cref="Stopped"/> follows once it has (<c>VIR_DOMAIN_EVENT_SHUTDOWN</c>).</summary>
    Shutdown = 6,

    /// <summary>Suspended by guest power management (<c>VIR_DOMAIN_EVENT_PMSUSPENDED</c>).</summary>
    PMSuspended = 7,

    /// <summary>The guest crashed (<c>VIR_DOMAIN_EVENT_CRASHED</c>).</summary>
    Crashed = 8,
}

/// <summary>
/// A domain lifecycle event (<c>VIR_DOMAIN_EVENT_ID_LIFECYCLE</c>).
/// </summary>
/// <param name="DomainName">The domain's name when the event was raised.</param>
/// <param name="DomainUuid">The domain's UUID.</param>
/// <param name="Type">What happened.</param>
/// <param name="Detail">The type-specific detail code libvirt gives with it (<c>virDomainEventStoppedDetailType</c>
/// for <see cref="DomainEventType.Stopped"/>, where 0 is a shutdown and 1 a destroy; <c>virDomainEventStartedDetailType</c>
/// for <see cref="DomainEventType.Started"/>, where 0 is a boot; and so on).</param>
public readonly record struct DomainLifecycleEvent(string DomainName, Guid DomainUuid, DomainEventType Type, int Detail);
