namespace Miniguest.Tests.Integration.Cli;

/// <summary>A test fixture whose every test gets a host layout of its own (<see cref="MiniguestHost"/>), removed
/// with the domains made on it when the test ends.</summary>
public abstract class HostFixture
{
    private MiniguestHost? _host;

    /// <summary>This test's host layout.</summary>
    internal MiniguestHost Host => _host ?? throw new InvalidOperationException("the host exists only while a test runs");

    [SetUp]
    public void CreateHost() => _host = new MiniguestHost();

    [TearDown]
    public void RemoveHost()
    {
        _host?.Dispose();
        _host = null;
    }
}
