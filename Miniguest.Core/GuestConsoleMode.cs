namespace Miniguest.Core;

/// <summary>What a <see cref="GuestConsole"/> is opened for.</summary>
public enum GuestConsoleMode
{
    /// <summary>Both ways: the guest's console itself, held by this session (libvirt lets one session at a time have it).</summary>
    Interactive,

    /// <summary>The guest's output only, complete. A VM of this host's is read from its console log, which QEMU writes every
    /// byte to, those its console loses too, and its console stays free for another session; any other guest from its
    /// console.</summary>
    Output,
}
