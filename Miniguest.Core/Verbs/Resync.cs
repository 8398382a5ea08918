using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>A guest's domain brought up to date with its current generation, where it has one: after an install with
/// force, an upgrade, a rollback.</summary>
internal static class Resync
{
    /// <summary>What became of the domain of a guest that has none.</summary>
    public static readonly DomainResync NoDomain = new(ResyncOutcome.NoDomain, false);

    /// <summary>The domain of a guest of this host, defined again here.</summary>
    public static async Task<DomainResync> HereAsync(GuestHostContext host, Guest guest, CancellationToken cancellationToken)
    {
        if (!host.HasDomainRecord(guest.Name))
        {
            return NoDomain; // never created: no daemon to bother
        }
        using var connection = host.SiteOf(guest).Connect(host.Connector);
        using var existing = host.Domains.FindExisting(connection, guest.Name, takeOver: false, host.Paths);
        if (existing.Own is not { } own)
        {
            return NoDomain;
        }
        var definition = host.Domains.Build(connection, guest, new DomainOptions(), existing, allocate: true);
        using var updated = await Define.HereAsync(host, connection, guest, definition, existing, cancellationToken).ConfigureAwait(false);
        return Resynced(host, updated, guest.Name, own.Xml, definition.Description.Metadata);
    }

    /// <summary>The domain of the guest on the other host of <paramref name="site"/>, defined again there.</summary>
    public static async Task<DomainResync> ElsewhereAsync(GuestHostContext host, GuestName name, GuestSite site, CancellationToken cancellationToken)
    {
        if (!host.HasDomainRecord(name))
        {
            return NoDomain;
        }
        string before;
        using (var connection = site.Connect(host.Connector))
        using (var existing = host.Domains.Find(connection, name))
        {
            if (existing is null)
            {
                return NoDomain;
            }
            before = existing.Xml;
        }
        var (updated, definition, _) = await host.RemoteDomains.DefineAsync(name, site, new DomainOptions(), cancellationToken).ConfigureAwait(false);
        using (updated)
        {
            return Resynced(host, updated, name, before, definition.Description.Metadata);
        }
    }

    /// <summary>Whether two descriptions of a domain say the same, whatever the order of their elements, and but for the
    /// <c>&lt;resource&gt;</c> partition libvirt adds to a domain's definition when it starts it, which Miniguest never
    /// sets (and a definition made again leaves out).</summary>
    public static bool SameDefinition(string xml, string other)
    {
        static List<string> Elements(string xml) =>
            [.. System.Xml.Linq.XElement.Parse(xml).Elements().Where(element => element.Name != "resource")
                .Select(element => element.ToString()).Order(StringComparer.Ordinal)];
        return xml == other || Elements(xml).SequenceEqual(Elements(other), StringComparer.Ordinal);
    }

    // What became of guest name's domain defined again from the description before, now on the generation of next: the
    // live description of a running one says the generation it runs.
    private static DomainResync Resynced(GuestHostContext host, Domain updated, GuestName name, string before, GuestMetadata? next)
    {
        var outcome = SameDefinition(updated.GetXml(DomainXmlFlags.Inactive), before) ? ResyncOutcome.Unchanged : ResyncOutcome.Updated;
        var running = host.Domains.Describe(updated, name);
        return GuestDomainSurvey.Status(running, next?.StorePath) == GuestStatus.Outdated
            ? new DomainResync(outcome, RunsOtherGeneration: true, running.Metadata?.Generation, next?.Generation)
            : new DomainResync(outcome, RunsOtherGeneration: false);
    }
}
