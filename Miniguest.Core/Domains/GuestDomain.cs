using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>A guest's domain as a command found it (<see cref="GuestDomains.Find"/>): libvirt's handle, and the description
/// the domain's next start boots (libvirt's inactive XML), read from libvirt once when it was found and parsed at most
/// once, when first asked.</summary>
internal sealed class GuestDomain(Domain handle, string xml) : IDisposable
{
    private DomainDescription? _description;
    private DomainSummary? _summary;

    /// <summary>libvirt's handle, for what the command does to the domain.</summary>
    public Domain Handle => handle;

    /// <summary>The domain's name.</summary>
    public string Name => handle.Name;

    /// <summary>Whether it runs (asked of libvirt each time).</summary>
    public bool IsActive => handle.IsActive;

    /// <summary>The description its next start boots, as libvirt gave it.</summary>
    public string Xml => xml;

    /// <summary>Miniguest's metadata in that description: the generation it is defined on.</summary>
    public GuestMetadata? Metadata => Summary.Metadata;

    /// <summary>Its network interfaces on a libvirt network or a host bridge, in order.</summary>
    public ValueList<GuestInterface> Interfaces => Summary.Interfaces;

    /// <summary>The description as a VM or a container.</summary>
    /// <exception cref="FormatException">It is not of the shape Miniguest defines (edited since, say).</exception>
    public DomainDescription Description => _description ??= DomainXml.Read(xml);

    private DomainSummary Summary => _summary ??= DomainSummary.Read(xml);

    public void Dispose() => handle.Dispose();
}
