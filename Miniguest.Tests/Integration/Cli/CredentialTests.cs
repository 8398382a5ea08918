using System.Security.Cryptography;
using System.Text;
using Miniguest.Core;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>
/// A guest's systemd credentials on the real stack: each reaches the guest where systemd looks for it (a container's in
/// <c>$CREDENTIALS_DIRECTORY</c>; a VM's, among QEMU's fw_cfg entries, in GuestLifeTests), and the test guest says its SHA-256 there; the
/// copy Miniguest keeps is root's alone and survives its source; the domain's XML and the listing hold none of it; a
/// replaced one reaches the guest at its next start; one taken away is gone; and remove deletes the copies.
/// </summary>
[TestFixture, Category(TestCategories.Integration)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CredentialTests : HostFixture
{
    // A VM's, among QEMU's fw_cfg entries, is proven in GuestLifeTests' VM's life, on boots it makes anyway.
    [Test]
    public void A_container_reads_its_credential_where_systemd_would_and_a_replaced_one_from_its_next_start()
    {
        const string variant = "container", uri = "lxc:///";
        var name = MiniguestHost.UniqueName("cred");
        var guest = GuestName.Parse(name);
        var source = Path.Combine(Host.Root, "web-key");
        var first = Secret();
        File.WriteAllText(source, first);
        Host.Ok("install", "-n", name, $"{TestGuestFlake.Reference}#{variant}");

        Host.Ok("create", name, "--credential", $"web-key={source}");
        File.Delete(source);
        var boot = Boot(guest);
        var copy = Path.Combine(Host.Paths.Credentials(guest), "web-key");
        var xml = DomainXml(uri, name);
        var shown = Host.Ok("show", name, "--json").Out;
        var listing = Host.Ok("list", "--json").Out + shown + Host.Ok("show", name).Out;
        var byNobody = AsNobody.Run("cat", copy);
        var modes = (File.GetUnixFileMode(Host.Paths.Credentials(guest)), File.GetUnixFileMode(copy));

        var second = Secret();
        File.WriteAllText(source, second);
        Host.Ok("create", name, "--credential", $"web-key={source}");
        var again = Boot(guest);
        Host.Ok("create", name, "--no-credential", "web-key");
        var xmlWithout = DomainXml(uri, name);
        var copyWithout = File.Exists(copy);
        Host.Ok("remove", name);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(boot, Does.Contain($"miniguest-test-guest: credential web-key sha256={Sha256(first)}"), "the guest read it");
            Assert.That(modes, Is.EqualTo(((UnixFileMode)0b111_000_000, UnixFileMode.UserRead)), "0400 in a directory of 0700");
            Assert.That(byNobody.ExitCode, Is.Not.Zero, "a host user cannot read the copy");
            Assert.That(xml, Does.Not.Contain(first), "the domain's XML holds none of it");
            Assert.That(xml, Does.Contain("CREDENTIALS_DIRECTORY"));
            Assert.That(listing, Does.Not.Contain(first));
            Assert.That(System.Text.Json.JsonDocument.Parse(shown).RootElement.GetProperty("credentials").EnumerateArray().Select(id => id.GetString()),
                Is.EqualTo(new[] { "web-key" }), "show names it, and only by its ID");
            Assert.That(again, Does.Contain($"credential web-key sha256={Sha256(second)}"), "the replaced one, at the next start");
            Assert.That(again, Does.Not.Contain(Sha256(first)));
            Assert.That(copyWithout, Is.False, "one taken away is gone");
            Assert.That(xmlWithout, Does.Not.Contain("web-key"));
            Assert.That(Directory.Exists(Host.Paths.Credentials(guest)), Is.False, "remove deletes the copies");
        }
    }

    [Test]
    public void The_copy_is_the_guests_roots_alone_and_read_only()
    {
        var name = MiniguestHost.UniqueName("cred");
        var guest = GuestName.Parse(name);
        var source = Path.Combine(Host.Root, "token");
        File.WriteAllText(source, Secret());
        Host.Ok("install", "-n", name, $"{TestGuestFlake.Reference}#container");

        Host.Ok("create", name, "--credential", $"token={source}");

        var directory = Host.Paths.Credentials(guest);
        var file = Path.Combine(directory, "token");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(File.GetUnixFileMode(directory), Is.EqualTo((UnixFileMode)0b111_000_000));
            Assert.That(File.GetUnixFileMode(file), Is.EqualTo(UnixFileMode.UserRead));
            Assert.That(Owner(file), Is.EqualTo(Owner(Host.Paths.ContainerRoot(guest))), "the container's mapped root owns it, as it owns its root");
            Assert.That(Owner(directory), Is.EqualTo(Owner(Host.Paths.ContainerRoot(guest))));
        }
        Host.Ok("remove", "--purge", name);
    }

    // What the container said in one boot, from the report it leaves in its root: its console may end before the last of
    // its lines reach a console attached to it, since it powers off at once.
    private string Boot(GuestName guest)
    {
        var report = Path.Combine(Host.Paths.ContainerRoot(guest), "miniguest-test-report");
        File.Delete(report);
        Host.Ok("start", guest.Value);
        var deadline = DateTime.UtcNow + GuestRun.BootTimeout;
        while (!(File.Exists(report) && File.ReadAllText(report).Contains("miniguest-test-guest: powering off", StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"'{guest}' did not power off within {GuestRun.BootTimeout}");
            }
            Thread.Sleep(100);
        }
        // And gone: the next command finds it stopped.
        using var connection = Miniguest.Libvirt.Connection.Open("lxc:///");
        while (connection.TryGetDomain(guest.Value, out var domain) && Active(domain))
        {
            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"'{guest}' did not stop within {GuestRun.BootTimeout}");
            }
            Thread.Sleep(100);
        }
        return File.ReadAllText(report);
    }

    private static bool Active(Miniguest.Libvirt.Domain domain)
    {
        using (domain)
        {
            return domain.IsActive;
        }
    }

    private static string Secret() => Convert.ToHexString(RandomNumberGenerator.GetBytes(24));

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Owner(string path) => TestCommand.Run("stat", ["-c", "%u:%g", path]).Out.Trim();

    private static string DomainXml(string uri, string name)
    {
        using var connection = Miniguest.Libvirt.Connection.Open(uri);
        connection.TryGetDomain(name, out var domain);
        using (domain)
        {
            return domain!.GetXml();
        }
    }
}
