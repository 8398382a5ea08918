namespace Miniguest.Tests;

/// <summary>The test tiers: plain unit tests have no category.</summary>
internal static class TestCategories
{
    /// <summary>Against libvirt's in-process test driver, <c>test:///default</c>: needs libvirt.so.0, no daemon.</summary>
    public const string Libvirt = "Libvirt";

    /// <summary>Against the real stack: Nix, libvirtd, QEMU, libvirt-LXC.</summary>
    public const string Integration = "Integration";
}
