using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Miniguest.Core;

/// <summary>Settings of every <c>nix</c> command Miniguest runs.</summary>
public sealed record NixSettings
{
    /// <summary>The <c>nix</c> executable, a path or a name looked up in <c>PATH</c>.</summary>
    public string Executable { get; init; } = "nix";

    /// <summary>Extra Nix settings passed as <c>--option NAME VALUE</c>, for example an empty
    /// <c>substituters</c> to build offline.</summary>
    public IReadOnlyDictionary<string, string> Options { get; init; } = new Dictionary<string, string>();

    /// <summary>Whether evaluation errors carry Nix's whole trace (<c>--show-trace</c>).</summary>
    public bool ShowTrace { get; init; }
}

/// <summary>
/// A typed API over the <c>nix</c> command: the arguments of each thing Miniguest asks of Nix, and what it reads from
/// Nix's answers. An <see cref="INixRunner"/> runs them (<see cref="NixProcess"/>: the <c>nix</c> executable, with an
/// argument list, never a shell).
/// </summary>
internal sealed class NixCli(INixRunner runner)
{

    // For a flake only looked at (completion names a flake the user has not chosen to install yet): none of its code
    // runs but its Nix expressions. No builder, for import from derivation or otherwise (and if one were asked for,
    // no job to run it here or on a remote builder); no builtins.exec; none of its own settings (nixConfig); no file
    // outside its inputs; and no lock file written beside it.
    private static readonly string[] LookOnly =
    [
        "--no-write-lock-file",
        "--option", "allow-import-from-derivation", "false",
        "--option", "max-jobs", "0",
        "--option", "builders", "",
        "--option", "allow-unsafe-native-code-during-evaluation", "false",
        "--option", "accept-flake-config", "false",
        "--option", "pure-eval", "true",
    ];

    /// <summary>Builds an installable (such as <c>path:/x#nixosConfigurations.a.config.system.build.miniguest</c>)
    /// without creating a <c>result</c> link, and returns what was built.</summary>
    /// <exception cref="NixException">Evaluation or the build failed.</exception>
    public async Task<IReadOnlyList<NixBuildResult>> BuildAsync(string installable, IProgress<NixProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(installable);
        // Nix 2.8 lacks --print-out-paths; --json is in every version.
        var output = await RunAsync(["build", "--json", "--no-link", installable], progress, cancellationToken).ConfigureAwait(false);
        return JsonSerializer.Deserialize(output, CoreJsonContext.Default.ListNixBuildResult)
            ?? throw new NixException(["build", installable], 0, "nix build --json printed null");
    }

