using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Miniguest.Core;

/// <summary>Settings of every <c>nix</c> command Miniguest runs.</summary>
public sealed record NixSettings
{
    /// <summary>The <c>nix</c> executable, a path or a name looked up in <c>PATH</c>.</summary>
    public string Executable { get; init; } = "nix";

    /// <summary>Extra Nix settings passed as <c>--option NAME VALUE</c>, for example an empty
    /// <c>substituters</c> to build offline.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// A typed API over the <c>nix</c> command, run as a process with an argument list (never a shell). Works
/// with Nix 2.8 and later and with Lix: it enables the experimental features it needs on every call.
/// </summary>
public sealed class NixCli(NixSettings? settings = null, ILogger<NixCli>? logger = null)
{
    private static readonly string[] ExperimentalFeatures = ["--extra-experimental-features", "nix-command flakes"];

    private readonly NixSettings _settings = settings ?? new NixSettings();
    private readonly ILogger _logger = logger ?? NullLogger<NixCli>.Instance;

    /// <summary>Builds an installable (such as <c>path:/x#nixosConfigurations.a.config.system.build.miniguest</c>)
    /// without creating a <c>result</c> link, and returns what was built.</summary>
    /// <exception cref="NixException">Evaluation or the build failed.</exception>
    public async Task<IReadOnlyList<NixBuildResult>> BuildAsync(string installable, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(installable);
        // Nix 2.8 lacks --print-out-paths; --json is in every version.
        var output = await RunAsync(["build", "--json", "--no-link", installable], cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize(output, CoreJsonContext.Default.ListNixBuildResult)
            ?? throw new NixException(["build", installable], 0, "nix build --json printed null");
    }

    /// <summary>Runs nix with <paramref name="arguments"/> and returns its standard output.</summary>
    /// <exception cref="NixException">nix exited with a non-zero code.</exception>
    internal async Task<string> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(_settings.Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in ExperimentalFeatures)
        {
            startInfo.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in _settings.Options)
        {
            startInfo.ArgumentList.Add("--option");
            startInfo.ArgumentList.Add(name);
            startInfo.ArgumentList.Add(value);
        }
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        _logger.LogDebug("Running nix {Arguments}", string.Join(' ', arguments));
        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"could not start {_settings.Executable}");
        process.StandardInput.Close();
        var standardError = new StringBuilder();
        var errorPump = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                standardError.AppendLine(line);
                _logger.LogDebug("nix: {Line}", line);
            }
        }, CancellationToken.None);
        try
        {
            var standardOutput = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            await errorPump.ConfigureAwait(false);
            return process.ExitCode == 0
                ? standardOutput
                : throw new NixException(arguments, process.ExitCode, standardError.ToString());
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }
}
