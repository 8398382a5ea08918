using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>Who else than root could change where a share's directory leads (<see cref="ShareSourceGuard"/>): every
/// directory and link met on the way, links followed as the kernel follows them; and the domains whose shares may start.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ShareSourceGuardTests
{
    private const uint Nobody = 65534;
    private static readonly GuestName Web = GuestName.Parse("web");
    private string _root = "";
    private MiniguestPaths _paths = null!;

    [SetUp]
    public void CreateLayout()
    {
        // In CI, which runs as root, a failure; elsewhere inconclusive.
        Integration.IntegrationEnvironment.RequireHost(Environment.UserName == "root", "files of other owners need root");
        _root = Directory.CreateTempSubdirectory("miniguest-share-guard-").FullName;
        File.SetUnixFileMode(_root, (UnixFileMode)0b111_101_101);
        _paths = new MiniguestPaths { State = Path.Combine(_root, "state"), Guests = Path.Combine(_root, "guests"), Profiles = Path.Combine(_root, "profiles") };
    }

    [TearDown]
    public void DeleteLayout()
    {
        if (_root.Length > 0)
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private string Make(string relative, UnixFileMode mode = (UnixFileMode)0b111_101_101, uint owner = 0)
    {
        var directory = Directory.CreateDirectory(Path.Combine(_root, relative)).FullName;
        File.SetUnixFileMode(directory, mode);
        TestCommand.Ok("chown", "-h", $"{owner}:{owner}", directory);
        return directory;
    }

    private string Link(string relative, string target, uint owner = 0)
    {
        var link = Path.Combine(_root, relative);
        File.CreateSymbolicLink(link, target);
        TestCommand.Ok("chown", "-h", $"{owner}:{owner}", link);
        return link;
    }

    private static string? Problem(string path, params uint[] leafOwners) =>
        ShareSourceGuard.WhoElseCanChange(path, leafOwners.Length == 0 ? [0u] : leafOwners).Problem;

    [Test]
    public void A_directory_root_alone_can_change_the_way_to_is_safe_and_resolved()
    {
        var data = Make("srv/data");
        Link("via", "srv/./data/../data");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Problem(data), Is.Null);
            Assert.That(ShareSourceGuard.WhoElseCanChange(Path.Combine(_root, "via"), [0u]), Is.EqualTo(((string?)null, data)), "a relative link with . and ..");
        }
    }

    [Test]
    public void A_directory_others_may_write_in_on_the_way_is_unsafe_unless_sticky_with_roots_name_in_it()
    {
        var open = Make("open", (UnixFileMode)0b111_111_111);
        Make("open/data");
        var sticky = Make("sticky", (UnixFileMode)0b1_111_111_111);
        Make("sticky/data");
        Make("sticky/users", owner: Nobody);
        Make("sticky/users/data");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Problem(Path.Combine(open, "data")), Does.Contain($"others than root may write in {open} (mode 0777)"));
            Assert.That(Problem(Path.Combine(sticky, "data")), Is.Null, "as /tmp: no one else may rename root's name");
            Assert.That(Problem(Path.Combine(sticky, "users", "data")), Does.Contain($"others than root may write in {sticky} (mode 1777)"),
                "a user's name in a sticky directory is the user's to rename");
        }
    }

    [Test]
    public void Links_a_user_owns_or_that_lead_through_a_users_directory_are_unsafe()
    {
        var users = Make("users", owner: Nobody);
        var target = Make("users/data");
        Make("srv");
        Link("srv/by-user", Make("srv/data"), owner: Nobody);
        Link("srv/into-users", target);
        Link("srv/loop", Path.Combine(_root, "srv", "loop"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Problem(Path.Combine(_root, "srv", "by-user")), Does.Contain("is a link that uid 65534 owns"));
            Assert.That(Problem(Path.Combine(_root, "srv", "into-users")), Does.Contain($"{users} belongs to uid 65534"), "followed, the link passes a user's directory");
            Assert.That(Problem(Path.Combine(_root, "srv", "loop")), Does.Contain("too many links"));
        }
    }

    [Test]
    public void A_way_through_another_guests_share_is_refused_even_by_a_link_root_owns()
    {
        // A guest writing as root in its share (a virtiofs VM's) makes links root owns: one there decides where this leads.
        var theirs = Make("theirs");
        Link("theirs/pub", Make("srv/data"));
        var mine = Link("mine", Path.Combine(theirs, "pub"));
        var vm = Vm(mine, given: mine);

        Assert.That(() => ShareSourceGuard.Check(Web, DomainXml.Read(vm), _paths, () => [new("other", theirs)], atStart: true),
            Throws.TypeOf<UnsafeShareException>().With.Message.Contain($"the way to it passes {theirs}, in {theirs}, a share of guest 'other'"));
    }

    [Test]
    public void A_way_that_ends_in_a_directory_others_may_write_in_is_unsafe_however_it_gets_there()
    {
        Make("open/inner", (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(Path.Combine(_root, "open"), (UnixFileMode)0b1_111_111_111);
        Link("up", "open/inner/..");

        Assert.That(Problem(Path.Combine(_root, "up")), Does.Contain($"others than its owner may write in {_root}/open (mode 1777)"));
    }

    [Test]
    public void The_last_directory_may_be_the_guests_own_roots_and_never_writable_by_others()
    {
        var mapped = Make("mapped", owner: 700_000);
        var open = Make("open-leaf", (UnixFileMode)0b111_111_111);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Problem(mapped), Does.Contain("belongs to uid 700000"));
            Assert.That(Problem(mapped, 0, 700_000), Is.Null, "a container's own mapped root");
            Assert.That(Problem(open), Does.Contain("others than its owner may write in"));
            Assert.That(Problem(Path.Combine(_root, "missing")), Does.Contain("does not exist"));
        }
    }

    // A VM "web" sharing shares, with given as the admin's directories.
    private static string Vm(IReadOnlyList<SharedDirectory> shares, IReadOnlyList<GivenShareSource> given) => DomainXml.Write(new VmDomain
    {
        Name = "web",
        Kernel = "/nix/store/k",
        Initrd = "/nix/store/i",
        CommandLine = "",
        BootSource = "/nix/store/b",
        StoreSource = "/nix/store",
        Shares = [.. shares],
        Metadata = new GuestMetadata("web") { ShareSources = [.. given] },
    });

    private static string Vm(string source, string given) => Vm([new SharedDirectory(source, "data", ReadOnly: true)], [new GivenShareSource("data", given)]);

    [Test]
    public void A_domain_starts_only_with_its_own_share_directories_or_those_the_admin_gave()
    {
        var given = Make("srv/data");
        var chosen = Make("srv/chosen");
        Directory.CreateDirectory(_paths.ShareDirectory(Web, "cache"));
        File.SetUnixFileMode(_paths.GuestShares(Web), (UnixFileMode)0b111_000_000);
        string Xml(string dataSource, bool recordGiven) => Vm(
            [new SharedDirectory(dataSource, "data", ReadOnly: false), new SharedDirectory(_paths.ShareDirectory(Web, "cache"), "cache", false)],
            recordGiven ? [new GivenShareSource("data", given)] : []);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => ShareSourceGuard.Check(Web, DomainXml.Read(Xml(given, recordGiven: true)), _paths, () => [], atStart: true), Throws.Nothing);
            Assert.That(() => ShareSourceGuard.Check(Web, DomainXml.Read(Xml(chosen, recordGiven: true)), _paths, () => [], atStart: true),
                Throws.TypeOf<UnsafeShareException>().With.Message.Contain("neither its own share directory nor one an admin gave it"));
            Assert.That(() => ShareSourceGuard.Check(Web, DomainXml.Read(Xml(given, recordGiven: true)), _paths, () => [new("db", Path.Combine(_root, "srv"))], atStart: true),
                Throws.TypeOf<UnsafeShareException>().With.Message.Contain("a share of guest 'db'"));
            Assert.That(() => ShareSourceGuard.Check(Web, DomainXml.Read(Xml(given, recordGiven: true)), _paths with { State = Path.Combine(given, "state") }, () => [], atStart: false),
                Throws.TypeOf<UnsafeShareException>().With.Message.Contain("which no guest may share"), "above Miniguest's state");
        }
        Directory.Delete(_paths.ShareDirectory(Web, "cache"));
        File.CreateSymbolicLink(_paths.ShareDirectory(Web, "cache"), chosen);
        Assert.That(() => ShareSourceGuard.Check(Web, DomainXml.Read(Xml(given, recordGiven: true)), _paths, () => [], atStart: true),
            Throws.TypeOf<UnsafeShareException>().With.Message.Contain("is a link or not a directory"), "the guest's own, swapped for a link");
    }
}
