using System.Diagnostics;
using System.Text;
using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>
/// <c>miniguest console</c> on a real terminal, as an admin types into it: a pseudo-terminal runs the command, and a
/// container guest that reads its console raw says each byte it gets.
/// </summary>
[TestFixture, Category(TestCategories.Integration), Parallelizable]
public sealed class ConsoleTests : HostFixture
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Test]
    public async Task Every_byte_typed_reaches_the_guest_and_only_ctrl_bracket_leaves()
    {
        var name = StartEchoingGuest();
        using var session = new TerminalSession(Host.StartOnTerminal("console", name));
        await session.WaitForAsync("Press Ctrl+] to leave.");

        // x, Ctrl+C, the Left arrow's escape sequence, Ctrl+Z: a cooked terminal would have signalled or mangled three.
        session.Type(0x78, 0x03, 0x1b, 0x5b, 0x44, 0x1a);
        // What the guest got, as it says on the console, or in its report where the console lost a line.
        var report = Path.Combine(Host.Paths.ContainerRoot(GuestName.Parse(name)), "miniguest-test-report");
        foreach (var hex in new[] { "78", "03", "1b", "5b", "44", "1a" })
        {
            await session.WaitForAsync($"miniguest-test-guest: byte {hex}", report);
        }
        session.Type(0x1d);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(session.WaitForExit(), Is.Zero, "Ctrl+] leaves, successfully");
            Assert.That(IsRunning(name), Is.True, "leaving the console leaves the guest running");
        }
        Host.Ok("stop", "--force", "--timeout", "1", name); // the echoing guest reads its console, not signals
    }

    [Test]
    public async Task A_vm_console_held_by_another_session_is_refused_naming_force_taken_over_with_it_and_its_output_read_beside_it()
    {
        var name = MiniguestHost.UniqueName("con");
        Host.Ok("install", "-n", name, TestGuestFlake.Reference + "#vm");
        Host.Ok("create", name, "--virt-type", "qemu", "--memory", "256");
        // Paused, the VM keeps its console open (the test guest powers off once it has booted).
        await new GuestHost(new GuestHostOptions { Paths = Host.Paths }).StartAsync(name, paused: true);
        using var first = new TerminalSession(Host.StartOnTerminal("console", name));
        await first.WaitForAsync("Press Ctrl+] to leave.");

        using (var refused = new TerminalSession(Host.StartOnTerminal("console", name)))
        {
            await refused.WaitForAsync("--force");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(refused.WaitForExit(), Is.EqualTo(1));
                Assert.That(refused.Screen.Trim(), Is.EqualTo($"miniguest: error: the console of '{name}' is in use by another session; "
                    + $"take it over with: miniguest console --force {name}"), "one line, naming the command that takes it over");
                Assert.That(first.HasExited, Is.False, "the refused session leaves the first alone");
            }
        }

        using var second = new TerminalSession(Host.StartOnTerminal("console", "--force", name));
        await second.WaitForAsync("Press Ctrl+] to leave.");
        await first.WaitForAsync("console of '" + name + "' was taken over by another session");
        Assert.That(first.WaitForExit(), Is.EqualTo(1), "the session taken over ends");
        // Its output alone needs no console: it is read from the VM's console log, beside the session that holds the console.
        var watching = Task.Run(() => Host.Run("console", name));
        await Task.Delay(TimeSpan.FromSeconds(2)); // the log is read from its end as it is when the watcher opens it
        using (var connection = Connection.Open("qemu:///system"))
        using (var domain = connection.GetDomain(name))
        {
            domain.Resume();
        }
        var watched = await watching;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(watched.ExitCode, Is.Zero, watched.ToString());
            Assert.That(watched.Out, Does.Contain("miniguest-test-guest: powering off"), "the guest's output to its end");
            Assert.That(second.WaitForExit(), Is.Zero, "the session holding the console ends as the guest stops");
        }
    }

    // A running container whose test guest reads its console raw and reports each byte.
    private string StartEchoingGuest()
    {
        var name = MiniguestHost.UniqueName("con");
        Host.Ok("install", "-n", name, TestGuestFlake.Reference + "#container");
        Host.Ok("create", name);
        File.WriteAllText(Path.Combine(Host.Paths.ContainerRoot(GuestName.Parse(name)), "miniguest-test-echo"), "");
        Host.Ok("start", name);
        var report = Path.Combine(Host.Paths.ContainerRoot(GuestName.Parse(name)), "miniguest-test-report");
        var deadline = DateTime.UtcNow + Patience;
        while (!(File.Exists(report) && File.ReadAllText(report).Contains("echoing", StringComparison.Ordinal)))
        {
            Assert.That(DateTime.UtcNow, Is.LessThan(deadline), $"'{name}' never began to echo its console");
            Thread.Sleep(100);
        }
        return name;
    }

    private static bool IsRunning(string name)
    {
        using var connection = Connection.Open("lxc:///");
        using var domain = connection.GetDomain(name);
        return domain.IsActive;
    }
}
