using System.CommandLine;
using Microsoft.Extensions.Logging;
using Miniguest.Core;

namespace Miniguest.Cli;

/// <summary>What every command works with, made from the global options of one invocation.</summary>
internal sealed class CliContext : IDisposable
{
    private readonly ILoggerFactory _loggers;
    private readonly bool _redraws;

    public CliContext(ParseResult parse)
    {
        Verbose = parse.GetValue(GlobalOptions.Verbose);
        Quiet = parse.GetValue(GlobalOptions.Quiet);
        Out = parse.InvocationConfiguration.Output;
        Error = parse.InvocationConfiguration.Error;
        var level = Verbose ? LogLevel.Debug : Quiet ? LogLevel.Warning : LogLevel.Information;
        // Built directly rather than through LoggerFactory.Create: its service container costs every command
        // milliseconds of start-up, and there is only the one provider.
        _loggers = new LoggerFactory([new StderrLoggerProvider(level, Error)], new LoggerFilterOptions { MinLevel = level });
        Logger = _loggers.CreateLogger("miniguest");
        Connect = parse.GetValue(GlobalOptions.Connect);
        var environment = MiniguestRootCommand.EnvironmentOf(parse);
        // A terminal that cannot move its cursor (TERM=dumb: Emacs's shell, some CI runners), or that does not say what it
        // is, gets plain lines.
        _redraws = environment("TERM") is { Length: > 0 } term && term != "dumb";
        Host = new GuestHost(new GuestHostOptions
        {
            Paths = MiniguestPaths.FromEnvironment(environment),
            Uri = Connect,
            Nix = NixSettingsFrom(environment) with { ShowTrace = Verbose },
        }, _loggers);
    }

    public bool Verbose { get; }

    /// <summary>With <c>-q</c>: silent on success, so only errors and warnings are printed.</summary>
    public bool Quiet { get; }

    /// <summary>The libvirt URI given with <c>-c</c>, if any.</summary>
    public string? Connect { get; }

    public ILogger Logger { get; }

    /// <summary>The door to everything a command does to a guest.</summary>
    public IGuestHost Host { get; }

    /// <summary>Where what a command is for goes: standard output, unless the caller gave another writer.</summary>
    public TextWriter Out { get; }

    /// <summary>Where errors, warnings and logs go: standard error, unless the caller gave another writer.</summary>
    public TextWriter Error { get; }

    /// <summary>Whether the terminal, where there is one, can move its cursor and redraw (<c>TERM</c> says what it is,
    /// and not <c>dumb</c>).</summary>
    public bool TerminalRedraws => _redraws;

    /// <summary>Whether <see cref="Error"/> is a terminal.</summary>
    public bool ErrorIsTerminal => ReferenceEquals(Error, StandardStreams.Error) && StandardStreams.ErrorIsTerminal;

    /// <summary>Says what a command did (<c>started 'web'</c>), unless <c>-q</c> asked for silence; what a command is
    /// for (a listing, generated text) goes to <see cref="Out"/> regardless.</summary>
    public Task ReportAsync(string line) => Quiet ? Task.CompletedTask : Out.WriteLineAsync(line);

    /// <summary>A display of build progress for one build; dispose of it before printing anything else.</summary>
    public BuildProgress BuildProgress() => new(Logger, Error, inPlace: !Verbose && ErrorIsTerminal && TerminalRedraws);

    public void Dispose() => _loggers.Dispose();

    // MINIGUEST_NIX names another nix executable (a wrapper, Lix, a test build).
    /// <summary>How Nix is run, from the environment: <c>MINIGUEST_NIX</c> names another nix.</summary>
    internal static NixSettings NixSettingsFrom(Func<string, string?> environment) =>
        environment("MINIGUEST_NIX") is { Length: > 0 } nix ? new NixSettings { Executable = nix } : new NixSettings();
}
