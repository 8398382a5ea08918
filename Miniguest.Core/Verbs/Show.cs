namespace Miniguest.Core;

/// <summary>All that is known of one guest (<see cref="GuestHost.ShowAsync"/>): its listing read whole (its store's
/// protection, its domain's memory and vCPUs: its domain's description alone read), and its generations.</summary>
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
        return new GuestDetails(listing, listing.Status == GuestListStatus.Broken ? [] : await Generations.AllAsync(host, site, name, cancellationToken)
            .ConfigureAwait(false));
    }
}
