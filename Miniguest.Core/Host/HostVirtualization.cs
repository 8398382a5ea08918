using System.Xml.Linq;
using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>Which virtualisation a host offers its VMs.</summary>
internal static class HostVirtualization
{
    /// <summary>KVM when the host's capabilities offer it for <paramref name="arch"/>, else QEMU's software emulator.</summary>
    public static VirtType Choose(Connection connection, string arch = "x86_64")
    {
        ArgumentNullException.ThrowIfNull(connection);
        return Choose(connection.GetCapabilities(), arch);
    }

    /// <summary>KVM when the capabilities XML (<c>virConnectGetCapabilities</c>) offers a <c>kvm</c> domain for an
    /// <c>hvm</c> guest of <paramref name="arch"/>, else QEMU's software emulator.</summary>
    public static VirtType Choose(string capabilitiesXml, string arch = "x86_64")
    {
        var kvm = XElement.Parse(capabilitiesXml).Elements("guest")
            .Where(guest => (string?)guest.Element("os_type") == "hvm")
            .Select(guest => guest.Element("arch"))
            .Where(a => (string?)a?.Attribute("name") == arch)
            .SelectMany(a => a!.Elements("domain"))
            .Any(domain => (string?)domain.Attribute("type") == "kvm");
        return kvm ? VirtType.Kvm : VirtType.Qemu;
    }
}
