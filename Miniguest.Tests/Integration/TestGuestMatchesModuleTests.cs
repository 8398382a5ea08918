using Miniguest.Core;
using Miniguest.Tests.Nix;

namespace Miniguest.Tests.Integration;

/// <summary>
/// The test guest and the NixOS module describe the same guest: the files the test guest builds are those of
/// nix/lib.nix's <c>outputLayout</c>, which the module builds too, and its config and kernel parameters come from the
/// same functions.
/// </summary>
[TestFixture, Category(TestCategories.Integration)]
public sealed class TestGuestMatchesModuleTests
{
    [TestCase("vm", "qemu", "9p")]
    [TestCase("vm-virtiofs", "qemu", "virtiofs")]
    [TestCase("container", "lxc", "9p")]
    public async Task Each_variant_has_the_files_of_the_modules_output_layout(string variant, string guestType, string fsType)
    {
        var guest = await TestGuestFlake.BuildAsync(variant);
        var layout = await NixLib.EvalAsync($"lib.outputLayout {{ guestType = {NixLib.Literal(guestType)}; }}");
        var config = await NixLib.EvalStringAsync(
            $"lib.configJson {{ guestType = {NixLib.Literal(guestType)}; fsType = {NixLib.Literal(fsType)}; }}");

        var files = Directory.EnumerateFileSystemEntries(guest.Directory, "*", SearchOption.AllDirectories)
            .Where(path => !Directory.Exists(path))
            .Select(path => Path.GetRelativePath(guest.Directory, path))
            .Order(StringComparer.Ordinal);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(files, Is.EqualTo(layout!.AsArray().Select(file => file!.GetValue<string>())));
            Assert.That(File.ReadAllText(Path.Combine(guest.Directory, GuestConfig.FileName)), Is.EqualTo(config));
        }
    }

    // The test guest's stage 1 loads the kernel's modules that scripts/setup-host took, in their load-order.
    [Test]
    public async Task The_test_vm_loads_every_module_a_vm_of_the_module_loads()
    {
        var loaded = File.ReadAllLines(Path.Combine(IntegrationEnvironment.KernelDirectory, "modules", "load-order"));
        var wanted = await NixLib.EvalAsync("lib.initrdKernelModules \"9p\" ++ lib.initrdKernelModules \"virtiofs\" ++ lib.vmKernelModules");
        Assert.That(loaded, Is.SupersetOf(wanted!.AsArray().Select(module => module!.GetValue<string>()).Distinct()));
    }

    [Test]
    public async Task The_vms_kernel_params_are_the_modules_for_its_init()
    {
        var guest = await TestGuestFlake.BuildAsync("vm");
        var init = guest.KernelParams!.Split(' ').Single(p => p.StartsWith("init=", StringComparison.Ordinal))["init=".Length..];
        var expected = await NixLib.EvalStringAsync(
            $"lib.kernelParams {{ init = {NixLib.Literal(init)}; extraParams = [ \"panic=-1\" \"loglevel=4\" ]; }}");
        Assert.That(guest.KernelParams, Is.EqualTo(expected));
    }
}
