namespace Miniguest.Core;

/// <summary>Settings of a guest's domain that <c>create</c> takes; <see langword="null"/> keeps what the domain
/// has (or the default, for a new one).</summary>
public sealed record DomainOptions
{
    /// <summary>The libvirt network a new guest is attached to when none is asked for, where it is active.</summary>
    public const string DefaultNetwork = "default";

    /// <summary>Memory in MiB (default 1024 for VMs, 512 for containers).</summary>
    public int? MemoryMiB { get; init; }

    /// <summary>Virtual CPUs (default 1).</summary>
    public int? VCpus { get; init; }

    /// <summary>KVM or software emulation (default: KVM where the host offers it).</summary>
    public VirtType? VirtType { get; init; }

    /// <summary>Give the memory a VM's guest frees back to the host: a virtio balloon with free page reporting (default
    /// off). VMs only.</summary>
    public bool? FreePageReporting { get; init; }

    /// <summary>What the guest's network interfaces are plugged into, in order; empty for none. A new domain gets one on
    /// libvirt's <c>default</c> network where that network is active, as virt-install does, and none otherwise.
    /// Interfaces keep their MAC addresses across re-definitions.</summary>
    public IReadOnlyList<NetworkAttachment>? Interfaces { get; init; }

    /// <summary>Whether a container lives in the host's network namespace, with no interface of its own (recorded in
    /// the domain's metadata and kept). A container otherwise always has a network namespace of its own, with only
    /// <c>lo</c> when it has no interface. <see langword="null"/> keeps what the domain has; interfaces asked for end
    /// it. Containers only.</summary>
    public bool? HostNetwork { get; init; }

    /// <summary>Define the domain even where nothing keeps its guest from writing to the host's store (recorded
    /// in the domain's metadata). Off unless given.</summary>
    public bool? AllowWritableStore { get; init; }

    /// <summary>The admin's host directories for the guest's shares, by tag; a <see langword="null"/> directory takes the
    /// admin's back (the guest's own directory serves again). Tags not given keep what the domain records. A share whose
    /// build output asks for a directory of its own needs one given here: a build output never chooses one.</summary>
    public IReadOnlyDictionary<string, string?>? ShareSources { get; init; }

    /// <summary>The guest's systemd credentials to give or take (<see cref="GuestCredentials"/>), by ID: a content gives one
    /// (or replaces it), <see langword="null"/> takes one away; the IDs not named keep what the guest has. Copied into
    /// Miniguest's state, readable by root alone (by the guest's root), and reaching the guest from its next start.</summary>
    public IReadOnlyDictionary<string, byte[]?>? Credentials { get; init; }

    /// <summary>Whether <see cref="Credentials"/> names every credential the guest keeps (a declaration): any other it has
    /// is taken away.</summary>
    public bool OnlyTheseCredentials { get; init; }

    /// <summary>Take over the domain of the guest's name that the original miniguest's <c>create</c> defined (a VM booting
    /// the kernel of the guest's link, with a <c>nix-store</c> share; see <see cref="TakenOverDomain"/>): the guest's domain
    /// is defined in its place with its UUID, its interfaces' MAC addresses on their networks or bridges, its memory, vCPUs
    /// and autostart, the settings given here winning. Any other domain of the guest's name is still refused, and so is
    /// the option where there is no domain to take over; a domain Miniguest defined for the guest is simply updated. Off
    /// unless given; VMs of this host only (the original defined no other).</summary>
    public bool TakeOver { get; init; }

    /// <summary>The type the caller takes the guest to be (the original miniguest's <c>create -t libvirt|lxc</c>): a guest
    /// of the other type is refused before anything is defined. <see langword="null"/>: whatever its build output says.</summary>
    public GuestType? ExpectedType { get; init; }
}
