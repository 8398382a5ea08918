namespace Miniguest.Core;

/// <summary>How <see cref="GuestHost.ApplyAsync"/> works through a host's declared guests.</summary>
public sealed record ApplyOptions
{
    /// <summary>How many guests are started, restarted or removed at once (default 4); each is defined on its own first.</summary>
    public int Jobs { get; init; } = 4;

    /// <summary>How long a guest restarted or removed is given to shut down before it is forced off (default 60 s).</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(60);
}

/// <summary>What <see cref="GuestHost.ApplyAsync"/> did to a guest's domain.</summary>
public enum AppliedDomain
{
    /// <summary>It was defined already, with the guest's current generation and settings.</summary>
    Unchanged,

    /// <summary>It was defined, the guest having none.</summary>
    Defined,

    /// <summary>It was defined again, with the guest's current generation or new settings.</summary>
    Updated,

    /// <summary>The guest is no longer declared: its domain was undefined (shut down first where it ran) and its state
    /// deleted; its data stays.</summary>
    Removed,
}

/// <summary>Whether <see cref="GuestHost.ApplyAsync"/> started a declared guest.</summary>
public enum AppliedRun
{
    /// <summary>It was left as it was: running, or stopped.</summary>
    None,

    /// <summary>It starts with the host and was not running: it was started.</summary>
    Started,

    /// <summary>It ran an older generation and asks to restart when changed: it was shut down and started on its new one.</summary>
    Restarted,

    /// <summary>It ran an older generation and asks to switch when changed: it moved to its new one without a restart.</summary>
    Switched,
}

/// <summary>What <see cref="GuestHost.ApplyAsync"/> did to one guest, declared or no longer; where it failed, how far it
/// got and why.</summary>
/// <param name="Name">The guest's name.</param>
public sealed record AppliedGuest(string Name)
{
    /// <summary>The libvirt URI of its domain, where apply got as far as defining it.</summary>
    public string? Uri { get; init; }

    /// <summary>What became of its domain.</summary>
    public AppliedDomain Domain { get; init; }

    /// <summary>Whether it was started, restarted or switched.</summary>
    public AppliedRun Run { get; init; }

    /// <summary>How it was shut down, for a restart or before its removal; <see langword="null"/> where it was not.</summary>
    public StopOutcome? Stop { get; init; }

    /// <summary>What went wrong with this guest; the others were applied all the same.</summary>
    public Exception? Error { get; init; }
}
