using System.Diagnostics;
using System.Globalization;
using Miniguest.Core;
using Miniguest.Libvirt;
using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Integration.Reliability;

/// <summary>Many guests, many cycles: list copes with 200 defined guests, and 40 start/stop cycles of a container
/// leave no process, file descriptor or domain behind. How fast list is against <c>virsh list</c> is
/// <c>bench/cli</c>'s to say, side by side with the published executable: here miniguest runs as a Debug build under the
/// JIT, whose start-up alone outweighs a listing.</summary>
[TestFixture, Category(TestCategories.Reliability)]
public sealed class LoadTests : HostFixture
{
    private const int Guests = 200;
    // A leak of one descriptor or process in every few cycles shows well past the noise.
    private const int Cycles = 40;
    private const int ConsoleCycles = 20;
    private const int Workers = 4;
    private const int FdNoise = 5;


    [Test]
    public void List_shows_200_installed_and_defined_guests()
    {
        var prefix = MiniguestHost.UniqueName("l", ReliabilitySuite.Prefix);
        var names = Enumerable.Range(0, Guests).Select(i => $"{prefix}-{i:D3}").ToList();
        var clock = Stopwatch.StartNew();
        var failures = 0;
        Parallel.ForEach(names, new ParallelOptions { MaxDegreeOfParallelism = Workers }, name =>
        {
            if (Host.Run("install", "-q", "-n", name, TestGuestFlake.Reference + "#vm").ExitCode != 0
                || Host.Run("create", name, "--virt-type", "qemu", "--memory", "64").ExitCode != 0)
            {
                Interlocked.Increment(ref failures);
            }
        });
        Figures.Note($"load: {Guests} guests installed and defined in {clock.Elapsed.TotalSeconds:F0} s ({Workers} at a time)");

        Figures.Case(Groups.Load, () => Assert.That(failures, Is.Zero, "every install and create succeeded"));
        var listResult = Host.Run("list");
        Figures.Case(Groups.Load, () =>
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(listResult.ExitCode, Is.Zero, listResult.Error);
                var rows = listResult.Out.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToList();
                Assert.That(rows, Has.Count.EqualTo(Guests), "list shows every guest");
                Assert.That(rows, Has.All.Contains("stopped"), "each one defined and stopped");
            }
        });
        var problems = HostState.Problems(Host, prefix);
        Figures.Leftovers(Groups.Load, problems.Count);
        Assert.That(problems, Is.Empty);
    }

    [Test]
    public async Task Start_stop_cycles_of_a_container_leave_no_process_descriptor_or_domain()
    {
        var name = MiniguestHost.UniqueName("cyc", ReliabilitySuite.Prefix);
        Host.Ok("install", "-n", name, TestGuestFlake.Reference + "#container");
        Host.Ok("create", name);
        // The test guest then waits to be stopped; its shell init ignores a graceful shutdown, so stop pulls the plug
        // at once (--force --timeout 0): the fastest whole cycle.
        File.WriteAllText(Path.Combine(Host.Paths.ContainerRoot(GuestName.Parse(name)), "miniguest-test-wait"), "");
        using var connection = Connection.Open("lxc:///");
        using var domain = connection.GetDomain(name);
        Cycle(name); // the first start warms libvirtd up
        var processesBefore = ContainerProcesses(name);
        var fdsBefore = await DaemonDescriptorsAsync();

        var clock = Stopwatch.StartNew();
        var failed = 0;
        for (var cycle = 0; cycle < Cycles; cycle++)
        {
            failed += Cycle(name);
        }
        var elapsed = clock.Elapsed;
        var processesAfter = ContainerProcesses(name);
        var fdsAfter = await DaemonDescriptorsAsync();
        Figures.Note(string.Create(CultureInfo.InvariantCulture,
            $"load: {Cycles} start/stop cycles of the container in {elapsed.TotalSeconds:F0} s; libvirtd's descriptors {fdsBefore} before, {fdsAfter} after (±{FdNoise} tolerated: other suites share the daemon)"));

        Figures.Case(Groups.Load, () => Assert.That(failed, Is.Zero, "every start and stop succeeded"));
        Figures.Case(Groups.Load, () =>
        {
            Figures.Leftovers(Groups.Load, processesAfter - processesBefore);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(processesAfter, Is.EqualTo(processesBefore).And.Zero, "no libvirt_lxc process of the container");
                Assert.That(domain.IsActive, Is.False, "the container is stopped");
            }
        });
        Figures.Case(Groups.Load, () =>
        {
            if (fdsAfter - fdsBefore > FdNoise)
            {
                Figures.Leftovers(Groups.Load, fdsAfter - fdsBefore);
            }
            Assert.That(fdsAfter - fdsBefore, Is.LessThanOrEqualTo(FdNoise), "libvirtd holds no more descriptors");
        });
        Figures.Case(Groups.Load, () =>
        {
            Host.Ok("remove", name);
            var left = connection.TryGetDomain(name, out var stray);
            stray?.Dispose();
            Figures.Leftovers(Groups.Load, left ? 1 : 0);
            Assert.That(left, Is.False, "no domain after remove");
        });
    }

    [Test]
    public async Task Start_console_of_a_container_that_powers_off_at_once_succeeds_and_shows_its_output_or_says_it_missed_it()
    {
        var name = MiniguestHost.UniqueName("con", ReliabilitySuite.Prefix);
        Host.Ok("install", "-n", name, TestGuestFlake.Reference + "#container");
        Host.Ok("create", name);
        using var connection = Connection.Open("lxc:///");
        using var domain = connection.GetDomain(name);
        var failed = new List<string>();
        var silent = 0;
        var missed = 0;
        for (var cycle = 0; cycle < ConsoleCycles; cycle++)
        {
            // Without miniguest-test-wait the container prints and powers itself off in about 0.4 s.
            var result = Host.Run("start", name, "--console");
            if (result.ExitCode != 0)
            {
                failed.Add(result.ErrorLines.LastOrDefault() ?? $"exit {result.ExitCode}");
            }
            else if (result.Error.Contains("stopped before its console could be attached", StringComparison.Ordinal))
            {
                missed++;
            }
            else if (!result.Out.Contains("container is up", StringComparison.Ordinal))
            {
                silent++;
            }
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
            while (domain.IsActive && DateTime.UtcNow < deadline)
            {
                await Task.Delay(20);
            }
        }
        Figures.Note($"load: {ConsoleCycles} start --console of a container that powers off at once: {failed.Count} failed ({string.Join("; ", failed.Distinct())}), "
            + $"{missed} said the container stopped before its console was attached, {silent} succeeded without the guest's output and without saying so");
        Figures.Case(Groups.Load, () =>
        {
            Figures.Leftovers(Groups.Load, ContainerProcesses(name));
            Assert.That(ContainerProcesses(name), Is.Zero, "no libvirt_lxc process of the container");
        });
        Figures.Case(Groups.Load, () =>
        {
            // libvirt-LXC cannot start a container paused, and returns from the start only after its init ran: a container
            // done within a fraction of a second can be gone before its console can be opened. That is said, never hidden.
            if (failed.Count > 0 || silent > 0)
            {
                Assert.Fail($"start --console races a guest that stops quickly: {failed.Count} of {ConsoleCycles} runs failed "
                    + $"({string.Join("; ", failed.Distinct())}) and {silent} exited 0 without the guest's output and without saying so");
            }
        });
    }

    // start, then stop pulling the plug; 1 if either failed.
    private int Cycle(string name) =>
        Host.Run("start", name).ExitCode == 0 && Host.Run("stop", name, "--force", "--timeout", "0").ExitCode == 0 ? 0 : 1;

    private static int ContainerProcesses(string name) =>
        Directory.EnumerateDirectories("/proc")
            .Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Count(d =>
            {
                try
                {
                    var commandLine = File.ReadAllText(Path.Combine(d, "cmdline")).Split('\0');
                    return commandLine[0].EndsWith("libvirt_lxc", StringComparison.Ordinal) && commandLine.Contains(name);
                }
                catch (IOException)
                {
                    return false; // gone meanwhile
                }
            });

    // The fewest of a few samples: other suites' connections come and go.
    private static async Task<int> DaemonDescriptorsAsync()
    {
        var daemon = Directory.EnumerateDirectories("/proc")
            .Where(d => int.TryParse(Path.GetFileName(d), out _))
            .First(d => File.Exists(Path.Combine(d, "comm")) && File.ReadAllText(Path.Combine(d, "comm")).Trim() == "libvirtd");
        var fewest = int.MaxValue;
        for (var sample = 0; sample < 5; sample++)
        {
            await Task.Delay(200);
            fewest = Math.Min(fewest, Directory.GetFileSystemEntries(Path.Combine(daemon, "fd")).Length);
        }
        return fewest;
    }
}
