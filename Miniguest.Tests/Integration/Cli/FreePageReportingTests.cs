using System.Text.Json;
using System.Xml.Linq;
using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>
/// <c>create --free-page-reporting</c> on the real stack: two VMs of a test guest's idle variant, which touches 48 MiB and
/// frees it again, one with free page reporting and one without, side by side; once both are idle, QEMU holds that memory
/// only for the one without. Each VM has 256 MiB: Linux reports free pages only while a memory zone has more than its low
/// watermark plus 64 MiB free (32 blocks of 2 MiB), which a 128 MiB guest of the test kernel never has.
/// </summary>
[TestFixture, Category(TestCategories.Integration), Parallelizable]
public sealed class FreePageReportingTests : HostFixture
{
    private const int MemoryMiB = 256;

    // What reporting must give back at least: the guest frees 48 MiB (in 2 MiB blocks, which is what Linux reports).
    // Without reporting the two differ by a few MiB at most (QEMU's translation caches, equal for both under TCG).
    private const long MarginKiB = 32 * 1024;

    private static readonly TimeSpan ReportingTimeout = TimeSpan.FromSeconds(60);

    [TestCase("vm-idle")]
    [TestCase("vm-virtiofs-idle")]
    public async Task An_idle_vm_with_free_page_reporting_gives_the_memory_its_guest_freed_back_to_the_host(string variant)
    {
        var reporting = MiniguestHost.UniqueName("fpr");
        var keeping = MiniguestHost.UniqueName("nofpr");
        Host.Ok("install", "-n", reporting, TestGuestFlake.Reference + "#" + variant);
        Host.Ok("install", "-n", keeping, TestGuestFlake.Reference + "#" + variant);
        var createdReporting = Host.Ok("create", reporting, "--virt-type", "qemu", "--memory", $"{MemoryMiB}", "--network", "none", "--free-page-reporting");
        var createdKeeping = Host.Ok("create", keeping, "--virt-type", "qemu", "--memory", $"{MemoryMiB}", "--network", "none");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(createdReporting.Out, Does.Contain("  free page reporting: memory the guest frees goes back to the host"));
            Assert.That(createdKeeping.Out, Does.Not.Contain("free page reporting"));
            Assert.That(Balloon(reporting), Is.EqualTo(new[] { "model=virtio", "freePageReporting=on" }));
            Assert.That(Balloon(keeping), Is.EqualTo(new[] { "model=none" }));
            Assert.That(Listed(reporting).GetProperty("freePageReporting").GetBoolean(), Is.True);
            Assert.That(Listed(keeping).GetProperty("freePageReporting").GetBoolean(), Is.False);
        }

