using System.Net;
using System.Text.Json;
using Miniguest.Cli;
using Miniguest.Cli.Commands;
using Miniguest.Core;

namespace Miniguest.Tests.Cli;

/// <summary>The JSON every guest's listing becomes, whatever it holds, is the documented one; and the schema holds outputs to
/// it (a word out of its vocabulary fails).</summary>
public sealed class OutputSchemaTests
{
    private static readonly GuestListing[] Listings =
    [
        new() { Name = "broken", Status = GuestListStatus.Broken, Problem = "its profile is gone" },
        new()
        {
            Name = "web", Status = GuestListStatus.Outdated, Type = GuestType.Qemu, Generation = 3, RunningGeneration = 2, Running = true,
            Source = new FlakeSource("path:/srv/guests", "path:/srv/guests?narHash=x", "nixosConfigurations.web.config.system.build.miniguest"),
            StorePath = "/nix/store/aaaa-web", Uri = "qemu:///system", Autostart = true, StoreProtection = StoreProtection.ReadOnly9pShare,
            ConsoleLog = "/var/lib/miniguest/guests/web/console.log", Addresses = [new GuestAddress(IPAddress.Parse("10.0.0.5"), 24)],
            Interfaces = [new GuestInterface(new NetworkAttachment(AttachmentType.Network, "default"), "52:54:00:12:34:56")],
            FreePageReporting = false, MemoryMiB = 1024, VCpus = 2,
            Shares = [new GuestShare("data", "/srv/data", "/var/lib/miniguest/shares/web/data", false)],
        },
        new()
        {
            Name = "db", Status = GuestListStatus.NotDefined, Type = GuestType.Lxc, Declarative = true, Generation = 1, Host = "10.1.2.3",
            Uri = "lxc+ssh://root@10.1.2.3/", StoreProtection = StoreProtection.UserNamespace, HostNetwork = false,
        },
    ];

    [Test]
    public void Every_listing_is_printed_as_the_schema_says()
    {
        var rows = Listings.Select(ListCommand.Row).ToList();

        OutputSchema.Check(JsonSerializer.Serialize(rows, CliJsonContext.Output.ListGuestJson), "list");
        OutputSchema.Check(JsonSerializer.Serialize(new GuestDetailsJson(rows[1],
            [GenerationJson.Of(new Generation(2, "/nix/store/bbbb-web", new DateTime(2026, 12, 6, 8, 0, 0, 123, DateTimeKind.Utc)), 3, 2)], ["api-token"]),
            CliJsonContext.Output.GuestDetailsJson), "show");
        OutputSchema.Check(JsonSerializer.Serialize(new List<GuestStatsJson>
        {
            GuestStatsJson.Of(new GuestStats { Name = "web", Type = GuestType.Qemu, Running = true, Interval = TimeSpan.FromSeconds(1), CpuSeconds = 3.5,
                CpuPercent = 12.5, MemoryBytes = 300 << 20, MemoryGivenBytes = 1 << 30, NetworkReceivedBytes = 10, NetworkSentBytes = 20,
                DiskReadBytes = 0, DiskWrittenBytes = 0, NetworkReceivedPerSecond = 1.5, NetworkSentPerSecond = 0, DiskReadPerSecond = 0, DiskWrittenPerSecond = 0 }),
            GuestStatsJson.Of(new GuestStats { Name = "db", Type = GuestType.Lxc, Host = "web1", Running = false, Problem = "web1 did not answer within 15 s" }),
        }, CliJsonContext.Output.ListGuestStatsJson), "stats");
    }

    [Test]
    public void Words_out_of_the_schemas_vocabulary_fail_it()
    {
        var row = JsonSerializer.Serialize(new List<GuestJson> { ListCommand.Row(Listings[1]) with { Status = "not defined" } }, CliJsonContext.Output.ListGuestJson);

        Assert.That(() => OutputSchema.Check(row, "list"), Throws.TypeOf<AssertionException>().With.Message.Contain("status"));
    }
}
