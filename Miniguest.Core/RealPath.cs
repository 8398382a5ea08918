using System.Runtime.InteropServices;

namespace Miniguest.Core;

/// <summary>Where a path really is, every link on the way resolved by the kernel as it opens it (<c>O_PATH</c>: nothing
/// is read, no permission is needed on the file itself), read back from <c>/proc/self/fd</c>.</summary>
internal static class RealPath
{
    /// <summary>The real path of <paramref name="path"/>, or <see langword="null"/> where nothing is there.</summary>
    /// <exception cref="IOException">It cannot be opened (not for want of a file).</exception>
    public static string? Of(string path)
    {
        var descriptor = LibC.openat(LibC.AtFdCwd, path, LibC.PathOnly | LibC.CloseOnExec, 0);
        if (descriptor < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            return error is LibC.ENOENT or LibC.ENOTDIR
                ? null
                : throw new IOException($"{path}: cannot be opened: {Marshal.GetPInvokeErrorMessage(error)}");
        }
        try
        {
            return OfDescriptor(descriptor);
        }
        finally
        {
            _ = LibC.close(descriptor);
        }
    }

    /// <summary>Where the file open as <paramref name="descriptor"/> is now, as the kernel tells it.</summary>
    public static string? OfDescriptor(int descriptor) =>
        File.ResolveLinkTarget($"/proc/self/fd/{descriptor}", returnFinalTarget: false)?.FullName;

    /// <summary>The real path of <paramref name="path"/>, which must exist.</summary>
    /// <exception cref="IOException">Nothing is there, or it cannot be opened.</exception>
    public static string Require(string path) => Of(path) ?? throw new IOException($"cannot resolve {path}: no such file or directory");
}
