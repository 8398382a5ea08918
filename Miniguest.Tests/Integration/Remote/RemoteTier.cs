namespace Miniguest.Tests.Integration.Remote;

/// <summary>The second host the Remote tier's fixtures share, simulated once for them all (bringing one up takes seconds),
/// when the first of them needs it, and taken down after the last.</summary>
[SetUpFixture]
public sealed class RemoteTier
{
    private static readonly Lazy<RemoteHost> Shared = new(() =>
    {
        RemoteHost.RequirePrerequisites();
        return new RemoteHost();
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The simulated host, brought up on first use.</summary>
    internal static RemoteHost Host => Shared.Value;

    [OneTimeTearDown]
    public void TakeDownTheOtherHost()
    {
        if (Shared.IsValueCreated)
        {
            Shared.Value.Dispose();
        }
    }
}
