using Miniguest.Cli;
using Miniguest.Core;
using Miniguest.Tests.Integration;

namespace Miniguest.Tests.Cli;

/// <summary><c>stats --prometheus</c>'s text: every family with its HELP and TYPE, one sample a guest labelled by guest, type
/// and host, label values escaped as the format says, and read back by Prometheus's own parser (the Python client's).</summary>
public sealed class PrometheusTextTests
{
    // Debian's interpreter, whose package python3-prometheus-client is (another python3 may come first on the PATH).
    private const string Python = "/usr/bin/python3";

    private static readonly GuestStats[] Guests =
    [
        new() { Name = "web", Type = GuestType.Qemu, Running = true, Started = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000), CpuSeconds = 12.5, MemoryBytes = 300 << 20, MemoryGivenBytes = 1024UL << 20,
            NetworkReceivedBytes = 1000, NetworkSentBytes = 2000, DiskReadBytes = 0, DiskWrittenBytes = 4096 },
        new() { Name = "db", Type = GuestType.Lxc, Host = "web1 \"east\"\\\n", Running = true, CpuSeconds = 0.25, MemoryBytes = 50 << 20, MemoryGivenBytes = 512UL << 20 },
        new() { Name = "old", Type = GuestType.Lxc, Running = false },
    ];

    [Test]
    public void Each_family_has_its_help_and_type_and_a_stopped_guest_only_says_it_does_not_run()
    {
        var lines = PrometheusText.Of(Guests).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(lines, Does.Contain("# TYPE miniguest_guest_cpu_seconds_total counter"));
            Assert.That(lines, Does.Contain("# TYPE miniguest_guest_memory_bytes gauge"));
            Assert.That(lines.Count(line => line.StartsWith("# HELP ", StringComparison.Ordinal)), Is.EqualTo(9));
            Assert.That(lines, Does.Contain("miniguest_guest_cpu_seconds_total{guest=\"web\",type=\"vm\",host=\"\"} 12.5"));
            Assert.That(lines, Does.Contain("miniguest_guest_start_time_seconds{guest=\"web\",type=\"vm\",host=\"\"} 1700000000"));
            Assert.That(lines, Does.Contain("miniguest_guest_running{guest=\"old\",type=\"container\",host=\"\"} 0"));
            Assert.That(lines.Where(line => line.Contains("guest=\"old\"", StringComparison.Ordinal)), Has.Exactly(1).Items);
            Assert.That(lines, Has.Some.Contains("host=\"web1 \\\"east\\\"\\\\\\n\""), "quote, backslash and line feed escaped");
            Assert.That(lines.Where(line => line.StartsWith("miniguest_guest_network_receive_bytes_total{", StringComparison.Ordinal)),
                Has.Exactly(1).Items, "no sample where the guest has no such counter");
        }
    }

    [Test]
    public void Prometheus_s_own_parser_reads_it_back()
    {
        var check = TestCommand.Run(Python, ["-c", "import prometheus_client"]);
        IntegrationEnvironment.RequireHost(check.ExitCode == 0, "python3-prometheus-client is missing (scripts/setup-host installs it)");
        var text = PrometheusText.Of(Guests);
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, text);
            var parsed = TestCommand.Run(Python, ["-c", """
                import sys
                from prometheus_client.parser import text_string_to_metric_families
                for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                    for sample in family.samples:
                        print(family.name, family.type, sample.name, sample.labels["guest"], repr(sample.labels["host"]), sample.value)
                """, file]);

            using (Assert.EnterMultipleScope())
            {
                Assert.That(parsed.ExitCode, Is.Zero, parsed.ToString());
                Assert.That(parsed.Out, Does.Contain("miniguest_guest_cpu_seconds counter miniguest_guest_cpu_seconds_total web '' 12.5"));
                Assert.That(parsed.Out, Does.Contain("miniguest_guest_memory_given_bytes gauge miniguest_guest_memory_given_bytes db 'web1 \"east\"\\\\\\n' 536870912.0"));
                Assert.That(parsed.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(text.Split('\n').Count(line => line.StartsWith("miniguest_", StringComparison.Ordinal))));
            }
        }
        finally
        {
            File.Delete(file);
        }
    }
}
