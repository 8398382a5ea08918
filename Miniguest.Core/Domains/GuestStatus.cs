namespace Miniguest.Core;

/// <summary>Where a guest's domain stands against its installed generation.</summary>
internal enum GuestStatus
{
    /// <summary>No domain is defined for the guest.</summary>
    NotDefined,

    /// <summary>The domain is defined and not running.</summary>
    Stopped,

    /// <summary>The domain runs the guest's current generation.</summary>
    Current,

    /// <summary>The domain runs the current generation's userspace, switched to without a restart, with the kernel, initrd
    /// or kernel command line of the generation it booted: a restart boots the current generation's.</summary>
    RestartPending,

    /// <summary>The domain runs another generation than the current one: restart it to run the current one.</summary>
    Outdated,
}
