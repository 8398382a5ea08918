using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>Defining a guest's domain (<see cref="GuestHost.DefineAsync"/>, <see cref="GuestHost.BuildDefinitionAsync"/>),
/// and the definition on this host every verb that defines one goes through.</summary>
internal static class Define
{
    /// <summary>The domain <see cref="RunAsync"/> would define, without defining it.</summary>
    public static async Task<GuestDomainDefinition> BuildAsync(GuestHostContext host, GuestName name, DomainOptions options,
        CancellationToken cancellationToken)
    {
        if (host.Elsewhere(name) is { } site)
        {
            return await host.RemoteDomains.BuildAsync(name, site, options, cancellationToken).ConfigureAwait(false);
        }
        var guest = host.Store.Get(name);
        using var connection = host.SiteOf(guest).Connect(host.Connector);
        using var existing = host.Domains.FindExisting(connection, name, options.TakeOver, host.Paths);
        return host.Domains.Build(connection, guest, options, existing, allocate: false);
    }

    /// <summary>The guest's domain defined, or updated, or taken over, on the host the guest lives on, under its lock.</summary>
    public static async Task<DefinedDomain> RunAsync(GuestHostContext host, GuestName name, DomainOptions options, CancellationToken cancellationToken)
    {
        // A guest whose files are broken fails before anything is made for it, its lock included.
        var (loadedFrom, system) = host.Elsewhere(name) is null && host.Store.Get(name) is var here ? (here.StorePath, here.LoadSystem()) : default;
        using var guestLock = await host.LockAsync(name, cancellationToken).ConfigureAwait(false);
        // Where it lives is asked again under its lock, where nothing else changes it.
        if (host.Elsewhere(name) is { } site)
        {
            var (remote, remoteDefinition, ranXml) = await host.RemoteDomains.DefineAsync(name, site, options, cancellationToken).ConfigureAwait(false);
            using (remote)
            {
                return new DefinedDomain(remoteDefinition, site.Uri, RemoteGuestDomains.HostPaths)
                {
                    ChangedWhileRunning = ranXml is not null && !Resync.SameDefinition(remote.GetXml(DomainXmlFlags.Inactive), ranXml),
                    CredentialsChangedWhileRunning = ranXml is not null && options.Credentials is { Count: > 0 },
                };
            }
        }
        var guest = host.Store.Get(name);
        using var connection = host.SiteOf(guest).Connect(host.Connector);
        using var existing = host.Domains.FindExisting(connection, name, options.TakeOver, host.Paths);
        // The system read before the lock, unless an upgrade or a rollback moved the guest meanwhile.
        var definition = host.Domains.Build(connection, guest, options, existing, allocate: true, guest.StorePath == loadedFrom ? system : null);
        using var defined = await HereAsync(host, connection, guest, definition, existing, cancellationToken).ConfigureAwait(false);
        return new DefinedDomain(definition, connection.RequestedUri, host.Paths)
        {
            ChangedWhileRunning = existing.Own is { IsActive: true } running
                && !Resync.SameDefinition(defined.GetXml(DomainXmlFlags.Inactive), running.Xml),
            CredentialsChangedWhileRunning = existing.Own is { IsActive: true } && options.Credentials is { Count: > 0 },
            InactiveNetworks = InactiveNetworks(connection, definition.Interfaces),
        };
    }

    /// <summary>The libvirt networks of <paramref name="interfaces"/> that are defined on the connection but not active.</summary>
    public static IReadOnlyList<string> InactiveNetworks(Connection connection, IEnumerable<GuestInterface> interfaces) =>
        [.. interfaces.Where(nic => nic.Attachment.Type == AttachmentType.Network).Select(nic => nic.Attachment.Source).Distinct(StringComparer.Ordinal)
            .Where(network => connection.TryGetNetwork(network, out var active) && !active)];

    /// <summary>The guest's domain defined on this host, with the generations it needs rooted (<see cref="GuestRoots"/>):
    /// first the one it runs, where it runs, which the new definition may leave; then, once defined, the one it is
    /// defined on. That one is the guest's current generation, which its profile (or a declaring host's system) roots
    /// meanwhile: a command cut short between the two loses no root a guest needs. <paramref name="existing"/> is the domain
    /// the definition was built from.</summary>
    public static async Task<Domain> HereAsync(GuestHostContext host, Connection connection, Guest guest, GuestDomainDefinition definition,
        ExistingDomain existing, CancellationToken cancellationToken)
    {
        // The generation a running domain runs is in its live metadata. A domain taken over runs, if it does, no
        // generation Miniguest knows of: there is none to root.
        if (existing.Own is { IsActive: true } running)
        {
            await host.Roots.KeepAsync(guest.Name, GuestRoots.Booted,
                DomainXml.ReadMetadataElement(running.Handle.GetMetadata(GuestMetadata.Namespace))?.StorePath, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            host.Roots.Drop(guest.Name, GuestRoots.Booted);
        }
        var domain = host.Domains.Define(connection, guest, definition);
        try
        {
            await host.Roots.KeepAsync(guest.Name, GuestRoots.Defined, definition.Description.Metadata?.StorePath, cancellationToken)
                .ConfigureAwait(false);
            return domain;
        }
        catch
        {
            domain.Dispose();
            throw;
        }
    }
}
