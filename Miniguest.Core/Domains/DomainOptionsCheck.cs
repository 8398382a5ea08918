using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>What a domain's settings must fit, the guest's type and the host, so that <c>create</c> refuses them rather than
/// a later start.</summary>
internal static class DomainOptionsCheck
{
    /// <summary>Refuses <paramref name="options"/> for guest <paramref name="name"/> of <paramref name="type"/> on the host of
    /// <paramref name="connection"/> where they do not fit.</summary>
    /// <exception cref="InvalidDomainOptionsException">They do not fit: the message says what and why.</exception>
    public static void Check(Connection connection, GuestName name, GuestType type, DomainOptions options)
    {
        if (options.ExpectedType is { } expected && expected != type)
        {
            throw new InvalidDomainOptionsException(
                $"'{name}' is {(type == GuestType.Lxc ? "a container" : "a VM")}, not {(expected == GuestType.Lxc ? "a container" : "a VM")} as -t says");
        }
        if (type == GuestType.Lxc && options.VirtType is not null)
        {
            throw new InvalidDomainOptionsException($"'{name}' is a container: a virtualisation type (kvm or qemu) applies to VMs only");
        }
        if (type == GuestType.Lxc && options.FreePageReporting is not null)
        {
            throw new InvalidDomainOptionsException($"'{name}' is a container: free page reporting applies to VMs only (a container's memory is the host's)");
        }
        if (type == GuestType.Lxc && options.TakeOver)
        {
            throw new InvalidDomainOptionsException($"'{name}' is a container: only a VM's domain can be taken over (the original miniguest "
                + "defined no libvirt domain for a container)");
        }
        if (options.HostNetwork == true && type != GuestType.Lxc)
        {
            throw new InvalidDomainOptionsException($"'{name}' is a VM: sharing the host's network namespace applies to containers only");
        }
        if (options.HostNetwork == true && options.Interfaces is { Count: > 0 })
        {
            throw new InvalidDomainOptionsException("a container that shares the host's network namespace has no interface of its own");
        }
        foreach (var attachment in options.Interfaces ?? [])
        {
            CheckAttachment(connection, attachment);
        }
        var host = options.MemoryMiB is null && options.VCpus is null ? null : connection.GetNodeInfo();
        if (options.MemoryMiB is { } memory && host!.MemoryKiB is var hostKiB && (ulong)memory * 1024 > hostKiB)
        {
            throw new InvalidDomainOptionsException($"{memory} MiB of memory is more than the host has ({hostKiB / 1024} MiB)");
        }
        if (options.VCpus is { } vcpus && host!.Cpus is var cpus && vcpus > cpus)
        {
            throw new InvalidDomainOptionsException($"{vcpus} vCPUs are more than the host has CPUs ({cpus})");
        }
    }

    private static void CheckAttachment(Connection connection, NetworkAttachment attachment)
    {
        switch (attachment.Type)
        {
            case AttachmentType.Network when !connection.TryGetNetwork(attachment.Source, out _):
                throw new InvalidDomainOptionsException(
                    $"there is no libvirt network '{attachment.Source}' on {connection.RequestedUri} (virsh net-list --all lists them)");
            case AttachmentType.Bridge when !HostBridges.IsValidName(attachment.Source):
                throw new InvalidDomainOptionsException($"'{attachment.Source}' is not a network interface name");
            // Only this host's bridges can be looked at; a remote daemon refuses a missing one when the guest starts.
            case AttachmentType.Bridge when IsLocal(connection.RequestedUri) && !HostBridges.Exists(attachment.Source):
                throw new InvalidDomainOptionsException($"there is no bridge '{attachment.Source}' on this host (ip link show type bridge lists them)");
        }
    }

    private static bool IsLocal(string uri) => Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && parsed.Host.Length == 0;
}
