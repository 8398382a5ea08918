using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>The guests' own share directories: who may enter them, and that a link planted among them is never followed.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class GuestShareDirectoriesTests
{
    private static readonly GuestName Ct = GuestName.Parse("ct");
    private static readonly GuestName Vm = GuestName.Parse("vm");
    private string _root = "";
    private MiniguestPaths _paths = null!;

    [SetUp]
    public void CreateLayout()
    {
        _root = Directory.CreateTempSubdirectory("miniguest-shares-").FullName;
        _paths = new MiniguestPaths { State = Path.Combine(_root, "state"), Guests = Path.Combine(_root, "guests"), Profiles = Path.Combine(_root, "profiles") };
        Directory.CreateDirectory(_paths.State);
    }

    [TearDown]
    public void DeleteLayout() => Directory.Delete(_root, recursive: true);

    [Test]
    public void The_guests_own_directories_are_entered_only_by_its_root_and_keep_what_is_in_them()
    {
        // In CI, which runs as root, a failure; elsewhere inconclusive.
        Integration.IntegrationEnvironment.RequireHost(Environment.UserName == "root", "giving a container's mapped root its directories needs root");
        var ids = new UserNamespaceMapping(700_000, 700_000, 65_536);
        GuestShareDirectories.Prepare(_paths, Ct, ["data"], ids);
        File.WriteAllText(Path.Combine(_paths.ShareDirectory(Ct, "data"), "kept"), "data");
        GuestShareDirectories.Prepare(_paths, Ct, ["data"], ids);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(File.GetUnixFileMode(_paths.Shares), Is.EqualTo((UnixFileMode)0b111_001_001), "0711: passed through, never listed");
            Assert.That(File.GetUnixFileMode(_paths.GuestShares(Ct)), Is.EqualTo((UnixFileMode)0b111_000_000), "0700");
            Assert.That(OwnerOf(_paths.GuestShares(Ct)), Is.EqualTo("700000"));
            Assert.That(OwnerOf(_paths.ShareDirectory(Ct, "data")), Is.EqualTo("700000"));
            Assert.That(File.ReadAllText(Path.Combine(_paths.ShareDirectory(Ct, "data"), "kept")), Is.EqualTo("data"));
        }
    }

    [Test]
    public void A_link_planted_for_a_share_directory_is_refused_and_a_purge_deletes_links_not_their_targets()
    {
        var outside = Directory.CreateDirectory(Path.Combine(_root, "outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "precious"), "host");
        GuestShareDirectories.Prepare(_paths, Vm, ["data"], ids: null);
        var data = _paths.ShareDirectory(Vm, "data");
        Directory.Delete(data);
        File.CreateSymbolicLink(data, outside);

        Assert.That(() => GuestShareDirectories.Prepare(_paths, Vm, ["data"], ids: null),
            Throws.InstanceOf<IOException>().With.Message.Contain("not following it"));
        File.Delete(data);
        Directory.CreateDirectory(data);
        File.CreateSymbolicLink(Path.Combine(data, "to-file"), Path.Combine(outside, "precious"));
        File.CreateSymbolicLink(Path.Combine(data, "to-directory"), outside);
        GuestShareDirectories.Delete(_paths, Vm);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Directory.Exists(_paths.GuestShares(Vm)), Is.False);
            Assert.That(File.ReadAllText(Path.Combine(outside, "precious")), Is.EqualTo("host"));
        }
    }

    private static string OwnerOf(string path) => TestCommand.Ok("stat", "-c", "%u", path).Out.Trim();
}
