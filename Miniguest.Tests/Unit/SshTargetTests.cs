using Miniguest.Core;

namespace Miniguest.Tests.Unit;

/// <summary>Which libvirt URIs name another host, and how Nix and ssh are pointed at it.</summary>
public sealed class SshTargetTests
{
    [TestCase("qemu:///system")]
    [TestCase("lxc:///")]
    [TestCase("qemu+unix:///system")]
    [TestCase("qemu+tls://web1/system")]
    [TestCase("test:///default")]
    [TestCase("not a uri")]
    public void A_uri_without_an_ssh_transport_names_no_other_host(string uri) =>
        Assert.That(SshTarget.FromLibvirtUri(uri), Is.Null);

    [Test]
    public void An_ssh_uri_gives_its_login_and_key_to_nix()
    {
        var target = SshTarget.FromLibvirtUri("qemu+ssh://root@web1.example/system?keyfile=/keys/id%20web&no_tty=1")!;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(target, Is.EqualTo(new SshTarget("root", "web1.example", "/keys/id web")));
            Assert.That(target.Destination, Is.EqualTo("root@web1.example"));
            Assert.That(target.NixStoreUri, Is.EqualTo("ssh://root@web1.example?ssh-key=%2Fkeys%2Fid%20web"));
        }
    }

    [TestCase("lxc+ssh://10.0.0.2/", null, "10.0.0.2")]
    [TestCase("qemu+libssh2://admin@web1/system", "admin", "web1")]
    [TestCase("qemu+libssh://web1/system", null, "web1")]
    public void Every_ssh_transport_names_its_host(string uri, string? user, string host)
    {
        var target = SshTarget.FromLibvirtUri(uri)!;
        Assert.That((target.User, target.Host, target.KeyFile), Is.EqualTo((user, host, (string?)null)));
        Assert.That(target.NixStoreUri, Is.EqualTo("ssh://" + target.Destination));
    }

    [TestCase("qemu+ssh:///system", "names no host")]
    [TestCase("qemu+ssh://root@web1:2222/system", "Port 2222")]
    public void An_ssh_uri_nix_cannot_follow_is_refused_with_the_reason(string uri, string reason) =>
        Assert.That(() => SshTarget.FromLibvirtUri(uri), Throws.InstanceOf<InvalidDomainOptionsException>().With.Message.Contains(reason));

    // What the remote shell receives is one line: each argument must reach the command whole, whatever it holds.
    [TestCase("plain")]
    [TestCase("two words")]
    [TestCase("it's")]
    [TestCase("$(touch /tmp/pwned) `id` ; rm -rf / & | > < \\ \" '' \n")]
    [TestCase("")]
    public void A_quoted_word_reaches_the_shell_whole(string word)
    {
        Assert.That(TestCommand.Ok("sh", "-c", "printf %s " + SshTarget.Quote(word)).Out, Is.EqualTo(word));
    }

    [Test]
    public void Ssh_runs_the_command_as_one_quoted_line_with_nixs_ssh_options_and_the_key()
    {
        var start = new SshTarget("root", "web1", "/keys/id").Command(["sh", "-c", "echo $1", "a b"], TimeSpan.FromSeconds(7));
        var arguments = start.ArgumentList.ToList();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(start.FileName, Is.EqualTo("ssh"));
            Assert.That(arguments, Does.Contain("ConnectTimeout=7"));
            Assert.That(arguments, Does.Contain("BatchMode=yes"));
            Assert.That(arguments.SkipWhile(a => a != "-i").Skip(1).First(), Is.EqualTo("/keys/id"));
            Assert.That(arguments[^3..], Is.EqualTo(new[] { "root@web1", "--", "'sh' '-c' 'echo $1' 'a b'" }));
        }
    }
}
