using System.Runtime.InteropServices;

namespace Miniguest.Cli;

/// <summary>
/// The terminal on standard input in raw mode for a console session, as <c>virsh console</c> puts it: every byte
/// typed reaches the guest as it is (Ctrl+C, Ctrl+Z, arrow keys' escape sequences), nothing is echoed or turned
/// into a signal here. Disposing restores the terminal as it was, as does the process's exit.
/// </summary>
internal sealed partial class RawTerminal : IDisposable
{
    private const int StandardInput = 0;
    private const int SetNow = 0; // TCSANOW
    private const int Interrupted = 4; // EINTR
    // struct termios is 60 bytes on Linux's x86-64 and AArch64; it is only ever handed to the C library here.
    private const int TermiosSize = 256;

    private readonly byte[] _saved;
    private int _restored;

    private RawTerminal(byte[] saved)
    {
        _saved = saved;
        AppDomain.CurrentDomain.ProcessExit += Restore;
    }

    /// <summary>Puts the terminal into raw mode; <see langword="null"/> if standard input is no terminal.</summary>
    public static RawTerminal? Enter()
    {
        var saved = new byte[TermiosSize];
        if (tcgetattr(StandardInput, saved) != 0)
        {
            return null;
        }
        var raw = (byte[])saved.Clone();
        cfmakeraw(raw);
        return tcsetattr(StandardInput, SetNow, raw) == 0 ? new RawTerminal(saved) : null;
    }

    /// <summary>Reads what was typed, as it comes; 0 at the end of input.</summary>
    public static int Read(Span<byte> buffer)
    {
        while (true)
        {
            var count = read(StandardInput, buffer, buffer.Length);
            if (count >= 0 || Marshal.GetLastPInvokeError() != Interrupted)
            {
                return (int)Math.Max(count, 0);
            }
        }
    }

    public void Dispose()
    {
        Restore(null, EventArgs.Empty);
        AppDomain.CurrentDomain.ProcessExit -= Restore;
    }

    private void Restore(object? sender, EventArgs e)
    {
        if (Interlocked.Exchange(ref _restored, 1) == 0)
        {
            _ = tcsetattr(StandardInput, SetNow, _saved);
        }
    }

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int tcgetattr(int fd, [Out] byte[] termios);

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial int tcsetattr(int fd, int optionalActions, [In] byte[] termios);

    [LibraryImport("libc.so.6")]
    private static partial void cfmakeraw([In, Out] byte[] termios);

    [LibraryImport("libc.so.6", SetLastError = true)]
    private static partial nint read(int fd, Span<byte> buffer, nint count);
}
