using Miniguest.Tests.Integration;

namespace Miniguest.Tests;

/// <summary>What every namespace's tests share for the whole run, removed once the last test ran: the staged test
/// guest, which the Integration, Reliability and Packaging tests all build from, in whatever order they run.</summary>
[SetUpFixture]
public sealed class WholeRun
{
    [OneTimeTearDown]
    public void RemoveStagedTestGuest() => TestGuestFlake.DeleteStaging();
}
