namespace Miniguest.Libvirt;

/// <summary>
/// A domain's console or channel as a byte stream (<see cref="Domain.OpenConsole"/>, <see cref="Domain.OpenChannel"/>):
/// what the guest writes to the device is read here, and what is written here reaches the guest. Reads block until data
/// arrives; a read returns 0 once the device closes (the domain stopped).
/// </summary>
/// <remarks>One reader and one writer may use it at once; it is not safe for concurrent reads.</remarks>
public sealed class DomainStream : Stream
{
    private readonly StreamHandle _handle;
    private bool _finished;

    internal DomainStream(StreamHandle handle) => _handle = handle;

    /// <inheritdoc/>
    public override bool CanRead => !_handle.IsClosed;

    /// <inheritdoc/>
    public override bool CanWrite => !_handle.IsClosed;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override unsafe int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (buffer.IsEmpty)
        {
            return 0;
        }
        fixed (byte* data = buffer)
        {
            var read = Ensure.Success(Interop.virStreamRecv(_handle, data, (nuint)buffer.Length), "virStreamRecv");
            _finished |= read == 0;
            return read;
        }
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    /// <remarks>The stream is blocking: the read runs on a thread-pool thread.</remarks>
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(Task.Run(() => Read(buffer.Span), cancellationToken));

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        fixed (byte* data = buffer)
        {
            var sent = 0;
            while (sent < buffer.Length)
            {
                sent += Ensure.Success(Interop.virStreamSend(_handle, data + sent, (nuint)(buffer.Length - sent)), "virStreamSend");
            }
        }
    }

    /// <inheritdoc/>
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(Task.Run(() => Write(buffer.Span), cancellationToken));

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposing && !_handle.IsClosed)
        {
            // A finished stream is closed cleanly; one still open is aborted so the console is released.
            _ = _finished ? Interop.virStreamFinish(_handle) : Interop.virStreamAbort(_handle);
            Interop.virResetLastError();
            _handle.Dispose();
        }
        base.Dispose(disposing);
    }
}
