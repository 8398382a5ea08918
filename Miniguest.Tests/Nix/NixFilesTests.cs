namespace Miniguest.Tests.Nix;

/// <summary>Every Nix file of the repository parses, those that no test can evaluate without nixpkgs included.</summary>
[TestFixture, Category(TestCategories.Nix)]
public sealed class NixFilesTests
{
    private static readonly string[] Skipped = ["bin", "obj", ".git"];

    private static IEnumerable<TestCaseData> NixFiles() =>
        Directory.EnumerateFiles(Repository.Root, "*.nix", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Repository.Root, path))
            .Where(path => !path.Split(Path.DirectorySeparatorChar).Any(part => Skipped.Contains(part)))
            .Order(StringComparer.Ordinal)
            .Select(path => new TestCaseData(path).SetArgDisplayNames(path));

    [Test]
    public void The_repository_has_the_modules_the_flake_and_the_template()
    {
        var files = NixFiles().Select(data => (string)data.Arguments[0]!).ToList();
        Assert.That(files, Is.SupersetOf(new[]
        {
            "flake.nix",
            Path.Combine("nix", "lib.nix"),
            Path.Combine("nix", "modules", "guest.nix"),
            Path.Combine("nix", "modules", "host.nix"),
            Path.Combine("template", "flake.nix"),
        }));
    }

    // "${pkgs.path}/…" copies nixpkgs into the store on a host whose nixpkgs is a channel; `pkgs.path + "/…"` does not.
    [TestCaseSource(nameof(NixFiles))]
    public void Does_not_interpolate_nixpkgs_path_into_a_string(string relativePath)
    {
        var text = File.ReadAllText(Repository.PathOf(relativePath));
        Assert.That(text, Does.Not.Match(@"""\$\{[^}]*\.path\}/"));
    }

    [TestCaseSource(nameof(NixFiles))]
    public void Parses(string relativePath)
    {
        Assert.That(() => NixLib.ParseAsync(Repository.PathOf(relativePath)), Throws.Nothing);
    }
}
