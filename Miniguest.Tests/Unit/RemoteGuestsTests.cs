using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>This host's record of the guests it installed on other hosts: where each lives and the flake it is built
/// from, read back as written, and a record of the older form (the URI alone) still read, with no flake.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RemoteGuestsTests
{
    private static readonly GuestName Web = GuestName.Parse("web");
    private const string Uri = "qemu+ssh://root@web1/system";
    private TemporaryLayout _layout = null!;

    private MiniguestPaths Paths => _layout.Paths;

    [SetUp]
    public void CreateLayout() => _layout = new TemporaryLayout("miniguest-remote-guests-");

    [TearDown]
    public void DeleteLayout() => _layout.Dispose();

    [Test]
    public void A_record_reads_back_with_its_host_flake_and_generation()
    {
        var source = new FlakeSource("github:owner/repo", "github:owner/repo/0123456789abcdef0123456789abcdef01234567",
            "nixosConfigurations.web.config.system.build.miniguest");
        var remote = new RemoteGuests(Paths);

        remote.Record(Web, new RemoteGuest(Uri, source, "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-profile"));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(remote.Get(Web), Is.EqualTo(new RemoteGuest(Uri, source, "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-profile")));
            Assert.That(remote.UriOf(Web), Is.EqualTo(Uri));
            Assert.That(remote.All(), Is.EqualTo(new Dictionary<GuestName, string> { [Web] = Uri }));
            Assert.That(File.GetUnixFileMode(Path.Combine(Paths.RemoteGuests, "web")), Is.EqualTo(GuestStateDirectory.FileMode));
            Assert.That(Directory.GetFiles(Paths.RemoteGuests), Has.Length.EqualTo(1), "written whole, with no temporary left");
        }
    }

    [Test]
    public void A_record_of_the_uri_alone_is_a_guest_with_no_flake_recorded()
    {
        Directory.CreateDirectory(Paths.RemoteGuests);
        File.WriteAllText(Path.Combine(Paths.RemoteGuests, "web"), Uri + "\n");

        var recorded = new RemoteGuests(Paths).Get(Web);

        Assert.That(recorded, Is.EqualTo(new RemoteGuest(Uri)));
    }

    [Test]
    public void A_record_that_does_not_parse_is_refused_naming_its_file()
    {
        Directory.CreateDirectory(Paths.RemoteGuests);
        File.WriteAllText(Path.Combine(Paths.RemoteGuests, "web"), """{"source":{"originalUrl":"path:/x"}""");

        var refused = Assert.Throws<GuestFileException>(() => new RemoteGuests(Paths).Get(Web));

        Assert.That(refused!.Message, Does.Contain(Path.Combine(Paths.RemoteGuests, "web")));
    }

    [Test]
    public void No_record_is_no_guest_of_another_host()
    {
        Assert.That(new RemoteGuests(Paths).Get(Web), Is.Null);
    }
}
