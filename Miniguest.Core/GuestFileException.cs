namespace Miniguest.Core;

/// <summary>A file of a guest (its configuration, link or profile) is missing or corrupt.</summary>
public sealed class GuestFileException(string path, string problem, Exception? inner = null)
    : MiniguestException($"{path}: {problem}", inner)
{
    /// <summary>The file at fault.</summary>
    public string Path { get; } = path;
}
