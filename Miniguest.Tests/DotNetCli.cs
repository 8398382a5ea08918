namespace Miniguest.Tests;

/// <summary>The one way the tests run the dotnet CLI (to pack, publish, run and install): the dotnet that runs the
/// tests, with MSBuild left to find its own SDK, no build server outliving the command, and no telemetry.</summary>
internal static class DotNetCli
{
    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/> in <paramref name="workingDirectory"/> and returns its
    /// standard output; fails with everything it printed when it exits non-zero or takes longer than
    /// <paramref name="timeLimit"/>. A <paramref name="nugetPackages"/> folder replaces the machine's NuGet cache for that
    /// command; <paramref name="environment"/> adds to its environment.</summary>
    public static string Run(string workingDirectory, TimeSpan timeLimit, string? nugetPackages, IReadOnlyDictionary<string, string>? environment,
        params string[] arguments)
    {
        // DOTNET_HOST_PATH is the dotnet that runs these tests; outside `dotnet test`, the one on PATH.
        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        // No compiler or MSBuild server outlives the test (the option goes to dotnet, before a program's own arguments).
        string[] options = arguments[0] is "pack" or "publish" or "run" ? ["--disable-build-servers"] : [];
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        // `dotnet test` points MSBuild at the SDK that built the tests; the commands started here pick their own.
        foreach (var name in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "MSBuildLoadMicrosoftTargetsReadOnly" })
        {
            variables[name] = null;
        }
        if (nugetPackages is not null)
        {
            variables["NUGET_PACKAGES"] = nugetPackages;
        }
        foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
        {
            variables[variable] = value;
        }
        variables["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        variables["DOTNET_NOLOGO"] = "1";

        return new TestCommand(dotnet, [arguments[0], .. options, .. arguments[1..]])
        {
            Environment = variables,
            WorkingDirectory = workingDirectory,
            TimeLimit = timeLimit,
            DisplayName = "dotnet " + string.Join(' ', arguments),
        }.Ok().Out;
    }
}
