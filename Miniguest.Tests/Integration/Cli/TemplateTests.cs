namespace Miniguest.Tests.Integration.Cli;

[TestFixture, Category(TestCategories.Integration)]
public sealed class TemplateTests : HostFixture
{

    [Test]
    public void Template_writes_the_repositorys_template_files_and_does_not_overwrite_them()
    {
        var target = Path.Combine(Host.Root, "guests");
        Host.Ok("template", target);

        var expected = Directory.GetFiles(Repository.PathOf("template"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repository.PathOf("template"), f)).Order().ToList();
        var written = Directory.GetFiles(target, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(target, f)).Order().ToList();
        Assert.That(written, Is.EqualTo(expected).And.Not.Empty);
        foreach (var file in expected)
        {
            Assert.That(File.ReadAllBytes(Path.Combine(target, file)), Is.EqualTo(File.ReadAllBytes(Repository.PathOf(Path.Combine("template", file)))), file);
        }

        var again = Host.Run("template", target);
        Assert.That(again.ExitCode, Is.EqualTo(1));
        Assert.That(again.Error, Does.Contain("--force"));
    }
}
