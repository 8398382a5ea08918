using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>
/// A running guest's console, attached: what the guest writes to its serial console (a VM) or its console (a
/// container) is read from <see cref="Stream"/>, and what is written there reaches the guest (not when opened for its
/// output only: <see cref="GuestConsoleMode.Output"/>). The stream ends when the guest stops. Disposing of it leaves the
/// guest running.
/// </summary>
public sealed class GuestConsole : IDisposable
{
    // libvirt-LXC tears a container down after its init has gone, which a busy host can stretch past thirty seconds
    // (seen with two VMs booting under emulation beside it); the wait ends as soon as libvirt reports the guest stopped.
    private static readonly TimeSpan StopSettleTime = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan AttachSettleTime = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan FailureSettleTime = TimeSpan.FromSeconds(2);

    private readonly Stream _console;
    private readonly Func<Domain>? _reopen;
    private Domain _domain;

    private GuestConsole(GuestName guest, Domain domain, Stream console, Func<Domain>? reopen)
    {
        GuestName = guest.Value;
        _domain = domain;
        _console = console;
        _reopen = reopen;
    }

    /// <summary>The guest.</summary>
    public string GuestName { get; }

    /// <summary>The console's bytes, both ways (read only when opened for the guest's output). Reads block until the guest
    /// writes; a read returns 0 once it stopped, or fails with an <see cref="IOException"/> as the guest is torn down or
    /// another session takes the console.</summary>
    public Stream Stream => _console;

    /// <summary>Whether the guest is still running.</summary>
    public bool IsRunning => LibvirtGuard.Guarded(() => _domain.IsActive);

    /// <summary>Whether the guest ran before its console was attached, so that its first output may be gone: a container
    /// started with its console (libvirt-LXC cannot start one paused, as a VM is).</summary>
    public bool StartedBeforeAttached { get; private init; }

    /// <summary>
    /// Opens the console of <paramref name="domain"/>, which stands as <paramref name="start"/> says: a VM started paused
    /// runs once its console is open, so that not a line of its boot is missed, and is stopped again, never run, when its
    /// console cannot be opened. Takes ownership of the domain. Returns <see langword="null"/> (and disposes of the
    /// domain) when the guest stopped before its console could be attached, as a container that finishes within
    /// milliseconds can. With <paramref name="takeOver"/>, a console another client holds is taken from it.
    /// <paramref name="reopen"/> looks the domain up again on a connection of its own, for when the console fails
    /// (<see cref="ThrowIfTakenOverAsync"/>).
    /// </summary>
    /// <exception cref="GuestConsoleBusyException">Another client holds the console, and <paramref name="takeOver"/> is
    /// not given.</exception>
    /// <exception cref="GuestConsoleRefusedException">libvirt refused the console of a VM started paused for it.</exception>
    internal static async Task<GuestConsole?> AttachAsync(GuestName guest, Domain domain, ConsoleStart start, bool takeOver,
        Func<Domain> reopen, CancellationToken cancellationToken)
    {
        var startedPaused = start == ConsoleStart.StartedPaused;
        try
        {
            DomainStream console;
            try
            {
                console = domain.OpenConsole(flags: takeOver ? DomainConsoleFlags.Force : DomainConsoleFlags.None);
            }
            catch (LibvirtException e)
            {
                // libvirt lets one session at a time have a VM's console (operation failed: "Active console session
                // exists"): no need to wait and see whether the guest stopped. A VM started paused for this console has had
                // no other session: libvirt refused it for a reason of its own, a pty's lock file left behind, say, and
                // says which.
                if (!takeOver && e.Code == ErrorCode.OperationFailed && domain.IsActive)
                {
                    throw startedPaused ? new GuestConsoleRefusedException(guest.Value, e) : new GuestConsoleBusyException(guest.Value);
                }
                await SettleAsync(domain, AttachSettleTime, cancellationToken).ConfigureAwait(false);
                if (domain.IsActive)
                {
                    throw;
                }
                domain.Dispose();
                return null;
            }
            try
            {
                if (startedPaused)
                {
                    domain.Resume();
                }
            }
            catch
            {
                console.Dispose();
                throw;
            }
            return new GuestConsole(guest, domain, new GuestConsoleStream(console), reopen)
            {
                StartedBeforeAttached = start == ConsoleStart.StartedRunning,
            };
        }
        catch
        {
            if (startedPaused)
            {
                try
                {
                    domain.Destroy();
                }
                catch (LibvirtException)
                {
                    // The console's failure is the one to report; libvirt's connection may be what failed both.
                }
            }
            domain.Dispose();
            throw;
        }
    }

