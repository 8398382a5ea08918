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
/// with Nix 2.8 and later and with Lix: it enables the experimental features it needs on every call. Nix
/// logs as JSON (<c>--log-format internal-json</c>): what it starts is reported as progress, its error
/// messages go into <see cref="NixException"/>, everything else to the debug log.
/// </summary>
public sealed partial class NixCli(NixSettings? settings = null, ILogger<NixCli>? logger = null)
{
    private static readonly string[] CommonArguments =
        ["--extra-experimental-features", "nix-command flakes", "--log-format", "internal-json"];

    private readonly NixSettings _settings = settings ?? new NixSettings();
    private readonly ILogger _logger = logger ?? NullLogger<NixCli>.Instance;

    /// <summary>Builds an installable (such as <c>path:/x#nixosConfigurations.a.config.system.build.miniguest</c>)
    /// without creating a <c>result</c> link, and returns what was built.</summary>
    /// <exception cref="NixException">Evaluation or the build failed.</exception>
    public async Task<IReadOnlyList<NixBuildResult>> BuildAsync(string installable, IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(installable);
        // Nix 2.8 lacks --print-out-paths; --json is in every version.
        var output = await RunAsync(["build", "--json", "--no-link", installable], progress, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize(output, CoreJsonContext.Default.ListNixBuildResult)
            ?? throw new NixException(["build", installable], 0, "nix build --json printed null");
    }

    /// <summary>Evaluates and builds <paramref name="installable"/> and installs it into the <c>nix profile</c>
    /// profile at <paramref name="profile"/>, recording the flake reference for later upgrades.</summary>
    /// <exception cref="NixException">Evaluation or the build failed; the profile is unchanged.</exception>
    public Task ProfileInstallAsync(string profile, string installable, IProgress<string>? progress = null,
        CancellationToken cancellationToken = default) =>
        RunAsync(["profile", "install", "--profile", profile, installable], progress, cancellationToken);

    /// <summary>Makes <paramref name="storePath"/> (already in the store) the profile's next generation; nothing
    /// changes if it is the current one already.</summary>
    public Task SetProfileAsync(string profile, string storePath, CancellationToken cancellationToken = default) =>
        RunAsync(["build", "--no-link", "--profile", profile, storePath], null, cancellationToken);

    /// <summary>The locked URL a flake reference resolves to now (<c>nix flake metadata</c>).</summary>
    public async Task<string> ResolveFlakeAsync(string flakeRef, CancellationToken cancellationToken = default)
    {
        var output = await RunAsync(["flake", "metadata", "--json", flakeRef], null, cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(output);
        return document.RootElement.TryGetProperty("url", out var url) && url.GetString() is { } text
            ? text
            : throw new NixException(["flake", "metadata", flakeRef], 0, "nix flake metadata printed no url");
    }

    /// <summary>What changed between two closures, one line a package (<c>nix store diff-closures</c>).</summary>
    public async Task<IReadOnlyList<string>> DiffClosuresAsync(string before, string after, CancellationToken cancellationToken = default)
    {
        var output = await RunAsync(["store", "diff-closures", before, after], null, cancellationToken).ConfigureAwait(false);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(StripAnsi).ToList();
    }

    /// <summary>Evaluates <paramref name="installable"/> (such as <c>path:/x#nixosConfigurations.a.config.boot.miniguest</c>)
    /// and returns its value as JSON text.</summary>
    public Task<string> EvalJsonAsync(string installable, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(installable);
        return RunAsync(["eval", "--json", installable], null, cancellationToken);
    }

    /// <summary>Copies store paths and their closures to another store (<c>ssh://host</c>, <c>file:///dir</c>, …).</summary>
    public Task CopyAsync(string destination, IReadOnlyList<string> storePaths, IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(destination);
        ArgumentNullException.ThrowIfNull(storePaths);
        return RunAsync(["copy", "--to", destination, .. storePaths], progress, cancellationToken);
    }

    /// <summary>The size in bytes of a store path's closure.</summary>
    public async Task<long> ClosureSizeAsync(string storePath, CancellationToken cancellationToken = default)
    {
        var output = await RunAsync(["path-info", "--json", "--closure-size", storePath], null, cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(output);
        // A list of objects before Nix 2.19, an object keyed by path after.
        var info = document.RootElement.ValueKind == JsonValueKind.Array
            ? document.RootElement[0]
            : document.RootElement.EnumerateObject().First().Value;
        return info.GetProperty("closureSize").GetInt64();
    }

    private Process Start(ProcessStartInfo startInfo)
    {
        try
        {
            return Process.Start(startInfo) ?? throw new NixNotFoundException(_settings.Executable, "it did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new NixNotFoundException(_settings.Executable, System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(e.NativeErrorCode), e);
        }
    }

    /// <summary>Runs nix with <paramref name="arguments"/> and returns its standard output.</summary>
    /// <exception cref="NixException">nix exited with a non-zero code.</exception>
    /// <exception cref="NixNotFoundException">nix cannot be run at all.</exception>
    internal async Task<string> RunAsync(IReadOnlyList<string> arguments, IProgress<string>? progress,
        CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(_settings.Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in CommonArguments)
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
        using var process = Start(startInfo);
        process.StandardInput.Close();
        var errors = new StringBuilder();
        var logPump = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                HandleLogLine(line, errors, progress);
            }
        }, CancellationToken.None);
        try
        {
            var standardOutput = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            await logPump.ConfigureAwait(false);
            return process.ExitCode == 0
                ? standardOutput
                : throw new NixException(arguments, process.ExitCode, errors.ToString());
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }

    private void HandleLogLine(string line, StringBuilder errors, IProgress<string>? progress)
    {
        const string Prefix = "@nix ";
        if (!line.StartsWith(Prefix, StringComparison.Ordinal))
        {
            // Older tools and wrappers may print plain text: keep it for the error message.
            errors.AppendLine(StripAnsi(line));
            _logger.LogDebug("nix: {Line}", line);
            return;
        }
        try
        {
            using var entry = JsonDocument.Parse(line.AsMemory(Prefix.Length));
            var root = entry.RootElement;
            var action = root.TryGetProperty("action", out var a) ? a.GetString() : null;
            var level = root.TryGetProperty("level", out var l) && l.TryGetInt32(out var n) ? n : 0;
            switch (action)
            {
                case "msg" when root.TryGetProperty("msg", out var message):
                    var text = StripAnsi(message.GetString() ?? "");
                    if (level <= 1)
                    {
                        errors.AppendLine(text); // errors and warnings
                    }
                    _logger.LogDebug("nix: {Message}", text);
                    break;
                // Levels: 0 error … 3 info; deeper levels are chatter.
                case "start" when level <= 3 && root.TryGetProperty("text", out var activity) && activity.GetString() is { Length: > 0 } started:
                    progress?.Report(StripAnsi(started));
                    _logger.LogDebug("nix: {Activity}", started);
                    break;
            }
        }
        catch (JsonException)
        {
            errors.AppendLine(line);
        }
    }

    private static string StripAnsi(string text) => AnsiEscape().Replace(text, "");

    [System.Text.RegularExpressions.GeneratedRegex("\\x1b\\[[0-9;]*[A-Za-z]")]
    private static partial System.Text.RegularExpressions.Regex AnsiEscape();
}
