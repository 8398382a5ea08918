using System.Runtime.InteropServices;

namespace Miniguest.Core;

/// <summary>The names in a directory, read with readdir(3) alone.</summary>
/// <remarks>.NET's directory enumeration stats the target of every symbolic link it meets (to tell directories
/// apart), and Miniguest's directories hold nothing else: listing fifty guests cost three hundred stats.</remarks>
internal static class DirectoryNames
{
    private const int NoSuchFile = 2; // ENOENT
    private const int NotADirectory = 20; // ENOTDIR

    // struct dirent: d_ino and d_off (each the size of a pointer for readdir(3) on Linux), d_reclen (2 bytes),
    // d_type (1 byte), then d_name.
    private static readonly int NameOffset = (2 * IntPtr.Size) + 3;

    /// <summary>Every name in <paramref name="directory"/> but <c>.</c> and <c>..</c>, in no particular order; none if
    /// the directory does not exist.</summary>
    /// <exception cref="IOException">The directory cannot be read.</exception>
    public static IReadOnlyList<string> Read(string directory)
    {
        var stream = LibC.opendir(directory);
        if (stream == 0)
        {
            var error = Marshal.GetLastPInvokeError();
            return error is NoSuchFile or NotADirectory ? [] : throw CannotRead(directory, error);
        }
        return ReadStream(stream, directory);
    }

    /// <summary>Every name a directory stream gives but <c>.</c> and <c>..</c>; closes the stream.</summary>
    /// <exception cref="IOException">The directory cannot be read.</exception>
    public static IReadOnlyList<string> ReadStream(nint stream, string directory)
    {
        try
        {
            var names = new List<string>();
            while (LibC.readdir(stream) is var entry and not 0)
            {
                var name = Marshal.PtrToStringUTF8(entry + NameOffset)!;
                if (name is not ("." or ".."))
                {
                    names.Add(name);
                }
            }
            // readdir(3) returns NULL at the end and on an error; only an error sets errno.
            if (Marshal.GetLastPInvokeError() is var error and not 0)
            {
                throw CannotRead(directory, error);
            }
            return names;
        }
        finally
        {
            _ = LibC.closedir(stream);
        }
    }

    private static IOException CannotRead(string directory, int error) =>
        new($"{directory}: cannot read the directory: {Marshal.GetPInvokeErrorMessage(error)}");
}
