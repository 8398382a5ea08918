using Miniguest.Core;

namespace Miniguest.Tests.Unit;

public sealed class HostVirtualizationTests
{
    private static string Capabilities(string arch, params string[] domainTypes) =>
        $"<capabilities><host/><guest><os_type>hvm</os_type><arch name='{arch}'>" +
        string.Concat(domainTypes.Select(t => $"<domain type='{t}'/>")) + "</arch></guest></capabilities>";

    [Test]
    public void Kvm_when_the_host_offers_it_for_the_architecture() =>
        Assert.That(HostVirtualization.Choose(Capabilities("x86_64", "qemu", "kvm")), Is.EqualTo(VirtType.Kvm));

    [Test]
    public void Software_emulation_when_the_host_offers_no_kvm() =>
        Assert.That(HostVirtualization.Choose(Capabilities("x86_64", "qemu")), Is.EqualTo(VirtType.Qemu));

    [Test]
    public void Kvm_for_another_architecture_does_not_count() =>
        Assert.That(HostVirtualization.Choose(Capabilities("aarch64", "qemu", "kvm")), Is.EqualTo(VirtType.Qemu));
}
