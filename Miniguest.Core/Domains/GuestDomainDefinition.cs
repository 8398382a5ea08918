namespace Miniguest.Core;

/// <summary>A guest's domain as Miniguest would define it: its XML, what keeps its guest from writing to the host's
/// store, its network interfaces, the guest's configuration it was built from, whether it gives the memory its guest
/// frees back to the host (a VM's free page reporting), and whether a container lives in the host's network namespace.</summary>
public sealed record GuestDomainDefinition(string Xml, Guid Uuid, StoreProtection Protection, ValueList<GuestInterface> Interfaces,
    GuestConfig Config, bool FreePageReporting = false, bool HostNetwork = false)
{
    /// <summary>The host directories the admin gave the guest's shares; the other shares are in the guest's own.</summary>
    public ValueList<GivenShareSource> GivenShareSources { get; init; } = [];

    /// <summary>What the domain keeps of the original miniguest's domain it takes over (<see cref="DomainOptions.TakeOver"/>);
    /// <see langword="null"/> when it takes over none.</summary>
    public TakenOverDomain? TakenOver { get; init; }

    /// <summary>The changes to the guest's credentials that defining the domain makes (<see cref="DomainOptions.Credentials"/>).</summary>
    internal IReadOnlyDictionary<string, byte[]?>? CredentialChanges { get; init; }

    /// <summary>The domain <see cref="Xml"/> describes, as built.</summary>
    internal DomainDescription Description { get; init; } = null!;

    /// <summary>The tags of the shares in the guest's own directories (<see cref="MiniguestPaths.ShareDirectory"/>).</summary>
    public IEnumerable<string> OwnShareTags => Config.Shares.Select(share => share.Tag).Where(tag => GivenShareSources.All(given => given.Tag != tag));
}
