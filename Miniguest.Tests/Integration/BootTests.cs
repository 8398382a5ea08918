using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Integration;

/// <summary>The whole chain: Nix builds the test guest into the host's store, libvirt boots it with no disk
/// image, and the guest runs from the shared store, unable to write to it.</summary>
[TestFixture, Category(TestCategories.Integration)]
public sealed class BootTests
{
    private const string Hello = "miniguest-test-guest: {0} is up";
    private const string WriteRefused = "miniguest-test-guest: store-write=refused";

    private string _scratch = "";

    [SetUp]
    public void CreateScratch() => _scratch = Directory.CreateTempSubdirectory("miniguest-boot-").FullName;

    [TearDown]
    public void RemoveScratch() => Directory.Delete(_scratch, recursive: true);

    [Test]
    public async Task Vm_boots_from_the_host_store_over_9p_and_cannot_write_to_it()
    {
        var guest = await TestGuestFlake.BuildAsync("vm");
        Assert.That(guest.Config, Is.EqualTo(new GuestConfig(GuestType.Qemu, StoreShareType.NineP)));
        var vm = TestDomains.Vm(guest, UniqueName("vm"), Path.Combine(_scratch, "console.log"));

        using var connection = Connection.Open("qemu:///system");
        var domain = connection.DefineDomain(DomainXml.Write(vm));
        try
        {
            var console = await GuestRun.BootToPowerOffAsync(domain);

            Assert.That(console, Has.Some.StartsWith(string.Format(Hello, "vm")));
            Assert.That(console, Has.Some.EqualTo(WriteRefused));
            Assert.That(File.Exists("/nix/store/miniguest-write-probe-vm"), Is.False, "the guest wrote into the host's store");
            Assert.That(File.ReadAllText(vm.ConsoleLog!), Does.Contain(string.Format(Hello, "vm")), "the console log file");
        }
        finally
        {
            GuestRun.Remove(domain);
        }
    }

    [Test]
    public async Task Container_runs_from_the_host_store_on_libvirt_lxc()
    {
        var guest = await TestGuestFlake.BuildAsync("container");
        Assert.That(guest.Config.GuestType, Is.EqualTo(GuestType.Lxc));
        var container = new ContainerDomain
        {
            Name = UniqueName("ct"),
            RootDirectory = Directory.CreateDirectory(Path.Combine(_scratch, "root")).FullName,
            BootSource = guest.BootDirectory,
            StoreSource = "/nix/store",
            StoreTarget = "/nix/store",
            Metadata = new GuestMetadata("container"),
            DropCapabilities = ContainerCapabilities.StoreWriters, // StoreProtectionTests covers the user namespace
        };

        using var connection = Connection.Open("lxc:///");
        var domain = connection.DefineDomain(DomainXml.Write(container));
        try
        {
            var console = await GuestRun.BootToPowerOffAsync(domain);

            Assert.That(console, Has.Some.StartsWith(string.Format(Hello, "container")));
            Assert.That(console, Has.Some.EqualTo(WriteRefused));
            Assert.That(File.Exists("/nix/store/miniguest-write-probe-container"), Is.False, "the guest wrote into the host's store");
        }
        finally
        {
            GuestRun.Remove(domain);
            File.Delete("/nix/store/miniguest-write-probe-container");
        }
    }

    [Test]
    public async Task Container_shuts_down_gracefully_when_asked()
    {
        var guest = await TestGuestFlake.BuildAsync("container");
        var root = Directory.CreateDirectory(Path.Combine(_scratch, "root")).FullName;
        File.WriteAllText(Path.Combine(root, "miniguest-test-wait"), "");
        var container = new ContainerDomain
        {
            Name = UniqueName("ct"),
            RootDirectory = root,
            BootSource = guest.BootDirectory,
            StoreSource = "/nix/store",
            StoreTarget = "/nix/store",
            DropCapabilities = ContainerCapabilities.StoreWriters,
        };

        using var connection = Connection.Open("lxc:///");
        var domain = connection.DefineDomain(DomainXml.Write(container));
        try
        {
            domain.Start();
            using var console = new GuestConsoleReader(domain);
            // What the guest says, from its console or, where the console lost it, from the report it keeps in its root.
            var report = Path.Combine(root, "miniguest-test-report");
            bool Said(string line) => console.Lines.Contains(line) || (File.Exists(report) && File.ReadAllLines(report).Contains(line));
            var deadline = DateTime.UtcNow + GuestRun.BootTimeout;
            while (!Said("miniguest-test-guest: waiting for shutdown"))
            {
                Assert.That(DateTime.UtcNow, Is.LessThan(deadline),
                    $"the guest never said it waits; its console:\n{string.Join('\n', console.Lines)}\nits report:\n{(File.Exists(report) ? File.ReadAllText(report) : "")}");
                await Task.Delay(50);
            }

            // The test guest's init is a shell, not systemd: it has no initctl, so it is asked with SIGTERM.
            var stopped = await domain.ShutdownAsync(TimeSpan.FromSeconds(30), DomainShutdownFlags.Signal);

            console.Print();
            Assert.That(stopped, Is.True, "the container did not stop within 30 s of the shutdown request");
            await console.Completion;
            Assert.That(Said("miniguest-test-guest: shutdown requested"), Is.True, "the guest's init got the request");
        }
        finally
        {
            GuestRun.Remove(domain);
            File.Delete("/nix/store/miniguest-write-probe-container");
        }
    }

    private static string UniqueName(string kind) => TestDomains.UniqueName("miniguest-test", kind);
}
