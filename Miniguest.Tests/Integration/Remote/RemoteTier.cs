namespace Miniguest.Tests.Integration.Remote;

/// <summary>The second host the Remote tier's fixtures share, simulated once for them all (bringing one up takes seconds),
/// when the first of them needs it, and taken down after the last integration test (by <see cref="IntegrationEnvironment"/>).
/// Not a set-up fixture of its own: the tier's fixtures then queue in their namespace's place among the others, and the
/// longest of them starts before the reliability fixtures rather than after them.</summary>
internal static class RemoteTier
{
    private static readonly Lazy<RemoteHost> Shared = new(() =>
    {
        RemoteHost.RequirePrerequisites();
        return new RemoteHost();
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The simulated host, brought up on first use.</summary>
    public static RemoteHost Host => Shared.Value;

    /// <summary>Takes the simulated host down, if it was brought up.</summary>
    public static void TakeDown()
    {
        if (Shared.IsValueCreated)
        {
            Shared.Value.Dispose();
        }
    }
}
