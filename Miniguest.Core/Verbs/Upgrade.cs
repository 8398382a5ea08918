namespace Miniguest.Core;

/// <summary>Upgrading a guest (<see cref="GuestHost.UpgradeAsync"/>) under its lock, where it lives: a new generation
/// when its flake moved, then its domain brought up to date unless another upgrade held the guest.</summary>
internal static class Upgrade
{
    public static async Task<(UpgradeResult Upgrade, DomainResync? Domain)> RunAsync(GuestHostContext host, GuestName name, bool buildOnTarget,
        IProgress<NixProgress>? progress, CancellationToken cancellationToken)
    {
        using var guestLock = await host.LockAsync(name, cancellationToken).ConfigureAwait(false);
        if (host.Elsewhere(name) is { } site)
        {
            var target = site.Target!;
            UpgradeResult upgraded;
            using (var session = new SshSession(target))
            using (var remote = host.FilesOn(site, session))
            {
                upgraded = await host.Installer.UpgradeRemoteAsync(name, host.RemoteGuests.Get(name)!, target, remote, session, buildOnTarget, progress,
                    cancellationToken).ConfigureAwait(false);
            }
            return (upgraded, upgraded.Outcome == UpgradeOutcome.Locked ? null
                : await Resync.ElsewhereAsync(host, name, site, cancellationToken).ConfigureAwait(false));
        }
        var result = await host.Installer.UpgradeAsync(name, progress, cancellationToken).ConfigureAwait(false);
        return (result, result.Outcome == UpgradeOutcome.Locked ? null
            : await Resync.HereAsync(host, host.Store.Get(name), cancellationToken).ConfigureAwait(false));
    }
}
