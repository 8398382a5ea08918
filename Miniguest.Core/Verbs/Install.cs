namespace Miniguest.Core;

/// <summary>Installing a guest (<see cref="GuestHost.InstallAsync"/>): here, or on the other host it lives on.</summary>
internal static class Install
{
    /// <summary>Guest <paramref name="name"/> installed on the other host it lives on
    /// (<see cref="GuestHostContext.RemoteSiteOf"/>), else here.</summary>
    public static Task<InstallResult> RunAsync(GuestHostContext host, InstallableReference reference, GuestName name, bool force, bool buildOnTarget,
        IProgress<NixProgress>? progress, CancellationToken cancellationToken)
    {
        if (host.RemoteSiteOf(name) is { } site)
        {
            return RemoteAsync(host, site, reference, name, force, buildOnTarget, progress, cancellationToken);
        }
        return buildOnTarget
            ? throw new InvalidDomainOptionsException("--build-on-target builds on another host: name it with -c (qemu+ssh://root@HOST/system)")
            : HereAsync(host, reference, name, force, progress, cancellationToken);
    }

    // Built and installed here under its lock; with force over an installed one, whose domain is then brought up to date.
    private static async Task<InstallResult> HereAsync(GuestHostContext host, InstallableReference reference, GuestName name, bool force,
        IProgress<NixProgress>? progress, CancellationToken cancellationToken)
    {
        using var guestLock = await host.LockAsync(name, cancellationToken).ConfigureAwait(false);
        if (host.RemoteGuests.UriOf(name) is { } remoteUri)
        {
            throw new GuestStateException($"guest '{name}' lives on {remoteUri}: remove it there first, or give this one another name");
        }
        var guest = await host.Installer.InstallAsync(reference, name, force, progress, cancellationToken).ConfigureAwait(false);
        var domain = force ? await Resync.HereAsync(host, guest, cancellationToken).ConfigureAwait(false) : Resync.NoDomain;
        return new InstallResult(guest.Name.Value, guest.Profile.Current?.Number, guest.StorePath, Domain: domain);
    }

    // Built (here, or there with buildOnTarget) and installed on the other host of site under its lock, once no guest of
    // its name is of this host or recorded on another.
    private static async Task<InstallResult> RemoteAsync(GuestHostContext host, GuestSite site, InstallableReference reference, GuestName name,
        bool force, bool buildOnTarget, IProgress<NixProgress>? progress, CancellationToken cancellationToken)
    {
        var target = site.Target!;
        using var guestLock = await host.LockAsync(name, cancellationToken).ConfigureAwait(false);
        if (host.Store.Names().Contains(name))
        {
            throw new GuestStateException($"guest '{name}' is installed on this host: remove it here first, or give the other one another name");
        }
        if (host.RemoteGuests.UriOf(name) is { } recorded && recorded != site.Uri)
        {
            throw new GuestStateException($"guest '{name}' lives on {recorded}: remove it there first, or give the new one another name");
        }
        int generation;
        string storePath;
        using (var session = new SshSession(target))
        using (var remote = host.FilesOn(site, session))
        {
            (generation, storePath) = await host.Installer.InstallRemoteAsync(reference.Installable, name, site.Uri, target, remote, session, force,
                buildOnTarget, progress, cancellationToken)
                .ConfigureAwait(false);
        }
        // As here: a replaced guest's domain there is defined again on the new generation.
        var domain = force ? await Resync.ElsewhereAsync(host, name, site, cancellationToken).ConfigureAwait(false) : Resync.NoDomain;
        return new InstallResult(name.Value, generation, storePath, target.Host, site.Uri, domain);
    }
}
