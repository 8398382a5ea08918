namespace Miniguest.Libvirt;

/// <summary>Why a connection closed: libvirt's <c>virConnectCloseReason</c>.</summary>
public enum ConnectionCloseReason
{
    /// <summary>An I/O error on the connection (<c>VIR_CONNECT_CLOSE_REASON_ERROR</c>).</summary>
    Error = 0,

    /// <summary>The daemon closed its end: it stopped or restarted (<c>VIR_CONNECT_CLOSE_REASON_EOF</c>).</summary>
    EndOfFile = 1,

    /// <summary>The daemon stopped answering keep-alive messages (<c>VIR_CONNECT_CLOSE_REASON_KEEPALIVE</c>).</summary>
    KeepAlive = 2,

    /// <summary>The client closed it (<c>VIR_CONNECT_CLOSE_REASON_CLIENT</c>).</summary>
    Client = 3,
}

/// <summary>The data of <see cref="Connection.Closed"/>.</summary>
public sealed class ConnectionClosedEventArgs(ConnectionCloseReason reason) : EventArgs
{
    /// <summary>Why the connection closed.</summary>
    public ConnectionCloseReason Reason { get; } = reason;
}
