using System.Text;

namespace Miniguest.Core;

/// <summary>Reads the small text files guests are described by.</summary>
internal static class SmallFile
{
    /// <summary>The whole file as UTF-8 text.</summary>
    /// <remarks>Read as bytes: <see cref="File.ReadAllText(string)"/> sets up a stream reader, its buffers and a string
    /// builder for each file, which is most of the cost of a file of a few bytes.</remarks>
    public static string ReadText(string path) => Encoding.UTF8.GetString(File.ReadAllBytes(path));

    /// <summary>A file that describes a guest (its build output's configuration, its profile's manifest), read whole; what
    /// keeps it from being read is the guest's problem, said as an admin reads it.</summary>
    /// <exception cref="GuestFileException">It is missing, or cannot be read.</exception>
    public static byte[] ReadOfGuest(string path)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new GuestFileException(path, "missing", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new GuestFileException(path, e.Message, e);
        }
    }
}
