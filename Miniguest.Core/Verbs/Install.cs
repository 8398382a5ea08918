namespace Miniguest.Core;

/// <summary>Installing a guest (<see cref="GuestHost.InstallAsync"/>, <see cref="GuestHost.InstallRemoteAsync"/>): here, or
/// on the other host given.</summary>
internal static class Install
{
    /// <summary>Guest <paramref name="name"/> (default: the attribute's name) built and installed here under its lock;
    /// with <paramref name="force"/> over an installed one, whose domain is then brought up to date.</summary>
    public static async Task<InstallResult> RunAsync(GuestHostContext host, InstallableReference reference, string? name, bool force,
        IProgress<NixProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        name = GuestName.Validate(name ?? reference.Attribute);
        using var guestLock = await host.LockAsync(name, cancellationToken).ConfigureAwait(false);
        if (host.RemoteGuests.UriOf(name) is { } remoteUri)
        {
            throw new GuestStateException($"guest '{name}' lives on {remoteUri}: remove it there first, or give this one another name");
        }
        var guest = await host.Installer.InstallAsync(reference, name, force, progress, cancellationToken).ConfigureAwait(false);
        return new InstallResult(guest, force ? await Resync.HereAsync(host, guest, cancellationToken).ConfigureAwait(false) : Resync.NoDomain);
    }

    /// <summary>Guest <paramref name="name"/> (default: the attribute's name) built (here, or there with
    /// <paramref name="buildOnTarget"/>) and installed on the other host named (<see cref="GuestHostContext.RemoteSiteOf"/>)
    /// under its lock, once no guest of its name is of this host or recorded on another.</summary>
    public static async Task<RemoteInstallResult> RemoteAsync(GuestHostContext host, InstallableReference reference, string? name, bool force,
        bool buildOnTarget, IProgress<NixProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        name = GuestName.Validate(name ?? reference.Attribute);
        var site = host.RemoteSiteOf(name) ?? throw new InvalidDomainOptionsException(
            $"no other host is named: give its libvirt URI with an SSH transport, such as -c qemu+ssh://root@HOST/system");
        var target = site.Target!;
        using var guestLock = await host.LockAsync(name, cancellationToken).ConfigureAwait(false);
        if (host.Store.Names().Contains(name, StringComparer.Ordinal))
        {
            throw new GuestStateException($"guest '{name}' is installed on this host: remove it here first, or give the other one another name");
        }
        if (host.RemoteGuests.UriOf(name) is { } recorded && recorded != site.Uri)
        {
            throw new GuestStateException($"guest '{name}' lives on {recorded}: remove it there first, or give the new one another name");
        }
        using var session = new SshSession(target);
        var remote = new RemoteTarget(target, session, host.Logger);
        var (generation, storePath) = await host.Installer.InstallRemoteAsync(reference.Installable, name, site.Uri, target, remote, session, force,
            buildOnTarget, progress, cancellationToken)
            .ConfigureAwait(false);
        return new RemoteInstallResult(name, site.Uri, target.Host, generation, storePath);
    }
}
