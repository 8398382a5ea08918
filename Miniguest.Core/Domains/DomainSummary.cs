using System.Xml;
using System.Xml.Linq;

namespace Miniguest.Core;

/// <summary>What a survey of guests needs from any domain's XML: Miniguest's metadata, and the interfaces this model
/// knows. Read in one pass that builds only those elements, not the whole document: a listing reads one of these for
/// every running guest.</summary>
/// <param name="Metadata">Miniguest's metadata; <see langword="null"/> when the domain has none, which means Miniguest
/// did not define it and must not touch it.</param>
/// <param name="Interfaces">The network interfaces on a libvirt network or a host bridge, in order.</param>
internal sealed record DomainSummary(GuestMetadata? Metadata, ValueList<GuestInterface> Interfaces)
{
    private static readonly XmlReaderSettings Settings = new()
    {
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        IgnoreWhitespace = true,
        DtdProcessing = DtdProcessing.Prohibit,
    };

    /// <summary>Reads the summary of any domain's XML.</summary>
    /// <exception cref="FormatException">The XML is not a domain, or an interface this model knows has no MAC
    /// address.</exception>
    public static DomainSummary Read(string xml)
    {
        ArgumentNullException.ThrowIfNull(xml);
        try
        {
            using var reader = XmlReader.Create(new StringReader(xml), Settings);
            reader.MoveToContent();
            if (reader.NodeType != XmlNodeType.Element || reader.Name != "domain")
            {
                throw new FormatException($"<{reader.Name}> is not a <domain>");
            }
            GuestMetadata? metadata = null;
            var interfaces = new List<GuestInterface>();
            ForEachChild(reader, section =>
            {
                switch (section.Name)
                {
                    case "metadata":
                        ForEachChild(section, entry =>
                        {
                            if (entry.LocalName == "guest" && entry.NamespaceURI == GuestMetadata.Namespace)
                            {
                                metadata = DomainXml.ReadGuestElement((XElement)XNode.ReadFrom(entry));
                            }
                            else
                            {
                                entry.Skip();
                            }
                        });
                        break;
                    case "devices":
                        ForEachChild(section, device =>
                        {
                            if (device.Name == "interface")
                            {
                                if (DomainXml.ReadInterface((XElement)XNode.ReadFrom(device)) is { } nic)
                                {
                                    interfaces.Add(nic);
                                }
                            }
                            else
                            {
                                device.Skip();
                            }
                        });
                        break;
                    default:
                        section.Skip();
                        break;
                }
            });
            return new DomainSummary(metadata, interfaces.ToValueList());
        }
        catch (XmlException e)
        {
            throw new FormatException($"the domain XML does not parse: {e.Message}", e);
        }
    }

    // Visits each child element of the element the reader is on, and leaves the reader past that element's end tag.
    // A visit consumes its child whole (XNode.ReadFrom, Skip, or ForEachChild again).
    private static void ForEachChild(XmlReader reader, Action<XmlReader> visit)
    {
        if (reader.IsEmptyElement)
        {
            reader.Read();
            return;
        }
        reader.Read();
        while (reader.NodeType != XmlNodeType.EndElement && !reader.EOF)
        {
            if (reader.NodeType == XmlNodeType.Element)
            {
                visit(reader);
            }
            else
            {
                reader.Read();
            }
        }
        reader.Read();
    }
}
