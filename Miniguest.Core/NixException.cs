namespace Miniguest.Core;

/// <summary>A <c>nix</c> command failed. The message names the command and the first line of Nix's error, as
/// <c>nix profile install: builder for … failed</c>; <see cref="Error"/> is the whole of it.</summary>
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

    /// <summary>The command that failed, such as <c>nix build</c> or <c>nix profile install</c>: its first words.</summary>
    public string Command => CommandOf(Arguments);

    /// <summary>What Nix said, as one line, without its <c>error: </c> prefixes: for a failure that is about another host
    /// (ssh's complaint and Nix's), not a build.</summary>
    internal string OneLine() =>
        string.Join("; ", Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.StartsWith("error: ", StringComparison.Ordinal) ? line[7..] : line));

    /// <summary>Nix's error without the <c>error: </c> its first line starts with: the message already says it is one.</summary>
    public string ErrorWithoutPrefix => Error.StartsWith("error: ", StringComparison.Ordinal) ? Error["error: ".Length..] : Error;

    // nix and the words naming what it was asked (build; profile install; flake metadata), up to an option or an operand.
    private static string CommandOf(IReadOnlyList<string> arguments) =>
        string.Join(' ', ["nix", .. arguments.TakeWhile(word => word.Length > 0 && word.All(c => char.IsAsciiLetterLower(c) || c == '-') && word[0] != '-').Take(2)]);

    private static string Describe(IReadOnlyList<string> arguments, int exitCode, string error)
    {
        var first = error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? "";
        return $"{CommandOf(arguments)}: {(first.StartsWith("error: ", StringComparison.Ordinal) ? first[7..] : first)}"
            + (first.Length == 0 ? $"exit code {exitCode}" : "");
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
