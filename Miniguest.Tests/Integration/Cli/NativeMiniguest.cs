using System.Runtime.InteropServices;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>
/// The <c>miniguest</c> the CLI tests run: the Debug configuration (with its crash points) compiled native with
/// NativeAOT, as users run the Release build. Published once per test run, when a test first needs it, into the tests'
/// own output directory; MSBuild's incremental build makes a run with nothing changed cheap. Under the JIT each of the
/// suite's two thousand commands would spend over a tenth of a second compiling itself: minutes in all.
/// </summary>
internal static class NativeMiniguest
{
    private static readonly Lazy<string> Published = new(Publish, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The native executable, published on first use.</summary>
    public static string Executable => Published.Value;

    private static string Publish()
    {
        var output = Path.Combine(AppContext.BaseDirectory, "native");
        DotNetCli.Run(Repository.Root, TimeSpan.FromMinutes(10), nugetPackages: null, environment: null,
            "publish", Repository.PathOf("Miniguest.Cli/Miniguest.Cli.csproj"), "-c", "Debug", "-r", RuntimeInformation.RuntimeIdentifier,
            "-p:PublishAot=true", "-o", output);
        return Path.Combine(output, "miniguest");
    }
}
