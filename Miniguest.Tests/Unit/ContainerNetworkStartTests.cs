using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>A container starts in the host's network namespace only where an admin asked for it: a domain an earlier
/// Miniguest defined without an interface and without <c>&lt;privnet/&gt;</c> is refused until it is defined again.</summary>
public sealed class ContainerNetworkStartTests
{
    private static string Xml(bool sharesHostNetwork, bool asked) => DomainXml.Write(new ContainerDomain
    {
        Name = "ct",
        RootDirectory = "/var/lib/miniguest/guests/ct/container/root",
        BootSource = "/nix/store/b",
        StoreSource = "/nix/store",
        StoreTarget = "/nix/store",
        SharesHostNetwork = sharesHostNetwork,
        Metadata = new GuestMetadata("ct") { HostNetwork = asked },
    });

    [Test]
    public void A_container_in_the_host_s_network_namespace_starts_only_when_an_admin_asked()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(() => StartSafety.RequireOwnNetwork(DomainXml.Read(Xml(sharesHostNetwork: true, asked: false))),
                Throws.TypeOf<GuestStateException>().With.Message.Contain("which no admin asked for"));
            Assert.That(() => StartSafety.RequireOwnNetwork(DomainXml.Read(Xml(sharesHostNetwork: true, asked: true))), Throws.Nothing);
            Assert.That(() => StartSafety.RequireOwnNetwork(DomainXml.Read(Xml(sharesHostNetwork: false, asked: false))), Throws.Nothing, "privnet");
        }
    }
}
