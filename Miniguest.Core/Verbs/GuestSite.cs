using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>Where a command finds a guest's domain, decided once at the start of the command and handed to each of its
/// steps: on this host (<see cref="Target"/> is <see langword="null"/>), or on another host, reached over SSH.</summary>
/// <param name="Uri">The libvirt URI of the domain's host.</param>
/// <param name="Target">The other host <paramref name="Uri"/> names; <see langword="null"/> for this host.</param>
internal sealed record GuestSite(string Uri, SshTarget? Target)
{
    /// <summary>The site <paramref name="uri"/> names.</summary>
    /// <exception cref="InvalidDomainOptionsException">It has an SSH transport but names no host, or names a port.</exception>
    public static GuestSite At(string uri) => new(uri, SshTarget.FromLibvirtUri(uri));

    /// <summary>Whether the domain is on this host.</summary>
    public bool IsHere => Target is null;

    /// <summary>Opens the connection to the site's libvirtd through <paramref name="connector"/>.</summary>
    /// <exception cref="RemoteHostException">Another host's daemon cannot be reached: what libvirt said, with the host's
    /// name.</exception>
    public Connection Connect(ILibvirtConnector connector)
    {
        try
        {
            return connector.Open(Uri);
        }
        catch (ConnectionFailedException e) when (Target is not null)
        {
            throw new RemoteHostException(Target.Host, "its libvirt daemon cannot be reached: " + e.Message);
        }
    }
}
