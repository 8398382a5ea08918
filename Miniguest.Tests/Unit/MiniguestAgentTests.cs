using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Miniguest.Core;
using Miniguest.Tests.Verbs;

namespace Miniguest.Tests.Unit;

/// <summary>The agent another host's miniguest runs here, run in this process on a layout of its own, through its protocol:
/// it says who it is first, answers each request in turn (a request it cannot do, with the reason, and goes on), takes the
/// guest's lock as a miniguest command here would, and leaves no lock file behind, whatever it answers.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class MiniguestAgentTests
{
    private const string Build = "/nix/store/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa-miniguest-profile";
    private static readonly GuestName Web = GuestName.Parse("web");

    private TemporaryLayout _layout = null!;

    private MiniguestPaths Paths => _layout.Paths;

    private string Locks => Path.GetDirectoryName(Paths.LockFile(Web))!;

    [SetUp]
    public void CreateLayout() => _layout = new TemporaryLayout("miniguest-agent-");

    [TearDown]
    public void DeleteLayout() => _layout.Dispose();

    [Test]
    public async Task It_says_who_it_is_and_serves_no_asking_host_of_another_protocol()
    {
        var (exit, lines) = await RunAsync(new RecordingNix(), AgentProtocol.Version + 1, Request("check", new { guest = "web" }));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(exit, Is.EqualTo(1));
            Assert.That(lines, Has.Count.EqualTo(1), "its hello, and nothing answered");
            var hello = JsonSerializer.Deserialize(lines[0], AgentJsonContext.Default.AgentHello)!;
            Assert.That(hello.Agent, Is.EqualTo(AgentProtocol.Name));
            Assert.That(hello.Protocol, Is.EqualTo(AgentProtocol.Version));
            Assert.That(hello.Version, Is.EqualTo(MiniguestAgent.Version));
        }
    }

    [Test]
    public async Task A_link_makes_the_next_generation_and_the_guests_link_and_a_second_needs_force()
    {
        var nix = new RecordingNix().MakingProfiles(_ => Build);

        var (exit, lines) = await RunAsync(nix, AgentProtocol.Version,
            Request("link", new { guest = "web", storePath = Build }),
            Request("link", new { guest = "web", storePath = Build }),
            Request("link", new { guest = "web", storePath = Build, force = true }));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(exit, Is.Zero);
            Assert.That(Result(lines[1]).GetProperty("number").GetInt32(), Is.EqualTo(1));
            Assert.That(Answer(lines[2]).Refusal, Is.EqualTo(AgentRefusal.AlreadyInstalled));
            Assert.That(Answer(lines[3]).Error, Is.Null, lines[3]);
            Assert.That(new FileInfo(Paths.Link(Web)).LinkTarget, Is.EqualTo(Paths.Profile(Web)));
            Assert.That(Directory.EnumerateFileSystemEntries(Locks), Is.Empty, "no lock file left");
        }
    }

    [Test]
    public async Task A_request_it_cannot_do_is_answered_with_the_reason_and_the_next_one_still_answered()
    {
        var (_, lines) = await RunAsync(new RecordingNix(), AgentProtocol.Version,
            "not json",
            Request("bogus", new { guest = "web" }),
            Request("link", new { guest = "web", storePath = "/etc" }),
            Request("check", new { guest = "../etc" }),
            Request("show", new { guests = new[] { "web" } }));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(lines, Has.Count.EqualTo(6));
            Assert.That(Answer(lines[1]).Error, Is.Not.Null);
            Assert.That(Answer(lines[2]).Error, Does.Contain("bogus"));
            Assert.That(Answer(lines[3]).Error, Does.Contain("/etc").And.Contain("not a path of the store"));
            Assert.That(Answer(lines[4]).Error, Is.Not.Null, "a name that is not a guest's");
            Assert.That(Result(lines[5]).GetProperty("current").EnumerateObject().Count(), Is.Zero);
        }
    }

    [Test]
    public async Task It_waits_for_a_command_that_holds_the_guests_lock_then_answers()
    {
        var held = await GuestLock.AcquireAsync(Paths, Web, NullLogger.Instance);
        var waiting = RunAsync(new RecordingNix(), AgentProtocol.Version, Request("check", new { guest = "web" }));
        await Task.Delay(500);
        var waited = !waiting.IsCompleted;
        held.Dispose();
        var (exit, lines) = await waiting;

        using (Assert.EnterMultipleScope())
        {
            Assert.That(waited, Is.True, "it waited for the lock");
            Assert.That(exit, Is.Zero);
            Assert.That(Answer(lines[1]).Error, Is.Null, lines[1]);
            Assert.That(Directory.EnumerateFileSystemEntries(Locks), Is.Empty);
        }
    }

    [Test]
    public async Task A_link_in_the_guests_place_that_is_not_miniguests_is_left_alone()
    {
        Directory.CreateDirectory(Paths.Guests);
        File.CreateSymbolicLink(Paths.Link(Web), "/etc");

        var (_, lines) = await RunAsync(new RecordingNix(), AgentProtocol.Version, Request("link", new { guest = "web", storePath = Build, force = true }));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Answer(lines[1]).Error, Does.Contain("not a link to"));
            Assert.That(new FileInfo(Paths.Link(Web)).LinkTarget, Is.EqualTo("/etc"));
            Assert.That(Directory.Exists(Paths.Profiles) && Directory.EnumerateFileSystemEntries(Paths.Profiles).Any(), Is.False, "no profile made");
        }
    }

    [Test]
    public async Task An_unlink_with_purge_deletes_the_guests_data_following_no_link_in_it()
    {
        var outside = Directory.CreateTempSubdirectory("miniguest-agent-outside-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(outside, "keep"), "the host's");
            var root = Paths.ContainerRoot(Web);
            Directory.CreateDirectory(root);
            File.CreateSymbolicLink(Path.Combine(root, "escape"), outside);
            Directory.CreateDirectory(Paths.ShareDirectory(Web, "data"));

            var (_, lines) = await RunAsync(new RecordingNix(), AgentProtocol.Version, Request("unlink", new { guest = "web", purge = true }));

            using (Assert.EnterMultipleScope())
            {
                Assert.That(Answer(lines[1]).Error, Is.Null, lines[1]);
                Assert.That(Result(lines[1]).GetProperty("paths").EnumerateArray().Select(path => path.GetString()),
                    Is.EquivalentTo(new[] { Paths.GuestShares(Web), root }), "the data purged, said");
                Assert.That(Directory.Exists(Paths.GuestState(Web)), Is.False);
                Assert.That(Directory.Exists(Paths.GuestShares(Web)), Is.False);
                Assert.That(File.ReadAllText(Path.Combine(outside, "keep")), Is.EqualTo("the host's"), "nothing followed out of the guest's data");
            }
        }
        finally
        {
            Directory.Delete(outside, recursive: true);
        }
    }

    [Test]
    public async Task A_prepare_refuses_an_id_range_another_guest_recorded_since_the_asking_host_looked()
    {
        Directory.CreateDirectory(Paths.Profiles);
        File.CreateSymbolicLink(Path.Combine(Paths.Profiles, "web-1-link"), Build);
        File.CreateSymbolicLink(Paths.Profile(Web), "web-1-link");
        new GuestStateDirectory(Paths, GuestName.Parse("db")).Write(Paths.IdRangeFile(GuestName.Parse("db")), "655360\n");

        var (_, lines) = await RunAsync(new RecordingNix(), AgentProtocol.Version, Request("prepare", new
        {
            guest = "web",
            prepare = new { container = true, uuid = Guid.NewGuid(), uri = "lxc:///", firstId = 655360u, shares = Array.Empty<string>() },
        }));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Answer(lines[1]).Error, Does.Contain("655360").And.Contain("'db'"));
            Assert.That(File.Exists(Paths.IdRangeFile(Web)), Is.False);
            Assert.That(Directory.Exists(Paths.ContainerDirectory(Web)), Is.False, "nothing made for it");
        }
    }

    [Test]
    public async Task It_checks_a_guests_volumes_there_as_a_start_here_would_and_shows_the_sizes_of_their_images()
    {
        Integration.IntegrationEnvironment.RequireHost(Environment.UserName == "root", "the volumes are root's");
        Directory.CreateDirectory(Paths.Profiles);
        File.CreateSymbolicLink(Path.Combine(Paths.Profiles, "web-1-link"), Build);
        File.CreateSymbolicLink(Paths.Profile(Web), "web-1-link");
        GuestVolumes.Prepare(Paths, Web, GuestType.Qemu, [new GuestVolume("data", "/var/lib/data", 64, "ext4")], ids: null);
        var image = Paths.VolumeImage(Web, "data");
        var check = Request("check-volumes", new { guest = "web", volumes = new { disks = new[] { new { file = image, serial = "data", format = "raw" } }, directories = Array.Empty<string>() } });

        var (_, before) = await RunAsync(new RecordingNix(), AgentProtocol.Version, Request("show", new { guests = new[] { "web" } }), check);
        File.Move(image, image + ".moved");
        File.CreateSymbolicLink(image, image + ".moved");
        var (_, after) = await RunAsync(new RecordingNix(), AgentProtocol.Version, check);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Result(before[1]).GetProperty("volumeImages").GetProperty("web").GetProperty("data").GetProperty("apparentBytes").GetInt64(),
                Is.EqualTo(64L << 20), before[1]);
            Assert.That(Answer(before[2]).Error, Is.Null, before[2]);
            Assert.That(Answer(after[1]).Error, Does.Contain("a symbolic link, where a file should be; not following it"));
        }
    }

    private async Task<(int Exit, List<string> Lines)> RunAsync(RecordingNix nix, int protocol, params string[] requests)
    {
        using var input = new StringReader(string.Join('\n', requests) + "\n");
        using var output = new StringWriter();
        var exit = await MiniguestAgent.RunAsync(input, output, protocol, Paths, nix, NullLogger.Instance, CancellationToken.None);
        return (exit, [.. output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries)]);
    }

    private static string Request(string operation, object arguments) =>
        JsonSerializer.Serialize(new { operation, arguments }, new JsonSerializerOptions { TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver() });

    private static AgentAnswer Answer(string line) => JsonSerializer.Deserialize(line, AgentJsonContext.Default.AgentAnswer)!;

    private static JsonElement Result(string line) => Answer(line).Result ?? throw new AssertionException("no result: " + line);
}
