using Miniguest.Core;
using Miniguest.Libvirt;

namespace Miniguest.Tests.Unit;

/// <summary>Which failures mean that the command needs root: a refusal, to a user who is not root, by libvirt's system
/// connection or a file of Miniguest's state; nothing else (a daemon that is down, a session, another host, root).</summary>
public sealed class RootAccessTests
{
    [TestCase("qemu:///system", true)]
    [TestCase("qemu+unix:///system", true)]
    [TestCase("qemu+unix:///system?socket=/run/libvirt/libvirt-sock", true)]
    [TestCase("lxc:///", true)]
    [TestCase("lxc:///system", true)]
    [TestCase("qemu:///session", false)]
    [TestCase("qemu+ssh://root@host/system", false)]
    [TestCase("test:///default", false)]
    [TestCase("not a uri", false)]
    public void A_system_connection_is_this_host_s_qemu_or_lxc_system_daemon(string uri, bool system) =>
        Assert.That(RootAccess.IsSystemUri(uri), Is.EqualTo(system));

    [TestCase(ErrorCode.AuthUnavailable, ErrorDomain.Polkit, "authentication unavailable: no polkit agent available")]
    [TestCase(ErrorCode.AuthFailed, ErrorDomain.Rpc, "authentication failed")]
    [TestCase(ErrorCode.AccessDenied, ErrorDomain.Access, "access denied")]
    [TestCase(ErrorCode.InternalError, ErrorDomain.Dbus, "internal error: Unable to get system bus connection")]
    [TestCase(ErrorCode.SystemError, ErrorDomain.Rpc, "Failed to connect socket to '/var/run/libvirt/libvirt-sock': Permission denied")]
    public void A_system_connection_that_refuses_a_user_needs_root(ErrorCode code, ErrorDomain domain, string message)
    {
        var refusal = new LibvirtException(message, code, domain);

        using (Assert.EnterMultipleScope())
        {
            Assert.That(RootAccess.Refused("qemu:///system", refusal, isRoot: false), Is.True);
            Assert.That(RootAccess.Refused("qemu:///system", refusal, isRoot: true), Is.False, "root is refused otherwise");
            Assert.That(RootAccess.Refused("qemu:///session", refusal, isRoot: false), Is.False, "a session is the user's");
        }
    }

    [TestCase(ErrorCode.SystemError, ErrorDomain.Rpc, "Failed to connect socket to '/var/run/libvirt/libvirt-sock': No such file or directory")]
    [TestCase(ErrorCode.NoConnect, ErrorDomain.None, "no connection driver available for bogus:///")]
    [TestCase(ErrorCode.InternalError, ErrorDomain.Qemu, "unexpected qemu URI path '/nonsense'")]
    public void A_system_connection_that_fails_otherwise_is_no_matter_of_root(ErrorCode code, ErrorDomain domain, string message) =>
        Assert.That(RootAccess.Refused("qemu:///system", new LibvirtException(message, code, domain), isRoot: false), Is.False);

    [Test]
    public void A_file_that_is_not_the_user_s_needs_root_and_another_failure_does_not()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(RootAccess.Refused(new UnauthorizedAccessException("Access to the path is denied."), isRoot: false), Is.True);
            Assert.That(RootAccess.Refused(new IOException("/var/lib/miniguest: cannot create the directory: Permission denied", 13), isRoot: false), Is.True);
            Assert.That(RootAccess.Refused(new UnauthorizedAccessException("Access to the path is denied."), isRoot: true), Is.False);
            Assert.That(RootAccess.Refused(new IOException("No space left on device", 28), isRoot: false), Is.False);
        }
    }
}
