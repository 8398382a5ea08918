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

/// <summary>A <see cref="HostFixture"/> whose every test also gets a copy of the test guest's flake of its own to change
/// (<see cref="TestGuestFlake.CopyForEditing"/>: to make an upgrade, say), deleted when the test ends.</summary>
public abstract class EditableFlakeFixture : HostFixture
{
    private string? _flake;

    /// <summary>This test's copy of the flake.</summary>
    internal string Flake => _flake ?? throw new InvalidOperationException("the copy exists only while a test runs");

    [SetUp]
    public void CopyFlake() => _flake = TestGuestFlake.CopyForEditing();

    [TearDown]
    public void DeleteFlake()
    {
        if (_flake is not null)
        {
            Directory.Delete(_flake, recursive: true);
            _flake = null;
        }
    }
}
