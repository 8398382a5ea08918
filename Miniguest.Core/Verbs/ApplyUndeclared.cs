namespace Miniguest.Core;

/// <summary>A guest declared before and no longer, as <see cref="Apply"/> removes it under its lock and once one of the
/// jobs is free: shut down as a stop does (forced off after the time given), its domain undefined and its state deleted;
/// its data stays.</summary>
internal static class ApplyUndeclared
{
    public static async Task<AppliedGuest> RunAsync(GuestHostContext host, GuestName name, ApplyOptions options, SemaphoreSlim jobs,
        CancellationToken cancellationToken)
    {
        var removed = new AppliedGuest(name.Value) { Domain = AppliedDomain.Removed };
        try
        {
            using var guestLock = await host.LockAsync(name, cancellationToken).ConfigureAwait(false);
            await jobs.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                return await RemoveAsync(host, name, removed, options.StopTimeout, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                jobs.Release();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return removed with { Error = e };
        }
    }

    private static async Task<AppliedGuest> RemoveAsync(GuestHostContext host, GuestName name, AppliedGuest removed, TimeSpan stopTimeout,
        CancellationToken cancellationToken)
    {
        var uriFile = host.Paths.ConnectionUriFile(name);
        if (!File.Exists(uriFile))
        {
            return removed;
        }
        var site = GuestSite.At(SmallFile.ReadText(uriFile).Trim());
        removed = removed with { Uri = site.Uri };
        using (var connection = site.Connect(host.Connector))
        using (var domain = host.Domains.Find(connection, name))
        {
            if (domain is not null)
            {
                if (domain.IsActive)
                {
                    removed = removed with { Stop = await Stop.DomainAsync(host, site, domain.Handle, name, stopTimeout, force: true, cancellationToken).ConfigureAwait(false) };
                }
                CrashPoint.Reach(CrashPoint.UndefineDomain);
                domain.Handle.Undefine();
            }
        }
        if (site.Target is { } target)
        {
            using var remote = host.FilesOn(site, session: null);
            await remote.UnlinkAsync(name, purge: false, keptDomain: false, cancellationToken).ConfigureAwait(false);
        }
        CrashPoint.Reach(CrashPoint.DeleteState);
        new GuestStateDirectory(host.Paths, name).Delete();
        return removed;
    }
}
