namespace Miniguest.Tests.Integration;

/// <summary>The few <c>nix-store</c> commands tests use to put things in the store and check them there.</summary>
internal static class NixStoreCommand
{
    /// <summary>Adds <paramref name="path"/> to the store (links in it stay links) and returns its store path.</summary>
    public static string Add(string path)
    {
        var (status, output, _) = Run("--add", path);
        Assert.That(status, Is.Zero, $"nix-store --add {path} failed");
        return output.Trim();
    }

    /// <summary>Whether Nix finds the store path as it registered it (<c>nix-store --verify-path</c>).</summary>
    public static bool IsUnmodified(string storePath) => Run("--verify-path", storePath).Status == 0;

    /// <summary>Deletes the store path if nothing refers to it.</summary>
    public static void Delete(string storePath) => Run("--delete", storePath);

    /// <summary>Deletes the store path alone, and no other (never a collection of the whole store, which would take other
    /// tests' paths): whether it went, and else Nix's reason (<c>since it is still alive</c> while a root or a path that
    /// is alive holds it).</summary>
    public static (bool Deleted, string Error) TryDelete(string storePath)
    {
        var (status, _, error) = Run("--delete", storePath);
        return (status == 0 && !Path.Exists(storePath), error);
    }

    /// <summary>The garbage-collector roots that hold the store path (<c>nix-store --query --roots</c>): one
    /// <c>ROOT -> PATH</c> line each.</summary>
    public static IReadOnlyList<string> Roots(string storePath)
    {
        var (status, output, _) = Run("--query", "--roots", storePath);
        Assert.That(status, Is.Zero, $"nix-store --query --roots {storePath} failed");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static (int Status, string Output, string Error) Run(params string[] arguments)
    {
        var result = TestCommand.Run("nix-store", arguments);
        return (result.ExitCode, result.Out, result.Error);
    }
}
