namespace Miniguest.Core;

/// <summary>All that is known of one guest (<see cref="GuestHost.ShowAsync"/>): its listing read whole (its store's
/// protection, its domain's memory and vCPUs: its domain's description alone read), its generations and the IDs of its
/// credentials, where it lives.</summary>
internal static class Show
{
    public static async Task<GuestDetails> RunAsync(GuestHostContext host, GuestName name, CancellationToken cancellationToken)
    {
        var site = host.Elsewhere(name);
        if (site is null)
        {
            host.Store.Get(name); // an unknown guest is an error here, where a listing leaves it out
        }
        var listing = (await new GuestLister(host).ListAsync(withProtection: true, cancellationToken,
            only: name).ConfigureAwait(false)).SingleOrDefault(guest => guest.Name == name.Value) ?? throw new GuestNotFoundException(name.Value);
        if (listing.Status == GuestListStatus.Broken)
        {
            return new GuestDetails(listing, []);
        }
        if (site is null)
        {
            return new GuestDetails(listing, await Generations.AllAsync(host, site, name, cancellationToken).ConfigureAwait(false))
            {
                Credentials = GuestCredentials.Ids(host.Paths, name),
            };
        }
        using var remote = host.FilesOn(site, session: null);
        var (all, _) = await remote.GenerationsAsync(name, cancellationToken).ConfigureAwait(false);
        var facts = await remote.DescribeAsync(name, [], cancellationToken).ConfigureAwait(false);
        return new GuestDetails(listing, all) { Credentials = facts.Credentials };
    }
}
