namespace Miniguest.Core;

/// <summary>What a definition of a guest's domain starts from (<see cref="GuestDomains.FindExisting"/>): the domain
/// Miniguest defined for it, or what is kept of the original miniguest's domain it takes over, or neither for a new one.
/// Disposing of it lets go of the domain.</summary>
/// <param name="Own">The guest's domain, as found once for the command; <see langword="null"/> when it has none.</param>
/// <param name="TakenOver">What is kept of the original miniguest's domain taken over.</param>
internal sealed record ExistingDomain(GuestDomain? Own, TakenOverDomain? TakenOver) : IDisposable
{
    public void Dispose() => Own?.Dispose();
}
