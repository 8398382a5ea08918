using System.Collections.Concurrent;
using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Verbs;

/// <summary>Connects Core to libvirt's own test driver, <c>test:///default</c> (the URI its host is told to act on), and
/// records each URI Core opens. The driver keeps its domains in this process while a connection to it is open:
/// <see cref="Keep"/> holds one.</summary>
internal sealed class TestDriverConnector : ILibvirtConnector, IDisposable
{
    public const string TestUri = "test:///default";

    private readonly Connection _keep = Connection.Open(TestUri);
    private readonly ConcurrentQueue<string> _opened = new();

    /// <summary>A connection of the test's own to the driver, to look at what Core did.</summary>
    public Connection Keep => _keep;

    /// <summary>The URIs Core opened, in order.</summary>
    public IReadOnlyList<string> Opened => [.. _opened];

    /// <summary>The URIs that fail to connect, as an unreachable daemon does.</summary>
    public HashSet<string> Unreachable { get; } = new(StringComparer.Ordinal);

    public Connection Open(string uri) => Connect(uri, Connection.Open);

    public Connection OpenReadOnly(string uri) => Connect(uri, Connection.OpenReadOnly);

    private Connection Connect(string uri, Func<string, Connection> open)
    {
        _opened.Enqueue(uri);
        // The test driver's own failure to connect: a definition file that is not there.
        return open(Unreachable.Contains(uri) ? "test:///nonexistent-definition.xml" : uri);
    }

    public void Dispose() => _keep.Dispose();
}
