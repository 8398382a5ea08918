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

    /// <summary>The defaults, with any environment overrides applied: the process's environment, or the variables
    /// <paramref name="variable"/> gives.</summary>
    public static MiniguestPaths FromEnvironment(Func<string, string?>? variable = null)
    {
        variable ??= Environment.GetEnvironmentVariable;
        string Pick(string name, string fallback) => variable(name) is { Length: > 0 } value ? Path.GetFullPath(value) : fallback;
        var defaults = new MiniguestPaths();
        return new MiniguestPaths
        {
            Guests = Pick("MINIGUEST_GUESTS_DIR", defaults.Guests),
            Profiles = Pick("MINIGUEST_PROFILES_DIR", defaults.Profiles),
            State = Pick("MINIGUEST_STATE_DIR", defaults.State),
        };
    }

    /// <summary>The guest's link, <c>/etc/miniguests/NAME</c>.</summary>
    public string Link(GuestName name) => Path.Combine(Guests, name.Value);

    /// <summary>The guest's profile, whose generations are <c>NAME-N-link</c> beside it.</summary>
    public string Profile(GuestName name) => Path.Combine(Profiles, name.Value);

    /// <summary>The guest's own state directory.</summary>
    public string GuestState(GuestName name) => Path.Combine(State, "guests", name.Value);

    /// <summary>The file that receives the VM's serial console.</summary>
    public string ConsoleLog(GuestName name) => Path.Combine(GuestState(name), "console.log");

    /// <summary>The directory that holds the container's root directory and nothing else: the container's root's (the
    /// mapped one's, or host root's), mode 0700, so that no host user reaches anything the container leaves in its
    /// root (a setuid file, a device).</summary>
    public string ContainerDirectory(GuestName name) => Path.Combine(GuestState(name), "container");

    /// <summary>The container's root directory.</summary>
    public string ContainerRoot(GuestName name) => Path.Combine(ContainerDirectory(name), "root");

    /// <summary>Where the container's root directory was before it got a directory of its own above it: moved to
    /// <see cref="ContainerRoot"/> at the next definition of its domain.</summary>
    public string FormerContainerRoot(GuestName name) => Path.Combine(GuestState(name), "root");

    /// <summary>The first host id of the container's id range (<see cref="ContainerIds"/>).</summary>
    public string IdRangeFile(GuestName name) => Path.Combine(GuestState(name), IdRangeFileName);

    /// <summary>The name of <see cref="IdRangeFile"/> in a guest's state directory.</summary>
    internal const string IdRangeFileName = "id-range";

    /// <summary>The host-wide lock under which containers' id ranges are chosen (a name no guest's lock has).</summary>
    public string ContainerIdsLockFile => Path.Combine(State, "locks", ".container-ids.lock");

    /// <summary>The directory of the guests' share directories, which only their owners can enter.</summary>
    public string Shares => Path.Combine(State, "shares");

    /// <summary>The directory of the guest's share directories: its data, which <c>remove</c> keeps.</summary>
    public string GuestShares(GuestName name) => Path.Combine(Shares, name.Value);

    /// <summary>The host directory of the guest's share <paramref name="tag"/> that declares no source of its own.</summary>
    public string ShareDirectory(GuestName name, string tag) => Path.Combine(GuestShares(name), tag);

    /// <summary>The directory of the guests' volumes (<see cref="GuestVolumes"/>), which only their owners can enter.</summary>
    public string Volumes => Path.Combine(State, "volumes");

    /// <summary>The directory of the guest's volumes: its data, which <c>remove</c> keeps.</summary>
    public string GuestVolumes(GuestName name) => Path.Combine(Volumes, name.Value);

    /// <summary>A VM's volume <paramref name="volume"/>: a sparse raw image, <c>NAME.img</c>.</summary>
    public string VolumeImage(GuestName name, string volume) => Path.Combine(GuestVolumes(name), volume + Core.GuestVolumes.ImageSuffix);

    /// <summary>A container's volume <paramref name="volume"/>: a directory bound at its mount point.</summary>
    public string VolumeDirectory(GuestName name, string volume) => Path.Combine(GuestVolumes(name), volume);

    /// <summary>The guest's credentials (<see cref="GuestCredentials"/>).</summary>
    public string Credentials(GuestName name) => Path.Combine(GuestState(name), "credentials");

    /// <summary>The libvirt URI the guest's domain was defined on.</summary>
    public string ConnectionUriFile(GuestName name) => Path.Combine(GuestState(name), "connection-uri");

    /// <summary>The UUID of the domain Miniguest defined for the guest.</summary>
    public string DomainUuidFile(GuestName name) => Path.Combine(GuestState(name), "domain-uuid");

    /// <summary>Present when the NixOS host that declares the guest starts it with the host itself (<c>apply</c> does, on
    /// this host, in place of libvirt's autostart).</summary>
    public string DeclaredAutostartFile(GuestName name) => Path.Combine(GuestState(name), "declared-autostart");

    /// <summary>The directory of the garbage-collector roots of the generations the guest's domain needs
    /// (<see cref="GuestRoots"/>): links into the store that Nix registers as indirect roots.</summary>
    public string GenerationRoots(GuestName name) => Path.Combine(GuestState(name), "gcroots");

    /// <summary>The records of the guests this host installed on other hosts, one file a guest holding its host's
    /// libvirt URI and the flake it is built from (<see cref="RemoteGuests"/>).</summary>
    public string RemoteGuests => Path.Combine(State, "remote");

    /// <summary>The per-guest lock file, there while a command holds the guest's lock (<see cref="GuestLock"/>).</summary>
    public string LockFile(GuestName name) => Path.Combine(State, "locks", name.Value + ".lock");
}
