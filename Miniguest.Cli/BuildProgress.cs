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
    private readonly TextWriter _terminal;
    private readonly bool _inPlace;
    private readonly Lock _gate = new();
    private DateTime _drawn;
    private bool _showing;
    private string? _lastActivity;

    /// <param name="logger">Where a line per build goes.</param>
    /// <param name="terminal">The terminal the line rewritten in place is drawn on.</param>
    /// <param name="inPlace">Whether to draw it there (else a line per build).</param>
    public BuildProgress(ILogger logger, TextWriter terminal, bool inPlace)
    {
        _logger = logger;
        _terminal = terminal;
        _inPlace = inPlace && logger.IsEnabled(LogLevel.Information);
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
            var width = Math.Max(20, (StandardStreams.Columns(error: true) ?? 80) - 1);
            _terminal.Write("\r\x1b[K" + (text.Length > width ? text[..(width - 1)] + "…" : text));
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
                _terminal.Write("\r\x1b[K");
                _showing = false;
            }
        }
    }

    private static string Counter(NixProgress value) =>
        value.BuildsExpected > 0 ? $"[{value.BuildsDone}/{value.BuildsExpected} built] " : "";
}
