using System.Runtime.Versioning;
using Miniguest.Core;

namespace Miniguest.Tests.Unit;

[SupportedOSPlatform("linux")]
public sealed class ContainerRootTests
{
    private static readonly GuestName Ct = GuestName.Parse("ct");
    private static readonly GuestName VmLike = GuestName.Parse("vm-like");
    private static readonly UserNamespaceMapping Ids = new(700_000, 700_000, 65_536);
    private string _top = "";
    private MiniguestPaths _paths = null!;

    [SetUp]
    public void CreateState()
    {
        // In CI, which runs as root, a failure; elsewhere inconclusive.
        Integration.IntegrationEnvironment.RequireHost(Environment.UserName == "root", "giving a container's mapped root its directories needs root");
        _top = Directory.CreateTempSubdirectory("miniguest-root-").FullName;
        File.SetUnixFileMode(_top, (UnixFileMode)0b111_101_101);
        _paths = new MiniguestPaths { State = Path.Combine(_top, "state"), Guests = Path.Combine(_top, "etc"), Profiles = Path.Combine(_top, "profiles") };
    }

    [TearDown]
    public void DeleteState()
    {
        if (_top.Length > 0)
        {
            Directory.Delete(_top, recursive: true);
        }
    }

    private static string OwnerOf(string path) => TestCommand.Ok("stat", "-c", "%u:%g %a", path).Out.Trim();

    [Test]
    public void A_root_sits_in_a_directory_only_the_container_s_root_passes_and_a_former_root_moves_there()
    {
        Directory.CreateDirectory(_paths.FormerContainerRoot(Ct));
        File.WriteAllText(Path.Combine(_paths.FormerContainerRoot(Ct), "data"), "the guest's");

        ContainerRoot.Prepare(_paths.ContainerRoot(Ct), Ids, _paths.FormerContainerRoot(Ct));
        ContainerRoot.Prepare(_paths.ContainerRoot(Ct), Ids, _paths.FormerContainerRoot(Ct));
        ContainerRoot.Prepare(_paths.ContainerRoot(VmLike), null, _paths.FormerContainerRoot(VmLike));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(File.ReadAllText(Path.Combine(_paths.ContainerRoot(Ct), "data")), Is.EqualTo("the guest's"), "moved, files and all");
            Assert.That(Directory.Exists(_paths.FormerContainerRoot(Ct)), Is.False);
            Assert.That(OwnerOf(_paths.ContainerDirectory(Ct)), Is.EqualTo("700000:700000 700"));
            Assert.That(OwnerOf(_paths.ContainerRoot(Ct)), Is.EqualTo("700000:700000 755"));
            Assert.That(OwnerOf(_paths.GuestState(Ct)), Is.EqualTo("0:0 755"), "the guest's state directory stays root's, passable");
            Assert.That(OwnerOf(_paths.ContainerDirectory(VmLike)), Is.EqualTo("0:0 700"), "without a user namespace, host root's");
        }
    }

    [Test]
    public void A_link_at_the_former_root_is_refused_neither_moved_nor_followed()
    {
        var outside = Directory.CreateDirectory(Path.Combine(_top, "outside")).FullName;
        File.WriteAllText(Path.Combine(outside, "precious"), "root's");
        Directory.CreateDirectory(_paths.GuestState(Ct));
        Directory.CreateSymbolicLink(_paths.FormerContainerRoot(Ct), outside);

        var refused = Assert.Throws<IOException>(() => ContainerRoot.Prepare(_paths.ContainerRoot(Ct), Ids, _paths.FormerContainerRoot(Ct)));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused.Message, Does.Contain("not following it"));
            Assert.That(new FileInfo(_paths.FormerContainerRoot(Ct)).LinkTarget, Is.EqualTo(outside), "the link stays where it is");
            Assert.That(Directory.Exists(_paths.ContainerRoot(Ct)), Is.False);
            Assert.That(OwnerOf(outside), Is.EqualTo("0:0 755"), "the link's target keeps its owner");
        }
    }
}
