using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>The one way root works in a tree someone else can write: never through a link, whatever is swapped when.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DirectoryHandleTests
{
    private const UnixFileMode Mode755 = (UnixFileMode)0b111_101_101;
    private string _tree = "";
    private string _outside = "";

    [SetUp]
    public void CreateDirectories()
    {
        _tree = Directory.CreateTempSubdirectory("miniguest-tree-").FullName;
        _outside = Directory.CreateTempSubdirectory("miniguest-outside-").FullName;
        File.WriteAllText(Path.Combine(_outside, "precious"), "not to be touched");
        Directory.CreateDirectory(Path.Combine(_outside, "sub"));
        File.WriteAllText(Path.Combine(_outside, "sub", "also-precious"), "not to be touched");
    }

    [TearDown]
    public void DeleteDirectories()
    {
        Directory.Delete(_tree, recursive: true);
        Directory.Delete(_outside, recursive: true);
    }

    private IReadOnlyList<string> Outside() => HostSnapshot.Names(_outside);

    [Test]
    public void Opening_a_child_that_is_a_link_to_a_directory_refuses_it()
    {
        Directory.CreateSymbolicLink(Path.Combine(_tree, "sys"), _outside);
        using var tree = DirectoryHandle.Open(_tree);

        var error = Assert.Throws<IOException>(() => tree.CreateDirectory("sys", Mode755).Dispose());
        Assert.That(error!.Message, Does.Contain("not following it"));
        Assert.That(tree.TryOpenDirectory("missing"), Is.Null);
    }

    [Test]
    public void A_directory_is_created_with_the_mode_asked_whatever_the_umask()
    {
        using var tree = DirectoryHandle.Open(_tree);
        using var child = tree.CreateDirectory("child", (UnixFileMode)0b111_111_101);

        Assert.That(File.GetUnixFileMode(Path.Combine(_tree, "child")), Is.EqualTo((UnixFileMode)0b111_111_101));
    }

    [Test]
    public void Open_or_create_makes_every_missing_directory_with_the_mode()
    {
        using var deep = DirectoryHandle.OpenOrCreate(Path.Combine(_tree, "a", "b", "c"), Mode755);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(deep.RealPath, Is.EqualTo(Path.Combine(_tree, "a", "b", "c")));
            Assert.That(File.GetUnixFileMode(Path.Combine(_tree, "a", "b")), Is.EqualTo(Mode755));
        }
    }

    [Test]
    public void Writing_a_file_replaces_a_link_at_its_name_and_never_writes_through_it()
    {
        File.CreateSymbolicLink(Path.Combine(_tree, "flake.nix"), Path.Combine(_outside, "precious"));
        using var tree = DirectoryHandle.Open(_tree);

        tree.WriteFile("flake.nix", "{ }", (UnixFileMode)0b110_100_100);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(File.ReadAllText(Path.Combine(_outside, "precious")), Is.EqualTo("not to be touched"));
            Assert.That(new FileInfo(Path.Combine(_tree, "flake.nix")).LinkTarget, Is.Null, "a file now, not a link");
            Assert.That(File.ReadAllText(Path.Combine(_tree, "flake.nix")), Is.EqualTo("{ }"));
            Assert.That(File.GetUnixFileMode(Path.Combine(_tree, "flake.nix")), Is.EqualTo((UnixFileMode)0b110_100_100));
            Assert.That(Directory.GetFileSystemEntries(_tree).Select(Path.GetFileName), Is.EqualTo(new[] { "flake.nix" }), "no temporary file left");
        }
    }

    [Test]
    public void Writing_a_file_clears_a_temporary_file_a_killed_write_left()
    {
        File.CreateSymbolicLink(Path.Combine(_tree, DirectoryHandle.TemporaryName("state")), Path.Combine(_outside, "precious"));
        using var tree = DirectoryHandle.Open(_tree);

        tree.WriteFile("state", "new", (UnixFileMode)0b110_100_100);

        Assert.That(File.ReadAllText(Path.Combine(_outside, "precious")), Is.EqualTo("not to be touched"));
        Assert.That(Directory.GetFileSystemEntries(_tree).Select(Path.GetFileName), Is.EqualTo(new[] { "state" }));
    }

    [Test]
    public void Replacing_a_link_leaves_the_new_link_and_no_temporary_one()
    {
        File.CreateSymbolicLink(Path.Combine(_tree, "guest"), "/old/target");
        using var tree = DirectoryHandle.Open(_tree);

        tree.ReplaceLink("guest", "/new/target");

        Assert.That(new FileInfo(Path.Combine(_tree, "guest")).LinkTarget, Is.EqualTo("/new/target"));
        Assert.That(Directory.GetFileSystemEntries(_tree).Select(Path.GetFileName), Is.EqualTo(new[] { "guest" }));
    }

    [Test]
    public void Deleting_a_tree_deletes_its_links_and_never_what_they_point_at()
    {
        Directory.CreateDirectory(Path.Combine(_tree, "root", "a", "b"));
        File.WriteAllText(Path.Combine(_tree, "root", "a", "b", "file"), "");
        Directory.CreateSymbolicLink(Path.Combine(_tree, "root", "a", "to-outside"), _outside);
        File.CreateSymbolicLink(Path.Combine(_tree, "root", "a", "b", "to-precious"), Path.Combine(_outside, "precious"));
        var before = Outside();
        using var tree = DirectoryHandle.Open(_tree);

        tree.Delete("root");
        tree.Delete("nothing-there");

        Assert.That(Directory.Exists(Path.Combine(_tree, "root")), Is.False);
        Assert.That(Outside(), Is.EqualTo(before));
    }

    [Test]
    public void Deleting_a_tree_whose_directories_are_swapped_for_links_meanwhile_stays_inside_it()
    {
        // What a running container can do to its own root while root deletes it: swap each directory not yet visited
        // for a link to a host directory. The deletion must never reach through one.
        const int Directories = 300;
        var root = Path.Combine(_tree, "root");
        for (var i = 0; i < Directories; i++)
        {
            Directory.CreateDirectory(Path.Combine(root, $"d{i}", "inner"));
            File.WriteAllText(Path.Combine(root, $"d{i}", "inner", "file"), "");
        }
        var before = Outside();
        using var stop = new CancellationTokenSource();
        var swaps = 0;
        var attacker = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                for (var i = 0; i < Directories && !stop.IsCancellationRequested; i++)
                {
                    var victim = Path.Combine(root, $"d{i}");
                    try
                    {
                        if (new DirectoryInfo(victim) is not { Exists: true, LinkTarget: null })
                        {
                            continue; // deleted, or swapped already
                        }
                        Directory.Move(victim, victim + ".moved");
                        Directory.CreateSymbolicLink(victim, _outside);
                        Directory.CreateSymbolicLink(Path.Combine(victim + ".moved", "inner-link"), _outside);
                        swaps++;
                    }
                    catch (IOException)
                    {
                        // already deleted, or swapped: go on
                    }
                }
            }
        });
        using var tree = DirectoryHandle.Open(_tree);

        try
        {
            tree.Delete("root");
        }
        finally
        {
            stop.Cancel();
            attacker.Wait();
        }
        TestContext.Out.WriteLine($"{swaps} directories swapped for links during the deletion");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Outside(), Is.EqualTo(before), "nothing outside the tree was deleted");
            Assert.That(swaps, Is.GreaterThan(0), "the attacker swapped some directories while the deletion ran");
        }
    }

    [Test]
    public void A_name_is_one_component_never_a_path()
    {
        using var tree = DirectoryHandle.Open(_tree);
        using (Assert.EnterMultipleScope())
        {
            Assert.Throws<ArgumentException>(() => tree.Delete(".."));
            Assert.Throws<ArgumentException>(() => tree.Delete("a/../.."));
            Assert.Throws<ArgumentException>(() => tree.WriteFile("../escape", "", Mode755));
            Assert.Throws<ArgumentException>(() => tree.CreateDirectory(".", Mode755));
        }
    }

    [TestCase("guest")]
    [TestCase("guest.tmp")]
    [TestCase("connection-uri")]
    public void A_temporary_name_is_never_a_guest_name_and_is_recognised_whoever_made_it(string name)
    {
        var temporary = DirectoryHandle.TemporaryName(name);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(DirectoryHandle.IsTemporaryName(temporary), Is.True);
            Assert.That(DirectoryHandle.IsTemporaryName(name), Is.False);
            Assert.That(GuestName.TryParse(temporary, out _), Is.False);
        }
    }
}
