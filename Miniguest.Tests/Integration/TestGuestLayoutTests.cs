using Miniguest.Core;

namespace Miniguest.Tests.Integration;

/// <summary>The test guest has exactly the output layout of the NixOS module's <c>system.build.miniguest</c>.</summary>
[TestFixture, Category(TestCategories.Integration)]
public sealed class TestGuestLayoutTests
{
    private static readonly string[] VmFiles =
        ["boot/init", "boot/nix-path-registration", "initrd", "kernel", "kernel-params", "miniguest-config.json"];
    private static readonly string[] ContainerFiles = ["boot/init", "boot/nix-path-registration", "miniguest-config.json"];

    [TestCase("vm", GuestType.Qemu, StoreShareType.NineP)]
    [TestCase("vm-virtiofs", GuestType.Qemu, StoreShareType.Virtiofs)]
    [TestCase("container", GuestType.Lxc, StoreShareType.NineP)]
    [TestCase("vm-state", GuestType.Qemu, StoreShareType.NineP)]
    [TestCase("vm-virtiofs-state", GuestType.Qemu, StoreShareType.Virtiofs)]
    [TestCase("container-state", GuestType.Lxc, StoreShareType.NineP)]
    public async Task Each_variant_has_the_modules_layout(string variant, GuestType type, StoreShareType share)
    {
        ValueList<GuestShare> shares = variant.EndsWith("-state", StringComparison.Ordinal) ? [new GuestShare("data", "/var/lib/data", null, false)] : [];
        var guest = await TestGuestFlake.BuildAsync(variant);
        var files = Directory.EnumerateFileSystemEntries(guest.Directory, "*", SearchOption.AllDirectories)
            .Where(path => !Directory.Exists(path))
            .Select(path => Path.GetRelativePath(guest.Directory, path))
            .Order(StringComparer.Ordinal);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(files, Is.EqualTo(type == GuestType.Qemu ? VmFiles : ContainerFiles));
            Assert.That(guest.Config, Is.EqualTo(new GuestConfig(type, share) { Shares = shares }));
            Assert.That(File.ResolveLinkTarget(Path.Combine(guest.Directory, "boot", "init"), returnFinalTarget: false)?.FullName,
                Does.StartWith("/nix/store/").And.EndWith("/init"), "boot/init links to the system's init");
        }
        if (type == GuestType.Qemu)
        {
            Assert.That(guest.KernelParams!.Split(' '), Does.Contain("console=ttyS0").And.Some.StartsWith("init=/nix/store/"));
        }
    }

    [Test]
    public async Task The_default_attribute_is_the_9p_vm()
    {
        var vm = await TestGuestFlake.BuildAsync("vm");
        var byDefault = await TestGuestFlake.BuildAsync("default");
        Assert.That(byDefault.Directory, Is.EqualTo(vm.Directory));
    }
}
