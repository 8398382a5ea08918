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

    private static readonly ManualResetEventSlim Ended = new();
    private static volatile bool _begun;

    /// <summary>The native executable, published on first use.</summary>
    public static string Executable => Published.Value;

    /// <summary>Waits for the publish to end if it has begun, and returns at once if not; whether it failed is for the tests
    /// that run the executable to say. A native compile begun meanwhile would halve the speed of both on a 2-core machine,
    /// and every CLI fixture waits for this one.</summary>
    public static void WaitIfBegun()
    {
        if (_begun)
        {
            Ended.Wait();
        }
    }

    private static string Publish()
    {
        _begun = true;
        try
        {
            return PublishNative();
        }
        finally
        {
            Ended.Set();
        }
    }

    private static string PublishNative()
    {
        var output = Path.Combine(AppContext.BaseDirectory, "native");
        DotNetCli.Run(Repository.Root, TimeSpan.FromMinutes(10), nugetPackages: null, environment: null,
            "publish", Repository.PathOf("Miniguest.Cli/Miniguest.Cli.csproj"), "-c", "Debug", "-r", RuntimeInformation.RuntimeIdentifier,
            "-p:PublishAot=true", "-o", output);
        return Path.Combine(output, "miniguest");
    }
}
