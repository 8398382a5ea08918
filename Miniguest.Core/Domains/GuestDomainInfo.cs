namespace Miniguest.Core;

/// <summary>What a survey found of a guest's domain.</summary>
/// <param name="IsActive">Whether it runs.</param>
/// <param name="DefinedByMiniguest">Whether it is the guest's domain; if not, Miniguest leaves it alone.</param>
/// <param name="Metadata">Miniguest's metadata in its current description (the live one while it runs), when the survey
/// read it: always for a running domain of Miniguest's.</param>
/// <param name="Protection">What keeps its guest from writing to the host's store, when the survey assessed it.</param>
/// <param name="Autostart">Whether it starts with the host.</param>
/// <param name="Addresses">The addresses of a running domain of Miniguest's (<see cref="GuestAddresses"/>).</param>
/// <param name="Interfaces">Its network interfaces, when the survey read its whole description.</param>
/// <param name="FreePageReporting">Whether a VM gives the memory its guest frees back to the host, when the survey read its
/// whole description; <see langword="null"/> for a container.</param>
/// <param name="HostNetwork">Whether a container lives in the host's network namespace, when the survey read its whole
/// description; <see langword="null"/> for a VM.</param>
/// <param name="MemoryMiB">Its memory, when the survey read its whole description.</param>
/// <param name="VCpus">Its vCPUs, when the survey read its whole description.</param>
internal sealed record GuestDomainInfo(bool IsActive, bool DefinedByMiniguest, GuestMetadata? Metadata, StoreProtection? Protection,
    bool Autostart = false, IReadOnlyList<GuestAddress>? Addresses = null, ValueList<GuestInterface>? Interfaces = null,
    bool? FreePageReporting = null, bool? HostNetwork = null, int? MemoryMiB = null, int? VCpus = null);
