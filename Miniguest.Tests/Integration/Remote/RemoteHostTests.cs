using System.Diagnostics;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Integration.Remote;

/// <summary>
/// The simulated second host itself, against the real stack: its libvirtd answers over SSH on both drivers with
/// domains of its own, <c>nix copy</c> reaches its store and nothing else does, and stopping its sshd cuts it off
/// quickly. The tests of guests on other hosts stand on these.
/// </summary>
[TestFixture, Category(TestCategories.Remote), NonParallelizable]
public sealed class RemoteHostTests
{
    private static RemoteHost Host => RemoteTier.Host;

    [TestCase("qemu:///system")]
    [TestCase("lxc:///")]
    public void ItsLibvirtdAnswersOverSshWithNoneOfThisHostsDomains(string localUri)
    {
        var remoteUri = localUri.StartsWith("qemu:", StringComparison.Ordinal) ? Host.QemuUri : Host.LxcUri;
        var here = DomainNames(localUri);
        var there = DomainNames(remoteUri);
        Assert.That(there, Is.Empty, $"its domains are its own, and this host's ({string.Join(", ", here)}) are not among them");
    }

    [Test]
    public void NixCopyPutsAPathInItsStoreAndNothingElseDoes()
    {
        var copied = AddToThisStore("copied");
        var notCopied = AddToThisStore("not-copied");
        try
        {
            var copy = Host.RunHere("nix", "--extra-experimental-features", "nix-command", "copy", "--to", Host.NixStoreUri, copied);
            Assert.That(copy.ExitCode, Is.Zero, $"nix copy to the simulated host failed:\n{copy}");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(Host.StorePathValid(copied), Is.True, "the copied path is valid there");
                Assert.That(Host.PathExists(copied), Is.True, "the copied path is in its store");
                Assert.That(Host.StorePathValid(notCopied), Is.False, "a path only this host has is not valid there");
                Assert.That(Host.PathExists(notCopied), Is.False, "its store is its own, not this host's");
            }
        }
        finally
        {
            NixStoreCommand.Delete(copied);
            NixStoreCommand.Delete(notCopied);
        }
    }

    [Test]
    public void WithItsSshdStoppedConnectingFailsQuicklyAndStartingItRestoresIt()
    {
        Host.StopSshd();
        try
        {
            var stopwatch = Stopwatch.StartNew();
            Assert.That(() => Connection.OpenReadOnly(Host.QemuUri).Dispose(),
                Throws.InstanceOf<LibvirtException>().With.Message.Contains("Connection refused"));
            Assert.That(stopwatch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "a refused connection is no reason to wait");
        }
        finally
        {
            Host.StartSshd();
        }
        using var connection = Connection.OpenReadOnly(Host.QemuUri);
        Assert.That(connection.ListAllDomains(), Is.Empty);
    }

    private static List<string> DomainNames(string uri)
    {
        using var connection = Connection.OpenReadOnly(uri);
        var names = new List<string>();
        foreach (var domain in connection.ListAllDomains())
        {
            using (domain)
            {
                names.Add(domain.Name);
            }
        }
        return names;
    }

    /// <summary>A new store path on this host, unique to this run: <paramref name="name"/> holding a fresh GUID.</summary>
    private static string AddToThisStore(string name)
    {
        var directory = Directory.CreateTempSubdirectory("miniguest-remote-probe-").FullName;
        try
        {
            var file = Path.Combine(directory, "miniguest-remote-" + name);
            File.WriteAllText(file, Guid.NewGuid().ToString());
            return NixStoreCommand.Add(file);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
