namespace Miniguest.Core;

/// <summary>Where Miniguest keeps things on a host. The defaults are the original tool's; each can be moved
/// (for tests, or unprivileged use) with an environment variable.</summary>
public sealed record MiniguestPaths
{
    /// <summary>The directory of guest links, <c>/etc/miniguests</c> (<c>MINIGUEST_GUESTS_DIR</c>).</summary>
    public string Guests { get; init; } = "/etc/miniguests";

    /// <summary>The directory of guest profiles (<c>MINIGUEST_PROFILES_DIR</c>). Under
    /// <c>/nix/var/nix/profiles</c> every profile is a garbage-collector root.</summary>
    public string Profiles { get; init; } = "/nix/var/nix/profiles/miniguest-profiles";

    /// <summary>Miniguest's own state: container roots, console logs, locks (<c>MINIGUEST_STATE_DIR</c>).</summary>
    public string State { get; init; } = "/var/lib/miniguest";

    /// <summary>The defaults, with any environment overrides applied.</summary>
    public static MiniguestPaths FromEnvironment()
    {
        static string Pick(string variable, string fallback) =>
            Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value ? Path.GetFullPath(value) : fallback;
        var defaults = new MiniguestPaths();
        return new MiniguestPaths
        {
            Guests = Pick("MINIGUEST_GUESTS_DIR", defaults.Guests),
            Profiles = Pick("MINIGUEST_PROFILES_DIR", defaults.Profiles),
            State = Pick("MINIGUEST_STATE_DIR", defaults.State),
        };
    }

    /// <summary>The guest's link, <c>/etc/miniguests/NAME</c>.</summary>
    public string Link(string name) => Path.Combine(Guests, name);

    /// <summary>The guest's profile, whose generations are <c>NAME-N-link</c> beside it.</summary>
    public string Profile(string name) => Path.Combine(Profiles, name);

    /// <summary>The guest's own state directory.</summary>
    public string GuestState(string name) => Path.Combine(State, "guests", name);

    /// <summary>The file that receives the VM's serial console.</summary>
    public string ConsoleLog(string name) => Path.Combine(GuestState(name), "console.log");

    /// <summary>The container's root directory.</summary>
    public string ContainerRoot(string name) => Path.Combine(GuestState(name), "root");

    /// <summary>The directory of the guests' share directories, which only their owners can enter.</summary>
    public string Shares => Path.Combine(State, "shares");

    /// <summary>The directory of the guest's share directories: its data, which <c>remove</c> keeps.</summary>
    public string GuestShares(string name) => Path.Combine(Shares, name);

    /// <summary>The host directory of the guest's share <paramref name="tag"/> that declares no source of its own.</summary>
    public string ShareDirectory(string name, string tag) => Path.Combine(GuestShares(name), tag);

    /// <summary>The libvirt URI the guest's domain was defined on.</summary>
    public string ConnectionUriFile(string name) => Path.Combine(GuestState(name), "connection-uri");

    /// <summary>The UUID of the domain Miniguest defined for the guest.</summary>
    public string DomainUuidFile(string name) => Path.Combine(GuestState(name), "domain-uuid");

    /// <summary>The records of the guests this host installed on other hosts, one file a guest holding its host's
    /// libvirt URI and the flake it is built from (<see cref="RemoteGuests"/>).</summary>
    public string RemoteGuests => Path.Combine(State, "remote");

    /// <summary>The per-guest lock file, there while a command holds the guest's lock (<see cref="GuestLock"/>).</summary>
    public string LockFile(string name) => Path.Combine(State, "locks", name + ".lock");
}
