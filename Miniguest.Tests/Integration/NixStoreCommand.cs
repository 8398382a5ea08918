using System.Diagnostics;

namespace Miniguest.Tests.Integration;

/// <summary>The few <c>nix-store</c> commands tests use to put things in the store and check them there.</summary>
internal static class NixStoreCommand
{
    /// <summary>Adds <paramref name="path"/> to the store (links in it stay links) and returns its store path.</summary>
    public static string Add(string path)
    {
        var (status, output) = Run("--add", path);
        Assert.That(status, Is.Zero, $"nix-store --add {path} failed");
        return output.Trim();
    }

    /// <summary>Whether Nix finds the store path as it registered it (<c>nix-store --verify-path</c>).</summary>
    public static bool IsUnmodified(string storePath) => Run("--verify-path", storePath).Status == 0;

    /// <summary>Deletes the store path if nothing refers to it.</summary>
    public static void Delete(string storePath) => Run("--delete", storePath);

    private static (int Status, string Output) Run(params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo("nix-store", arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        TestContext.Out.WriteLine($"$ nix-store {string.Join(' ', arguments)}: exit {process.ExitCode}\n{output}{error.Result}");
        return (process.ExitCode, output);
    }
}
