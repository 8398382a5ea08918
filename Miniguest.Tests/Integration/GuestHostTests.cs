using System.Xml.Linq;
using Miniguest.Core;
using Miniguest.Libvirt;
using Miniguest.Tests.Integration.Cli;

namespace Miniguest.Tests.Integration;

/// <summary>Core's door to a guest's life, called as a .NET tool that embeds Miniguest calls it: the rules hold without
/// the command line.</summary>
[TestFixture, Category(TestCategories.Integration), Parallelizable]
public sealed class GuestHostTests : HostFixture
{
    private GuestHost Guests => new(new GuestHostOptions
    {
        Paths = Host.Paths,
        Nix = new NixSettings { Options = new Dictionary<string, string> { ["substituters"] = "", ["flake-registry"] = "" } },
    });

    [Test]
    public async Task Remove_through_the_library_undefines_the_domain_with_the_guest()
    {
        var name = MiniguestHost.UniqueName("lib");
        var guests = Guests;
        await guests.InstallAsync(InstallableReference.Parse(TestGuestFlake.Reference + "#vm"), name);
        await guests.DefineAsync(name, new DomainOptions { VirtType = VirtType.Qemu, MemoryMiB = 64 });

        await guests.RemoveAsync(name);

        using var connection = Connection.Open("qemu:///system");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.TryGetDomain(name, out _), Is.False, "the domain went with the guest");
            Assert.That(guests.Store.Names(), Does.Not.Contain(GuestName.Parse(name)));
            Assert.That(Directory.Exists(Host.Paths.GuestState(GuestName.Parse(name))), Is.False);
        }
    }

    [Test]
    public async Task Remove_through_the_library_refuses_a_running_guest_even_keeping_its_domain()
    {
        var name = MiniguestHost.UniqueName("lib");
        var guest = GuestName.Parse(name);
        var guests = Guests;
        await guests.InstallAsync(InstallableReference.Parse(TestGuestFlake.Reference + "#container"), name);
        await guests.DefineAsync(name, new DomainOptions());
        File.WriteAllText(Path.Combine(Host.Paths.ContainerRoot(guest), "miniguest-test-wait"), "");
        await guests.StartAsync(name);
        using var running = guests.OpenDomain(guest);

        Assert.ThrowsAsync<GuestRunningException>(() => guests.RemoveAsync(name, keepDomain: true));

        using (Assert.EnterMultipleScope())
        {
            Assert.That(running.IsActive, Is.True, "still running");
            Assert.That(File.Exists(Path.Combine(Host.Paths.ContainerRoot(guest), "miniguest-test-wait")), Is.True, "its files are there");
            Assert.That(guests.Store.Names(), Does.Contain(guest));
        }
    }

    [Test]
    public async Task Start_through_the_library_refuses_a_domain_whose_guest_could_write_the_store()
    {
        var name = MiniguestHost.UniqueName("lib");
        var guests = Guests;
        await guests.InstallAsync(InstallableReference.Parse(TestGuestFlake.Reference + "#vm"), name);
        await guests.DefineAsync(name, new DomainOptions { VirtType = VirtType.Qemu, MemoryMiB = 64 });
        // Someone edits the domain: its 9p shares lose <readonly/>, so QEMU would export the store writable.
        using var connection = Connection.Open("qemu:///system");
        var xml = XElement.Parse(connection.GetDomain(name).GetXml(DomainXmlFlags.Inactive));
        xml.Descendants("filesystem").Elements("readonly").Remove();
        using var edited = connection.DefineDomain(xml.ToString());

        var refused = Assert.ThrowsAsync<UnprotectedStoreException>(() => guests.StartAsync(name));

        Assert.That(refused!.Message, Does.Contain("<readonly/>"));
        Assert.That(edited.IsActive, Is.False, "not started");
    }

    [Test]
    public async Task Start_with_console_through_the_library_reads_the_guest_from_its_first_line()
    {
        var name = MiniguestHost.UniqueName("lib");
        var guests = Guests;
        await guests.InstallAsync(InstallableReference.Parse(TestGuestFlake.Reference + "#vm"), name);
        await guests.DefineAsync(name, new DomainOptions { VirtType = VirtType.Qemu, MemoryMiB = 256 });

        var lines = new List<string>();
        using (var console = await guests.StartWithConsoleAsync(name))
        {
            Assert.That(console, Is.Not.Null, "a VM starts paused, so it cannot stop before its console is attached");
            using var reader = new StreamReader(console!.Stream);
            // The test guest powers off once it has said what it found.
            while (await reader.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(3)) is { } line)
            {
                lines.Add(line.TrimEnd('\r'));
            }
            await console.WaitUntilStoppedAsync();
            Assert.That(console.IsRunning, Is.False);
        }

        // QEMU writes the serial log from the guest's first instruction on: the console missed nothing before it.
        var logged = File.ReadAllLines(Host.Paths.ConsoleLog(GuestName.Parse(name))).Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(lines, Has.Some.StartsWith("miniguest-test-guest: vm is up"));
            Assert.That(lines.Where(l => l.Length > 0).Take(5), Is.EqualTo(logged.Take(5)));
        }
    }

    [Test]
    public async Task The_console_of_a_guest_that_is_not_running_is_refused_with_its_state()
    {
        var name = MiniguestHost.UniqueName("lib");
        var guests = Guests;
        await guests.InstallAsync(InstallableReference.Parse(TestGuestFlake.Reference + "#vm"), name);
        await guests.DefineAsync(name, new DomainOptions { VirtType = VirtType.Qemu, MemoryMiB = 64 });

        var refused = Assert.ThrowsAsync<GuestNotRunningException>(() => guests.OpenConsoleAsync(name));

        Assert.That(refused!.Name, Is.EqualTo(name));
    }

    [Test]
    public async Task The_library_lists_each_guest_with_a_status_of_its_model_broken_ones_too()
    {
        var defined = MiniguestHost.UniqueName("lib");
        var stray = MiniguestHost.UniqueName("lib");
        var guests = Guests;
        await guests.InstallAsync(InstallableReference.Parse(TestGuestFlake.Reference + "#vm"), defined);
        await guests.DefineAsync(defined, new DomainOptions { VirtType = VirtType.Qemu, MemoryMiB = 64 });
        File.CreateSymbolicLink(Host.Paths.Link(GuestName.Parse(stray)), Host.Paths.Profile(GuestName.Parse(stray)));

        var listing = (await guests.ListAsync(withProtection: true)).ToDictionary(guest => guest.Name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(listing[defined].Status, Is.EqualTo(GuestListStatus.Stopped));
            Assert.That(listing[defined].StoreProtection, Is.EqualTo(StoreProtection.ReadOnly9pShare));
            Assert.That(listing[defined].Running, Is.False);
            Assert.That(listing[stray].Status, Is.EqualTo(GuestListStatus.Broken));
            Assert.That(listing[stray].Problem, Does.Contain("does not exist"));
        }
    }
}
