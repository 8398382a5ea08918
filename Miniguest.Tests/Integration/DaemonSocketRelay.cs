using System.Net.Sockets;

namespace Miniguest.Tests.Integration;

/// <summary>
/// A private Unix socket that relays one client to libvirtd's socket. A test can cut the relay, so that its client
/// sees the daemon hang up, or make it swallow everything, so that its client hears nothing back, while the daemon
/// (which other tests share) carries on untouched.
/// </summary>
internal sealed class DaemonSocketRelay : IAsyncDisposable
{
    /// <summary>libvirtd's read-write socket.</summary>
    public const string DaemonSocket = "/run/libvirt/libvirt-sock";

    private readonly string _directory;
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly Socket _daemon = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _relay;
    private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socket? _client;
    private volatile bool _swallowing;

    public DaemonSocketRelay()
    {
        _directory = Directory.CreateTempSubdirectory("mgevt-relay-").FullName;
        var socket = Path.Combine(_directory, "libvirt-sock");
        _listener.Bind(new UnixDomainSocketEndPoint(socket));
        _listener.Listen(1);
        Uri = $"qemu+unix:///system?socket={socket}";
        _relay = RelayAsync();
    }

    /// <summary>The system QEMU driver, reached through the relay.</summary>
    public string Uri { get; }

    /// <summary>Completes once a client is connected through to the daemon.</summary>
    public Task Connected => _connected.Task;

    /// <summary>Closes both ends, and takes no client after: the client reads end-of-file.</summary>
    public void Cut()
    {
        _listener.Dispose();
        _client?.Dispose();
        _daemon.Dispose();
    }

    /// <summary>From now on, drops what either side sends: the connection stays open and falls silent.</summary>
    public void Swallow() => _swallowing = true;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Cut();
        await _relay;
        _stop.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    private async Task RelayAsync()
    {
        try
        {
            _client = await _listener.AcceptAsync(_stop.Token);
            await _daemon.ConnectAsync(new UnixDomainSocketEndPoint(DaemonSocket), _stop.Token);
            _connected.TrySetResult();
            await Task.WhenAll(PumpAsync(_client, _daemon), PumpAsync(_daemon, _client));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Cut or disposed.
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
            {
                if (!_swallowing)
                {
                    await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
                }
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Cut or disposed.
        }
    }
}
