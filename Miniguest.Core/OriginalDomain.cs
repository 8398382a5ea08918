using System.Globalization;
using System.Xml;
using System.Xml.Linq;

namespace Miniguest.Core;

/// <summary>What Miniguest keeps of a domain the original miniguest's <c>create</c> defined, when it takes it over
/// (<see cref="DomainOptions.TakeOver"/>): what makes it the same machine to the host and its networks, never what it
/// boots or shares.</summary>
/// <param name="Uuid">Its UUID.</param>
/// <param name="MemoryMiB">Its memory; <see langword="null"/> where the settings asked for replaced it.</param>
/// <param name="VCpus">Its virtual CPUs; <see langword="null"/> where the settings asked for replaced them.</param>
/// <param name="Interfaces">Its interfaces on a libvirt network or a host bridge, each with its MAC address; once the domain
/// is built, those of the new domain whose MAC address is one of these.</param>
/// <param name="Autostart">Whether it starts with the host.</param>
public sealed record TakenOverDomain(Guid Uuid, int? MemoryMiB, int? VCpus, ValueList<GuestInterface> Interfaces, bool Autostart)
{
    /// <summary>Whether it ran when it was taken over: it runs on its old definition until it stops, and its new one takes
    /// effect at its next start.</summary>
    public bool Running { get; init; }

    /// <summary>The types of its interfaces that are neither on a libvirt network nor on a host bridge (<c>user</c>,
    /// <c>direct</c>, …), which are not kept.</summary>
    public ValueList<string> DroppedInterfaces { get; init; } = [];
}

/// <summary>
/// A domain the original miniguest's <c>create</c> had its admin define, with the <c>virt-install</c> command it printed: a
/// VM that boots the kernel of the guest's link directly (<c>/etc/miniguests/NAME/kernel</c>) and mounts the host's store
/// as the share <c>nix-store</c>, with no <c>init=</c> on its kernel line, which the systemd stage 1 needs. Its description
/// is someone else's: Miniguest takes from it only its UUID, its interfaces' MAC addresses on their networks or bridges,
/// its memory, vCPUs and autostart, and never what it boots or shares (its kernel, initrd, command line, share sources,
/// emulator), which Miniguest's own definition sets.
/// </summary>
internal static class OriginalDomain
{
    /// <summary>Why the domain of <paramref name="xml"/> is not one the original's <c>create</c> defined for the guest
    /// whose link is <paramref name="link"/>; <see langword="null"/> when it looks like one.</summary>
    public static string? Mismatch(string xml, string link)
    {
        ArgumentNullException.ThrowIfNull(link);
        XElement domain;
        try
        {
            domain = XElement.Parse(xml);
        }
        catch (XmlException)
        {
            return "its description does not parse";
        }
        var type = (string?)domain.Attribute("type");
        if (type is not ("qemu" or "kvm"))
        {
            return type == "lxc" ? "it is a container, not a VM" : $"it is a '{type}' domain, not a QEMU VM";
        }
        var kernel = (string?)domain.Element("os")?.Element("kernel");
        var expected = Path.Combine(link, "kernel");
        if (kernel != expected)
        {
            return kernel is null ? $"it boots no kernel directly, not {expected}" : $"it boots {kernel}, not {expected}";
        }
        return domain.Element("devices")?.Elements("filesystem").Any(share => (string?)share.Element("target")?.Attribute("dir") == DomainXml.StoreTag) == true
            ? null
            : $"it has no '{DomainXml.StoreTag}' share";
    }

    /// <summary>What Miniguest keeps of the domain of <paramref name="xml"/> (libvirt's rendering of its definition), whose
    /// UUID, autostart and state libvirt gave.</summary>
    /// <exception cref="FormatException">Its memory, vCPUs or interfaces do not read as libvirt writes them.</exception>
    public static TakenOverDomain Read(string xml, Guid uuid, bool autostart, bool running)
    {
        var domain = XElement.Parse(xml);
        var interfaces = domain.Element("devices")?.Elements("interface").ToList() ?? [];
        return new TakenOverDomain(uuid, MemoryMiB(domain), VCpus(domain), DomainXml.ReadInterfaces(xml), autostart)
        {
            Running = running,
            DroppedInterfaces = interfaces.Select(nic => (string?)nic.Attribute("type") ?? "").Where(type => type is not ("network" or "bridge")).ToValueList(),
        };
    }

    // libvirt writes a domain's memory in KiB; rounded up to whole MiB, as Miniguest writes it.
    private static int MemoryMiB(XElement domain)
    {
        var memory = domain.Element("memory") ?? throw new FormatException("the domain has no <memory>");
        if ((string?)memory.Attribute("unit") is { } unit && unit != "KiB")
        {
            throw new FormatException($"the domain's memory is in '{unit}', not in KiB as libvirt writes it");
        }
        return ulong.TryParse(memory.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var kib) && kib >= 16 * 1024 && kib <= int.MaxValue * 1024UL
            ? (int)((kib + 1023) / 1024)
            : throw new FormatException($"the domain's memory '{memory.Value}' KiB is not a size Miniguest gives a guest");
    }

    private static int VCpus(XElement domain)
    {
        var vcpu = domain.Element("vcpu") ?? throw new FormatException("the domain has no <vcpu>");
        return int.TryParse(vcpu.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count >= 1
            ? count
            : throw new FormatException($"the domain's vCPU count '{vcpu.Value}' is not a number of CPUs");
    }
}
