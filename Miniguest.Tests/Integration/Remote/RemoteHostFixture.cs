using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Integration.Remote;

/// <summary>A <see cref="HostFixture"/> with a second host simulated for the whole fixture (<see cref="RemoteHost"/>),
/// which each test's <c>miniguest</c> reaches over SSH.</summary>
public abstract class RemoteHostFixture : HostFixture
{
    /// <summary>Where the simulated host keeps the guests' profiles.</summary>
    protected const string Profiles = "/nix/var/nix/profiles/miniguest-profiles";

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

    [TearDown]
    public void LeaveNothingThere()
    {
        Remote.SetAgentEnvironment();
        // A test that failed half-way still leaves the other host as it found it, for the next test.
        if (!Remote.PathExists(Profiles))
        {
            return;
        }
        Remote.Exec("sh", "-c", "for uri in qemu:///system lxc:///; do for domain in $(virsh -c $uri list --all --name); do "
            + "virsh -c $uri destroy $domain; virsh -c $uri undefine $domain; done; done >/dev/null 2>&1");
        Remote.Exec("sh", "-c", $"rm -f /etc/miniguests/* {Profiles}/*; rm -rf /var/lib/miniguest/guests/* /var/lib/miniguest/shares/*");
        Remote.StartSshdIfStopped();
        Remote.StartLibvirtdIfStopped();
    }
}
