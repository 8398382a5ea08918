namespace Miniguest.Core;

/// <summary>Rolling a guest back (<see cref="GuestHost.RollbackAsync"/>) under its lock, where it lives: to the generation
/// asked for or the one before the current, then its domain brought up to date.</summary>
internal static class Rollback
{
    public static async Task<RollbackResult> RunAsync(GuestHostContext host, GuestName name, int? to, CancellationToken cancellationToken)
    {
        using var guestLock = await host.LockAsync(name, cancellationToken).ConfigureAwait(false);
        if (host.Elsewhere(name) is { } site)
        {
            Generation rolledBack;
            using (var remote = host.FilesOn(site, session: null))
            {
                rolledBack = await remote.RollbackAsync(name, to, cancellationToken).ConfigureAwait(false);
            }
            return new RollbackResult(rolledBack, await Resync.ElsewhereAsync(host, name, site, cancellationToken).ConfigureAwait(false));
        }
        var generation = await host.Files.RollbackAsync(name, to, cancellationToken).ConfigureAwait(false);
        return new RollbackResult(generation, await Resync.HereAsync(host, host.Store.Get(name), cancellationToken).ConfigureAwait(false));
    }
}
