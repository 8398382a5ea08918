using System.Runtime.InteropServices;
using System.Text;

namespace Miniguest.Cli;

/// <summary>
/// Standard output and error as miniguest writes them: straight to their file descriptors, never through
/// System.Console. On a terminal, .NET's console switches the terminal to keypad mode (terminfo's <c>keypad_xmit</c>,
/// <c>ESC[?1h ESC=</c>) as soon as it is first used (a write, the window's width) and never switches it back: the shell
/// the command returns to would be left in it. As <c>virsh</c> does, miniguest sends the terminal nothing but its text.
/// </summary>
internal static partial class StandardStreams
{
    private const int InputDescriptor = 0;
    private const int OutputDescriptor = 1;
    private const int ErrorDescriptor = 2;

    /// <summary>Standard output.</summary>
    public static TextWriter Out { get; } = Writer(OutputDescriptor);

    /// <summary>Standard error.</summary>
    public static TextWriter Error { get; } = Writer(ErrorDescriptor);

    /// <summary>Whether standard input is a terminal.</summary>
    public static bool InputIsTerminal => isatty(InputDescriptor) == 1;

    /// <summary>Whether standard output is a terminal.</summary>
    public static bool OutputIsTerminal => isatty(OutputDescriptor) == 1;

    /// <summary>Whether standard error is a terminal.</summary>
    public static bool ErrorIsTerminal => isatty(ErrorDescriptor) == 1;

    /// <summary>Standard input as bytes, read as they come (a pipe's, say).</summary>
    public static Stream OpenInput() =>
        new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(InputDescriptor, ownsHandle: false), FileAccess.Read, bufferSize: 0);

    /// <summary>Standard output as bytes, unbuffered: what a guest's console prints goes through as it comes.</summary>
    public static Stream OpenOutput() => new DescriptorStream(OutputDescriptor);

    /// <summary>How many columns the terminal on standard output (<paramref name="error"/>: standard error) has;
    /// <see langword="null"/> when it is no terminal, or does not say.</summary>
    public static int? Columns(bool error = false) =>
        ioctl(error ? ErrorDescriptor : OutputDescriptor, WindowSizeRequest, out var size) == 0 && size.Columns > 0 ? size.Columns : null;

    /// <summary>How many columns and rows the terminal on standard output has; <see langword="null"/> when it is no
    /// terminal, or does not say.</summary>
    public static (int Columns, int Rows)? Size() =>
        ioctl(OutputDescriptor, WindowSizeRequest, out var size) == 0 && size.Columns > 0 && size.Rows > 0 ? (size.Columns, size.Rows) : null;

    private static TextWriter Writer(int descriptor) =>
        TextWriter.Synchronized(new StreamWriter(new DescriptorStream(descriptor), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false)) { AutoFlush = true });

    // TIOCGWINSZ, the same on Linux's x86-64 and AArch64.
    private const nuint WindowSizeRequest = 0x5413;

    [StructLayout(LayoutKind.Sequential)]
    private struct WindowSize
    {
        public ushort Rows;
        public ushort Columns;
        public ushort Width;
        public ushort Height;
    }

    /// <summary>Ends the process with <paramref name="code"/> at once, as <c>_exit</c> does: no exit-time handler or library
    /// destructor runs. Both standard streams are flushed first (they flush at every write anyway).</summary>
    public static void ExitNow(int code)
    {
        Out.Flush();
        Error.Flush();
        _exit(code);
    }

    [LibraryImport("libc.so.6")]
    private static partial void _exit(int status);

    [LibraryImport("libc.so.6")]
    private static partial int isatty(int fd);

    [LibraryImport("libc.so.6")]
    private static partial int ioctl(int fd, nuint request, out WindowSize size);

    /// <summary>Writes to a file descriptor it does not own, as the console does: a reader that went away (<c>| head</c>)
    /// is no error, and a descriptor another process made non-blocking is waited on.</summary>
    private sealed partial class DescriptorStream(int descriptor) : Stream
    {
        private const int Interrupted = 4; // EINTR
        private const int WouldBlock = 11; // EAGAIN
        private const int BrokenPipe = 32; // EPIPE
        private const short Writable = 4; // POLLOUT

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (buffer.Length > 0)
            {
                var written = write(descriptor, buffer, buffer.Length);
                if (written >= 0)
                {
                    buffer = buffer[(int)written..];
                    continue;
                }
                switch (Marshal.GetLastPInvokeError())
                {
                    case Interrupted:
                        continue;
                    case BrokenPipe:
                        return;
                    case WouldBlock:
                        var wanted = new PollDescriptor { Descriptor = descriptor, Events = Writable };
                        _ = poll(ref wanted, 1, -1);
                        continue;
                    case var error:
                        throw new IOException($"cannot write to file descriptor {descriptor}: {Marshal.GetPInvokeErrorMessage(error)}");
                }
            }
        }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        [StructLayout(LayoutKind.Sequential)]
        private struct PollDescriptor
        {
            public int Descriptor;
            public short Events;
            public short Returned;
        }

        [LibraryImport("libc.so.6", SetLastError = true)]
        private static partial nint write(int fd, ReadOnlySpan<byte> buffer, nint count);

        [LibraryImport("libc.so.6")]
        private static partial int poll(ref PollDescriptor descriptors, nuint count, int timeout);
    }
}
