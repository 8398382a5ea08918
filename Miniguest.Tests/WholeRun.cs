using Miniguest.Cli;
using Miniguest.Tests.Integration;

namespace Miniguest.Tests;

/// <summary>What every namespace's tests share for the whole run: the libvirt library the environment names, as the
/// miniguest command loads it, for the tests that connect themselves; and the staged test guest, which the Integration,
/// Reliability and Packaging tests all build from, in whatever order they run, removed once the last test ran.</summary>
[SetUpFixture]
public sealed class WholeRun
{
    [OneTimeSetUp]
    public void LoadLibvirtFromTheEnvironment() => LibvirtLocation.ApplyEnvironment();

    [OneTimeTearDown]
    public void RemoveStagedTestGuest() => TestGuestFlake.DeleteStaging();
}
