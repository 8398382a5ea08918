namespace Miniguest.Tests.Integration.Cli;

[TestFixture, Category(TestCategories.Integration)]
public sealed class TemplateTests
{
    private MiniguestHost _host = null!;

    [SetUp]
    public void CreateHost() => _host = new MiniguestHost();

    [TearDown]
    public void RemoveHost() => _host.Dispose();

    [Test]
    public void Template_writes_the_repositorys_template_files_and_does_not_overwrite_them()
    {
        var target = Path.Combine(_host.Root, "guests");
        _host.Ok("template", target);

        var expected = Directory.GetFiles(Repository.PathOf("template"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repository.PathOf("template"), f)).Order().ToList();
        var written = Directory.GetFiles(target, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(target, f)).Order().ToList();
        Assert.That(written, Is.EqualTo(expected).And.Not.Empty);
        foreach (var file in expected)
        {
            Assert.That(File.ReadAllBytes(Path.Combine(target, file)), Is.EqualTo(File.ReadAllBytes(Repository.PathOf(Path.Combine("template", file)))), file);
        }

        var again = _host.Run("template", target);
        Assert.That(again.ExitCode, Is.EqualTo(1));
        Assert.That(again.Error, Does.Contain("--force"));
    }
}
