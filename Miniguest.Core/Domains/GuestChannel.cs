namespace Miniguest.Core;

/// <summary>The channel between the host and Miniguest's agent inside a guest (the guest module's <c>miniguest-agent</c>
/// service), the same byte stream for both guest types, opened through libvirt, so that it works on another host's
/// domain as on this host's, and needs no network and no SSH in the guest: a VM's virtio-serial port, which the guest
/// sees as <c>/dev/virtio-ports/org.miniguest.agent.0</c>; a container's second console, its <c>/dev/tty2</c> (libvirt gives
/// the first as <c>/dev/console</c> and <c>/dev/tty1</c>). No host
/// process ever enters the guest: the agent reads one request a line and decides what it runs.</summary>
internal static class GuestChannel
{
    /// <summary>The VM's virtio-serial port's name (libvirt's <c>&lt;channel&gt;</c> target).</summary>
    public const string PortName = "org.miniguest.agent.0";

    /// <summary>The container's console that is the channel: its second (libvirt's alias for it).</summary>
    public const string ContainerConsole = "console1";

    /// <summary>The protocol the agent speaks, as it says in answer to <c>hello</c>.</summary>
    public const string Hello = "agent 1";
}
