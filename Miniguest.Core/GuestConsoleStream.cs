using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>A guest's console as a plain stream: libvirt's failures of a read or a write reach the caller as
/// <see cref="IOException"/>, as any stream's do (libvirt's error is the inner exception).</summary>
internal sealed class GuestConsoleStream(DomainStream console) : SequentialStream
{
    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        try
        {
            return console.Read(buffer);
        }
        catch (LibvirtException e)
        {
            throw new IOException(e.Message, e);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try
        {
            console.Write(buffer);
        }
        catch (LibvirtException e)
        {
            throw new IOException(e.Message, e);
        }
    }

    public override void Flush() => console.Flush();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            console.Dispose();
        }
        base.Dispose(disposing);
    }
}
