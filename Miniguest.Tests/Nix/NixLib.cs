using System.Text;
using System.Text.Json.Nodes;
using Miniguest.Core;

namespace Miniguest.Tests.Nix;

/// <summary>
/// Evaluates expressions over the repository's nix/lib.nix with the real <c>nix</c>, offline and without nixpkgs,
/// and parses Nix files.
/// </summary>
internal static class NixLib
{
    private static readonly Dictionary<string, string> Offline = new() { ["substituters"] = "", ["flake-registry"] = "" };

    private static readonly NixCli Nix = new(new NixProcess(new NixSettings { Options = Offline }));
    private static readonly NixCli NixInstantiate = new(new NixProcess(new NixSettings { Executable = "nix-instantiate", Options = Offline }));

    /// <summary>The value of <paramref name="expression"/>, in which <c>lib</c> is nix/lib.nix, as JSON.</summary>
    /// <exception cref="NixException">The evaluation failed.</exception>
    public static async Task<JsonNode?> EvalAsync(string expression)
    {
        var withLib = $"let lib = import {Literal(Repository.PathOf("nix/lib.nix"))}; in {expression}";
        // --impure: the expression imports a file by its absolute path.
        var output = await Nix.RunAsync(["eval", "--json", "--impure", "--expr", withLib], null, CancellationToken.None).ConfigureAwait(false);
        return JsonNode.Parse(output);
    }

    /// <summary>A Nix expression that imports the repository's file <paramref name="relativePath"/>.</summary>
    public static string Import(string relativePath) => $"(import {Literal(Repository.PathOf(relativePath))})";

    /// <summary>The string <paramref name="expression"/> evaluates to.</summary>
    public static async Task<string> EvalStringAsync(string expression) =>
        (await EvalAsync(expression).ConfigureAwait(false))?.GetValue<string>()
            ?? throw new InvalidOperationException($"{expression} evaluated to null");

    /// <summary>Parses a Nix file (<c>nix-instantiate --parse</c>) without evaluating it.</summary>
    /// <exception cref="NixException">The file does not parse.</exception>
    public static Task ParseAsync(string path) => NixInstantiate.RunAsync(["--parse", path], null, CancellationToken.None);

    /// <summary>Runs <c>nix --version</c> and <c>nix-instantiate --version</c>.</summary>
    public static async Task CheckAsync()
    {
        await Nix.RunAsync(["--version"], null, CancellationToken.None).ConfigureAwait(false);
        await NixInstantiate.RunAsync(["--version"], null, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary><paramref name="value"/> as a Nix string literal.</summary>
    public static string Literal(string value)
    {
        var literal = new StringBuilder("\"");
        foreach (var c in value)
        {
            literal.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '$' => "\\$",
                '\n' => "\\n",
                _ => c.ToString(),
            });
        }
        return literal.Append('"').ToString();
    }
}
