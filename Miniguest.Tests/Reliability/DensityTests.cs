using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Miniguest.Core;
using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Integration.Reliability;

/// <summary>As many guests at once as a small host holds: 30 containers and 10 VMs installed, created and started by
/// the CLI all run at once, each with the store read-only to it; list shows them all; stop and remove leave nothing.
/// The time to start them and the host memory each takes are recorded.</summary>
[TestFixture, Category(TestCategories.Reliability)]
public sealed class DensityTests : HostFixture
{
    private const int Containers = 30;
    private const int Vms = 10;
    private const string VmMemoryMiB = "128";
    private const int Workers = 4;
    private const string Report = "miniguest-test-report";

    // Ten VMs booting under QEMU's software emulator on 2 cores took 1 to 2 minutes here; containers are up in seconds.
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromMinutes(5);

    private readonly string _prefix = MiniguestHost.UniqueName("d", ReliabilitySuite.Prefix);

    // A failed run must leave no guest running: the host layout's clean-up removes only the domains it recorded.
    [TearDown]
    public void RemoveGuests()
    {
        HostState.RemoveDomains(_prefix);
        File.Delete("/nix/store/miniguest-write-probe-vm-idle");
        File.Delete("/nix/store/miniguest-write-probe-container-idle");
    }

    [Test]
    public void Thirty_containers_and_ten_vms_run_at_once_with_the_store_read_only_and_leave_nothing_behind()
    {
        var containers = Enumerable.Range(0, Containers).Select(i => $"{_prefix}-c{i:D2}").ToList();
        var vms = Enumerable.Range(0, Vms).Select(i => $"{_prefix}-v{i:D2}").ToList();
        var guests = containers.Select(name => (Name: name, Variant: "container-idle", Create: new[] { "create", name }))
            .Concat(vms.Select(name => (Name: name, Variant: "vm-idle", Create: new[] { "create", name, "--virt-type", "qemu", "--memory", VmMemoryMiB })))
            .ToList();
        var failures = new ConcurrentBag<string>();
        void InstallAndCreate((string Name, string Variant, string[] Create) guest)
        {
            if (Host.Run("install", "-q", "-n", guest.Name, TestGuestFlake.Reference + "#" + guest.Variant).ExitCode != 0
                || Host.Run(guest.Create).ExitCode != 0)
            {
                failures.Add(guest.Name);
            }
        }
        var clock = Stopwatch.StartNew();
        // The first guest of each variant alone: its build then serves every other install of it, and Nix's evaluation
        // cache of the attribute is written once (Nix 2.8 fails evaluations that race to write it: "SQLite database …
        // is busy", then "attribute … unexpectedly missing").
        var firsts = guests.DistinctBy(guest => guest.Variant).ToList();
        firsts.ForEach(InstallAndCreate);
        Parallel.ForEach(guests.Except(firsts), new ParallelOptions { MaxDegreeOfParallelism = Workers }, InstallAndCreate);
        Figures.Note($"density: {Containers} containers and {Vms} VMs installed and defined in {clock.Elapsed.TotalSeconds:F0} s ({Workers} at a time)");
        Figures.Case(Groups.Load, () => Assert.That(failures, Is.Empty, $"guests whose install or create failed: {string.Join(", ", failures)}"));

        // Containers first, then VMs, each kind waited for before the next starts: the memory each kind takes is
        // then told apart.
        var availableBefore = MemAvailableMiB();
        clock.Restart();
        StartAll(containers);
        WaitUntilIdle(containers, clock.Elapsed);
        var containersUp = clock.Elapsed;
        var availableWithContainers = MemAvailableMiB();
        StartAll(vms);
        WaitUntilIdle(vms, clock.Elapsed);
        var allUp = clock.Elapsed;
        var availableWithAll = MemAvailableMiB();
        Figures.Note(string.Create(CultureInfo.InvariantCulture,
            $"density: {Containers} containers and {Vms} VMs ({VmMemoryMiB} MiB, QEMU's software emulator) running at once on {Environment.ProcessorCount} cores: "
            + $"all started and idle in {allUp.TotalSeconds:F0} s (the containers in {containersUp.TotalSeconds:F0} s, then the VMs in {(allUp - containersUp).TotalSeconds:F0} s); "
            + $"host memory {(availableBefore - availableWithContainers) / (double)Containers:F1} MiB per container, {(availableWithContainers - availableWithAll) / (double)Vms:F1} MiB per VM "
            + $"(MemAvailable, host-wide: whatever else the host does meanwhile counts too)"));

        Figures.Case(Groups.Security, () =>
        {
            var writable = containers.Concat(vms).Where(name => !WhatTheGuestSaid(name).Contains("store-write=refused", StringComparison.Ordinal)).ToList();
            using (Assert.EnterMultipleScope())
            {
                Assert.That(writable, Is.Empty, $"guests that did not report store-write=refused: {string.Join(", ", writable)}");
                Assert.That(File.Exists("/nix/store/miniguest-write-probe-vm-idle") || File.Exists("/nix/store/miniguest-write-probe-container-idle"),
                    Is.False, "nothing in the host's store");
            }
        });

        // How fast, against virsh, is bench/cli's to measure (its last row is this mix): here only what list shows.
        var listResult = Host.Run("list");
        Figures.Case(Groups.Load, () =>
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(listResult.ExitCode, Is.Zero, listResult.Error);
                var rows = listResult.Out.Split('\n').Where(l => l.StartsWith(_prefix, StringComparison.Ordinal)).ToList();
                Assert.That(rows, Has.Count.EqualTo(Containers + Vms), "list shows every guest");
                Assert.That(rows, Has.All.Match(@"^\S+ +(vm|container) +current "), "each one running its current generation");
            }
        });

        clock.Restart();
        var stopOrRemoveFailures = new ConcurrentBag<string>();
        Parallel.ForEach(containers.Concat(vms), new ParallelOptions { MaxDegreeOfParallelism = Workers }, name =>
        {
            // The idle guests' shell init ignores a graceful shutdown: pull the plug at once.
            if (Host.Run("stop", name, "--force", "--timeout", "0").ExitCode != 0 || Host.Run("remove", name, "--purge").ExitCode != 0)
            {
                stopOrRemoveFailures.Add(name);
            }
        });
        var stopAndRemove = clock.Elapsed;

        Figures.Note($"density: the {Containers + Vms} guests stopped and removed in {stopAndRemove.TotalSeconds:F0} s ({Workers} at a time)");

        Figures.Case(Groups.Load, () => Assert.That(stopOrRemoveFailures, Is.Empty, $"guests whose stop or remove --purge failed: {string.Join(", ", stopOrRemoveFailures)}"));
        Figures.Case(Groups.Load, () =>
        {
            var problems = HostState.Problems(Host, _prefix);
            var processes = GuestProcesses(_prefix);
            var domains = HostState.Domains(_prefix);
            Figures.Leftovers(Groups.Load, problems.Count + processes.Count + domains.Count);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(problems, Is.Empty);
                Assert.That(processes, Is.Empty, "no qemu or libvirt_lxc process of these guests");
                Assert.That(domains, Is.Empty, "no domain of these guests");
            }
        });
    }

    private void StartAll(IReadOnlyList<string> names)
    {
        var failed = new ConcurrentBag<string>();
        Parallel.ForEach(names, new ParallelOptions { MaxDegreeOfParallelism = Workers }, name =>
        {
            if (Host.Run("start", name).ExitCode != 0)
            {
                failed.Add(name);
            }
        });
        Figures.Case(Groups.Load, () => Assert.That(failed, Is.Empty, $"guests that did not start: {string.Join(", ", failed)}"));
    }

    // Polls each second until every guest said it is idle; fails naming those that did not within what is left of
    // IdleTimeout.
    private void WaitUntilIdle(IReadOnlyList<string> names, TimeSpan spent)
    {
        var deadline = DateTime.UtcNow + IdleTimeout - spent;
        var waiting = names.ToList();
        while (true)
        {
            waiting.RemoveAll(name => WhatTheGuestSaid(name).Contains("miniguest-test-guest: idle", StringComparison.Ordinal));
            if (waiting.Count == 0 || DateTime.UtcNow > deadline)
            {
                break;
            }
            Thread.Sleep(TimeSpan.FromSeconds(1));
        }
        Figures.Case(Groups.Load, () => Assert.That(waiting, Is.Empty,
            $"guests that did not report idle within {IdleTimeout.TotalMinutes:F0} minutes of the first start: {string.Join(", ", waiting)}"));
    }

    // The console log libvirt keeps of a VM, or the report a container leaves in its root.
    private string WhatTheGuestSaid(string name)
    {
        string[] records = [Host.Paths.ConsoleLog(GuestName.Parse(name)), Path.Combine(Host.Paths.ContainerRoot(GuestName.Parse(name)), Report)];
        return string.Concat(records.Where(File.Exists).Select(File.ReadAllText));
    }

    private static int MemAvailableMiB()
    {
        var line = File.ReadLines("/proc/meminfo").First(l => l.StartsWith("MemAvailable:", StringComparison.Ordinal));
        return int.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    // QEMU names its guest on its command line (-name guest=NAME), libvirt_lxc takes --name NAME.
    private static List<string> GuestProcesses(string prefix) =>
        Directory.EnumerateDirectories("/proc")
            .Where(d => int.TryParse(Path.GetFileName(d), out _))
            .Select(d =>
            {
                try
                {
                    var commandLine = File.ReadAllText(Path.Combine(d, "cmdline")).Replace('\0', ' ');
                    return commandLine.Contains(prefix, StringComparison.Ordinal) ? $"{Path.GetFileName(d)}: {commandLine}" : null;
                }
                catch (IOException)
                {
                    return null; // gone meanwhile
                }
            })
            .OfType<string>()
            .ToList();
}
