using System.Text.Json.Nodes;
using System.Xml.Linq;

namespace Miniguest.Tests.Nix;

/// <summary>
/// nix/package-source.nix, the files the Nix package builds the CLI from, evaluated by the real nix against what the
/// CLI's project reads: the projects it references, the files it embeds (the template) and the files it packs.
/// </summary>
[TestFixture, Category(TestCategories.Nix)]
public sealed class NixPackageTests
{
    private const string CliProject = "Miniguest.Cli/Miniguest.Cli.csproj";

    [Test]
    public async Task The_package_source_has_every_file_the_CLI_embeds_packs_and_builds_from()
    {
        var source = await NixLib.EvalAsync(
            $"let source = {NixLib.Import("nix/package-source.nix")}; in {{ include = map toString source.include; exclude = map toString source.exclude; }}");
        var include = Paths(source?["include"]);
        var exclude = Paths(source?["exclude"]);
        var needed = FilesTheCliReads();

        Assert.That(needed, Has.Some.Contains(Path.Combine("template", "flake.nix")), "the CLI embeds the template");
        var missing = needed.Where(file => !include.Any(root => Under(file, root)) || exclude.Any(root => Under(file, root))).ToList();
        Assert.That(missing, Is.Empty, "files the CLI's build reads that the package's source leaves out");
    }

    /// <summary>
    /// The files of the CLI's project and of the projects it references, the files they embed, and those they pack
    /// (paths relative to the repository).
    /// </summary>
    private static List<string> FilesTheCliReads()
    {
        var files = new List<string>();
        var projects = new Queue<string>([Repository.PathOf(CliProject)]);
        var seen = new HashSet<string>();
        while (projects.TryDequeue(out var project))
        {
            if (!seen.Add(project))
            {
                continue;
            }
            var directory = Path.GetDirectoryName(project)!;
            files.Add(project);
            var items = XDocument.Load(project).Descendants().ToList();
            foreach (var reference in items.Where(item => item.Name.LocalName == "ProjectReference"))
            {
                projects.Enqueue(Path.GetFullPath(Path.Combine(directory, Include(reference))));
            }
            foreach (var item in items.Where(item => item.Name.LocalName == "EmbeddedResource"
                || (item.Name.LocalName == "None" && (string?)item.Attribute("Pack") == "true")))
            {
                files.AddRange(Expand(directory, Include(item)));
            }
        }
        return files.Select(file => Path.GetRelativePath(Repository.Root, file)).ToList();
    }

    private static string Include(XElement item) =>
        ((string?)item.Attribute("Include") ?? throw new InvalidOperationException($"{item} has no Include")).Replace('\\', '/');

    // MSBuild's patterns as the CLI's project uses them: a file, or a directory followed by "**".
    private static IEnumerable<string> Expand(string directory, string include)
    {
        if (!include.EndsWith("/**", StringComparison.Ordinal))
        {
            return [Path.GetFullPath(Path.Combine(directory, include))];
        }
        var root = Path.GetFullPath(Path.Combine(directory, include[..^3]));
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories);
    }

    private static bool Under(string file, string root) =>
        file == root || file.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal);

    private static List<string> Paths(JsonNode? node) =>
        node?.AsArray().Select(item => Path.GetRelativePath(Repository.Root, item!.GetValue<string>())).ToList()
            ?? throw new InvalidOperationException("null instead of a list");
}
