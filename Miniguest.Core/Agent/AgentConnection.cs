using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.Extensions.Logging;

namespace Miniguest.Core;

/// <summary>
/// The agent (<see cref="MiniguestAgent"/>) on another host, reached over SSH: started by the first request, over the
/// command's shared login where it has one, and kept for the command's next requests, which it answers in turn; ended
/// when this is disposed of. The only command line run there is one exec of <c>miniguest agent</c>, with the places Nix
/// installs programs added to the search path (<see cref="AgentProgram"/>).
/// </summary>
internal sealed class AgentConnection(SshTarget target, SshSession? session, AgentProgram program, ILogger logger) : IDisposable
{
    /// <summary>How long ssh waits for the target to answer.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _turn = new(1, 1);
    private Process? _process;
    private Task<Process>? _started;
    private Task<string>? _error;
    private bool _hello;

    /// <summary>The host the agent runs on.</summary>
    public string Host => target.Host;

    /// <summary>Sends one request and returns its result, read as <paramref name="resultType"/>.</summary>
    /// <exception cref="RemoteHostException">The host could not be reached, has no agent of this protocol, or refused the
    /// request: the reason, in one line.</exception>
    /// <exception cref="GuestAlreadyInstalledException">The guest is installed there already.</exception>
    public async Task<TResult> RequestAsync<TArguments, TResult>(string operation, TArguments arguments, JsonTypeInfo<TArguments> argumentsType,
        JsonTypeInfo<TResult> resultType, GuestName? guest, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var process = await (_started ??= StartAsync()).WaitAsync(cancellationToken).ConfigureAwait(false);
            logger.LogDebug("Asking the agent on {Host}: {Operation}", target.Host, operation);
            var request = new AgentRequest(operation, JsonSerializer.SerializeToElement(arguments, argumentsType));
            await process.StandardInput.WriteLineAsync(AgentProtocol.Line(request, AgentJsonContext.Default.AgentRequest)).ConfigureAwait(false);
            await process.StandardInput.FlushAsync(cancellationToken).ConfigureAwait(false);
            var line = await process.StandardOutput.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                ?? throw await EndedAsync($"its agent ended without answering {operation}").ConfigureAwait(false);
            var answer = Read(line, AgentJsonContext.Default.AgentAnswer);
            if (answer.Error is { } error)
            {
                throw answer.Refusal == AgentRefusal.AlreadyInstalled && guest is { } name
                    ? new GuestAlreadyInstalledException(name.Value, target.Host)
                    : new RemoteHostException(target.Host, error);
            }
            return answer.Result is { } result
                ? result.Deserialize(resultType) ?? throw Garbled($"its answer to {operation} is empty")
                : throw Garbled($"its answer to {operation} has no result");
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw;
        }
        catch (IOException e)
        {
            // The pipe to ssh broke: the agent or the login ended.
            throw await EndedAsync(e.Message).ConfigureAwait(false);
        }
        finally
        {
            _turn.Release();
        }
    }

    /// <summary>Starts the agent now, without waiting for it: its login then overlaps what the command does meanwhile
    /// (libvirt's own login to the host, say). What goes wrong is told by the first request.</summary>
    public void StartEarly() => _started ??= StartAsync();

    /// <summary>Ends the agent: its input closes, and it ends as a command would; killed if it does not within 10 s.</summary>
    public void Dispose()
    {
        if (_process is { } process)
        {
            try
            {
                process.StandardInput.Close();
                if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
                {
                    process.Kill(entireProcessTree: true);
                }
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                // Gone already.
            }
            process.Dispose();
            _process = null;
        }
        _turn.Dispose();
    }

    // Starts ssh and the agent, and reads its hello: an agent of this protocol, or a refusal that says what to install there.
    private async Task<Process> StartAsync()
    {
        var start = target.Command(program.CommandLine, ConnectTimeout, session);
        logger.LogDebug("Starting the agent on {Host}: {Program}", target.Host, program.Program);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new RemoteHostException(target.Host, "ssh did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new RemoteHostException(target.Host, "ssh cannot be run: " + e.Message);
        }
        _process = process;
        _error = process.StandardError.ReadToEndAsync(CancellationToken.None);
        // Not cancelled: a request that is stops waiting for it, and kills the agent.
        var line = await process.StandardOutput.ReadLineAsync(CancellationToken.None).ConfigureAwait(false);
        AgentHello? hello = null;
        try
        {
            hello = line is null ? null : JsonSerializer.Deserialize(line, AgentJsonContext.Default.AgentHello);
        }
        catch (JsonException)
        {
            // Not an agent's hello: said below.
        }
        if (hello is not { Agent: AgentProtocol.Name })
        {
            throw await EndedAsync(null).ConfigureAwait(false);
        }
        if (hello.Protocol != AgentProtocol.Version)
        {
            throw new RemoteHostException(target.Host,
                $"it runs miniguest {hello.Version}, whose agent speaks protocol {hello.Protocol}; this one speaks protocol {AgentProtocol.Version}: "
                + $"install miniguest {MiniguestAgent.Version} there");
        }
        _hello = true;
        return process;
    }

    // Why the agent or its login ended, from ssh's exit code and the last line of standard error.
    private async Task<RemoteHostException> EndedAsync(string? what)
    {
        var process = _process!;
        if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
        {
            process.Kill(entireProcessTree: true);
        }
        var message = LastLine(await _error!.ConfigureAwait(false));
        var said = message ?? "no message";
        return process.ExitCode switch
        {
            // Once the agent ran, whatever ended it: its login cut, or the agent itself (a kill leaves no message).
            _ when what is not null && _hello => new RemoteHostException(target.Host, message is null
                ? $"{what}: the agent or its login was cut off (ssh exited {process.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture)})"
                : $"{what}: {message}"),
            // ssh's own failure: the target was not reached, or refused the login.
            255 => new RemoteHostException(target.Host, "cannot reach it over SSH: " + said),
            // The shell found no such program.
            126 or 127 => new RemoteHostException(target.Host,
                $"it has no miniguest to run ({said}): install miniguest {MiniguestAgent.Version} there, on root's PATH or in a Nix profile"),
            _ when what is null => new RemoteHostException(target.Host,
                $"its miniguest has no agent of protocol {AgentProtocol.Version} ({said}): install miniguest {MiniguestAgent.Version} there"),
            _ => new RemoteHostException(target.Host, $"{what}: {said}"),
        };
    }

    private RemoteHostException Garbled(string problem) => new(target.Host, problem);

    private T Read<T>(string line, JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(line, type) ?? throw Garbled("its agent answered null");
        }
        catch (JsonException e)
        {
            throw Garbled("its agent's answer does not parse: " + e.Message);
        }
    }

    private void Kill()
    {
        try
        {
            _process?.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Gone already.
        }
    }

    private static string? LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
}
