namespace Miniguest.Core;

/// <summary>Where a guest stands as its console is attached (<see cref="GuestConsole"/>): it decides what is done once
/// the console is open, what is undone when it cannot be, and what a refusal means.</summary>
internal enum ConsoleStart
{
    /// <summary>It ran before: another session may hold its console.</summary>
    AlreadyRunning,

    /// <summary>A VM started paused for this console: resumed once the console is open, stopped again when it cannot be
    /// (it never ran), and no other session can have held its console.</summary>
    StartedPaused,

    /// <summary>Started running, as libvirt-LXC starts a container: its first output may be gone before the console is
    /// open.</summary>
    StartedRunning,
}
