using System.Text.Json;
using Json.Schema;

namespace Miniguest.Tests;

/// <summary>The documented shape of what miniguest prints with <c>--json</c> (docs/output.schema.json), to hold each output
/// to: <see cref="Check"/> fails the test with every place the output leaves it.</summary>
internal static class OutputSchema
{
    private static readonly Lazy<BuildOptions> Schemas = new(() =>
    {
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        JsonSchema.FromText(File.ReadAllText(Repository.PathOf("docs/output.schema.json")), options);
        return options;
    });

    /// <summary>Asserts that <paramref name="json"/> is a <paramref name="definition"/> (<c>list</c>, <c>show</c>,
    /// <c>generations</c>, <c>addresses</c>) of the schema.</summary>
    public static void Check(string json, string definition)
    {
        var schema = JsonSchema.FromText($$"""{ "$ref": "urn:miniguest:output:1#/$defs/{{definition}}" }""", Schemas.Value);
        using var document = JsonDocument.Parse(json);
        var result = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
        var problems = (result.Details ?? []).Where(detail => detail.Errors is { Count: > 0 })
            .SelectMany(detail => detail.Errors!.Select(error => $"{detail.InstanceLocation}: {error.Value}")).ToList();
        Assert.That(result.IsValid, Is.True, $"{definition} --json leaves the schema:\n{string.Join('\n', problems)}\n{json}");
    }
}
