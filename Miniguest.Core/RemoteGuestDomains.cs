using Microsoft.Extensions.Logging;
using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>
/// The domain of a guest on another host, through that host's libvirtd: built from what the host says of the guest and of
/// itself (<see cref="TargetFacts"/>), by the same rules as a domain here; what it needs there (a container's root, its
/// shares' directories, its volumes) made ready there by its agent (<see cref="RemoteGuestFiles"/>); recorded here as a
/// domain here is, so that finding it again, listing it and removing it are the same as here; and started only once the
/// host's own answers say that its store is protected and that the domain boots from files in its store, and its agent
/// found its volumes as Miniguest made them there.
/// </summary>
internal sealed class RemoteGuestDomains(GuestHostContext host)
{
    /// <summary>Where a guest's files are on another host: the standard locations, where its agent works.</summary>
    public static readonly MiniguestPaths HostPaths = new();

    /// <summary>The domain the guest on the host of <paramref name="site"/> would have, without defining it.</summary>
    public async Task<GuestDomainDefinition> BuildAsync(GuestName name, GuestSite site, DomainOptions options, CancellationToken cancellationToken)
    {
        using var there = Open(site);
        using var connection = site.Connect(host.Domains.Connector);
        using var existing = host.Domains.FindExisting(connection, name, takeOver: false, HostPaths);
        return await BuildAsync(name, there, connection, options, existing, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Defines the guest's domain on its host, or updates the one it has there; the caller disposes of the domain.</summary>
    /// <returns>The domain, its definition, and the XML of the domain that ran when it was defined, if one did.</returns>
    public async Task<(Domain Domain, GuestDomainDefinition Definition, string? RanXml)> DefineAsync(GuestName name, GuestSite site, DomainOptions options,
        CancellationToken cancellationToken)
    {
        using var there = Open(site);
        {
            using var connection = site.Connect(host.Domains.Connector);
            using var existing = host.Domains.FindExisting(connection, name, takeOver: false, HostPaths);
            var definition = await BuildAsync(name, there, connection, options, existing, cancellationToken).ConfigureAwait(false);
            var ids = definition.Description.Container?.UserNamespace;
            CrashPoint.Reach(CrashPoint.PrepareContainerRoot);
            var remote = there.Files;
            await remote.PrepareAsync(name, definition.Config.GuestType, definition.Uuid, SshTarget.UriOnTarget(site.Uri), ids,
                [.. definition.OwnShareTags], definition.Config.Volumes, definition.CredentialChanges, cancellationToken).ConfigureAwait(false);
            // The generations the domain needs rooted there, as here (Define.HereAsync): the one it runs, where it
            // runs, which the new definition may leave; and the one it is defined on, made before the definition names it.
            await remote.RootAsync(name, GuestRoots.Booted, existing.Own is { IsActive: true } running
                ? DomainXml.ReadMetadataElement(running.Handle.GetMetadata(GuestMetadata.Namespace))?.StorePath
                : null, cancellationToken).ConfigureAwait(false);
            await remote.RootAsync(name, GuestRoots.Defined, definition.Description.Metadata?.StorePath, cancellationToken).ConfigureAwait(false);
            return (host.Domains.DefineRecorded(connection, name, definition), definition, existing.Own is { IsActive: true } ran ? ran.Xml : null);
        }
    }

    /// <summary>Makes <paramref name="domain"/>, of the guest on the host of <paramref name="site"/>, ready to start: refuses
    /// it as <see cref="GuestDomains.EnsureSafeToStart(GuestDomain, GuestName)"/> does here, with the host's mounts and its own resolution
    /// of the files the domain boots from, its volumes checked there by its agent, then roots there the generation it boots
    /// (<see cref="GuestRoots.Booted"/>).</summary>
    /// <param name="name">The guest.</param>
    /// <param name="site">Its host.</param>
    /// <param name="domain">Its domain there.</param>
    /// <param name="opened">The command's own session with the host, if it opened one already (<see cref="Open"/>).</param>
    /// <param name="cancellationToken">Cancels the checks.</param>
    public async Task<StoreProtection> PrepareToStartAsync(GuestName name, GuestSite site, GuestDomain domain, OtherHost? opened,
        CancellationToken cancellationToken)
    {
        var description = domain.Description;
        using var own = opened is null ? Open(site) : null;
        var there = opened ?? own!;
        {
            var (target, remote) = (there.Target, there.Files);
            // The files first, by what the domain names; the store each must lie in depends on the host's mounts, asked for
            // in the same command.
            var named = StartSafety.BootFiles(description, new MountTable([], target.Host)).Select(file => file.Path).ToList();
            var facts = await remote.DescribeAsync(name, named, cancellationToken).ConfigureAwait(false);
            ShareSourceGuard.RequireOwn(name, description, HostPaths);
            // Its volumes are checked there, by the same code as here, on the files as they are there now.
            if (DomainVolumes.Of(HostPaths, name, description) is { } volumes && volumes.Disks.Count + volumes.Directories.Count > 0)
            {
                await remote.CheckVolumesAsync(name, volumes, cancellationToken).ConfigureAwait(false);
            }
            StartSafety.RequireOwnCredentials(name, description, HostPaths);
            StartSafety.RequireOwnNetwork(description);
            var protection = StartSafety.EnsureProtected(description, facts.Mounts, (path, store) =>
            {
                var index = named.IndexOf(path);
                return index >= 0 && facts.Paths[index] is { } real
                    ? NixStore.RequireInside(path, real.RealPath, store)
                    : throw new GuestFileException(path, $"missing on {target.Host}");
            });
            await remote.RootAsync(name, GuestRoots.Booted, domain.Metadata?.StorePath, cancellationToken).ConfigureAwait(false);
            return protection;
        }
    }

    /// <summary>Drops the root of the generation the stopped guest on the host of <paramref name="site"/> ran there.</summary>
    public async Task DropBootedAsync(GuestName name, GuestSite site, CancellationToken cancellationToken)
    {
        using var there = Open(site);
        await there.Files.RootAsync(name, GuestRoots.Booted, null, cancellationToken).ConfigureAwait(false);
    }

    private async Task<GuestDomainDefinition> BuildAsync(GuestName name, OtherHost there, Connection connection,
        DomainOptions options, ExistingDomain existing, CancellationToken cancellationToken)
    {
        var target = there.Target;
        // The original miniguest defined domains only on its own host.
        if (options.TakeOver)
        {
            throw new InvalidDomainOptionsException($"guest '{name}' lives on {target.Host}: only a domain of a guest of this host can be taken over");
        }
        var facts = await there.Files.DescribeAsync(name, [], cancellationToken).ConfigureAwait(false);
        var system = facts.RequireSystem(name, target.Host);
        // Only the guest's own share directories there, which the target makes through its own checks: the rules for a
        // directory of the admin's are this host's to check (ShareSourceGuard), not yet the other host's.
        if (system.Config.Shares.FirstOrDefault(share => share.Source is not null || options.ShareSources?.GetValueOrDefault(share.Tag) is not null)
            is { } given)
        {
            throw new InvalidDomainOptionsException(
                $"share '{given.Tag}': a guest on another host ({target.Host}) shares only its own directories there, not one of a given path");
        }
        // A container's id range is chosen here from the ranges recorded there, and recorded there by the preparation,
        // which refuses it if another guest's record holds it by then.
        return host.Domains.Build(connection, name, system, new GuestMetadata(name.Value, facts.Generation, system.Directory), options, HostPaths,
            facts.Mounts, facts.UserNamespaces, facts.Credentials, existing, (own, inUse) => ContainerIds.Mapping(ContainerIds.Choose(name, facts.IdRanges, own, inUse)));
    }

    /// <summary>The other host of <paramref name="site"/> for one command: one login, and its agent over it, started at once
    /// so that its login overlaps libvirt's; the caller disposes of it.</summary>
    public OtherHost Open(GuestSite site)
    {
        var target = site.Target ?? throw new InvalidDomainOptionsException($"'{site.Uri}' names no other host reached over SSH");
        var session = new SshSession(target);
        var files = host.FilesOn(site, session);
        files.StartEarly();
        return new OtherHost(target, session, files);
    }

    /// <summary>Another host for one command: one login, and one agent over it, ended before the login.</summary>
    public sealed record OtherHost(SshTarget Target, SshSession Session, RemoteGuestFiles Files) : IDisposable
    {
        public void Dispose()
        {
            Files.Dispose();
            Session.Dispose();
        }
    }
}
