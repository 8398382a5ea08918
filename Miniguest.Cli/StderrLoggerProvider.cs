using Microsoft.Extensions.Logging;
using Miniguest.Core;

namespace Miniguest.Cli;

/// <summary>Writes log messages to standard error at once, one line each: plain for information, prefixed for
/// warnings and errors, with the level and category at debug verbosity.</summary>
internal sealed class StderrLoggerProvider(LogLevel minimum, TextWriter error) : ILoggerProvider
{
    private static readonly Lock Gate = new();

    private LogLevel Minimum { get; } = minimum;

    private TextWriter Error { get; } = error;

    public ILogger CreateLogger(string categoryName) => new StderrLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class StderrLogger(StderrLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider.Minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }
            var prefix = logLevel switch
            {
                LogLevel.Trace or LogLevel.Debug => $"miniguest: debug: [{category}] ",
                LogLevel.Information => "miniguest: ",
                LogLevel.Warning => "miniguest: warning: ",
                _ => "miniguest: error: ",
            };
            lock (Gate)
            {
                // What is logged may quote another host or Nix (their warnings): its control characters are escaped.
                provider.Error.WriteLine(prefix + TerminalText.Escape(formatter(state, exception), keepLineBreaks: true));
                if (exception is not null && provider.Minimum <= LogLevel.Debug)
                {
                    provider.Error.WriteLine(exception);
                }
            }
        }
    }
}