        Host.Ok("start", reporting);
        Host.Ok("start", keeping);
        await Task.WhenAll(WaitUntilIdleAsync(reporting), WaitUntilIdleAsync(keeping));
        // Linux reports freed pages two seconds after they are freed; the guests are slow under TCG.
        var deadline = DateTime.UtcNow + ReportingTimeout;
        while (ResidentKiB(reporting) > ResidentKiB(keeping) - MarginKiB && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        var (reportingKiB, keepingKiB) = (ResidentKiB(reporting), ResidentKiB(keeping));

        TestContext.Out.WriteLine($"free page reporting, {variant} at {MemoryMiB} MiB under TCG, idle after freeing 48 MiB: QEMU resident "
            + $"{reportingKiB / 1024} MiB with it, {keepingKiB / 1024} MiB without, {(keepingKiB - reportingKiB) / 1024} MiB given back");
        // What stats says each holds: QEMU's resident memory, through libvirt's bulk statistics.
        using var stats = JsonDocument.Parse(Host.Ok("stats", reporting, keeping, "--json").Out);
        var rows = stats.RootElement.EnumerateArray().ToDictionary(row => row.GetProperty("name").GetString()!);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(reportingKiB, Is.LessThanOrEqualTo(keepingKiB - MarginKiB),
                $"QEMU's resident memory with free page reporting ({reportingKiB} KiB) against without ({keepingKiB} KiB)");
            Assert.That(rows[reporting].GetProperty("memoryBytes").GetUInt64(), Is.LessThanOrEqualTo(rows[keeping].GetProperty("memoryBytes").GetUInt64() - (ulong)MarginKiB * 1024),
                "stats shows the memory given back");
            Assert.That(rows[keeping].GetProperty("memoryBytes").GetUInt64() / 1024, Is.EqualTo((ulong)keepingKiB).Within(16 * 1024), "QEMU's resident memory");
            Assert.That(rows.Values.Select(row => row.GetProperty("memoryGivenBytes").GetUInt64()), Is.All.EqualTo((ulong)MemoryMiB << 20));
            Assert.That(rows.Values.Select(row => row.GetProperty("cpuSeconds").GetDouble()), Is.All.GreaterThan(0));
            Assert.That(rows.Values.Select(row => row.GetProperty("cpuPercent").GetDouble()), Is.All.LessThan(100), "idle guests");
        }
    }

    [Test]
    public void Free_page_reporting_stays_through_upgrade_rollback_and_install_force_until_turned_off()
    {
        var name = MiniguestHost.UniqueName("fpr");
        var flake = TestGuestFlake.CopyForEditing();
        try
        {
            Host.Ok("install", "-n", name, $"path:{flake}#vm");
            Host.Ok("create", name, "--virt-type", "qemu", "--network", "none", "--free-page-reporting");
            TestGuestFlake.ChangeGuest(flake, "upgrade 1");

            Host.Ok("upgrade", name);
            var upgraded = Balloon(name);
            Host.Ok("rollback", name);
            var rolledBack = Balloon(name);
            Host.Ok("install", "--force", "-n", name, $"path:{flake}#vm");
            var reinstalled = Balloon(name);
            Host.Ok("create", name, "--vcpus", "2");
            var recreated = Balloon(name);
            Host.Ok("create", name, "--no-free-page-reporting");
            var turnedOff = Balloon(name);

            string[] on = ["model=virtio", "freePageReporting=on"];
            using (Assert.EnterMultipleScope())
            {
                Assert.That(upgraded, Is.EqualTo(on), "after upgrade");
                Assert.That(rolledBack, Is.EqualTo(on), "after rollback");
                Assert.That(reinstalled, Is.EqualTo(on), "after install --force");
                Assert.That(recreated, Is.EqualTo(on), "after create with other settings");
                Assert.That(turnedOff, Is.EqualTo(new[] { "model=none" }));
            }
        }
        finally
        {
            Directory.Delete(flake, recursive: true);
        }
    }

    private static IEnumerable<string> Balloon(string name)
    {
        using var connection = Connection.Open("qemu:///system");
        using var domain = connection.TryGetDomain(name, out var found) ? found : throw new AssertionException($"'{name}' is not defined");
        var balloon = XElement.Parse(domain.GetXml(DomainXmlFlags.Inactive)).Element("devices")!.Elements("memballoon").Single();
        return [.. balloon.Attributes().Select(a => $"{a.Name}={a.Value}")];
    }

    private JsonElement Listed(string name) =>
        JsonDocument.Parse(Host.Ok("list", "--json").Out).RootElement.EnumerateArray().Single(g => g.GetProperty("name").GetString() == name);

    // The idle variant says so on its console once it has freed what it touched.
    private async Task WaitUntilIdleAsync(string name)
    {
        var log = Host.Paths.ConsoleLog(GuestName.Parse(name));
        var deadline = DateTime.UtcNow + GuestRun.BootTimeout;
        while (!(File.Exists(log) && (await File.ReadAllTextAsync(log)).Contains("miniguest-test-guest: idle", StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"'{name}' was not idle within {GuestRun.BootTimeout}; its console said:\n{(File.Exists(log) ? await File.ReadAllTextAsync(log) : "")}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    // QEMU's resident memory (VmRSS), in KiB, found by the PID file libvirt keeps for the running domain.
    private static long ResidentKiB(string name)
    {
        var pid = File.ReadAllText($"/run/libvirt/qemu/{name}.pid").Trim();
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
