using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Integration;

/// <summary>
/// Every kind of guest, running as root and remounting its store read-write as an attacker would, fails to write
/// to the host's store: the test guest's init tries, and both its console and the host's store are checked.
/// </summary>
[TestFixture, Category(TestCategories.Integration), Parallelizable]
public sealed class StoreProtectionTests
{
    private static readonly UserNamespaceMapping Unprivileged = new(100_000, 100_000, 65_536);

    private string _scratch = "";

    [SetUp]
    public void CreateScratch()
    {
        _scratch = Directory.CreateTempSubdirectory("miniguest-store-").FullName;
        // A container's mapped root must be able to reach its root directory below this one.
        if (!OperatingSystem.IsLinux())
        {
            throw new PlatformNotSupportedException("libvirt's real stack runs on Linux");
        }
        File.SetUnixFileMode(_scratch, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
    }

    [TearDown]
    public void RemoveScratchAndProbes()
    {
        Directory.Delete(_scratch, recursive: true);
        // A guest that wrote its probe failed its test; the file must not fail the next run as well.
        foreach (var variant in new[] { "vm", "vm-virtiofs", "container" })
        {
            StoreProbe.Remove(variant);
        }
    }

    [Test]
    public async Task Vm_over_9p_cannot_write_to_the_host_store()
    {
        var guest = await TestGuestFlake.BuildAsync("vm");
        var vm = Vm("vm", guest.Kernel!, guest.Initrd!, guest.KernelParams, guest.BootDirectory);
        Assert.That(StoreGuard.EnsureProtected(vm, MountTable.OfLibvirtd()), Is.EqualTo(StoreProtection.ReadOnly9pShare));

        var (console, defined) = await BootAsync("qemu:///system", DomainXml.Write(vm));

        StoreProbe.AssertRefused(console, "vm");
        Assert.That(StoreGuard.Of(DomainXml.Read(defined).Vm!, MountTable.OfLibvirtd()), Is.EqualTo(StoreProtection.ReadOnly9pShare));
    }

    [Test]
    public async Task Vm_over_virtiofs_shares_the_read_only_store_and_cannot_write_to_it()
    {
        var guest = await TestGuestFlake.BuildAsync("vm-virtiofs");
        var mounts = MountTable.OfLibvirtd();
        var store = StoreView.ForVirtiofs(mounts);
        Assert.That(store.IsAvailable, Is.True, store.Problem);
        var vm = Vm("vm-virtiofs", guest.Kernel!, guest.Initrd!, guest.KernelParams, store.Translate(guest.BootDirectory)) with
        {
            StoreShare = StoreShareType.Virtiofs,
            StoreSource = store.RequireDirectory(),
        };
        Assert.That(StoreGuard.EnsureProtected(vm, mounts), Is.EqualTo(store.Protection));
        TestContext.Out.WriteLine($"virtiofs shares {vm.StoreSource} and {vm.BootSource}: {store.Protection.Describe()} ({mounts.Owner})");

        var (console, defined) = await BootAsync("qemu:///system", DomainXml.Write(vm));

        Assert.That(console, Has.Some.StartsWith("miniguest-test-guest: vm-virtiofs is up"));
        StoreProbe.AssertRefused(console, "vm-virtiofs");
        Assert.That(StoreGuard.Of(DomainXml.Read(defined).Vm!, mounts), Is.EqualTo(store.Protection));
    }

    [Test]
    public async Task Container_in_a_user_namespace_cannot_write_to_the_host_store()
    {
        IntegrationEnvironment.RequireHost(StoreGuard.UserNamespacesAvailable(), "this kernel offers no user namespaces");
        var guest = await TestGuestFlake.BuildAsync("container");
        var container = Container(guest.BootDirectory) with { UserNamespace = Unprivileged };
        ContainerRoot.Prepare(container.RootDirectory, container.UserNamespace);
        Assert.That(StoreGuard.EnsureProtected(container), Is.EqualTo(StoreProtection.UserNamespace));

        var (console, defined) = await BootAsync("lxc:///", DomainXml.Write(container));

        Assert.That(console, Has.Some.StartsWith("miniguest-test-guest: container is up"));
        StoreProbe.AssertRefused(console, "container");
        Assert.That(StoreGuard.Of(DomainXml.Read(defined).Container!), Is.EqualTo(StoreProtection.UserNamespace));
    }

    [Test]
    public async Task Container_in_a_user_namespace_starts_in_a_root_left_by_a_container_without_one()
    {
        IntegrationEnvironment.RequireHost(StoreGuard.UserNamespacesAvailable(), "this kernel offers no user namespaces");
        var guest = await TestGuestFlake.BuildAsync("container");
        var container = Container(guest.BootDirectory) with { UserNamespace = Unprivileged };
        // A start without a user namespace mounts sysfs on the root's sys/ and leaves the directory behind, empty and
        // host root's; libvirt then fails with "Unable to create directory /sys/fs/cgroup: Read-only file system".
        Directory.CreateDirectory(Path.Combine(container.RootDirectory, "sys"));
        Directory.CreateDirectory(Path.Combine(container.RootDirectory, ".oldroot"));
        ContainerRoot.Prepare(container.RootDirectory, container.UserNamespace);

        var (console, _) = await BootAsync("lxc:///", DomainXml.Write(container));

        StoreProbe.AssertRefused(console, "container");
    }

    [Test]
    public async Task Container_without_the_store_writing_capabilities_cannot_write_to_the_host_store()
    {
        var guest = await TestGuestFlake.BuildAsync("container");
        var container = StoreGuard.Protect(Container(guest.BootDirectory), Unprivileged, userNamespaces: false);
        ContainerRoot.Prepare(container.RootDirectory, container.UserNamespace);
        Assert.That(StoreGuard.EnsureProtected(container), Is.EqualTo(StoreProtection.DroppedCapabilities));

        var (console, defined) = await BootAsync("lxc:///", DomainXml.Write(container));

        StoreProbe.AssertRefused(console, "container");
        Assert.That(StoreGuard.Of(DomainXml.Read(defined).Container!), Is.EqualTo(StoreProtection.DroppedCapabilities));
    }

    private static VmDomain Vm(string variant, string kernel, string initrd, string? kernelParams, string boot) => new()
    {
        Name = UniqueName(variant),
        Kernel = kernel,
        Initrd = initrd,
        CommandLine = KernelCommandLine.Compose(kernelParams, "/boot/init"),
        BootSource = boot,
        StoreSource = "/nix/store",
        VirtType = VirtType.Qemu, // KVM guests hang on the CI machines
        MemoryMiB = 256,
        Metadata = new GuestMetadata(variant),
    };

    private ContainerDomain Container(string boot) => new()
    {
        Name = UniqueName("ct"),
        RootDirectory = Path.Combine(_scratch, "root"),
        BootSource = boot,
        StoreSource = "/nix/store",
        StoreTarget = "/nix/store",
        Metadata = new GuestMetadata("container"),
    };

    /// <summary>Defines and boots the domain; returns what its console said and libvirt's XML of it, from which
    /// the CLI reads the protection back.</summary>
    private static async Task<(IReadOnlyList<string> Console, string DefinedXml)> BootAsync(string uri, string xml)
    {
        using var connection = Connection.Open(uri);
        var domain = connection.DefineDomain(xml);
        try
        {
            var defined = domain.GetXml();
            return (await GuestRun.BootToPowerOffAsync(domain), defined);
        }
        finally
        {
            GuestRun.Remove(domain);
        }
    }

    private static string UniqueName(string kind) => TestDomains.UniqueName("mgsec", kind);
}
