namespace Miniguest.Core;

/// <summary>Domain settings that do not fit the guest (a virtualisation type or free page reporting for a container) or the
/// host (a network or bridge it does not have, more memory than it has).</summary>
public sealed class InvalidDomainOptionsException(string message) : MiniguestException(message);

/// <summary>A domain of a guest's name exists but was not defined by Miniguest: it is never touched, unless it looks like one
/// the original miniguest's <c>create</c> defined and taking it over was asked for (<see cref="DomainOptions.TakeOver"/>).</summary>
public sealed class ForeignDomainException : MiniguestException
{
    internal ForeignDomainException(string name, string uri, bool looksLikeOriginal)
        : base($"domain '{name}' on {uri} was not defined by Miniguest (it has no Miniguest metadata"
            + (looksLikeOriginal ? "; it looks like one the original miniguest's create defined" : "") + "); refusing to touch it")
    {
        Name = name;
        LooksLikeOriginal = looksLikeOriginal;
    }

    internal ForeignDomainException(string name, string uri, string notTheOriginals)
        : base($"domain '{name}' on {uri} was not defined by Miniguest, and does not look like one the original miniguest's create "
            + $"defined ({notTheOriginals}); refusing to take it over")
    {
        Name = name;
    }

    /// <summary>The domain's name.</summary>
    public string Name { get; }

    /// <summary>Whether it looks like a domain the original miniguest's <c>create</c> defined for the guest, which
    /// <see cref="DomainOptions.TakeOver"/> takes over.</summary>
    public bool LooksLikeOriginal { get; }
}
