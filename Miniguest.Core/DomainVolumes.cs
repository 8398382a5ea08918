namespace Miniguest.Core;

/// <summary>What a guest's domain gives it as volumes, as <see cref="GuestVolumes.CheckAtStart"/> checks it before every
/// start on the host the domain is on (there by its agent, for a guest of another host): a VM's disks, or a container's
/// binds of its volumes' directories with the host id of its root.</summary>
/// <param name="Disks">Every disk of a VM: Miniguest gives a VM no disk but its volumes'.</param>
/// <param name="Directories">The sources of a container's binds that lie among the guest's volumes.</param>
/// <param name="MappedRoot">The host id of a user-namespaced container's root; <see langword="null"/> otherwise.</param>
internal sealed record DomainVolumes(IReadOnlyList<VolumeDisk> Disks, IReadOnlyList<string> Directories, uint? MappedRoot)
{
    /// <summary>The volumes of <paramref name="description"/>, guest <paramref name="name"/>'s domain on the host whose files
    /// are at <paramref name="paths"/>.</summary>
    public static DomainVolumes Of(MiniguestPaths paths, GuestName name, DomainDescription description)
    {
        ArgumentNullException.ThrowIfNull(description);
        return description.Container is { } container
            ? new([], [.. container.Shares.Select(bind => bind.Source).Where(source => GuestVolumes.VolumeOf(paths, name, source, suffix: "") is not null)],
                container.UserNamespace?.UidTarget)
            : new([.. description.Vm!.Volumes], [], null);
    }
}
