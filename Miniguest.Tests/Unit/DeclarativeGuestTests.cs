using Miniguest.Core;

namespace Miniguest.Tests.Unit;

public sealed class DeclarativeGuestTests
{
    [Test]
    public void Network_host_declares_the_host_s_network_namespace_and_no_interface()
    {
        var host = new DeclarativeGuest(null, 512, 1, ["host"], null, Autostart: false, RestartIfChanged: true);
        var networks = new DeclarativeGuest(null, 512, 1, ["default"], ["br0"], Autostart: false, RestartIfChanged: true);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(host.HostNetwork, Is.True);
            Assert.That(host.Attachments, Is.Empty);
            Assert.That(networks.HostNetwork, Is.False);
            Assert.That(networks.Attachments, Is.EqualTo(new[]
            {
                new NetworkAttachment(AttachmentType.Network, "default"), new NetworkAttachment(AttachmentType.Bridge, "br0"),
            }));
        }
    }
}
