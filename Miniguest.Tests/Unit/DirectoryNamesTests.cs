using Miniguest.Core;

namespace Miniguest.Tests.Unit;

public sealed class DirectoryNamesTests
{
    private string _directory = "";

    [SetUp]
    public void CreateDirectory() => _directory = Directory.CreateTempSubdirectory("miniguest-names-").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void Every_entry_is_named_links_dangling_or_not_files_and_directories_alike()
    {
        File.CreateSymbolicLink(Path.Combine(_directory, "to-directory"), _directory);
        File.CreateSymbolicLink(Path.Combine(_directory, "dangling"), "/nonexistent/target");
        File.WriteAllText(Path.Combine(_directory, "file"), "");
        Directory.CreateDirectory(Path.Combine(_directory, "sub"));
        File.WriteAllText(Path.Combine(_directory, "sub", "nested"), "");
        File.WriteAllText(Path.Combine(_directory, "ünïcode"), "");

        Assert.That(DirectoryNames.Read(_directory), Is.EquivalentTo(new[] { "to-directory", "dangling", "file", "sub", "ünïcode" }));
    }

    [Test]
    public void A_directory_that_does_not_exist_has_no_names() =>
        Assert.That(DirectoryNames.Read(Path.Combine(_directory, "missing")), Is.Empty);

    [Test]
    public void A_file_is_not_a_directory_and_has_no_names()
    {
        var file = Path.Combine(_directory, "file");
        File.WriteAllText(file, "");

        Assert.That(DirectoryNames.Read(file), Is.Empty);
    }

    [Test]
    public void A_directory_too_many_to_fit_one_read_is_read_whole()
    {
        var names = Enumerable.Range(0, 3000).Select(i => $"guest-{i:D4}-with-a-long-name-to-fill-the-buffer").ToList();
        foreach (var name in names)
        {
            File.CreateSymbolicLink(Path.Combine(_directory, name), "target");
        }

        Assert.That(DirectoryNames.Read(_directory), Is.EquivalentTo(names));
    }
}