    /// <summary>The output of the running VM <paramref name="domain"/>, read from its console log at
    /// <paramref name="log"/>: all of it since it started (<paramref name="fromStart"/>), or from now on. Takes ownership
    /// of the domain.</summary>
    internal static GuestConsole FollowLog(GuestName guest, Domain domain, string log, bool fromStart)
    {
        try
        {
            return new GuestConsole(guest, domain, new ConsoleLogStream(log, domain, fromStart), reopen: null);
        }
        catch
        {
            domain.Dispose();
            throw;
        }
    }

    /// <summary>The console log to read <paramref name="domain"/>'s output from, for <paramref name="mode"/>: a VM's of
    /// this host, where its definition keeps it in Miniguest's state; otherwise <see langword="null"/>, and the console
    /// is read.</summary>
    internal static string? LogToFollow(GuestHostContext host, GuestName name, GuestDomain domain, GuestConsoleMode mode) =>
        mode == GuestConsoleMode.Output && domain.Description.Vm?.ConsoleLog is { } log && log == host.Paths.ConsoleLog(name)
            && host.DomainSite(name).IsHere
            ? log
            : null;

    /// <summary>
    /// Waits, up to ninety seconds, for libvirt to report the guest stopped: its console closes as it powers off, a
    /// moment before that. Whatever runs next (a listing, a start) then sees the guest as it is.
    /// </summary>
    public Task WaitUntilStoppedAsync(CancellationToken cancellationToken = default) =>
        LibvirtGuard.Guarded(() => SettleAsync(_domain, StopSettleTime, cancellationToken));

    /// <summary>
    /// After a read of <see cref="Stream"/> failed with <paramref name="error"/>, tells whether another session took the
    /// console over: libvirt fails the console of a guest that runs on when that happens. A console torn down with its
    /// guest can fail too, a moment before libvirt reports the guest stopped: that is waited for, up to two seconds,
    /// and then this returns. From here on the guest is watched over a connection of its own (see the remarks).
    /// </summary>
    /// <remarks>libvirtd tears the console's stream down in the thread of the session that took it, after it has told this
    /// one; a call this session makes on its connection in that moment can be dropped unanswered (libvirtd's stream filter
    /// frees any message it sees while the stream goes), and would wait forever. A new connection has no stream.</remarks>
    /// <exception cref="GuestConsoleTakenOverException">The guest runs on: another session took its console.</exception>
    public Task ThrowIfTakenOverAsync(IOException error, CancellationToken cancellationToken = default) => LibvirtGuard.Guarded(async () =>
    {
        if (_reopen is null)
        {
            // A console log, the one console opened without a way back to its domain: nobody takes it over; reading it failed.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
        var watched = _reopen();
        _domain.Dispose();
        _domain = watched;
        await SettleAsync(_domain, FailureSettleTime, cancellationToken).ConfigureAwait(false);
        if (_domain.IsActive)
        {
            throw new GuestConsoleTakenOverException(GuestName, error);
        }
    });

    private static async Task SettleAsync(Domain domain, TimeSpan settleTime, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + settleTime;
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

/// <summary>Another session has the guest's console; taking it over is asked for explicitly.</summary>
public sealed class GuestConsoleBusyException(string name) : GuestStateException($"the console of '{name}' is in use by another session")
{
    /// <summary>The guest.</summary>
    public string Name { get; } = name;
}

/// <summary>libvirt refused the console of a VM started paused for it, which no other session can have held (a pty's lock
/// file left behind keeps libvirt from opening it): the VM was stopped again, never run.</summary>
public sealed class GuestConsoleRefusedException : MiniguestException
{
    internal GuestConsoleRefusedException(string name, LibvirtException error)
        : base($"libvirt refused the console of '{name}' ({error.Message}); it was stopped again, never run", error)
    {
        Name = name;
    }

    /// <summary>The guest.</summary>
    public string Name { get; }
}

/// <summary>Another session took over the guest's console while this one had it.</summary>
public sealed class GuestConsoleTakenOverException(string name, Exception error)
    : MiniguestException($"the console of '{name}' was taken over by another session", error)
{
    /// <summary>The guest.</summary>
    public string Name { get; } = name;
}
