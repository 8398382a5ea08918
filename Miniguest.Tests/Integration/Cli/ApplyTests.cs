using Miniguest.Libvirt;

namespace Miniguest.Tests.Integration.Cli;

/// <summary><c>miniguest apply</c>, as the NixOS host module runs it: declared guests are links straight into
/// the store, their settings come in a manifest.</summary>
[TestFixture, Category(TestCategories.Integration)]
public sealed class ApplyTests : HostFixture
{

    [Test]
    public async Task Apply_defines_declared_guests_and_undefines_those_no_longer_declared_but_never_an_installed_one()
    {
        var declared = MiniguestHost.UniqueName("decl");
        var installed = MiniguestHost.UniqueName("inst");
        var guest = await TestGuestFlake.BuildAsync("vm");
        Directory.CreateDirectory(Host.Paths.Guests);
        File.CreateSymbolicLink(Host.Paths.Link(declared), Directory.ResolveLinkTarget(guest.Directory, true)?.FullName ?? guest.Directory);
        Host.Ok("install", "-n", installed, TestGuestFlake.Reference + "#vm");
        Host.Ok("create", installed, "--virt-type", "qemu", "--memory", "128");

        var manifest = Path.Combine(Host.Root, "manifest.json");
        File.WriteAllText(manifest, """{"version":1,"guests":{"NAME":{"autostart":true,"memory":192,"networks":[],"bridges":[],"restartIfChanged":true,"uri":null,"vcpus":2}}}"""
            .Replace("NAME", declared, StringComparison.Ordinal));
        Host.Ok("apply", "--manifest", manifest);

        using var connection = Connection.Open("qemu:///system");
        using (var domain = connection.GetDomain(declared))
        {
            var vm = Miniguest.Libvirt.Guests.DomainXml.ReadVm(domain.GetXml(DomainXmlFlags.Inactive));
            using (Assert.EnterMultipleScope())
            {
                Assert.That(domain.Autostart, Is.True);
                Assert.That(vm.MemoryMiB, Is.EqualTo(192));
                Assert.That(vm.VCpus, Is.EqualTo(2));
                Assert.That(vm.Metadata?.GuestName, Is.EqualTo(declared));
            }
        }
        Assert.That(Host.Ok("list", "--json").Out, Does.Contain("\"declarative\": true"));

        File.WriteAllText(manifest, """{"version":1,"guests":{}}""");
        Host.Ok("apply", "--manifest", manifest);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(connection.TryGetDomain(declared, out _), Is.False, "no longer declared: undefined");
            Assert.That(connection.TryGetDomain(installed, out var kept), Is.True, "an installed guest's domain is not the manifest's");
            kept?.Dispose();
        }
    }

    [Test]
    public async Task A_declared_guest_gets_the_share_directories_its_host_declares_and_none_its_build_output_asks_for()
    {
        var declared = MiniguestHost.UniqueName("decl");
        var guest = await TestGuestFlake.BuildAsync("escape-share");
        Directory.CreateDirectory(Host.Paths.Guests);
        File.CreateSymbolicLink(Host.Paths.Link(declared), Directory.ResolveLinkTarget(guest.Directory, true)?.FullName ?? guest.Directory);
        var data = Directory.CreateDirectory(Path.Combine(Host.Root, "srv", "data")).FullName;
        var manifest = Path.Combine(Host.Root, "manifest.json");
        void Declare(string shares) =>
            File.WriteAllText(manifest, """{"version":1,"guests":{"NAME":{"autostart":false,"memory":128,"networks":[],"bridges":[],"restartIfChanged":true,"uri":null,"vcpus":1,"shares":SHARES}}}"""
                .Replace("NAME", declared, StringComparison.Ordinal).Replace("SHARES", shares, StringComparison.Ordinal));

        Declare("{}");
        var refused = Host.Run("apply", "--manifest", manifest);
        Declare($$"""{"data":"{{data}}"}""");
        Host.Ok("apply", "--manifest", manifest);

        using var connection = Connection.Open("qemu:///system");
        using var domain = connection.GetDomain(declared);
        var vm = Miniguest.Libvirt.Guests.DomainXml.ReadVm(domain.GetXml(DomainXmlFlags.Inactive));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(refused.ExitCode, Is.EqualTo(1));
            Assert.That(refused.Error, Does.Contain("asks for the host directory /root").And.Contain($"miniguests.{declared}.shares.data"));
            Assert.That(vm.Shares.Select(share => share.Source), Is.EqualTo(new[] { data }), "the declared directory, not the one asked for");
        }
    }

    [Test]
    public void A_manifest_of_another_version_is_refused_in_one_line()
    {
        var manifest = Path.Combine(Host.Root, "manifest.json");
        File.WriteAllText(manifest, """{"version":2,"guests":{}}""");
        var result = Host.Run("apply", "--manifest", manifest);
        Assert.That(result.ExitCode, Is.EqualTo(1));
        Assert.That(result.ErrorLines, Has.Count.EqualTo(1).And.Some.Contains("version 2"));
    }
}
