namespace Miniguest.Libvirt;

/// <summary>A domain's state (<c>virDomainState</c>).</summary>
public enum DomainState
{
    /// <summary>No state.</summary>
    NoState = 0,

    /// <summary>Running.</summary>
    Running = 1,

    /// <summary>Blocked on a resource.</summary>
    Blocked = 2,

    /// <summary>Paused by a user.</summary>
    Paused = 3,

    /// <summary>Being shut down.</summary>
    Shutdown = 4,

    /// <summary>Shut off.</summary>
    Shutoff = 5,

    /// <summary>Crashed.</summary>
    Crashed = 6,

    /// <summary>Suspended by guest power management.</summary>
    PMSuspended = 7,
}

/// <summary>A domain's state and the state-specific reason code that libvirt gives for it
/// (<c>virDomainRunningReason</c>, <c>virDomainShutoffReason</c>, …).</summary>
public readonly record struct DomainStateInfo(DomainState State, int Reason)
{
    /// <summary>Whether the domain has a live process: running, blocked, paused, shutting down or suspended by
    /// the guest.</summary>
    public bool IsActive => State is DomainState.Running or DomainState.Blocked or DomainState.Paused
        or DomainState.Shutdown or DomainState.PMSuspended;
}
