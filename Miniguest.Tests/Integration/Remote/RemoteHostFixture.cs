using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Integration.Remote;

/// <summary>A <see cref="HostFixture"/> with a second host simulated for the whole fixture (<see cref="RemoteHost"/>),
/// which each test's <c>miniguest</c> reaches over SSH.</summary>
public abstract class RemoteHostFixture : HostFixture
{
    private RemoteHost? _remote;

    /// <summary>The simulated host.</summary>
    internal RemoteHost Remote => _remote ?? throw new InvalidOperationException("the simulated host is up only while the fixture runs");

    [OneTimeSetUp]
    public void BringUpTheOtherHost()
    {
        RemoteHost.RequirePrerequisites();
        _remote = new RemoteHost();
    }

    [OneTimeTearDown]
    public void TakeDownTheOtherHost() => _remote?.Dispose();

    [SetUp]
    public void ReachTheOtherHost()
    {
        foreach (var (variable, value) in Remote.Environment)
        {
            Host.Environment[variable] = value;
        }
    }
}
