using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Miniguest.Core;

/// <summary>
/// Runs <c>nix</c> as a process with an argument list (never a shell). Works with Nix 2.8 and later and with Lix: it
/// enables the experimental features it needs on every run. Nix logs as JSON (<c>--log-format internal-json</c>), read by
/// <see cref="NixLog"/>: what it builds is reported as <see cref="NixProgress"/>, its warnings are logged, and its whole
/// error goes into <see cref="NixException"/>.
/// </summary>
internal sealed class NixProcess(NixSettings settings, ILogger? logger = null) : INixRunner
{
    private static readonly string[] CommonArguments =
        ["--extra-experimental-features", "nix-command flakes", "--log-format", "internal-json"];

    private readonly ILogger _logger = logger ?? NullLogger.Instance;

    private Process Start(ProcessStartInfo startInfo)
    {
        try
        {
            return Process.Start(startInfo) ?? throw new NixNotFoundException(settings.Executable, "it did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new NixNotFoundException(settings.Executable, System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(e.NativeErrorCode), e);
        }
    }

    /// <inheritdoc/>
    /// <remarks>A run that failed while its flake's evaluation cache was busy (another evaluation of the same flake was
    /// writing it) runs once more, without the cache.</remarks>
    public async Task<string> RunAsync(IReadOnlyList<string> arguments, IProgress<NixProgress>? progress,
        IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var (exitCode, output, log) = await RunOnceAsync(arguments, progress, evalCache: true, environment, cancellationToken).ConfigureAwait(false);
        if (exitCode != 0 && log.EvalCacheBusy)
        {
            _logger.LogDebug("nix failed with its evaluation cache busy; running it again without the cache");
            (exitCode, output, log) = await RunOnceAsync(arguments, progress, evalCache: false, environment, cancellationToken).ConfigureAwait(false);
        }
        return exitCode == 0 ? output : throw new NixException(arguments, exitCode, log.Error);
    }

    private async Task<(int ExitCode, string Output, NixLog Log)> RunOnceAsync(IReadOnlyList<string> arguments,
        IProgress<NixProgress>? progress, bool evalCache, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(settings.Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        // A temporary directory of nix's own, deleted when it exits: Nix 2.8's `nix profile` leaves its build directory
        // (/tmp/nix-PID-N) behind at every run.
        var temporary = Directory.CreateTempSubdirectory("miniguest-nix-");
        startInfo.Environment["TMPDIR"] = temporary.FullName;
        foreach (var (variable, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[variable] = value;
        }
        foreach (var argument in CommonArguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        if (settings.ShowTrace)
        {
            startInfo.ArgumentList.Add("--show-trace");
        }
        var options = evalCache ? settings.Options : new Dictionary<string, string>(settings.Options) { ["eval-cache"] = "false" };
        foreach (var (name, value) in options)
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
        try
        {
            return await RunProcessAsync(startInfo, progress, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                temporary.Delete(recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogDebug("Could not delete nix's temporary directory {Directory}: {Message}", temporary.FullName, e.Message);
            }
        }
    }

    private async Task<(int ExitCode, string Output, NixLog Log)> RunProcessAsync(ProcessStartInfo startInfo, IProgress<NixProgress>? progress,
        CancellationToken cancellationToken)
    {
        using var process = Start(startInfo);
        process.StandardInput.Close();
        var log = new NixLog(_logger, progress);
        var logPump = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync(CancellationToken.None).ConfigureAwait(false) is { } line)
            {
                log.Read(line);
            }
        }, CancellationToken.None);
        try
        {
            var standardOutput = await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            await logPump.ConfigureAwait(false);
            return (process.ExitCode, standardOutput, log);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }
}
