namespace Miniguest.Core;

/// <summary>Attaching to a running guest's console (<see cref="GuestHost.OpenConsoleAsync"/>); a start with its console
/// attached is <see cref="Start.WithConsoleAsync"/>.</summary>
internal static class OpenConsole
{
    public static async Task<GuestConsole?> RunAsync(GuestHostContext host, GuestName name, bool takeOver, GuestConsoleMode mode,
        CancellationToken cancellationToken)
    {
        var site = host.DomainSite(name);
        var domain = host.OpenDomain(site, name);
        try
        {
            if (!domain.IsActive)
            {
                throw new GuestNotRunningException(name.Value);
            }
            if (GuestConsole.LogToFollow(host, name, domain, mode) is { } log)
            {
                return GuestConsole.FollowLog(name, domain.Handle, log, fromStart: false);
            }
        }
        catch
        {
            domain.Dispose();
            throw;
        }
        return await GuestConsole.AttachAsync(name, domain.Handle, ConsoleStart.AlreadyRunning, takeOver, host.Reopener(site, domain),
            cancellationToken).ConfigureAwait(false);
    }
}
