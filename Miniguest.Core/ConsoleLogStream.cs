using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>
/// A running VM's console output, read from its console log as QEMU writes it there, until the guest stopped and the log
/// holds all it wrote. QEMU logs every byte its serial port sends, also those its console loses: before QEMU 8.1 the
/// bytes of the first second after a console is attached, and on every version what the guest still writes as it powers
/// off (the pty's unread bytes go with it when QEMU ends).
/// </summary>
internal sealed class ConsoleLogStream : SequentialStream
{
    // A console writes in bursts, read as they come; a guest that stopped has its last bytes in the log within
    // milliseconds (virtlogd copies QEMU's pipe to the file), and the log is read until it has been still this long.
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(40);
    private static readonly TimeSpan StillAfterStop = TimeSpan.FromMilliseconds(200);

    private readonly string _path;
    private readonly Domain _domain;
    private FileStream _log;
    private DateTime? _stillSince;

    /// <param name="path">The console log, in Miniguest's state on this host.</param>
    /// <param name="domain">The running guest, borrowed.</param>
    /// <param name="fromStart">From the log's start (a guest just started: all of its boot), or from its end (a guest
    /// that has been running: what it writes from now on).</param>
    public ConsoleLogStream(string path, Domain domain, bool fromStart)
    {
        _path = path;
        _domain = domain;
        _log = Open(path);
        if (!fromStart)
        {
            _log.Seek(0, SeekOrigin.End);
        }
    }

    public override bool CanRead => true;

    public override bool CanWrite => false;

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <summary>Blocks until the guest writes, and returns 0 once it stopped and its log has been read to the end.</summary>
    public override int Read(Span<byte> buffer)
    {
        while (true)
        {
            var read = _log.Read(buffer);
            if (read > 0)
            {
                if (_stillSince is not null)
                {
                    _stillSince = DateTime.UtcNow;
                }
                return read;
            }
            if (Replaced())
            {
                // virtlogd rotated the log: the rest is in the new file.
                _log.Dispose();
                _log = Open(_path);
                continue;
            }
            if (_stillSince is { } still)
            {
                if (DateTime.UtcNow - still >= StillAfterStop)
                {
                    return 0;
                }
            }
            else if (!LibvirtGuard.Guarded(() => _domain.IsActive))
            {
                _stillSince = DateTime.UtcNow;
                continue;
            }
            Thread.Sleep(PollInterval);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _log.Dispose();
        }
        base.Dispose(disposing);
    }

    private static FileStream Open(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0);

    // Whether the log's name now names another file than the one being read.
    private bool Replaced()
    {
        var named = FileStatus.Of(_path);
        return named is { } now && !now.IsSameFile(FileStatus.OfDescriptor(_log.SafeFileHandle));
    }
}
