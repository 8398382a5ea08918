using System.Diagnostics;
using Miniguest.Libvirt;
using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Integration.Reliability;

/// <summary>Faults around the command: libvirtd going away while it runs (its connection cut through a private relay:
/// the shared daemon stays up for the other suites), and a full file system under the profiles or guests
/// directory.</summary>
[TestFixture, Category(TestCategories.Reliability)]
public sealed class EnvironmentFaultTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private MiniguestHost _host = null!;
    private string? _mount;

    [SetUp]
    public void CreateHost() => _host = new MiniguestHost();

    [TearDown]
    public void RemoveHost()
    {
        if (_mount is not null)
        {
            TestCommand.Ok("umount", _mount);
            _mount = null;
        }
        HostState.RemoveDomains(ReliabilitySuite.Prefix + "-cut");
        _host.Dispose();
    }

    [Test]
    public async Task Libvirt_going_away_during_start_console_is_one_line_and_the_retry_succeeds()
    {
        var name = MiniguestHost.UniqueName("cut", ReliabilitySuite.Prefix);
        _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
        _host.Ok("create", name, "--virt-type", "qemu", "--memory", "256");
        using var connection = Connection.Open("qemu:///system");
        using var domain = connection.GetDomain(name);
        string? cutFailure = null;

        await using (var relay = new DaemonSocketRelay())
        {
            using var process = _host.Start("start", name, "--console", "-c", relay.Uri);
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            // The VM starts paused and runs once its console is attached: cut when it runs.
            var deadline = DateTime.UtcNow + Patience;
            while (!(domain.IsActive && domain.GetState().State == DomainState.Running) && !process.HasExited && DateTime.UtcNow < deadline)
            {
                await Task.Delay(50);
            }
            relay.Cut();
            var exited = process.WaitForExit(TimeSpan.FromSeconds(60));
            if (!exited)
            {
                process.Kill(entireProcessTree: true);
            }
            var result = new CommandResult(exited ? process.ExitCode : -1, await output, await error);
            TestContext.Out.WriteLine($"$ miniguest start --console (relay cut)\n{result}");
            try
            {
                Figures.Case(Groups.ConnectionLost, () =>
                {
                    using (Assert.EnterMultipleScope())
                    {
                        Assert.That(exited, Is.True, "the command ends when its connection is lost");
                        Assert.That(result.ExitCode, Is.EqualTo(1));
                        Assert.That(result.ErrorLines, Has.Count.EqualTo(1), "one line on stderr");
                        Assert.That(result.Error, Does.Not.Contain("   at "), "no stack trace");
                    }
                });
            }
            catch (ResultStateException) when (result.ExitCode == 0 && result.Error.Length == 0)
            {
                // Recorded as a failure already; the retry below still runs.
                cutFailure = "product bug: when libvirt's connection is lost during 'start --console', miniguest exits 0 "
                    + "and prints nothing, as if the guest had stopped";
            }
        }

        // The VM powers itself off after its probe; then the same command, on a new connection, works.
        var until = DateTime.UtcNow + Patience;
        while (domain.IsActive && DateTime.UtcNow < until)
        {
            await Task.Delay(200);
        }
        await using (var relay = new DaemonSocketRelay())
        {
            Figures.Case(Groups.ConnectionLost, () =>
            {
                var retry = _host.Ok("start", name, "--console", "-c", relay.Uri);
                Assert.That(retry.Out, Does.Contain("miniguest-test-guest: vm is up"));
            });
        }
        Figures.Leftovers(Groups.ConnectionLost, HostState.Problems(_host, name).Count);
        if (cutFailure is not null)
        {
            Assert.Fail(cutFailure);
        }
    }

    [Test]
    public async Task A_vm_whose_console_libvirt_refuses_is_stopped_again_not_left_paused()
    {
        var name = MiniguestHost.UniqueName("cutc", ReliabilitySuite.Prefix);
        _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
        _host.Ok("create", name, "--virt-type", "qemu", "--memory", "256");
        // libvirt refuses a console whose pty a live process holds a lock file for, as it does when one of its own was
        // left behind (seen after a console session's client was killed while its domain was destroyed): here, for every
        // pty the VM could get. Only a console on a terminal opens one: a piped one reads the console log.
        var planted = new List<string>();
        try
        {
            for (var pty = 0; pty < 64; pty++)
            {
                var lockFile = $"/run/lock/LCK.._pts_{pty}";
                if (!File.Exists($"/dev/pts/{pty}") && !File.Exists(lockFile))
                {
                    File.WriteAllText(lockFile, $"{Environment.ProcessId,10}\n");
                    planted.Add(lockFile);
                }
            }
            using var session = new TerminalSession(_host.StartOnTerminal("start", name, "--console"));
            await session.WaitForAsync("miniguest: error:");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(session.WaitForExit(), Is.EqualTo(1));
                Assert.That(session.Screen, Does.Not.Contain("Press Ctrl+]"), "no console was attached");
                // libvirt's own reason, and no advice to take over a console nobody else had.
                Assert.That(session.Screen, Does.Contain($"miniguest: error: libvirt refused the console of '{name}' (").And.Contain("lock")
                    .And.Contain("it was stopped again, never run").And.Not.Contain("--force"));
            }
        }
        finally
        {
            planted.ForEach(File.Delete);
        }
        using var connection = Connection.Open("qemu:///system");
        using var domain = connection.GetDomain(name);
        Assert.That(domain.IsActive, Is.False, "the VM started paused for its console never ran, and is stopped again");
        Assert.That(_host.Ok("start", name, "--console").Out, Does.Contain("miniguest-test-guest: powering off"), "and starts once libvirt lets it");
    }

    [Test]
    public async Task Libvirt_going_away_during_list_is_reported_and_the_retry_succeeds()
    {
        var name = MiniguestHost.UniqueName("cutl", ReliabilitySuite.Prefix);
        _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
        _host.Ok("create", name, "--virt-type", "qemu", "--memory", "64");
        await using (var relay = new DaemonSocketRelay())
        {
            relay.Swallow(); // libvirtd hears the client but never answers: list waits on it…
            using var process = _host.Start("list", "-c", relay.Uri);
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            await relay.Connected.WaitAsync(Patience);
            relay.Cut(); // …until the daemon goes away.
            var exited = process.WaitForExit(TimeSpan.FromSeconds(60));
            if (!exited)
            {
                process.Kill(entireProcessTree: true);
            }
            var result = new CommandResult(exited ? process.ExitCode : -1, await output, await error);
            TestContext.Out.WriteLine($"$ miniguest list (relay silent, then cut)\n{result}");
            Figures.Case(Groups.ConnectionLost, () =>
            {
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(exited, Is.True, "the command ends when its connection is lost");
                    // The listing is of the connection given (-c), as virsh's: losing it fails the listing, in one line.
                    Assert.That((result.ExitCode, result.Out), Is.EqualTo((1, "")));
                    Assert.That(result.ErrorLines, Has.Count.EqualTo(1), "one line on stderr");
                    Assert.That(result.Error, Does.Not.Contain("   at "), "no stack trace");
                }
            });
        }
        await using (var relay = new DaemonSocketRelay())
        {
            Figures.Case(Groups.ConnectionLost, () =>
            {
                var retry = _host.Ok("list", "-c", relay.Uri);
                Assert.That(retry.Out, Does.Contain(name).And.Contain("stopped"));
            });
        }
    }

    [TestCase("profiles")]
    [TestCase("guests")]
    public void Install_onto_a_full_file_system_fails_cleanly_and_succeeds_once_there_is_room(string which)
    {
        var name = MiniguestHost.UniqueName("full", ReliabilitySuite.Prefix);
        var directory = which == "profiles" ? _host.Paths.Profiles : _host.Paths.Guests;
        foreach (var layout in new[] { _host.Paths.Guests, _host.Paths.Profiles, Path.Combine(_host.Paths.State, "locks") })
        {
            Directory.CreateDirectory(layout);
        }
        TestCommand.Ok("mount", "-t", "tmpfs", "-o", "size=64k,nr_inodes=64,mode=755", "tmpfs", directory);
        _mount = directory;
        var filler = Fill(directory);
        var before = HostSnapshot.Files(_host.Root);

        Figures.Case(Groups.FullDisk, () =>
        {
            var result = _host.Run("install", "-n", name, TestGuestFlake.Reference + "#vm");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(result.ExitCode, Is.EqualTo(1));
                Assert.That(result.ErrorLines, Has.Count.EqualTo(1), "one line on stderr");
                Assert.That(result.Error, Does.Not.Contain("   at "), "no stack trace");
                Assert.That(HostSnapshot.Files(_host.Root), Is.EqualTo(before), "nothing half-written");
            }
        });

        Directory.Delete(filler, recursive: true);
        Figures.Case(Groups.FullDisk, () =>
        {
            _host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
            var problems = HostState.Problems(_host, name);
            Figures.Leftovers(Groups.FullDisk, problems.Count);
            Assert.That(problems, Is.Empty);
        });
    }

    // Fills the file system at directory, bytes and inodes, with a directory of files; returns that directory.
    private static string Fill(string directory)
    {
        var filler = Directory.CreateDirectory(Path.Combine(directory, "filler")).FullName;
        try
        {
            using var file = File.OpenWrite(Path.Combine(filler, "bytes"));
            var block = new byte[4096];
            while (true)
            {
                file.Write(block);
                file.Flush();
            }
        }
        catch (IOException)
        {
            // Full.
        }
        try
        {
            for (var i = 0; ; i++)
            {
                File.CreateSymbolicLink(Path.Combine(filler, $"inode-{i}"), "x");
            }
        }
        catch (IOException)
        {
            // No inode left.
        }
        return filler;
    }

}
