using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>The one-pass reading of a domain's XML that listings use, on XML as libvirt renders it and as people edit it.</summary>
public sealed class DomainSummaryTests
{
    // Shaped as libvirt renders a live domain: metadata of other tools around Miniguest's, devices Miniguest does not
    // model, comments, an interface kind this model does not know.
    private const string Xml = """
        <domain type='lxc' id='4'>
          <name>web</name>
          <!-- a comment -->
          <metadata>
            <other:tool xmlns:other='urn:other'><other:guest name='not-ours'/></other:tool>
            <miniguest:guest xmlns:miniguest='urn:miniguest:domain:1' name='web' generation='7' store-path='/nix/store/abc-web'/>
          </metadata>
          <os><type>exe</type><init>/init</init></os>
          <devices>
            <filesystem type='mount'><source dir='/x'/><target dir='/'/></filesystem>
            <interface type='user'><mac address='52:54:00:00:00:01'/></interface>
            <interface type='network'><mac address='52:54:00:00:00:02'/><source network='default'/></interface>
            <console type='pty'/>
            <interface type='bridge'><mac address='52:54:00:00:00:03'/><source bridge='br0'/><target dev='veth0'/></interface>
          </devices>
          <seclabel type='none'/>
        </domain>
        """;

    [Test]
    public void Reads_miniguests_metadata_and_the_interfaces_it_models_in_order()
    {
        var summary = DomainSummary.Read(Xml);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(summary.Metadata, Is.EqualTo(new GuestMetadata("web", 7, "/nix/store/abc-web")));
            Assert.That(summary.Interfaces, Is.EqualTo(new[]
            {
                new GuestInterface(new NetworkAttachment(AttachmentType.Network, "default"), "52:54:00:00:00:02"),
                new GuestInterface(new NetworkAttachment(AttachmentType.Bridge, "br0"), "52:54:00:00:00:03"),
            }.ToValueList()));
        }
    }

    [TestCase("<domain type='kvm'><name>other</name></domain>")]
    [TestCase("<domain type='kvm'><metadata/><devices/></domain>")]
    [TestCase("<domain/>")]
    [TestCase("<domain><metadata><guest name='web'/></metadata></domain>")]
    public void A_domain_without_miniguests_metadata_or_interfaces_has_none(string xml)
    {
        var summary = DomainSummary.Read(xml);
        Assert.That(summary, Is.EqualTo(new DomainSummary(null, [])));
    }

    [TestCase("<network><name>default</name></network>")]
    [TestCase("<domain><devices><interface type='network'><source network='default'/></interface></devices></domain>")]
    [TestCase("<domain><metadata><miniguest:guest xmlns:miniguest='urn:miniguest:domain:1'/></metadata></domain>")]
    [TestCase("<domain><devices>")]
    [TestCase("<!DOCTYPE domain [<!ENTITY x 'y'>]><domain/>")]
    public void Anything_but_a_readable_domain_is_a_format_error(string xml) =>
        Assert.Throws<FormatException>(() => DomainSummary.Read(xml));
}
