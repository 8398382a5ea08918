using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>Opens the libvirt connections Core uses: <see cref="LibvirtConnector"/> in the product; one onto libvirt's
/// own test driver in tests of the verbs.</summary>
internal interface ILibvirtConnector
{
    /// <summary>A connection to <paramref name="uri"/> that may change domains.</summary>
    /// <exception cref="LibvirtException">libvirt cannot connect.</exception>
    Connection Open(string uri);

    /// <summary>A connection to <paramref name="uri"/> that only looks.</summary>
    /// <exception cref="LibvirtException">libvirt cannot connect.</exception>
    Connection OpenReadOnly(string uri);
}

/// <summary>Connects to the daemon each URI names; a system connection that refuses a user who is not root is a
/// <see cref="RootRequiredException"/>.</summary>
internal sealed class LibvirtConnector : ILibvirtConnector
{
    /// <summary>The one instance: it holds nothing.</summary>
    public static LibvirtConnector Instance { get; } = new();

    private LibvirtConnector()
    {
    }

    /// <inheritdoc/>
    public Connection Open(string uri) => Connect(uri, Connection.Open);

    /// <inheritdoc/>
    public Connection OpenReadOnly(string uri) => Connect(uri, Connection.OpenReadOnly);

    private static Connection Connect(string uri, Func<string, Connection> open)
    {
        try
        {
            return open(uri);
        }
        catch (LibvirtException e) when (RootAccess.Refused(uri, e, Environment.IsPrivilegedProcess))
        {
            throw new RootRequiredException(uri, e);
        }
    }
}
