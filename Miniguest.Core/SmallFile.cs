using System.Text;

namespace Miniguest.Core;

/// <summary>Reads the small text files guests are described by.</summary>
internal static class SmallFile
{
    /// <summary>The whole file as UTF-8 text.</summary>
    /// <remarks>Read as bytes: <see cref="File.ReadAllText(string)"/> sets up a stream reader, its buffers and a string
    /// builder for each file, which is most of the cost of a file of a few bytes.</remarks>
    public static string ReadText(string path) => Encoding.UTF8.GetString(File.ReadAllBytes(path));
}
