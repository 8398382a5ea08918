using Microsoft.Extensions.Logging;
using Miniguest.Core;

namespace Miniguest.Cli;

/// <summary>
/// Shows what Nix is building. On a terminal: one line, rewritten in place (<c>[2/3 built] hello-2.12: last log
/// line</c>) and cleared when the build ends, so that nothing printed next is glued to it. Otherwise, or with
/// <c>-v</c>: a plain line as each build starts (with <c>-v</c>, Nix's log lines follow as debug lines).
/// </summary>
internal sealed class BuildProgress : IProgress<NixProgress>, IDisposable
{
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(50);

    private readonly ILogger _logger;
    private readonly bool _inPlace;
    private readonly Lock _gate = new();
    private DateTime _drawn;
    private bool _showing;
    private string? _lastActivity;

    public BuildProgress(ILogger logger, bool verbose)
    {
        _logger = logger;
        _inPlace = !verbose && !Console.IsErrorRedirected && logger.IsEnabled(LogLevel.Information);
    }

    public void Report(NixProgress value)
    {
        if (!_inPlace)
        {
            if (value.LogLine is null && value.Activity != _lastActivity)
            {
                _lastActivity = value.Activity;
                _logger.LogInformation("{Counter}{Activity}", Counter(value), value.Activity);
            }
            return;
        }
        lock (_gate)
        {
            // Log lines can come by the thousand: the line is redrawn at most every RedrawInterval.
            var now = DateTime.UtcNow;
            if (value.LogLine is not null && now - _drawn < RedrawInterval)
            {
                return;
            }
            _drawn = now;
            // A builder's log line is the builder's text, and may come from another host's build: escaped.
            var text = TerminalText.Escape(Counter(value) + value.Activity + (value.LogLine is { Length: > 0 } line ? ": " + line : ""));
            var width = Math.Max(20, Console.WindowWidth - 1);
            Console.Error.Write("\r\x1b[K" + (text.Length > width ? text[..(width - 1)] + "…" : text));
            _showing = true;
        }
    }

    /// <summary>Clears the progress line, if one is showing.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_showing)
            {
                Console.Error.Write("\r\x1b[K");
                _showing = false;
            }
        }
    }

    private static string Counter(NixProgress value) =>
        value.BuildsExpected > 0 ? $"[{value.BuildsDone}/{value.BuildsExpected} built] " : "";
}
