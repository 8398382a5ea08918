using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Integration.Remote;

/// <summary>A <see cref="HostFixture"/> with the tier's simulated second host (<see cref="RemoteTier"/>), which each test's
/// <c>miniguest</c> reaches over SSH, left after each test as the test found it.</summary>
public abstract class RemoteHostFixture : HostFixture
{
    /// <summary>Where the simulated host keeps the guests' profiles.</summary>
    protected const string Profiles = "/nix/var/nix/profiles/miniguest-profiles";

    /// <summary>The simulated host.</summary>
    internal RemoteHost Remote => RemoteTier.Host;

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
        Remote.Exec("sh", "-c", $"rm -f /etc/miniguests/* {Profiles}/*; rm -rf /var/lib/miniguest/guests/* /var/lib/miniguest/shares/* /var/lib/miniguest/volumes/*");
        Remote.StartSshdIfStopped();
        Remote.StartLibvirtdIfStopped();
    }
}
