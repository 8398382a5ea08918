using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Miniguest.Core;

namespace Miniguest.Cli;

/// <summary>
/// Shows what Nix is building. On a terminal that can redraw a line: one line, rewritten in place (<c>[2/3 built]
/// hello-2.12: last log line</c>) and cleared when the build ends, so that nothing printed next is glued to it.
/// Otherwise (a pipe, a log, <c>TERM=dumb</c>), or with <c>-v</c>: a plain line as each build starts, with the time since
/// the build began, and a line again while one step runs long, so that a log never looks stuck (with <c>-v</c>, Nix's
/// log lines follow as debug lines).
/// </summary>
internal sealed class BuildProgress : IProgress<NixProgress>, IDisposable
{
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>How long a step runs without a plain line before one says it still runs.</summary>
    public static readonly TimeSpan StillRunningInterval = TimeSpan.FromSeconds(30);

    private readonly ILogger _logger;
    private readonly TextWriter _terminal;
    private readonly bool _inPlace;
    private readonly TimeSpan _stillRunningInterval;
    private readonly Lock _gate = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Timer? _stillRunning;
    private DateTime _drawn;
    private bool _showing;
    private bool _disposed;
    private NixProgress? _step;
    private TimeSpan _lastLine;

    /// <param name="logger">Where a line per build goes.</param>
    /// <param name="terminal">The terminal the line rewritten in place is drawn on.</param>
    /// <param name="inPlace">Whether to draw it there (else a line per build).</param>
    /// <param name="stillRunningInterval">How long a step runs before a plain line says it still does (default:
    /// <see cref="StillRunningInterval"/>).</param>
    public BuildProgress(ILogger logger, TextWriter terminal, bool inPlace, TimeSpan? stillRunningInterval = null)
    {
        _logger = logger;
        _terminal = terminal;
        _inPlace = inPlace && logger.IsEnabled(LogLevel.Information);
        _stillRunningInterval = stillRunningInterval ?? StillRunningInterval;
        if (!inPlace && logger.IsEnabled(LogLevel.Information))
        {
            _stillRunning = new Timer(_ => SayStillRunning(), null, _stillRunningInterval, _stillRunningInterval);
        }
    }

    public void Report(NixProgress value)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }
            if (!_inPlace)
            {
                if (value.LogLine is null && value.Activity != _step?.Activity)
                {
                    _step = value;
                    _lastLine = _clock.Elapsed;
                    _logger.LogInformation("{Counter}{Activity}{Elapsed}", Counter(value), value.Activity,
                        _lastLine >= TimeSpan.FromSeconds(1) ? $" ({Duration(_lastLine)})" : "");
                }
                return;
            }
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

    /// <summary>Clears the progress line, if one is showing, and says no more.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            _stillRunning?.Dispose();
            if (_showing)
            {
                _terminal.Write("\r\x1b[K");
                _showing = false;
            }
        }
    }

    /// <summary>A time as a log says it: <c>42s</c>, <c>3m07s</c>, <c>1h02m</c>.</summary>
    public static string Duration(TimeSpan elapsed) => elapsed switch
    {
        { TotalHours: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{(int)elapsed.TotalHours}h{elapsed.Minutes:00}m"),
        { TotalMinutes: >= 1 } => string.Create(CultureInfo.InvariantCulture, $"{elapsed.Minutes}m{elapsed.Seconds:00}s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{elapsed.Seconds}s"),
    };

    // A plain line for a step that has run a whole interval since the last line: a log that says nothing for minutes looks
    // stuck.
    private void SayStillRunning()
    {
        lock (_gate)
        {
            var now = _clock.Elapsed;
            if (_disposed || _step is not { } step || now - _lastLine < _stillRunningInterval * 0.9)
            {
                return;
            }
            _lastLine = now;
            _logger.LogInformation("{Counter}{Activity} still running ({Elapsed})", Counter(step), step.Activity, Duration(now));
        }
    }

    private static string Counter(NixProgress value) =>
        value.BuildsExpected > 0 ? $"[{value.BuildsDone}/{value.BuildsExpected} built] " : "";
}
