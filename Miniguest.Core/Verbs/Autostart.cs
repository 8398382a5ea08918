namespace Miniguest.Core;

/// <summary>Whether a guest starts with its host (<see cref="GuestHost.SetAutostart"/>): libvirt's setting of its domain,
/// which a declared guest's is not the user's to change.</summary>
internal static class Autostart
{
    public static bool Set(GuestHostContext host, GuestName name, bool on)
    {
        if (Apply.IsApplied(host, name))
        {
            throw new GuestStateException(
                $"guest '{name}' is declarative: whether it starts with the host is miniguests.{name}.autostart in the host's NixOS configuration");
        }
        using var domain = host.OpenDomain(host.DomainSite(name), name);
        CrashPoint.Reach(CrashPoint.SetAutostart);
        domain.Handle.Autostart = on;
        return domain.Handle.Autostart;
    }
}
