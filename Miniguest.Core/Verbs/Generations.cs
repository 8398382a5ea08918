using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>A guest's generations (<see cref="GuestHost.GenerationsAsync"/>), where it lives, and the one its running
/// domain runs (<see cref="GuestHost.RunningGeneration"/>).</summary>
internal static class Generations
{
    public static async Task<GuestGenerations> RunAsync(GuestHostContext host, GuestName name, CancellationToken cancellationToken)
    {
        var site = host.Elsewhere(name);
        var (all, current) = await ProfileAsync(host, site, name, cancellationToken).ConfigureAwait(false);
        return new GuestGenerations(all, current, Running(host, name));
    }

    /// <summary>The guest's generations, oldest first, on the other host of <paramref name="site"/>, or here.</summary>
    public static async Task<IReadOnlyList<Generation>> AllAsync(GuestHostContext host, GuestSite? site, GuestName name, CancellationToken cancellationToken) =>
        (await ProfileAsync(host, site, name, cancellationToken).ConfigureAwait(false)).All;

    private static async Task<(IReadOnlyList<Generation> All, int? Current)> ProfileAsync(GuestHostContext host, GuestSite? site, GuestName name,
        CancellationToken cancellationToken)
    {
        if (site is not null)
        {
            using var remote = host.FilesOn(site, session: null);
            return await remote.GenerationsAsync(name, cancellationToken).ConfigureAwait(false);
        }
        host.Store.Get(name);
        return await host.Files.GenerationsAsync(name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The generation the guest's running domain was started on; <see langword="null"/> when it does not run (or
    /// the domain of its name is not its own).</summary>
    public static int? Running(GuestHostContext host, GuestName name)
    {
        if (!host.HasDomainRecord(name))
        {
            return null;
        }
        using var connection = host.DomainSite(name).Connect(host.Connector);
        try
        {
            using var domain = host.Domains.Find(connection, name);
            return domain is { IsActive: true }
                ? DomainXml.ReadMetadataElement(domain.Handle.GetMetadata(GuestMetadata.Namespace))?.Generation
                : null;
        }
        catch (ForeignDomainException)
        {
            return null;
        }
    }
}
