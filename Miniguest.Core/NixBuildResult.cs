namespace Miniguest.Core;

/// <summary>One derivation that <c>nix build</c> built, and its output paths by output name.</summary>
internal sealed record NixBuildResult(string DrvPath, IReadOnlyDictionary<string, string> Outputs)
{
    /// <summary>The <c>out</c> output.</summary>
    public string Out => Outputs.TryGetValue("out", out var path)
        ? path
        : throw new InvalidOperationException($"{DrvPath} has no 'out' output");
}
