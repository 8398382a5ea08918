using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>A declared guest, as <see cref="Apply"/> brings it in line: its domain defined under its lock, where its URI
/// says; then, its lock still held, what it needs besides (a start, a restart), as work that waits for one of the jobs.
/// A failure ends this guest's work, and no one else's.</summary>
internal static class ApplyDeclared
{
    public static async Task<Task<AppliedGuest>> RunAsync(GuestHostContext host, GuestName name, DeclarativeGuest settings, ApplyOptions options,
        SemaphoreSlim jobs, CancellationToken cancellationToken)
    {
        GuestLock? guestLock = null;
        try
        {
            guestLock = await host.LockAsync(name, cancellationToken).ConfigureAwait(false);
            var defined = await DefineAsync(host, host.Store.Get(name), settings, cancellationToken).ConfigureAwait(false);
            return StartAsync(host, defined, settings, guestLock, options, jobs, cancellationToken);
        }
        catch (Exception e)
        {
            // Cancelled too: a lock left to the finalizer would leave its file behind.
            guestLock?.Dispose();
            if (e is OperationCanceledException)
            {
                throw;
            }
            return Task.FromResult(new AppliedGuest(name.Value) { Error = e });
        }
    }

    // A declared guest's domain, as apply defined it, and what that changed.
    private sealed record DeclaredDomain(Guest Guest, GuestSite Site, GuestDomain Domain, AppliedDomain Change);

    // A declared guest's domain defined where its uri says: on this host, or on another, where its closure is copied and
    // its profile there moved to it first; with whether it starts with the host recorded.
    private static async Task<DeclaredDomain> DefineAsync(GuestHostContext host, Guest guest, DeclarativeGuest settings, CancellationToken cancellationToken)
    {
        var config = guest.LoadConfig();
        var uri = settings.Uri ?? GuestDomains.DefaultUri(config.GuestType);
        var options = new DomainOptions
        {
            MemoryMiB = settings.Memory,
            VCpus = settings.Vcpus,
            Interfaces = settings.Attachments,
            HostNetwork = settings.HostNetwork,
            ShareSources = settings.ShareSources(config.Shares.Select(share => share.Tag)),
            Credentials = await settings.ReadCredentialsAsync(cancellationToken).ConfigureAwait(false),
            OnlyTheseCredentials = true,
        };
        var site = GuestSite.At(uri);
        string? before;
        Domain defined;
        if (site.Target is { } target)
        {
            using (var connection = site.Connect(host.Connector))
            using (var existing = host.Domains.Find(connection, guest.Name))
            {
                before = existing?.Xml;
            }
            await host.Installer.PlaceRemoteAsync(guest, target, host.Logger, cancellationToken).ConfigureAwait(false);
            defined = (await host.RemoteDomains.DefineAsync(guest.Name, site, options, cancellationToken).ConfigureAwait(false)).Domain;
        }
        else
        {
            using var connection = site.Connect(host.Connector);
            using var existing = host.Domains.FindExisting(connection, guest.Name, takeOver: false, host.Paths);
            before = existing.Own?.Xml;
            defined = await Define.HereAsync(host, connection, guest, host.Domains.Build(connection, guest, options, existing, allocate: true), existing,
                cancellationToken).ConfigureAwait(false);
        }
        // The domain as now defined, described once: what changed, and what its start boots.
        var domain = new GuestDomain(defined, defined.GetXml(DomainXmlFlags.Inactive));
        try
        {
            var change = before is null ? AppliedDomain.Defined
                : Resync.SameDefinition(domain.Xml, before) ? AppliedDomain.Unchanged : AppliedDomain.Updated;
            CrashPoint.Reach(CrashPoint.SetAutostart);
            // Here, apply starts the guest itself once its domain is on its current generation: libvirtd would start it
            // before apply runs, on the generation it was defined on (the one before a `nixos-rebuild boot`). Another
            // host boots without this host's apply: its libvirtd starts the guest there.
            domain.Handle.Autostart = !site.IsHere && settings.Autostart;
            var state = new GuestStateDirectory(host.Paths, guest.Name);
            if (site.IsHere && settings.Autostart)
            {
                state.Write(host.Paths.DeclaredAutostartFile(guest.Name), "");
            }
            else
            {
                state.DeleteFile(host.Paths.DeclaredAutostartFile(guest.Name));
            }
            return new DeclaredDomain(guest, site, domain, change);
        }
        catch
        {
            domain.Dispose();
            throw;
        }
    }

    // A declared guest switched to its new generation if it asks for that and only its userspace changed; else started if
    // it starts with the host and is not running, or restarted on its new generation if it asks for that, once one of the
    // jobs is free; then its lock and domain let go.
    private static async Task<AppliedGuest> StartAsync(GuestHostContext host, DeclaredDomain defined, DeclarativeGuest settings, GuestLock guestLock,
        ApplyOptions options, SemaphoreSlim jobs, CancellationToken cancellationToken)
    {
        var (guest, site, domain, change) = defined;
        var applied = new AppliedGuest(guest.Name.Value) { Uri = site.Uri, Domain = change };
        using (guestLock)
        using (domain)
        {
            var changed = host.Domains.Status(domain.Handle, guest) == GuestStatus.Outdated;
            if (changed && settings.SwitchIfChanged && Switch.SwitchesAlone(guest, domain.Handle))
            {
                try
                {
                    await Switch.LockedAsync(host, guest, domain.Handle, output: null, cancellationToken).ConfigureAwait(false);
                    return applied with { Run = AppliedRun.Switched };
                }
                catch (GuestAgentException) when (settings.RestartIfChanged)
                {
                    // Its generation has no agent that answers: a restart moves it, and its next generation switches.
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    return applied with { Error = e };
                }
            }
            var restart = changed && settings.RestartIfChanged;
            if (!restart && !(settings.Autostart && !domain.IsActive))
            {
                return applied;
            }
            try
            {
                await jobs.WaitAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    if (restart)
                    {
                        var stopped = await Stop.DomainAsync(host, site, domain.Handle, guest.Name, options.StopTimeout, force: true, cancellationToken)
                            .ConfigureAwait(false);
                        await Start.CheckedAsync(host, site, guest.Name, domain, paused: false, cancellationToken).ConfigureAwait(false);
                        return applied with { Run = AppliedRun.Restarted, Stop = stopped };
                    }
                    if (domain.IsActive)
                    {
                        return applied; // started meanwhile, by libvirtd or an admin
                    }
                    await Start.CheckedAsync(host, site, guest.Name, domain, paused: false, cancellationToken).ConfigureAwait(false);
                    return applied with { Run = AppliedRun.Started };
                }
                finally
                {
                    jobs.Release();
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                return applied with { Error = e };
            }
        }
    }
}
