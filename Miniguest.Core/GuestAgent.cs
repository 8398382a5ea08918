using System.Text;
using System.Threading.Channels;
using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>The host's side of a session with Miniguest's agent in a running guest, over its channel
/// (<see cref="GuestChannel"/>; the agent is nix/guest-agent.sh): one request a line, answered a line at a time. What
/// comes from the guest is hostile: each line is cut at <see cref="MaxLineBytes"/>, and escaped before a terminal gets it.</summary>
internal sealed class GuestAgent : IDisposable
{
    /// <summary>How long the agent has to say who it is: it looks at a channel nobody is connected to once a second.</summary>
    public static readonly TimeSpan HelloTimeout = TimeSpan.FromSeconds(15);

    /// <summary>The longest line read from the guest; the rest of a longer one is dropped.</summary>
    public const int MaxLineBytes = 4096;

    private readonly DomainStream _stream;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly string _guest;

    private GuestAgent(DomainStream stream, string guest)
    {
        _stream = stream;
        _guest = guest;
        _ = Task.Factory.StartNew(ReadLines, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    /// <summary>A session with the agent of the running domain <paramref name="domain"/> (its live description
    /// <paramref name="running"/>), once the agent said who it is. A VM's channel that another client holds is taken over.</summary>
    /// <exception cref="GuestHasNoChannelException">The running domain has no channel.</exception>
    /// <exception cref="GuestAgentException">The agent did not say who it is in time.</exception>
    public static async Task<GuestAgent> ConnectAsync(Domain domain, DomainDescription running, string guest, CancellationToken cancellationToken)
    {
        if (!(running.Vm?.AgentChannel ?? running.Container!.AgentChannel))
        {
            throw new GuestHasNoChannelException(guest);
        }
        // LXC's driver takes no flags: a console another client holds is refused.
        var stream = running.IsContainer
            ? domain.OpenConsole(GuestChannel.ContainerConsole)
            : domain.OpenChannel(GuestChannel.PortName, DomainChannelFlags.Force);
        var agent = new GuestAgent(stream, guest);
        try
        {
            await agent.HelloAsync(cancellationToken).ConfigureAwait(false);
            return agent;
        }
        catch
        {
            agent.Dispose();
            throw;
        }
    }

    /// <summary>Asks the agent to activate <paramref name="system"/>, a NixOS system in the store, with its own
    /// <c>switch-to-configuration switch</c>; each line of the activation's output goes to <paramref name="output"/>, escaped,
    /// as it comes.</summary>
    /// <exception cref="GuestAgentException">The agent stopped answering, or answered out of its protocol.</exception>
    public async Task<GuestActivation> SwitchAsync(string system, IProgress<string>? output, CancellationToken cancellationToken)
    {
        Send($"switch {system}");
        while (true)
        {
            var (line, word, rest) = await NextAnswerAsync("during the switch", cancellationToken).ConfigureAwait(false);
            switch (word)
            {
                case "out":
                    output?.Report(TerminalText.Escape(rest));
                    break;
                case "done":
                    return new GuestActivation(ActivationOutcome.Switched, null, null);
                case "failed" when int.TryParse(rest.Split(' ')[0], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var status):
                    return new GuestActivation(rest.EndsWith(" switched-back", StringComparison.Ordinal) ? ActivationOutcome.FailedSwitchedBack : ActivationOutcome.Failed,
                        status, null);
                case "refused":
                    return new GuestActivation(ActivationOutcome.Refused, null, TerminalText.Escape(rest));
                default:
                    throw new GuestAgentException($"guest '{_guest}' answered out of the agent's protocol: {Shown(line)}");
            }
        }
    }

    /// <summary>Asks the agent to run <paramref name="command"/> with <c>sh -c</c> as the guest's root, its input empty;
    /// each line of its standard output and error goes to <paramref name="output"/> and <paramref name="errors"/>, escaped,
    /// as it comes.</summary>
    /// <returns>The command's exit status.</returns>
    /// <exception cref="GuestAgentException">The agent refused, stopped answering, or answered out of its protocol.</exception>
    public async Task<int> RunAsync(string command, IProgress<string> output, IProgress<string> errors, CancellationToken cancellationToken)
    {
        Send($"run {command}");
        while (true)
        {
            var (line, word, rest) = await NextAnswerAsync("while the command ran", cancellationToken).ConfigureAwait(false);
            switch (word)
            {
                case "out":
                    output.Report(TerminalText.Escape(rest));
                    break;
                case "err":
                    errors.Report(TerminalText.Escape(rest));
                    break;
                case "exit" when int.TryParse(rest, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var status):
                    return status;
                case "refused":
                    throw new GuestAgentException(rest == "unknown request"
                        ? $"guest '{_guest}' runs an agent that cannot run commands: restart it on a generation built with this Miniguest's guest module"
                        : $"guest '{_guest}' refused the command: {TerminalText.Escape(rest)}");
                default:
                    throw new GuestAgentException($"guest '{_guest}' answered out of the agent's protocol: {Shown(line)}");
            }
        }
    }

    public void Dispose() => _stream.Dispose();

    // A line the guest sent, as an error quotes it: escaped, and no longer than an error line can be read.
    private static string Shown(string line) => TerminalText.Escape(line.Length > 80 ? line[..80] + "…" : line);

    // Says hello until the agent says who it is: what came before on the channel (an earlier session's end, a terminal's
    // echo of the hello itself before the agent made the console raw) is not the answer.
    private async Task HelloAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + HelloTimeout;
        while (DateTime.UtcNow < deadline)
        {
            Send("hello");
            var line = await NextLineAsync(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
            while (line is not null && line != GuestChannel.Hello && !line.StartsWith("agent ", StringComparison.Ordinal))
            {
                line = await NextLineAsync(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
            }
            if (line == GuestChannel.Hello)
            {
                return;
            }
            if (line is not null)
            {
                throw new GuestAgentException($"guest '{_guest}' runs an agent of another protocol ({Shown(line)}; this Miniguest speaks "
                    + $"'{GuestChannel.Hello}'): restart it on a generation built with this Miniguest's guest module");
            }
        }
        throw new GuestAgentException($"guest '{_guest}' did not answer on its channel within {HelloTimeout.TotalSeconds:0} s: the generation it runs has no "
            + "Miniguest agent (built by an older guest module?), or the agent is busy; restart it once on a generation that has one");
    }

    private void Send(string request) => _stream.Write(Encoding.UTF8.GetBytes(request + "\n"));

    // The next line of an answer, its first word and the text after it; the channel closing (when) ends the session.
    private async Task<(string Line, string Word, string Text)> NextAnswerAsync(string when, CancellationToken cancellationToken)
    {
        var line = await NextLineAsync(Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false)
            ?? throw new GuestAgentException($"guest '{_guest}' closed its channel {when} (it stopped?)");
        return line.IndexOf(' ', StringComparison.Ordinal) is var space and >= 0 ? (line, line[..space], line[(space + 1)..]) : (line, line, "");
    }

    // The next line from the guest; null when none came within the time, or the channel closed.
    private async Task<string?> NextLineAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (wait != Timeout.InfiniteTimeSpan)
        {
            timeout.CancelAfter(wait);
        }
        try
        {
            return await _lines.Reader.ReadAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    // Reads the channel into lines, each cut at MaxLineBytes, until it closes.
    private void ReadLines()
    {
        var line = new List<byte>();
        var buffer = new byte[4096];
        try
        {
            int read;
            while ((read = _stream.Read(buffer)) > 0)
            {
                foreach (var b in buffer.AsSpan(0, read))
                {
                    if (b == (byte)'\n')
                    {
                        _lines.Writer.TryWrite(Encoding.UTF8.GetString([.. line]).TrimEnd('\r'));
                        line.Clear();
                    }
                    else if (line.Count < MaxLineBytes)
                    {
                        line.Add(b);
                    }
                }
            }
        }
        catch (Exception e) when (e is LibvirtException or ObjectDisposedException or IOException)
        {
            // The channel closed under the read: the session is over.
        }
        _lines.Writer.TryComplete();
    }
}

/// <summary>How an activation in the guest ended.</summary>
internal enum ActivationOutcome
{
    /// <summary>The new system is active.</summary>
    Switched,

    /// <summary>It failed, and the system the guest ran before is active again.</summary>
    FailedSwitchedBack,

    /// <summary>It failed, and the guest could not go back.</summary>
    Failed,

    /// <summary>The agent refused to run it.</summary>
    Refused,
}

/// <summary>What the agent said of an activation: how it ended, its exit status where it failed, and why the agent refused.</summary>
internal sealed record GuestActivation(ActivationOutcome Outcome, int? Status, string? Refusal);
