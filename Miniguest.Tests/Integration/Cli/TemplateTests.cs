namespace Miniguest.Tests.Integration.Cli;

/// <summary><c>miniguest template</c>: the repository's template, with its miniguest input at the Miniguest given or the one
/// miniguest was built from, which resolves as written.</summary>
[TestFixture, Category(TestCategories.Integration), Parallelizable]
public sealed class TemplateTests : HostFixture
{
    private const string Placeholder = "miniguest.url = \"git+file:///path/to/miniguest\";";

    private static string ThisRepository => "path:" + Repository.Root;

    [Test]
    public void Template_writes_the_repositorys_template_files_with_the_miniguest_given_and_does_not_overwrite_them()
    {
        var target = Path.Combine(Host.Root, "guests");
        Host.Ok("template", target, "--miniguest", ThisRepository);

        var expected = Directory.GetFiles(Repository.PathOf("template"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repository.PathOf("template"), f)).Order().ToList();
        var written = Directory.GetFiles(target, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(target, f)).Order().ToList();
        Assert.That(written, Is.EqualTo(expected).And.Not.Empty);
        foreach (var file in expected)
        {
            var original = File.ReadAllText(Repository.PathOf(Path.Combine("template", file)));
            Assert.That(File.ReadAllText(Path.Combine(target, file)),
                Is.EqualTo(file == "flake.nix" ? original.Replace(Placeholder, $"miniguest.url = \"{ThisRepository}\";", StringComparison.Ordinal) : original), file);
        }

        var again = Host.Run("template", target, "--miniguest", ThisRepository);
        Assert.That(again.ExitCode, Is.EqualTo(1));
        Assert.That(again.Error, Does.Contain("--force"));
    }

    [Test]
    public void The_miniguest_input_is_the_one_miniguest_was_built_from_and_without_one_the_command_asks_for_it()
    {
        var refused = Host.Run("template", Path.Combine(Host.Root, "none"));
        Host.Environment["MINIGUEST_FLAKE"] = ThisRepository;
        var target = Path.Combine(Host.Root, "built-from");
        Host.Ok("template", target);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused.ExitCode, Is.EqualTo(1));
            Assert.That(refused.Error, Does.Contain("give the Miniguest the guests are built with, --miniguest FLAKEREF"));
            Assert.That(Directory.Exists(Path.Combine(Host.Root, "none")) && Directory.EnumerateFileSystemEntries(Path.Combine(Host.Root, "none")).Any(),
                Is.False, "nothing written");
            Assert.That(File.ReadAllText(Path.Combine(target, "flake.nix")), Does.Contain($"miniguest.url = \"{ThisRepository}\";"));
        }
    }

    [Test]
    public void A_flake_reference_is_written_as_a_nix_string_whatever_it_holds()
    {
        var target = Path.Combine(Host.Root, "quoted");
        const string Given = "path:/x\"; evil = builtins.readFile /etc/shadow; y = \"${z}\\";

        Host.Ok("template", target, "--miniguest", Given);
        var flake = Path.Combine(target, "flake.nix");
        var parsed = TestCommand.Run("nix-instantiate", "--parse", flake);
        var withControl = Host.Run("template", Path.Combine(Host.Root, "control"), "--miniguest", "path:/x\u001b[2J");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(File.ReadAllText(flake), Does.Contain("miniguest.url = \"path:/x\\\"; evil = builtins.readFile /etc/shadow; y = \\\"\\${z}\\\\\";"));
            Assert.That(parsed.ExitCode, Is.Zero, parsed.ToString());
            Assert.That(parsed.Out, Does.Contain("url = \"path:/x\\\"; evil = builtins.readFile"), "one string: Nix reads no call in it");
            Assert.That(withControl.ExitCode, Is.EqualTo(2));
            Assert.That(withControl.Error, Does.Contain("control characters"));
        }
    }

    [Test]
    public void The_written_flakes_miniguest_input_resolves_as_written()
    {
        var target = Path.Combine(Host.Root, "guests");
        Host.Ok("template", target, "--miniguest", ThisRepository);
        // nixpkgs is GitHub's, which the tests do not reach: a flake of nothing stands in for it, and Miniguest's follows it.
        var nixpkgs = Directory.CreateDirectory(Path.Combine(Host.Root, "nixpkgs")).FullName;
        File.WriteAllText(Path.Combine(nixpkgs, "flake.nix"), "{ outputs = _: { }; }");

        var metadata = TestCommand.Ok("nix", "--extra-experimental-features", "nix-command flakes", "--option", "substituters", "",
            "--option", "flake-registry", "", "flake", "metadata", "--json", "--no-write-lock-file", "--override-input", "nixpkgs", "path:" + nixpkgs,
            "path:" + target);

        using var json = System.Text.Json.JsonDocument.Parse(metadata.Out);
        var miniguest = json.RootElement.GetProperty("locks").GetProperty("nodes").GetProperty("miniguest");
        Assert.That(miniguest.GetProperty("original").GetProperty("path").GetString(), Is.EqualTo(Repository.Root));
    }
}
