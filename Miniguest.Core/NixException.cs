namespace Miniguest.Core;

/// <summary>A <c>nix</c> command failed. The message names the command and the first line of Nix's error;
/// <see cref="Error"/> is the whole of it.</summary>
public sealed class NixException(IReadOnlyList<string> arguments, int exitCode, string error)
    : MiniguestException(Describe(arguments, exitCode, error))
{
    /// <summary>The arguments nix was run with.</summary>
    public IReadOnlyList<string> Arguments { get; } = arguments;

    /// <summary>nix's exit code.</summary>
    public int ExitCode { get; } = exitCode;

    /// <summary>What Nix said went wrong, whole, as it prints it: an evaluation error with its location and snippet,
    /// a failed build with the last lines of its log and the <c>nix log</c> command that shows the rest.</summary>
    public string Error { get; } = error;

    /// <summary>The command that failed, such as <c>nix build</c>.</summary>
    public string Command => "nix " + (Arguments.FirstOrDefault(a => !a.StartsWith('-')) ?? "");

    /// <summary>What Nix said, as one line, without its <c>error: </c> prefixes: for a failure that is about another host
    /// (ssh's complaint and Nix's), not a build.</summary>
    internal string OneLine() =>
        string.Join("; ", Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.StartsWith("error: ", StringComparison.Ordinal) ? line[7..] : line));

    private static string Describe(IReadOnlyList<string> arguments, int exitCode, string error)
    {
        var subcommand = arguments.FirstOrDefault(a => !a.StartsWith('-')) ?? "nix";
        var first = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        return $"nix {subcommand} failed (exit {exitCode}): {first}";
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