    /// <summary>Evaluates and builds <paramref name="installable"/> and installs it into the <c>nix profile</c>
    /// profile at <paramref name="profile"/>, recording the flake reference for later upgrades.</summary>
    /// <exception cref="NixException">Evaluation or the build failed; the profile is unchanged.</exception>
    public Task ProfileInstallAsync(string profile, string installable, IProgress<NixProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        RunAsync(["profile", "install", "--profile", profile, installable], progress, cancellationToken);

    /// <summary>Makes <paramref name="storePath"/> (already in the store) the profile's next generation; nothing
    /// changes if it is the current one already.</summary>
    public Task SetProfileAsync(string profile, string storePath, CancellationToken cancellationToken = default) =>
        RunAsync(["build", "--no-link", "--profile", profile, storePath], null, cancellationToken);

    /// <summary>Makes <paramref name="link"/> a link to <paramref name="storePath"/>, a valid path of this host's store, and
    /// registers it with the garbage collector as an indirect root (<c>nix build --out-link LINK PATH</c>, as
    /// <c>nix-store --realise PATH --add-root LINK</c> does): while the link leads to the path, its closure is not collected;
    /// once the link is deleted, or leads elsewhere, it no longer roots it. Nothing is built or substituted: a path the
    /// store does not hold is an error.</summary>
    /// <exception cref="ArgumentException"><paramref name="storePath"/> is not a store path itself, or is a derivation
    /// (which <c>nix build</c> would build); or <paramref name="link"/> is not absolute.</exception>
    /// <exception cref="NixException">Nix refused: the path is not valid, or something not a link into the store is at
    /// <paramref name="link"/>.</exception>
    public Task AddRootAsync(string storePath, string link, CancellationToken cancellationToken = default)
    {
        if (!NixStore.IsRootable(storePath))
        {
            throw new ArgumentException($"'{storePath}' is not a store path that can be a root", nameof(storePath));
        }
        if (!Path.IsPathFullyQualified(link))
        {
            throw new ArgumentException($"'{link}' is not an absolute path", nameof(link));
        }
        return RunAsync(["build", "--out-link", link, storePath], null, cancellationToken);
    }

    /// <summary>Builds <paramref name="derivation"/> (or substitutes its outputs) and returns its outputs' store paths.</summary>
    /// <exception cref="NixException">The build failed.</exception>
    public async Task<IReadOnlyList<string>> RealiseAsync(string derivation, CancellationToken cancellationToken = default)
    {
        if (!NixStore.IsStorePath(derivation) || !derivation.EndsWith(".drv", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{derivation}' is not a derivation in the store", nameof(derivation));
        }
        string output;
        try
        {
            // DRV^* names every output of the derivation from Nix 2.13 on, where a bare DRV names the file itself.
            output = await RunAsync(["build", "--json", "--no-link", derivation + "^*"], null, cancellationToken).ConfigureAwait(false);
        }
        catch (NixException) when (!cancellationToken.IsCancellationRequested)
        {
            // Before 2.13 there is no ^, and a bare DRV names its outputs.
            output = await RunAsync(["build", "--json", "--no-link", derivation], null, cancellationToken).ConfigureAwait(false);
        }
        return [.. (JsonSerializer.Deserialize(output, CoreJsonContext.Default.ListNixBuildResult) ?? []).SelectMany(result => result.Outputs.Values)];
    }

    /// <summary>The locked URL a flake reference resolves to now (<c>nix flake metadata</c>).</summary>
    public async Task<string> ResolveFlakeAsync(string flakeRef, CancellationToken cancellationToken = default)
    {
        var output = await RunAsync(["flake", "metadata", "--json", flakeRef], null, cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(output);
        return document.RootElement.TryGetProperty("url", out var url) && url.GetString() is { } text
            ? text
            : throw new NixException(["flake", "metadata", flakeRef], 0, "nix flake metadata printed no url");
    }

    /// <summary>The store paths of a closure (<c>nix path-info --recursive</c>).</summary>
    public async Task<IReadOnlyList<string>> ClosureAsync(string storePath, CancellationToken cancellationToken = default)
    {
        var output = await RunAsync(["path-info", "--recursive", storePath], null, cancellationToken).ConfigureAwait(false);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>What changed between two closures, one line a package (<c>nix store diff-closures</c>).</summary>
    public async Task<IReadOnlyList<string>> DiffClosuresAsync(string before, string after, CancellationToken cancellationToken = default)
    {
        var output = await RunAsync(["store", "diff-closures", before, after], null, cancellationToken).ConfigureAwait(false);
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(NixLog.StripAnsi).ToList();
    }

    /// <summary>Evaluates <paramref name="installable"/> (such as <c>path:/x#nixosConfigurations.a.config.boot.miniguest</c>)
    /// and returns its value as JSON text.</summary>
    public Task<string> EvalJsonAsync(string installable, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(installable);
        return RunAsync(["eval", "--json", installable], null, cancellationToken);
    }

    /// <summary>The names of a flake's <c>nixosConfigurations</c> that an <see cref="InstallableReference"/> to
    /// <paramref name="flakeRef"/> can name as they are, and a guest can have (<see cref="InstallableReference.IsGuestAttribute"/>).
    /// Nix only evaluates the flake: no builder of its runs, and no lock file is written beside it.</summary>
    /// <exception cref="NixException">The flake cannot be evaluated without building, or has no <c>nixosConfigurations</c>.</exception>
    public async Task<IReadOnlyList<string>> ConfigurationNamesAsync(string flakeRef, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(flakeRef);
        // Only the names are evaluated, not the configurations.
        var output = await RunAsync(["eval", "--json", $"{flakeRef}#nixosConfigurations", "--apply", "builtins.attrNames", .. LookOnly], null,
            cancellationToken).ConfigureAwait(false);
        return (JsonSerializer.Deserialize(output, CoreJsonContext.Default.ListString) ?? []).Where(InstallableReference.IsGuestAttribute).ToList();
    }

    /// <summary>Copies store paths and their closures to another store (<c>ssh://host</c>, <c>file:///dir</c>, …).</summary>
    /// <param name="destination">The store to copy to.</param>
    /// <param name="storePaths">The paths.</param>
    /// <param name="progress">Receives Nix's progress.</param>
    /// <param name="environment">More environment for nix (its ssh's options, say).</param>
    /// <param name="cancellationToken">Kills nix.</param>
    public Task CopyAsync(string destination, IReadOnlyList<string> storePaths, IProgress<NixProgress>? progress = null,
        IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(destination);
        ArgumentNullException.ThrowIfNull(storePaths);
        return RunAsync(["copy", "--to", destination, .. storePaths], progress, cancellationToken, environment);
    }

    /// <summary>Copies derivations (<c>.drv</c> files) and their closures, the derivations they build on and their
    /// sources, to another store, where they can be built: not what they build.</summary>
    public Task CopyDerivationsAsync(string destination, IReadOnlyList<string> derivations, IProgress<NixProgress>? progress = null,
        IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(destination);
        ArgumentNullException.ThrowIfNull(derivations);
        return RunAsync(["copy", "--derivation", "--to", destination, .. derivations], progress, cancellationToken, environment);
    }

    /// <summary>Copies exactly <paramref name="storePaths"/>, not their closures, from another store into this host's,
    /// without asking for signatures: for paths the caller has checked, whose references this host's store holds or
    /// <paramref name="storePaths"/> names (Nix registers no path whose references are not valid).</summary>
    /// <param name="source">The store to copy from.</param>
    /// <param name="storePaths">The paths.</param>
    /// <param name="progress">Receives Nix's progress.</param>
    /// <param name="environment">More environment for nix (its ssh's options, say).</param>
    /// <param name="cancellationToken">Kills nix.</param>
    public Task CopyFromAsync(string source, IReadOnlyList<string> storePaths, IProgress<NixProgress>? progress = null,
        IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentNullException.ThrowIfNull(storePaths);
        return RunAsync(["copy", "--no-recursive", "--no-check-sigs", "--from", source, .. storePaths], progress, cancellationToken, environment);
    }

    /// <summary>The output paths of <paramref name="derivation"/> and of every derivation it is built from, keyed by
    /// derivation, as this host's store holds them (<c>nix show-derivation --recursive</c>): what their builds are
    /// written to, wherever they run. A content-addressed output, whose path only its build tells, has none.</summary>
    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> DerivationOutputsAsync(string derivation,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(derivation);
        var output = await RunAsync(["show-derivation", "--recursive", derivation], null, cancellationToken).ConfigureAwait(false);
        return ParseDerivationOutputs(output);
    }

    internal static IReadOnlyDictionary<string, IReadOnlyList<string>> ParseDerivationOutputs(string json)
    {
        using var document = JsonDocument.Parse(json);
        var derivations = document.RootElement.TryGetProperty("derivations", out var inner) && inner.ValueKind == JsonValueKind.Object
            ? inner
            : document.RootElement;
        var outputs = new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        foreach (var entry in derivations.EnumerateObject())
        {
            outputs[InStore(entry.Name)] = entry.Value.TryGetProperty("outputs", out var named) && named.ValueKind == JsonValueKind.Object
                ? [.. named.EnumerateObject()
                    .Where(o => o.Value.ValueKind == JsonValueKind.Object && o.Value.TryGetProperty("path", out var path) && path.ValueKind == JsonValueKind.String)
                    .Select(o => InStore(o.Value.GetProperty("path").GetString()!))]
                : [];
        }
        return outputs;
    }

    // Nix names store paths in full in its JSON, or (newer versions) by their name in the store alone.
    private static string InStore(string path) => path.StartsWith('/') ? path : NixStore.DefaultDirectory + "/" + path;

    /// <summary>Those of <paramref name="storePaths"/> that this host's store does not hold as valid paths; nothing is
    /// substituted or built to find out.</summary>
    public async Task<IReadOnlyList<string>> InvalidPathsAsync(IReadOnlyCollection<string> storePaths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(storePaths);
        if (storePaths.Count == 0)
        {
            return [];
        }
        var output = await RunAsync(["path-info", "--json", "--offline", .. storePaths], null, cancellationToken).ConfigureAwait(false);
        return ParseInvalidPaths(output);
    }

    internal static IReadOnlyList<string> ParseInvalidPaths(string json)
    {
        using var document = JsonDocument.Parse(json);
        // A list of objects, an invalid one marked "valid": false, before Nix 2.19; an object keyed by path after, an
        // invalid one null.
        return document.RootElement.ValueKind == JsonValueKind.Array
            ? [.. document.RootElement.EnumerateArray()
                .Where(info => info.TryGetProperty("valid", out var valid) && valid.ValueKind == JsonValueKind.False)
                .Select(info => info.GetProperty("path").GetString()!)]
            : [.. document.RootElement.EnumerateObject().Where(info => info.Value.ValueKind == JsonValueKind.Null).Select(info => info.Name)];
    }

    /// <summary>The derivation <paramref name="installable"/> (<c>FLAKEREF#ATTRPATH</c>) evaluates to, written to this
    /// host's store by the evaluation, and not built.</summary>
    public async Task<string> DerivationAsync(string installable, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(installable);
        return (await RunAsync(["eval", "--raw", installable + ".drvPath"], null, cancellationToken).ConfigureAwait(false)).Trim();
    }

    /// <summary>The size in bytes of a store path's closure.</summary>
    public async Task<long> ClosureSizeAsync(string storePath, CancellationToken cancellationToken = default)
    {
        var output = await RunAsync(["path-info", "--json", "--closure-size", storePath], null, cancellationToken).ConfigureAwait(false);
        using var document = JsonDocument.Parse(output);
        // A list of objects before Nix 2.19, an object keyed by path after.
        var info = document.RootElement.ValueKind == JsonValueKind.Array
            ? document.RootElement[0]
            : document.RootElement.EnumerateObject().First().Value;
        return info.GetProperty("closureSize").GetInt64();
    }

    /// <summary>Runs nix with <paramref name="arguments"/> and returns its standard output.</summary>
    /// <exception cref="NixException">nix exited with a non-zero code.</exception>
    /// <exception cref="NixNotFoundException">nix cannot be run at all.</exception>
    internal Task<string> RunAsync(IReadOnlyList<string> arguments, IProgress<NixProgress>? progress,
        CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null) =>
        runner.RunAsync(arguments, progress, environment, cancellationToken);
}
