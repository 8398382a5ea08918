using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>
/// A running guest's console, attached: what the guest writes to its serial console (a VM) or its console (a
/// container) is read from <see cref="Stream"/>, and what is written there reaches the guest. The stream ends when the
/// guest stops. Disposing of it leaves the guest running.
/// </summary>
public sealed class GuestConsole : IDisposable
{
    private static readonly TimeSpan StopSettleTime = TimeSpan.FromSeconds(10);

    private readonly Domain _domain;
    private readonly DomainConsole _console;

    private GuestConsole(string guestName, Domain domain, DomainConsole console)
    {
        GuestName = guestName;
        _domain = domain;
        _console = console;
    }

    /// <summary>The guest.</summary>
    public string GuestName { get; }

    /// <summary>The console's bytes, both ways. Reads block until the guest writes; a read returns 0 once it stopped.</summary>
    public Stream Stream => _console;

    /// <summary>Whether the guest is still running.</summary>
    public bool IsRunning => _domain.IsActive;

    /// <summary>
    /// Opens the console of <paramref name="domain"/>, then runs <paramref name="attached"/> (which resumes a domain
    /// started paused, so that not a line of its boot is missed). Takes ownership of the domain. Returns
    /// <see langword="null"/> (and disposes of the domain) when the guest stopped before its console could be
    /// attached, as a container that finishes within milliseconds can. With <paramref name="takeOver"/>, a console
    /// another client holds is taken from it.
    /// </summary>
    internal static async Task<GuestConsole?> AttachAsync(string guestName, Domain domain, Action? attached, bool takeOver,
        CancellationToken cancellationToken)
    {
        try
        {
            DomainConsole console;
            try
            {
                console = domain.OpenConsole(flags: takeOver ? DomainConsoleFlags.Force : DomainConsoleFlags.None);
            }
            catch (LibvirtException)
            {
                await SettleAsync(domain, cancellationToken).ConfigureAwait(false);
                if (domain.IsActive)
                {
                    throw;
                }
                domain.Dispose();
                return null;
            }
            try
            {
                attached?.Invoke();
            }
            catch
            {
                console.Dispose();
                throw;
            }
            return new GuestConsole(guestName, domain, console);
        }
        catch
        {
            domain.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits, up to ten seconds, for libvirt to report the guest stopped: its console closes as it powers off, a
    /// moment before that. Whatever runs next (a listing, a start) then sees the guest as it is.
    /// </summary>
    public Task WaitUntilStoppedAsync(CancellationToken cancellationToken = default) => SettleAsync(_domain, cancellationToken);

    private static async Task SettleAsync(Domain domain, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StopSettleTime;
        while (domain.IsActive && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _console.Dispose();
        _domain.Dispose();
    }
}
