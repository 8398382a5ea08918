using System.Runtime.InteropServices;
using Miniguest.Libvirt;

namespace Miniguest.Core;

/// <summary>The command needs root: libvirt's system connection refused this user, or Miniguest's state is root's.
/// Raised only for a user who is not root, and only for a refusal: a daemon that is not running, or a directory given
/// with <c>MINIGUEST_STATE_DIR</c> that the user owns, fail as they would for root.</summary>
public sealed class RootRequiredException : MiniguestException
{
    internal RootRequiredException(string refused, Exception inner)
        : base($"this needs root: libvirt's system connections and Miniguest's state are root's ({refused} refused this user)", inner)
    {
        Refused = refused;
    }

    /// <summary>What refused: a libvirt URI, or a directory of Miniguest's state.</summary>
    public string Refused { get; }
}

/// <summary>Tells a refusal that needs root from any other failure.</summary>
internal static class RootAccess
{
    private const int NotPermitted = 1; // EPERM
    private const int AccessDenied = 13; // EACCES

    /// <summary>Whether <paramref name="uri"/> names a system connection of this host's libvirtd: <c>qemu:///system</c>,
    /// <c>lxc:///</c> (<c>lxc:///system</c>), also over <c>+unix</c>; never a session, another host or the test driver.</summary>
    public static bool IsSystemUri(string uri)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Authority.Length > 0)
        {
            return false;
        }
        return parsed.Scheme switch
        {
            "qemu" or "qemu+unix" => parsed.AbsolutePath == "/system",
            "lxc" or "lxc+unix" => parsed.AbsolutePath is "/" or "/system",
            _ => false,
        };
    }

    /// <summary>Whether libvirt refused to connect this user (not root: <paramref name="isRoot"/>) to the system
    /// connection <paramref name="uri"/>: its authentication or access control said no (polkit among them, or the
    /// system bus it asks it over), or the daemon's socket is not the user's to open.</summary>
    public static bool Refused(string uri, LibvirtException error, bool isRoot) =>
        !isRoot && IsSystemUri(uri) && (error.Code is ErrorCode.AuthFailed or ErrorCode.AuthCancelled or ErrorCode.AuthUnavailable or ErrorCode.AccessDenied
            || error.ErrorDomain is ErrorDomain.Polkit or ErrorDomain.Dbus
            || (error.Code == ErrorCode.SystemError && error.Message.EndsWith(Marshal.GetPInvokeErrorMessage(AccessDenied), StringComparison.Ordinal)));

    /// <summary>Whether <paramref name="error"/> is a file that is not this user's (not root: <paramref name="isRoot"/>)
    /// to open or make.</summary>
    public static bool Refused(Exception error, bool isRoot) =>
        !isRoot && error is UnauthorizedAccessException or IOException { HResult: AccessDenied or NotPermitted };
}
