using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>A running guest's addresses (<see cref="GuestHost.AddressesAsync"/>), waited for if asked.</summary>
internal static class Addresses
{
    // dnsmasq tells libvirt of a lease at once; a guest takes seconds to ask for one.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    public static async Task<IReadOnlyList<GuestAddress>> RunAsync(GuestHostContext host, GuestName name, TimeSpan wait,
        CancellationToken cancellationToken)
    {
        using var domain = host.OpenDomain(host.DomainSite(name), name);
        var interfaces = domain.Interfaces;
        if (interfaces.Count == 0)
        {
            throw new GuestHasNoInterfaceException(name.Value);
        }
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            IReadOnlyList<GuestAddress> found;
            try
            {
                found = domain.IsActive ? GuestAddresses.Of(domain.Handle, interfaces) : throw new GuestNotRunningException(name.Value);
            }
            catch (OperationInvalidException)
            {
                throw new GuestNotRunningException(name.Value);
            }
            var left = wait - waited.Elapsed;
            if (found.Count > 0 || left <= TimeSpan.Zero)
            {
                return found;
            }
            await Task.Delay(left < PollInterval ? left : PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }
}
