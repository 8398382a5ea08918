using System.Text.Json;
using System.Text.RegularExpressions;
using Miniguest.Core;

namespace Miniguest.Tests.Integration.Cli;

/// <summary>
/// State that survives, on the real stack, for a 9p VM, a virtiofs VM and a container: the test guest's <c>-state</c>
/// variants count their boots in their data share, and leave there what a hostile guest would (a setuid copy of their
/// shell, links to a host file and a host directory). The count goes on through restarts, an upgrade, a rollback,
/// <c>install --force</c> and a remove and reinstall; only <c>remove --purge</c> starts it again, deleting the links and
/// never their targets. The store stays read-only to the guest all along.
/// </summary>
[TestFixture, Category(TestCategories.Integration), Parallelizable]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class StateTests : EditableFlakeFixture
{
    // Where the guest's links in its share lead: host paths that a purge must leave alone.
    private const string LinkedFile = "/var/tmp/miniguest-test-share-target";
    private const string LinkedDirectory = "/var/tmp/miniguest-test-share-target-dir";

    [SetUp]
    public void CreateLinkTargets()
    {
        File.WriteAllText(LinkedFile, "the host's");
        Directory.CreateDirectory(LinkedDirectory);
        File.WriteAllText(Path.Combine(LinkedDirectory, "kept"), "the host's");
    }

    [TearDown]
    public void DeleteLinkTargets()
    {
        File.Delete(LinkedFile);
        Directory.Delete(LinkedDirectory, recursive: true);
    }

    [TestCase("vm-state")]
    [TestCase("vm-virtiofs-state")]
    [TestCase("container-state")]
    public void Data_outlives_restarts_upgrades_rollbacks_and_a_reinstall_and_only_a_purge_deletes_it(string variant)
    {
        var name = MiniguestHost.UniqueName(variant.StartsWith("vm", StringComparison.Ordinal) ? "vm" : "ct");
        var guest = GuestName.Parse(name);
        Install(name, variant);
        var data = Host.Paths.ShareDirectory(guest, "data");

        Assert.That(Boot(name, variant), Is.EqualTo(1));
        var share = JsonDocument.Parse(Host.Ok("list", "--json").Out).RootElement[0].GetProperty("shares")[0];
        Assert.That((share.GetProperty("tag").GetString(), share.GetProperty("mountPoint").GetString(), share.GetProperty("source").GetString()),
            Is.EqualTo(("data", "/var/lib/data", data)), "list --json gives the share's host directory");

        // Each redefinition keeps the domain's share on the data, and the guest started again after all of them finds its
        // count.
        TestGuestFlake.ChangeGuest(Flake, "upgraded");
        Host.Ok("upgrade", name);
        AssertSharesData(name, data, "after an upgrade");
        Host.Ok("rollback", name);
        AssertSharesData(name, data, "after a rollback");
        Host.Ok("install", "--force", "-n", name, $"path:{Flake}#{variant}");
        AssertSharesData(name, data, "after install --force");
        Assert.That(Boot(name, variant), Is.EqualTo(2), "started again after an upgrade, a rollback and install --force");

        var removed = Host.Ok("remove", name);
        Assert.That(removed.Out, Does.Contain($"its data stays in {Host.Paths.GuestShares(guest)}").And.Contain("remove --purge deletes it"));
        Install(name, variant);
        Assert.That(Boot(name, variant), Is.EqualTo(3), "a reinstalled guest finds its data");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(Convert.ToString((int)File.GetUnixFileMode(Host.Paths.GuestShares(guest)), 8), Is.EqualTo("700"),
                "only the guest's root enters its shares' directory");
            Assert.That(File.Exists(Path.Combine(data, "setuid-shell")), Is.True, "the guest made its setuid file");
            var asNobody = AsNobody.Run("/bin/busybox", "cat", Path.Combine(data, "setuid-shell"));
            Assert.That(asNobody.ExitCode, Is.Not.Zero, "a host user reads the guest's setuid file: " + asNobody.Error);
            Assert.That(asNobody.Error, Does.Contain("Permission denied"));
        }

        Host.Ok("remove", name, "--purge");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Directory.Exists(Host.Paths.GuestShares(guest)), Is.False, "the purge deletes the data");
            Assert.That(Directory.Exists(Host.Paths.GuestState(guest)), Is.False, "and a container's root");
            Assert.That(File.ReadAllText(LinkedFile), Is.EqualTo("the host's"), "a link's target is left alone");
            Assert.That(File.Exists(Path.Combine(LinkedDirectory, "kept")), Is.True, "a link to a directory is not followed");
        }
        Install(name, variant);
        Assert.That(Boot(name, variant), Is.EqualTo(1), "after a purge the guest starts afresh");
        Host.Ok("remove", name, "--purge");
    }

    [Test]
    public void Purge_deletes_the_data_a_removed_guest_left_and_nothing_else()
    {
        var name = MiniguestHost.UniqueName("ct");
        var guest = GuestName.Parse(name);
        Install(name, "container-state");
        Assert.That(Boot(name, "container-state"), Is.EqualTo(1));
        Host.Ok("remove", name);
        Assert.That(Directory.Exists(Host.Paths.ShareDirectory(guest, "data")), Is.True);

        var purged = Host.Ok("remove", name, "--purge");
        var again = Host.Run("remove", name, "--purge");

        using (Assert.EnterMultipleScope())
        {
            Assert.That(purged.Out, Does.Contain($"purged the data '{name}' left"));
            Assert.That(Directory.Exists(Host.Paths.GuestShares(guest)), Is.False);
            Assert.That(Directory.Exists(Host.Paths.GuestState(guest)), Is.False);
            Assert.That((again.ExitCode, again.Error), Is.EqualTo((1, $"miniguest: error: no guest named '{name}' is installed\n")), "nothing left to purge");
        }
    }

    // The guest's domain still gives it the data directory as its share, and the count it left there is untouched.
    private void AssertSharesData(string name, string data, string when)
    {
        using var connection = Miniguest.Libvirt.Connection.OpenReadOnly(File.ReadAllText(Host.Paths.ConnectionUriFile(GuestName.Parse(name))).Trim());
        using var domain = connection.GetDomain(name);
        var sources = System.Xml.Linq.XElement.Parse(domain.GetXml(Miniguest.Libvirt.DomainXmlFlags.Inactive)).Descendants("filesystem")
            .Where(share => (string?)share.Element("target")?.Attribute("dir") is "data" or "/var/lib/data") // a VM's tag, a container's mount point
            .Select(share => (string?)share.Element("source")?.Attribute("dir"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(sources, Is.EqualTo(new[] { data }), $"the domain shares the data directory {when}");
            Assert.That(File.ReadAllText(Path.Combine(data, "boots")).Trim(), Is.EqualTo("1"), $"the count is kept {when}");
        }
    }

    private void Install(string name, string variant)
    {
        Host.Ok("install", "-n", name, $"path:{Flake}#{variant}");
        var created = Host.Ok(variant.StartsWith("vm", StringComparison.Ordinal) ? ["create", name, "--virt-type", "qemu", "--memory", "256"] : ["create", name]);
        Assert.That(created.Out, Does.Contain($"  share 'data' at /var/lib/data: {Host.Paths.ShareDirectory(GuestName.Parse(name), "data")} (its own)\n"), "create says what the guest gets of the host");
    }

    // Boots the guest to its end and reads the count it said: from its console, or for a container that finished before
    // its console was attached, from the report it keeps in its root.
    private int Boot(string name, string variant)
    {
        var said = Host.Ok("start", name, "--console").Out;
        if (!BootsLine().IsMatch(said) && variant.StartsWith("container", StringComparison.Ordinal))
        {
            said = File.ReadAllText(Path.Combine(Host.Paths.ContainerRoot(GuestName.Parse(name)), "miniguest-test-report"));
        }
        var counts = BootsLine().Matches(said);
        Assert.That(counts, Is.Not.Empty, $"the guest said no count: {said}");
        Assert.That(said, Does.Contain("store-write=refused").And.Not.Contain("store-write=succeeded"), "a writable share leaves the store read-only");
        return int.Parse(counts[^1].Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [GeneratedRegex(@"miniguest-test-guest: boots=(\d+)")]
    private static partial Regex BootsLine();
}
