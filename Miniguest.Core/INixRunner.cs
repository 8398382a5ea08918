namespace Miniguest.Core;

/// <summary>Runs one <c>nix</c> command for <see cref="NixCli"/>: <see cref="NixProcess"/> in the product; a recording
/// one in tests of the steps around Nix.</summary>
internal interface INixRunner
{
    /// <summary>Runs nix with <paramref name="arguments"/> (the command's own: the runner adds what every run needs) and
    /// returns its standard output, reporting what it builds to <paramref name="progress"/>.</summary>
    /// <param name="arguments">The command and its arguments, such as <c>build --json --no-link INSTALLABLE</c>.</param>
    /// <param name="progress">Where what Nix builds and fetches is reported.</param>
    /// <param name="environment">Variables set for this run on top of the process's own.</param>
    /// <param name="cancellationToken">Stops the run: nix and its children are killed.</param>
    /// <exception cref="NixException">nix exited with a non-zero code.</exception>
    /// <exception cref="NixNotFoundException">nix cannot be run at all.</exception>
    Task<string> RunAsync(IReadOnlyList<string> arguments, IProgress<NixProgress>? progress, IReadOnlyDictionary<string, string>? environment,
        CancellationToken cancellationToken);
}
