namespace Miniguest.Tests;

/// <summary>The repository the tests were built from: the directory holding Miniguest.sln above the test assembly.</summary>
internal static class Repository
{
    private static readonly Lazy<string> RootDirectory = new(FindRoot);

    /// <summary>The repository's root directory.</summary>
    public static string Root => RootDirectory.Value;

    /// <summary>The full path of <paramref name="relativePath"/> (with '/' separators) in the repository.</summary>
    public static string PathOf(string relativePath) => Path.Combine(Root, relativePath);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Miniguest.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException($"no Miniguest.sln above {AppContext.BaseDirectory}: the tests run from outside the repository");
    }
}
