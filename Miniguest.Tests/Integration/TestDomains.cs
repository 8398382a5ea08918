using Miniguest.Core;

namespace Miniguest.Tests.Integration;

/// <summary>Domains of the test guest, as the integration tests define them through the library.</summary>
internal static class TestDomains
{
    /// <summary>A name no other test (or anything else on libvirtd) uses, starting with <paramref name="prefix"/>.</summary>
    public static string UniqueName(string prefix, string kind) => $"{prefix}-{kind}-{Guid.NewGuid():N}"[..32];

    /// <summary>A small VM of the built test guest, run by QEMU's software emulator (KVM guests hang on the CI
    /// machines), its serial console logged to <paramref name="consoleLog"/>.</summary>
    public static VmDomain Vm(GuestSystem guest, string name, string consoleLog) => new()
    {
        Name = name,
        Kernel = guest.Kernel!,
        Initrd = guest.Initrd!,
        CommandLine = KernelCommandLine.Compose(guest.KernelParams, "/boot/init"),
        BootSource = guest.BootDirectory,
        StoreSource = "/nix/store",
        StoreShare = guest.Config.StoreShare,
        VirtType = VirtType.Qemu,
        MemoryMiB = 256,
        ConsoleLog = consoleLog,
        Metadata = new GuestMetadata(name),
    };
}
