using System.CommandLine;
using Microsoft.Extensions.Logging;
using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Cli;

/// <summary>What every command works with, made from the global options of one invocation.</summary>
internal sealed class CliContext : IDisposable
{
    private readonly ILoggerFactory _loggers;

    public CliContext(ParseResult parse)
    {
        Verbose = parse.GetValue(GlobalOptions.Verbose);
        var level = Verbose ? LogLevel.Debug : parse.GetValue(GlobalOptions.Quiet) ? LogLevel.Warning : LogLevel.Information;
        // Built directly rather than through LoggerFactory.Create: its service container costs every command
        // milliseconds of start-up, and there is only the one provider.
        _loggers = new LoggerFactory([new StderrLoggerProvider(level, Console.Error)], new LoggerFilterOptions { MinLevel = level });
        Logger = _loggers.CreateLogger("miniguest");
        Connect = parse.GetValue(GlobalOptions.Connect);
        Paths = MiniguestPaths.FromEnvironment();
        Store = new GuestStore(Paths);
        Nix = new NixCli(NixSettingsFromEnvironment(), _loggers.CreateLogger<NixCli>());
        Installer = new GuestInstaller(Store, Nix, Logger);
        Domains = new GuestDomains(Paths);
    }

    public bool Verbose { get; }

    /// <summary>The libvirt URI given with <c>-c</c>, if any.</summary>
    public string? Connect { get; }

    public ILogger Logger { get; }

    public MiniguestPaths Paths { get; }

    public GuestStore Store { get; }

    public NixCli Nix { get; }

    public GuestInstaller Installer { get; }

    public GuestDomains Domains { get; }

    public TextWriter Out => Console.Out;

    /// <summary>Opens the connection the guest's domain lives on.</summary>
    public Connection ConnectFor(Guest guest) => Connection.Open(Domains.UriFor(guest, Connect));

    /// <summary>Build progress: one line rewritten in place on a terminal, log lines otherwise.</summary>
    public IProgress<string> BuildProgress() =>
        Console.IsErrorRedirected ? new Progress<string>(text => Logger.LogInformation("{Activity}", text)) : new TerminalProgress();

    public void Dispose() => _loggers.Dispose();

    // MINIGUEST_NIX names another nix executable (a wrapper, Lix, a test build).
    private static NixSettings NixSettingsFromEnvironment() =>
        Environment.GetEnvironmentVariable("MINIGUEST_NIX") is { Length: > 0 } nix ? new NixSettings { Executable = nix } : new NixSettings();

    private sealed class TerminalProgress : IProgress<string>
    {
        public void Report(string value)
        {
            var width = Math.Max(20, Console.WindowWidth - 1);
            var line = value.Length > width ? value[..(width - 1)] + "…" : value;
            Console.Error.Write("\r\x1b[K" + line);
        }
    }
}
