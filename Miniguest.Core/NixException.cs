namespace Miniguest.Core;

/// <summary>A <c>nix</c> command failed; the message ends with what nix printed as its error.</summary>
public sealed class NixException(IReadOnlyList<string> arguments, int exitCode, string standardError)
    : MiniguestException(Describe(arguments, exitCode, standardError))
{
    /// <summary>The arguments nix was run with.</summary>
    public IReadOnlyList<string> Arguments { get; } = arguments;

    /// <summary>nix's exit code.</summary>
    public int ExitCode { get; } = exitCode;

    /// <summary>Everything nix wrote to standard error.</summary>
    public string StandardError { get; } = standardError;

    private static string Describe(IReadOnlyList<string> arguments, int exitCode, string standardError)
    {
        var subcommand = arguments.FirstOrDefault(a => !a.StartsWith('-')) ?? "nix";
        var error = standardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .LastOrDefault(l => l.StartsWith("error:", StringComparison.Ordinal))
            ?? standardError.Trim().Split('\n').LastOrDefault() ?? "";
        return $"nix {subcommand} failed (exit {exitCode}): {error}";
    }
}

/// <summary>The <c>nix</c> executable cannot be run: Nix is not installed, or <see cref="NixSettings.Executable"/> names
/// something that is not there.</summary>
public sealed class NixNotFoundException(string executable, string reason, Exception? inner = null)
    : MiniguestException($"cannot run Nix ('{executable}'): {reason}", inner)
{
    /// <summary>The executable that was tried.</summary>
    public string Executable { get; } = executable;
}
