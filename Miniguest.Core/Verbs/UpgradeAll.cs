using System.Runtime.CompilerServices;

namespace Miniguest.Core;

/// <summary>Upgrading every guest <c>miniguest install</c> made (<see cref="GuestHost.PlanUpgradeAllAsync"/>,
/// <see cref="GuestHost.UpgradeAllAsync"/>): which guests, chosen from the listing, then each upgraded as
/// <see cref="Upgrade"/> does, one after the other; a guest that cannot be upgraded for a reason of its own is skipped
/// with why, and the others are still upgraded.</summary>
internal static class UpgradeAll
{
    public static async Task<UpgradePlan> PlanAsync(GuestHostContext host, CancellationToken cancellationToken) =>
        UpgradePlan.Of(await new GuestLister(host)
            .ListAsync(withProtection: false, cancellationToken).ConfigureAwait(false));

    public static async IAsyncEnumerable<UpgradedGuest> RunAsync(GuestHostContext host, UpgradePlan plan, bool buildOnTarget,
        Func<string, IProgress<NixProgress>?>? progress, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var name in plan.Guests)
        {
            UpgradedGuest upgraded;
            var guestProgress = progress?.Invoke(name);
            try
            {
                // The plan is the caller's: each of its names enters here.
                var (result, domain) = await Upgrade.RunAsync(host, GuestName.Parse(name), buildOnTarget, guestProgress, cancellationToken)
                    .ConfigureAwait(false);
                upgraded = new UpgradedGuest(name, result, domain);
            }
            catch (GuestSourceNotRecordedException e)
            {
                // The others are still upgraded: this one needs the admin to name its flake once more.
                upgraded = new UpgradedGuest(name, null, null, new SkippedGuest(name, e.Message));
            }
            finally
            {
                (guestProgress as IDisposable)?.Dispose();
            }
            yield return upgraded;
        }
    }
}
