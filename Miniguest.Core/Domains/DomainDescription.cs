namespace Miniguest.Core;

/// <summary>A domain of Miniguest's shape, parsed once: a VM or a container (<see cref="DomainXml.Read"/>), and what the
/// checks before a start ask of either.</summary>
internal sealed record DomainDescription
{
    private DomainDescription(VmDomain? vm, ContainerDomain? container) => (Vm, Container) = (vm, container);

    /// <summary>The VM; <see langword="null"/> for a container.</summary>
    public VmDomain? Vm { get; }

    /// <summary>The container; <see langword="null"/> for a VM.</summary>
    public ContainerDomain? Container { get; }

    /// <summary>Whether it is a container (libvirt-LXC's).</summary>
    public bool IsContainer => Container is not null;

    /// <summary>The domain's name.</summary>
    public string Name => Vm?.Name ?? Container!.Name;

    /// <summary>Miniguest's metadata; <see langword="null"/> when it has none.</summary>
    public GuestMetadata? Metadata => Vm is not null ? Vm.Metadata : Container!.Metadata;

    /// <summary>Its shares besides the store and <c>boot</c>.</summary>
    public ValueList<SharedDirectory> Shares => Vm?.Shares ?? Container!.Shares;

    /// <summary>The description of <paramref name="vm"/>.</summary>
    public static DomainDescription Of(VmDomain vm) => new(vm, null);

    /// <summary>The description of <paramref name="container"/>.</summary>
    public static DomainDescription Of(ContainerDomain container) => new(null, container);
}
